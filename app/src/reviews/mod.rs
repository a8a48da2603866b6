//! Evidence, tenant reviews, review packs and the Customer Review Workspace (BRIEF §2.7, §3.3, §4.4,
//! §5.1, §5.8, §5.12), plus the plan entitlements that gate pack generation and tenant activation
//! (§3.5). Pure and shared by both builds: the state enums and their only transition functions, the
//! evidence dimensions and review sections, the acknowledgement projection, the plan table and the views
//! served to pages and the API. Server functions in `api`, pages in `pages`, labels and badges in
//! `components`; storage, the generation runs, the pack format and the pack store live in
//! `reviews::server`. See docs/reviews.md.

pub mod api;
pub mod components;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

string_ids! {
    /// How complete a piece of evidence (a dimension, a snapshot, a review section) is.
    Completeness { Complete => "complete", Partial => "partial", Missing => "missing", Stale => "stale" }
}

string_ids! {
    /// An evidence snapshot's life: `active` (the tenant's current one), `superseded` by a newer one,
    /// `expired` by retention. Snapshots are written whole by their run; a failed run writes none.
    SnapshotStatus { Active => "active", Superseded => "superseded", Expired => "expired" }
}

string_ids! {
    /// What an evidence snapshot measures, in order. Every dimension but `operations` is required.
    Dimension {
        Inventory => "inventory",
        BaselineDrift => "baseline_drift",
        Findings => "findings",
        AcceptedRisks => "accepted_risks",
        Permissions => "permissions",
        Operations => "operations",
    }
}

string_ids! {
    /// A tenant review's life (BRIEF §3.3): composing (its run is queued or running) → draft (publish
    /// blockers remain) or ready → published → superseded by a newer publication; archived; failed.
    ReviewStatus {
        Composing => "composing",
        Draft => "draft",
        Ready => "ready",
        Published => "published",
        Superseded => "superseded",
        Archived => "archived",
        Failed => "failed",
    }
}

string_ids! {
    /// A review pack's life: queued → generating → ready → expired (retention); or failed.
    PackStatus { Queued => "queued", Generating => "generating", Ready => "ready", Failed => "failed", Expired => "expired" }
}

string_ids! {
    /// The sections of a review, in order (their `order` is the pack's `sections/NN-key.json` prefix).
    SectionKey {
        ExecutiveSummary => "executive_summary",
        OpenRisks => "open_risks",
        AcceptedRisks => "accepted_risks",
        PermissionPosture => "permission_posture",
        BaselineDriftPosture => "baseline_drift_posture",
        OperationsHealth => "operations_health",
    }
}

string_ids! {
    /// The customer's acknowledgement of the latest published review (Spec 343, derived).
    AckState {
        NotAvailable => "not_available",
        Required => "required",
        Acknowledged => "acknowledged",
        ReAckRequired => "re_ack_required",
    }
}

string_ids! {
    /// Why a review cannot be published yet (stored on the review by its compose run).
    Blocker {
        EvidenceMissing => "evidence_missing",
        SnapshotNotActive => "snapshot_not_active",
    }
}

string_ids! {
    /// Action families gated by the plan (BRIEF §3.5).
    EntitlementKey { ManagedTenantLimit => "managed_tenant_limit", ReviewPackGeneration => "review_pack_generation" }
}

/// Evidence older than this is stale (inventory sync, last compare).
pub const STALE_AFTER_HOURS: i64 = 7 * 24;
/// Snapshots expire after this many days (retention; published reviews keep theirs).
pub const SNAPSHOT_RETENTION_DAYS: i64 = 90;
/// Packs expire after this many days; an expired pack's file is deleted.
pub const PACK_RETENTION_DAYS: i64 = 30;
/// A signed download link is valid for this many seconds.
pub const DOWNLOAD_LINK_SECS: i64 = 300;
/// The most findings and accepted risks a snapshot keeps as items (the counts are always complete).
pub const MAX_EVIDENCE_ITEMS: usize = 10_000;
/// Longest override reason.
pub const MAX_REASON_CHARS: usize = 500;
/// Key findings shown per environment card.
pub const KEY_FINDINGS: usize = 5;

impl Dimension {
    pub fn required(self) -> bool {
        self != Self::Operations
    }

    pub fn order(self) -> i64 {
        Self::ALL.iter().position(|d| *d == self).unwrap_or(0) as i64 * 10 + 10
    }
}

