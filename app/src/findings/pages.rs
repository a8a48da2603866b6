//! The findings pages: the list (`/admin/workspaces/{workspace}/findings`, a GET filter form whose values
//! are query parameters, the table with a bulk "Triage selected" form, a pager), one finding
//! (`…/findings/{id}`: evidence, transitions, assignment, comments, risk acceptance, history), My work,
//! Intake (with Claim per row) and the posture overview (`…/posture`). Every action is a plain form post,
//! so the pages work without JavaScript; hydrated, they refetch after each action.

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

use super::{
    api::{
        get_finding, get_governance_settings, get_posture, intake, list_findings, my_work, AssignFinding, BulkTriage,
        ClaimFinding, CommentFinding, DecideException, RenewException, RequestException, RevokeException,
        TransitionFinding, UpdateGovernanceSettings,
    },
    components::{
        closed_reason_label, finding_table, kind_label, severity_label, status_label, ExceptionBadges,
        FindingStatusBadge, RowExtra, SeverityBadge,
    },
    ClosedReason, DueFilter, ExceptionDto, ExceptionStatus, FindingDetail, FindingDto, FindingStatus,
    GovernanceSettingsView, PostureOverview, Severity, StatusFilter, Transition, UserRef,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText, Pager, SubmitButton},
    error::AppError,
    i18n::*,
    inventory::components::utc,
    paging::Page,
};

type I18n = leptos_i18n::I18nContext<Locale>;

fn ws_base(ws: &str) -> String {
    format!("/admin/workspaces/{ws}")
}

/// The list filters of the current URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filters {
    tenant: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    assignee: Option<String>,
    due: Option<String>,
    reflagged: Option<String>,
    page: Option<String>,
}

fn error_alert(e: AppError, testid: &'static str) -> impl IntoView {
    view! { <div class="alert alert-error" role="alert" data-testid=testid><ErrorText error=e/></div> }
}

/// The error of an action's last submission, if it failed.
fn action_error<A, O>(action: ServerAction<A>, testid: &'static str) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    ServerAction<A>: Copy,
{
    move || action.value().get().and_then(Result::err).map(|e| error_alert(e, testid))
}

#[component]
pub fn FindingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let filters = Memo::new(move |_| {
        let q = query.read();
        Filters {
            tenant: q.get("tenant"),
            status: q.get("status"),
            severity: q.get("severity"),
            assignee: q.get("assignee"),
            due: q.get("due"),
            reflagged: q.get("reflagged"),
            page: q.get("page"),
        }
    });
    let bulk = ServerAction::<BulkTriage>::new();
    let list = Resource::new(
        move || (slug(), filters.get(), bulk.version().get()),
        |(s, f, _)| list_findings(s, f.tenant, f.status, f.severity, f.assignee, f.due, None, f.reflagged, f.page),
    );
    let posture = Resource::new(slug, get_posture);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ws = slug();
                match (posture.await, list.await) {
                    (Ok(p), Ok(page)) => Either::Left(list_view(ws, filters.get_untracked(), p, page, bulk)),
                    (Ok(_), Err(e @ AppError::Validation(_))) => Either::Right(Either::Left(view! {
                        <section class="card">
                            <h1>{t!(i18n, findings.title)}</h1>
                            {error_alert(e, "findings-filter-error")}
                            <a class="btn" href=format!("{}/findings", ws_base(&ws))>{t!(i18n, findings.reset)}</a>
                        </section>
                    })),
                    (Err(e), _) | (_, Err(e)) => Either::Right(Either::Right(view! { <ErrorPage status=error_page_for(&e)/> })),
                }
            })}
        </Transition>
    }
}

