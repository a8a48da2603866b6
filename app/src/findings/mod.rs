//! Findings and risk acceptance (BRIEF §2.6, §3.1, §3.2). Pure and shared by both builds: the finding and
//! exception state machines (the only transition functions), severities with their SLA defaults, the
//! validated list query and the views served to pages and the API. Server functions in `api`, pages in
//! `pages`, labels and badges in `components`; storage and the workflow service live in
//! `findings::server`. See docs/governance.md.

pub mod api;
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::{
    error::{AppError, FieldError},
    paging::PageRequest,
};

string_ids! {
    /// Where a finding is in its life. Open: new, triaged, in_progress, reopened. Terminal: resolved,
    /// closed, risk_accepted.
    FindingStatus {
        New => "new",
        Triaged => "triaged",
        InProgress => "in_progress",
        Reopened => "reopened",
        Resolved => "resolved",
        Closed => "closed",
        RiskAccepted => "risk_accepted",
    }
}

string_ids! {
    /// How bad a finding is; decides its SLA.
    Severity { Low => "low", Medium => "medium", High => "high", Critical => "critical" }
}

string_ids! {
    /// What a compare saw: a baseline policy the tenant lacks, one whose settings differ, or a tenant
    /// policy of a governed type the baseline does not have.
    DriftKind { Missing => "missing", Different => "different", Unexpected => "unexpected" }
}

string_ids! {
    /// Why a finding was resolved: `remediated` (manual, pending verification by the next compare) or
    /// `verified_cleared` (a compare no longer saw the drift).
    ResolvedReason { Remediated => "remediated", VerifiedCleared => "verified_cleared" }
}

string_ids! {
    /// Why a finding was closed (bounded keys; `accepted_risk` only through an approved exception).
    ClosedReason {
        Duplicate => "duplicate",
        FalsePositive => "false_positive",
        NotApplicable => "not_applicable",
        AcceptedRisk => "accepted_risk",
    }
}

string_ids! {
    /// Risk acceptance (finding exception) status. Expiring is a projection of `active` near its expiry.
    ExceptionStatus {
        Pending => "pending",
        Active => "active",
        Rejected => "rejected",
        Revoked => "revoked",
        Expired => "expired",
        Superseded => "superseded",
    }
}

string_ids! {
    /// What an exception's validity looks like now (BRIEF §3.2).
    Validity { Pending => "pending", Valid => "valid", Expiring => "expiring", Expired => "expired", Revoked => "revoked", Rejected => "rejected", Superseded => "superseded" }
}

/// An active acceptance expiring within this many days shows as `expiring`.
pub const EXPIRING_WITHIN_DAYS: i64 = 14;
/// Longest comment, reason or request text.
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Default longest risk acceptance (workspace setting `max_exception_days`).
pub const DEFAULT_MAX_EXCEPTION_DAYS: i64 = 365;

impl Severity {
    /// System SLA defaults: critical 3 days, high 7, medium 14, low 30.
    pub fn default_sla_days(self) -> i64 {
        match self {
            Self::Critical => 3,
            Self::High => 7,
            Self::Medium => 14,
            Self::Low => 30,
        }
    }

    /// Higher is worse.
    pub fn rank(self) -> u8 {
        match self {
            Self::Low => 0,
            Self::Medium => 1,
            Self::High => 2,
            Self::Critical => 3,
        }
    }
}

impl FindingStatus {
    pub const OPEN: [FindingStatus; 4] = [Self::New, Self::Triaged, Self::InProgress, Self::Reopened];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub fn is_terminal(self) -> bool {
        !self.is_open()
    }
}

/// Everything that moves a finding. Members act through the workflow service; the compare and the
/// exception workflow act as the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FindingAction {
    /// A member looked at it (new or reopened → triaged).
    Triage,
    /// Work started (new, triaged or reopened → in_progress).
    Start,
    /// A member says it is remediated (open → resolved, pending verification).
    Resolve,
    /// A member closes it (open → closed, with a bounded reason other than `accepted_risk`).
    Close,
    /// A member reopens it (resolved or closed → reopened; risk_accepted only when no acceptance is active).
    Reopen,
    /// An approved risk acceptance (open → risk_accepted).
    Accept,
    /// The acceptance ended (expired or revoked): risk_accepted → reopened.
    AcceptanceEnded,
    /// A compare saw the drift again: resolved → reopened; every other status stays.
    Redetect,
    /// A compare no longer saw the drift: open → resolved (`verified_cleared`); others stay.
    Clear,
}

/// A transition that is not allowed, with the status it was tried from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IllegalTransition {
    pub from: FindingStatus,
    pub action: FindingAction,
}