impl SectionKey {
    /// `10`, `20`, … `60`: the order in the review and the pack file prefix.
    pub fn order(self) -> i64 {
        Self::ALL.iter().position(|d| *d == self).unwrap_or(0) as i64 * 10 + 10
    }

    /// The evidence dimensions a section is built from (its completeness is theirs, worst first).
    pub fn dimensions(self) -> &'static [Dimension] {
        match self {
            Self::ExecutiveSummary => &[Dimension::Inventory, Dimension::BaselineDrift, Dimension::Findings],
            Self::OpenRisks => &[Dimension::Findings],
            Self::AcceptedRisks => &[Dimension::AcceptedRisks],
            Self::PermissionPosture => &[Dimension::Permissions],
            Self::BaselineDriftPosture => &[Dimension::BaselineDrift],
            Self::OperationsHealth => &[Dimension::Operations],
        }
    }
}

impl Completeness {
    /// Higher is worse: complete < stale < partial < missing.
    pub fn rank(self) -> u8 {
        match self {
            Self::Complete => 0,
            Self::Stale => 1,
            Self::Partial => 2,
            Self::Missing => 3,
        }
    }

    /// The overall state of several parts: the worst of them (complete when there are none).
    pub fn worst(parts: impl IntoIterator<Item = Completeness>) -> Completeness {
        parts.into_iter().max_by_key(|c| c.rank()).unwrap_or(Completeness::Complete)
    }
}

/// What a member does to a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewAction {
    /// The compose run finished: no blockers → ready, blockers → draft.
    Composed {
        blocked: bool,
    },
    /// The compose run failed.
    ComposeFailed,
    Publish,
    /// A newer publication of the same tenant.
    Supersede,
    Archive,
}

impl ReviewStatus {
    /// **The only review transition function.** A published review is immutable: only a newer
    /// publication (supersede) or archiving moves it.
    pub fn apply(self, action: ReviewAction) -> Result<ReviewStatus, AppError> {
        use ReviewAction as A;
        use ReviewStatus as S;
        match (action, self) {
            (A::Composed { blocked }, S::Composing) => Ok(if blocked { S::Draft } else { S::Ready }),
            (A::ComposeFailed, S::Composing) => Ok(S::Failed),
            (A::Publish, S::Ready) => Ok(S::Published),
            (A::Publish, S::Draft) => Err(AppError::Conflict("review_blocked".into())),
            (A::Supersede, S::Published) => Ok(S::Superseded),
            (A::Archive, S::Draft | S::Ready | S::Published | S::Superseded | S::Failed) => Ok(S::Archived),
            _ => Err(AppError::Conflict("review_state".into())),
        }
    }

    /// Customers only ever see these.
    pub fn is_released(self) -> bool {
        self == Self::Published
    }
}

impl PackStatus {
    /// A pack that dedupes identical requests (queued, generating or ready).
    pub fn is_live(self) -> bool {
        matches!(self, Self::Queued | Self::Generating | Self::Ready)
    }
}

/// The acknowledgement state of a tenant: `latest` is the latest published review, `acked_latest`
/// whether it was acknowledged, `acked_earlier` whether an earlier publication was.
pub fn ack_state(latest: Option<i64>, acked_latest: bool, acked_earlier: bool) -> AckState {
    match (latest, acked_latest, acked_earlier) {
        (None, _, _) => AckState::NotAvailable,
        (Some(_), true, _) => AckState::Acknowledged,
        (Some(_), false, true) => AckState::ReAckRequired,
        (Some(_), false, false) => AckState::Required,
    }
}

// ---- entitlements ----

/// A plan profile, defined in code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: &'static str,
    /// `None`: unlimited.
    pub managed_tenant_limit: Option<i64>,
    pub review_pack_generation: bool,
}

/// The plans. A workspace without a plan gets [`DEFAULT_PLAN`].
pub const PLANS: &[Plan] = &[
    Plan { id: "starter", managed_tenant_limit: Some(3), review_pack_generation: false },
    Plan { id: "professional", managed_tenant_limit: Some(50), review_pack_generation: true },
    Plan { id: "enterprise", managed_tenant_limit: None, review_pack_generation: true },
];
pub const DEFAULT_PLAN: &str = "professional";

