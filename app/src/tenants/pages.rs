//! Managed tenants list (with the create form) and detail (rename, archive, restore, the provider connection
//! panel and the inventory panel). Actions the member may not take stay visible but disabled, with the reason.

use leptos::{either::Either, prelude::*};
use leptos_router::{
    components::Form,
    hooks::{use_params_map, use_query_map},
};

use super::api::{get_tenant, list_tenants, CreateTenant, RenameTenant, SetTenantArchived};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText, Pager, RoleName, RunNotice, SubmitButton},
    connections::{
        api::{get_connection, SaveConnection, VerifyConnection},
        components::ConnectionPanel,
    },
    error::AppError,
    i18n::*,
    inventory::{
        api::{inventory_overview, StartInventorySync},
        components::InventoryPanel,
    },
    operations::RunType,
    tenants::{StatusFilter, MAX_SEARCH_CHARS},
    workspaces::api::get_workspace_overview,
};

/// "Your role does not allow this" under a disabled action.
#[component]
fn DisabledReason(role: String) -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="hint" data-testid="disabled-reason">{t!(i18n, tenants.manage_disabled)}" ("<RoleName role/>")"</p> }
}

/// The localized name of a lifecycle state (`"active"` → "Active" / "Aktiv").
#[component]
fn LifecycleName(#[prop(into)] lifecycle: String) -> impl IntoView {
    let i18n = use_i18n();
    move || match lifecycle.as_str() {
        "draft" => t_string!(i18n, tenants.lifecycles.draft).to_string(),
        "onboarding" => t_string!(i18n, tenants.lifecycles.onboarding).to_string(),
        "active" => t_string!(i18n, tenants.lifecycles.active).to_string(),
        "archived" => t_string!(i18n, tenants.lifecycles.archived).to_string(),
        other => other.to_string(),
    }
}