impl From<IllegalTransition> for AppError {
    fn from(e: IllegalTransition) -> Self {
        AppError::Conflict(if e.from.is_terminal() { "finding_terminal" } else { "finding_transition" }.into())
    }
}

impl FindingStatus {
    /// **The only finding transition function.** `Ok(next)` (possibly unchanged for system actions that
    /// leave a status alone), `Err` for a transition the workflow forbids.
    pub fn apply(self, action: FindingAction) -> Result<FindingStatus, IllegalTransition> {
        use FindingAction as A;
        use FindingStatus as S;
        let illegal = Err(IllegalTransition { from: self, action });
        match (action, self) {
            (A::Triage, S::New | S::Reopened) => Ok(S::Triaged),
            (A::Start, S::New | S::Triaged | S::Reopened) => Ok(S::InProgress),
            (A::Resolve | A::Close | A::Accept, s) if s.is_open() => Ok(match action {
                A::Resolve => S::Resolved,
                A::Close => S::Closed,
                _ => S::RiskAccepted,
            }),
            (A::Reopen, S::Resolved | S::Closed | S::RiskAccepted) => Ok(S::Reopened),
            (A::AcceptanceEnded, S::RiskAccepted) => Ok(S::Reopened),
            (A::Redetect, S::Resolved) => Ok(S::Reopened),
            (A::Redetect, s) => Ok(s),
            (A::Clear, s) if s.is_open() => Ok(S::Resolved),
            (A::Clear, s) => Ok(s),
            _ => illegal,
        }
    }
}

/// Exception transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExceptionAction {
    Approve,
    Reject,
    Revoke,
    Expire,
    /// A renewal was approved: the older active acceptance is superseded.
    Supersede,
    /// The finding left the open/accepted flow (e.g. the drift was cleared): a pending request lapses.
    Withdraw,
}

impl ExceptionStatus {
    /// **The only exception transition function.**
    pub fn apply(self, action: ExceptionAction) -> Result<ExceptionStatus, AppError> {
        use ExceptionAction as A;
        use ExceptionStatus as S;
        match (action, self) {
            (A::Approve, S::Pending) => Ok(S::Active),
            (A::Reject | A::Withdraw, S::Pending) => Ok(S::Rejected),
            (A::Revoke, S::Active) => Ok(S::Revoked),
            (A::Expire, S::Active) => Ok(S::Expired),
            (A::Supersede, S::Active) => Ok(S::Superseded),
            _ => Err(AppError::Conflict("exception_decided".into())),
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Active)
    }
}

/// The validity of an exception at `now` (RFC 3339 strings compare as instants only when both are UTC
/// `…Z`; callers pass parsed times).
pub fn validity(
    status: ExceptionStatus,
    expires_at: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Validity {
    match status {
        ExceptionStatus::Pending => Validity::Pending,
        ExceptionStatus::Rejected => Validity::Rejected,
        ExceptionStatus::Revoked => Validity::Revoked,
        ExceptionStatus::Expired => Validity::Expired,
        ExceptionStatus::Superseded => Validity::Superseded,
        ExceptionStatus::Active if expires_at <= now => Validity::Expired,
        ExceptionStatus::Active if expires_at <= now + chrono::Duration::days(EXPIRING_WITHIN_DAYS) => {
            Validity::Expiring
        }
        ExceptionStatus::Active => Validity::Valid,
    }
}

/// SLA days by severity for one workspace (defaults, overridable per workspace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernanceSettings {
    pub sla_critical_days: i64,
    pub sla_high_days: i64,
    pub sla_medium_days: i64,
    pub sla_low_days: i64,
    pub max_exception_days: i64,
}

/// The settings as a page shows them: the values and whether the reader may change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernanceSettingsView {
    pub settings: GovernanceSettings,
    pub can_manage: bool,
}

impl Default for GovernanceSettings {
    fn default() -> Self {
        Self {
            sla_critical_days: Severity::Critical.default_sla_days(),
            sla_high_days: Severity::High.default_sla_days(),
            sla_medium_days: Severity::Medium.default_sla_days(),
            sla_low_days: Severity::Low.default_sla_days(),
            max_exception_days: DEFAULT_MAX_EXCEPTION_DAYS,
        }
    }
}

impl GovernanceSettings {
    pub fn sla_days(&self, s: Severity) -> i64 {
        match s {
            Severity::Critical => self.sla_critical_days,
            Severity::High => self.sla_high_days,
            Severity::Medium => self.sla_medium_days,
            Severity::Low => self.sla_low_days,
        }
    }

