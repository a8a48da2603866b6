//! Reviews building blocks: localized labels and badges of review, snapshot and pack states, completeness,
//! evidence dimensions, review sections, acknowledgement and pack availability; publish blockers and
//! pack verification problems as sentences; localized times and file sizes; the non-certification
//! disclosure and the pack PII statement; the pack download and acknowledgement forms; and the two
//! entitlement panels (read-only on the workspace settings page, the change form on the platform plane).
//! Every form is a plain form post that works without JavaScript; hydrated, the download form asks the
//! server function for the signed link and then opens it.

use leptos::{either::Either, prelude::*};

use crate::{
    components::{ErrorText, SubmitButton},
    error::AppError,
    i18n::*,
    locale::format_datetime,
    reviews::{
        api::{
            get_entitlements, get_workspace_entitlements, AcknowledgeReview, PackDownloadLink, SetWorkspaceEntitlements,
        },
        AckState, Completeness, Dimension, EntitlementKey, EntitlementSource, EntitlementValue, Entitlements,
        PackStatus, ReviewStatus, SectionKey, SnapshotStatus, MAX_REASON_CHARS, PLANS,
    },
};

type I18n = leptos_i18n::I18nContext<Locale>;

pub fn review_status_label(i18n: I18n, s: ReviewStatus) -> &'static str {
    match s {
        ReviewStatus::Composing => t_string!(i18n, reviews.status.composing),
        ReviewStatus::Draft => t_string!(i18n, reviews.status.draft),
        ReviewStatus::Ready => t_string!(i18n, reviews.status.ready),
        ReviewStatus::Published => t_string!(i18n, reviews.status.published),
        ReviewStatus::Superseded => t_string!(i18n, reviews.status.superseded),
        ReviewStatus::Archived => t_string!(i18n, reviews.status.archived),
        ReviewStatus::Failed => t_string!(i18n, reviews.status.failed),
    }
}

pub fn completeness_label(i18n: I18n, c: Completeness) -> &'static str {
    match c {
        Completeness::Complete => t_string!(i18n, reviews.completeness.complete),
        Completeness::Partial => t_string!(i18n, reviews.completeness.partial),
        Completeness::Missing => t_string!(i18n, reviews.completeness.missing),
        Completeness::Stale => t_string!(i18n, reviews.completeness.stale),
    }
}

pub fn snapshot_status_label(i18n: I18n, s: SnapshotStatus) -> &'static str {
    match s {
        SnapshotStatus::Active => t_string!(i18n, reviews.snapshot_status.active),
        SnapshotStatus::Superseded => t_string!(i18n, reviews.snapshot_status.superseded),
        SnapshotStatus::Expired => t_string!(i18n, reviews.snapshot_status.expired),
    }
}

pub fn pack_status_label(i18n: I18n, s: PackStatus) -> &'static str {
    match s {
        PackStatus::Queued => t_string!(i18n, reviews.pack_status.queued),
        PackStatus::Generating => t_string!(i18n, reviews.pack_status.generating),
        PackStatus::Ready => t_string!(i18n, reviews.pack_status.ready),
        PackStatus::Failed => t_string!(i18n, reviews.pack_status.failed),
        PackStatus::Expired => t_string!(i18n, reviews.pack_status.expired),
    }
}

pub fn dimension_label(i18n: I18n, d: Dimension) -> &'static str {
    match d {
        Dimension::Inventory => t_string!(i18n, reviews.dimension.inventory),
        Dimension::BaselineDrift => t_string!(i18n, reviews.dimension.baseline_drift),
        Dimension::Findings => t_string!(i18n, reviews.dimension.findings),
        Dimension::AcceptedRisks => t_string!(i18n, reviews.dimension.accepted_risks),
        Dimension::Permissions => t_string!(i18n, reviews.dimension.permissions),
        Dimension::Operations => t_string!(i18n, reviews.dimension.operations),
    }
}

pub fn section_title(i18n: I18n, k: SectionKey) -> &'static str {
    match k {
        SectionKey::ExecutiveSummary => t_string!(i18n, reviews.section.executive_summary),
        SectionKey::OpenRisks => t_string!(i18n, reviews.section.open_risks),
        SectionKey::AcceptedRisks => t_string!(i18n, reviews.section.accepted_risks),
        SectionKey::PermissionPosture => t_string!(i18n, reviews.section.permission_posture),
        SectionKey::BaselineDriftPosture => t_string!(i18n, reviews.section.baseline_drift_posture),
        SectionKey::OperationsHealth => t_string!(i18n, reviews.section.operations_health),
    }
}