/// The list's filters as a GET form (search text, status): the URL carries them, so a filtered list
/// can be bookmarked and works without JavaScript. Changing a filter starts again at page 1.
#[component]
fn TenantFilters(search: String, status: StatusFilter) -> impl IntoView {
    let i18n = use_i18n();
    let status_name = move |s: StatusFilter| match s {
        StatusFilter::Current => t_string!(i18n, tenants.statuses.current),
        StatusFilter::Archived => t_string!(i18n, tenants.statuses.archived),
        StatusFilter::All => t_string!(i18n, tenants.statuses.all),
    };
    view! {
        <Form method="GET" action="">
            <div class="row filters" data-testid="tenant-filters">
                <div class="field">
                    <label for="tenant-search">{t!(i18n, tenants.search)}</label>
                    <input id="tenant-search" name="q" type="search" value=search maxlength=MAX_SEARCH_CHARS
                        placeholder=move || t_string!(i18n, tenants.search_placeholder)/>
                </div>
                <div class="field">
                    <label for="tenant-status">{t!(i18n, tenants.show)}</label>
                    <select id="tenant-status" name="status">
                        {StatusFilter::ALL.into_iter().map(|s| view! {
                            <option value=s.id() selected=s == status>{move || status_name(s)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="btn">{t!(i18n, tenants.apply)}</button>
            </div>
        </Form>
    }
}

#[component]
pub fn TenantsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let filters = move || {
        let q = query.read();
        (q.get("q"), q.get("status"), q.get("page").and_then(|p| p.trim().parse::<i64>().ok()))
    };
    let create = ServerAction::<CreateTenant>::new();
    let tenants = Resource::new(
        move || (slug(), filters(), create.version().get()),
        |(s, (q, status, page), _)| list_tenants(s, q, status, page),
    );
    let overview = Resource::new(slug, get_workspace_overview);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (o, list) = match (overview.await, tenants.await) {
                    (Ok(o), Ok(list)) => (o, list),
                    (Err(e), _) | (_, Err(e)) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let can_manage = o.can("tenants.manage");
                let ws = o.slug.clone();
                let (search, status) = {
                    let (q, status, _) = filters();
                    (q.unwrap_or_default(), status.as_deref().and_then(StatusFilter::parse).unwrap_or_default())
                };
                let (page, pages, total) = (list.page, list.pages(), list.total);
                let empty = list.items.is_empty();
                Either::Left(view! {
                    <section class="card">
                        <h1>{t!(i18n, tenants.title)}</h1>
                        <TenantFilters search status/>
                        <div class="table-wrap">
                            <table class="table" data-testid="tenants-table">
                                <thead><tr>
                                    <th>{t!(i18n, tenants.name)}</th>
                                    <th>{t!(i18n, tenants.domain)}</th>
                                    <th>{t!(i18n, tenants.lifecycle)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.items.into_iter().map(|t| view! {
                                        <tr>
                                            <td><a href=format!("/admin/workspaces/{}/environments/{}", ws, t.id)>{t.display_name}</a></td>
                                            <td>{t.primary_domain}</td>
                                            <td><span class="badge" data-lifecycle=t.lifecycle.clone()><LifecycleName lifecycle=t.lifecycle.clone()/></span></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        {empty.then(|| view! { <p class="muted" data-testid="tenants-none">{t!(i18n, tenants.none_found)}</p> })}
                        <Pager page pages total/>
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, tenants.create_title)}</h2>
                        <ActionForm action=create>
                            <input type="hidden" name="workspace" value=o.slug.clone()/>
                            <fieldset disabled=!can_manage>
                                <div class="field"><label for="display_name">{t!(i18n, tenants.name)}</label>
                                    <input id="display_name" name="display_name" required maxlength="120"/></div>
                                <div class="field"><label for="primary_domain">{t!(i18n, tenants.domain)}</label>
                                    <input id="primary_domain" name="primary_domain" required maxlength="253"/></div>
                                <div class="field"><label for="entra_tenant_id">{t!(i18n, tenants.guid)}</label>
                                    <input id="entra_tenant_id" name="entra_tenant_id" required maxlength="40"/></div>
                                {move || create.value().get().and_then(Result::err).map(|e| view! {
                                    <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
                                })}
                                <SubmitButton pending=create.pending()>{t!(i18n, tenants.create)}</SubmitButton>
                            </fieldset>
                            {(!can_manage).then(|| view! { <DisabledReason role=o.role.clone()/> })}
                        </ActionForm>
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
pub fn TenantDetailPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let id = move || params.read().get("tenant").and_then(|t| t.parse::<i64>().ok()).unwrap_or(-1);
    let query = use_query_map();
    let rename = ServerAction::<RenameTenant>::new();
    let archive = ServerAction::<SetTenantArchived>::new();
    let save = ServerAction::<SaveConnection>::new();
    let verify = ServerAction::<VerifyConnection>::new();
    let sync = ServerAction::<StartInventorySync>::new();
    let tenant = Resource::new(
        move || (slug(), id(), rename.version().get(), archive.version().get(), save.version().get()),
        |(s, t, _, _, _)| get_tenant(s, t),
    );
    let overview = Resource::new(slug, get_workspace_overview);
    let provider = Resource::new(
        move || (slug(), id(), save.version().get(), verify.version().get(), sync.version().get()),
        |(s, t, _, _, _)| async move {
            let connection = get_connection(s.clone(), t).await;
            let inventory = inventory_overview(s, t).await;
            (connection, inventory)
        },
    );
    // The run a plain form post (JavaScript off) just queued, carried by the redirect's query.
    let notice = Memo::new(move |_| RunNotice::from_query(&query.read()));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (o, t) = match (overview.await, tenant.await) {
                    (Ok(o), Ok(t)) => (o, t),
                    (Err(e), _) | (_, Err(e)) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let can_manage = o.can("tenants.manage");
                let archived = t.lifecycle == "archived";
                let (ws, role) = (o.slug.clone(), o.role.clone());
                let (ws_rename, ws_archive) = (ws.clone(), ws.clone());
                Either::Left(view! {
                    <section class="card">
                        <p><a href=format!("/admin/workspaces/{ws}/environments")>{t!(i18n, tenants.back)}</a></p>
                        <h1 data-testid="tenant-name">{t.display_name.clone()}</h1>
                        <dl class="facts">
                            <dt>{t!(i18n, tenants.domain)}</dt><dd>{t.primary_domain.clone()}</dd>
                            <dt>{t!(i18n, tenants.guid)}</dt><dd><code>{t.entra_tenant_id.clone()}</code></dd>
                            <dt>{t!(i18n, tenants.lifecycle)}</dt><dd><span class="badge" data-testid="tenant-lifecycle" data-lifecycle=t.lifecycle.clone()><LifecycleName lifecycle=t.lifecycle.clone()/></span></dd>
                        </dl>
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, tenants.rename)}</h2>
                        <ActionForm action=rename>
                            <input type="hidden" name="workspace" value=ws_rename/>
                            <input type="hidden" name="tenant" value=t.id/>
                            <fieldset disabled=!can_manage class="row">
                                <input name="display_name" value=t.display_name.clone() required maxlength="120" aria-label=move || t_string!(i18n, tenants.name)/>
                                <SubmitButton pending=rename.pending()>{t!(i18n, tenants.save)}</SubmitButton>
                            </fieldset>
                            {move || rename.value().get().and_then(Result::err).map(|e| view! {
                                <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
                            })}
                        </ActionForm>
                        <ActionForm action=archive>
                            <input type="hidden" name="workspace" value=ws_archive/>
                            <input type="hidden" name="tenant" value=t.id/>
                            <input type="hidden" name="archived" value=(!archived).to_string()/>
                            <fieldset disabled=!can_manage>
                                <SubmitButton pending=archive.pending() class="btn">
                                    {move || if archived { t_string!(i18n, tenants.restore) } else { t_string!(i18n, tenants.archive) }}
                                </SubmitButton>
                            </fieldset>
                        </ActionForm>
                        {(!can_manage).then(|| view! { <DisabledReason role=role.clone()/> })}
                    </section>
                    <Transition fallback=|| ()>
                        {move || {
                            let (ws, role) = (ws.clone(), role.clone());
                            let (can_providers, can_sync) = (o.can("providers.manage"), o.can("inventory.sync"));
                            Suspend::new(async move {
                                let (connection, inventory) = provider.await;
                                let notice = notice.get();
                                let of = |ty: RunType| notice.filter(|n| n.run_type == Some(ty));
                                let connected = matches!(connection, Ok(Some(_)));
                                let connection_view = match connection {
                                    // Members without `providers.view` (customer viewers) see no panel.
                                    Err(AppError::Forbidden) => None,
                                    Err(e) => Some(Either::Left(view! {
                                        <section class="card"><div class="alert alert-error" role="alert"><ErrorText error=e/></div></section>
                                    })),
                                    Ok(c) => Some(Either::Right(view! {
                                        <ConnectionPanel workspace=ws.clone() tenant=t.id connection=c can_manage=can_providers
                                            role=role.clone() save verify notice=of(RunType::ProviderConnectionVerify)/>
                                    })),
                                };
                                let inventory_view = match inventory {
                                    Err(AppError::Forbidden) => None,
                                    Err(e) => Some(Either::Left(view! {
                                        <section class="card"><div class="alert alert-error" role="alert"><ErrorText error=e/></div></section>
                                    })),
                                    Ok(overview) => Some(Either::Right(view! {
                                        <InventoryPanel workspace=ws.clone() tenant=t.id overview connected can_sync
                                            role=role.clone() sync notice=of(RunType::InventorySync)/>
                                    })),
                                };
                                view! { {connection_view} {inventory_view} }
                            })
                        }}
                    </Transition>
                })
            })}
        </Transition>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/environments`
    TenantsRoute,
    TenantsPage
);
crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/environments/{tenant}`
    TenantDetailRoute,
    TenantDetailPage
);
