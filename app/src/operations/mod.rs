//! Operation runs: the one truth layer for every long-running or remote action (BRIEF §3.4). Pure and
//! shared by both builds: the catalog of run types with the capability each needs, the run state machine
//! (status × outcome) with the only transition function, stable reason codes for failures, the sanitized
//! failure summary, the validated list query and the run view served to pages. Server functions in `api`,
//! pages in `pages`, shared view pieces (labels, badges) in `components`; storage, claiming and workers
//! live in `operations::server`. See docs/operations.md.

pub mod api;
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    authz::Capability,
    error::{AppError, FieldError},
    paging::PageRequest,
    provider::ReasonCode,
};

string_ids! {
    /// The canonical dotted run types. Adding one means adding its capability in [`RunType::capability`].
    RunType {
        ProviderConnectionVerify => "provider.connection.verify",
        InventorySync => "inventory.sync",
        CompareRun => "compare.run",
        BaselineCapture => "baseline.capture",
        BackupCapture => "backup.capture",
        RestoreExecute => "restore.execute",
        EvidenceGenerate => "evidence.generate",
        ReviewCompose => "review.compose",
        ReviewPackGenerate => "review_pack.generate",
        AlertsEvaluate => "alerts.evaluate",
    }
}

impl RunType {
    /// The capability a member needs, besides `operations.start`, to start (and keep running) this type.
    pub fn capability(self) -> Capability {
        match self {
            Self::ProviderConnectionVerify => Capability::ProvidersManage,
            Self::InventorySync => Capability::InventorySync,
            Self::CompareRun | Self::BaselineCapture => Capability::BaselinesManage,
            Self::BackupCapture => Capability::BackupsManage,
            Self::RestoreExecute => Capability::RestoreExecute,
            Self::EvidenceGenerate | Self::ReviewCompose => Capability::ReviewsManage,
            Self::ReviewPackGenerate => Capability::ReviewPacksManage,
            Self::AlertsEvaluate => Capability::AlertsManage,
        }
    }

    /// Whether a run of this type is about one managed tenant (and must name it).
    pub fn needs_tenant(self) -> bool {
        !matches!(self, Self::AlertsEvaluate)
    }

    /// A run type to start, as both transports read it: absent or empty → `run_type: required`, not a
    /// canonical id → `run_type: unknown_type` (the code of every unknown type, run or policy).
    pub fn parse_input(raw: Option<&str>) -> Result<Self, AppError> {
        match raw.map(str::trim).filter(|v| !v.is_empty()) {
            None => Err(AppError::validation("run_type", "required")),
            Some(v) => Self::parse(v).ok_or_else(|| AppError::validation("run_type", "unknown_type")),
        }
    }
}

string_ids! {
    /// Where a run is in its life.
    RunStatus { Queued => "queued", Running => "running", Completed => "completed" }
}

string_ids! {
    /// How a run ended; `Pending` while it has not.
    RunOutcome {
        Pending => "pending",
        Succeeded => "succeeded",
        PartiallySucceeded => "partially_succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
        Blocked => "blocked",
    }
}

string_ids! {
    /// Who asked for a run.
    InitiatorKind { Human => "human", Scheduled => "scheduled", System => "system" }
}

string_ids! {
    /// Run-level reasons (the Graph ones come from [`ReasonCode`]).
    RunReason {
        InitiatorLostAccess => "run.initiator_lost_access",
        StaleHeartbeat => "run.stale_heartbeat",
        CancelledByUser => "run.cancelled_by_user",
        NoHandler => "run.no_handler",
        HandlerError => "run.handler_error",
        BaselineUnusable => "run.baseline_unusable",
        ConnectionMissing => "run.connection_missing",
        CredentialUnreadable => "run.credential_unreadable",
        EntitlementBlocked => "run.entitlement_blocked",
    }
}

/// Why a run failed, was blocked or cancelled: a run-level reason or a Graph reason. Serialized as its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Run(RunReason),
    Graph(ReasonCode),
}

impl Reason {
    pub fn id(self) -> &'static str {
        match self {
            Self::Run(r) => r.id(),
            Self::Graph(r) => r.as_str(),
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        RunReason::parse(id).map(Self::Run).or_else(|| ReasonCode::parse(id).map(Self::Graph))
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        Self::parse(&id).ok_or_else(|| serde::de::Error::custom("unknown reason code"))
    }
}