/// The pack availability of an environment card (`ready`, `preparing`, `expired`, `not_available`).
pub fn pack_state_label(i18n: I18n, state: &str) -> &'static str {
    match state {
        "ready" => t_string!(i18n, crw.pack_state.ready),
        "preparing" => t_string!(i18n, crw.pack_state.preparing),
        "expired" => t_string!(i18n, crw.pack_state.expired),
        _ => t_string!(i18n, crw.pack_state.not_available),
    }
}

pub fn plan_label(i18n: I18n, id: &str) -> &'static str {
    match id {
        "starter" => t_string!(i18n, entitlements.plans.starter),
        "professional" => t_string!(i18n, entitlements.plans.professional),
        "enterprise" => t_string!(i18n, entitlements.plans.enterprise),
        _ => t_string!(i18n, entitlements.plans.unknown),
    }
}

/// A publish blocker as a sentence: `evidence_missing:inventory` → "Evidence missing: Inventory".
pub fn blocker_text(i18n: I18n, code: &str) -> String {
    let (kind, detail) = code.split_once(':').unwrap_or((code, ""));
    match kind {
        "evidence_missing" => {
            let dimension = Dimension::parse(detail).map_or(detail, |d| dimension_label(i18n, d));
            t_string!(i18n, reviews.blocker.evidence_missing, dimension = dimension).to_string()
        }
        "snapshot_not_active" => t_string!(i18n, reviews.blocker.snapshot_not_active).to_string(),
        _ => t_string!(i18n, reviews.blocker.unknown, code = code.to_string()).to_string(),
    }
}

/// A pack verification problem (`hash_mismatch:summary.json`) as its sentence and the path it concerns.
pub fn verify_problem_text(i18n: I18n, problem: &str) -> (&'static str, String) {
    let (code, path) = problem.split_once(':').unwrap_or((problem, ""));
    let text = match code {
        "hash_mismatch" => t_string!(i18n, reviews.verify.problem.hash_mismatch),
        "missing_file" => t_string!(i18n, reviews.verify.problem.missing_file),
        "unlisted_file" => t_string!(i18n, reviews.verify.problem.unlisted_file),
        "bad_signature" => t_string!(i18n, reviews.verify.problem.bad_signature),
        "untrusted_key" => t_string!(i18n, reviews.verify.problem.untrusted_key),
        "not_a_pack" => t_string!(i18n, reviews.verify.problem.not_a_pack),
        "manifest_missing" => t_string!(i18n, reviews.verify.problem.manifest_missing),
        _ => t_string!(i18n, reviews.verify.problem.other),
    };
    (text, path.to_string())
}

/// The first 12 characters of a fingerprint or checksum.
pub fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

/// A byte count for people: `12.3 KB` / `12,3 KB`.
pub fn file_size(locale: Locale, bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    let (value, unit) = if b >= 1024.0 * 1024.0 {
        (b / (1024.0 * 1024.0), "MB")
    } else if b >= 1024.0 {
        (b / 1024.0, "KB")
    } else {
        return format!("{bytes} B");
    };
    let text = format!("{value:.1} {unit}");
    match locale {
        Locale::de => text.replace('.', ","),
        Locale::en => text,
    }
}

/// A stored RFC 3339 time, localized (`2025-01-31 14:05 UTC` / `31.01.2025 14:05 UTC`).
pub fn local_time(locale: Locale, stored: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(stored) {
        Ok(t) => format_datetime(locale, &t.with_timezone(&chrono::Utc)),
        Err(_) => crate::inventory::components::utc(stored),
    }
}

/// A `<time>` showing a stored RFC 3339 time in the page's language.
#[component]
pub fn Time(#[prop(into)] at: String) -> impl IntoView {
    let i18n = use_i18n();
    let text = {
        let at = at.clone();
        move || local_time(i18n.get_locale(), &at)
    };
    view! { <time datetime=at>{text}</time> }
}

/// An optional stored time, or a dash.
pub fn maybe_time(at: Option<String>) -> impl IntoView {
    match at {
        Some(at) => Either::Left(view! { <Time at/> }),
        None => Either::Right(view! { <span class="muted">"—"</span> }),
    }
}

