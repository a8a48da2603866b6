//! The language switch, the theme toggle and the language preference form. Each is a real `<form>`
//! (works without JavaScript through a redirect back); when hydrated the page updates in place.

use leptos::prelude::*;

use super::{
    api::{SetLocale, SetTheme},
    Theme,
};
use crate::{
    components::SubmitButton,
    i18n::*,
    locale::{effective_locale, tag, Locale, LocaleInputs, SUPPORTED},
    shell::{AuthState, ThemeState},
};

/// Applies locale-chain inputs a server function returned: recompute with the shared rule, switch the
/// page's translations, and keep `<html lang>` in step. Used after language switches, sign-in and sign-out.
pub fn apply_locale(inputs: &LocaleInputs) {
    let locale = effective_locale(inputs);
    use_i18n().set_locale(locale);
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("lang", tag(locale));
    }
}

fn apply_locale_inputs(action: ServerAction<SetLocale>) {
    Effect::new(move |_| {
        if let Some(Ok(inputs)) = action.value().get() {
            apply_locale(&inputs);
        }
    });
}

/// A language's own name ("Deutsch"), the same in every UI language.
pub fn native_name(locale: Locale) -> &'static str {
    match locale {
        Locale::en => "English",
        Locale::de => "Deutsch",
    }
}

/// The compact switch in the top bar: one button per supported language.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetLocale>::new();
    apply_locale_inputs(action);
    let auth = expect_context::<AuthState>();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            auth.changed();
        }
    });
    view! {
        <div class="lang-switch" role="group" aria-label=move || t_string!(i18n, prefs.language)>
            {SUPPORTED
                .into_iter()
                .map(|l| {
                    view! {
                        <ActionForm action=action>
                            <input type="hidden" name="locale" value=tag(l)/>
                            <button
                                type="submit"
                                class="chip"
                                lang=tag(l)
                                data-locale=tag(l)
                                aria-pressed=move || (i18n.get_locale() == l).to_string()
                                title=native_name(l)
                            >
                                {tag(l).to_uppercase()}
                            </button>
                        </ActionForm>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// Cycles light → dark → system; remembered in a cookie.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let i18n = use_i18n();
    let ThemeState(theme) = expect_context::<ThemeState>();
    let action = ServerAction::<SetTheme>::new();
    Effect::new(move |_| {
        if let Some(Ok(value)) = action.value().get() {
            if let Some(t) = Theme::parse(&value) {
                theme.set(t);
                if let Some(html) = document().document_element() {
                    let _ = html.set_attribute("data-theme", t.as_str());
                }
            }
        }
    });
    let label = move || match theme.get() {
        Theme::Light => t_string!(i18n, prefs.theme_light),
        Theme::Dark => t_string!(i18n, prefs.theme_dark),
        Theme::System => t_string!(i18n, prefs.theme_system),
    };
    view! {
        <ActionForm action=action>
            <input type="hidden" name="theme" value=move || theme.get().next().as_str()/>
            <button type="submit" class="chip theme-toggle" data-theme-current=move || theme.get().as_str() title=label aria-label=move || format!("{}: {}", t_string!(i18n, prefs.theme), label())>
                <span class="theme-icon" aria-hidden="true"></span>
                <span class="visually-hidden-sm">{label}</span>
            </button>
        </ActionForm>
    }
}

/// The language preference on the account page: a stored choice or "automatic".
#[component]
pub fn LocalePreferenceForm(current: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<SetLocale>::new();
    apply_locale_inputs(action);
    let auth = expect_context::<AuthState>();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            auth.changed();
        }
    });
    let selected = move |v: &str| current.as_deref().unwrap_or("auto") == v;
    view! {
        <ActionForm action=action>
            <label for="pref-locale">{t!(i18n, prefs.language)}</label>
            <div class="row">
                <select id="pref-locale" name="locale">
                    <option value="auto" selected=selected("auto")>{t!(i18n, prefs.auto)}</option>
                    {SUPPORTED
                        .into_iter()
                        .map(|l| view! { <option value=tag(l) selected=selected(tag(l))>{native_name(l)}</option> })
                        .collect_view()}
                </select>
                <SubmitButton pending=action.pending()>{t!(i18n, prefs.save)}</SubmitButton>
            </div>
            <p class="hint">{t!(i18n, prefs.language_hint)}</p>
        </ActionForm>
    }
}