/// Longest safe message kept in a failure summary.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// The stored, user-visible account of a failure: a reason code and a short message that never holds
/// secrets (see [`safe_message`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureSummary {
    pub reason: Reason,
    pub message: String,
}

impl FailureSummary {
    pub fn new(reason: Reason, message: &str) -> Self {
        Self { reason, message: safe_message(message) }
    }
}

/// Makes `raw` safe to store and show: control characters become spaces, words that look like secrets
/// (bearer tokens, JWTs, `key=value` pairs naming a secret, long opaque strings) become `[REDACTED]`, and
/// the result is cut to [`MAX_MESSAGE_CHARS`].
pub fn safe_message(raw: &str) -> String {
    const SECRET_KEYS: [&str; 7] = ["secret", "password", "token", "key", "assertion", "authorization", "bearer"];
    let cleaned: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let mut redact_next = false;
    let words: Vec<String> = cleaned
        .split(' ')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let names_secret = SECRET_KEYS.iter().any(|k| lower.contains(k));
            let opaque = w.len() >= 32 && w.chars().all(|c| c.is_ascii_alphanumeric() || "-_.~+/=".contains(c));
            let out = if redact_next || w.starts_with("eyJ") || opaque {
                "[REDACTED]".to_string()
            } else if names_secret && (w.contains('=') || w.contains(':')) {
                let cut = w.find(['=', ':']).unwrap_or(w.len());
                let rest = &w[cut + 1..];
                if rest.is_empty() {
                    w.to_string()
                } else {
                    format!("{}[REDACTED]", &w[..=cut])
                }
            } else {
                w.to_string()
            };
            redact_next = lower == "bearer" || (names_secret && (w.ends_with('=') || w.ends_with(':')));
            out
        })
        .collect();
    words.join(" ").trim().chars().take(MAX_MESSAGE_CHARS).collect()
}

/// A run's state: status and outcome together (only consistent pairs exist, see [`RunState::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    pub status: RunStatus,
    pub outcome: RunOutcome,
}

/// Why a state change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// Status and outcome do not fit together (e.g. `running` + `failed`).
    Inconsistent,
    /// The run is already completed: outcomes are final.
    AlreadyCompleted,
    /// Not a step the state machine has (e.g. `running` → `queued`).
    NotAllowed,
}

impl RunState {
    pub const QUEUED: Self = Self { status: RunStatus::Queued, outcome: RunOutcome::Pending };
    pub const RUNNING: Self = Self { status: RunStatus::Running, outcome: RunOutcome::Pending };

    /// A consistent pair: active runs are `pending`, completed runs never are.
    pub fn new(status: RunStatus, outcome: RunOutcome) -> Result<Self, TransitionError> {
        let active = status != RunStatus::Completed;
        if active == (outcome == RunOutcome::Pending) {
            Ok(Self { status, outcome })
        } else {
            Err(TransitionError::Inconsistent)
        }
    }

    /// A completed state with `outcome` (`Inconsistent` for `pending`).
    pub fn completed(outcome: RunOutcome) -> Result<Self, TransitionError> {
        Self::new(RunStatus::Completed, outcome)
    }

    pub fn is_active(self) -> bool {
        self.status != RunStatus::Completed
    }

    /// The one transition rule. queued → running; queued → completed only as cancelled, blocked or failed
    /// (it never ran, so it cannot have succeeded); running → completed with any outcome; completed → nothing.
    pub fn transition(self, to: RunState) -> Result<RunState, TransitionError> {
        let to = Self::new(to.status, to.outcome)?;
        use RunOutcome as O;
        use RunStatus as S;
        match (self.status, to.status) {
            (S::Completed, _) => Err(TransitionError::AlreadyCompleted),
            (S::Queued, S::Running) => Ok(to),
            (S::Queued, S::Completed) if matches!(to.outcome, O::Cancelled | O::Blocked | O::Failed) => Ok(to),
            (S::Running, S::Completed) => Ok(to),
            _ => Err(TransitionError::NotAllowed),
        }
    }
}

/// Per-item counts a handler reports (`{"created": 3, "failed": 1}`), keyed by stable ids.
pub type SummaryCounts = BTreeMap<String, i64>;

