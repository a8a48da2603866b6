//! The audit log pages: `/admin/workspaces/{workspace}/audit` (a GET filter form whose values are query
//! parameters, so it works without JavaScript; the entries newest first; an "older" link; CSV and JSON
//! export links carrying the same filters) and `/admin/workspaces/{workspace}/audit/{id}` (every field of
//! one entry). Times are shown as stored: ISO 8601 UTC.

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    api::{get_audit_entry, list_audit},
    AuditEntry, AuditList, Outcome, RawAuditFilter,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText},
    error::AppError,
    i18n::*,
    members::TenantRef,
};

/// The localized name of an outcome id (unknown ids as stored).
#[component]
fn OutcomeBadge(outcome: String) -> impl IntoView {
    let i18n = use_i18n();
    let class = match outcome.as_str() {
        "failure" | "blocked" => "badge badge-warn",
        _ => "badge",
    };
    let id = outcome.clone();
    let label = move || match Outcome::parse(&id) {
        Some(Outcome::Success) => t_string!(i18n, audit.outcome.success).to_string(),
        Some(Outcome::Failure) => t_string!(i18n, audit.outcome.failure).to_string(),
        Some(Outcome::Blocked) => t_string!(i18n, audit.outcome.blocked).to_string(),
        Some(Outcome::Info) => t_string!(i18n, audit.outcome.info).to_string(),
        None => id.clone(),
    };
    view! { <span class=class data-testid="audit-outcome" data-outcome=outcome>{label}</span> }
}

/// A tenant id as its name when the caller may see the tenant, else `#id`; none → "Workspace".
#[component]
fn TenantName(tenant_id: Option<i64>, tenants: Vec<TenantRef>) -> impl IntoView {
    let i18n = use_i18n();
    match tenant_id {
        None => Either::Left(view! { <span class="muted">{t!(i18n, audit.workspace_level)}</span> }),
        Some(id) => {
            Either::Right(tenants.into_iter().find(|t| t.id == id).map_or_else(|| format!("#{id}"), |t| t.name))
        }
    }
}

/// The filters of the current URL.
fn raw_filter_from_query() -> Memo<RawAuditFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        RawAuditFilter {
            actor: q.get("actor"),
            action: q.get("action"),
            tenant: q.get("tenant"),
            outcome: q.get("outcome"),
            from: q.get("from"),
            to: q.get("to"),
            before: q.get("before"),
            limit: None,
        }
    })
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let raw = raw_filter_from_query();
    let data = Resource::new(
        move || (slug(), raw.get()),
        |(s, r)| list_audit(s, r.actor, r.action, r.tenant, r.outcome, r.from, r.to, r.before),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ws = slug();
                match data.await {
                    Ok(list) => Either::Left(audit_list_view(ws, list)),
                    Err(e @ AppError::Validation(_)) => Either::Right(Either::Left(view! {
                        <section class="card">
                            <h1>{t!(i18n, audit.title)}</h1>
                            <div class="alert alert-error" role="alert" data-testid="audit-filter-error"><ErrorText error=e/></div>
                            <a class="btn" href=format!("/admin/workspaces/{ws}/audit")>{t!(i18n, audit.reset)}</a>
                        </section>
                    })),
                    Err(e) => Either::Right(Either::Right(view! { <ErrorPage status=error_page_for(&e)/> })),
                }
            })}
        </Transition>
    }
}

