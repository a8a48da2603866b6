//! The navigation layout: top bar (brand, main navigation, language and theme switches, account menu),
//! the activity bar, the main region and the footer. Responsive down to 375 px.

use leptos::{either::Either, prelude::*};
use leptos_router::{components::A, hooks::use_location};

use super::AuthState;
use crate::{
    auth::api::Logout,
    components::{activity::ActivityBar, SubmitButton},
    i18n::*,
    notifications::components::NotificationBell,
    operations::components::ActiveRunsWidget,
    preferences::components::{apply_locale, LanguageSwitch, ThemeToggle},
};

#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <a class="skip-link" href="#main">{t!(i18n, nav.skip)}</a>
        <ActivityBar/>
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true"></span>
                "TenantPilot"
            </a>
            <MainNav/>
            <div class="topbar-tools">
                <LanguageSwitch/>
                <ThemeToggle/>
                <NotificationBell/>
                <AccountMenu/>
            </div>
        </header>
        <main id="main" class="content">{children()}</main>
        <ActiveRunsWidget/>
        <footer class="footer">
            <span>{t!(i18n, app.footer)}</span>
        </footer>
    }
}

/// The workspace slug of an `/admin/workspaces/{slug}/…` path.
fn workspace_in_path(path: &str) -> Option<String> {
    let slug = path.strip_prefix("/admin/workspaces/")?.split('/').next()?;
    (!slug.is_empty()).then(|| slug.to_string())
}

/// Links for signed-in users (the platform plane's only for platform operators). Inside a workspace,
/// "Reviews" (`reviews.view`) and "Customer reviews" (`customer_reviews.view`) lead to that workspace's
/// pages; elsewhere "Customer reviews" leads to the workspace choice for the Customer Review Workspace.
#[component]
fn MainNav() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<AuthState>();
    let path = use_location().pathname;
    let slug = Memo::new(move |_| workspace_in_path(&path.get()));
    // (workspace, reviews.view, customer_reviews.view) of the workspace in the path, if the user is a member.
    let reviews = Resource::new(
        move || (slug.get(), auth.epoch.get()),
        |(slug, _)| async move {
            let slug = slug?;
            let o = crate::workspaces::api::get_workspace_overview(slug.clone()).await.ok()?;
            Some((slug, o.can("reviews.view"), o.can("customer_reviews.view")))
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = auth.user.await.ok().flatten();
                let platform = user.as_ref().is_some_and(|u| u.is_platform_admin);
                let links = match reviews.await {
                    Some((ws, can_reviews, can_customer)) => Either::Left(view! {
                        {can_reviews.then(|| view! {
                            <A href=format!("/admin/workspaces/{ws}/reviews") attr:data-testid="nav-reviews">{t!(i18n, nav.reviews)}</A>
                        })}
                        {can_customer.then(|| view! {
                            <A href=format!("/admin/workspaces/{ws}/reviews/workspace") attr:data-testid="nav-customer-reviews">{t!(i18n, nav.customer_reviews)}</A>
                        })}
                    }),
                    None => Either::Right(view! {
                        <A href="/admin/reviews/workspace" attr:data-testid="nav-customer-reviews">{t!(i18n, nav.customer_reviews)}</A>
                    }),
                };
                user.map(|_| view! {
                    <nav class="mainnav" aria-label=move || t_string!(i18n, nav.label)>
                        <A href="/" exact=true>{t!(i18n, nav.overview)}</A>
                        <A href="/admin">{t!(i18n, nav.workspaces)}</A>
                        {links}
                        {platform.then(|| view! { <A href="/system">{t!(i18n, nav.system)}</A> })}
                        <A href="/account">{t!(i18n, nav.account)}</A>
                    </nav>
                })
            })}
        </Transition>
    }
}

/// The signed-in user and the sign-out button, or the sign-in link.
#[component]
fn AccountMenu() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<AuthState>();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(inputs)) = logout.value().get() {
            apply_locale(&inputs);
            auth.changed();
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => Either::Left(view! {
                        <div class="account-menu">
                            <span class="account-email" data-testid="signed-in-as">{user.email}</span>
                            <ActionForm action=logout>
                                <SubmitButton pending=logout.pending() class="btn btn-ghost">
                                    {t!(i18n, auth.logout)}
                                </SubmitButton>
                            </ActionForm>
                        </div>
                    }),
                    _ => Either::Right(view! { <a class="btn btn-ghost" href="/login">{t!(i18n, auth.login.submit)}</a> }),
                }
            })}
        </Transition>
    }
}
