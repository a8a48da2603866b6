//! The baselines of a workspace:
//! `/admin/workspaces/{workspace}/baselines` — the profiles (name, types, assigned environments, whether a
//! snapshot is active) and the create form — and
//! `/admin/workspaces/{workspace}/baselines/{id}` — one profile: its types (editable), the snapshots
//! (status, "Superseded", items, gaps, the capture run; `?snapshot=<id>` lists a snapshot's items), the
//! capture form, the assigned environments (last compare, open findings, Compare / Unassign), the assign
//! form, "Compare all assigned" and the weekly compare slots (UTC). Every form is a plain `<form
//! method="post">` that works without JavaScript; without `baselines.manage` the forms stay visible but
//! disabled, with the reason. Times are shown in UTC.

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    api::{
        get_baseline, get_snapshot_items, list_baselines, profile_href, AddCompareSlot, AssignBaseline,
        CaptureBaseline, CompareAllAssigned, CreateBaseline, RemoveCompareSlot, StartCompare, UpdateBaseline,
    },
    components::{DayNames, GapList, SnapshotStatusBadge, TypeCheckboxes},
    ProfileDetail, ProfileDto, SnapshotItemDto, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText, RoleName, RunNotice, RunStartedNotice, SubmitButton},
    error::AppError,
    i18n::*,
    inventory::components::{utc, TypeName},
    operations::{components::OutcomeBadge, RunOutcome},
    workspaces::api::get_workspace_overview,
};

fn list_href(ws: &str) -> String {
    format!("/admin/workspaces/{ws}/baselines")
}

fn run_href(ws: &str, run: i64) -> String {
    format!("/admin/workspaces/{ws}/operations/{run}")
}

/// The types of a profile, comma separated.
fn type_names(types: Vec<String>) -> impl IntoView {
    let last = types.len().saturating_sub(1);
    types.into_iter().enumerate().map(|(i, t)| view! { <TypeName key=t/>{(i < last).then_some(", ")} }).collect_view()
}

/// "Managing baselines needs … (Role)", shown when the caller may not manage.
#[component]
fn ManageReason(can_manage: bool, role: String) -> impl IntoView {
    let i18n = use_i18n();
    (!can_manage).then(|| {
        view! {
            <p class="hint" data-testid="baselines-disabled-reason">
                {t!(i18n, baselines.manage_disabled)}" ("<RoleName role=role/>")"
            </p>
        }
    })
}