fn audit_list_view(ws: String, list: AuditList) -> impl IntoView {
    let i18n = use_i18n();
    let f = list.filter.clone();
    let base = format!("/admin/workspaces/{ws}/audit");
    let query = f.query(&[]);
    let with_query = |path: String| if query.is_empty() { path } else { format!("{path}?{query}") };
    let csv = with_query(format!("{base}/export.csv"));
    let json = with_query(format!("{base}/export.json"));
    let older = list.next_before.map(|b| format!("{base}?{}", f.query(&[("before", b.to_string())])));
    let newest = f.before.map(|_| with_query(base.clone()));
    let tenants = list.tenants.clone();
    let empty = list.entries.is_empty();
    let rows = list
        .entries
        .into_iter()
        .map(|e| {
            let href = format!("{base}/{}", e.id);
            view! {
                <tr data-testid="audit-row" data-action=e.action.clone() data-id=e.id>
                    <td><code>{e.recorded_at.clone()}</code></td>
                    <td>{e.actor_label.clone()}</td>
                    <td><code>{e.action.clone()}</code></td>
                    <td><TenantName tenant_id=e.tenant_id tenants=tenants.clone()/></td>
                    <td><OutcomeBadge outcome=e.outcome.clone()/></td>
                    <td><a href=href data-testid="audit-open">{if e.summary.is_empty() { e.action.clone() } else { e.summary.clone() }}</a></td>
                </tr>
            }
        })
        .collect_view();
    let actor_options = list
        .actors
        .into_iter()
        .map(|a| view! { <option value=a.id selected=f.actor == Some(a.id)>{a.label}</option> })
        .collect_view();
    let tenant_options = list
        .tenants
        .into_iter()
        .map(|t| view! { <option value=t.id selected=f.tenant == Some(t.id)>{t.name}</option> })
        .collect_view();
    let outcome = f.outcome.clone();
    let outcome_options = Outcome::ALL
        .into_iter()
        .map(|o| {
            let label = move || match o {
                Outcome::Success => t_string!(i18n, audit.outcome.success),
                Outcome::Failure => t_string!(i18n, audit.outcome.failure),
                Outcome::Blocked => t_string!(i18n, audit.outcome.blocked),
                Outcome::Info => t_string!(i18n, audit.outcome.info),
            };
            view! { <option value=o.id() selected=outcome.as_deref() == Some(o.id())>{label}</option> }
        })
        .collect_view();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    view! {
        <section class="card">
            <p><a href=format!("/admin/workspaces/{ws}")>{t!(i18n, audit.back)}</a></p>
            <h1>{t!(i18n, audit.title)}</h1>
            <p class="muted">{t!(i18n, audit.intro)}</p>
            <form method="get" action=base.clone() class="filters" data-testid="audit-filters">
                <div class="field"><label for="audit-actor">{t!(i18n, audit.filter.actor)}</label>
                    <select id="audit-actor" name="actor">
                        <option value="">{t!(i18n, audit.filter.any)}</option>
                        {actor_options}
                    </select></div>
                <div class="field"><label for="audit-action">{t!(i18n, audit.filter.action)}</label>
                    <input id="audit-action" name="action" maxlength="100" value=f.action.clone().unwrap_or_default()
                        placeholder=move || t_string!(i18n, audit.filter.action_hint)/></div>
                <div class="field"><label for="audit-tenant">{t!(i18n, audit.filter.tenant)}</label>
                    <select id="audit-tenant" name="tenant">
                        <option value="">{t!(i18n, audit.filter.any)}</option>
                        {tenant_options}
                    </select></div>
                <div class="field"><label for="audit-outcome">{t!(i18n, audit.filter.outcome)}</label>
                    <select id="audit-outcome" name="outcome">
                        <option value="">{t!(i18n, audit.filter.any)}</option>
                        {outcome_options}
                    </select></div>
                <div class="field"><label for="audit-from">{t!(i18n, audit.filter.from)}</label>
                    <input id="audit-from" name="from" type="date" value=date(f.from)/></div>
                <div class="field"><label for="audit-to">{t!(i18n, audit.filter.to)}</label>
                    <input id="audit-to" name="to" type="date" value=date(f.to)/></div>
                <div class="row">
                    <button type="submit" class="btn btn-primary" data-testid="audit-apply">{t!(i18n, audit.filter.apply)}</button>
                    <a class="btn" href=base.clone()>{t!(i18n, audit.reset)}</a>
                </div>
            </form>
            <p class="hint">{t!(i18n, audit.times_utc)}</p>
            {list.can_export.then(|| view! {
                <p class="row" data-testid="audit-export">
                    <a class="btn" href=csv rel="external" download="" data-testid="audit-export-csv">{t!(i18n, audit.export_csv)}</a>
                    <a class="btn" href=json rel="external" download="" data-testid="audit-export-json">{t!(i18n, audit.export_json)}</a>
                </p>
            })}
            {if empty {
                Either::Left(view! { <p class="muted" data-testid="audit-empty">{t!(i18n, audit.empty)}</p> })
            } else {
                Either::Right(view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="audit-table">
                            <thead><tr>
                                <th>{t!(i18n, audit.col.time)}</th>
                                <th>{t!(i18n, audit.col.actor)}</th>
                                <th>{t!(i18n, audit.col.action)}</th>
                                <th>{t!(i18n, audit.col.tenant)}</th>
                                <th>{t!(i18n, audit.col.outcome)}</th>
                                <th>{t!(i18n, audit.col.summary)}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                })
            }}
            <p class="row">
                {newest.map(|href| view! { <a class="btn" href=href data-testid="audit-newest">{t!(i18n, audit.newest)}</a> })}
                {older.map(|href| view! { <a class="btn" href=href data-testid="audit-older">{t!(i18n, audit.older)}</a> })}
            </p>
        </section>
    }
}

