//! `/workspaces/{slug}/evidence-snapshots`, `…/reviews`, `…/review-packs`, `…/customer-review-workspace`
//! and `…/entitlements`: evidence snapshots (list, read, generate), tenant reviews (list, read in operator
//! or customer mode, create, publish, archive, acknowledge), review packs (request, status, signed
//! download link), the Customer Review Workspace and the workspace's plan entitlements. Same entry
//! ([`Scoped`]), input rules (`PackRequest`) and services as the pages (`app::reviews::server::service`);
//! the services require the capabilities and the plan.

use axum::{extract::State, http::StatusCode, Json};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use app::{
    authz::server::WorkspaceScope,
    error::AppError,
    operations::Started,
    reviews::{
        server::{entitlements, service},
        AckState, Completeness, CustomerWorkspace, Dimension, DownloadLink, EntitlementKey, EntitlementSource,
        Entitlements, PackDto, PackRequest, PackStatus, Queued, ReviewDetail, ReviewDto, ReviewStatus, SectionKey,
        SnapshotDetail, SnapshotDto, SnapshotStatus, PLANS,
    },
    state::AppState,
};

use super::{
    baselines::{ids, PathIds},
    extract::{ApiInput, ApiJson, ListQuery, Scoped},
    problem::ApiResult,
    route::{schema_ref, ApiRoute, Operation, Resource},
};

const SNAPSHOTS: &str = "/workspaces/{slug}/evidence-snapshots";
const REVIEWS: &str = "/workspaces/{slug}/reviews";
const REVIEW: &str = "/workspaces/{slug}/reviews/{review}";
const PACK: &str = "/workspaces/{slug}/review-packs/{pack}";

fn enum_of<T: Copy>(all: &[T], id: fn(T) -> &'static str) -> Value {
    json!(all.iter().map(|v| id(*v)).collect::<Vec<_>>())
}

fn int() -> Value {
    json!({ "type": "integer", "format": "int64" })
}

fn time(nullable: bool) -> Value {
    if nullable {
        json!({ "type": "string", "format": "date-time", "nullable": true })
    } else {
        json!({ "type": "string", "format": "date-time" })
    }
}

