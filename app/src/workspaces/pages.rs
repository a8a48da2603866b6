//! `/admin` (workspace chooser with auto-selection), `/admin/no-access`, and the workspace dashboard.

use leptos::{
    either::{Either, EitherOf4},
    prelude::*,
};
use leptos_router::{components::Redirect, hooks::use_params_map};

use super::api::{get_workspace_overview, list_my_workspaces};
use crate::{
    components::{errors::error_page_for, ErrorPage, RoleName},
    i18n::*,
};

/// The chooser: remembered or single workspace → straight there; none → no-access page; else a list.
#[component]
pub fn ChooserPage() -> impl IntoView {
    let i18n = use_i18n();
    let mine = Resource::new(|| (), |_| list_my_workspaces());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match mine.await {
                    Ok(m) if m.workspaces.is_empty() => EitherOf4::A(view! { <Redirect path="/admin/no-access"/> }),
                    Ok(m) if m.auto_select().is_some() => {
                        let slug = m.auto_select().unwrap_or_default().to_string();
                        EitherOf4::B(view! { <Redirect path=format!("/admin/workspaces/{slug}")/> })
                    }
                    Ok(m) => EitherOf4::C(view! {
                        <section class="card">
                            <h1>{t!(i18n, workspaces.choose_title)}</h1>
                            <ul class="list" data-testid="workspace-list">
                                {m.workspaces.into_iter().map(|w| view! {
                                    <li><a href=format!("/admin/workspaces/{}", w.slug)>{w.name}</a>" "<span class="badge"><RoleName role=w.role/></span></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }),
                    Err(e) => EitherOf4::D(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

/// Signed in but no workspace membership: a neutral page (not a 404).
#[component]
pub fn NoAccessPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-testid="no-access">
            <h1>{t!(i18n, workspaces.no_access_title)}</h1>
            <p>{t!(i18n, workspaces.no_access_body)}</p>
        </section>
    }
}

#[component]
pub fn WorkspaceDashboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let overview = Resource::new(slug, get_workspace_overview);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => Either::Left(view! {
                        <section class="hero">
                            <h1 data-testid="workspace-name">{o.name.clone()}</h1>
                            <p class="muted">{t!(i18n, workspaces.your_role)}" "<span class="badge" data-testid="workspace-role"><RoleName role=o.role.clone()/></span></p>
                        </section>
                        <section class="grid">
                            <article class="card stat">
                                <h2>{t!(i18n, tenants.title)}</h2>
                                <p class="stat-value" data-testid="tenants-total">{o.tenants_total}</p>
                                <p class="muted">{t!(i18n, tenants.active_count)}": "{o.tenants_active}" · "{t!(i18n, tenants.archived_count)}": "{o.tenants_archived}</p>
                                <a class="btn" href=format!("/admin/workspaces/{}/environments", o.slug)>{t!(i18n, tenants.open_list)}</a>
                            </article>
                            {o.can("members.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, members.title)}</h2>
                                    <p class="muted">{t!(i18n, members.dashboard_body)}</p>
                                    <a class="btn" data-testid="open-members" href=format!("/admin/workspaces/{}/members", o.slug)>{t!(i18n, members.open)}</a>
                                </article>
                            })}
                            {o.can("audit.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, audit.title)}</h2>
                                    <p class="muted">{t!(i18n, audit.dashboard_body)}</p>
                                    <a class="btn" data-testid="open-audit" href=format!("/admin/workspaces/{}/audit", o.slug)>{t!(i18n, audit.open)}</a>
                                </article>
                            })}
                        </section>
                    }),
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}`
    WorkspaceDashboardRoute,
    WorkspaceDashboardPage
);
crate::lazy_page!(
    /// `/admin`
    ChooserRoute,
    ChooserPage
);
crate::lazy_page!(
    /// `/admin/no-access`
    NoAccessRoute,
    NoAccessPage
);
