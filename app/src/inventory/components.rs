//! Inventory building blocks: localized names of types, platforms, visibilities, coverage states and change
//! kinds; the "Ignored" / "Missing from provider" badges; and the inventory panel of the tenant page
//! (counts, data freshness per type, "Sync now", the link to the policy list).

use leptos::{either::Either, prelude::*};

use crate::{
    components::{ErrorText, RoleName, RunNotice, RunStartedNotice, SubmitButton},
    connections::components::ReasonText,
    i18n::*,
    inventory::{api::StartInventorySync, ChangeKind, CoverageDto, InventoryOverview, Visibility},
};

/// A stored RFC 3339 UTC time (`2025-05-01T10:00:00Z`) as `2025-05-01 10:00:00 UTC`.
pub fn utc(stored: &str) -> String {
    match stored.strip_suffix('Z') {
        Some(t) => format!("{} UTC", t.replacen('T', " ", 1)),
        None => stored.replacen('T', " ", 1),
    }
}

/// The localized label of a contract key (`settings_catalog`); unknown keys as stored.
#[component]
pub fn TypeName(#[prop(into)] key: String) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let label = match key.as_str() {
            "device_configuration" => t_string!(i18n, inventory.types.device_configuration),
            "settings_catalog" => t_string!(i18n, inventory.types.settings_catalog),
            "compliance_policy" => t_string!(i18n, inventory.types.compliance_policy),
            "administrative_template" => t_string!(i18n, inventory.types.administrative_template),
            "conditional_access_policy" => t_string!(i18n, inventory.types.conditional_access_policy),
            "named_location" => t_string!(i18n, inventory.types.named_location),
            "app_protection_policy" => t_string!(i18n, inventory.types.app_protection_policy),
            "scope_tag" => t_string!(i18n, inventory.types.scope_tag),
            "assignment_filter" => t_string!(i18n, inventory.types.assignment_filter),
            other => return other.to_string(),
        };
        label.to_string()
    }
}

/// The localized name of a platform id (one of [`PLATFORMS`](crate::inventory::PLATFORMS)).
#[component]
pub fn PlatformName(#[prop(into)] platform: String) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let label = match platform.as_str() {
            "windows" => t_string!(i18n, inventory.platforms.windows),
            "macos" => t_string!(i18n, inventory.platforms.macos),
            "ios" => t_string!(i18n, inventory.platforms.ios),
            "android" => t_string!(i18n, inventory.platforms.android),
            "all" => t_string!(i18n, inventory.platforms.all),
            other => return other.to_string(),
        };
        label.to_string()
    }
}

pub fn visibility_label(i18n: leptos_i18n::I18nContext<Locale>, v: Visibility) -> &'static str {
    match v {
        Visibility::Active => t_string!(i18n, inventory.visibilities.active),
        Visibility::Ignored => t_string!(i18n, inventory.visibilities.ignored),
        Visibility::ProviderMissing => t_string!(i18n, inventory.visibilities.provider_missing),
        Visibility::All => t_string!(i18n, inventory.visibilities.all),
    }
}

pub fn change_kind_label(i18n: leptos_i18n::I18nContext<Locale>, k: ChangeKind) -> &'static str {
    match k {
        ChangeKind::Added => t_string!(i18n, inventory.kinds.added),
        ChangeKind::Removed => t_string!(i18n, inventory.kinds.removed),
        ChangeKind::Changed => t_string!(i18n, inventory.kinds.changed),
    }
}

/// "Ignored" and "Missing from provider" (either, both or none).
#[component]
pub fn PolicyBadges(ignored: bool, missing: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {ignored.then(|| view! { <span class="badge" data-testid="badge-ignored">{t!(i18n, inventory.badge_ignored)}</span>" " })}
        {missing.then(|| view! { <span class="badge badge-warn" data-testid="badge-missing">{t!(i18n, inventory.badge_missing)}</span> })}
    }
}