pub fn plan(id: Option<&str>) -> Plan {
    let id = id.unwrap_or(DEFAULT_PLAN);
    PLANS.iter().copied().find(|p| p.id == id).unwrap_or(PLANS[1])
}

string_ids! {
    /// Where an effective entitlement value comes from.
    EntitlementSource { Plan => "plan", Override => "override" }
}

/// One effective entitlement with its source and, for the limit, the usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitlementValue {
    pub key: EntitlementKey,
    pub source: EntitlementSource,
    /// The limit (`None` unlimited) for `managed_tenant_limit`.
    pub limit: Option<i64>,
    /// Whether the action family is allowed, for `review_pack_generation`.
    pub allowed: bool,
    /// Active managed tenants, for `managed_tenant_limit`.
    pub usage: Option<i64>,
    pub reason: Option<String>,
}

/// A workspace's plan and effective entitlements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entitlements {
    pub plan_id: String,
    pub plan_is_default: bool,
    pub values: Vec<EntitlementValue>,
    pub updated_at: Option<String>,
}

impl Entitlements {
    pub fn value(&self, key: EntitlementKey) -> Option<&EntitlementValue> {
        self.values.iter().find(|v| v.key == key)
    }
}

/// A validated entitlement change by a platform operator: plan and overrides, each override with its
/// reason. `None` for an override removes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntitlementChange {
    pub plan_id: Option<String>,
    pub managed_tenant_limit: Option<(i64, String)>,
    pub review_pack_generation: Option<(bool, String)>,
}

/// A reason: trimmed, required, at most [`MAX_REASON_CHARS`].
fn reason(field: &str, raw: Option<&str>) -> Result<String, crate::error::FieldError> {
    let text = raw.map(str::trim).unwrap_or("").to_string();
    if text.is_empty() {
        return Err(crate::error::FieldError::new(field, "required"));
    }
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(crate::error::FieldError::new(field, "too_long"));
    }
    Ok(text)
}

impl EntitlementChange {
    /// Field codes: `plan_id: unknown_plan`; `managed_tenant_limit: invalid` (an integer ≥ 0, blank removes
    /// the override); `review_pack_generation: invalid` (`allow`, `block`, blank removes); the matching
    /// `…_reason: required | too_long` when an override is set.
    pub fn parse(
        plan_id: Option<&str>,
        limit: Option<&str>,
        limit_reason: Option<&str>,
        packs: Option<&str>,
        packs_reason: Option<&str>,
    ) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let blank = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
        let plan_id = blank(plan_id);
        if plan_id.as_deref().is_some_and(|p| !PLANS.iter().any(|x| x.id == p)) {
            errors.push(crate::error::FieldError::new("plan_id", "unknown_plan"));
        }
        let managed_tenant_limit = match blank(limit) {
            None => None,
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (0..=100_000).contains(&n) => match reason("managed_tenant_limit_reason", limit_reason) {
                    Ok(r) => Some((n, r)),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                },
                _ => {
                    errors.push(crate::error::FieldError::new("managed_tenant_limit", "invalid"));
                    None
                }
            },
        };
        let review_pack_generation = match blank(packs).as_deref() {
            None => None,
            Some(v @ ("allow" | "block")) => match reason("review_pack_generation_reason", packs_reason) {
                Ok(r) => Some((v == "allow", r)),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            Some(_) => {
                errors.push(crate::error::FieldError::new("review_pack_generation", "invalid"));
                None
            }
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(Self { plan_id, managed_tenant_limit, review_pack_generation })
    }
}

// ---- views ----

/// One measured dimension of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionDto {
    pub key: Dimension,
    pub state: Completeness,
    pub required: bool,
    pub measured_at: String,
    /// When the measured data was last refreshed (a sync, a compare), if known.
    pub freshness_at: Option<String>,
    pub source_fingerprint: String,
    /// What was measured (counts and lists; customer-safe, no secrets).
    pub payload: serde_json::Value,
}

/// An evidence snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDto {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub status: SnapshotStatus,
    pub completeness: Completeness,
    pub fingerprint: String,
    pub previous_fingerprint: Option<String>,
    pub run_id: Option<i64>,
    pub generated_at: String,
    pub expires_at: String,
    pub missing_dimensions: Vec<String>,
    pub stale_dimensions: Vec<String>,
    pub finding_count: i64,
    pub accepted_risk_count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDetail {
    pub snapshot: SnapshotDto,
    pub dimensions: Vec<DimensionDto>,
}

