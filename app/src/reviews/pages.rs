//! The reviews pages:
//! `/admin/workspaces/{workspace}/reviews` — the review register: an environment filter (`?tenant=`, a
//! GET form), the reviews and evidence snapshots tables, and the "Generate evidence snapshot" and "Create
//! review from latest evidence" forms (disabled, with the reason, without `reviews.manage`);
//! `/admin/workspaces/{workspace}/reviews/{id}` — one review: status, blockers, the six sections, the
//! evidence basis, the packs and, for operators only, Publish / Archive / Generate pack. With
//! `?customer_workspace=1` (and always for customer viewers) the page is the customer-safe reading: no
//! operator control and no diagnostics are rendered at all, only the acknowledgement;
//! `/admin/workspaces/{workspace}/reviews/workspace` — the Customer Review Workspace: one card per
//! environment with its latest published review, acknowledgement and pack; no admin controls;
//! `/admin/reviews/workspace` — which workspace's Customer Review Workspace to open;
//! `/admin/review-packs/verify` — upload a pack and read the signed verification result.
//! Every action is a plain form post, so the pages work without JavaScript; hydrated, they refetch
//! after each action.

use leptos::{either::Either, prelude::*};
use leptos_router::{
    components::Redirect,
    hooks::{use_navigate, use_params_map, use_query_map},
};
use serde_json::Value;

use super::{
    api::{
        get_customer_workspace, get_review, list_reviews, list_snapshots, verify_result, AcknowledgeReview,
        ArchiveReview, CreateReview, GeneratePack, GenerateSnapshot, PublishReview,
    },
    components::{
        action_error, blocker_text, dimension_label, download_action, error_alert, file_size, maybe_time,
        section_title, short, verify_problem_text, AckStatus, AcknowledgeForm, CompletenessBadge, Disclosure,
        DownloadPackForm, PackStatusBadge, PiiStatement, ReviewStatusBadge, SnapshotStatusBadge, Time,
    },
    AckState, Completeness, CustomerWorkspace, DimensionDto, PackDto, ReviewAction, ReviewDetail, ReviewDto,
    SectionDto, SectionKey, SnapshotDto, VerifyView, WorkspaceCard,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, Pager, RoleName, RunNotice, RunStartedNotice, SubmitButton},
    error::AppError,
    findings::{
        components::{kind_label, severity_label, status_label, validity_label, SeverityBadge},
        DriftKind, FindingStatus, Severity, Validity,
    },
    i18n::*,
    inventory::components::TypeName,
    locale::tag,
    members::TenantRef,
    operations::{api::list_run_tenants, components::outcome_label, RunOutcome},
    preferences::components::native_name,
    shell::AuthState,
    workspaces::api::{get_workspace_overview, list_my_workspaces},
};

type I18n = leptos_i18n::I18nContext<Locale>;

fn ws_base(ws: &str) -> String {
    format!("/admin/workspaces/{ws}")
}

fn register_href(ws: &str) -> String {
    format!("/admin/workspaces/{ws}/reviews")
}

fn review_href(ws: &str, id: i64) -> String {
    format!("/admin/workspaces/{ws}/reviews/{id}")
}

fn customer_review_href(ws: &str, id: i64) -> String {
    format!("/admin/workspaces/{ws}/reviews/{id}?customer_workspace=1")
}

fn crw_href(ws: &str) -> String {
    format!("/admin/workspaces/{ws}/reviews/workspace")
}

const VERIFY_HREF: &str = "/admin/review-packs/verify";

/// A query value that is set (not blank).
fn set(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// The environment filter: a GET form (`?tenant=`), so it works without JavaScript.
fn tenant_filter(
    action: String,
    environments: Vec<(i64, String)>,
    selected: Option<String>,
    testid: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let selected = selected.map(|s| s.trim().to_string());
    let options = environments
        .into_iter()
        .map(|(id, name)| {
            let chosen = selected.as_deref() == Some(id.to_string().as_str());
            view! { <option value=id selected=chosen>{name}</option> }
        })
        .collect_view();
    let reset = action.clone();
    view! {
        <form method="get" action=action class="filters row" data-testid=testid>
            <div class="field"><label for="r-tenant">{t!(i18n, reviews.filter.tenant)}</label>
                <select id="r-tenant" name="tenant">
                    <option value="">{t!(i18n, reviews.filter.any)}</option>
                    {options}
                </select></div>
            <div class="row">
                <button type="submit" class="btn btn-primary" data-testid="filter-apply">{t!(i18n, reviews.filter.apply)}</button>
                <a class="btn" href=reset>{t!(i18n, reviews.filter.reset)}</a>
            </div>
        </form>
    }
}

// ---- the review register ----

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let tenant = Memo::new(move |_| set(query.read().get("tenant")));
    let generate = ServerAction::<GenerateSnapshot>::new();
    let create = ServerAction::<CreateReview>::new();
    let overview = Resource::new(slug, get_workspace_overview);
    let tenants = Resource::new(slug, list_run_tenants);
    let reviews = Resource::new(move || (slug(), tenant.get(), create.version().get()), |(s, t, _)| list_reviews(s, t));
    let snapshots =
        Resource::new(move || (slug(), tenant.get(), generate.version().get()), |(s, t, _)| list_snapshots(s, t));
    // Hydrated: a created review opens at once (a plain form post is redirected there by the server).
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(q)) = create.value().get() {
            let ws = params.read_untracked().get("workspace").unwrap_or_default();
            navigate(&review_href(&ws, q.id), Default::default());
        }
    });
    let live = RwSignal::new(None::<RunNotice>);
    Effect::new(move |_| {
        if let Some(Ok(s)) = generate.value().get() {
            live.set(Some(RunNotice::from_started(&s)));
        }
    });
    let notice = move || {
        let ws = slug();
        live.get()
            .or_else(|| RunNotice::from_query(&query.read()))
            .map(|n| view! { <RunStartedNotice notice=n workspace=ws/> })
    };
    view! {
        {notice}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let ws = slug();
                let o = match overview.await {
                    Ok(o) => o,
                    Err(e) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }.into_any()),
                };
                let envs = tenants.await.unwrap_or_default();
                match (reviews.await, snapshots.await) {
                    (Ok(r), Ok(s)) => {
                        let can_manage = o.can("reviews.manage") && o.can("operations.start");
                        Either::Left(register_view(ws, tenant.get_untracked(), envs, r, s, can_manage, o.role.clone(), generate, create))
                    }
                    (Err(e @ AppError::Validation(_)), _) | (_, Err(e @ AppError::Validation(_))) => Either::Right(view! {
                        <section class="card">
                            <h1>{t!(i18n, reviews.title)}</h1>
                            {error_alert(e, "reviews-filter-error")}
                            <a class="btn" href=register_href(&ws)>{t!(i18n, reviews.filter.reset)}</a>
                        </section>
                    }.into_any()),
                    (Err(e), _) | (_, Err(e)) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }.into_any()),
                }
            })}
        </Transition>
    }
}