    /// Field codes: each SLA `out_of_range` (1–365 days), `max_exception_days: out_of_range` (1–1095).
    pub fn validate(&self) -> Result<(), AppError> {
        let mut errors = Vec::new();
        for (field, v) in [
            ("sla_critical_days", self.sla_critical_days),
            ("sla_high_days", self.sla_high_days),
            ("sla_medium_days", self.sla_medium_days),
            ("sla_low_days", self.sla_low_days),
        ] {
            if !(1..=365).contains(&v) {
                errors.push(FieldError::new(field, "out_of_range"));
            }
        }
        if !(1..=1095).contains(&self.max_exception_days) {
            errors.push(FieldError::new("max_exception_days", "out_of_range"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

string_ids! {
    /// The status filter of a list: a single status, or the `open` / `terminal` / `all` sets.
    StatusFilter {
        Open => "open",
        Terminal => "terminal",
        All => "all",
        New => "new",
        Triaged => "triaged",
        InProgress => "in_progress",
        Reopened => "reopened",
        Resolved => "resolved",
        Closed => "closed",
        RiskAccepted => "risk_accepted",
    }
}

impl StatusFilter {
    /// The statuses it selects.
    pub fn statuses(self) -> Vec<FindingStatus> {
        match self {
            Self::Open => FindingStatus::OPEN.to_vec(),
            Self::Terminal => vec![FindingStatus::Resolved, FindingStatus::Closed, FindingStatus::RiskAccepted],
            Self::All => FindingStatus::ALL.to_vec(),
            other => FindingStatus::parse(other.id()).into_iter().collect(),
        }
    }
}

string_ids! {
    /// Due filter: `overdue` (open and past due), `due_7d` (open, due within 7 days).
    DueFilter { Overdue => "overdue", Due7d => "due_7d" }
}

/// Who a list is narrowed to by assignee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AssigneeFilter {
    Me,
    Unassigned,
    User(i64),
}

/// A validated findings list request (list, My work and Intake are presets of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingQuery {
    pub tenant: Option<i64>,
    pub status: StatusFilter,
    pub severity: Option<Severity>,
    pub assignee: Option<AssigneeFilter>,
    pub due: Option<DueFilter>,
    /// `baseline.compare` (the only source so far).
    pub source: Option<String>,
    /// Only findings re-flagged while accepted.
    pub reflagged: bool,
    pub page: PageRequest,
}

/// Known finding sources.
pub const SOURCES: &[&str] = &["baseline.compare"];

/// Raw list parameters as both transports receive them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingParams {
    pub tenant: Option<i64>,
    pub status: Option<String>,
    pub severity: Option<String>,
    /// `me`, `unassigned` or a user id.
    pub assignee: Option<String>,
    pub due: Option<String>,
    pub source: Option<String>,
    pub reflagged: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl FindingQuery {
    /// Field codes: `status: unknown_status`, `severity: unknown_severity`, `assignee: invalid`,
    /// `due: unknown_due`, `source: unknown_source`, paging codes.
    pub fn parse(p: &FindingParams) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let status = match nonempty(&p.status) {
            None => StatusFilter::Open,
            Some(s) => StatusFilter::parse(s).unwrap_or_else(|| {
                errors.push(FieldError::new("status", "unknown_status"));
                StatusFilter::Open
            }),
        };
        let severity = nonempty(&p.severity).and_then(|s| {
            let parsed = Severity::parse(s);
            if parsed.is_none() {
                errors.push(FieldError::new("severity", "unknown_severity"));
            }
            parsed
        });
        let assignee = nonempty(&p.assignee).and_then(|s| match s {
            "me" => Some(AssigneeFilter::Me),
            "unassigned" => Some(AssigneeFilter::Unassigned),
            other => match other.parse::<i64>() {
                Ok(id) if id > 0 => Some(AssigneeFilter::User(id)),
                _ => {
                    errors.push(FieldError::new("assignee", "invalid"));
                    None
                }
            },
        });
        let due = nonempty(&p.due).and_then(|s| {
            let parsed = DueFilter::parse(s);
            if parsed.is_none() {
                errors.push(FieldError::new("due", "unknown_due"));
            }
            parsed
        });
        let source = nonempty(&p.source).map(String::from);
        if source.as_deref().is_some_and(|s| !SOURCES.contains(&s)) {
            errors.push(FieldError::new("source", "unknown_source"));
        }
        let page = match PageRequest::parse(p.page, p.per_page) {
            Ok(page) => page,
            Err(AppError::Validation(e)) => {
                errors.extend(e);
                PageRequest::default()
            }
            Err(other) => return Err(other),
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self {
            tenant: p.tenant,
            status,
            severity,
            assignee,
            due,
            source,
            reflagged: p.reflagged.unwrap_or(false),
            page,
        })
    }
}

/// A member a finding can name (owner, assignee, actor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: i64,
    pub label: String,
}

/// A finding as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingDto {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub finding_type: String,
    pub source: String,
    pub profile_id: Option<i64>,
    pub subject_type: String,
    pub subject_display_name: String,
    pub policy_type: String,
    pub drift_kind: DriftKind,
    pub severity: Severity,
    pub status: FindingStatus,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub times_seen: i64,
    pub sla_days: i64,
    pub due_at: String,
    pub overdue: bool,
    pub owner: Option<UserRef>,
    pub assignee: Option<UserRef>,
    pub resolved_reason: Option<ResolvedReason>,
    pub verified_at: Option<String>,
    pub closed_reason: Option<ClosedReason>,
    /// Set when a compare saw the accepted drift change while the risk was accepted.
    pub reflagged_at: Option<String>,
}

