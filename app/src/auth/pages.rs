//! The sign-in page and the account page (identity, language, password change, API tokens).

use leptos::{
    either::{Either, EitherOf3},
    prelude::*,
};
use leptos_router::{components::Redirect, hooks::use_query_map};

use super::api::{ChangePassword, Login};
use crate::{
    api_tokens::components::ApiTokensSection,
    components::{errors::error_page_for, ErrorPage, ErrorText, SubmitButton},
    i18n::*,
    members::MIN_PASSWORD_CHARS,
    preferences::components::{apply_locale, LocalePreferenceForm},
    shell::AuthState,
};

/// Sign-in form: a plain `<form>` posting `email` and `password` to the login server function.
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<AuthState>();
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    Effect::new(move |_| {
        if let Some(Ok(inputs)) = login.value().get() {
            apply_locale(&inputs);
            auth.changed();
        }
    });
    let error = move || login.value().get().and_then(Result::err);

    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                if let Ok(Some(_)) = auth.user.await {
                    return Either::Left(view! { <Redirect path="/"/> });
                }
                Either::Right(view! {
                    <section class="card auth-card">
                        <h1>{t!(i18n, auth.login.title)}</h1>
                        <p class="muted">{t!(i18n, auth.login.intro)}</p>
                        <ActionForm action=login>
                            <input type="hidden" name="next" value=next/>
                            <div class="field">
                                <label for="email">{t!(i18n, fields.email)}</label>
                                <input id="email" name="email" type="email" autocomplete="username" required maxlength="1024"/>
                            </div>
                            <div class="field">
                                <label for="password">{t!(i18n, fields.password)}</label>
                                <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"/>
                            </div>
                            {move || error().map(|e| view! {
                                <div class="alert alert-error" role="alert" data-testid="login-error"><ErrorText error=e/></div>
                            })}
                            <SubmitButton pending=login.pending()>{t!(i18n, auth.login.submit)}</SubmitButton>
                        </ActionForm>
                    </section>
                })
            })}
        </Transition>
    }
}

/// The signed-in user's account: identity, language preference and personal API tokens.
#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<AuthState>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = auth.user.await;
                let platform = matches!(&user, Ok(Some(u)) if u.is_platform_admin);
                match user {
                    Ok(Some(user)) => EitherOf3::A(view! {
                        <section class="card">
                            <h1>{t!(i18n, account.title)}</h1>
                            <dl class="facts">
                                <dt>{t!(i18n, account.name)}</dt>
                                <dd>{user.display_name.clone()}</dd>
                                <dt>{t!(i18n, fields.email)}</dt>
                                <dd data-testid="account-email">{user.email.clone()}</dd>
                                <dt>{t!(i18n, account.plane)}</dt>
                                <dd>
                                    {move || if platform {
                                        t_string!(i18n, account.platform_operator)
                                    } else {
                                        t_string!(i18n, account.workspace_member)
                                    }}
                                </dd>
                            </dl>
                        </section>
                        <section class="card">
                            <h2>{t!(i18n, account.preferences)}</h2>
                            <LocalePreferenceForm current=user.locale.clone()/>
                        </section>
                        <PasswordSection/>
                        <ApiTokensSection/>
                    }),
                    Ok(None) => EitherOf3::B(view! { <ErrorPage status=401/> }),
                    Err(e) => EitherOf3::C(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

/// Changing one's own password: a plain form (works without JavaScript). Success redirects to
/// `/account?password=changed`, which shows the confirmation.
#[component]
fn PasswordSection() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let query = use_query_map();
    let changed = move || query.read().get("password").as_deref() == Some("changed");
    view! {
        <section class="card">
            <h2>{t!(i18n, account.password.title)}</h2>
            <p class="muted">{move || t_string!(i18n, account.password.intro, n = MIN_PASSWORD_CHARS).to_string()}</p>
            {move || changed().then(|| view! {
                <div class="alert alert-success" role="status" data-testid="password-changed">{t!(i18n, account.password.changed)}</div>
            })}
            <ActionForm action=change>
                <div class="field"><label for="current_password">{t!(i18n, fields.current_password)}</label>
                    <input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024"/></div>
                <div class="field"><label for="new_password">{t!(i18n, fields.new_password)}</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength=MIN_PASSWORD_CHARS maxlength="1024"/></div>
                {move || change.value().get().and_then(Result::err).map(|e| view! {
                    <div class="alert alert-error" role="alert" data-testid="password-error"><ErrorText error=e/></div>
                })}
                <SubmitButton pending=change.pending()>{t!(i18n, account.password.submit)}</SubmitButton>
            </ActionForm>
        </section>
    }
}

crate::lazy_page!(
    /// `/login`
    LoginRoute,
    LoginPage
);
crate::lazy_page!(
    /// `/account`
    AccountRoute,
    AccountPage
);
