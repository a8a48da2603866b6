//! The operations pages: `/admin/workspaces/{workspace}/operations` (a GET filter form whose values are
//! query parameters, so it works without JavaScript; the runs newest first; a pager) and
//! `/admin/workspaces/{workspace}/operations/{id}` (one run: state, progress, times, counts, the failure
//! reason in words, the inventory coverage or verification report, and the Cancel action). While a run is
//! active its detail page refreshes itself: the hydrated page polls `get_run` with back-off (1 s growing
//! ×1.5 up to 10 s, stopping once the run completed); without JavaScript a `<noscript>` meta refresh
//! reloads it every 3 s. Times are shown as stored: ISO 8601 UTC.

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

use super::{
    api::{get_run, list_run_tenants, list_runs, CancelRun},
    components::{
        initiator_label, live_poll, reason_id_text, reason_text, run_type_label, summary_label, OutcomeBadge,
        RunProgress, StatusBadge,
    },
    OperationRunDto, RawRunFilter, RunOutcome, RunStatus, RunType, RunView,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText, Pager, SubmitButton},
    error::AppError,
    i18n::*,
    members::TenantRef,
    paging::Page,
};

fn base(ws: &str) -> String {
    format!("/admin/workspaces/{ws}/operations")
}

/// A tenant id as its name when the caller may see it, else `#id`; none → "Workspace".
fn tenant_cell(i18n: leptos_i18n::I18nContext<Locale>, id: Option<i64>, tenants: &[TenantRef]) -> impl IntoView {
    match id {
        None => {
            Either::Left(view! { <span class="muted">{move || t_string!(i18n, operations.workspace_level)}</span> })
        }
        Some(id) => {
            Either::Right(tenants.iter().find(|t| t.id == id).map_or_else(|| format!("#{id}"), |t| t.name.clone()))
        }
    }
}

/// The filters of the current URL.
fn raw_filter_from_query() -> Memo<RawRunFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.read();
        RawRunFilter {
            run_type: q.get("run_type"),
            status: q.get("status"),
            outcome: q.get("outcome"),
            tenant: q.get("tenant"),
            stale: q.get("stale"),
            page: q.get("page"),
        }
    })
}

#[component]
pub fn OperationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let raw = raw_filter_from_query();
    let runs = Resource::new(
        move || (slug(), raw.get()),
        |(s, r)| list_runs(s, r.run_type, r.status, r.outcome, r.tenant, r.stale, r.page),
    );
    let tenants = Resource::new(slug, list_run_tenants);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ws = slug();
                match (tenants.await, runs.await) {
                    (Ok(t), Ok(page)) => Either::Left(list_view(ws, raw.get_untracked(), t, page)),
                    (Ok(_), Err(e @ AppError::Validation(_))) => Either::Right(Either::Left(view! {
                        <section class="card">
                            <h1>{t!(i18n, operations.title)}</h1>
                            <div class="alert alert-error" role="alert" data-testid="runs-filter-error"><ErrorText error=e/></div>
                            <a class="btn" href=base(&ws)>{t!(i18n, operations.reset)}</a>
                        </section>
                    })),
                    (Err(e), _) | (_, Err(e)) => Either::Right(Either::Right(view! { <ErrorPage status=error_page_for(&e)/> })),
                }
            })}
        </Transition>
    }
}