/// One run, as served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationRunDto {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub run_type: String,
    pub status: RunStatus,
    pub outcome: RunOutcome,
    pub initiator_user_id: Option<i64>,
    pub initiator_kind: InitiatorKind,
    pub idempotency_key: String,
    pub context: serde_json::Value,
    pub summary: SummaryCounts,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub failure: Option<FailureSummary>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub heartbeat_at: Option<String>,
    pub completed_at: Option<String>,
    pub cancel_requested_at: Option<String>,
    pub claimed_by: Option<String>,
    /// Derived when read: running, with a heartbeat older than the stale threshold ("Likely stale").
    #[serde(default)]
    pub likely_stale: bool,
}

/// The run a start resolved to, and whether this call created it (false: an active run with the same
/// identity already existed and is returned instead — the UI says "already queued").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    pub run: OperationRunDto,
    pub created: bool,
}

impl OperationRunDto {
    pub fn state(&self) -> RunState {
        RunState { status: self.status, outcome: self.outcome }
    }
}

/// Filters and page of the run list. `stale`: only running runs whose heartbeat is older than the
/// server's stale threshold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunQuery {
    pub run_type: Option<RunType>,
    pub status: Option<RunStatus>,
    pub outcome: Option<RunOutcome>,
    pub tenant_id: Option<i64>,
    pub stale: bool,
    pub page: PageRequest,
}

/// The list filters as received (query parameters or server-function arguments); empty means unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawRunFilter {
    pub run_type: Option<String>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub tenant: Option<String>,
    pub stale: Option<String>,
    pub page: Option<String>,
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl RunQuery {
    /// Validates `raw`. Field codes: `run_type: unknown_type`, `status`/`outcome: unsupported`, `tenant: invalid`,
    /// `stale: invalid` (accepted: `1`, `true`, `on`, `0`, `false`), `page: invalid` or `out_of_range`.
    pub fn parse(raw: &RawRunFilter) -> Result<Self, AppError> {
        let mut errs = Vec::new();
        fn id<T>(
            v: &Option<String>,
            (field, code): (&str, &str),
            parse: fn(&str) -> Option<T>,
            errs: &mut Vec<FieldError>,
        ) -> Option<T> {
            let raw = set(v)?;
            let parsed = parse(raw);
            if parsed.is_none() {
                errs.push(FieldError::new(field, code));
            }
            parsed
        }
        let run_type = id(&raw.run_type, ("run_type", "unknown_type"), RunType::parse, &mut errs);
        let status = id(&raw.status, ("status", "unsupported"), RunStatus::parse, &mut errs);
        let outcome = id(&raw.outcome, ("outcome", "unsupported"), RunOutcome::parse, &mut errs);
        let tenant_id = set(&raw.tenant).and_then(|t| match t.parse::<i64>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errs.push(FieldError::new("tenant", "invalid"));
                None
            }
        });
        let stale = match set(&raw.stale) {
            None | Some("0" | "false") => false,
            Some("1" | "true" | "on") => true,
            Some(_) => {
                errs.push(FieldError::new("stale", "invalid"));
                false
            }
        };
        let page = match set(&raw.page).map(str::parse::<i64>) {
            None => PageRequest::default(),
            Some(Ok(n)) => match PageRequest::parse(Some(n), None) {
                Ok(p) => p,
                Err(AppError::Validation(e)) => {
                    errs.extend(e);
                    PageRequest::default()
                }
                Err(_) => PageRequest::default(),
            },
            Some(Err(_)) => {
                errs.push(FieldError::new("page", "invalid"));
                PageRequest::default()
            }
        };
        if errs.is_empty() {
            Ok(Self { run_type, status, outcome, tenant_id, stale, page })
        } else {
            Err(AppError::Validation(errs))
        }
    }
}

/// One run as the detail page shows it: the run, its tenant's name (when the caller sees the tenant),
/// whether the caller may request cancellation (`operations.cancel`; the run may still be completed) and
/// whether the run is still active (queued or running: the page keeps polling).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub run: OperationRunDto,
    pub tenant_name: Option<String>,
    pub can_cancel: bool,
    pub active: bool,
}

/// How many active runs the progress widget lists (the rest are "+N more").
pub const ACTIVE_RUNS_SHOWN: usize = 5;

/// One queued or running run in the progress widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveRun {
    pub run: OperationRunDto,
    pub tenant_name: Option<String>,
}

/// The caller's active runs in a workspace: the newest [`ACTIVE_RUNS_SHOWN`] and how many more there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActiveRunList {
    pub runs: Vec<ActiveRun>,
    pub more: u64,
}