#[component]
pub fn AuditDetailPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let id = move || params.read().get("id").and_then(|t| t.parse::<i64>().ok()).unwrap_or(-1);
    let entry = Resource::new(move || (slug(), id()), |(s, id)| get_audit_entry(s, id));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match entry.await {
                    Ok(d) => Either::Left(detail_view(slug(), d.entry, d.tenant_name)),
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

fn detail_view(ws: String, e: AuditEntry, tenant_name: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let opt =
        move |v: Option<String>| v.filter(|s| !s.is_empty()).unwrap_or_else(|| t_string!(i18n, audit.none).to_string());
    let tenant = match (e.tenant_id, tenant_name) {
        (None, _) => Either::Left(view! { <span class="muted">{t!(i18n, audit.workspace_level)}</span> }),
        (Some(id), name) => Either::Right(name.map_or_else(|| format!("#{id}"), |n| format!("{n} (#{id})"))),
    };
    let metadata = e.metadata_pretty();
    let resource = match &e.resource_id {
        Some(r) => format!("{} {r}", e.resource_type),
        None => e.resource_type.clone(),
    };
    view! {
        <section class="card">
            <p><a href=format!("/admin/workspaces/{ws}/audit")>{t!(i18n, audit.back_to_log)}</a></p>
            <h1>{t!(i18n, audit.detail_title)}" #"{e.id}</h1>
            <dl class="facts" data-testid="audit-detail">
                <dt>{t!(i18n, audit.col.time)}</dt><dd><code>{e.recorded_at.clone()}</code></dd>
                <dt>{t!(i18n, audit.col.actor)}</dt><dd data-testid="audit-detail-actor">{e.actor_label.clone()}</dd>
                <dt>{t!(i18n, audit.actor_type)}</dt><dd><code>{e.actor_type.clone()}</code></dd>
                <dt>{t!(i18n, audit.actor_id)}</dt><dd>{opt(e.actor_id.map(|a| a.to_string()))}</dd>
                <dt>{t!(i18n, audit.col.action)}</dt><dd><code data-testid="audit-detail-action">{e.action.clone()}</code></dd>
                <dt>{t!(i18n, audit.resource)}</dt><dd><code>{resource}</code></dd>
                <dt>{t!(i18n, audit.col.tenant)}</dt><dd>{tenant}</dd>
                <dt>{t!(i18n, audit.col.outcome)}</dt><dd><OutcomeBadge outcome=e.outcome.clone()/></dd>
                <dt>{t!(i18n, audit.col.summary)}</dt><dd>{opt(Some(e.summary.clone()))}</dd>
                <dt>{t!(i18n, audit.ip)}</dt><dd><code>{opt(e.ip.clone())}</code></dd>
                <dt>{t!(i18n, audit.user_agent)}</dt><dd>{opt(e.user_agent.clone())}</dd>
                <dt>{t!(i18n, audit.hash)}</dt><dd><code class="wrap" data-testid="audit-detail-hash">{e.hash.clone()}</code></dd>
                <dt>{t!(i18n, audit.prev_hash)}</dt><dd><code class="wrap">{e.prev_hash.clone()}</code></dd>
            </dl>
            <h2>{t!(i18n, audit.metadata)}</h2>
            <pre class="code" data-testid="audit-detail-metadata">{metadata}</pre>
        </section>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/audit`
    AuditRoute,
    AuditPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/audit/{id}`
    AuditDetailRoute,
    AuditDetailPage
);