fn list_view(ws: String, raw: RawRunFilter, tenants: Vec<TenantRef>, page: Page<OperationRunDto>) -> impl IntoView {
    let i18n = use_i18n();
    let href = base(&ws);
    let sel = |v: &Option<String>, id: &str| v.as_deref().map(str::trim) == Some(id);
    let type_options = RunType::ALL
        .iter()
        .map(|t| {
            let id = t.id();
            view! { <option value=id selected=sel(&raw.run_type, id)>{move || run_type_label(i18n, id)}</option> }
        })
        .collect_view();
    let status_options = RunStatus::ALL
        .iter()
        .map(|s| {
            let s = *s;
            view! { <option value=s.id() selected=sel(&raw.status, s.id())>{move || super::components::status_label(i18n, s)}</option> }
        })
        .collect_view();
    let outcome_options = RunOutcome::ALL
        .iter()
        .map(|o| {
            let o = *o;
            view! { <option value=o.id() selected=sel(&raw.outcome, o.id())>{move || super::components::outcome_label(i18n, o)}</option> }
        })
        .collect_view();
    let tenant_options = tenants
        .iter()
        .map(|t| view! { <option value=t.id selected=sel(&raw.tenant, &t.id.to_string())>{t.name.clone()}</option> })
        .collect_view();
    let stale = matches!(raw.stale.as_deref().map(str::trim), Some("1" | "true" | "on"));
    let (p, pages, total) = (page.page, page.pages(), page.total);
    let empty = page.items.is_empty();
    let rows = page
        .items
        .into_iter()
        .map(|r| {
            let open = format!("{href}/{}", r.id);
            let type_id = r.run_type.clone();
            let kind = r.initiator_kind;
            view! {
                <tr data-testid="run-row" data-id=r.id data-type=r.run_type.clone() data-outcome=r.outcome.id()>
                    <td><a href=open data-testid="run-open">{move || run_type_label(i18n, &type_id)}</a></td>
                    <td>{tenant_cell(i18n, r.tenant_id, &tenants)}</td>
                    <td>
                        <StatusBadge status=r.status/>
                        {r.likely_stale.then(|| view! { " "<span class="badge badge-warn" data-testid="run-stale">{t!(i18n, operations.likely_stale)}</span> })}
                    </td>
                    <td><OutcomeBadge outcome=r.outcome/></td>
                    <td><RunProgress run=r.clone()/></td>
                    <td><code>{r.created_at.clone()}</code></td>
                    <td>{r.completed_at.clone().map_or_else(|| Either::Left(view! { <span class="muted">{t!(i18n, operations.none)}</span> }), |c| Either::Right(view! { <code>{c}</code> }))}</td>
                    <td>{move || initiator_label(i18n, kind)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <p><a href=format!("/admin/workspaces/{ws}")>{t!(i18n, operations.back)}</a></p>
            <h1>{t!(i18n, operations.title)}</h1>
            <p class="muted">{t!(i18n, operations.intro)}</p>
            <form method="get" action=href.clone() class="filters" data-testid="runs-filters">
                <div class="field"><label for="runs-type">{t!(i18n, operations.filter.run_type)}</label>
                    <select id="runs-type" name="run_type">
                        <option value="">{t!(i18n, operations.filter.any)}</option>
                        {type_options}
                    </select></div>
                <div class="field"><label for="runs-status">{t!(i18n, operations.filter.status)}</label>
                    <select id="runs-status" name="status">
                        <option value="">{t!(i18n, operations.filter.any)}</option>
                        {status_options}
                    </select></div>
                <div class="field"><label for="runs-outcome">{t!(i18n, operations.filter.outcome)}</label>
                    <select id="runs-outcome" name="outcome">
                        <option value="">{t!(i18n, operations.filter.any)}</option>
                        {outcome_options}
                    </select></div>
                <div class="field"><label for="runs-tenant">{t!(i18n, operations.filter.tenant)}</label>
                    <select id="runs-tenant" name="tenant">
                        <option value="">{t!(i18n, operations.filter.any)}</option>
                        {tenant_options}
                    </select></div>
                <div class="field checkbox">
                    <label><input id="runs-stale" type="checkbox" name="stale" value="1" checked=stale/>" "{t!(i18n, operations.filter.stale)}</label>
                </div>
                <div class="row">
                    <button type="submit" class="btn btn-primary" data-testid="runs-apply">{t!(i18n, operations.filter.apply)}</button>
                    <a class="btn" href=href.clone()>{t!(i18n, operations.reset)}</a>
                </div>
            </form>
            <p class="hint">{t!(i18n, operations.times_utc)}</p>
            {if empty {
                Either::Left(view! { <p class="muted" data-testid="runs-empty">{t!(i18n, operations.empty)}</p> })
            } else {
                Either::Right(view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="runs-table">
                            <thead><tr>
                                <th>{t!(i18n, operations.col.run_type)}</th>
                                <th>{t!(i18n, operations.col.tenant)}</th>
                                <th>{t!(i18n, operations.col.status)}</th>
                                <th>{t!(i18n, operations.col.outcome)}</th>
                                <th>{t!(i18n, operations.col.progress)}</th>
                                <th>{t!(i18n, operations.col.created)}</th>
                                <th>{t!(i18n, operations.col.completed)}</th>
                                <th>{t!(i18n, operations.col.initiator)}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                })
            }}
            <Pager page=p pages total/>
        </section>
    }
}

#[component]
pub fn RunDetailPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let id = move || params.read().get("id").and_then(|t| t.trim().parse::<i64>().ok()).unwrap_or(-1);
    let cancel = ServerAction::<CancelRun>::new();
    // Bumped by the poller; each bump refetches the run (the Transition keeps the current view meanwhile).
    let tick = RwSignal::new(0u32);
    let run = Resource::new(move || (slug(), id(), tick.get(), cancel.version().get()), |(s, id, _, _)| get_run(s, id));
    live_poll(run, |r: &Result<RunView, AppError>| r.as_ref().is_ok_and(|v| v.active), tick);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match run.await {
                    Ok(v) => Either::Left(detail_view(slug(), v, cancel)),
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

fn time_or_none(i18n: leptos_i18n::I18nContext<Locale>, t: Option<String>) -> impl IntoView {
    match t {
        Some(t) => Either::Left(view! { <code>{t}</code> }),
        None => Either::Right(view! { <span class="muted">{move || t_string!(i18n, operations.none)}</span> }),
    }
}

fn detail_view(ws: String, v: RunView, cancel: ServerAction<CancelRun>) -> impl IntoView {
    let i18n = use_i18n();
    let r = v.run.clone();
    let type_id = r.run_type.clone();
    let kind = r.initiator_kind;
    let tenant = match (r.tenant_id, v.tenant_name.clone()) {
        (None, _) => Either::Left(view! { <span class="muted">{t!(i18n, operations.workspace_level)}</span> }),
        (Some(id), name) => Either::Right(name.unwrap_or_else(|| format!("#{id}"))),
    };
    let failure = r.failure.clone().map(|f| {
        let reason = f.reason;
        let message = (!f.message.is_empty()).then(|| f.message.clone());
        view! {
            <dt>{t!(i18n, operations.field.failure)}</dt>
            <dd data-testid="run-reason" data-reason=reason.id()>{move || reason_text(i18n, reason)}</dd>
            {message.map(|m| view! { <dt>{t!(i18n, operations.field.message)}</dt><dd data-testid="run-message">{m}</dd> })}
        }
    });
    let summary = if r.summary.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="run-summary-none">{t!(i18n, operations.summary_none)}</p> })
    } else {
        let rows = r
            .summary
            .clone()
            .into_iter()
            .map(|(k, n)| {
                let key = k.clone();
                view! { <dt data-key=k>{move || summary_label(i18n, &key)}</dt><dd>{n}</dd> }
            })
            .collect_view();
        Either::Right(view! { <dl class="facts" data-testid="run-summary">{rows}</dl> })
    };
    let details = match RunType::parse(&r.run_type) {
        Some(RunType::InventorySync) => Some(Either::Left(coverage_view(&r.context))),
        Some(RunType::ProviderConnectionVerify) => Some(Either::Right(verification_view(&r.context))),
        _ => None,
    };
    let (active, can_cancel) = (v.active, v.can_cancel);
    let disabled_reason = if !can_cancel {
        Some(Either::Left(
            view! { <p class="hint" data-testid="cancel-disabled-reason">{t!(i18n, operations.cancel_disabled_role)}</p> },
        ))
    } else if !active {
        Some(Either::Right(
            view! { <p class="hint" data-testid="cancel-disabled-reason">{t!(i18n, operations.cancel_disabled_completed)}</p> },
        ))
    } else {
        None
    };
    let flagged = r.cancel_requested_at.is_some() && active;
    view! {
        {active.then(|| view! { <noscript inner_html=r#"<meta http-equiv="refresh" content="3">"#></noscript> })}
        <section class="card" data-testid="run-detail" data-id=r.id data-active=active.to_string() data-outcome=r.outcome.id()>
            <p><a href=base(&ws)>{t!(i18n, operations.back_to_list)}</a></p>
            <h1 data-testid="run-title">{move || run_type_label(i18n, &type_id)}" #"{r.id}</h1>
            {active.then(|| view! { <p class="hint" data-testid="run-live">{t!(i18n, operations.live)}</p> })}
            <dl class="facts">
                <dt>{t!(i18n, operations.field.tenant)}</dt><dd data-testid="run-tenant">{tenant}</dd>
                <dt>{t!(i18n, operations.field.status)}</dt><dd>
                    <StatusBadge status=r.status/>
                    {r.likely_stale.then(|| view! { " "<span class="badge badge-warn" data-testid="run-stale">{t!(i18n, operations.likely_stale)}</span> })}
                </dd>
                <dt>{t!(i18n, operations.field.outcome)}</dt><dd><OutcomeBadge outcome=r.outcome/></dd>
                <dt>{t!(i18n, operations.field.progress)}</dt><dd><RunProgress run=r.clone()/></dd>
                <dt>{t!(i18n, operations.field.initiator)}</dt><dd data-testid="run-initiator">{move || initiator_label(i18n, kind)}</dd>
                <dt>{t!(i18n, operations.field.created)}</dt><dd>{time_or_none(i18n, Some(r.created_at.clone()))}</dd>
                <dt>{t!(i18n, operations.field.started)}</dt><dd>{time_or_none(i18n, r.started_at.clone())}</dd>
                <dt>{t!(i18n, operations.field.heartbeat)}</dt><dd>{time_or_none(i18n, r.heartbeat_at.clone())}</dd>
                <dt>{t!(i18n, operations.field.completed)}</dt><dd>{time_or_none(i18n, r.completed_at.clone())}</dd>
                {r.cancel_requested_at.clone().map(|c| view! { <dt>{t!(i18n, operations.field.cancel_requested)}</dt><dd><code>{c}</code></dd> })}
                {failure}
            </dl>
            <p class="hint">{t!(i18n, operations.times_utc)}</p>
            <ActionForm action=cancel>
                <input type="hidden" name="workspace" value=ws.clone()/>
                <input type="hidden" name="id" value=r.id/>
                <fieldset disabled=!(can_cancel && active)>
                    <SubmitButton pending=cancel.pending() class="btn">{t!(i18n, operations.cancel)}</SubmitButton>
                </fieldset>
                {disabled_reason}
                {flagged.then(|| view! { <p class="hint" data-testid="cancel-requested">{t!(i18n, operations.cancel_requested)}</p> })}
                {move || cancel.value().get().and_then(Result::err).map(|e| view! {
                    <div class="alert alert-error" role="alert" data-testid="cancel-error"><ErrorText error=e/></div>
                })}
            </ActionForm>
        </section>
        <section class="card">
            <h2>{t!(i18n, operations.summary_title)}</h2>
            {summary}
        </section>
        {details}
    }
}

/// The `inventory.sync` coverage table from `context.inventory.coverage.policy_types`.
fn coverage_view(context: &Value) -> impl IntoView {
    let i18n = use_i18n();
    let types =
        context.pointer("/inventory/coverage/policy_types").and_then(Value::as_object).cloned().unwrap_or_default();
    let body = if types.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="coverage-empty">{t!(i18n, operations.coverage.empty)}</p> })
    } else {
        let rows = types
            .into_iter()
            .map(|(key, entry)| {
                let label = crate::provider::contracts::by_key(&key).map_or_else(|| key.clone(), |c| c.label.to_string());
                let status = entry.get("status").and_then(Value::as_str).unwrap_or_default().to_string();
                let count = entry.get("item_count").and_then(Value::as_i64);
                let reason = entry.get("reason").and_then(Value::as_str).map(String::from);
                let status_text = {
                    let status = status.clone();
                    move || match status.as_str() {
                        "complete" => t_string!(i18n, operations.coverage.complete).to_string(),
                        "failed" => t_string!(i18n, operations.coverage.failed).to_string(),
                        other => other.to_string(),
                    }
                };
                let class = if status == "complete" { "badge" } else { "badge badge-warn" };
                view! {
                    <tr data-testid="coverage-row" data-type=key.clone() data-status=status.clone()>
                        <td>{label}</td>
                        <td><span class=class>{status_text}</span></td>
                        <td>{count.map_or_else(String::new, |c| c.to_string())}</td>
                        <td>{reason.map(|r| { let id = r.clone(); view! { <span data-reason=r>{move || reason_id_text(i18n, &id)}</span> } })}</td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="coverage-table">
                    <thead><tr>
                        <th>{t!(i18n, operations.coverage.policy_type)}</th>
                        <th>{t!(i18n, operations.coverage.status)}</th>
                        <th>{t!(i18n, operations.coverage.count)}</th>
                        <th>{t!(i18n, operations.coverage.reason)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    view! {
        <section class="card" data-testid="run-coverage">
            <h2>{t!(i18n, operations.coverage.title)}</h2>
            {body}
        </section>
    }
}

/// The `provider.connection.verify` report from `context.verification_report`: checks and permissions.
fn verification_view(context: &Value) -> impl IntoView {
    let i18n = use_i18n();
    let report = context.get("verification_report").cloned().unwrap_or(Value::Null);
    let checks = report.get("checks").and_then(Value::as_array).cloned().unwrap_or_default();
    let permissions = report.get("permissions").and_then(Value::as_array).cloned().unwrap_or_default();
    let directory = report.get("directory_name").and_then(Value::as_str).map(String::from);
    let check_rows = checks
        .into_iter()
        .map(|c| {
            let id = c.get("check").and_then(Value::as_str).unwrap_or_default().to_string();
            let status = c.get("status").and_then(Value::as_str).unwrap_or_default().to_string();
            let reason = c.get("reason").and_then(Value::as_str).map(String::from);
            let name = {
                let id = id.clone();
                move || match id.as_str() {
                    "token" => t_string!(i18n, operations.verification.check_names.token).to_string(),
                    "permissions" => t_string!(i18n, operations.verification.check_names.permissions).to_string(),
                    "organization" => t_string!(i18n, operations.verification.check_names.organization).to_string(),
                    other => other.to_string(),
                }
            };
            let status_text = {
                let status = status.clone();
                move || match status.as_str() {
                    "ok" => t_string!(i18n, operations.verification.check_status.ok).to_string(),
                    "failed" => t_string!(i18n, operations.verification.check_status.failed).to_string(),
                    "missing" => t_string!(i18n, operations.verification.check_status.missing).to_string(),
                    other => other.to_string(),
                }
            };
            let class = if status == "ok" { "badge" } else { "badge badge-warn" };
            view! {
                <tr data-testid="check-row" data-check=id.clone() data-status=status.clone()>
                    <td>{name}</td>
                    <td><span class=class>{status_text}</span></td>
                    <td>{reason.map(|r| { let id = r.clone(); view! { <span data-reason=r>{move || reason_id_text(i18n, &id)}</span> } })}</td>
                </tr>
            }
        })
        .collect_view();
    let permission_rows = permissions
        .into_iter()
        .map(|p| {
            let name = p.get("permission").and_then(Value::as_str).unwrap_or_default().to_string();
            let granted = p.get("granted").and_then(Value::as_bool).unwrap_or(false);
            view! {
                <tr data-testid="permission-row" data-granted=granted.to_string()>
                    <td><code>{name}</code></td>
                    <td>{move || if granted { t_string!(i18n, operations.verification.yes) } else { t_string!(i18n, operations.verification.no) }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="run-verification">
            <h2>{t!(i18n, operations.verification.title)}</h2>
            {directory.map(|d| view! { <p><strong>{t!(i18n, operations.verification.directory)}": "</strong>{d}</p> })}
            <h3>{t!(i18n, operations.verification.checks)}</h3>
            <div class="table-wrap">
                <table class="table" data-testid="checks-table">
                    <thead><tr>
                        <th>{t!(i18n, operations.verification.check)}</th>
                        <th>{t!(i18n, operations.verification.status)}</th>
                        <th>{t!(i18n, operations.verification.reason)}</th>
                    </tr></thead>
                    <tbody>{check_rows}</tbody>
                </table>
            </div>
            <h3>{t!(i18n, operations.verification.permissions)}</h3>
            <div class="table-wrap">
                <table class="table" data-testid="permissions-table">
                    <thead><tr>
                        <th>{t!(i18n, operations.verification.permission)}</th>
                        <th>{t!(i18n, operations.verification.granted)}</th>
                    </tr></thead>
                    <tbody>{permission_rows}</tbody>
                </table>
            </div>
        </section>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/operations`
    OperationsRoute,
    OperationsPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/operations/{id}`
    RunDetailRoute,
    RunDetailPage
);
