//! `/system` (the workspace directory) and `/system/workspaces/{workspace}` (a workspace's tenants and,
//! with `platform.commercial.manage`, its plan and entitlement overrides), for platform operators. Everyone else sees the 404 page (the server answers 404 for them).

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::use_params_map;

use super::api::{get_directory_workspace, list_directory};
use crate::{
    components::{errors::error_page_for, ErrorPage},
    i18n::*,
    reviews::components::EntitlementsAdmin,
};

#[component]
pub fn SystemDirectoryPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| list_directory());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(all) => Either::Left(view! {
                        <section class="card">
                            <h1>{t!(i18n, system.title)}</h1>
                            <p class="muted">{t!(i18n, system.intro)}</p>
                            <div class="table-wrap">
                                <table class="table" data-testid="directory-table">
                                    <thead><tr>
                                        <th>{t!(i18n, fields.name)}</th>
                                        <th>{t!(i18n, system.slug)}</th>
                                        <th>{t!(i18n, system.status)}</th>
                                        <th>{t!(i18n, system.members)}</th>
                                        <th>{t!(i18n, system.tenants)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {all.into_iter().map(|w| view! {
                                            <tr data-testid="directory-row" data-slug=w.slug.clone()>
                                                <td><a href=format!("/system/workspaces/{}", w.slug)>{w.name}</a></td>
                                                <td><code>{w.slug.clone()}</code></td>
                                                <td><span class="badge">{w.status}</span></td>
                                                <td data-testid="directory-members">{w.members}</td>
                                                <td data-testid="directory-tenants">{w.tenants}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                    }),
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn SystemWorkspacePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let data = Resource::new(slug, get_directory_workspace);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => Either::Left(view! {
                        <section class="card">
                            <p><a href="/system">{t!(i18n, system.back)}</a></p>
                            <h1 data-testid="directory-workspace">{d.workspace.name.clone()}</h1>
                            <p class="muted"><code>{d.workspace.slug.clone()}</code>" · "{d.workspace.status.clone()}</p>
                            <div class="table-wrap">
                                <table class="table" data-testid="directory-tenants-table">
                                    <thead><tr>
                                        <th>{t!(i18n, fields.name)}</th>
                                        <th>{t!(i18n, fields.primary_domain)}</th>
                                        <th>{t!(i18n, system.lifecycle)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {d.tenants.into_iter().map(|t| view! {
                                            <tr data-testid="directory-tenant-row">
                                                <td>{t.display_name}</td>
                                                <td>{t.primary_domain}</td>
                                                <td><span class="badge">{t.lifecycle}</span></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                        // Plan and entitlement overrides (platform.commercial.manage; nothing without it).
                        <EntitlementsAdmin slug=d.workspace.slug.clone()/>
                    }),
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

crate::lazy_page!(
    /// `/system`
    SystemDirectoryRoute,
    SystemDirectoryPage
);
crate::lazy_page!(
    /// `/system/workspaces/{workspace}`
    SystemWorkspaceRoute,
    SystemWorkspacePage
);
