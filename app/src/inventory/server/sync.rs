//! The `inventory.sync` run. For every contract in the registry: list the collection (following every
//! next link); for objects whose change marker (`lastModifiedDateTime` / `version`) differs from the stored
//! one, fetch the full payload (`$expand`, child collections such as settings-catalog `settings` or
//! administrative-template `definitionValues` with their presentation values); normalize, redact secrets
//! (HMAC fingerprints per JSON pointer), hash; write a new immutable version only when the hash changed
//! (a change of secrets only is a *protected change*). One task fetches every type in turn, never waiting
//! for the database; the run's task writes what it streams in batches, one transaction per batch.
//! Coverage per type goes to `inventory_coverage` and `context.inventory.coverage`; only a run in which
//! every type was fetched completely marks unseen policies as missing from the provider.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
};

use serde_json::{json, Map, Value};
use tokio::task::JoinSet;

use super::{
    normalize::normalize_in_place,
    redact::{self, VersionContent, REDACTION_VERSION},
    repo::{self, Captured, Known, NewVersion},
};
use crate::{
    authz::server::RunScope,
    connections::server::service::credential,
    error::AppError,
    keys::Keys,
    operations::{
        server::worker::{self, Done, RunContext, Stop},
        FailureSummary, Reason, RunOutcome, RunReason, SummaryCounts,
    },
    provider::{
        contracts::{Contract, CONTRACTS},
        server::{GraphError, Provider, Query, TenantGraph},
        ReasonCode,
    },
};

/// Objects written per transaction.
pub const BATCH: usize = 200;
/// The writer records a heartbeat (which also notices a cancellation) at most this often.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

fn store_failed(e: AppError) -> Stop {
    tracing::warn!(error = %e, "inventory sync could not write");
    Stop::Failed(FailureSummary::new(Reason::Run(RunReason::HandlerError), "the inventory could not be stored"))
}

/// Why one type could not be synced.
enum TypeFailure {
    Graph(GraphError),
    Stop(Stop),
}

impl From<Stop> for TypeFailure {
    fn from(s: Stop) -> Self {
        Self::Stop(s)
    }
}

impl From<GraphError> for TypeFailure {
    fn from(e: GraphError) -> Self {
        Self::Graph(e)
    }
}

#[derive(Default)]
struct Counts {
    items: i64,
    versions: i64,
    unchanged: i64,
    fetched: i64,
    protected: i64,
}

/// The listing's change marker: `lastModifiedDateTime` (or `modifiedDateTime`) and `version`.
pub fn change_marker(item: &Value) -> Option<String> {
    let modified = item.get("lastModifiedDateTime").or_else(|| item.get("modifiedDateTime")).and_then(Value::as_str);
    let version = item.get("version").map(|v| v.to_string());
    match (modified, version) {
        (None, None) => None,
        (m, v) => Some(format!("{}|{}", m.unwrap_or(""), v.unwrap_or_default())),
    }
}