pub fn resource() -> Resource {
    let completeness = enum_of(Completeness::ALL, Completeness::id);
    let tenant_filter = |op: Operation| op.text("tenant", "Only this managed tenant (id).", &[]);
    Resource {
        tag: "reviews",
        description: "Evidence snapshots, tenant reviews and signed review packs, the customer review workspace \
                      and the plan entitlements that gate pack generation.",
        routes: vec![
            ApiRoute::new(
                Method::GET,
                SNAPSHOTS,
                list_snapshots,
                tenant_filter(
                    Operation::new("listEvidenceSnapshots", "List evidence snapshots")
                        .describe("Newest first, at most 200. Needs `evidence.view`.")
                        .param("Slug"),
                )
                .ok(200, "The snapshots", Some(schema_ref("EvidenceSnapshotList")))
                .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                SNAPSHOTS,
                generate_snapshot,
                Operation::new("generateEvidenceSnapshot", "Generate an evidence snapshot of a tenant")
                    .describe(
                        "Queues `evidence.generate` (or returns the active run). The run reuses the active \
                         snapshot when nothing changed (same fingerprint). Needs `reviews.manage` and \
                         `operations.start`.",
                    )
                    .param("Slug")
                    .body("EvidenceSnapshotInput")
                    .ok(202, "The run", Some(schema_ref("StartedRun")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/evidence-snapshots/{snapshot}",
                get_snapshot,
                Operation::new("getEvidenceSnapshot", "An evidence snapshot with its dimensions")
                    .describe("Needs `evidence.view`.")
                    .param("Slug")
                    .param("EvidenceSnapshotId")
                    .ok(200, "The snapshot", Some(schema_ref("EvidenceSnapshotDetail")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::GET,
                REVIEWS,
                list_reviews,
                tenant_filter(
                    Operation::new("listReviews", "List tenant reviews")
                        .describe("Newest first, at most 200. Needs `reviews.view`.")
                        .param("Slug"),
                )
                .ok(200, "The reviews", Some(schema_ref("ReviewList")))
                .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                REVIEWS,
                create_review,
                Operation::new("createReview", "Create a review from an evidence snapshot")
                    .describe(
                        "From `snapshot_id`, or the tenant's active snapshot. Queues `review.compose`; an \
                         unpublished review from the same evidence is returned instead (`reused`). Needs \
                         `reviews.manage` and `operations.start`. 409 `no_snapshot`, `snapshot_not_active`. \
                         Audited as `tenant_review.create`.",
                    )
                    .param("Slug")
                    .body("ReviewInput")
                    .ok(202, "The review being composed", Some(schema_ref("QueuedWork")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                REVIEW,
                get_review,
                Operation::new("getReview", "A review with sections, evidence basis and packs")
                    .describe(
                        "Operators (`reviews.view`) get the operator view unless `customer_workspace=true`; \
                         customer readers (`customer_reviews.view` only) always get the customer-safe view of \
                         published reviews, which is audited as `tenant_review.open`.",
                    )
                    .param("Slug")
                    .param("ReviewId")
                    .flag("customer_workspace", "The customer-safe view.")
                    .ok(200, "The review", Some(schema_ref("ReviewDetail")))
                    .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/reviews/{review}/publication",
                publish_review,
                Operation::new("publishReview", "Publish a ready review")
                    .describe(
                        "The review becomes immutable; the tenant's previously published review is superseded. \
                         Needs `reviews.publish`. 409 `review_blocked` (publish blockers), `review_state`. \
                         Audited as `tenant_review.publish`.",
                    )
                    .param("Slug")
                    .param("ReviewId")
                    .ok(200, "The published review", Some(schema_ref("Review")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/reviews/{review}/archive",
                archive_review,
                Operation::new("archiveReview", "Archive a review")
                    .describe("Needs `reviews.manage`. 409 `review_state`. Audited as `tenant_review.archive`.")
                    .param("Slug")
                    .param("ReviewId")
                    .ok(200, "The archived review", Some(schema_ref("Review")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/reviews/{review}/acknowledgement",
                acknowledge,
                Operation::new("acknowledgeReview", "Acknowledge the latest published review")
                    .describe(
                        "Idempotent. Needs `customer_reviews.acknowledge`. 409 `review_not_current` once a newer \
                         review was published. Audited as `tenant_review.acknowledge`.",
                    )
                    .param("Slug")
                    .param("ReviewId")
                    .ok(200, "The acknowledgement state", Some(schema_ref("Acknowledgement")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/reviews/{review}/packs",
                generate_pack,
                Operation::new("generateReviewPack", "Request a review pack of a published review")
                    .describe(
                        "Queues `review_pack.generate`; identical inputs return the live pack (`reused`). Needs \
                         `review_packs.manage` (and `review_packs.include_pii` for `include_pii`). The plan is \
                         checked first: 409 `entitlement_review_pack_generation`. 409 `review_not_published`. \
                         Audited as `review_pack.request`.",
                    )
                    .param("Slug")
                    .param("ReviewId")
                    .body("ReviewPackInput")
                    .ok(202, "The pack being generated", Some(schema_ref("QueuedWork")))
                    .errors(&[403, 404, 409]),
            ),
            ApiRoute::new(
                Method::GET,
                PACK,
                get_pack,
                Operation::new("getReviewPack", "A review pack")
                    .describe("Needs `review_packs.download` (a pack with PII also `review_packs.include_pii`).")
                    .param("Slug")
                    .param("PackId")
                    .ok(200, "The pack", Some(schema_ref("ReviewPack")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::POST,
                "/workspaces/{slug}/review-packs/{pack}/download-link",
                download_link,
                Operation::new("createReviewPackDownloadLink", "A signed, expiring download link")
                    .describe(
                        "Valid for 300 seconds and only for the caller: `GET` the returned URL (relative to the \
                         server, outside `/api/v1`) with the same credentials. The download re-checks access \
                         (404/403), answers 403 `Invalid signature.` for a forged or expired link, and is \
                         audited as `review_pack.download`. 404 while the pack is not ready or expired.",
                    )
                    .param("Slug")
                    .param("PackId")
                    .ok(200, "The link", Some(schema_ref("DownloadLink")))
                    .errors(&[403, 404]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/customer-review-workspace",
                customer_workspace,
                tenant_filter(
                    Operation::new("getCustomerReviewWorkspace", "The customer review workspace")
                        .describe(
                            "The latest published review of every entitled tenant, one page of environments (by \
                             name). Needs `customer_reviews.view`.",
                        )
                        .param("Slug")
                        .param("Page")
                        .param("PerPage"),
                )
                .ok(200, "The workspace", Some(schema_ref("CustomerReviewWorkspace")))
                .errors(&[403, 404, 422]),
            ),
            ApiRoute::new(
                Method::GET,
                "/workspaces/{slug}/entitlements",
                get_entitlements,
                Operation::new("getEntitlements", "The workspace's plan, overrides and usage")
                    .describe("Needs `settings.manage`. Changed by platform operators only.")
                    .param("Slug")
                    .ok(200, "The entitlements", Some(schema_ref("Entitlements")))
                    .errors(&[403, 404]),
            ),
        ],
        schemas: vec![
            (
                "EvidenceSnapshotInput",
                json!({
                    "type": "object", "additionalProperties": false, "required": ["tenant_id"],
                    "properties": { "tenant_id": int() }
                }),
            ),
            (
                "ReviewInput",
                json!({
                    "type": "object", "additionalProperties": false, "required": ["tenant_id"],
                    "properties": {
                        "tenant_id": int(),
                        "snapshot_id": { "type": "integer", "format": "int64",
                                         "description": "An active snapshot of the tenant (default: its active one)." }
                    }
                }),
            ),
            (
                "ReviewPackInput",
                json!({
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "language": { "type": "string", "enum": ["en", "de"], "default": "en",
                                      "description": "The executive summary's language (data files are never localized)." },
                        "include_pii": { "type": "boolean", "default": false,
                                         "description": "Keep personal data instead of pseudonyms; needs `review_packs.include_pii`." }
                    }
                }),
            ),
            (
                "EvidenceSnapshot",
                json!({
                    "type": "object",
                    "required": ["id", "tenant_id", "tenant_name", "status", "completeness", "fingerprint", "generated_at",
                                 "expires_at", "missing_dimensions", "stale_dimensions", "finding_count", "accepted_risk_count"],
                    "properties": {
                        "id": int(), "tenant_id": int(), "tenant_name": { "type": "string" },
                        "status": { "type": "string", "enum": enum_of(SnapshotStatus::ALL, SnapshotStatus::id) },
                        "completeness": { "type": "string", "enum": completeness },
                        "fingerprint": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                        "previous_fingerprint": { "type": "string", "nullable": true },
                        "run_id": { "type": "integer", "format": "int64", "nullable": true },
                        "generated_at": time(false), "expires_at": time(false),
                        "missing_dimensions": { "type": "array", "items": { "type": "string" } },
                        "stale_dimensions": { "type": "array", "items": { "type": "string" } },
                        "finding_count": { "type": "integer", "minimum": 0 },
                        "accepted_risk_count": { "type": "integer", "minimum": 0 }
                    }
                }),
            ),
            (
                "EvidenceSnapshotList",
                json!({ "type": "object", "required": ["items"],
                        "properties": { "items": { "type": "array", "items": schema_ref("EvidenceSnapshot") } } }),
            ),
            (
                "EvidenceDimension",
                json!({
                    "type": "object",
                    "required": ["key", "state", "required", "measured_at", "source_fingerprint", "payload"],
                    "properties": {
                        "key": { "type": "string", "enum": enum_of(Dimension::ALL, Dimension::id) },
                        "state": { "type": "string", "enum": completeness },
                        "required": { "type": "boolean" },
                        "measured_at": time(false), "freshness_at": time(true),
                        "source_fingerprint": { "type": "string" },
                        "payload": { "description": "What was measured; null in the customer-safe view." }
                    }
                }),
            ),
            (
                "EvidenceSnapshotDetail",
                json!({
                    "type": "object", "required": ["snapshot", "dimensions"],
                    "properties": {
                        "snapshot": schema_ref("EvidenceSnapshot"),
                        "dimensions": { "type": "array", "items": schema_ref("EvidenceDimension") }
                    }
                }),
            ),
            (
                "Review",
                json!({
                    "type": "object",
                    "required": ["id", "tenant_id", "tenant_name", "snapshot_id", "status", "blockers", "created_at"],
                    "properties": {
                        "id": int(), "tenant_id": int(), "tenant_name": { "type": "string" }, "snapshot_id": int(),
                        "status": { "type": "string", "enum": enum_of(ReviewStatus::ALL, ReviewStatus::id) },
                        "completeness": { "type": "string", "enum": completeness, "nullable": true },
                        "fingerprint": { "type": "string", "nullable": true },
                        "blockers": { "type": "array", "items": { "type": "string" },
                                      "description": "`evidence_missing:<dimension>`, `snapshot_not_active`." },
                        "run_id": { "type": "integer", "format": "int64", "nullable": true },
                        "created_at": time(false), "composed_at": time(true), "published_at": time(true),
                        "published_by": { "type": "string", "nullable": true }, "archived_at": time(true),
                        "superseded_by_review_id": { "type": "integer", "format": "int64", "nullable": true }
                    }
                }),
            ),
            (
                "ReviewList",
                json!({ "type": "object", "required": ["items"],
                        "properties": { "items": { "type": "array", "items": schema_ref("Review") } } }),
            ),
            (
                "ReviewSection",
                json!({
                    "type": "object", "required": ["key", "order", "state", "payload"],
                    "properties": {
                        "key": { "type": "string", "enum": enum_of(SectionKey::ALL, SectionKey::id) },
                        "order": { "type": "integer", "enum": SectionKey::ALL.iter().map(|k| k.order()).collect::<Vec<_>>() },
                        "state": { "type": "string", "enum": completeness },
                        "payload": { "type": "object", "additionalProperties": true, "nullable": true,
                                     "description": "Locale-neutral content (ids, counts, data)." }
                    }
                }),
            ),
            (
                "ReviewPack",
                json!({
                    "type": "object",
                    "required": ["id", "tenant_id", "review_id", "snapshot_id", "status", "language", "include_pii",
                                 "fingerprint", "created_at", "expires_at", "pii"],
                    "properties": {
                        "id": int(), "tenant_id": int(), "review_id": int(), "snapshot_id": int(),
                        "status": { "type": "string", "enum": enum_of(PackStatus::ALL, PackStatus::id) },
                        "language": { "type": "string", "enum": ["en", "de"] },
                        "include_pii": { "type": "boolean" },
                        "fingerprint": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
                        "sha256": { "type": "string", "nullable": true, "pattern": "^[0-9a-f]{64}$" },
                        "file_size": { "type": "integer", "nullable": true, "minimum": 0 },
                        "run_id": { "type": "integer", "format": "int64", "nullable": true },
                        "created_at": time(false), "generated_at": time(true), "expires_at": time(false),
                        "pii": { "type": "string", "enum": ["pseudonymized", "included"] }
                    }
                }),
            ),
            (
                "ReviewPermissions",
                json!({
                    "type": "object",
                    "required": ["manage", "publish", "generate_pack", "include_pii", "download", "acknowledge",
                                 "pack_generation_entitled"],
                    "properties": {
                        "manage": { "type": "boolean" }, "publish": { "type": "boolean" },
                        "generate_pack": { "type": "boolean" }, "include_pii": { "type": "boolean" },
                        "download": { "type": "boolean" }, "acknowledge": { "type": "boolean" },
                        "pack_generation_entitled": { "type": "boolean", "description": "The plan includes pack generation." }
                    }
                }),
            ),
            (
                "ReviewDetail",
                json!({
                    "type": "object",
                    "required": ["review", "sections", "snapshot", "dimensions", "packs", "ack", "customer_mode", "can"],
                    "properties": {
                        "review": schema_ref("Review"),
                        "sections": { "type": "array", "items": schema_ref("ReviewSection") },
                        "snapshot": schema_ref("EvidenceSnapshot"),
                        "dimensions": { "type": "array", "items": schema_ref("EvidenceDimension") },
                        "packs": { "type": "array", "items": schema_ref("ReviewPack") },
                        "ack": { "type": "string", "enum": enum_of(AckState::ALL, AckState::id) },
                        "acknowledged_at": time(true),
                        "customer_mode": { "type": "boolean" },
                        "can": schema_ref("ReviewPermissions")
                    }
                }),
            ),
            (
                "QueuedWork",
                json!({
                    "type": "object", "required": ["id", "reused"],
                    "properties": {
                        "id": { "type": "integer", "format": "int64", "description": "The review or pack." },
                        "run_id": { "type": "integer", "format": "int64", "nullable": true },
                        "reused": { "type": "boolean", "description": "An identical record existed and is returned." }
                    }
                }),
            ),
            (
                "Acknowledgement",
                json!({ "type": "object", "required": ["state"],
                        "properties": { "state": { "type": "string", "enum": enum_of(AckState::ALL, AckState::id) } } }),
            ),
            (
                "DownloadLink",
                json!({
                    "type": "object", "required": ["url", "expires_at"],
                    "properties": {
                        "url": { "type": "string", "pattern": "^/admin/review-packs/[0-9]+/download\\?expires=[0-9]+&signature=[0-9a-f]{64}$" },
                        "expires_at": time(false)
                    }
                }),
            ),
            (
                "CustomerReviewWorkspace",
                json!({
                    "type": "object",
                    "required": ["cards", "page", "per_page", "total", "environments", "can_acknowledge", "can_download"],
                    "properties": {
                        "cards": { "type": "array", "items": schema_ref("CustomerReviewCard") },
                        "page": { "type": "integer", "minimum": 1 },
                        "per_page": { "type": "integer", "minimum": 1, "maximum": 200 },
                        "total": { "type": "integer", "minimum": 0, "description": "Environments matching, all pages." },
                        "environments": { "type": "array", "items": { "type": "array", "minItems": 2, "maxItems": 2,
                                          "description": "[tenant id, name]" } },
                        "selected": { "type": "integer", "format": "int64", "nullable": true },
                        "can_acknowledge": { "type": "boolean" }, "can_download": { "type": "boolean" }
                    }
                }),
            ),
            (
                "CustomerReviewCard",
                json!({
                    "type": "object",
                    "required": ["tenant_id", "tenant_name", "open_by_severity", "key_findings", "risks", "pack_state", "ack"],
                    "properties": {
                        "tenant_id": int(), "tenant_name": { "type": "string" },
                        "review": { "allOf": [schema_ref("Review")], "nullable": true },
                        "evidence_completeness": { "type": "string", "enum": completeness, "nullable": true },
                        "evidence_generated_at": time(true),
                        "snapshot_id": { "type": "integer", "format": "int64", "nullable": true },
                        "open_by_severity": { "type": "array", "minItems": 4, "maxItems": 4, "items": { "type": "integer", "minimum": 0 },
                                              "description": "[low, medium, high, critical]" },
                        "key_findings": { "type": "array", "maxItems": app::reviews::KEY_FINDINGS, "items": { "type": "object" } },
                        "risks": {
                            "type": "object", "required": ["total", "valid", "expiring", "expired", "pending"],
                            "properties": {
                                "total": { "type": "integer", "minimum": 0 }, "valid": { "type": "integer", "minimum": 0 },
                                "expiring": { "type": "integer", "minimum": 0 }, "expired": { "type": "integer", "minimum": 0 },
                                "pending": { "type": "integer", "minimum": 0 }
                            }
                        },
                        "pack": { "allOf": [schema_ref("ReviewPack")], "nullable": true },
                        "pack_state": { "type": "string", "enum": ["ready", "preparing", "expired", "not_available"] },
                        "ack": { "type": "string", "enum": enum_of(AckState::ALL, AckState::id) },
                        "acknowledged_at": time(true)
                    }
                }),
            ),
            (
                "Entitlements",
                json!({
                    "type": "object", "required": ["plan_id", "plan_is_default", "values"],
                    "properties": {
                        "plan_id": { "type": "string", "enum": PLANS.iter().map(|p| p.id).collect::<Vec<_>>() },
                        "plan_is_default": { "type": "boolean" },
                        "values": { "type": "array", "items": {
                            "type": "object", "required": ["key", "source", "allowed"],
                            "properties": {
                                "key": { "type": "string", "enum": enum_of(EntitlementKey::ALL, EntitlementKey::id) },
                                "source": { "type": "string", "enum": enum_of(EntitlementSource::ALL, EntitlementSource::id) },
                                "limit": { "type": "integer", "nullable": true, "minimum": 0 },
                                "allowed": { "type": "boolean" },
                                "usage": { "type": "integer", "nullable": true, "minimum": 0 },
                                "reason": { "type": "string", "nullable": true, "maxLength": app::reviews::MAX_REASON_CHARS }
                            }
                        } },
                        "updated_at": time(true)
                    }
                }),
            ),
        ],
    }
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantBody {
    #[serde(default)]
    tenant_id: Option<i64>,
}

impl ApiInput for TenantBody {
    const FIELDS: &'static [&'static str] = &["tenant_id"];
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewBody {
    #[serde(default)]
    tenant_id: Option<i64>,
    #[serde(default)]
    snapshot_id: Option<i64>,
}

impl ApiInput for ReviewBody {
    const FIELDS: &'static [&'static str] = &["tenant_id", "snapshot_id"];
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackBody {
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    include_pii: Option<bool>,
}

impl ApiInput for PackBody {
    const FIELDS: &'static [&'static str] = &["language", "include_pii"];
}

fn tenant_id(raw: Option<i64>) -> Result<i64, AppError> {
    raw.ok_or_else(|| AppError::validation("tenant_id", "required"))
}

/// The optional `tenant` query filter (a positive integer).
fn tenant_query(q: &ListQuery) -> Result<Option<i64>, AppError> {
    match q.text("tenant") {
        None => Ok(None),
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(AppError::validation("tenant", "invalid")),
        },
    }
}

async fn list_snapshots(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Items<SnapshotDto>>> {
    Ok(Json(Items { items: service::list_snapshots(&state.db, &scope, tenant_query(&q)?).await? }))
}

async fn generate_snapshot(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TenantBody>,
) -> ApiResult<(StatusCode, Json<Started>)> {
    let tenant = tenant_id(body.tenant_id)?;
    Ok((StatusCode::ACCEPTED, Json(service::generate_snapshot(&state.db, &scope, tenant).await?)))
}

async fn get_snapshot(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<SnapshotDetail>> {
    let [snapshot] = ids(path, ["snapshot"])?;
    Ok(Json(service::get_snapshot(&state.db, &scope, snapshot).await?))
}

async fn list_reviews(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<Items<ReviewDto>>> {
    Ok(Json(Items { items: service::list_reviews(&state.db, &scope, tenant_query(&q)?).await? }))
}

async fn create_review(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let tenant = tenant_id(body.tenant_id)?;
    Ok((StatusCode::ACCEPTED, Json(service::create_review(&state.db, &scope, tenant, body.snapshot_id).await?)))
}

async fn get_review(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    q: ListQuery,
) -> ApiResult<Json<ReviewDetail>> {
    let [review] = ids(path, ["review"])?;
    let customer = q.flag("customer_workspace")?;
    let entitled = entitlements::pack_generation_allowed(&state.db, &scope).await?;
    Ok(Json(service::get_review(&state.db, &scope, review, customer, entitled).await?))
}

async fn publish_review(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<ReviewDto>> {
    let [review] = ids(path, ["review"])?;
    Ok(Json(service::publish_review(&state.db, &scope, review).await?))
}

async fn archive_review(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<ReviewDto>> {
    let [review] = ids(path, ["review"])?;
    Ok(Json(service::archive_review(&state.db, &scope, review).await?))
}

async fn acknowledge(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<Value>> {
    let [review] = ids(path, ["review"])?;
    let state_ = service::acknowledge(&state.db, &scope, review).await?;
    Ok(Json(json!({ "state": state_ })))
}

async fn generate_pack(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
    ApiJson(body): ApiJson<PackBody>,
) -> ApiResult<(StatusCode, Json<Queued>)> {
    let [review] = ids(path, ["review"])?;
    let req = PackRequest::parse(body.language.as_deref(), body.include_pii.unwrap_or(false))?;
    Ok((StatusCode::ACCEPTED, Json(service::generate_pack(&state.db, &scope, review, req).await?)))
}

async fn get_pack(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<PackDto>> {
    let [pack] = ids(path, ["pack"])?;
    Ok(Json(service::get_pack(&state.db, &scope, pack).await?))
}

async fn download_link(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    path: PathIds,
) -> ApiResult<Json<DownloadLink>> {
    let [pack] = ids(path, ["pack"])?;
    Ok(Json(service::download_link(&state.db, &state.keys, &scope, pack).await?))
}

async fn customer_workspace(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
    q: ListQuery,
) -> ApiResult<Json<CustomerWorkspace>> {
    Ok(Json(service::customer_workspace(&state.db, &scope, tenant_query(&q)?, q.page).await?))
}

async fn get_entitlements(
    Scoped(scope): Scoped<WorkspaceScope>,
    State(state): State<AppState>,
) -> ApiResult<Json<Entitlements>> {
    Ok(Json(entitlements::get(&state.db, &scope).await?))
}