/// One setting that differs between the baseline and the tenant (the drift evidence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingDrift {
    pub key: String,
    pub label: String,
    /// `None`: the baseline does not have the setting.
    pub baseline: Option<serde_json::Value>,
    /// `None`: the tenant does not have the setting.
    pub tenant: Option<serde_json::Value>,
}

/// What a compare saw, stored with the finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Evidence {
    pub profile_name: String,
    pub snapshot_id: Option<i64>,
    pub run_id: Option<i64>,
    /// The baseline policy's name (missing, different).
    pub baseline_name: Option<String>,
    /// The tenant policy (different, unexpected).
    pub tenant_policy_id: Option<i64>,
    pub tenant_policy_name: Option<String>,
    /// How the tenant policy was matched: `settings`, `name`.
    pub matched_by: Option<String>,
    pub settings: Vec<SettingDrift>,
}

/// An entry of a finding's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEventDto {
    pub id: i64,
    pub kind: String,
    pub actor: Option<UserRef>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub detail: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentDto {
    pub id: i64,
    pub author: Option<UserRef>,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionDecisionDto {
    pub id: i64,
    pub decision: String,
    pub actor: Option<UserRef>,
    pub reason: String,
    pub expires_at: Option<String>,
    pub decided_at: String,
}

/// A risk acceptance with its decision log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionDto {
    pub id: i64,
    pub finding_id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub finding_name: String,
    pub status: ExceptionStatus,
    pub validity: Validity,
    pub requested_by: Option<UserRef>,
    pub decided_by: Option<UserRef>,
    pub request_reason: String,
    pub decision_reason: Option<String>,
    pub renewal_of_id: Option<i64>,
    pub requested_at: String,
    pub decided_at: Option<String>,
    pub expires_at: String,
    pub decisions: Vec<ExceptionDecisionDto>,
}

/// What the caller may do with a finding (the UI shows the rest disabled with the reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FindingPermissions {
    pub manage: bool,
    pub request_exception: bool,
    pub approve_exception: bool,
}

/// A finding with everything its detail page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingDetail {
    pub finding: FindingDto,
    pub evidence: Evidence,
    pub events: Vec<FindingEventDto>,
    pub comments: Vec<CommentDto>,
    pub exceptions: Vec<ExceptionDto>,
    pub can: FindingPermissions,
    /// Members who can be named owner or assignee (they see the tenant and may manage findings).
    pub assignable: Vec<UserRef>,
}

string_ids! {
    /// A member's transition of a finding, as both transports name it.
    Transition {
        Triage => "triage",
        Start => "start",
        Resolve => "resolve",
        Close => "close",
        Reopen => "reopen",
    }
}

impl Transition {
    pub fn action(self) -> FindingAction {
        match self {
            Self::Triage => FindingAction::Triage,
            Self::Start => FindingAction::Start,
            Self::Resolve => FindingAction::Resolve,
            Self::Close => FindingAction::Close,
            Self::Reopen => FindingAction::Reopen,
        }
    }
}

/// A validated transition request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionRequest {
    pub transition: Transition,
    /// Required for close (a [`ClosedReason`] other than `accepted_risk`).
    pub closed_reason: Option<ClosedReason>,
    /// Free text; required for reopen and close.
    pub note: String,
}