#[component]
pub fn ReviewStatusBadge(status: ReviewStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        ReviewStatus::Published => "badge badge-ok",
        ReviewStatus::Ready => "badge badge-info",
        ReviewStatus::Draft | ReviewStatus::Failed => "badge badge-warn",
        _ => "badge",
    };
    view! { <span class=class data-testid="review-status" data-status=status.id()>{move || review_status_label(i18n, status)}</span> }
}

#[component]
pub fn CompletenessBadge(completeness: Completeness) -> impl IntoView {
    let i18n = use_i18n();
    let class = match completeness {
        Completeness::Complete => "badge badge-ok",
        Completeness::Stale => "badge badge-info",
        Completeness::Partial | Completeness::Missing => "badge badge-warn",
    };
    view! {
        <span class=class data-testid="completeness" data-completeness=completeness.id()>
            {move || completeness_label(i18n, completeness)}
        </span>
    }
}

#[component]
pub fn SnapshotStatusBadge(status: SnapshotStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = if status == SnapshotStatus::Active { "badge badge-ok" } else { "badge" };
    view! { <span class=class data-testid="snapshot-status" data-status=status.id()>{move || snapshot_status_label(i18n, status)}</span> }
}

#[component]
pub fn PackStatusBadge(status: PackStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        PackStatus::Ready => "badge badge-ok",
        PackStatus::Failed => "badge badge-warn",
        PackStatus::Queued | PackStatus::Generating => "badge badge-info",
        PackStatus::Expired => "badge",
    };
    view! { <span class=class data-testid="pack-status" data-status=status.id()>{move || pack_status_label(i18n, status)}</span> }
}

/// The acknowledgement state: "Acknowledgement required", "Re-acknowledgement required: …",
/// "Acknowledged on …", or that there is nothing to acknowledge.
#[component]
pub fn AckStatus(ack: AckState, acknowledged_at: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let class = match ack {
        AckState::Acknowledged => "badge badge-ok",
        AckState::Required | AckState::ReAckRequired => "badge badge-warn",
        AckState::NotAvailable => "badge",
    };
    let text = move || match ack {
        AckState::Required => t_string!(i18n, crw.ack.required).to_string(),
        AckState::ReAckRequired => t_string!(i18n, crw.ack.re_ack_required).to_string(),
        AckState::NotAvailable => t_string!(i18n, crw.ack.not_available).to_string(),
        AckState::Acknowledged => match &acknowledged_at {
            Some(at) => t_string!(i18n, crw.ack.acknowledged_on, at = local_time(i18n.get_locale(), at)).to_string(),
            None => t_string!(i18n, crw.ack.acknowledged).to_string(),
        },
    };
    view! { <span class=class data-testid="ack-state" data-ack=ack.id()>{text}</span> }
}

/// "This review is not a certification or attestation of compliance."
#[component]
pub fn Disclosure() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="disclosure" data-testid="non-certification">{t!(i18n, reviews.disclosure)}</p>
    }
}

/// "Personal data in packs is replaced by pseudonyms."
#[component]
pub fn PiiStatement() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="hint" data-testid="pii-statement">{t!(i18n, reviews.pii_statement)}</p> }
}

/// An error of a reviews page: like [`ErrorText`], except that `no_snapshot` (shared with baselines)
/// speaks of evidence snapshots here.
#[component]
pub fn ReviewErrorText(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    match error {
        AppError::Conflict(code) if code == "no_snapshot" => {
            Either::Left(view! { <span>{t!(i18n, reviews.conflict.no_snapshot)}</span> })
        }
        other => Either::Right(view! { <ErrorText error=other/> }),
    }
}

/// An error alert (role `alert`) with a test id.
pub fn error_alert(e: AppError, testid: &'static str) -> impl IntoView {
    view! { <div class="alert alert-error" role="alert" data-testid=testid><ReviewErrorText error=e/></div> }
}