/// A review section: what the compose run wrote (locale-neutral: ids, counts and data; pages translate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionDto {
    pub key: SectionKey,
    pub order: i64,
    pub state: Completeness,
    pub payload: serde_json::Value,
}

/// A review pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackDto {
    pub id: i64,
    pub tenant_id: i64,
    pub review_id: i64,
    pub snapshot_id: i64,
    pub status: PackStatus,
    pub language: String,
    pub include_pii: bool,
    pub fingerprint: String,
    pub sha256: Option<String>,
    pub file_size: Option<i64>,
    pub run_id: Option<i64>,
    pub created_at: String,
    pub generated_at: Option<String>,
    pub expires_at: String,
    /// `pseudonymized` or `included`.
    pub pii: String,
}

/// A tenant review as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDto {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant_name: String,
    pub snapshot_id: i64,
    pub status: ReviewStatus,
    pub completeness: Option<Completeness>,
    pub fingerprint: Option<String>,
    pub blockers: Vec<String>,
    pub run_id: Option<i64>,
    pub created_at: String,
    pub composed_at: Option<String>,
    pub published_at: Option<String>,
    pub published_by: Option<String>,
    pub archived_at: Option<String>,
    pub superseded_by_review_id: Option<i64>,
}

/// What the caller may do with a review (customer mode: nothing but acknowledge and download).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReviewPermissions {
    pub manage: bool,
    pub publish: bool,
    pub generate_pack: bool,
    pub include_pii: bool,
    pub download: bool,
    pub acknowledge: bool,
    /// The plan blocks pack generation (shown with the plan's message, not as a permission).
    pub pack_generation_entitled: bool,
}

/// A review with its sections, evidence basis and packs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub review: ReviewDto,
    pub sections: Vec<SectionDto>,
    pub snapshot: SnapshotDto,
    pub dimensions: Vec<DimensionDto>,
    pub packs: Vec<PackDto>,
    pub ack: AckState,
    pub acknowledged_at: Option<String>,
    /// Rendered for a customer-safe reader (no operator controls, no diagnostics).
    pub customer_mode: bool,
    pub can: ReviewPermissions,
}

/// A finding as the workspace card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFinding {
    pub severity: String,
    pub status: String,
    pub subject: String,
    pub policy_type: String,
    pub drift_kind: String,
    pub overdue: bool,
}

/// Accepted-risk counters of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RiskCounts {
    pub total: i64,
    pub valid: i64,
    pub expiring: i64,
    pub expired: i64,
    pub pending: i64,
}

/// One environment card of the Customer Review Workspace: the latest published review of an entitled
/// tenant (or none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceCard {
    pub tenant_id: i64,
    pub tenant_name: String,
    pub review: Option<ReviewDto>,
    pub evidence_completeness: Option<Completeness>,
    pub evidence_generated_at: Option<String>,
    pub snapshot_id: Option<i64>,
    /// Open findings by severity: [low, medium, high, critical].
    pub open_by_severity: [i64; 4],
    pub key_findings: Vec<KeyFinding>,
    pub risks: RiskCounts,
    /// The newest ready pack of the review, if any.
    pub pack: Option<PackDto>,
    /// `ready`, `preparing`, `expired`, `not_available`.
    pub pack_state: String,
    pub ack: AckState,
    pub acknowledged_at: Option<String>,
}

/// What the workspace card shows of a published review, computed once by its compose run (a published
/// review never changes, so neither does its card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CardSummary {
    /// Open findings by severity: [low, medium, high, critical].
    pub open_by_severity: [i64; 4],
    pub key_findings: Vec<KeyFinding>,
    pub risks: RiskCounts,
}

/// Environment cards per page of the Customer Review Workspace.
pub const WORKSPACE_PER_PAGE: u32 = 24;

/// The Customer Review Workspace: one page of environment cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerWorkspace {
    pub cards: Vec<WorkspaceCard>,
    pub page: u32,
    pub per_page: u32,
    /// Environments matching the filter (all pages).
    pub total: u64,
    /// Every entitled tenant (the environment filter's options).
    pub environments: Vec<(i64, String)>,
    pub selected: Option<i64>,
    pub can_acknowledge: bool,
    pub can_download: bool,
}