fn list_view(
    ws: String,
    f: Filters,
    posture: PostureOverview,
    page: Page<FindingDto>,
    bulk: ServerAction<BulkTriage>,
) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("{}/findings", ws_base(&ws));
    let sel = |v: &Option<String>, id: &str| v.as_deref().map(str::trim) == Some(id);
    let status_options = StatusFilter::ALL
        .iter()
        .map(|s| {
            let s = *s;
            let selected =
                sel(&f.status, s.id()) || (f.status.as_deref().unwrap_or("").is_empty() && s == StatusFilter::Open);
            view! { <option value=s.id() selected=selected>{move || status_filter_label(i18n, s)}</option> }
        })
        .collect_view();
    let severity_options = Severity::ALL
        .iter()
        .rev()
        .map(|s| {
            let s = *s;
            view! { <option value=s.id() selected=sel(&f.severity, s.id())>{move || severity_label(i18n, s)}</option> }
        })
        .collect_view();
    let tenant_options = posture
        .tenants
        .iter()
        .map(|t| view! { <option value=t.tenant_id selected=sel(&f.tenant, &t.tenant_id.to_string())>{t.tenant_name.clone()}</option> })
        .collect_view();
    let reflagged = matches!(f.reflagged.as_deref().map(str::trim), Some("1" | "true" | "on"));
    let (p, pages, total) = (page.page, page.pages(), page.total);
    let empty = page.items.is_empty();
    let table = finding_table(&ws, page.items, RowExtra::Select, None);
    view! {
        <section class="card">
            <p><a href=ws_base(&ws)>{t!(i18n, findings.back)}</a></p>
            <h1>{t!(i18n, findings.title)}</h1>
            <p class="muted">{t!(i18n, findings.intro)}</p>
            <p class="row">
                <a class="btn" href=format!("{}/my-work", ws_base(&ws)) data-testid="open-my-work">{t!(i18n, findings.my_work_title)}</a>
                <a class="btn" href=format!("{}/intake", ws_base(&ws)) data-testid="open-intake">{t!(i18n, findings.intake_title)}</a>
                <a class="btn" href=format!("{}/posture", ws_base(&ws)) data-testid="open-posture">{t!(i18n, findings.posture.title)}</a>
            </p>
            <form method="get" action=href.clone() class="filters" data-testid="findings-filters">
                <div class="field"><label for="f-tenant">{t!(i18n, findings.filter.tenant)}</label>
                    <select id="f-tenant" name="tenant">
                        <option value="">{t!(i18n, findings.filter.any)}</option>
                        {tenant_options}
                    </select></div>
                <div class="field"><label for="f-status">{t!(i18n, findings.filter.status)}</label>
                    <select id="f-status" name="status">{status_options}</select></div>
                <div class="field"><label for="f-severity">{t!(i18n, findings.filter.severity)}</label>
                    <select id="f-severity" name="severity">
                        <option value="">{t!(i18n, findings.filter.any)}</option>
                        {severity_options}
                    </select></div>
                <div class="field"><label for="f-assignee">{t!(i18n, findings.filter.assignee)}</label>
                    <select id="f-assignee" name="assignee">
                        <option value="">{t!(i18n, findings.filter.any)}</option>
                        <option value="me" selected=sel(&f.assignee, "me")>{t!(i18n, findings.filter.me)}</option>
                        <option value="unassigned" selected=sel(&f.assignee, "unassigned")>{t!(i18n, findings.unassigned)}</option>
                    </select></div>
                <div class="field"><label for="f-due">{t!(i18n, findings.filter.due)}</label>
                    <select id="f-due" name="due">
                        <option value="">{t!(i18n, findings.filter.any)}</option>
                        <option value=DueFilter::Overdue.id() selected=sel(&f.due, DueFilter::Overdue.id())>{t!(i18n, findings.filter.overdue)}</option>
                        <option value=DueFilter::Due7d.id() selected=sel(&f.due, DueFilter::Due7d.id())>{t!(i18n, findings.filter.due_7d)}</option>
                    </select></div>
                <div class="field checkbox">
                    <label><input id="f-reflagged" type="checkbox" name="reflagged" value="1" checked=reflagged/>" "{t!(i18n, findings.filter.reflagged)}</label>
                </div>
                <div class="row">
                    <button type="submit" class="btn btn-primary" data-testid="findings-apply">{t!(i18n, findings.filter.apply)}</button>
                    <a class="btn" href=href.clone()>{t!(i18n, findings.reset)}</a>
                </div>
            </form>
            {if empty {
                Either::Left(view! { <p class="muted" data-testid="findings-empty">{t!(i18n, findings.empty)}</p> })
            } else {
                Either::Right(view! {
                    <ActionForm action=bulk attr:data-testid="bulk-form">
                        <input type="hidden" name="workspace" value=ws.clone()/>
                        {table}
                        <SubmitButton pending=bulk.pending() class="btn" attr:data-testid="bulk-triage">{t!(i18n, findings.triage_selected)}</SubmitButton>
                        {move || bulk.value().get().and_then(Result::ok).map(|n| view! {
                            <p class="hint" data-testid="bulk-result">{move || t_string!(i18n, findings.bulk_done, count = n).to_string()}</p>
                        })}
                        {action_error(bulk, "bulk-error")}
                    </ActionForm>
                })
            }}
            <Pager page=p pages total/>
        </section>
    }
}

fn status_filter_label(i18n: I18n, s: StatusFilter) -> &'static str {
    match s {
        StatusFilter::Open => t_string!(i18n, findings.filter.open),
        StatusFilter::Terminal => t_string!(i18n, findings.filter.terminal),
        StatusFilter::All => t_string!(i18n, findings.filter.all),
        other => FindingStatus::parse(other.id()).map_or("", |st| status_label(i18n, st)),
    }
}

/// My work and Intake: the same table over a preset list.
#[component]
pub fn MyWorkPage() -> impl IntoView {
    preset_page(false)
}