/// The error of an action's last submission, if it failed.
pub fn action_error<A, O>(action: ServerAction<A>, testid: &'static str) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<A>: Copy,
{
    move || action.value().get().and_then(Result::err).map(|e| error_alert(e, testid))
}

/// A "Download" button for a ready pack. Without JavaScript the form post is answered with a redirect
/// to the signed link; hydrated, the action returns the link and the browser opens it.
#[component]
pub fn DownloadPackForm(
    #[prop(into)] workspace: String,
    pack: i64,
    action: ServerAction<PackDownloadLink>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ActionForm action attr:data-testid="download-pack-form">
            <input type="hidden" name="workspace" value=workspace/>
            <input type="hidden" name="pack" value=pack/>
            <SubmitButton pending=action.pending() class="btn" attr:data-testid="download-pack">{t!(i18n, reviews.pack.download)}</SubmitButton>
        </ActionForm>
    }
}

/// A download action whose signed link is opened as soon as it arrives (hydrated only: effects do not
/// run on the server, and a plain form post is redirected by the server function itself).
pub fn download_action() -> ServerAction<PackDownloadLink> {
    let action = ServerAction::<PackDownloadLink>::new();
    Effect::new(move |_| {
        if let Some(Ok(link)) = action.value().get() {
            let _ = location().set_href(&link.url);
        }
    });
    action
}

/// "Acknowledge review" (`back` = `review` returns to the review page after a plain form post).
#[component]
pub fn AcknowledgeForm(
    #[prop(into)] workspace: String,
    review: i64,
    #[prop(optional)] back: Option<&'static str>,
    action: ServerAction<AcknowledgeReview>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ActionForm action attr:data-testid="acknowledge-form">
            <input type="hidden" name="workspace" value=workspace/>
            <input type="hidden" name="review" value=review/>
            {back.map(|b| view! { <input type="hidden" name="back" value=b/> })}
            <SubmitButton pending=action.pending() class="btn btn-primary" attr:data-testid="acknowledge">{t!(i18n, crw.acknowledge)}</SubmitButton>
        </ActionForm>
    }
}

// ---- entitlements ----

fn source_label(i18n: I18n, s: EntitlementSource) -> &'static str {
    match s {
        EntitlementSource::Plan => t_string!(i18n, entitlements.source.plan),
        EntitlementSource::Override => t_string!(i18n, entitlements.source.overridden),
    }
}

/// The limit with its usage: "3 of 50 active environments" / "3 active environments (no limit)".
fn limit_text(i18n: I18n, v: &EntitlementValue) -> String {
    let used = v.usage.unwrap_or(0);
    match v.limit {
        Some(limit) => t_string!(i18n, entitlements.usage, used = used, limit = limit).to_string(),
        None => t_string!(i18n, entitlements.usage_unlimited, used = used).to_string(),
    }
}

/// One entitlement as a table row: what it is, its value, source and reason.
fn entitlement_row(i18n: I18n, v: EntitlementValue) -> impl IntoView {
    let key = v.key;
    let name = move || match key {
        EntitlementKey::ManagedTenantLimit => t_string!(i18n, entitlements.managed_tenant_limit),
        EntitlementKey::ReviewPackGeneration => t_string!(i18n, entitlements.review_pack_generation),
    };
    let value = {
        let v = v.clone();
        move || match v.key {
            EntitlementKey::ManagedTenantLimit => limit_text(i18n, &v),
            EntitlementKey::ReviewPackGeneration if v.allowed => t_string!(i18n, entitlements.included).to_string(),
            EntitlementKey::ReviewPackGeneration => t_string!(i18n, entitlements.not_included).to_string(),
        }
    };
    let source = v.source;
    let source_class = if source == EntitlementSource::Override { "badge badge-info" } else { "badge" };
    let at_limit = key == EntitlementKey::ManagedTenantLimit && !v.allowed;
    view! {
        <tr data-testid="entitlement-row" data-key=key.id() data-source=source.id()>
            <td>{name}</td>
            <td data-testid="entitlement-value">
                {value}
                {at_limit.then(|| view! { " "<span class="badge badge-warn" data-testid="entitlement-at-limit">{t!(i18n, entitlements.at_limit)}</span> })}
            </td>
            <td><span class=source_class data-testid="entitlement-source">{move || source_label(i18n, source)}</span></td>
            <td data-testid="entitlement-reason">{v.reason.clone().unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}

/// The plan and effective entitlements as a table.
fn entitlements_table(i18n: I18n, e: Entitlements) -> impl IntoView {
    let plan = e.plan_id.clone();
    let plan_id = e.plan_id.clone();
    let is_default = e.plan_is_default;
    let rows = e.values.into_iter().map(|v| entitlement_row(i18n, v)).collect_view();
    view! {
        <dl class="facts">
            <dt>{t!(i18n, entitlements.plan)}</dt>
            <dd data-testid="entitlements-plan" data-plan=plan_id>
                {move || plan_label(i18n, &plan)}
                {is_default.then(|| view! { " "<span class="muted">{t!(i18n, entitlements.plan_default)}</span> })}
            </dd>
            {e.updated_at.map(|at| view! { <dt>{t!(i18n, entitlements.updated_at)}</dt><dd><Time at/></dd> })}
        </dl>
        <div class="table-wrap">
            <table class="table" data-testid="entitlements-table">
                <thead><tr>
                    <th>{t!(i18n, entitlements.col.entitlement)}</th>
                    <th>{t!(i18n, entitlements.col.value)}</th>
                    <th>{t!(i18n, entitlements.col.source)}</th>
                    <th>{t!(i18n, entitlements.col.reason)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The workspace's plan and entitlements, read-only (workspace settings; `settings.manage`). Renders
/// nothing for members who may not see it.
#[component]
pub fn EntitlementsPanel(#[prop(into)] workspace: String) -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(move || workspace.clone(), get_entitlements);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(e) => Some(Either::Left(view! {
                        <section class="card" data-testid="entitlements-panel">
                            <h2>{t!(i18n, entitlements.title)}</h2>
                            <p class="muted">{t!(i18n, entitlements.intro)}</p>
                            {entitlements_table(i18n, e)}
                            <p class="hint">{t!(i18n, entitlements.read_only)}</p>
                        </section>
                    })),
                    Err(AppError::Forbidden | AppError::NotFound) => None,
                    Err(e) => Some(Either::Right(view! { <section class="card">{error_alert(e, "entitlements-error")}</section> })),
                }
            })}
        </Transition>
    }
}