/// A signed, expiring download link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadLink {
    pub url: String,
    pub expires_at: String,
}

/// What a start returns: the run doing the work, the record it works on, and whether an identical
/// existing record was reused instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub id: i64,
    pub run_id: Option<i64>,
    pub reused: bool,
}

/// The result of checking an uploaded pack (the verify page), as the server signed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyView {
    pub ok: bool,
    pub file_name: String,
    pub files_checked: usize,
    /// Machine codes with the path they concern (`hash_mismatch:summary.json`, `bad_signature` …).
    pub problems: Vec<String>,
    pub pack_id: Option<i64>,
    pub key_id: Option<String>,
    /// Signed by this installation's key (not just by the key embedded in the file).
    pub trusted: bool,
    pub checked_at: String,
}

/// A validated pack request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRequest {
    pub language: String,
    pub include_pii: bool,
}

impl PackRequest {
    /// Field codes: `language: unknown_language` (`en` or `de`; blank → `en`).
    pub fn parse(language: Option<&str>, include_pii: bool) -> Result<Self, AppError> {
        let language = match language.map(str::trim).filter(|s| !s.is_empty()) {
            None => "en".to_string(),
            Some(l @ ("en" | "de")) => l.to_string(),
            Some(_) => return Err(AppError::validation("language", "unknown_language")),
        };
        Ok(Self { language, include_pii })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_reviews_only_move_by_supersede_or_archive() {
        for a in [ReviewAction::Publish, ReviewAction::Composed { blocked: false }, ReviewAction::ComposeFailed] {
            assert!(ReviewStatus::Published.apply(a).is_err(), "{a:?}");
        }
        assert_eq!(ReviewStatus::Published.apply(ReviewAction::Supersede).unwrap(), ReviewStatus::Superseded);
        assert_eq!(ReviewStatus::Published.apply(ReviewAction::Archive).unwrap(), ReviewStatus::Archived);
        assert_eq!(
            ReviewStatus::Draft.apply(ReviewAction::Publish).unwrap_err(),
            AppError::Conflict("review_blocked".into())
        );
        assert_eq!(
            ReviewStatus::Composing.apply(ReviewAction::Composed { blocked: true }).unwrap(),
            ReviewStatus::Draft
        );
        assert!(ReviewStatus::Archived.apply(ReviewAction::Archive).is_err());
    }

    #[test]
    fn acknowledgement_projection() {
        assert_eq!(ack_state(None, false, true), AckState::NotAvailable);
        assert_eq!(ack_state(Some(1), false, false), AckState::Required);
        assert_eq!(ack_state(Some(2), false, true), AckState::ReAckRequired);
        assert_eq!(ack_state(Some(2), true, true), AckState::Acknowledged);
    }

    #[test]
    fn worst_completeness_wins() {
        use Completeness::*;
        assert_eq!(Completeness::worst([Complete, Stale, Partial]), Partial);
        assert_eq!(Completeness::worst([Complete, Missing, Stale]), Missing);
        assert_eq!(Completeness::worst([]), Complete);
        assert_eq!(SectionKey::ExecutiveSummary.order(), 10);
        assert_eq!(SectionKey::OperationsHealth.order(), 60);
    }

    #[test]
    fn entitlement_changes_need_reasons() {
        assert!(EntitlementChange::parse(None, Some("5"), None, None, None).is_err());
        assert!(EntitlementChange::parse(None, Some("-1"), Some("x"), None, None).is_err());
        assert!(EntitlementChange::parse(Some("gold"), None, None, None, None).is_err());
        assert!(EntitlementChange::parse(None, None, None, Some("maybe"), Some("x")).is_err());
        let c =
            EntitlementChange::parse(Some("starter"), Some("5"), Some(" pilot "), Some("allow"), Some("deal")).unwrap();
        assert_eq!(c.managed_tenant_limit, Some((5, "pilot".into())));
        assert_eq!(c.review_pack_generation, Some((true, "deal".into())));
        assert_eq!(plan(None).id, DEFAULT_PLAN);
    }

    #[test]
    fn pack_requests_are_validated() {
        assert_eq!(PackRequest::parse(None, false).unwrap().language, "en");
        assert!(PackRequest::parse(Some("fr"), false).is_err());
    }
}