/// The select of active environments of a start form (preselecting the filtered one).
fn tenant_select(id: &'static str, envs: &[TenantRef], selected: Option<&str>) -> impl IntoView {
    let i18n = use_i18n();
    let options = envs
        .iter()
        .filter(|t| !t.archived)
        .map(|t| {
            let chosen = selected == Some(t.id.to_string().as_str());
            view! { <option value=t.id selected=chosen>{t.name.clone()}</option> }
        })
        .collect_view();
    view! {
        <div class="field"><label for=id>{t!(i18n, reviews.filter.tenant)}</label>
            <select id=id name="tenant" required>{options}</select></div>
    }
}

#[allow(clippy::too_many_arguments)]
fn register_view(
    ws: String,
    tenant: Option<String>,
    envs: Vec<TenantRef>,
    reviews: Vec<ReviewDto>,
    snapshots: Vec<SnapshotDto>,
    can_manage: bool,
    role: String,
    generate: ServerAction<GenerateSnapshot>,
    create: ServerAction<CreateReview>,
) -> impl IntoView {
    let i18n = use_i18n();
    let has_envs = envs.iter().any(|t| !t.archived);
    let enabled = can_manage && has_envs;
    let filter_envs: Vec<(i64, String)> = envs.iter().map(|t| (t.id, t.name.clone())).collect();
    let reason = move || {
        if !can_manage {
            let role = role.clone();
            Some(Either::Left(view! {
                <p class="hint" data-testid="manage-disabled-reason">{t!(i18n, reviews.manage_disabled)}" ("<RoleName role/>")"</p>
            }))
        } else if !has_envs {
            Some(Either::Right(
                view! { <p class="hint" data-testid="no-environments">{t!(i18n, reviews.no_environments)}</p> },
            ))
        } else {
            None
        }
    };
    let (reason_a, reason_b) = (reason.clone(), reason);
    let generate_select = tenant_select("gen-tenant", &envs, tenant.as_deref());
    let create_select = tenant_select("create-tenant", &envs, tenant.as_deref());
    let filter = tenant_filter(register_href(&ws), filter_envs, tenant, "reviews-filters");
    let (ws_generate, ws_create) = (ws.clone(), ws.clone());
    view! {
        <section class="card" data-testid="review-register">
            <p><a href=ws_base(&ws)>{t!(i18n, reviews.back)}</a></p>
            <h1>{t!(i18n, reviews.title)}</h1>
            <p class="muted">{t!(i18n, reviews.intro)}</p>
            <p class="row">
                <a class="btn" href=crw_href(&ws) data-testid="open-customer-workspace">{t!(i18n, crw.title)}</a>
            </p>
            {filter}
            <h2>{t!(i18n, reviews.list_title)}</h2>
            {reviews_table(&ws, reviews)}
        </section>
        <section class="card" data-testid="snapshots">
            <h2>{t!(i18n, reviews.snapshots_title)}</h2>
            <p class="muted">{t!(i18n, reviews.snapshots_intro)}</p>
            {snapshots_table(snapshots)}
        </section>
        <section class="grid">
            <article class="card">
                <h2>{t!(i18n, reviews.generate_title)}</h2>
                <p class="muted">{t!(i18n, reviews.generate_intro)}</p>
                <ActionForm action=generate attr:data-testid="generate-snapshot-form">
                    <input type="hidden" name="workspace" value=ws_generate/>
                    <fieldset disabled=!enabled>
                        {generate_select}
                        <SubmitButton pending=generate.pending() attr:data-testid="generate-snapshot">{t!(i18n, reviews.generate)}</SubmitButton>
                    </fieldset>
                    {reason_a}
                    {action_error(generate, "generate-snapshot-error")}
                </ActionForm>
            </article>
            <article class="card">
                <h2>{t!(i18n, reviews.create_title)}</h2>
                <p class="muted">{t!(i18n, reviews.create_intro)}</p>
                <ActionForm action=create attr:data-testid="create-review-form">
                    <input type="hidden" name="workspace" value=ws_create/>
                    <fieldset disabled=!enabled>
                        {create_select}
                        <SubmitButton pending=create.pending() attr:data-testid="create-review">{t!(i18n, reviews.create)}</SubmitButton>
                    </fieldset>
                    {reason_b}
                    {action_error(create, "create-review-error")}
                </ActionForm>
            </article>
        </section>
    }
}