/// The plan and overrides of workspace `slug` with the change form, for platform operators
/// (`platform.commercial.manage`). Renders nothing when the server function refuses.
#[component]
pub fn EntitlementsAdmin(#[prop(into)] slug: String) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SetWorkspaceEntitlements>::new();
    let data = {
        let slug = slug.clone();
        Resource::new(move || (slug.clone(), save.version().get()), |(s, _)| get_workspace_entitlements(s))
    };
    view! {
        <Transition fallback=|| ()>
            {move || {
                let slug = slug.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(e) => Some(Either::Left(entitlements_form(i18n, slug, e, save))),
                        Err(AppError::Forbidden | AppError::NotFound | AppError::Unauthenticated) => None,
                        Err(e) => Some(Either::Right(view! { <section class="card">{error_alert(e, "entitlements-error")}</section> })),
                    }
                })
            }}
        </Transition>
    }
}

fn entitlements_form(
    i18n: I18n,
    slug: String,
    e: Entitlements,
    save: ServerAction<SetWorkspaceEntitlements>,
) -> impl IntoView {
    let overridden = |k: EntitlementKey| e.value(k).filter(|v| v.source == EntitlementSource::Override).cloned();
    let limit = overridden(EntitlementKey::ManagedTenantLimit);
    let packs = overridden(EntitlementKey::ReviewPackGeneration);
    let limit_value = limit.as_ref().and_then(|v| v.limit).map(|l| l.to_string()).unwrap_or_default();
    let limit_reason = limit.as_ref().and_then(|v| v.reason.clone()).unwrap_or_default();
    let packs_value = packs.as_ref().map(|v| if v.allowed { "allow" } else { "block" }).unwrap_or("");
    let packs_reason = packs.as_ref().and_then(|v| v.reason.clone()).unwrap_or_default();
    let current_plan = if e.plan_is_default { String::new() } else { e.plan_id.clone() };
    let plan_options = PLANS
        .iter()
        .map(|p| {
            let id = p.id;
            view! { <option value=id selected=current_plan == id>{move || plan_label(i18n, id)}</option> }
        })
        .collect_view();
    let default_plan = crate::reviews::DEFAULT_PLAN;
    view! {
        <section class="card" data-testid="entitlements-admin">
            <h2>{t!(i18n, entitlements.title)}</h2>
            <p class="muted">{t!(i18n, entitlements.admin_intro)}</p>
            {entitlements_table(i18n, e.clone())}
            {move || save.value().get().and_then(Result::ok).map(|_| view! {
                <div class="alert alert-success" role="status" data-testid="entitlements-saved">{t!(i18n, entitlements.saved)}</div>
            })}
            <h3>{t!(i18n, entitlements.change_title)}</h3>
            <ActionForm action=save attr:data-testid="entitlements-form">
                <input type="hidden" name="slug" value=slug/>
                <div class="field"><label for="ent-plan">{t!(i18n, entitlements.plan)}</label>
                    <select id="ent-plan" name="plan_id">
                        <option value="" selected=e.plan_is_default>
                            {move || t_string!(i18n, entitlements.plan_default_option, plan = plan_label(i18n, default_plan)).to_string()}
                        </option>
                        {plan_options}
                    </select></div>
                <fieldset class="choices">
                    <legend>{t!(i18n, entitlements.managed_tenant_limit)}</legend>
                    <div class="field"><label for="ent-limit">{t!(i18n, entitlements.limit_override)}</label>
                        <input id="ent-limit" type="number" min="0" max="100000" name="managed_tenant_limit" value=limit_value/>
                        <p class="hint">{t!(i18n, entitlements.blank_removes)}</p></div>
                    <div class="field"><label for="ent-limit-reason">{t!(i18n, entitlements.reason)}</label>
                        <input id="ent-limit-reason" type="text" name="managed_tenant_limit_reason" maxlength=MAX_REASON_CHARS value=limit_reason/></div>
                </fieldset>
                <fieldset class="choices">
                    <legend>{t!(i18n, entitlements.review_pack_generation)}</legend>
                    <div class="field"><label for="ent-packs">{t!(i18n, entitlements.packs_override)}</label>
                        <select id="ent-packs" name="review_pack_generation">
                            <option value="" selected=packs_value.is_empty()>{t!(i18n, entitlements.plan_default_value)}</option>
                            <option value="allow" selected=packs_value == "allow">{t!(i18n, entitlements.allow)}</option>
                            <option value="block" selected=packs_value == "block">{t!(i18n, entitlements.block)}</option>
                        </select></div>
                    <div class="field"><label for="ent-packs-reason">{t!(i18n, entitlements.reason)}</label>
                        <input id="ent-packs-reason" type="text" name="review_pack_generation_reason" maxlength=MAX_REASON_CHARS value=packs_reason/></div>
                </fieldset>
                <p class="hint">{t!(i18n, entitlements.reason_hint)}</p>
                {action_error(save, "entitlements-save-error")}
                <SubmitButton pending=save.pending() attr:data-testid="entitlements-save">{t!(i18n, entitlements.save)}</SubmitButton>
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(name: &str) -> serde_json::Value {
        let path = format!("{}/../locales/{name}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect("locale file")).expect("locale JSON")
    }

    /// Every leaf key path under `v`, dotted.
    fn leaves(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    leaves(&format!("{prefix}.{k}"), v, out);
                }
            }
            serde_json::Value::String(s) => {
                assert!(!s.trim().is_empty(), "{prefix} is empty");
                out.push(prefix.to_string());
            }
            other => panic!("{prefix} is not text: {other}"),
        }
    }

    /// The reviews, customer workspace and entitlements texts exist in both languages, key for key.
    #[test]
    fn review_texts_exist_in_en_and_de() {
        let (en, de) = (locale("en"), locale("de"));
        for group in ["reviews", "crw", "entitlements"] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            leaves(group, &en[group], &mut a);
            leaves(group, &de[group], &mut b);
            a.sort();
            b.sort();
            assert!(!a.is_empty(), "{group} is missing");
            assert_eq!(a, b, "locales/en.json and locales/de.json differ under {group}");
        }
        for key in ["reviews", "customer_reviews"] {
            assert!(en["nav"][key].is_string() && de["nav"][key].is_string(), "nav.{key}");
        }
    }

    #[test]
    fn helpers_shorten_and_size() {
        assert_eq!(short("0123456789abcdef"), "0123456789ab");
        assert_eq!(file_size(Locale::en, 512), "512 B");
        assert_eq!(file_size(Locale::en, 1536), "1.5 KB");
        assert_eq!(file_size(Locale::de, 3 * 1024 * 1024), "3,0 MB");
        assert_eq!(local_time(Locale::de, "2025-01-31T14:05:00Z"), "31.01.2025 14:05 UTC");
        assert_eq!(local_time(Locale::en, "not a time"), "not a time");
    }
}