fn profile_table(ws: &str, profiles: Vec<ProfileDto>) -> impl IntoView {
    let i18n = use_i18n();
    if profiles.is_empty() {
        return Either::Left(view! { <p class="muted" data-testid="baselines-empty">{t!(i18n, baselines.empty)}</p> });
    }
    let rows = profiles
        .into_iter()
        .map(|p| {
            let href = profile_href(ws, p.id);
            let active = p.active_snapshot_id.is_some();
            view! {
                <tr data-testid="baseline-row" data-id=p.id>
                    <td><a href=href data-testid="baseline-link">{p.name.clone()}</a></td>
                    <td>{type_names(p.policy_types.clone())}</td>
                    <td data-testid="baseline-assigned">{p.assigned_tenants}</td>
                    <td data-testid="baseline-active" data-active=active.to_string()>
                        {move || if active { t_string!(i18n, baselines.yes) } else { t_string!(i18n, baselines.no) }}
                    </td>
                    <td><time>{utc(&p.updated_at)}</time></td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <div class="table-wrap">
            <table class="table" data-testid="baselines-table">
                <thead><tr>
                    <th>{t!(i18n, baselines.name)}</th>
                    <th>{t!(i18n, baselines.policy_types)}</th>
                    <th>{t!(i18n, baselines.assigned_count)}</th>
                    <th>{t!(i18n, baselines.active_snapshot)}</th>
                    <th>{t!(i18n, baselines.updated_at)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    })
}

/// The name and description fields of the create and edit forms.
#[component]
fn ProfileFields(#[prop(into)] prefix: String, name: String, description: String) -> impl IntoView {
    let i18n = use_i18n();
    let (name_id, desc_id) = (format!("{prefix}-name"), format!("{prefix}-description"));
    view! {
        <div class="field">
            <label for=name_id.clone()>{t!(i18n, baselines.name)}</label>
            <input id=name_id name="name" required maxlength=MAX_NAME_CHARS value=name/>
        </div>
        <div class="field">
            <label for=desc_id.clone()>{t!(i18n, baselines.description)}</label>
            <textarea id=desc_id name="description" rows="3" maxlength=MAX_DESCRIPTION_CHARS>{description}</textarea>
        </div>
    }
}

#[component]
pub fn BaselinesPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let create = ServerAction::<CreateBaseline>::new();
    let overview = Resource::new(slug, get_workspace_overview);
    let profiles = Resource::new(move || (slug(), create.version().get()), |(s, _)| list_baselines(s));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (o, list) = match (overview.await, profiles.await) {
                    (Ok(o), Ok(l)) => (o, l),
                    (Err(e), _) | (_, Err(e)) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let ws = o.slug.clone();
                let can_manage = o.can("baselines.manage");
                let ws_created = ws.clone();
                let created = move || create.value().get().and_then(Result::ok).map(|p| {
                    let href = profile_href(&ws_created, p.id);
                    view! {
                        <div class="alert alert-success" role="status" data-testid="baseline-created">
                            {t!(i18n, baselines.created)}" "<a href=href>{p.name}</a>
                        </div>
                    }
                });
                Either::Left(view! {
                    <section class="card">
                        <p><a href=format!("/admin/workspaces/{ws}")>{t!(i18n, baselines.back_to_workspace)}</a></p>
                        <h1>{t!(i18n, baselines.title)}</h1>
                        <p class="muted">{t!(i18n, baselines.intro)}</p>
                        {profile_table(&ws, list)}
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, baselines.create_title)}</h2>
                        {created}
                        <ActionForm action=create attr:data-testid="create-baseline-form">
                            <input type="hidden" name="workspace" value=ws.clone()/>
                            <fieldset disabled=!can_manage>
                                <ProfileFields prefix="create" name=String::new() description=String::new()/>
                                <TypeCheckboxes prefix="create" checked=Vec::new()/>
                                {move || create.value().get().and_then(Result::err).map(|e| view! {
                                    <div class="alert alert-error" role="alert" data-testid="create-baseline-error"><ErrorText error=e/></div>
                                })}
                                <SubmitButton pending=create.pending() attr:data-testid="create-baseline">
                                    {t!(i18n, baselines.create)}
                                </SubmitButton>
                            </fieldset>
                        </ActionForm>
                        <ManageReason can_manage role=o.role.clone()/>
                    </section>
                })
            })}
        </Transition>
    }
}