fn reviews_table(ws: &str, reviews: Vec<ReviewDto>) -> impl IntoView {
    let i18n = use_i18n();
    if reviews.is_empty() {
        return Either::Left(view! { <p class="muted" data-testid="reviews-empty">{t!(i18n, reviews.empty)}</p> });
    }
    let rows = reviews
        .into_iter()
        .map(|r| {
            let href = review_href(ws, r.id);
            let completeness = r.completeness.map(|c| view! { <CompletenessBadge completeness=c/> });
            view! {
                <tr data-testid="review-row" data-id=r.id data-status=r.status.id()>
                    <td>{r.tenant_name.clone()}</td>
                    <td><ReviewStatusBadge status=r.status/></td>
                    <td>{completeness}</td>
                    <td><Time at=r.created_at.clone()/></td>
                    <td>{maybe_time(r.published_at.clone())}</td>
                    <td><a href=href data-testid="review-open">{move || t_string!(i18n, reviews.open_review, id = r.id).to_string()}</a></td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <div class="table-wrap">
            <table class="table" data-testid="reviews-table">
                <thead><tr>
                    <th>{t!(i18n, reviews.col.environment)}</th>
                    <th>{t!(i18n, reviews.col.status)}</th>
                    <th>{t!(i18n, reviews.col.completeness)}</th>
                    <th>{t!(i18n, reviews.col.created)}</th>
                    <th>{t!(i18n, reviews.col.published)}</th>
                    <th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    })
}

fn snapshots_table(snapshots: Vec<SnapshotDto>) -> impl IntoView {
    let i18n = use_i18n();
    if snapshots.is_empty() {
        return Either::Left(
            view! { <p class="muted" data-testid="snapshots-empty">{t!(i18n, reviews.snapshots_empty)}</p> },
        );
    }
    let rows = snapshots
        .into_iter()
        .map(|s| {
            view! {
                <tr data-testid="snapshot-row" data-id=s.id data-status=s.status.id()>
                    <td>{s.tenant_name.clone()}</td>
                    <td><CompletenessBadge completeness=s.completeness/></td>
                    <td><Time at=s.generated_at.clone()/></td>
                    <td><code title=s.fingerprint.clone()>{short(&s.fingerprint)}</code></td>
                    <td><SnapshotStatusBadge status=s.status/></td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <div class="table-wrap">
            <table class="table" data-testid="snapshots-table">
                <thead><tr>
                    <th>{t!(i18n, reviews.col.environment)}</th>
                    <th>{t!(i18n, reviews.col.completeness)}</th>
                    <th>{t!(i18n, reviews.col.generated)}</th>
                    <th>{t!(i18n, reviews.col.fingerprint)}</th>
                    <th>{t!(i18n, reviews.col.status)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    })
}

// ---- one review ----

/// The actions of the detail page (each refetches the review once it ran).
#[derive(Clone, Copy)]
struct DetailActions {
    publish: ServerAction<PublishReview>,
    archive: ServerAction<ArchiveReview>,
    pack: ServerAction<GeneratePack>,
    acknowledge: ServerAction<AcknowledgeReview>,
    download: ServerAction<super::api::PackDownloadLink>,
}

#[component]
pub fn ReviewDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let id = move || params.read().get("id").and_then(|t| t.trim().parse::<i64>().ok()).unwrap_or(-1);
    let customer =
        Memo::new(move |_| query.read().get("customer_workspace").filter(|v| matches!(v.trim(), "1" | "true" | "on")));
    let a = DetailActions {
        publish: ServerAction::new(),
        archive: ServerAction::new(),
        pack: ServerAction::new(),
        acknowledge: ServerAction::new(),
        download: download_action(),
    };
    let versions = move || {
        (a.publish.version().get(), a.archive.version().get(), a.pack.version().get(), a.acknowledge.version().get())
    };
    let detail =
        Resource::new(move || (slug(), id(), customer.get(), versions()), |(s, id, c, _)| get_review(s, id, c));
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

fn detail_view(ws: String, d: ReviewDetail, a: DetailActions) -> impl IntoView {
    let i18n = use_i18n();
    let r = d.review.clone();
    let customer = d.customer_mode;
    let back = if customer {
        Either::Left(view! { <a href=crw_href(&ws) data-testid="back-to-crw">{t!(i18n, crw.back)}</a> })
    } else {
        Either::Right(
            view! { <a href=register_href(&ws) data-testid="back-to-register">{t!(i18n, reviews.back_to_list)}</a> },
        )
    };
    let title = {
        let name = r.tenant_name.clone();
        move || t_string!(i18n, reviews.detail.title, tenant = name.clone()).to_string()
    };
    let blockers = (!r.blockers.is_empty()).then(|| {
        let items = r
            .blockers
            .iter()
            .map(|b| {
                let (code, b) = (b.clone(), b.clone());
                view! { <li data-testid="blocker" data-code=code>{move || blocker_text(i18n, &b)}</li> }
            })
            .collect_view();
        view! {
            <div class="alert alert-error" role="status" data-testid="blockers">
                <strong>{t!(i18n, reviews.detail.blockers)}</strong>
                <ul>{items}</ul>
            </div>
        }
    });
    // Customer-safe reading: the acknowledgement; never any operator control.
    let ack = {
        let can_ack = d.can.acknowledge && matches!(d.ack, AckState::Required | AckState::ReAckRequired);
        let ws = ws.clone();
        view! {
            <div class="row" data-testid="review-ack">
                <strong>{t!(i18n, crw.ack.title)}</strong>
                <AckStatus ack=d.ack acknowledged_at=d.acknowledged_at.clone()/>
            </div>
            {(customer && can_ack).then(|| view! {
                <AcknowledgeForm workspace=ws review=r.id back="review" action=a.acknowledge/>
            })}
            {action_error(a.acknowledge, "acknowledge-error")}
        }
    };
    let operator = (!customer).then(|| operator_actions(&ws, &d, a));
    let sections = d.sections.iter().cloned().map(|s| section_view(&ws, s, customer)).collect_view();
    let published_by = r.published_by.clone();
    view! {
        <section class="card" data-testid="review-detail" data-id=r.id data-customer-mode=customer.to_string()>
            <p>{back}</p>
            <h1>{title}</h1>
            <p class="row">
                <ReviewStatusBadge status=r.status/>
                {r.completeness.map(|c| view! { <CompletenessBadge completeness=c/> })}
                {customer.then(|| view! { <span class="badge badge-info" data-testid="customer-mode">{t!(i18n, reviews.detail.customer_view)}</span> })}
            </p>
            <dl class="facts">
                <dt>{t!(i18n, reviews.col.environment)}</dt><dd>{r.tenant_name.clone()}</dd>
                <dt>{t!(i18n, reviews.col.created)}</dt><dd><Time at=r.created_at.clone()/></dd>
                <dt>{t!(i18n, reviews.col.published)}</dt>
                <dd data-testid="review-published">
                    {match r.published_at.clone() {
                        Some(at) => Either::Left(view! {
                            <Time at/>
                            {published_by.map(|by| view! { " · "{move || t_string!(i18n, reviews.detail.published_by, name = by.clone()).to_string()} })}
                        }),
                        None => Either::Right(view! { <span class="muted">{t!(i18n, reviews.detail.not_published)}</span> }),
                    }}
                </dd>
                {r.archived_at.clone().map(|at| view! { <dt>{t!(i18n, reviews.detail.archived)}</dt><dd><Time at/></dd> })}
                {(!customer).then(|| r.superseded_by_review_id.map(|id| view! {
                    <dt>{t!(i18n, reviews.detail.superseded_by)}</dt>
                    <dd><a href=review_href(&ws, id)>{move || t_string!(i18n, reviews.open_review, id = id).to_string()}</a></dd>
                }))}
            </dl>
            {blockers}
            {ack}
            <Disclosure/>
        </section>
        {operator}
        {sections}
        {evidence_view(&d.snapshot, d.dimensions.clone(), customer)}
        {packs_view(&ws, d.packs.clone(), d.can.download, a.download)}
    }
}

/// Publish, Archive, Generate pack and "Open in customer workspace" (operator reading only).
fn operator_actions(ws: &str, d: &ReviewDetail, a: DetailActions) -> impl IntoView {
    let i18n = use_i18n();
    let r = &d.review;
    let can = d.can;
    let status = r.status;
    let id = r.id;
    let publish_reason = (!can.publish).then(|| {
        let text = if !r.blockers.is_empty() {
            t_string!(i18n, reviews.actions.publish_blocked)
        } else if status == super::ReviewStatus::Ready {
            t_string!(i18n, reviews.actions.publish_forbidden)
        } else if status == super::ReviewStatus::Published {
            t_string!(i18n, reviews.actions.publish_done)
        } else {
            t_string!(i18n, reviews.actions.publish_state)
        };
        view! { <p class="hint" data-testid="publish-disabled-reason">{text}</p> }
    });
    let archivable = status.apply(ReviewAction::Archive).is_ok();
    let archive_reason = (!(can.manage && archivable)).then(|| {
        let text = if !archivable {
            t_string!(i18n, reviews.actions.archive_state)
        } else {
            t_string!(i18n, reviews.actions.manage_forbidden)
        };
        view! { <p class="hint" data-testid="archive-disabled-reason">{text}</p> }
    });
    let pack_form = if !can.pack_generation_entitled {
        Either::Left(
            view! { <p class="alert alert-error plan-message" role="status" data-testid="plan-blocks-packs">{t!(i18n, reviews.actions.plan_blocks_packs)}</p> },
        )
    } else {
        let ui_language = tag(i18n.get_locale_untracked());
        let languages = crate::locale::SUPPORTED
            .into_iter()
            .map(|l| view! { <option value=tag(l) selected=tag(l) == ui_language>{native_name(l)}</option> })
            .collect_view();
        let pack_reason = (!can.generate_pack).then(|| {
            let text = if status.is_released() {
                t_string!(i18n, reviews.actions.pack_forbidden)
            } else {
                t_string!(i18n, reviews.actions.pack_state)
            };
            view! { <p class="hint" data-testid="pack-disabled-reason">{text}</p> }
        });
        let ws = ws.to_string();
        Either::Right(view! {
            <ActionForm action=a.pack attr:data-testid="generate-pack-form">
                <input type="hidden" name="workspace" value=ws/>
                <input type="hidden" name="review" value=id/>
                <fieldset disabled=!can.generate_pack>
                    <div class="field"><label for="pack-language">{t!(i18n, reviews.pack.language)}</label>
                        <select id="pack-language" name="language">{languages}</select></div>
                    {can.include_pii.then(|| view! {
                        <label class="check"><input type="checkbox" name="include_pii" value="true" data-testid="include-pii"/>" "{t!(i18n, reviews.pack.include_pii)}</label>
                        <p class="hint">{t!(i18n, reviews.pack.include_pii_hint)}</p>
                    })}
                    <SubmitButton pending=a.pack.pending() class="btn" attr:data-testid="generate-pack">{t!(i18n, reviews.pack.generate)}</SubmitButton>
                </fieldset>
                {pack_reason}
                {move || a.pack.value().get().and_then(Result::ok).map(|q| view! {
                    <p class="alert alert-success" role="status" data-testid="pack-requested" data-pack=q.id data-reused=q.reused.to_string()>
                        {move || if q.reused { t_string!(i18n, reviews.pack.reused) } else { t_string!(i18n, reviews.pack.requested) }}
                    </p>
                })}
                {action_error(a.pack, "generate-pack-error")}
            </ActionForm>
        })
    };
    let (ws_publish, ws_archive) = (ws.to_string(), ws.to_string());
    let customer_link = status.is_released().then(|| {
        view! {
            <p><a class="btn" href=customer_review_href(ws, id) data-testid="open-customer-view">{t!(i18n, reviews.actions.open_customer)}</a></p>
        }
    });
    view! {
        <section class="card" data-testid="operator-actions">
            <h2>{t!(i18n, reviews.actions.title)}</h2>
            <div class="grid">
                <div>
                    <h3>{t!(i18n, reviews.actions.publish)}</h3>
                    <p class="hint">{t!(i18n, reviews.actions.publish_hint)}</p>
                    <ActionForm action=a.publish attr:data-testid="publish-form">
                        <input type="hidden" name="workspace" value=ws_publish/>
                        <input type="hidden" name="review" value=id/>
                        <fieldset disabled=!can.publish>
                            <SubmitButton pending=a.publish.pending() attr:data-testid="publish">{t!(i18n, reviews.actions.publish)}</SubmitButton>
                        </fieldset>
                        {publish_reason}
                        {action_error(a.publish, "publish-error")}
                    </ActionForm>
                </div>
                <div>
                    <h3>{t!(i18n, reviews.actions.archive)}</h3>
                    <p class="hint">{t!(i18n, reviews.actions.archive_hint)}</p>
                    <ActionForm action=a.archive attr:data-testid="archive-form">
                        <input type="hidden" name="workspace" value=ws_archive/>
                        <input type="hidden" name="review" value=id/>
                        <fieldset disabled=!(can.manage && archivable)>
                            <SubmitButton pending=a.archive.pending() class="btn btn-danger" attr:data-testid="archive">{t!(i18n, reviews.actions.archive)}</SubmitButton>
                        </fieldset>
                        {archive_reason}
                        {action_error(a.archive, "archive-error")}
                    </ActionForm>
                </div>
                <div>
                    <h3>{t!(i18n, reviews.pack.generate_title)}</h3>
                    {pack_form}
                </div>
            </div>
            {customer_link}
        </section>
    }
}

// ---- sections (payload shapes: reviews::server::compose and evidence) ----

fn num(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or(0)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

/// Open findings per severity, most severe first.
fn severity_counts(i18n: I18n, by: &Value) -> impl IntoView {
    let cells = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .into_iter()
        .map(|s| {
            let n = num(by, s.id());
            view! { <dt>{move || severity_label(i18n, s)}</dt><dd data-testid="severity-count" data-severity=s.id()>{n}</dd> }
        })
        .collect_view();
    view! { <dl class="facts" data-testid="open-by-severity">{cells}</dl> }
}

/// Accepted risks: valid, expiring, expired, pending.
fn risk_counts(i18n: I18n, counts: &Value) -> impl IntoView {
    let (valid, expiring, expired, pending) =
        (num(counts, "valid"), num(counts, "expiring"), num(counts, "expired"), num(counts, "pending"));
    view! {
        <p data-testid="risk-counts">
            {move || t_string!(i18n, reviews.sections.risk_counts, valid = valid, expiring = expiring, expired = expired, pending = pending).to_string()}
        </p>
    }
}

fn section_view(ws: &str, s: SectionDto, customer: bool) -> impl IntoView {
    let i18n = use_i18n();
    let key = s.key;
    let p = s.payload;
    let body = if p.is_null() {
        view! { <p class="muted" data-testid="section-empty">{t!(i18n, reviews.sections.no_data)}</p> }.into_any()
    } else {
        match key {
            SectionKey::ExecutiveSummary => executive_summary(i18n, &p).into_any(),
            SectionKey::OpenRisks => open_risks(i18n, ws, &p, customer).into_any(),
            SectionKey::AcceptedRisks => accepted_risks(i18n, &p).into_any(),
            SectionKey::PermissionPosture => permission_posture(i18n, &p).into_any(),
            SectionKey::BaselineDriftPosture => drift_posture(i18n, &p).into_any(),
            SectionKey::OperationsHealth => operations_health(i18n, &p).into_any(),
        }
    };
    view! {
        <section class="card review-section" data-testid="review-section" data-key=key.id() data-state=s.state.id()>
            <h2 class="row">{move || section_title(i18n, key)}" "<CompletenessBadge completeness=s.state/></h2>
            {body}
        </section>
    }
}

fn executive_summary(i18n: I18n, p: &Value) -> impl IntoView {
    let overall = p["completeness"].as_str().and_then(Completeness::parse);
    let (open, overdue, total) = (num(p, "open_total"), num(p, "overdue"), num(p, "findings_total"));
    let (policies, types, failed) = (num(p, "policy_count"), num(p, "types_total"), num(p, "types_failed"));
    let last_compare = text(p, "last_compare_at");
    let verification = text(p, "verification_status");
    view! {
        <dl class="facts" data-testid="executive-summary">
            <dt>{t!(i18n, reviews.sections.overall)}</dt>
            <dd>{overall.map(|c| view! { <CompletenessBadge completeness=c/> })}</dd>
            <dt>{t!(i18n, reviews.sections.open_findings)}</dt>
            <dd data-testid="open-total">{move || t_string!(i18n, reviews.sections.open_line, open = open, overdue = overdue, total = total).to_string()}</dd>
            <dt>{t!(i18n, reviews.sections.inventory)}</dt>
            <dd data-testid="inventory-line">{move || t_string!(i18n, reviews.sections.inventory_line, policies = policies, types = types, failed = failed).to_string()}</dd>
            <dt>{t!(i18n, reviews.sections.last_compare)}</dt>
            <dd>{match last_compare {
                Some(at) => Either::Left(view! { <Time at/> }),
                None => Either::Right(view! { <span class="muted">{t!(i18n, reviews.sections.never)}</span> }),
            }}</dd>
            <dt>{t!(i18n, reviews.sections.connection)}</dt>
            <dd>{verification_badge(i18n, verification)}</dd>
        </dl>
        <h3>{t!(i18n, reviews.sections.by_severity)}</h3>
        {severity_counts(i18n, &p["open_by_severity"])}
        <h3>{t!(i18n, reviews.section.accepted_risks)}</h3>
        {risk_counts(i18n, &p["accepted_risks"])}
    }
}

fn verification_badge(i18n: I18n, status: Option<String>) -> impl IntoView {
    let Some(s) = status else {
        return Either::Left(view! { <span class="muted">{t!(i18n, reviews.sections.no_connection)}</span> });
    };
    let class = match s.as_str() {
        "healthy" => "badge badge-ok",
        "degraded" | "blocked" | "error" => "badge badge-warn",
        _ => "badge",
    };
    let label = {
        let s = s.clone();
        move || match s.as_str() {
            "unknown" => t_string!(i18n, connections.verification_status.unknown),
            "pending" => t_string!(i18n, connections.verification_status.pending),
            "healthy" => t_string!(i18n, connections.verification_status.healthy),
            "degraded" => t_string!(i18n, connections.verification_status.degraded),
            "blocked" => t_string!(i18n, connections.verification_status.blocked),
            "error" => t_string!(i18n, connections.verification_status.error),
            _ => t_string!(i18n, reviews.sections.unknown_value),
        }
    };
    Either::Right(view! { <span class=class data-testid="verification-status" data-status=s>{label}</span> })
}

fn open_risks(i18n: I18n, ws: &str, p: &Value, customer: bool) -> impl IntoView {
    let (open, overdue) = (num(p, "open_total"), num(p, "overdue"));
    let items = p["items"].as_array().cloned().unwrap_or_default();
    let listed = items.len();
    let table = if items.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="open-risks-empty">{t!(i18n, reviews.sections.no_open)}</p> })
    } else {
        let rows = items
            .into_iter()
            .map(|f| {
                let severity = f["severity"].as_str().and_then(Severity::parse);
                let kind = f["drift_kind"].as_str().and_then(DriftKind::parse);
                let status = f["status"].as_str().and_then(FindingStatus::parse);
                let subject = text(&f, "subject").unwrap_or_default();
                // Operators can open the finding itself; the customer reading never links into operator pages.
                let subject = match f["id"].as_i64().filter(|_| !customer) {
                    Some(id) => Either::Left(view! { <a href=format!("{}/findings/{id}", ws_base(ws))>{subject}</a> }),
                    None => Either::Right(view! { <span>{subject}</span> }),
                };
                let overdue = f["overdue"].as_bool().unwrap_or(false);
                view! {
                    <tr data-testid="open-risk-row">
                        <td>{severity.map(|severity| view! { <SeverityBadge severity/> })}</td>
                        <td>{subject}</td>
                        <td>{text(&f, "policy_type").map(|k| view! { <TypeName key=k/> })}</td>
                        <td>{kind.map(|k| move || kind_label(i18n, k))}</td>
                        <td>{status.map(|s| move || status_label(i18n, s))}</td>
                        <td>
                            {maybe_time(text(&f, "due_at"))}
                            {overdue.then(|| view! { " "<span class="badge badge-warn" data-testid="overdue">{t!(i18n, reviews.sections.overdue)}</span> })}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="open-risks-table">
                    <thead><tr>
                        <th>{t!(i18n, reviews.sections.severity)}</th>
                        <th>{t!(i18n, reviews.sections.subject)}</th>
                        <th>{t!(i18n, reviews.sections.policy_type)}</th>
                        <th>{t!(i18n, reviews.sections.drift_kind)}</th>
                        <th>{t!(i18n, reviews.col.status)}</th>
                        <th>{t!(i18n, reviews.sections.due)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    view! {
        <p data-testid="open-risks-total">{move || t_string!(i18n, reviews.sections.open_risks_line, open = open, overdue = overdue).to_string()}</p>
        {severity_counts(i18n, &p["open_by_severity"])}
        {((listed as i64) < open).then(|| view! {
            <p class="hint" data-testid="open-risks-listed">{move || t_string!(i18n, reviews.sections.listed_hint, listed = listed).to_string()}</p>
        })}
        {table}
    }
}

fn accepted_risks(i18n: I18n, p: &Value) -> impl IntoView {
    let items = p["items"].as_array().cloned().unwrap_or_default();
    let table = if items.is_empty() {
        Either::Left(
            view! { <p class="muted" data-testid="accepted-risks-empty">{t!(i18n, reviews.sections.no_risks)}</p> },
        )
    } else {
        let rows = items
            .into_iter()
            .map(|x| {
                let validity = x["validity"].as_str().and_then(Validity::parse);
                let class = match validity {
                    Some(Validity::Valid) => "badge badge-ok",
                    Some(Validity::Expiring | Validity::Expired) => "badge badge-warn",
                    _ => "badge",
                };
                view! {
                    <tr data-testid="accepted-risk-row">
                        <td>{text(&x, "subject").unwrap_or_default()}</td>
                        <td>{validity.map(|v| view! { <span class=class data-validity=v.id()>{move || validity_label(i18n, v)}</span> })}</td>
                        <td>{maybe_time(text(&x, "expires_at"))}</td>
                        <td>{text(&x, "approved_by").unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="accepted-risks-table">
                    <thead><tr>
                        <th>{t!(i18n, reviews.sections.subject)}</th>
                        <th>{t!(i18n, reviews.sections.validity)}</th>
                        <th>{t!(i18n, reviews.sections.expires)}</th>
                        <th>{t!(i18n, reviews.sections.approved_by)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    view! {
        {risk_counts(i18n, &p["counts"])}
        {table}
    }
}

fn permission_posture(i18n: I18n, p: &Value) -> impl IntoView {
    let c = &p["connection"];
    if c.is_null() {
        return Either::Left(
            view! { <p class="muted" data-testid="no-connection">{t!(i18n, reviews.sections.no_connection)}</p> },
        );
    }
    let kind = text(c, "connection_type");
    let kind_label = move || match kind.as_deref() {
        Some("platform") => t_string!(i18n, connections.type_short.platform),
        Some("dedicated") => t_string!(i18n, connections.type_short.dedicated),
        _ => t_string!(i18n, reviews.sections.unknown_value),
    };
    let consent = text(c, "consent_status");
    let consent_label = move || match consent.as_deref() {
        Some("required") => t_string!(i18n, connections.consent_status.required),
        Some("granted") => t_string!(i18n, connections.consent_status.granted),
        Some("failed") => t_string!(i18n, connections.consent_status.failed),
        Some("revoked") => t_string!(i18n, connections.consent_status.revoked),
        _ => t_string!(i18n, connections.consent_status.unknown),
    };
    let scopes = c["scopes_granted"].as_array().map_or(0, Vec::len);
    Either::Right(view! {
        <dl class="facts" data-testid="permission-posture">
            <dt>{t!(i18n, reviews.sections.connection_type)}</dt><dd>{kind_label}</dd>
            <dt>{t!(i18n, reviews.sections.consent)}</dt><dd data-testid="consent">{consent_label}</dd>
            <dt>{t!(i18n, reviews.sections.verification)}</dt><dd>{verification_badge(i18n, text(c, "verification_status"))}</dd>
            <dt>{t!(i18n, reviews.sections.scopes)}</dt><dd data-testid="scopes-count">{scopes}</dd>
            <dt>{t!(i18n, reviews.sections.last_check)}</dt><dd>{maybe_time(text(c, "last_health_check_at"))}</dd>
        </dl>
    })
}

fn drift_posture(i18n: I18n, p: &Value) -> impl IntoView {
    let profiles: Vec<String> = p["profiles"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let profiles = if profiles.is_empty() {
        Either::Left(view! { <span class="muted">{t!(i18n, reviews.sections.no_profiles)}</span> })
    } else {
        Either::Right(view! { <span data-testid="profiles">{profiles.join(", ")}</span> })
    };
    let outcome = p["last_compare_outcome"].as_str().and_then(RunOutcome::parse);
    let last = match text(p, "last_compare_at") {
        Some(at) => Either::Left(view! {
            <Time at/>
            {outcome.map(|o| view! { " "<span class="badge" data-testid="compare-outcome">{move || outcome_label(i18n, o)}</span> })}
        }),
        None => Either::Right(view! { <span class="muted">{t!(i18n, reviews.sections.never)}</span> }),
    };
    let by_kind = &p["open_drift_by_kind"];
    let kinds = [DriftKind::Missing, DriftKind::Different, DriftKind::Unexpected]
        .into_iter()
        .map(|k| {
            let n = num(by_kind, k.id());
            view! { <dt>{move || kind_label(i18n, k)}</dt><dd data-testid="drift-count" data-kind=k.id()>{n}</dd> }
        })
        .collect_view();
    view! {
        <dl class="facts" data-testid="drift-posture">
            <dt>{t!(i18n, reviews.sections.profiles)}</dt><dd>{profiles}</dd>
            <dt>{t!(i18n, reviews.sections.last_compare)}</dt><dd>{last}</dd>
        </dl>
        <h3>{t!(i18n, reviews.sections.open_drift)}</h3>
        <dl class="facts">{kinds}</dl>
    }
}

fn operations_health(i18n: I18n, p: &Value) -> impl IntoView {
    let days = p["window_days"].as_i64().unwrap_or(30);
    let total = num(p, "total");
    let by = &p["by_outcome"];
    let rows = RunOutcome::ALL
        .iter()
        .filter(|o| **o != RunOutcome::Pending)
        .map(|o| {
            let o = *o;
            let n = num(by, o.id());
            view! { <dt>{move || outcome_label(i18n, o)}</dt><dd data-testid="outcome-count" data-outcome=o.id()>{n}</dd> }
        })
        .collect_view();
    view! {
        <p data-testid="operations-total">{move || t_string!(i18n, reviews.sections.operations_line, total = total, days = days).to_string()}</p>
        <dl class="facts" data-testid="operations-by-outcome">{rows}</dl>
    }
}

// ---- evidence basis and packs ----

fn evidence_view(snapshot: &SnapshotDto, dimensions: Vec<DimensionDto>, customer: bool) -> impl IntoView {
    let i18n = use_i18n();
    let rows = dimensions
        .into_iter()
        .map(|d| {
            let key = d.key;
            // Diagnostics tier: the raw measurement, operators only (the customer reading carries none).
            let raw = (!customer && !d.payload.is_null()).then(|| {
                let json = serde_json::to_string_pretty(&d.payload).unwrap_or_default();
                view! {
                    <details class="diagnostics" data-testid="dimension-payload">
                        <summary>{t!(i18n, reviews.evidence.raw)}</summary>
                        <pre>{json}</pre>
                    </details>
                }
            });
            view! {
                <tr data-testid="dimension-row" data-key=key.id() data-state=d.state.id()>
                    <td>{move || dimension_label(i18n, key)}{(!d.required).then(|| view! { " "<span class="muted">{t!(i18n, reviews.evidence.optional)}</span> })}</td>
                    <td><CompletenessBadge completeness=d.state/></td>
                    <td><Time at=d.measured_at.clone()/></td>
                    <td>{maybe_time(d.freshness_at.clone())}</td>
                    <td>{raw}</td>
                </tr>
            }
        })
        .collect_view();
    let missing: Vec<String> = snapshot.missing_dimensions.clone();
    let missing_text = (!missing.is_empty()).then(|| {
        view! {
            <p class="hint" data-testid="missing-dimensions">
                {move || {
                    let names: Vec<&str> = missing
                        .iter()
                        .map(|m| super::Dimension::parse(m).map_or(m.as_str(), |d| dimension_label(i18n, d)))
                        .collect();
                    t_string!(i18n, reviews.evidence.missing, names = names.join(", ")).to_string()
                }}
            </p>
        }
    });
    view! {
        <section class="card" data-testid="evidence-basis">
            <h2>{t!(i18n, reviews.evidence.title)}</h2>
            <dl class="facts">
                <dt>{t!(i18n, reviews.evidence.snapshot)}</dt><dd data-testid="evidence-snapshot">"#"{snapshot.id}</dd>
                <dt>{t!(i18n, reviews.col.fingerprint)}</dt><dd><code title=snapshot.fingerprint.clone() data-testid="evidence-fingerprint">{short(&snapshot.fingerprint)}</code></dd>
                <dt>{t!(i18n, reviews.col.completeness)}</dt><dd><CompletenessBadge completeness=snapshot.completeness/></dd>
                <dt>{t!(i18n, reviews.col.generated)}</dt><dd><Time at=snapshot.generated_at.clone()/></dd>
                <dt>{t!(i18n, reviews.col.status)}</dt><dd><SnapshotStatusBadge status=snapshot.status/></dd>
            </dl>
            {missing_text}
            <div class="table-wrap">
                <table class="table" data-testid="dimensions-table">
                    <thead><tr>
                        <th>{t!(i18n, reviews.evidence.dimension)}</th>
                        <th>{t!(i18n, reviews.evidence.state)}</th>
                        <th>{t!(i18n, reviews.evidence.measured)}</th>
                        <th>{t!(i18n, reviews.evidence.freshness)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

fn packs_view(
    ws: &str,
    packs: Vec<PackDto>,
    can_download: bool,
    download: ServerAction<super::api::PackDownloadLink>,
) -> impl IntoView {
    let i18n = use_i18n();
    let body = if packs.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="packs-empty">{t!(i18n, reviews.pack.empty)}</p> })
    } else {
        let rows = packs
            .into_iter()
            .map(|p| {
                let language = crate::locale::parse(&p.language).map_or(p.language.clone(), |l| native_name(l).into());
                let pii = p.pii.clone();
                let pii_label = move || {
                    if pii == "included" {
                        t_string!(i18n, reviews.pack.pii_included)
                    } else {
                        t_string!(i18n, reviews.pack.pii_pseudonymized)
                    }
                };
                let size = p.file_size.map(|b| move || file_size(i18n.get_locale(), b));
                let sha =
                    p.sha256.clone().map(|s| view! { <code title=s.clone() data-testid="pack-sha">{short(&s)}</code> });
                let dl = (can_download && p.status == super::PackStatus::Ready)
                    .then(|| view! { <DownloadPackForm workspace=ws.to_string() pack=p.id action=download/> });
                view! {
                    <tr data-testid="pack-row" data-id=p.id data-status=p.status.id() data-pii=p.pii.clone()>
                        <td><PackStatusBadge status=p.status/></td>
                        <td>{language}</td>
                        <td>{pii_label}</td>
                        <td>{size}</td>
                        <td>{sha}</td>
                        <td><Time at=p.created_at.clone()/></td>
                        <td><Time at=p.expires_at.clone()/></td>
                        <td>{dl}</td>
                    </tr>
                }
            })
            .collect_view();
        Either::Right(view! {
            <div class="table-wrap">
                <table class="table" data-testid="packs-table">
                    <thead><tr>
                        <th>{t!(i18n, reviews.col.status)}</th>
                        <th>{t!(i18n, reviews.pack.language)}</th>
                        <th>{t!(i18n, reviews.pack.pii)}</th>
                        <th>{t!(i18n, reviews.pack.size)}</th>
                        <th>"SHA-256"</th>
                        <th>{t!(i18n, reviews.col.created)}</th>
                        <th>{t!(i18n, reviews.pack.expires)}</th>
                        <th></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        })
    };
    view! {
        <section class="card" data-testid="packs">
            <h2>{t!(i18n, reviews.pack.title)}</h2>
            {body}
            {action_error(download, "download-error")}
            <PiiStatement/>
            <p class="hint"><a href=VERIFY_HREF data-testid="open-verify">{t!(i18n, reviews.verify.link)}</a></p>
        </section>
    }
}

// ---- the Customer Review Workspace ----

#[component]
pub fn CustomerWorkspacePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let tenant = Memo::new(move |_| set(query.read().get("tenant")));
    let page = Memo::new(move |_| set(query.read().get("page")));
    let acknowledge = ServerAction::<AcknowledgeReview>::new();
    let download = download_action();
    let data = Resource::new(
        move || (slug(), tenant.get(), page.get(), acknowledge.version().get()),
        |(s, t, p, _)| get_customer_workspace(s, t, p),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(w) => Either::Left(crw_view(slug(), tenant.get_untracked(), w, acknowledge, download)),
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

fn crw_view(
    ws: String,
    tenant: Option<String>,
    w: CustomerWorkspace,
    acknowledge: ServerAction<AcknowledgeReview>,
    download: ServerAction<super::api::PackDownloadLink>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (can_ack, can_download) = (w.can_acknowledge, w.can_download);
    let (page, total) = (w.page, w.total);
    let pages = total.div_ceil(u64::from(w.per_page.max(1))).max(1);
    let cards = if w.cards.is_empty() {
        Either::Left(view! { <p class="muted" data-testid="crw-empty">{t!(i18n, crw.empty)}</p> })
    } else {
        let cards =
            w.cards.into_iter().map(|c| crw_card(&ws, c, can_ack, can_download, acknowledge, download)).collect_view();
        Either::Right(view! { <div class="grid review-cards">{cards}</div> })
    };
    view! {
        <section class="card" data-testid="customer-workspace">
            <p><a href=ws_base(&ws)>{t!(i18n, reviews.back)}</a></p>
            <h1>{t!(i18n, crw.title)}</h1>
            <p class="muted">{t!(i18n, crw.intro)}</p>
            {tenant_filter(crw_href(&ws), w.environments, tenant, "crw-filters")}
            {action_error(acknowledge, "acknowledge-error")}
            {action_error(download, "download-error")}
            <Disclosure/>
            <PiiStatement/>
        </section>
        {cards}
        {(pages > 1).then(|| view! { <Pager page pages total/> })}
    }
}

fn crw_card(
    ws: &str,
    c: WorkspaceCard,
    can_ack: bool,
    can_download: bool,
    acknowledge: ServerAction<AcknowledgeReview>,
    download: ServerAction<super::api::PackDownloadLink>,
) -> impl IntoView {
    let i18n = use_i18n();
    let review_line = match c.review.clone() {
        Some(r) => Either::Left(view! {
            <p class="row" data-testid="crw-review">
                <ReviewStatusBadge status=r.status/>
                {r.completeness.map(|c| view! { <CompletenessBadge completeness=c/> })}
                {r.published_at.clone().map(|at| view! {
                    <span data-testid="crw-published-at">"· "<Time at/></span>
                })}
            </p>
        }),
        None => Either::Right(view! { <p class="muted" data-testid="crw-no-review">{t!(i18n, crw.no_review)}</p> }),
    };
    let [low, medium, high, critical] = c.open_by_severity;
    let key_findings = if c.key_findings.is_empty() {
        Either::Left(view! { <p class="muted">{t!(i18n, reviews.sections.no_open)}</p> })
    } else {
        Either::Right(view! {
            <ul class="key-findings" data-testid="key-findings">
                {c.key_findings.iter().map(|f| {
                    let severity = Severity::parse(&f.severity);
                    view! {
                        <li data-testid="key-finding">
                            {severity.map(|severity| view! { <SeverityBadge severity/>" " })}
                            {f.subject.clone()}
                            {f.overdue.then(|| view! { " "<span class="badge badge-warn">{t!(i18n, reviews.sections.overdue)}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        })
    };
    let risks = c.risks;
    let evidence = match (c.evidence_completeness, c.evidence_generated_at.clone()) {
        (Some(state), at) => Either::Left(view! {
            <CompletenessBadge completeness=state/>" "{at.map(|at| view! { <span>"· "{t!(i18n, crw.generated_on)}" "<Time at/></span> })}
        }),
        (None, _) => Either::Right(view! { <span class="muted">"—"</span> }),
    };
    let pack_state = c.pack_state.clone();
    let pack_download = c
        .pack
        .clone()
        .filter(|_| can_download && c.pack_state == "ready")
        .map(|p| view! { <DownloadPackForm workspace=ws.to_string() pack=p.id action=download/> });
    let review_id = c.review.as_ref().map(|r| r.id);
    let ack_form = review_id
        .filter(|_| can_ack && matches!(c.ack, AckState::Required | AckState::ReAckRequired))
        .map(|id| view! { <AcknowledgeForm workspace=ws.to_string() review=id action=acknowledge/> });
    let open = review_id.map(|id| {
        view! { <a class="btn" href=customer_review_href(ws, id) data-testid="crw-open-review">{t!(i18n, crw.open_review)}</a> }
    });
    view! {
        <article class="card" data-testid="crw-card" data-tenant=c.tenant_id data-ack=c.ack.id() data-pack=c.pack_state.clone()>
            <h2>{c.tenant_name.clone()}</h2>
            {review_line}
            <h3>{t!(i18n, crw.open_findings)}</h3>
            <dl class="facts" data-testid="crw-severity">
                <dt>{t!(i18n, findings.severity.critical)}</dt><dd data-severity="critical">{critical}</dd>
                <dt>{t!(i18n, findings.severity.high)}</dt><dd data-severity="high">{high}</dd>
                <dt>{t!(i18n, findings.severity.medium)}</dt><dd data-severity="medium">{medium}</dd>
                <dt>{t!(i18n, findings.severity.low)}</dt><dd data-severity="low">{low}</dd>
            </dl>
            <h3>{t!(i18n, crw.key_findings)}</h3>
            {key_findings}
            <h3>{t!(i18n, reviews.section.accepted_risks)}</h3>
            <p data-testid="crw-risks">{move || t_string!(i18n, crw.risks_line, total = risks.total, expiring = risks.expiring, expired = risks.expired).to_string()}</p>
            <dl class="facts">
                <dt>{t!(i18n, reviews.evidence.title)}</dt><dd data-testid="crw-evidence">{evidence}</dd>
                <dt>{t!(i18n, reviews.pack.title)}</dt>
                <dd data-testid="crw-pack-state">{move || crate::reviews::components::pack_state_label(i18n, &pack_state)}</dd>
                <dt>{t!(i18n, crw.ack.title)}</dt>
                <dd><AckStatus ack=c.ack acknowledged_at=c.acknowledged_at.clone()/></dd>
            </dl>
            <div class="row">
                {pack_download}
                {ack_form}
                {open}
            </div>
        </article>
    }
}

/// `/admin/reviews/workspace`: the signed-in user's workspaces, each linking to its Customer Review
/// Workspace; with exactly one, straight there.
#[component]
pub fn CustomerWorkspaceEntryPage() -> impl IntoView {
    let i18n = use_i18n();
    let mine = Resource::new(|| (), |_| list_my_workspaces());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match mine.await {
                    Ok(m) if m.workspaces.is_empty() => view! { <Redirect path="/admin/no-access"/> }.into_any(),
                    Ok(m) if m.workspaces.len() == 1 => {
                        let slug = m.workspaces[0].slug.clone();
                        view! { <Redirect path=crw_href(&slug)/> }.into_any()
                    }
                    Ok(m) => view! {
                        <section class="card" data-testid="crw-entry">
                            <h1>{t!(i18n, crw.title)}</h1>
                            <p class="muted">{t!(i18n, crw.choose)}</p>
                            <ul class="list" data-testid="crw-workspaces">
                                {m.workspaces.into_iter().map(|w| view! {
                                    <li><a href=crw_href(&w.slug) data-testid="crw-workspace-link">{w.name}</a>" "<span class="badge"><RoleName role=w.role/></span></li>
                                }).collect_view()}
                            </ul>
                            <Disclosure/>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorPage status=error_page_for(&e)/> }.into_any(),
                }
            })}
        </Transition>
    }
}

// ---- pack verification ----

#[component]
pub fn PackVerifyPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<AuthState>();
    let query = use_query_map();
    let signed = Memo::new(move |_| {
        let q = query.read();
        set(q.get("r")).zip(set(q.get("m")))
    });
    let result = Resource::new(
        move || signed.get(),
        |signed| async move {
            match signed {
                Some((r, m)) => Some(verify_result(r, m).await),
                None => None,
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(_)) => {}
                    Ok(None) => return Either::Right(view! { <ErrorPage status=401/> }),
                    Err(e) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
                let outcome = match result.await {
                    None => None,
                    Some(Ok(v)) => Some(Either::Left(verify_view(i18n, v))),
                    Some(Err(e)) => Some(Either::Right(error_alert(e, "verify-error"))),
                };
                Either::Left(view! {
                    <section class="card" data-testid="pack-verify">
                        <h1>{t!(i18n, reviews.verify.title)}</h1>
                        <p class="muted">{t!(i18n, reviews.verify.intro)}</p>
                        <form method="post" enctype="multipart/form-data" action=VERIFY_HREF data-testid="verify-form">
                            <div class="field"><label for="verify-pack">{t!(i18n, reviews.verify.file)}</label>
                                <input id="verify-pack" type="file" name="pack" accept=".zip,application/zip" required/></div>
                            <button type="submit" class="btn btn-primary" data-testid="verify-submit">{t!(i18n, reviews.verify.submit)}</button>
                        </form>
                        <p class="hint">{t!(i18n, reviews.verify.cli)}" "<code>"tenantpilot pack verify <zip>"</code></p>
                    </section>
                    {outcome}
                })
            })}
        </Transition>
    }
}

fn verify_view(i18n: I18n, v: VerifyView) -> impl IntoView {
    let ok = v.ok;
    let trusted = v.trusted;
    let problems = if v.problems.is_empty() {
        None
    } else {
        Some(view! {
            <h3>{t!(i18n, reviews.verify.problems)}</h3>
            <ul data-testid="verify-problems">
                {v.problems.into_iter().map(|p| {
                    let code = p.split(':').next().unwrap_or_default().to_string();
                    let (_, path) = verify_problem_text(i18n, &p);
                    let text = move || verify_problem_text(i18n, &p).0;
                    view! {
                        <li data-testid="verify-problem" data-code=code>
                            {text}
                            {(!path.is_empty()).then(|| view! { ": "<code>{path}</code> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        })
    };
    view! {
        <section class="card" data-testid="verify-result" data-ok=ok.to_string() data-trusted=trusted.to_string()>
            <h2 class=if ok { "verify-ok" } else { "verify-failed" }>
                {move || if ok { t_string!(i18n, reviews.verify.ok) } else { t_string!(i18n, reviews.verify.failed) }}
            </h2>
            <dl class="facts">
                <dt>{t!(i18n, reviews.verify.file_name)}</dt><dd data-testid="verify-file">{v.file_name.clone()}</dd>
                <dt>{t!(i18n, reviews.verify.files_checked)}</dt><dd data-testid="verify-files">{v.files_checked}</dd>
                <dt>{t!(i18n, reviews.verify.pack_id)}</dt><dd>{v.pack_id.map_or_else(|| "—".to_string(), |id| format!("#{id}"))}</dd>
                <dt>{t!(i18n, reviews.verify.key_id)}</dt><dd><code>{v.key_id.clone().unwrap_or_else(|| "—".into())}</code></dd>
                <dt>{t!(i18n, reviews.verify.trusted)}</dt>
                <dd data-testid="verify-trusted">
                    {move || if trusted { t_string!(i18n, reviews.verify.trusted_yes) } else { t_string!(i18n, reviews.verify.trusted_no) }}
                </dd>
                <dt>{t!(i18n, reviews.verify.checked_at)}</dt><dd><Time at=v.checked_at.clone()/></dd>
            </dl>
            {problems}
        </section>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/reviews`
    ReviewsRoute,
    ReviewsPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/reviews/{id}`
    ReviewDetailRoute,
    ReviewDetailPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/reviews/workspace`
    CustomerWorkspaceRoute,
    CustomerWorkspacePage
);
crate::lazy_page!(
    /// `/admin/reviews/workspace`
    CustomerWorkspaceEntryRoute,
    CustomerWorkspaceEntryPage
);
crate::lazy_page!(
    /// `/admin/review-packs/verify`
    PackVerifyRoute,
    PackVerifyPage
);