#[component]
fn CoverageRow(c: CoverageDto) -> impl IntoView {
    let i18n = use_i18n();
    let status = c.status.clone();
    let label = move || match status.as_str() {
        "complete" => t_string!(i18n, inventory.coverage_status.complete),
        "failed" => t_string!(i18n, inventory.coverage_status.failed),
        _ => t_string!(i18n, inventory.coverage_status.never),
    };
    let class = match c.status.as_str() {
        "complete" => "badge badge-ok",
        "failed" => "badge badge-warn",
        _ => "badge",
    };
    let synced = c.synced_at.as_deref().map(utc);
    view! {
        <tr data-testid="coverage-row" data-type=c.policy_type.clone() data-status=c.status.clone()>
            <td><TypeName key=c.policy_type.clone()/></td>
            <td><span class=class>{label}</span></td>
            <td>{c.item_count}</td>
            <td>{match synced {
                Some(s) => Either::Left(view! { <time>{s}</time> }),
                None => Either::Right(view! { <span class="muted">{t!(i18n, inventory.never)}</span> }),
            }}</td>
            <td>{c.reason_code.map(|code| view! { <ReasonText code/> })}</td>
        </tr>
    }
}

/// The inventory panel of the tenant page. `connected`: the tenant has a provider connection (else the
/// onboarding hint replaces the figures). `notice`: the sync a plain form post just queued.
#[allow(clippy::too_many_arguments)]
#[component]
pub fn InventoryPanel(
    workspace: String,
    tenant: i64,
    overview: InventoryOverview,
    connected: bool,
    can_sync: bool,
    role: String,
    sync: ServerAction<StartInventorySync>,
    notice: Option<RunNotice>,
) -> impl IntoView {
    let i18n = use_i18n();
    let base = format!("/admin/workspaces/{workspace}/environments/{tenant}");
    let policies_href = format!("{base}/policies");
    let live_notice = move || sync.value().get().and_then(Result::ok).map(|s| RunNotice::from_started(&s));
    let ws_notice = workspace.clone();
    let notice_view =
        move || live_notice().or(notice).map(|n| view! { <RunStartedNotice notice=n workspace=ws_notice.clone()/> });
    let last_run = overview.last_sync_run_id.map(|id| {
        let href = format!("/admin/workspaces/{workspace}/operations/{id}");
        view! { <p><a href=href data-testid="last-sync-run">{t!(i18n, inventory.last_sync_run)}" #"{id}</a></p> }
    });
    let body = if connected {
        Either::Left(view! {
            <dl class="facts" data-testid="inventory-counts">
                <dt>{t!(i18n, inventory.counts.policies)}</dt><dd data-testid="count-policies">{overview.policies}</dd>
                <dt>{t!(i18n, inventory.counts.ignored)}</dt><dd data-testid="count-ignored">{overview.ignored}</dd>
                <dt>{t!(i18n, inventory.counts.provider_missing)}</dt><dd data-testid="count-missing">{overview.provider_missing}</dd>
                <dt>{t!(i18n, inventory.counts.versions)}</dt><dd data-testid="count-versions">{overview.versions}</dd>
            </dl>
            <h3>{t!(i18n, inventory.freshness)}</h3>
            <div class="table-wrap">
                <table class="table" data-testid="coverage-table">
                    <thead><tr>
                        <th>{t!(i18n, inventory.type_label)}</th>
                        <th>{t!(i18n, inventory.status)}</th>
                        <th>{t!(i18n, inventory.items)}</th>
                        <th>{t!(i18n, inventory.last_synced)}</th>
                        <th>{t!(i18n, inventory.reason)}</th>
                    </tr></thead>
                    <tbody>{overview.coverage.into_iter().map(|c| view! { <CoverageRow c/> }).collect_view()}</tbody>
                </table>
            </div>
            {last_run}
            <ActionForm action=sync>
                <input type="hidden" name="workspace" value=workspace.clone()/>
                <input type="hidden" name="tenant" value=tenant/>
                <div class="row">
                    <fieldset disabled=!can_sync>
                        <SubmitButton pending=sync.pending() class="btn">{t!(i18n, inventory.sync_now)}</SubmitButton>
                    </fieldset>
                    <a class="btn" href=policies_href.clone() data-testid="open-policies">{t!(i18n, inventory.open_policies)}</a>
                </div>
                {move || sync.value().get().and_then(Result::err).map(|e| view! {
                    <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
                })}
            </ActionForm>
            {(!can_sync).then(|| view! {
                <p class="hint" data-testid="sync-disabled-reason">{t!(i18n, inventory.sync_disabled)}" ("<RoleName role=role.clone()/>")"</p>
            })}
        })
    } else {
        Either::Right(view! {
            <p class="alert" data-testid="inventory-onboarding">{t!(i18n, inventory.onboarding_hint)}</p>
        })
    };
    view! {
        <section class="card" data-testid="inventory-panel">
            <h2>{t!(i18n, inventory.title)}</h2>
            {notice_view}
            {body}
        </section>
    }
}