/// The platform an object targets, from its `@odata.type` or its `platforms` / `platform` field.
pub fn platform_of(item: &Value) -> Option<String> {
    let text = item
        .get("platforms")
        .or_else(|| item.get("platform"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .or_else(|| item.get("@odata.type").and_then(Value::as_str).map(str::to_ascii_lowercase))?;
    let t = text.trim_start_matches("#microsoft.graph.");
    let p = if t.starts_with("windows") || t.contains("windows10") {
        "windows"
    } else if t.starts_with("macos") {
        "macos"
    } else if t.starts_with("ios") {
        "ios"
    } else if t.starts_with("android") {
        "android"
    } else {
        return None;
    };
    Some(p.to_string())
}

fn display_name(item: &Value) -> String {
    item.get("displayName")
        .or_else(|| item.get("name"))
        .and_then(Value::as_str)
        .map(|s| s.chars().take(400).collect())
        .unwrap_or_else(|| "(unnamed)".into())
}

/// Whether the listing already holds the full payload (no per-object fetch needed).
pub fn listing_is_full(contract: &Contract) -> bool {
    contract.children.is_empty()
}

/// The listing request of a type (also what the benchmark's raw-fetch ceiling asks for).
pub fn list_query(contract: &Contract) -> Query {
    if listing_is_full(contract) {
        contract.expand.map_or_else(Query::default, |e| Query::default().expand(e))
    } else {
        Query::default().select(contract.select)
    }
}

/// The full payload of one object: the item with `$expand` and its child collections inline.
pub async fn fetch_full(graph: TenantGraph, contract: &'static Contract, id: String) -> Result<Value, GraphError> {
    let query = contract.expand.map_or_else(Query::default, |e| Query::default().expand(e));
    let mut item = graph.get(&contract.item_path(&id), &query).await?;
    for child in contract.children {
        let path = format!("{}/{child}", contract.item_path(&id));
        let mut values = graph.list_all(&path, &Query::default()).await?;
        if *child == "definitionValues" {
            for dv in values.iter_mut() {
                let Some(dv_id) = dv.get("id").and_then(Value::as_str).map(String::from) else { continue };
                let pv = graph
                    .list_all(&format!("{path}/{dv_id}/presentationValues"), &Query::default().expand("presentation"))
                    .await?;
                if let Some(o) = dv.as_object_mut() {
                    o.insert("presentationValues".into(), Value::Array(pv));
                }
            }
        }
        if let Some(o) = item.as_object_mut() {
            o.insert((*child).to_string(), Value::Array(values));
        }
    }
    Ok(item)
}

/// One full payload, normalized, redacted and hashed (pure CPU work, done on the fetching side so that it
/// runs in parallel with the writer).
pub struct Prepared {
    external_id: String,
    odata_type: Option<String>,
    display_name: String,
    platform: Option<String>,
    marker: Option<String>,
    fingerprints: BTreeMap<String, String>,
    content: VersionContent,
}

/// Normalizes, redacts (fingerprints keyed with `key`) and hashes one payload, in place (the payload is
/// consumed); `None` without an id.
pub fn prepare(contract: &Contract, mut payload: Value, key: &[u8]) -> Option<Prepared> {
    let external_id = payload.get("id").and_then(Value::as_str)?.to_string();
    let odata_type = payload.get("@odata.type").and_then(Value::as_str).map(String::from);
    let (display_name, platform, marker) = (display_name(&payload), platform_of(&payload), change_marker(&payload));
    normalize_in_place(contract, &mut payload);
    let (assignments, scope_tags) = match payload.as_object_mut() {
        Some(o) => (
            o.remove("assignments").unwrap_or_else(|| json!([])),
            o.remove("roleScopeTagIds").unwrap_or_else(|| json!([])),
        ),
        None => (json!([]), json!([])),
    };
    let fingerprints = redact::redact_in_place(&mut payload, key);
    let content = redact::version_content(&payload, &fingerprints, &assignments, &scope_tags);
    Some(Prepared { external_id, odata_type, display_name, platform, marker, fingerprints, content })
}

/// Compares a prepared payload with the stored version: a new version when the hash changed (marked as a
/// protected change when only secrets did).
async fn capture(
    db: &crate::db::Db,
    scope: &RunScope,
    contract: &'static Contract,
    p: Prepared,
    known: Option<Known>,
) -> Result<(Captured, bool), AppError> {
    let unchanged = known.as_ref().is_some_and(|k| k.content_hash == p.content.hash);
    let mut protected = false;
    let version = if unchanged {
        None
    } else {
        if let Some(prev) = known.as_ref().and_then(|k| k.latest_version_id) {
            if let Some((snap, fps)) = repo::select_version_content(db, scope, prev).await? {
                let prev_fps: BTreeMap<String, String> = serde_json::from_str::<Value>(&fps)
                    .ok()
                    .and_then(|v| v.get("snapshot").cloned())
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default();
                protected = redact::is_protected_change(&snap, &prev_fps, &p.content.snapshot, &p.fingerprints);
            }
        }
        Some(NewVersion {
            snapshot: p.content.snapshot,
            assignments: p.content.assignments,
            scope_tags: p.content.scope_tags,
            secret_fingerprints: p.content.secret_fingerprints,
            redaction_version: i64::from(REDACTION_VERSION),
            protected_change: protected,
        })
    };
    let captured = Captured {
        policy_type: contract.key,
        external_id: p.external_id,
        odata_type: p.odata_type,
        display_name: p.display_name,
        platform: p.platform,
        content_hash: p.content.hash,
        source_marker: p.marker,
        version,
        known,
    };
    Ok((captured, protected))
}

/// What the fetcher hands the writer, type after type in registry order: payloads as received, nothing
/// processed, so the fetcher goes at the provider's pace.
enum Fetched {
    /// A full payload, to prepare, compare and store.
    Full(Value),
    /// A listed object whose change marker is unchanged: only its sighting is recorded.
    Seen(Value),
    /// Every object of the current type has been handed over: how many the provider listed, or why the
    /// type could not be fetched completely.
    TypeDone(Result<i64, GraphError>),
}

type Sender = tokio::sync::mpsc::UnboundedSender<Fetched>;

/// Fetches one type and streams what it got: listing pages as they arrive (types whose listing is the
/// full payload), or per object the full payload of changed objects (at most the budget's in-flight limit
/// at once) and a sighting for unchanged ones. Returns how many objects the provider listed.
async fn fetch_type(
    graph: TenantGraph,
    contract: &'static Contract,
    markers: HashMap<String, Option<String>>,
    tx: &Sender,
) -> Result<i64, GraphError> {
    let path = contract.collection_path();
    if listing_is_full(contract) {
        let mut listed = 0;
        graph
            .list_pages(&path, &list_query(contract), |page| {
                listed += page.len() as i64;
                for item in page {
                    let _ = tx.send(Fetched::Full(item));
                }
            })
            .await?;
        return Ok(listed);
    }
    let listed = graph.list_all(&path, &list_query(contract)).await?;
    let mut fetches = JoinSet::new();
    for item in &listed {
        let Some(id) = item.get("id").and_then(Value::as_str).map(String::from) else { continue };
        let marker = change_marker(item);
        if marker.is_some() && markers.get(&id).is_some_and(|known| *known == marker) {
            let _ = tx.send(Fetched::Seen(item.clone()));
            continue;
        }
        fetches.spawn(fetch_full(graph.clone(), contract, id));
        // Hand over finished fetches while starting new ones (memory stays bounded by the budget's pace).
        while let Some(done) = fetches.try_join_next() {
            forward(done, tx)?;
        }
    }
    while let Some(done) = fetches.join_next().await {
        forward(done, tx)?;
    }
    Ok(listed.len() as i64)
}

fn forward(done: Result<Result<Value, GraphError>, tokio::task::JoinError>, tx: &Sender) -> Result<(), GraphError> {
    match done {
        Ok(Ok(payload)) => {
            let _ = tx.send(Fetched::Full(payload));
            Ok(())
        }
        // Deleted between the listing and the fetch: simply not seen.
        Ok(Err(e)) if e.reason == ReasonCode::NotFound => Ok(()),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(GraphError::new(ReasonCode::BadResponse, "a fetch task failed")),
    }
}

/// The fetcher: every type in registry order, exactly as a client doing nothing else would fetch them,
/// never waiting for the writer. Stops after a type whose credential failed (every other type would fail
/// the same way) or when the writer is gone.
async fn fetch_all(graph: TenantGraph, markers: Vec<HashMap<String, Option<String>>>, tx: Sender) {
    for (contract, markers) in CONTRACTS.iter().zip(markers) {
        let result = fetch_type(graph.clone(), contract, markers, &tx).await;
        let auth = matches!(&result, Err(e) if e.reason == ReasonCode::AuthFailed);
        if tx.send(Fetched::TypeDone(result)).is_err() || auth {
            return;
        }
    }
}

/// The writer: prepares what the fetcher streams, compares it with the stored policies and writes it in
/// batches of [`BATCH`] (one transaction each). One batch is written by a separate task while the next
/// one is prepared, so the database's work overlaps this task's.
struct Writer<'a> {
    ctx: &'a RunContext,
    scope: RunScope,
    /// The fingerprint key for secrets.
    key: Vec<u8>,
    batch: Vec<Captured>,
    /// The batch being written (at most one): how many objects it held and how many versions it wrote.
    writing: JoinSet<Result<(i64, i64), AppError>>,
    counts: Counts,
    /// When the writer last recorded a heartbeat.
    beat: Option<std::time::Instant>,
}

impl Writer<'_> {
    /// Waits until the batch being written is stored; then records a heartbeat when [`HEARTBEAT_EVERY`] has
    /// passed.
    async fn settle(&mut self) -> Result<(), Stop> {
        let Some(done) = self.writing.join_next().await else { return Ok(()) };
        let (items, versions) = done.map_err(|_| store_failed(AppError::Internal))?.map_err(store_failed)?;
        self.counts.items += items;
        self.counts.versions += versions;
        if self.beat.is_some_and(|at| at.elapsed() < HEARTBEAT_EVERY) {
            return Ok(());
        }
        self.beat = Some(std::time::Instant::now());
        worker::heartbeat(&self.ctx.db, &self.ctx.claimed).await
    }

    /// Hands the batch to the write task once the previous one is stored.
    async fn flush(&mut self) -> Result<(), Stop> {
        self.settle().await?;
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        let (db, scope) = (self.ctx.db.clone(), self.scope.clone());
        self.writing.spawn(async move {
            let items = batch.len() as i64;
            Ok((items, repo::write_batch(&db, &scope, batch).await?))
        });
        Ok(())
    }

    /// One type: everything the fetcher streams until the type is done, stored before this returns (its
    /// coverage is recorded next). Returns how many objects the provider listed.
    async fn consume_type(
        &mut self,
        rx: &mut tokio::sync::mpsc::UnboundedReceiver<Fetched>,
        contract: &'static Contract,
        mut known: HashMap<String, Known>,
    ) -> Result<i64, TypeFailure> {
        loop {
            let Some(fetched) = rx.recv().await else {
                return Err(TypeFailure::Stop(Stop::Failed(FailureSummary::new(
                    Reason::Run(RunReason::HandlerError),
                    "the fetch task failed",
                ))));
            };
            match fetched {
                Fetched::Seen(payload) => {
                    let Some(id) = payload.get("id").and_then(Value::as_str) else { continue };
                    let Some(k) = known.remove(id) else { continue };
                    self.counts.unchanged += 1;
                    self.batch.push(Captured {
                        policy_type: contract.key,
                        external_id: id.to_string(),
                        odata_type: payload.get("@odata.type").and_then(Value::as_str).map(String::from),
                        display_name: display_name(&payload),
                        platform: platform_of(&payload),
                        content_hash: k.content_hash.clone(),
                        source_marker: change_marker(&payload),
                        version: None,
                        known: Some(k),
                    });
                }
                Fetched::Full(payload) => {
                    let Some(p) = prepare(contract, payload, &self.key) else { continue };
                    let k = known.remove(&p.external_id);
                    self.counts.fetched += i64::from(!listing_is_full(contract));
                    let (c, protected) =
                        capture(&self.ctx.db, &self.scope, contract, p, k).await.map_err(store_failed)?;
                    self.counts.unchanged += i64::from(c.version.is_none());
                    self.counts.protected += i64::from(protected);
                    self.batch.push(c);
                }
                Fetched::TypeDone(result) => {
                    // What was fetched is stored even when the type is incomplete (nothing is marked missing
                    // then).
                    self.flush().await?;
                    self.settle().await?;
                    return result.map_err(TypeFailure::Graph);
                }
            }
            if self.batch.len() >= BATCH {
                self.flush().await?;
            }
        }
    }
}