#[component]
pub fn IntakePage() -> impl IntoView {
    preset_page(true)
}

fn preset_page(is_intake: bool) -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let page_param = Memo::new(move |_| query.read().get("page"));
    let claim = ServerAction::<ClaimFinding>::new();
    let list = Resource::new(
        move || (slug(), page_param.get(), claim.version().get()),
        move |(s, p, _)| async move {
            if is_intake {
                intake(s, p).await
            } else {
                my_work(s, p).await
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ws = slug();
                match list.await {
                    Ok(page) => {
                        let (p, pages, total) = (page.page, page.pages(), page.total);
                        let empty = page.items.is_empty();
                        let extra = if is_intake { RowExtra::Claim } else { RowExtra::None };
                        let table = finding_table(&ws, page.items, extra, is_intake.then_some(claim));
                        Either::Left(view! {
                            <section class="card" data-testid=if is_intake { "intake" } else { "my-work" }>
                                <p><a href=format!("{}/findings", ws_base(&ws))>{t!(i18n, findings.back_to_list)}</a></p>
                                <h1>{move || if is_intake { t_string!(i18n, findings.intake_title) } else { t_string!(i18n, findings.my_work_title) }}</h1>
                                <p class="muted">{move || if is_intake { t_string!(i18n, findings.intake_intro) } else { t_string!(i18n, findings.my_work_intro) }}</p>
                                {action_error(claim, "claim-error")}
                                {if empty {
                                    Either::Left(view! { <p class="muted" data-testid="findings-empty">{t!(i18n, findings.empty)}</p> })
                                } else {
                                    Either::Right(table)
                                }}
                                <Pager page=p pages total/>
                            </section>
                        })
                    }
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

/// The actions of the detail page (each refetches the finding once it ran).
#[derive(Clone, Copy)]
struct Actions {
    transition: ServerAction<TransitionFinding>,
    assign: ServerAction<AssignFinding>,
    comment: ServerAction<CommentFinding>,
    request: ServerAction<RequestException>,
    decide: ServerAction<DecideException>,
    revoke: ServerAction<RevokeException>,
    renew: ServerAction<RenewException>,
}

#[component]
pub fn FindingDetailPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let id = move || params.read().get("id").and_then(|t| t.trim().parse::<i64>().ok()).unwrap_or(-1);
    let a = Actions {
        transition: ServerAction::new(),
        assign: ServerAction::new(),
        comment: ServerAction::new(),
        request: ServerAction::new(),
        decide: ServerAction::new(),
        revoke: ServerAction::new(),
        renew: ServerAction::new(),
    };
    let versions = move || {
        (
            a.transition.version().get(),
            a.assign.version().get(),
            a.comment.version().get(),
            a.request.version().get(),
            a.decide.version().get(),
            a.revoke.version().get(),
            a.renew.version().get(),
        )
    };
    let detail = Resource::new(move || (slug(), id(), versions()), |(s, id, _)| get_finding(s, id));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => Either::Left(detail_view(slug(), d, a)),
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

fn json_text(v: &Option<Value>) -> String {
    match v {
        None => "—".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn user_label(u: &Option<UserRef>) -> String {
    u.as_ref().map_or_else(|| "—".into(), |u| u.label.clone())
}

fn detail_view(ws: String, d: FindingDetail, a: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let f = d.finding.clone();
    let can = d.can;
    let (status, kind) = (f.status, f.drift_kind);
    let manage_hint = (!can.manage).then(|| {
        view! { <p class="hint" data-testid="manage-disabled-reason">{t!(i18n, findings.manage_disabled)}</p> }
    });
    // Transitions legal from here.
    let transitions =
        [Transition::Triage, Transition::Start, Transition::Resolve, Transition::Close, Transition::Reopen]
            .into_iter()
            .filter(|t| status.apply(t.action()).is_ok())
            .map(|t| transition_form(&ws, f.id, t, can.manage, a.transition))
            .collect_view();
    let ev = d.evidence.clone();
    let settings = if ev.settings.is_empty() {
        Either::Left(
            view! { <p class="muted" data-testid="evidence-settings-none">{t!(i18n, findings.evidence.no_settings)}</p> },
        )
    } else {
        let rows = ev
            .settings
            .iter()
            .map(|s| {
                view! {
                    <tr data-testid="evidence-row" data-key=s.key.clone()>
                        <td title=s.key.clone()>{if s.label.is_empty() { s.key.clone() } else { s.label.clone() }}</td>
                        <td><code>{json_text(&s.baseline)}</code></td>
                        <td><code>{json_text(&s.tenant)}</code></td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="evidence-table">
                    <thead><tr>
                        <th>{t!(i18n, findings.evidence.setting)}</th>
                        <th>{t!(i18n, findings.evidence.baseline_value)}</th>
                        <th>{t!(i18n, findings.evidence.tenant_value)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    let options = |chosen: &Option<UserRef>| {
        let chosen = chosen.as_ref().map(|u| u.id);
        d.assignable
            .iter()
            .map(|u| view! { <option value=u.id selected=chosen == Some(u.id)>{u.label.clone()}</option> })
            .collect_view()
    };
    let owner_options = options(&f.owner);
    let assignee_options = options(&f.assignee);
    let comments = if d.comments.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="comments-empty">{t!(i18n, findings.comments_empty)}</p> })
    } else {
        Either::Right(view! {
            <ul class="comments" data-testid="comments">
                {d.comments.iter().map(|c| view! {
                    <li data-testid="comment" data-id=c.id>
                        <strong>{user_label(&c.author)}</strong>" · "<time>{utc(&c.created_at)}</time>
                        <p>{c.body.clone()}</p>
                    </li>
                }).collect_view()}
            </ul>
        })
    };
    let exceptions = d
        .exceptions
        .iter()
        .cloned()
        .map(|x| exception_view(&ws, x, can.approve_exception, can.request_exception, a))
        .collect_view();
    let can_request = can.request_exception && status.is_open();
    let events = d
        .events
        .iter()
        .map(|e| {
            let change = match (
                e.from_status.as_deref().and_then(FindingStatus::parse),
                e.to_status.as_deref().and_then(FindingStatus::parse),
            ) {
                (Some(from), Some(to)) => {
                    Some(view! { {move || status_label(i18n, from)}" → "{move || status_label(i18n, to)} })
                }
                _ => None,
            };
            view! {
                <tr data-testid="event-row" data-kind=e.kind.clone()>
                    <td><time>{utc(&e.created_at)}</time></td>
                    <td><code>{e.kind.clone()}</code></td>
                    <td>{user_label(&e.actor)}</td>
                    <td>{change}</td>
                </tr>
            }
        })
        .collect_view();
    let closed = f.closed_reason.map(|r| view! { " ("{move || closed_reason_label(i18n, r)}")" });
    let (ws_assign, ws_comment, ws_request) = (ws.clone(), ws.clone(), ws.clone());
    view! {
        <section class="card" data-testid="finding-detail" data-id=f.id data-status=status.id()>
            <p><a href=format!("{}/findings", ws_base(&ws))>{t!(i18n, findings.back_to_list)}</a></p>
            <h1 data-testid="finding-title">{f.subject_display_name.clone()}</h1>
            <dl class="facts">
                <dt>{t!(i18n, findings.col.status)}</dt><dd>
                    <FindingStatusBadge status/>{closed}
                    {f.reflagged_at.is_some().then(|| view! {
                        " "<span class="badge badge-warn" data-testid="reflagged-badge">{t!(i18n, findings.reflagged)}</span>
                    })}
                </dd>
                <dt>{t!(i18n, findings.col.severity)}</dt><dd><SeverityBadge severity=f.severity/></dd>
                <dt>{t!(i18n, findings.col.kind)}</dt><dd data-testid="finding-kind" data-kind=kind.id()>{move || kind_label(i18n, kind)}</dd>
                <dt>{t!(i18n, findings.col.tenant)}</dt><dd data-testid="finding-tenant">{f.tenant_name.clone()}</dd>
                <dt>{t!(i18n, findings.col.due)}</dt><dd>
                    <time data-testid="finding-due">{utc(&f.due_at)}</time>
                    {f.overdue.then(|| view! { " "<span class="badge badge-warn" data-testid="finding-overdue">{t!(i18n, findings.overdue)}</span> })}
                </dd>
                <dt>{t!(i18n, findings.owner)}</dt><dd data-testid="finding-owner">{user_label(&f.owner)}</dd>
                <dt>{t!(i18n, findings.col.assignee)}</dt><dd data-testid="finding-assignee">{user_label(&f.assignee)}</dd>
                <dt>{t!(i18n, findings.first_seen)}</dt><dd><time>{utc(&f.first_seen_at)}</time></dd>
                <dt>{t!(i18n, findings.last_seen)}</dt><dd><time>{utc(&f.last_seen_at)}</time>" (×"{f.times_seen}")"</dd>
            </dl>
        </section>
        <section class="card" data-testid="evidence">
            <h2>{t!(i18n, findings.evidence.title)}</h2>
            <dl class="facts">
                <dt>{t!(i18n, findings.evidence.profile)}</dt><dd data-testid="evidence-profile">{ev.profile_name.clone()}</dd>
                <dt>{t!(i18n, findings.evidence.baseline_name)}</dt><dd data-testid="evidence-baseline">{ev.baseline_name.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{t!(i18n, findings.evidence.tenant_policy)}</dt><dd data-testid="evidence-tenant-policy">{ev.tenant_policy_name.clone().unwrap_or_else(|| "—".into())}</dd>
            </dl>
            {settings}
        </section>
        <section class="card" data-testid="workflow">
            <h2>{t!(i18n, findings.workflow)}</h2>
            <div class="row">{transitions}</div>
            {manage_hint}
            {action_error(a.transition, "transition-error")}
            <h3>{t!(i18n, findings.assign)}</h3>
            <ActionForm action=a.assign attr:data-testid="assign-form">
                <input type="hidden" name="workspace" value=ws_assign/>
                <input type="hidden" name="finding" value=f.id/>
                <fieldset disabled=!(can.manage && status.is_open())>
                    <div class="field"><label for="assign-owner">{t!(i18n, findings.owner)}</label>
                        <select id="assign-owner" name="owner">
                            <option value="">"—"</option>
                            {owner_options}
                        </select></div>
                    <div class="field"><label for="assign-assignee">{t!(i18n, findings.col.assignee)}</label>
                        <select id="assign-assignee" name="assignee">
                            <option value="">"—"</option>
                            {assignee_options}
                        </select></div>
                    <SubmitButton pending=a.assign.pending() class="btn" attr:data-testid="assign">{t!(i18n, findings.assign_submit)}</SubmitButton>
                </fieldset>
                {action_error(a.assign, "assign-error")}
            </ActionForm>
        </section>
        <section class="card" data-testid="comments-section">
            <h2>{t!(i18n, findings.comments)}</h2>
            {comments}
            <ActionForm action=a.comment attr:data-testid="comment-form">
                <input type="hidden" name="workspace" value=ws_comment/>
                <input type="hidden" name="finding" value=f.id/>
                <fieldset disabled=!can.manage>
                    <div class="field"><label for="comment-body">{t!(i18n, findings.comment_label)}</label>
                        <textarea id="comment-body" name="body" rows="3" maxlength="2000" required></textarea></div>
                    <SubmitButton pending=a.comment.pending() class="btn" attr:data-testid="add-comment">{t!(i18n, findings.comment_submit)}</SubmitButton>
                </fieldset>
                {action_error(a.comment, "comment-error")}
            </ActionForm>
        </section>
        <section class="card" data-testid="risk-acceptance">
            <h2>{t!(i18n, findings.exceptions.title)}</h2>
            {if d.exceptions.is_empty() {
                Either::Left(view! { <p class="muted" data-testid="exceptions-empty">{t!(i18n, findings.exceptions.empty)}</p> })
            } else {
                Either::Right(view! { <div data-testid="exceptions">{exceptions}</div> })
            }}
            {action_error(a.decide, "decide-error")}
            {action_error(a.revoke, "revoke-error")}
            {action_error(a.renew, "renew-error")}
            <h3>{t!(i18n, findings.exceptions.request_title)}</h3>
            <ActionForm action=a.request attr:data-testid="request-exception-form">
                <input type="hidden" name="workspace" value=ws_request/>
                <input type="hidden" name="finding" value=f.id/>
                <fieldset disabled=!can_request>
                    <div class="field"><label for="x-reason">{t!(i18n, findings.exceptions.reason)}</label>
                        <textarea id="x-reason" name="reason" rows="3" maxlength="2000" required></textarea></div>
                    <div class="field"><label for="x-expires">{t!(i18n, findings.exceptions.expires_at)}</label>
                        <input id="x-expires" type="date" name="expires_at" required/></div>
                    <SubmitButton pending=a.request.pending() class="btn" attr:data-testid="request-exception">{t!(i18n, findings.exceptions.request)}</SubmitButton>
                </fieldset>
                {(!can.request_exception).then(|| view! { <p class="hint" data-testid="request-disabled-reason">{t!(i18n, findings.exceptions.request_disabled)}</p> })}
                {(can.request_exception && !status.is_open()).then(|| view! { <p class="hint" data-testid="request-disabled-reason">{t!(i18n, findings.exceptions.request_terminal)}</p> })}
                {action_error(a.request, "request-error")}
            </ActionForm>
        </section>
        <section class="card" data-testid="history">
            <h2>{t!(i18n, findings.history)}</h2>
            <p class="hint">{t!(i18n, findings.times_utc)}</p>
            <div class="table-wrap">
                <table class="table" data-testid="events-table">
                    <thead><tr>
                        <th>{t!(i18n, findings.event.when)}</th>
                        <th>{t!(i18n, findings.event.kind)}</th>
                        <th>{t!(i18n, findings.event.actor)}</th>
                        <th>{t!(i18n, findings.event.change)}</th>
                    </tr></thead>
                    <tbody>{events}</tbody>
                </table>
            </div>
        </section>
    }
}

fn transition_label(i18n: I18n, t: Transition) -> &'static str {
    match t {
        Transition::Triage => t_string!(i18n, findings.transition.triage),
        Transition::Start => t_string!(i18n, findings.transition.start),
        Transition::Resolve => t_string!(i18n, findings.transition.resolve),
        Transition::Close => t_string!(i18n, findings.transition.close),
        Transition::Reopen => t_string!(i18n, findings.transition.reopen),
    }
}

/// One transition as its own form (close asks for a reason and a note, reopen for a note).
fn transition_form(
    ws: &str,
    id: i64,
    t: Transition,
    enabled: bool,
    action: ServerAction<TransitionFinding>,
) -> impl IntoView {
    let i18n = use_i18n();
    let testid = format!("transition-{}", t.id());
    let form_testid = format!("{testid}-form");
    let ws = ws.to_string();
    let reasons = (t == Transition::Close).then(|| {
        let options = [ClosedReason::Duplicate, ClosedReason::FalsePositive, ClosedReason::NotApplicable]
            .into_iter()
            .map(|r| view! { <option value=r.id()>{move || closed_reason_label(i18n, r)}</option> })
            .collect_view();
        view! {
            <div class="field"><label for="close-reason">{t!(i18n, findings.close_reason)}</label>
                <select id="close-reason" name="closed_reason" required>{options}</select></div>
        }
    });
    let note = matches!(t, Transition::Close | Transition::Reopen).then(|| {
        let field_id = format!("note-{}", t.id());
        view! {
            <div class="field"><label for=field_id.clone()>{t!(i18n, findings.note)}</label>
                <textarea id=field_id name="note" rows="2" maxlength="2000" required></textarea></div>
        }
    });
    view! {
        <ActionForm action attr:data-testid=form_testid>
            <input type="hidden" name="workspace" value=ws/>
            <input type="hidden" name="finding" value=id/>
            <input type="hidden" name="transition" value=t.id()/>
            <fieldset disabled=!enabled>
                {reasons}
                {note}
                <SubmitButton pending=action.pending() class="btn" attr:data-testid=testid>{move || transition_label(i18n, t)}</SubmitButton>
            </fieldset>
        </ActionForm>
    }
}

fn exception_view(ws: &str, x: ExceptionDto, can_approve: bool, can_request: bool, a: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let decisions = x
        .decisions
        .iter()
        .map(|d| {
            view! {
                <li data-testid="decision" data-decision=d.decision.clone()>
                    <time>{utc(&d.decided_at)}</time>" · "<code>{d.decision.clone()}</code>" · "{user_label(&d.actor)}
                    {(!d.reason.is_empty()).then(|| view! { " — "{d.reason.clone()} })}
                </li>
            }
        })
        .collect_view();
    let pending = x.status == ExceptionStatus::Pending;
    let (ws_approve, ws_reject, ws_revoke, ws_renew) = (ws.to_string(), ws.to_string(), ws.to_string(), ws.to_string());
    let active = x.status == ExceptionStatus::Active;
    let decide = pending.then(|| {
        view! {
            <div class="row">
                <ActionForm action=a.decide attr:data-testid="approve-form">
                    <input type="hidden" name="workspace" value=ws_approve/>
                    <input type="hidden" name="exception" value=x.id/>
                    <input type="hidden" name="approve" value="true"/>
                    <fieldset disabled=!can_approve>
                        <div class="field"><label for=format!("approve-reason-{}", x.id)>{t!(i18n, findings.exceptions.decision_reason)}</label>
                            <input id=format!("approve-reason-{}", x.id) type="text" name="reason" maxlength="2000"/></div>
                        <SubmitButton pending=a.decide.pending() class="btn btn-primary" attr:data-testid="approve-exception">{t!(i18n, findings.exceptions.approve)}</SubmitButton>
                    </fieldset>
                </ActionForm>
                <ActionForm action=a.decide attr:data-testid="reject-form">
                    <input type="hidden" name="workspace" value=ws_reject/>
                    <input type="hidden" name="exception" value=x.id/>
                    <input type="hidden" name="approve" value="false"/>
                    <fieldset disabled=!can_approve>
                        <div class="field"><label for=format!("reject-reason-{}", x.id)>{t!(i18n, findings.exceptions.decision_reason)}</label>
                            <input id=format!("reject-reason-{}", x.id) type="text" name="reason" maxlength="2000" required/></div>
                        <SubmitButton pending=a.decide.pending() class="btn" attr:data-testid="reject-exception">{t!(i18n, findings.exceptions.reject)}</SubmitButton>
                    </fieldset>
                </ActionForm>
            </div>
        }
    });
    let revoke = active.then(|| {
        view! {
            <ActionForm action=a.revoke attr:data-testid="revoke-form">
                <input type="hidden" name="workspace" value=ws_revoke/>
                <input type="hidden" name="exception" value=x.id/>
                <fieldset disabled=!can_approve>
                    <div class="field"><label for=format!("revoke-reason-{}", x.id)>{t!(i18n, findings.exceptions.decision_reason)}</label>
                        <input id=format!("revoke-reason-{}", x.id) type="text" name="reason" maxlength="2000" required/></div>
                    <SubmitButton pending=a.revoke.pending() class="btn" attr:data-testid="revoke-exception">{t!(i18n, findings.exceptions.revoke)}</SubmitButton>
                </fieldset>
            </ActionForm>
        }
    });
    // Renewal: a new request with a new expiry that, once another member approves it, supersedes this one.
    let renew = active.then(|| {
        view! {
            <ActionForm action=a.renew attr:data-testid="renew-form">
                <input type="hidden" name="workspace" value=ws_renew/>
                <input type="hidden" name="exception" value=x.id/>
                <fieldset disabled=!can_request>
                    <legend>{t!(i18n, findings.exceptions.renew_title)}</legend>
                    <div class="field"><label for=format!("renew-reason-{}", x.id)>{t!(i18n, findings.exceptions.reason)}</label>
                        <textarea id=format!("renew-reason-{}", x.id) name="reason" rows="2" maxlength="2000" required></textarea></div>
                    <div class="field"><label for=format!("renew-expires-{}", x.id)>{t!(i18n, findings.exceptions.expires_at)}</label>
                        <input id=format!("renew-expires-{}", x.id) type="date" name="expires_at" required/></div>
                    <SubmitButton pending=a.renew.pending() class="btn" attr:data-testid="renew-exception">{t!(i18n, findings.exceptions.renew)}</SubmitButton>
                </fieldset>
            </ActionForm>
        }
    });
    let approve_hint = ((pending || active) && !can_approve).then(|| {
        view! { <p class="hint" data-testid="approve-disabled-reason">{t!(i18n, findings.exceptions.approve_disabled)}</p> }
    });
    view! {
        <article class="card" data-testid="exception" data-id=x.id data-status=x.status.id() data-validity=x.validity.id()>
            <p><ExceptionBadges status=x.status validity=x.validity/></p>
            <dl class="facts">
                <dt>{t!(i18n, findings.exceptions.requested_by)}</dt><dd>{user_label(&x.requested_by)}" · "<time>{utc(&x.requested_at)}</time></dd>
                <dt>{t!(i18n, findings.exceptions.reason)}</dt><dd data-testid="exception-reason">{x.request_reason.clone()}</dd>
                <dt>{t!(i18n, findings.exceptions.expires_at)}</dt><dd><time data-testid="exception-expires">{utc(&x.expires_at)}</time></dd>
                {x.decided_by.clone().map(|u| view! {
                    <dt>{t!(i18n, findings.exceptions.decided_by)}</dt><dd>{u.label}{x.decided_at.clone().map(|t| view! { " · "<time>{utc(&t)}</time> })}</dd>
                })}
            </dl>
            <h4>{t!(i18n, findings.exceptions.log)}</h4>
            <ul data-testid="decision-log">{decisions}</ul>
            {decide}
            {revoke}
            {renew}
            {approve_hint}
        </article>
    }
}

#[component]
pub fn PosturePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let posture = Resource::new(slug, get_posture);
    let update = ServerAction::<UpdateGovernanceSettings>::new();
    let settings = Resource::new(move || (slug(), update.version().get()), |(s, _)| get_governance_settings(s));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ws = slug();
                match (posture.await, settings.await) {
                    (Ok(p), Ok(s)) => Either::Left(view! {
                        {posture_view(i18n, ws.clone(), p)}
                        {settings_view(i18n, ws, s, update)}
                    }),
                    (Err(e), _) | (_, Err(e)) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

/// The workspace's SLA days per severity and the acceptance maximum; a form for `settings.manage`, the
/// values (with the reason the form is disabled) for everyone else.
fn settings_view(
    i18n: I18n,
    ws: String,
    v: GovernanceSettingsView,
    update: ServerAction<UpdateGovernanceSettings>,
) -> impl IntoView {
    let s = v.settings;
    let field = move |name: &'static str, label: &'static str, value: i64, max: i64| {
        let id = format!("gs-{name}");
        view! {
            <div class="field"><label for=id.clone()>{label}</label>
                <input id=id type="number" name=name min="1" max=max.to_string() step="1" value=value required
                    data-testid=format!("setting-{name}")/></div>
        }
    };
    view! {
        <section class="card" data-testid="governance-settings">
            <h2>{t!(i18n, findings.settings.title)}</h2>
            <p class="muted">{t!(i18n, findings.settings.intro)}</p>
            <ActionForm action=update attr:data-testid="settings-form">
                <input type="hidden" name="workspace" value=ws/>
                <fieldset disabled=!v.can_manage>
                    <div class="row">
                        {field("sla_critical_days", t_string!(i18n, findings.settings.sla_critical), s.sla_critical_days, 365)}
                        {field("sla_high_days", t_string!(i18n, findings.settings.sla_high), s.sla_high_days, 365)}
                        {field("sla_medium_days", t_string!(i18n, findings.settings.sla_medium), s.sla_medium_days, 365)}
                        {field("sla_low_days", t_string!(i18n, findings.settings.sla_low), s.sla_low_days, 365)}
                        {field("max_exception_days", t_string!(i18n, findings.settings.max_exception), s.max_exception_days, 1095)}
                    </div>
                    <SubmitButton pending=update.pending() class="btn" attr:data-testid="save-settings">{t!(i18n, findings.settings.save)}</SubmitButton>
                </fieldset>
                {(!v.can_manage).then(|| view! { <p class="hint" data-testid="settings-disabled-reason">{t!(i18n, findings.settings.disabled)}</p> })}
                {move || update.value().get().map(|r| match r {
                    Ok(_) => Either::Left(view! { <div class="alert alert-success" role="status" data-testid="settings-saved">{t!(i18n, findings.settings.saved)}</div> }),
                    Err(e) => Either::Right(error_alert(e, "settings-error")),
                })}
            </ActionForm>
        </section>
    }
}

fn posture_view(i18n: I18n, ws: String, p: PostureOverview) -> impl IntoView {
    let stale_after = p.stale_after_hours;
    let empty = p.tenants.is_empty();
    let rows = p
        .tenants
        .into_iter()
        .map(|t| {
            let stale = t.compare_age_hours.is_none_or(|h| h > stale_after);
            let [low, medium, high, critical] = t.open_by_severity;
            let list = format!("{}/findings?tenant={}", ws_base(&ws), t.tenant_id);
            let last = match (t.last_compare_at.clone(), t.last_compare_outcome.clone()) {
                (Some(at), outcome) => Either::Left(view! {
                    <time>{utc(&at)}</time>{outcome.map(|o| view! { " "<span class="badge" data-testid="posture-outcome">{o}</span> })}
                }),
                (None, _) => Either::Right(view! { <span class="muted">{t!(i18n, findings.posture.never)}</span> }),
            };
            view! {
                <tr data-testid="posture-row" data-tenant=t.tenant_id data-stale=stale.to_string()>
                    <td><a href=list>{t.tenant_name.clone()}</a></td>
                    <td data-testid="posture-critical">{critical}</td>
                    <td data-testid="posture-high">{high}</td>
                    <td data-testid="posture-medium">{medium}</td>
                    <td data-testid="posture-low">{low}</td>
                    <td data-testid="posture-overdue">{t.overdue}</td>
                    <td data-testid="posture-reflagged">{t.reflagged}</td>
                    <td data-testid="posture-accepted">{t.accepted_active}</td>
                    <td data-testid="posture-expiring">{t.accepted_expiring}</td>
                    <td data-testid="posture-expired">{t.accepted_expired}</td>
                    <td>
                        {last}
                        {stale.then(|| view! { " "<span class="badge badge-warn" data-testid="posture-stale">{t!(i18n, findings.posture.stale)}</span> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="posture">
            <p><a href=ws_base(&ws)>{t!(i18n, findings.back)}</a></p>
            <h1>{t!(i18n, findings.posture.title)}</h1>
            <p class="muted">{move || t_string!(i18n, findings.posture.intro, hours = stale_after).to_string()}</p>
            {if empty {
                Either::Left(view! { <p class="muted" data-testid="posture-empty">{t!(i18n, findings.posture.empty)}</p> })
            } else {
                Either::Right(view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="posture-table">
                            <thead><tr>
                                <th>{t!(i18n, findings.col.tenant)}</th>
                                <th>{t!(i18n, findings.severity.critical)}</th>
                                <th>{t!(i18n, findings.severity.high)}</th>
                                <th>{t!(i18n, findings.severity.medium)}</th>
                                <th>{t!(i18n, findings.severity.low)}</th>
                                <th>{t!(i18n, findings.overdue)}</th>
                                <th>{t!(i18n, findings.reflagged)}</th>
                                <th>{t!(i18n, findings.posture.accepted)}</th>
                                <th>{t!(i18n, findings.posture.expiring)}</th>
                                <th>{t!(i18n, findings.posture.expired)}</th>
                                <th>{t!(i18n, findings.posture.last_compare)}</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                })
            }}
            <p class="hint">{t!(i18n, findings.times_utc)}</p>
        </section>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/findings`
    FindingsRoute,
    FindingsPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/findings/{id}`
    FindingDetailRoute,
    FindingDetailPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/my-work`
    MyWorkRoute,
    MyWorkPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/intake`
    IntakeRoute,
    IntakePage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/posture`
    PostureRoute,
    PosturePage
);
