//! `/admin` (workspace chooser with auto-selection), `/admin/no-access`, the workspace dashboard and the
//! workspace settings page (the form stays visible but disabled, with the reason, without
//! `settings.manage`).

use leptos::{
    either::{Either, EitherOf4},
    prelude::*,
};
use leptos_router::{components::Redirect, hooks::use_params_map};

use super::{
    api::{get_workspace_overview, get_workspace_settings, list_my_workspaces, UpdateWorkspaceSettings},
    timezone::TIMEZONES,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText, RoleName, SubmitButton},
    i18n::*,
    locale::{tag, SUPPORTED},
    preferences::components::{apply_locale, native_name},
    reviews::components::EntitlementsPanel,
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
                            <article class="card stat">
                                <h2>{t!(i18n, settings.title)}</h2>
                                <p class="muted">{t!(i18n, settings.dashboard_body)}</p>
                                <a class="btn" data-testid="open-settings" href=format!("/admin/workspaces/{}/settings", o.slug)>{t!(i18n, settings.open)}</a>
                            </article>
                            {o.can("members.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, members.title)}</h2>
                                    <p class="muted">{t!(i18n, members.dashboard_body)}</p>
                                    <a class="btn" data-testid="open-members" href=format!("/admin/workspaces/{}/members", o.slug)>{t!(i18n, members.open)}</a>
                                </article>
                            })}
                            {o.can("operations.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, operations.title)}</h2>
                                    <p class="muted">{t!(i18n, operations.dashboard_body)}</p>
                                    <a class="btn" data-testid="open-operations" href=format!("/admin/workspaces/{}/operations", o.slug)>{t!(i18n, operations.open)}</a>
                                </article>
                            })}
                            {o.can("findings.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, findings.title)}</h2>
                                    <p class="muted">{t!(i18n, findings.dashboard_body)}</p>
                                    <a class="btn" data-testid="open-findings" href=format!("/admin/workspaces/{}/findings", o.slug)>{t!(i18n, findings.open)}</a>
                                    " "<a class="btn" data-testid="open-my-work" href=format!("/admin/workspaces/{}/my-work", o.slug)>{t!(i18n, findings.my_work_title)}</a>
                                    " "<a class="btn" data-testid="open-intake" href=format!("/admin/workspaces/{}/intake", o.slug)>{t!(i18n, findings.intake_title)}</a>
                                    " "<a class="btn" data-testid="open-posture" href=format!("/admin/workspaces/{}/posture", o.slug)>{t!(i18n, findings.posture.title)}</a>
                                </article>
                            })}
                            {o.can("baselines.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, baselines.title)}</h2>
                                    <p class="muted">{t!(i18n, baselines.dashboard_body)}</p>
                                    <a class="btn" data-testid="open-baselines" href=format!("/admin/workspaces/{}/baselines", o.slug)>{t!(i18n, baselines.open)}</a>
                                </article>
                            })}
                            {o.can("reviews.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, reviews.title)}</h2>
                                    <p class="muted">{t!(i18n, reviews.dashboard_body)}</p>
                                    <a class="btn" data-testid="open-reviews" href=format!("/admin/workspaces/{}/reviews", o.slug)>{t!(i18n, reviews.open)}</a>
                                </article>
                            })}
                            {o.can("customer_reviews.view").then(|| view! {
                                <article class="card stat">
                                    <h2>{t!(i18n, crw.title)}</h2>
                                    <p class="muted">{t!(i18n, crw.dashboard_body)}</p>
                                    <a class="btn btn-primary" data-testid="open-customer-reviews" href=format!("/admin/workspaces/{}/reviews/workspace", o.slug)>{t!(i18n, crw.open)}</a>
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

/// `/admin/workspaces/{workspace}/settings`: name, default language, time zone.
#[component]
pub fn WorkspaceSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let save = ServerAction::<UpdateWorkspaceSettings>::new();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            apply_locale(&saved.locale);
        }
    });
    let data = Resource::new(move || (slug(), save.version().get()), |(s, _)| get_workspace_settings(s));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let s = match data.await {
                    Ok(s) => s,
                    Err(e) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let can_manage = s.can_manage;
                let reason = move || (!can_manage).then(|| t_string!(i18n, settings.manage_disabled));
                let current_locale = s.default_locale.clone().unwrap_or_default();
                let current_tz = s.timezone.clone();
                let entitlements = can_manage.then(|| view! { <EntitlementsPanel workspace=s.slug.clone()/> });
                Either::Left(view! {
                    <section class="card">
                        <p><a href=format!("/admin/workspaces/{}", s.slug)>{t!(i18n, members.back)}</a></p>
                        <h1>{t!(i18n, settings.title)}</h1>
                        <p class="muted">{t!(i18n, settings.intro)}</p>
                        {move || save.value().get().and_then(Result::ok).map(|_| view! {
                            <div class="alert alert-success" role="status" data-testid="settings-saved">{t!(i18n, settings.saved)}</div>
                        })}
                        <ActionForm action=save>
                            <input type="hidden" name="workspace" value=s.slug.clone()/>
                            <fieldset disabled=!can_manage title=reason data-testid="settings-fieldset">
                                <div class="field"><label for="settings-name">{t!(i18n, fields.name)}</label>
                                    <input id="settings-name" name="name" required maxlength="120" value=s.name.clone()/></div>
                                <div class="field"><label for="settings-locale">{t!(i18n, fields.default_locale)}</label>
                                    <select id="settings-locale" name="default_locale">
                                        <option value="" selected=current_locale.is_empty()>{t!(i18n, settings.locale_none)}</option>
                                        {SUPPORTED.into_iter().map(|l| view! {
                                            <option value=tag(l) selected=tag(l) == current_locale>{native_name(l)}</option>
                                        }).collect_view()}
                                    </select>
                                    <p class="hint">{t!(i18n, settings.locale_hint)}</p></div>
                                <div class="field"><label for="settings-timezone">{t!(i18n, fields.timezone)}</label>
                                    <select id="settings-timezone" name="timezone">
                                        {TIMEZONES.iter().map(|z| view! {
                                            <option value=*z selected=*z == current_tz>{*z}</option>
                                        }).collect_view()}
                                    </select></div>
                                {move || save.value().get().and_then(Result::err).map(|e| view! {
                                    <div class="alert alert-error" role="alert" data-testid="settings-error"><ErrorText error=e/></div>
                                })}
                                <SubmitButton pending=save.pending()>{t!(i18n, settings.save)}</SubmitButton>
                            </fieldset>
                            {(!can_manage).then(|| view! {
                                <p class="hint" data-testid="settings-disabled-reason">
                                    {t!(i18n, settings.manage_disabled)}" ("<RoleName role=s.role.clone()/>")"
                                </p>
                            })}
                        </ActionForm>
                    </section>
                    // The plan and its entitlements, read-only (only for `settings.manage`).
                    {entitlements}
                })
            })}
        </Transition>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/settings`
    WorkspaceSettingsRoute,
    WorkspaceSettingsPage
);
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