/// Summary count keys with a label (run detail) that may also travel in a notification. Other keys are
/// shown with their raw id on the run detail and never copied into notifications.
pub const SUMMARY_KEYS: &[&str] = &[
    "items",
    "versions_created",
    "unchanged",
    "fetched_in_full",
    "protected_changes",
    "marked_missing",
    "types_complete",
    "types_failed",
    "permissions_granted",
    "permissions_missing",
    "subjects",
    "matched",
    "drift_missing",
    "drift_different",
    "drift_unexpected",
    "findings_created",
    "findings_resolved",
    "findings_reopened",
    "reflagged",
    "gaps",
    "items_captured",
    "snapshots_created",
    "snapshots_reused",
    "sections",
    "pack_files",
];

/// The whitelisted counts of `summary` (see [`SUMMARY_KEYS`]).
pub fn whitelisted_counts(summary: &SummaryCounts) -> SummaryCounts {
    summary.iter().filter(|(k, _)| SUMMARY_KEYS.contains(&k.as_str())).map(|(k, v)| (k.clone(), *v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawRunFilter {
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        RawRunFilter {
            run_type: get("run_type"),
            status: get("status"),
            outcome: get("outcome"),
            tenant: get("tenant"),
            stale: get("stale"),
            page: get("page"),
        }
    }

    #[test]
    fn run_filters_parse_and_reject_with_field_errors() {
        assert_eq!(RunQuery::parse(&raw(&[("run_type", " "), ("stale", "")])).unwrap(), RunQuery::default());
        let q = RunQuery::parse(&raw(&[
            ("run_type", "inventory.sync"),
            ("status", "completed"),
            ("outcome", "succeeded"),
            ("tenant", "7"),
            ("stale", "on"),
            ("page", "3"),
        ]))
        .unwrap();
        assert_eq!(q.run_type, Some(RunType::InventorySync));
        assert_eq!(
            (q.status, q.outcome, q.tenant_id, q.stale),
            (Some(RunStatus::Completed), Some(RunOutcome::Succeeded), Some(7), true)
        );
        assert_eq!(q.page.page, 3);
        let err = RunQuery::parse(&raw(&[
            ("run_type", "inventory"),
            ("status", "done"),
            ("outcome", "ok"),
            ("tenant", "-1"),
            ("stale", "yes"),
            ("page", "x"),
        ]))
        .unwrap_err();
        let AppError::Validation(errs) = err else { panic!("{err:?}") };
        let got: Vec<_> = errs.iter().map(|e| format!("{}:{}", e.field, e.code)).collect();
        assert_eq!(
            got,
            [
                "run_type:unknown_type",
                "status:unsupported",
                "outcome:unsupported",
                "tenant:invalid",
                "stale:invalid",
                "page:invalid"
            ]
        );
        let AppError::Validation(errs) = RunQuery::parse(&raw(&[("page", "0")])).unwrap_err() else { panic!() };
        assert_eq!(errs[0].code, "out_of_range");
    }

    #[test]
    fn notifications_carry_only_whitelisted_counts() {
        let s = SummaryCounts::from([("items".to_string(), 3), ("secret_thing".to_string(), 1)]);
        assert_eq!(whitelisted_counts(&s), SummaryCounts::from([("items".to_string(), 3)]));
    }

    #[test]
    fn ids_round_trip_and_are_dotted_or_snake() {
        for t in RunType::ALL {
            assert_eq!(RunType::parse(t.id()), Some(*t));
            assert!(t.id().contains('.'), "{}", t.id());
        }
        for r in RunReason::ALL {
            assert_eq!(Reason::parse(r.id()), Some(Reason::Run(*r)));
            assert!(r.id().starts_with("run."));
        }
        for g in ReasonCode::ALL {
            assert_eq!(Reason::parse(g.as_str()), Some(Reason::Graph(g)));
        }
        assert_eq!(RunType::parse("inventory"), None);
        assert_eq!(RunType::parse_input(Some(" inventory.sync ")), Ok(RunType::InventorySync));
        assert_eq!(RunType::parse_input(Some("inventory")), Err(AppError::validation("run_type", "unknown_type")));
        assert_eq!(RunType::parse_input(Some(" ")), Err(AppError::validation("run_type", "required")));
        assert_eq!(RunType::parse_input(None), Err(AppError::validation("run_type", "required")));
        assert_eq!(Reason::parse("run.nope"), None);
        for o in RunOutcome::ALL {
            assert_eq!(RunOutcome::parse(o.id()), Some(*o));
            let json = serde_json::to_string(o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.id()), "served as the id, not the variant name");
            assert_eq!(serde_json::from_str::<RunOutcome>(&json).unwrap(), *o);
        }
        assert!(serde_json::from_str::<RunOutcome>("\"Succeeded\"").is_err());
    }

    #[test]
    fn every_run_type_needs_a_capability_operators_and_owners_differ_on_restore() {
        use crate::authz::{allows, Role};
        assert!(RunType::ALL.iter().all(|t| allows(Role::Owner, t.capability())));
        assert!(allows(Role::Operator, RunType::InventorySync.capability()));
        assert!(!allows(Role::Operator, RunType::RestoreExecute.capability()));
        assert!(RunType::ALL.iter().all(|t| !allows(Role::Readonly, t.capability())));
        assert!(RunType::ALL.iter().all(|t| !allows(Role::Customer, t.capability())));
    }

    #[test]
    fn only_consistent_states_exist() {
        assert!(RunState::new(RunStatus::Running, RunOutcome::Failed).is_err());
        assert!(RunState::new(RunStatus::Completed, RunOutcome::Pending).is_err());
        assert!(RunState::new(RunStatus::Queued, RunOutcome::Pending).is_ok());
        assert!(RunState::completed(RunOutcome::Succeeded).is_ok());
    }

    #[test]
    fn transitions() {
        use RunOutcome::*;
        let done = |o| RunState::completed(o).unwrap();
        assert_eq!(RunState::QUEUED.transition(RunState::RUNNING), Ok(RunState::RUNNING));
        for o in [Cancelled, Blocked, Failed] {
            assert_eq!(RunState::QUEUED.transition(done(o)), Ok(done(o)));
        }
        for o in [Succeeded, PartiallySucceeded] {
            assert_eq!(RunState::QUEUED.transition(done(o)), Err(TransitionError::NotAllowed));
        }
        for o in [Succeeded, PartiallySucceeded, Failed, Cancelled, Blocked] {
            assert_eq!(RunState::RUNNING.transition(done(o)), Ok(done(o)));
            assert_eq!(done(o).transition(RunState::RUNNING), Err(TransitionError::AlreadyCompleted));
            assert_eq!(done(o).transition(done(Failed)), Err(TransitionError::AlreadyCompleted));
        }
        assert_eq!(RunState::RUNNING.transition(RunState::QUEUED), Err(TransitionError::NotAllowed));
        assert_eq!(RunState::RUNNING.transition(RunState::RUNNING), Err(TransitionError::NotAllowed));
        assert_eq!(RunState::QUEUED.transition(RunState::QUEUED), Err(TransitionError::NotAllowed));
        let bogus = RunState { status: RunStatus::Running, outcome: Failed };
        assert_eq!(RunState::QUEUED.transition(bogus), Err(TransitionError::Inconsistent));
    }

    #[test]
    fn safe_message_redacts_secrets_and_truncates() {
        let m = safe_message("token endpoint said: client_secret=abc123 and Bearer eyJhbGciOi.x.y\nretry");
        assert!(!m.contains("abc123"), "{m}");
        assert!(!m.contains("eyJ"), "{m}");
        assert!(m.contains("client_secret=[REDACTED]"), "{m}");
        assert!(m.contains("retry"));
        assert!(!m.contains('\n'));
        let m = safe_message("password: hunter2 failed");
        assert!(!m.contains("hunter2"), "{m}");
        let m = safe_message(&format!("opaque {} end", "A".repeat(40)));
        assert_eq!(m, "opaque [REDACTED] end");
        assert_eq!(safe_message(&"x ".repeat(400)).chars().count(), MAX_MESSAGE_CHARS);
        assert_eq!(safe_message("Graph answered 503"), "Graph answered 503");
    }

    #[test]
    fn failure_summary_serializes_reason_as_id() {
        let f = FailureSummary::new(Reason::Graph(ReasonCode::Throttled), "slow down");
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(json["reason"], "graph.throttled");
        let back: FailureSummary = serde_json::from_value(json).unwrap();
        assert_eq!(back, f);
        assert!(serde_json::from_str::<FailureSummary>(r#"{"reason":"x","message":""}"#).is_err());
    }
}