/// Runs one inventory sync (registered for `inventory.sync`).
pub async fn run(ctx: RunContext, provider: Arc<Provider>, keys: Arc<Keys>) -> Result<Done, Stop> {
    let db = ctx.db.clone();
    let scope = ctx.tenant_scope().ok_or_else(|| {
        Stop::Failed(FailureSummary::new(Reason::Run(RunReason::ConnectionMissing), "the run names no tenant"))
    })?;
    let total = CONTRACTS.len() as i64;
    ctx.checkpoint(0, Some(total)).await?;
    let (_, cred) = credential(&db, &keys, &provider, &scope).await.map_err(Stop::Failed)?;
    let graph = provider.graph.tenant(cred);
    // What is stored, per type; the fetcher gets the change markers, the writer the rest.
    let mut known = Vec::with_capacity(CONTRACTS.len());
    for contract in CONTRACTS {
        known.push(repo::select_known(&db, &scope, contract.key).await.map_err(store_failed)?);
    }
    let markers =
        known.iter().map(|k| k.iter().map(|(id, k)| (id.clone(), k.source_marker.clone())).collect()).collect();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Fetching overlaps writing across types too; the set aborts the fetcher whenever this returns.
    let mut fetcher = JoinSet::new();
    fetcher.spawn(fetch_all(graph, markers, tx));
    let mut writer = Writer {
        ctx: &ctx,
        scope: scope.clone(),
        key: keys.fingerprint_key().to_vec(),
        batch: Vec::with_capacity(BATCH),
        writing: JoinSet::new(),
        counts: Counts::default(),
        beat: None,
    };
    let mut coverage = Map::new();
    let mut failures: Vec<GraphError> = Vec::new();
    let mut complete: Vec<&'static str> = Vec::new();
    for ((i, contract), known) in CONTRACTS.iter().enumerate().zip(known) {
        let result = writer.consume_type(&mut rx, contract, known).await;
        let (entry, done, reason) = match result {
            Ok(n) => (json!({ "status": "complete", "item_count": n }), Some(n), None),
            Err(TypeFailure::Stop(s)) => return Err(s),
            Err(TypeFailure::Graph(e)) => {
                let reason = e.reason;
                let entry = json!({ "status": "failed", "reason": reason.as_str() });
                let auth = reason == ReasonCode::AuthFailed;
                failures.push(e);
                if auth {
                    // The credential does not work: every other type would fail the same way.
                    coverage.insert(contract.key.into(), entry);
                    let _ = repo::put_coverage(&db, &scope, contract.key, false, 0, Some(reason.as_str())).await;
                    break;
                }
                (entry, None, Some(reason))
            }
        };
        coverage.insert(contract.key.into(), entry);
        if let Some(n) = done {
            complete.push(contract.key);
            repo::put_coverage(&db, &scope, contract.key, true, n, None).await.map_err(store_failed)?;
        } else {
            repo::put_coverage(&db, &scope, contract.key, false, 0, reason.map(ReasonCode::as_str))
                .await
                .map_err(store_failed)?;
        }
        ctx.checkpoint(i as i64 + 1, Some(total)).await?;
    }
    let counts = std::mem::take(&mut writer.counts);
    // Only a run that fetched every type completely may call anything missing.
    let mut missing = 0;
    if failures.is_empty() {
        for key in &complete {
            missing += repo::mark_missing(&db, &scope, key).await.map_err(store_failed)? as i64;
        }
    }
    ctx.set_context("inventory", json!({ "coverage": { "policy_types": coverage }, "complete": failures.is_empty() }))
        .await?;
    let summary = SummaryCounts::from([
        ("items".to_string(), counts.items),
        ("versions_created".to_string(), counts.versions),
        ("unchanged".to_string(), counts.unchanged),
        ("fetched_in_full".to_string(), counts.fetched),
        ("protected_changes".to_string(), counts.protected),
        ("marked_missing".to_string(), missing),
        ("types_complete".to_string(), complete.len() as i64),
        ("types_failed".to_string(), failures.len() as i64),
    ]);
    match failures.first() {
        None => Ok(Done { outcome: RunOutcome::Succeeded, summary, failure: None }),
        Some(first) if complete.is_empty() => {
            Err(Stop::Failed(FailureSummary::new(Reason::Graph(first.reason), &first.to_string())))
        }
        Some(first) => Ok(Done {
            outcome: RunOutcome::PartiallySucceeded,
            summary,
            failure: Some(FailureSummary::new(Reason::Graph(first.reason), &first.to_string())),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_platforms_come_from_the_listing() {
        let item = json!({"lastModifiedDateTime": "2026-01-01T00:00:00Z", "version": 3,
                          "@odata.type": "#microsoft.graph.windows10GeneralConfiguration"});
        assert_eq!(change_marker(&item).as_deref(), Some("2026-01-01T00:00:00Z|3"));
        assert_eq!(platform_of(&item).as_deref(), Some("windows"));
        assert_eq!(platform_of(&json!({"platforms": "macOS"})).as_deref(), Some("macos"));
        assert_eq!(
            platform_of(&json!({"@odata.type": "#microsoft.graph.iosCompliancePolicy"})).as_deref(),
            Some("ios")
        );
        assert_eq!(platform_of(&json!({"id": "x"})), None);
        assert_eq!(change_marker(&json!({"id": "x"})), None);
        assert_eq!(display_name(&json!({"name": "Settings"})), "Settings");
        assert_eq!(display_name(&json!({})), "(unnamed)");
    }
}