/// Checks a text field: trimmed, required (`required`), at most [`MAX_TEXT_CHARS`] (`too_long`).
pub fn parse_text(field: &str, raw: Option<&str>, required: bool) -> Result<String, AppError> {
    let text = raw.map(str::trim).unwrap_or("").to_string();
    if required && text.is_empty() {
        return Err(AppError::validation(field, "required"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(AppError::validation(field, "too_long"));
    }
    Ok(text)
}

impl TransitionRequest {
    /// Field codes: `transition: unknown_transition`, `closed_reason: required | unknown_reason`,
    /// `note: required | too_long`.
    pub fn parse(transition: Option<&str>, closed_reason: Option<&str>, note: Option<&str>) -> Result<Self, AppError> {
        let transition = transition
            .map(str::trim)
            .and_then(Transition::parse)
            .ok_or_else(|| AppError::validation("transition", "unknown_transition"))?;
        let closed_reason = match (transition, closed_reason.map(str::trim).filter(|s| !s.is_empty())) {
            (Transition::Close, None) => return Err(AppError::validation("closed_reason", "required")),
            (Transition::Close, Some(r)) => match ClosedReason::parse(r) {
                Some(ClosedReason::AcceptedRisk) | None => {
                    return Err(AppError::validation("closed_reason", "unknown_reason"))
                }
                Some(r) => Some(r),
            },
            _ => None,
        };
        let note_required = matches!(transition, Transition::Close | Transition::Reopen);
        let note = parse_text("note", note, note_required)?;
        Ok(Self { transition, closed_reason, note })
    }
}

/// Posture of one tenant (the portfolio overview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantPosture {
    pub tenant_id: i64,
    pub tenant_name: String,
    /// Open drift findings by severity: [low, medium, high, critical].
    pub open_by_severity: [i64; 4],
    pub overdue: i64,
    pub reflagged: i64,
    pub accepted_active: i64,
    pub accepted_expiring: i64,
    pub accepted_expired: i64,
    pub last_compare_at: Option<String>,
    pub last_compare_outcome: Option<String>,
    /// Hours since the last compare completed (`None`: never compared).
    pub compare_age_hours: Option<i64>,
    pub assigned_profiles: i64,
}

/// The workspace posture overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostureOverview {
    pub tenants: Vec<TenantPosture>,
    /// A compare older than this many hours is shown as stale.
    pub stale_after_hours: i64,
}

/// A compare older than this is stale on the posture page.
pub const COMPARE_STALE_HOURS: i64 = 48;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_reopen_only_from_resolved() {
        for s in FindingStatus::ALL {
            let next = s.apply(FindingAction::Redetect).unwrap();
            if *s == FindingStatus::Resolved {
                assert_eq!(next, FindingStatus::Reopened);
            } else {
                assert_eq!(next, *s);
            }
        }
    }

    #[test]
    fn terminal_findings_cannot_be_accepted_or_worked() {
        for s in [FindingStatus::Resolved, FindingStatus::Closed, FindingStatus::RiskAccepted] {
            for a in [FindingAction::Accept, FindingAction::Resolve, FindingAction::Close, FindingAction::Triage] {
                let err = s.apply(a).unwrap_err();
                assert_eq!(AppError::from(err), AppError::Conflict("finding_terminal".into()));
            }
        }
    }

    #[test]
    fn exception_decisions_are_final() {
        for s in ExceptionStatus::ALL.iter().filter(|s| s.is_final()) {
            for a in
                [ExceptionAction::Approve, ExceptionAction::Reject, ExceptionAction::Revoke, ExceptionAction::Expire]
            {
                assert!(s.apply(a).is_err(), "{s:?} {a:?}");
            }
        }
    }

    #[test]
    fn transition_requests_are_validated() {
        assert!(TransitionRequest::parse(Some("close"), None, Some("dup")).is_err());
        assert!(TransitionRequest::parse(Some("close"), Some("accepted_risk"), Some("x")).is_err());
        assert!(TransitionRequest::parse(Some("reopen"), None, Some("  ")).is_err());
        assert!(TransitionRequest::parse(Some("fly"), None, None).is_err());
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(TransitionRequest::parse(Some("triage"), None, Some(&long)).is_err());
        assert!(TransitionRequest::parse(Some("triage"), None, None).is_ok());
    }

    #[test]
    fn validity_projection() {
        let now = chrono::Utc::now();
        assert_eq!(validity(ExceptionStatus::Active, now + chrono::Duration::days(60), now), Validity::Valid);
        assert_eq!(validity(ExceptionStatus::Active, now + chrono::Duration::days(3), now), Validity::Expiring);
        assert_eq!(validity(ExceptionStatus::Active, now - chrono::Duration::days(1), now), Validity::Expired);
    }
}
