//! The navigation layout: top bar (brand, main navigation, language and theme switches, account menu),
//! the activity bar, the main region and the footer. Responsive down to 375 px.

use leptos::{either::Either, prelude::*};
use leptos_router::components::A;

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

/// Links for signed-in users (the platform plane's only for platform operators).
#[component]
fn MainNav() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<AuthState>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = auth.user.await.ok().flatten();
                let platform = user.as_ref().is_some_and(|u| u.is_platform_admin);
                user.map(|_| view! {
                    <nav class="mainnav" aria-label=move || t_string!(i18n, nav.label)>
                        <A href="/" exact=true>{t!(i18n, nav.overview)}</A>
                        <A href="/admin">{t!(i18n, nav.workspaces)}</A>
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
