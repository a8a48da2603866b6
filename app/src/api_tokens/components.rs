//! The account page's API token section: the list (name, workspace, prefix, created, expires, last used,
//! status) with a revoke button per live token, and the create form, which shows the new secret once, in
//! place. Creating needs JavaScript: a plain form post redirects back and would lose the secret, so the form
//! stays disabled until the page is hydrated (the list and revoking work without JavaScript).

use leptos::{either::EitherOf3, prelude::*};

use super::{
    api::{list_api_tokens, CreateApiToken, RevokeApiToken},
    ApiTokenDto, TokenStatus, DEFAULT_EXPIRY_DAYS, EXPIRY_CHOICES, MAX_NAME_CHARS,
};
use crate::{
    components::{ErrorText, SubmitButton},
    error::AppError,
    i18n::*,
    locale::format_datetime,
    workspaces::api::list_my_workspaces,
};

#[component]
pub fn ApiTokensSection() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_api_tokens());
    let workspaces = Resource::new(|| (), |_| list_my_workspaces());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <section class="card" data-testid="api-tokens">
            <h2>{t!(i18n, api_tokens.title)}</h2>
            <p class="muted">{t!(i18n, api_tokens.intro)}</p>
            {move || create.value().get().and_then(Result::ok).map(|created| view! {
                <div class="alert alert-success" role="status" data-testid="api-token-secret">
                    <strong>{t!(i18n, api_tokens.secret_title)}</strong>
                    <p>{t!(i18n, api_tokens.secret_hint)}</p>
                    <code class="secret">{created.secret}</code>
                </div>
            })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => EitherOf3::A(view! {
                            <p class="muted" data-testid="api-tokens-empty">{t!(i18n, api_tokens.empty)}</p>
                        }),
                        Ok(list) => EitherOf3::B(view! { <TokenTable tokens=list revoke/> }),
                        Err(e) => EitherOf3::C(view! {
                            <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
                        }),
                    }
                })}
            </Transition>
            {move || revoke.value().get().and_then(Result::err).map(|e| view! {
                <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
            })}
            <h3>{t!(i18n, api_tokens.create_title)}</h3>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let workspaces = workspaces.await.map(|w| w.workspaces).unwrap_or_default();
                    let none = workspaces.is_empty();
                    view! {
                        <ActionForm action=create>
                            <fieldset disabled=move || !hydrated.get() || none data-testid="api-token-form">
                                <div class="field">
                                    <label for="token-name">{t!(i18n, fields.name)}</label>
                                    <input id="token-name" name="name" required maxlength=MAX_NAME_CHARS.to_string()/>
                                </div>
                                <div class="field">
                                    <label for="token-workspace">{t!(i18n, fields.workspace)}</label>
                                    <select id="token-workspace" name="workspace" required>
                                        {workspaces.into_iter().map(|w| view! {
                                            <option value=w.slug.clone()>{w.name.clone()}" ("{w.role.clone()}")"</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="token-expiry">{t!(i18n, fields.expires_in_days)}</label>
                                    <select id="token-expiry" name="expires_in_days">
                                        {EXPIRY_CHOICES.into_iter().map(|choice| view! {
                                            <option
                                                value=choice.map(|d| d.to_string()).unwrap_or_default()
                                                selected=choice == Some(DEFAULT_EXPIRY_DAYS)
                                            >
                                                {move || expiry_label(i18n, choice)}
                                            </option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                {move || create.value().get().and_then(Result::err).map(|e| view! {
                                    <div class="alert alert-error" role="alert"><CreateError error=e/></div>
                                })}
                                <SubmitButton pending=create.pending()>{t!(i18n, api_tokens.create)}</SubmitButton>
                            </fieldset>
                            {none.then(|| view! { <p class="hint">{t!(i18n, api_tokens.no_workspace)}</p> })}
                            {move || (!hydrated.get()).then(|| view! {
                                <p class="hint" data-testid="api-tokens-needs-js">{t!(i18n, api_tokens.needs_javascript)}</p>
                            })}
                        </ActionForm>
                    }
                })}
            </Transition>
        </section>
    }
}

fn expiry_label(i18n: leptos_i18n::I18nContext<Locale>, days: Option<u32>) -> String {
    match days {
        None => t_string!(i18n, api_tokens.expiry_never).to_string(),
        Some(365) => t_string!(i18n, api_tokens.expiry_year).to_string(),
        Some(d) => t_string!(i18n, api_tokens.expiry_days, days = d).to_string(),
    }
}

/// The create form's error: the token limit has its own sentence, everything else the generic one.
#[component]
fn CreateError(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    match error {
        AppError::Conflict(code) if code == "token_limit" => {
            view! { <span>{t!(i18n, api_tokens.limit_reached)}</span> }.into_any()
        }
        other => view! { <ErrorText error=other/> }.into_any(),
    }
}

#[component]
fn TokenTable(tokens: Vec<ApiTokenDto>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let i18n = use_i18n();
    let when = move |at: Option<chrono::DateTime<chrono::Utc>>, none: &'static str| {
        move || match at {
            Some(at) => format_datetime(i18n.get_locale(), &at),
            None if none == "never_used" => t_string!(i18n, api_tokens.never_used).to_string(),
            None => t_string!(i18n, api_tokens.never).to_string(),
        }
    };
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="api-tokens-table">
                <thead><tr>
                    <th>{t!(i18n, fields.name)}</th>
                    <th>{t!(i18n, fields.workspace)}</th>
                    <th>{t!(i18n, api_tokens.prefix)}</th>
                    <th>{t!(i18n, api_tokens.created)}</th>
                    <th>{t!(i18n, api_tokens.expires)}</th>
                    <th>{t!(i18n, api_tokens.last_used)}</th>
                    <th>{t!(i18n, api_tokens.status)}</th>
                    <th></th>
                </tr></thead>
                <tbody>
                    {tokens.into_iter().map(|t| {
                        let status = t.status;
                        view! {
                            <tr data-testid="api-token-row" data-status=status.id()>
                                <td>{t.name.clone()}</td>
                                <td>{t.workspace_name.clone()}</td>
                                <td><code>{format!("{}…", t.prefix)}</code></td>
                                <td>{when(Some(t.created_at), "never")}</td>
                                <td>{when(t.expires_at, "never")}</td>
                                <td>{when(t.last_used_at, "never_used")}</td>
                                <td><span class="badge">{move || match status {
                                    TokenStatus::Active => t_string!(i18n, api_tokens.status_active),
                                    TokenStatus::Expired => t_string!(i18n, api_tokens.status_expired),
                                    TokenStatus::Revoked => t_string!(i18n, api_tokens.status_revoked),
                                }}</span></td>
                                <td>
                                    {(status != TokenStatus::Revoked).then(|| view! {
                                        <ActionForm action=revoke>
                                            <input type="hidden" name="id" value=t.id/>
                                            <SubmitButton pending=revoke.pending() class="btn">
                                                {t!(i18n, api_tokens.revoke)}
                                            </SubmitButton>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