/// The items of the snapshot picked by `?snapshot=`.
fn items_table(id: i64, items: Result<Vec<SnapshotItemDto>, AppError>, close: String) -> impl IntoView {
    let i18n = use_i18n();
    let body = match items {
        Err(e) => Either::Left(view! { <div class="alert alert-error" role="alert"><ErrorText error=e/></div> }),
        Ok(items) if items.is_empty() => Either::Right(Either::Left(view! {
            <p class="muted" data-testid="snapshot-items-empty">{t!(i18n, baselines.items_none)}</p>
        })),
        Ok(items) => Either::Right(Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="snapshot-items">
                    <thead><tr>
                        <th>{t!(i18n, baselines.display_name)}</th>
                        <th>{t!(i18n, baselines.policy_type)}</th>
                        <th>{t!(i18n, baselines.settings_count)}</th>
                        <th>{t!(i18n, baselines.settings_hash)}</th>
                    </tr></thead>
                    <tbody>
                        {items.into_iter().map(|it| view! {
                            <tr data-testid="snapshot-item" data-id=it.id>
                                <td>{it.display_name.clone()}</td>
                                <td><TypeName key=it.policy_type.clone()/></td>
                                <td>{it.settings.len()}</td>
                                <td><code>{it.settings_hash.chars().take(12).collect::<String>()}</code></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })),
    };
    view! {
        <h3 data-testid="snapshot-items-title">{move || t_string!(i18n, baselines.items_title, id = id).to_string()}</h3>
        <p><a href=close>{t!(i18n, baselines.hide_items)}</a></p>
        {body}
    }
}

#[component]
pub fn BaselineDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let id = move || params.read().get("id").and_then(|t| t.parse::<i64>().ok()).unwrap_or(-1);
    let picked = Memo::new(move |_| query.read().get("snapshot").and_then(|s| s.trim().parse::<i64>().ok()));
    let update = ServerAction::<UpdateBaseline>::new();
    let capture = ServerAction::<CaptureBaseline>::new();
    let assign = ServerAction::<AssignBaseline>::new();
    let compare = ServerAction::<StartCompare>::new();
    let compare_all = ServerAction::<CompareAllAssigned>::new();
    let add_slot = ServerAction::<AddCompareSlot>::new();
    let remove_slot = ServerAction::<RemoveCompareSlot>::new();
    let changes = move || {
        (
            update.version().get(),
            capture.version().get(),
            assign.version().get(),
            compare.version().get(),
            compare_all.version().get(),
            add_slot.version().get(),
            remove_slot.version().get(),
        )
    };
    let overview = Resource::new(slug, get_workspace_overview);
    let data = Resource::new(move || (slug(), id(), changes()), |(s, p, _)| get_baseline(s, p));
    let items = Resource::new(
        move || (slug(), id(), picked.get()),
        |(s, p, snap)| async move {
            match snap {
                Some(snap) => Some((snap, get_snapshot_items(s, p, snap).await)),
                None => None,
            }
        },
    );
    // The run a plain form post just started (from the redirect's query) or the hydrated client's latest.
    let live = RwSignal::new(None::<RunNotice>);
    Effect::new(move |_| {
        if let Some(Ok(s)) = capture.value().get() {
            live.set(Some(RunNotice::from_started(&s)));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(s)) = compare.value().get() {
            live.set(Some(RunNotice::from_started(&s)));
        }
    });
    let notice = move || live.get().or_else(|| RunNotice::from_query(&query.read()));
    let compared = move || {
        compare_all
            .value()
            .get()
            .and_then(Result::ok)
            .map(|runs| runs.len())
            .or_else(|| query.read().get("compared").and_then(|n| n.parse::<usize>().ok()))
    };
    let notices = move || {
        let ws = slug();
        let run = notice().map(|n| view! { <RunStartedNotice notice=n workspace=ws.clone()/> });
        let all = compared().map(|n| {
            let href = format!("/admin/workspaces/{ws}/operations");
            view! {
                <div class="alert alert-success" role="status" data-testid="compare-all-started" data-count=n>
                    <span>{move || t_string!(i18n, baselines.compared, n = n).to_string()}</span>" "
                    <a href=href>{t!(i18n, baselines.view_runs)}</a>
                </div>
            }
        });
        view! { {run}{all} }
    };
    view! {
        {notices}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (o, d) = match (overview.await, data.await) {
                    (Ok(o), Ok(d)) => (o, d),
                    (Err(e), _) | (_, Err(e)) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let picked_items = items.await;
                Either::Left(detail_view(o.slug.clone(), o.role.clone(), d, picked_items, DetailActions {
                    update,
                    capture,
                    assign,
                    compare,
                    compare_all,
                    add_slot,
                    remove_slot,
                }))
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct DetailActions {
    update: ServerAction<UpdateBaseline>,
    capture: ServerAction<CaptureBaseline>,
    assign: ServerAction<AssignBaseline>,
    compare: ServerAction<StartCompare>,
    compare_all: ServerAction<CompareAllAssigned>,
    add_slot: ServerAction<AddCompareSlot>,
    remove_slot: ServerAction<RemoveCompareSlot>,
}

/// An error alert for the last failed submission `err` reads (an action's value).
fn action_error(err: impl Fn() -> Option<AppError> + Send + Sync + 'static, testid: &'static str) -> impl IntoView {
    move || {
        err().map(
            |e| view! { <div class="alert alert-error" role="alert" data-testid=testid><ErrorText error=e/></div> },
        )
    }
}

fn detail_view(
    ws: String,
    role: String,
    d: ProfileDetail,
    picked: Option<(i64, Result<Vec<SnapshotItemDto>, AppError>)>,
    a: DetailActions,
) -> impl IntoView {
    let i18n = use_i18n();
    let p = d.profile.clone();
    let can_manage = d.can_manage;
    let self_href = profile_href(&ws, p.id);
    let reason = move || (!can_manage).then(|| t_string!(i18n, baselines.manage_disabled));

    // Snapshots.
    let snapshot_rows = d
        .snapshots
        .iter()
        .map(|s| {
            let source = s.source_tenant_name.clone().unwrap_or_else(|| s.source_tenant_id.map(|t| format!("#{t}")).unwrap_or_default());
            let run = s.run_id.map(|r| view! { <a href=run_href(&ws, r) data-testid="snapshot-run">{t!(i18n, baselines.view_run)}" #"{r}</a> });
            let active = p.active_snapshot_id == Some(s.id);
            let show = format!("{self_href}?snapshot={}", s.id);
            view! {
                <tr data-testid="snapshot-row" data-id=s.id data-status=s.status.id() data-superseded=s.superseded.to_string()
                    data-active=active.to_string()>
                    <td>"#"{s.id}{active.then(|| view! { " "<span class="badge badge-ok" data-testid="snapshot-active">{t!(i18n, baselines.active)}</span> })}</td>
                    <td>{source}</td>
                    <td><SnapshotStatusBadge status=s.status superseded=s.superseded/></td>
                    <td data-testid="snapshot-items-count">{s.item_count}" "<a href=show data-testid="show-items">{t!(i18n, baselines.show_items)}</a></td>
                    <td><GapList gaps=s.gaps.clone()/></td>
                    <td>{s.captured_at.as_deref().map(|c| view! { <time>{utc(c)}</time> })}</td>
                    <td>{run}</td>
                </tr>
            }
        })
        .collect_view();
    let snapshots = if d.snapshots.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="snapshots-empty">{t!(i18n, baselines.no_snapshots)}</p> })
    } else {
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="snapshots-table">
                    <thead><tr>
                        <th>{t!(i18n, baselines.snapshot)}</th>
                        <th>{t!(i18n, baselines.source)}</th>
                        <th>{t!(i18n, baselines.status)}</th>
                        <th>{t!(i18n, baselines.items)}</th>
                        <th>{t!(i18n, baselines.gaps)}</th>
                        <th>{t!(i18n, baselines.captured_at)}</th>
                        <th>{t!(i18n, baselines.run)}</th>
                    </tr></thead>
                    <tbody>{snapshot_rows}</tbody>
                </table>
            </div>
        })
    };
    let items = picked.map(|(snap, items)| items_table(snap, items, self_href.clone()));
    let tenant_options = |tenants: &[crate::members::TenantRef]| {
        tenants.iter().map(|t| view! { <option value=t.id>{t.name.clone()}</option> }).collect_view()
    };
    let no_tenants = d.tenants.is_empty();

    // Assignments.
    let assigned_ids: Vec<i64> = d.assignments.iter().map(|t| t.tenant_id).collect();
    let assignable: Vec<crate::members::TenantRef> =
        d.tenants.iter().filter(|t| !assigned_ids.contains(&t.id)).cloned().collect();
    let assigned_rows = d
        .assignments
        .clone()
        .into_iter()
        .map(|t| {
            let (ws_compare, ws_unassign) = (ws.clone(), ws.clone());
            let last = match &t.last_compare_at {
                Some(at) => Either::Left(view! { <time>{utc(at)}</time> }),
                None => Either::Right(view! { <span class="muted">{t!(i18n, baselines.never)}</span> }),
            };
            let last_run = t.last_compare_run_id.map(|r| {
                let href = run_href(&ws, r);
                view! { " "<a href=href data-testid="last-compare-run">{t!(i18n, baselines.view_run)}" #"{r}</a> }
            });
            let profile_id = p.id;
            let outcome = t.last_compare_outcome.as_deref().and_then(RunOutcome::parse).map(|outcome| view! { <OutcomeBadge outcome/> });
            view! {
                <tr data-testid="assigned-row" data-tenant=t.tenant_id>
                    <td>{t.tenant_name.clone()}</td>
                    <td>{last}{last_run}</td>
                    <td>{outcome}</td>
                    <td data-testid="open-findings">{t.open_findings}</td>
                    <td>
                        <div class="row">
                            <ActionForm action=a.compare>
                                <input type="hidden" name="workspace" value=ws_compare/>
                                <input type="hidden" name="profile" value=profile_id/>
                                <input type="hidden" name="tenant" value=t.tenant_id/>
                                <fieldset disabled=!can_manage title=reason>
                                    <SubmitButton pending=a.compare.pending() class="btn" attr:data-testid="compare-tenant">
                                        {t!(i18n, baselines.compare)}
                                    </SubmitButton>
                                </fieldset>
                            </ActionForm>
                            <ActionForm action=a.assign>
                                <input type="hidden" name="workspace" value=ws_unassign/>
                                <input type="hidden" name="profile" value=profile_id/>
                                <input type="hidden" name="tenant" value=t.tenant_id/>
                                <input type="hidden" name="assigned" value="false"/>
                                <fieldset disabled=!can_manage title=reason>
                                    <SubmitButton pending=a.assign.pending() class="btn btn-ghost" attr:data-testid="unassign">
                                        {t!(i18n, baselines.unassign)}
                                    </SubmitButton>
                                </fieldset>
                            </ActionForm>
                        </div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let assignments = if d.assignments.is_empty() {
        Either::Left(
            view! { <p class="muted" data-testid="assignments-empty">{t!(i18n, baselines.no_assignments)}</p> },
        )
    } else {
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="assignments-table">
                    <thead><tr>
                        <th>{t!(i18n, baselines.tenant)}</th>
                        <th>{t!(i18n, baselines.last_compare)}</th>
                        <th>{t!(i18n, baselines.outcome)}</th>
                        <th>{t!(i18n, baselines.open_findings)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{assigned_rows}</tbody>
                </table>
            </div>
        })
    };

    // Schedules.
    let slot_rows = d
        .schedules
        .clone()
        .into_iter()
        .map(|s| {
            let ws_remove = ws.clone();
            let profile_id = p.id;
            view! {
                <tr data-testid="slot-row" data-id=s.id data-time=s.time.clone()>
                    <td><DayNames days=s.days.clone()/></td>
                    <td>{s.time.clone()}" UTC"</td>
                    <td>{match s.last_fired_at.as_deref() {
                        Some(at) => Either::Left(view! { <time>{utc(at)}</time> }),
                        None => Either::Right(view! { <span class="muted">{t!(i18n, baselines.never)}</span> }),
                    }}</td>
                    <td>
                        <ActionForm action=a.remove_slot>
                            <input type="hidden" name="workspace" value=ws_remove/>
                            <input type="hidden" name="profile" value=profile_id/>
                            <input type="hidden" name="schedule" value=s.id/>
                            <fieldset disabled=!can_manage title=reason>
                                <SubmitButton pending=a.remove_slot.pending() class="btn btn-ghost" attr:data-testid="remove-slot">
                                    {t!(i18n, baselines.remove)}
                                </SubmitButton>
                            </fieldset>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let slots = if d.schedules.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="slots-empty">{t!(i18n, baselines.no_slots)}</p> })
    } else {
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="slots-table">
                    <thead><tr>
                        <th>{t!(i18n, baselines.days)}</th>
                        <th>{t!(i18n, baselines.time)}</th>
                        <th>{t!(i18n, baselines.last_fired)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{slot_rows}</tbody>
                </table>
            </div>
        })
    };
    let weekday_boxes = (1..=7i64)
        .map(|day| {
            let id = format!("slot-day-{day}");
            let label_for = id.clone();
            view! {
                <label class="check" for=label_for>
                    <input type="checkbox" id=id name="days[]" value=day/>
                    " "{move || super::components::weekday_name(i18n, day)}
                </label>
            }
        })
        .collect_view();

    let capture_options = tenant_options(&d.tenants);
    let assign_options = tenant_options(&assignable);
    let none_assignable = assignable.is_empty();
    let none_assigned = d.assignments.is_empty();
    let (ws_update, ws_capture, ws_assign, ws_all, ws_slot) =
        (ws.clone(), ws.clone(), ws.clone(), ws.clone(), ws.clone());
    let (edit_name, edit_description, edit_types) = (p.name.clone(), p.description.clone(), p.policy_types.clone());
    let profile_id = p.id;
    view! {
        <section class="card">
            <p><a href=list_href(&ws)>{t!(i18n, baselines.back_to_list)}</a></p>
            <h1 data-testid="baseline-name">{p.name.clone()}</h1>
            {(!p.description.is_empty()).then(|| view! { <p data-testid="baseline-description">{p.description.clone()}</p> })}
            <dl class="facts">
                <dt>{t!(i18n, baselines.policy_types)}</dt><dd data-testid="baseline-types">{type_names(p.policy_types.clone())}</dd>
                <dt>{t!(i18n, baselines.updated_at)}</dt><dd><time>{utc(&p.updated_at)}</time></dd>
            </dl>
            <ManageReason can_manage role=role.clone()/>
            <details data-testid="edit-baseline">
                <summary>{t!(i18n, baselines.edit_title)}</summary>
                <p class="hint">{t!(i18n, baselines.edit_hint)}</p>
                {move || a.update.value().get().and_then(Result::ok).map(|_| view! {
                    <div class="alert alert-success" role="status" data-testid="baseline-saved">{t!(i18n, baselines.saved)}</div>
                })}
                <ActionForm action=a.update>
                    <input type="hidden" name="workspace" value=ws_update/>
                    <input type="hidden" name="profile" value=profile_id/>
                    <fieldset disabled=!can_manage title=reason>
                        <ProfileFields prefix="edit" name=edit_name description=edit_description/>
                        <TypeCheckboxes prefix="edit" checked=edit_types/>
                        {action_error(move || a.update.value().get().and_then(Result::err), "update-baseline-error")}
                        <SubmitButton pending=a.update.pending() attr:data-testid="save-baseline">{t!(i18n, baselines.save)}</SubmitButton>
                    </fieldset>
                </ActionForm>
            </details>
        </section>
        <section class="card">
            <h2>{t!(i18n, baselines.snapshots)}</h2>
            {snapshots}
            {items}
            <h3>{t!(i18n, baselines.capture_title)}</h3>
            <p class="hint">{t!(i18n, baselines.capture_hint)}</p>
            <ActionForm action=a.capture attr:data-testid="capture-form">
                <input type="hidden" name="workspace" value=ws_capture/>
                <input type="hidden" name="profile" value=profile_id/>
                <fieldset disabled=!can_manage || no_tenants title=reason>
                    <div class="row">
                        <div class="field">
                            <label for="capture-tenant">{t!(i18n, baselines.source_tenant)}</label>
                            <select id="capture-tenant" name="tenant" required>{capture_options}</select>
                        </div>
                        <SubmitButton pending=a.capture.pending() attr:data-testid="capture">{t!(i18n, baselines.capture)}</SubmitButton>
                    </div>
                </fieldset>
                {no_tenants.then(|| view! { <p class="hint" data-testid="no-tenants">{t!(i18n, baselines.no_tenants)}</p> })}
                {action_error(move || a.capture.value().get().and_then(Result::err), "capture-error")}
            </ActionForm>
        </section>
        <section class="card">
            <h2>{t!(i18n, baselines.assignments)}</h2>
            {assignments}
            {action_error(move || a.compare.value().get().and_then(Result::err), "compare-error")}
            {action_error(move || a.assign.value().get().and_then(Result::err), "assign-error")}
            <div class="row">
                <ActionForm action=a.assign attr:data-testid="assign-form">
                    <input type="hidden" name="workspace" value=ws_assign/>
                    <input type="hidden" name="profile" value=profile_id/>
                    <input type="hidden" name="assigned" value="true"/>
                    <fieldset disabled=!can_manage || none_assignable title=reason>
                        <div class="row">
                            <div class="field">
                                <label for="assign-tenant">{t!(i18n, baselines.assign_tenant)}</label>
                                <select id="assign-tenant" name="tenant" required>{assign_options}</select>
                            </div>
                            <SubmitButton pending=a.assign.pending() class="btn" attr:data-testid="assign">{t!(i18n, baselines.assign)}</SubmitButton>
                        </div>
                    </fieldset>
                </ActionForm>
            </div>
            <ActionForm action=a.compare_all attr:data-testid="compare-all-form">
                <input type="hidden" name="workspace" value=ws_all/>
                <input type="hidden" name="profile" value=profile_id/>
                <fieldset disabled=!can_manage || none_assigned title=reason>
                    <SubmitButton pending=a.compare_all.pending() attr:data-testid="compare-all">{t!(i18n, baselines.compare_all)}</SubmitButton>
                </fieldset>
                <p class="hint">{t!(i18n, baselines.compare_all_hint)}</p>
                {action_error(move || a.compare_all.value().get().and_then(Result::err), "compare-all-error")}
            </ActionForm>
        </section>
        <section class="card">
            <h2>{t!(i18n, baselines.schedules)}</h2>
            <p class="hint">{t!(i18n, baselines.schedules_hint)}</p>
            {slots}
            {action_error(move || a.remove_slot.value().get().and_then(Result::err), "remove-slot-error")}
            <ActionForm action=a.add_slot attr:data-testid="add-slot-form">
                <input type="hidden" name="workspace" value=ws_slot/>
                <input type="hidden" name="profile" value=profile_id/>
                <fieldset disabled=!can_manage title=reason>
                    <fieldset class="field">
                        <legend>{t!(i18n, baselines.days)}</legend>
                        {weekday_boxes}
                    </fieldset>
                    <div class="field">
                        <label for="slot-time">{t!(i18n, baselines.time)}</label>
                        <input id="slot-time" name="time" type="time" required/>
                    </div>
                    {action_error(move || a.add_slot.value().get().and_then(Result::err), "add-slot-error")}
                    <SubmitButton pending=a.add_slot.pending() class="btn" attr:data-testid="add-slot">{t!(i18n, baselines.add_slot)}</SubmitButton>
                </fieldset>
            </ActionForm>
        </section>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/baselines`
    BaselinesRoute,
    BaselinesPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/baselines/{id}`
    BaselineDetailRoute,
    BaselineDetailPage
);
