# scripts/lib/bench.sh — shared by scripts/bench and scripts/bench-tenancy (sourced, not run): logging,
# a loopback server's start and stop, and wrk runs that report p50/p95/p99 and throughput.
# The caller sets WORK (a temporary directory), BIN (the server binary), FAILED=0, SERVER_PID="" and
# WRK_THREADS / WRK_CONNECTIONS / WRK_DURATION, and removes the server on exit (stop_server).

log() { printf 'bench: %s\n' "$*" >&2; }
fail() {
  log "FAILED: $*"
  FAILED=1
}

kib() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }
mib_from_kb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
ms_from_us() { awk -v u="$1" 'BEGIN { printf "%.2f ms", u / 1000 }'; }

free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# start_server [VAR=value …] — runs "$BIN" serve on a free loopback port with the given environment
# (nothing inherited that chooses a database or site); sets PORT, BASE and SERVER_PID; waits for /healthz.
start_server() {
  PORT=$(free_port) || { log "FAILED: no free loopback port"; exit 1; }
  BASE=http://127.0.0.1:$PORT
  env -u DATABASE_URL -u LEPTOS_SITE_ROOT -u TENANTPILOT_PUBLIC_URL -u TENANTPILOT_DEMO \
    TENANTPILOT_ADDR=127.0.0.1:$PORT RUST_LOG=warn "$@" "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  log "server: pid $SERVER_PID on $BASE; waiting for /healthz …"
  local up=0
  for _ in $(seq 600); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$WORK/server.log" >&2
      log "FAILED: the server exited"
      exit 1
    fi
    if curl -fsS --max-time 2 "$BASE/healthz" >/dev/null 2>&1; then
      up=1
      break
    fi
    sleep 0.1
  done
  [ "$up" = 1 ] || { cat "$WORK/server.log" >&2; log "FAILED: /healthz did not answer within 60 s"; exit 1; }
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# ensure_wrk — installs Debian's wrk when missing (as root) and writes the report script run_wrk uses.
ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      log "installing Debian wrk"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2 ||
        { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2; }
    fi
    command -v wrk >/dev/null || { log "FAILED: wrk not found; install the Debian package wrk (apt-get install wrk)"; exit 1; }
  fi
  # wrk --latency prints 50/75/90/99 only; done() adds p95 (and machine-readable figures) from the histogram.
  cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f duration_us=%.0f p50_us=%.0f p95_us=%.0f p99_us=%.0f max_us=%.0f status=%.0f connect=%.0f read=%.0f write=%.0f timeout=%.0f\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
LUA
}

# run_wrk NAME PATH [wrk args…] — sets <NAME>_P50 _P95 _P99 _RPS _BAD (non-2xx/3xx) _SOCK (socket errors)
run_wrk() {
  local name=$1 path=$2 out=$WORK/wrk-$1.txt line rps
  shift 2
  log "wrk: GET $path — $WRK_THREADS threads, $WRK_CONNECTIONS connections, $WRK_DURATION …"
  wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$WRK_DURATION" --latency -s "$WORK/report.lua" "$@" "$BASE$path" >"$out" 2>&1 ||
    { cat "$out" >&2; fail "wrk $path"; }
  grep -v '^BENCH ' "$out" | sed 's/^/    /' >&2
  line=$(grep '^BENCH ' "$out" || true)
  [ -n "$line" ] || { fail "wrk $path printed no summary"; line="BENCH"; }
  get() { sed -nE "s/.* $1=([0-9]+).*/\1/p" <<<"$line"; }
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  printf -v "${name}_P50" '%s' "$(get p50_us)"
  printf -v "${name}_P95" '%s' "$(get p95_us)"
  printf -v "${name}_P99" '%s' "$(get p99_us)"
  printf -v "${name}_RPS" '%s' "${rps:-0}"
  printf -v "${name}_BAD" '%s' "$(get status)"
  local c r w t
  c=$(get connect) r=$(get read) w=$(get write) t=$(get timeout)
  printf -v "${name}_SOCK" '%s' "$((${c:-0} + ${r:-0} + ${w:-0} + ${t:-0}))"
}

# wrk_row NAME LABEL — one Markdown table row of run_wrk's figures.
wrk_row() {
  local n=$1 label=$2 p50 p95 p99 rps bad sock
  p50=${n}_P50 p95=${n}_P95 p99=${n}_P99 rps=${n}_RPS bad=${n}_BAD sock=${n}_SOCK
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$(ms_from_us "${!p50:-0}")" "$(ms_from_us "${!p95:-0}")" \
    "$(ms_from_us "${!p99:-0}")" "$(printf '%.0f' "${!rps:-0}")" "${!bad:-?}" "${!sock:-?}"
}
