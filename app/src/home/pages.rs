//! The overview a signed-in user lands on. Anonymous visitors are sent to the sign-in page.

use leptos::{either::EitherOf3, prelude::*};
use leptos_router::components::Redirect;

use crate::{
    components::{errors::error_page_for, ErrorPage},
    i18n::*,
    shell::AuthState,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<AuthState>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) => EitherOf3::A(view! {
                        <section class="hero">
                            <h1 data-testid="landing-title">{t!(i18n, home.title)}</h1>
                            <p class="muted">
                                {t!(i18n, home.signed_in_as)} " " <strong>{user.display_name.clone()}</strong>
                                " (" {user.email.clone()} ")"
                            </p>
                        </section>
                        <section class="grid">
                            <article class="card">
                                <h2>{t!(i18n, home.inventory_title)}</h2>
                                <p>{t!(i18n, home.inventory_body)}</p>
                            </article>
                            <article class="card">
                                <h2>{t!(i18n, home.drift_title)}</h2>
                                <p>{t!(i18n, home.drift_body)}</p>
                            </article>
                            <article class="card">
                                <h2>{t!(i18n, home.reviews_title)}</h2>
                                <p>{t!(i18n, home.reviews_body)}</p>
                            </article>
                        </section>
                        <p><a class="btn" href="/account">{t!(i18n, home.to_account)}</a></p>
                    }),
                    Ok(None) => EitherOf3::B(view! { <Redirect path="/login"/> }),
                    Err(e) => EitherOf3::C(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

crate::lazy_page!(
    /// `/`
    HomeRoute,
    HomePage
);
