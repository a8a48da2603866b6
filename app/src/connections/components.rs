//! The provider connection panel of the tenant page: verification and consent badges, when it was last
//! verified and the last problem (reason humanized, message sanitized), the form (type, client id, a
//! client secret that is never pre-filled), "Verify connection" and the required-permissions table. The
//! secret itself never reaches a page: the DTO only says whether one is stored. Actions the member may not
//! take stay visible but disabled, with the reason.

use leptos::{either::Either, prelude::*};

use crate::{
    components::{ErrorText, RoleName, RunNotice, RunStartedNotice, SubmitButton},
    connections::{
        api::{SaveConnection, VerifyConnection},
        is_granted, ConnectionDto, ConnectionType, ConsentStatus, VerificationStatus, REQUIRED_PERMISSIONS,
    },
    i18n::*,
    inventory::components::utc,
    operations::safe_message,
};

/// The localized sentence for a stable reason code (`graph.throttled`, `run.connection_missing`, …).
#[component]
pub fn ReasonText(#[prop(into)] code: String) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let text = match code.as_str() {
            "graph.throttled" => t_string!(i18n, connections.reasons.graph_throttled),
            "graph.auth_failed" => t_string!(i18n, connections.reasons.graph_auth_failed),
            "graph.permission_denied" => t_string!(i18n, connections.reasons.graph_permission_denied),
            "graph.not_licensed" => t_string!(i18n, connections.reasons.graph_not_licensed),
            "graph.not_found" => t_string!(i18n, connections.reasons.graph_not_found),
            "graph.bad_request" => t_string!(i18n, connections.reasons.graph_bad_request),
            "graph.timeout" => t_string!(i18n, connections.reasons.graph_timeout),
            "graph.bad_response" => t_string!(i18n, connections.reasons.graph_bad_response),
            "graph.unavailable" => t_string!(i18n, connections.reasons.graph_unavailable),
            "run.initiator_lost_access" => t_string!(i18n, connections.reasons.run_initiator_lost_access),
            "run.stale_heartbeat" => t_string!(i18n, connections.reasons.run_stale_heartbeat),
            "run.cancelled_by_user" => t_string!(i18n, connections.reasons.run_cancelled_by_user),
            "run.no_handler" => t_string!(i18n, connections.reasons.run_no_handler),
            "run.handler_error" => t_string!(i18n, connections.reasons.run_handler_error),
            "run.connection_missing" => t_string!(i18n, connections.reasons.run_connection_missing),
            "run.credential_unreadable" => t_string!(i18n, connections.reasons.run_credential_unreadable),
            other => return t_string!(i18n, connections.reasons.unknown, code = other.to_string()).to_string(),
        };
        text.to_string()
    }
}

fn verification_class(s: VerificationStatus) -> &'static str {
    match s {
        VerificationStatus::Healthy => "badge badge-ok",
        VerificationStatus::Degraded | VerificationStatus::Blocked | VerificationStatus::Error => "badge badge-warn",
        VerificationStatus::Unknown | VerificationStatus::Pending => "badge",
    }
}

#[component]
fn VerificationBadge(status: VerificationStatus) -> impl IntoView {
    let i18n = use_i18n();
    let label = move || match status {
        VerificationStatus::Unknown => t_string!(i18n, connections.verification_status.unknown),
        VerificationStatus::Pending => t_string!(i18n, connections.verification_status.pending),
        VerificationStatus::Healthy => t_string!(i18n, connections.verification_status.healthy),
        VerificationStatus::Degraded => t_string!(i18n, connections.verification_status.degraded),
        VerificationStatus::Blocked => t_string!(i18n, connections.verification_status.blocked),
        VerificationStatus::Error => t_string!(i18n, connections.verification_status.error),
    };
    view! {
        <span class=verification_class(status) data-testid="connection-verification" data-status=status.id()>{label}</span>
    }
}

#[component]
fn ConsentBadge(status: ConsentStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        ConsentStatus::Granted => "badge badge-ok",
        ConsentStatus::Failed | ConsentStatus::Revoked | ConsentStatus::Required => "badge badge-warn",
        ConsentStatus::Unknown => "badge",
    };
    let label = move || match status {
        ConsentStatus::Unknown => t_string!(i18n, connections.consent_status.unknown),
        ConsentStatus::Required => t_string!(i18n, connections.consent_status.required),
        ConsentStatus::Granted => t_string!(i18n, connections.consent_status.granted),
        ConsentStatus::Failed => t_string!(i18n, connections.consent_status.failed),
        ConsentStatus::Revoked => t_string!(i18n, connections.consent_status.revoked),
    };
    view! { <span class=class data-testid="connection-consent" data-status=status.id()>{label}</span> }
}

/// Which required permissions the last verification found, with what each is for.
#[component]
fn PermissionsTable(connection: Option<ConnectionDto>) -> impl IntoView {
    let i18n = use_i18n();
    // Nothing known until a verification read the token's permissions.
    let granted = connection
        .filter(|c| !(c.permissions_granted.is_empty() && c.permissions_missing.is_empty()))
        .map(|c| c.permissions_granted);
    let rows = REQUIRED_PERMISSIONS
        .iter()
        .map(|p| {
            let purpose = p.purpose;
            let purpose_text = move || match purpose {
                "intune" => t_string!(i18n, connections.purposes.intune),
                "apps" => t_string!(i18n, connections.purposes.apps),
                "conditional_access" => t_string!(i18n, connections.purposes.conditional_access),
                "groups" => t_string!(i18n, connections.purposes.groups),
                _ => t_string!(i18n, connections.purposes.organization),
            };
            let state = match &granted {
                None => "unknown",
                Some(g) if is_granted(g, p.permission) => "granted",
                Some(_) => "missing",
            };
            let cell = move || match state {
                "granted" => t_string!(i18n, connections.yes),
                "missing" => t_string!(i18n, connections.missing),
                _ => t_string!(i18n, connections.not_checked),
            };
            let class = match state {
                "granted" => "badge badge-ok",
                "missing" => "badge badge-warn",
                _ => "badge",
            };
            view! {
                <tr data-testid="permission-row" data-permission=p.permission data-state=state>
                    <td><code>{p.permission}</code></td>
                    <td>{purpose_text}</td>
                    <td><span class=class>{cell}</span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>{t!(i18n, connections.permissions)}</h3>
        <div class="table-wrap">
            <table class="table" data-testid="permissions-table">
                <thead><tr>
                    <th>{t!(i18n, connections.permission)}</th>
                    <th>{t!(i18n, connections.purpose)}</th>
                    <th>{t!(i18n, connections.granted)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The whole panel. `notice` is the verification a plain form post just queued (from the URL); the
/// hydrated client shows the one `verify` returned.
#[allow(clippy::too_many_arguments)]
#[component]
pub fn ConnectionPanel(
    workspace: String,
    tenant: i64,
    connection: Option<ConnectionDto>,
    can_manage: bool,
    role: String,
    save: ServerAction<SaveConnection>,
    verify: ServerAction<VerifyConnection>,
    notice: Option<RunNotice>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = connection.as_ref().map_or(ConnectionType::Platform, |c| c.connection_type);
    let client_id = connection.as_ref().and_then(|c| c.client_id.clone()).unwrap_or_default();
    let has_secret = connection.as_ref().is_some_and(|c| c.has_secret);
    let has_connection = connection.is_some();
    let type_name = move |t: ConnectionType| match t {
        ConnectionType::Platform => t_string!(i18n, connections.types.platform),
        ConnectionType::Dedicated => t_string!(i18n, connections.types.dedicated),
    };
    let status = match connection.clone() {
        None => Either::Left(view! { <p class="muted" data-testid="connection-none">{t!(i18n, connections.none)}</p> }),
        Some(c) => {
            let kind = c.connection_type;
            let short = move || match kind {
                ConnectionType::Platform => t_string!(i18n, connections.type_short.platform),
                ConnectionType::Dedicated => t_string!(i18n, connections.type_short.dedicated),
            };
            let verified = c.last_verified_at.as_deref().map(utc);
            let error = c.last_error_reason.clone().map(|code| {
                let message = c.last_error_message.as_deref().map(safe_message).filter(|m| !m.is_empty());
                view! {
                    <dt>{t!(i18n, connections.last_error)}</dt>
                    <dd data-testid="connection-error"><ReasonText code/>
                        {message.map(|m| view! { <br/><span class="muted">{m}</span> })}</dd>
                }
            });
            Either::Right(view! {
                <dl class="facts" data-testid="connection-status">
                    <dt>{t!(i18n, connections.kind)}</dt><dd data-testid="connection-type" data-type=kind.id()>{short}</dd>
                    <dt>{t!(i18n, connections.verification)}</dt><dd><VerificationBadge status=c.verification_status/></dd>
                    <dt>{t!(i18n, connections.consent)}</dt><dd><ConsentBadge status=c.consent_status/></dd>
                    <dt>{t!(i18n, connections.last_verified)}</dt>
                    <dd data-testid="connection-verified-at">{match verified {
                        Some(v) => Either::Left(view! { <time>{v}</time> }),
                        None => Either::Right(t!(i18n, connections.never_verified)),
                    }}</dd>
                    {error}
                </dl>
            })
        }
    };
    let live_notice = move || verify.value().get().and_then(Result::ok).map(|s| RunNotice::from_started(&s));
    let ws_notice = workspace.clone();
    let notice_view =
        move || live_notice().or(notice).map(|n| view! { <RunStartedNotice notice=n workspace=ws_notice.clone()/> });
    let verify_enabled = can_manage && has_connection;
    let (ws_save, ws_verify) = (workspace.clone(), workspace);
    view! {
        <section class="card" data-testid="connection-panel">
            <h2>{t!(i18n, connections.title)}</h2>
            <p class="muted">{t!(i18n, connections.intro)}</p>
            {status}
            {notice_view}
            <ActionForm action=save attr:data-testid="connection-form">
                <input type="hidden" name="workspace" value=ws_save/>
                <input type="hidden" name="tenant" value=tenant/>
                <fieldset disabled=!can_manage>
                    <div class="field">
                        <label for="connection-type">{t!(i18n, connections.kind)}</label>
                        <select id="connection-type" name="connection_type">
                            {ConnectionType::ALL.iter().map(|t| {
                                let t = *t;
                                view! { <option value=t.id() selected=t == kind>{move || type_name(t)}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="connection-client-id">{t!(i18n, connections.client_id)}</label>
                        <input id="connection-client-id" name="client_id" value=client_id maxlength="40" autocomplete="off"/>
                        <p class="hint">{t!(i18n, connections.client_id_hint)}</p>
                    </div>
                    <div class="field">
                        <label for="connection-client-secret">{t!(i18n, connections.client_secret)}</label>
                        <input id="connection-client-secret" name="client_secret" type="password" value=""
                            maxlength=crate::connections::MAX_SECRET_LEN autocomplete="new-password"/>
                        <p class="hint">{t!(i18n, connections.client_secret_hint)}</p>
                        {has_secret.then(|| view! {
                            <p class="hint" data-testid="secret-stored">{t!(i18n, connections.secret_stored)}</p>
                        })}
                    </div>
                    {move || save.value().get().map(|r| match r {
                        Ok(_) => Either::Left(view! {
                            <div class="alert alert-success" role="status" data-testid="connection-saved">{t!(i18n, connections.saved)}</div>
                        }),
                        Err(e) => Either::Right(view! {
                            <div class="alert alert-error" role="alert" data-testid="connection-error-alert"><ErrorText error=e/></div>
                        }),
                    })}
                    <SubmitButton pending=save.pending()>{t!(i18n, connections.save)}</SubmitButton>
                </fieldset>
            </ActionForm>
            <ActionForm action=verify attr:data-testid="verify-form">
                <input type="hidden" name="workspace" value=ws_verify/>
                <input type="hidden" name="tenant" value=tenant/>
                <fieldset disabled=!verify_enabled>
                    <SubmitButton pending=verify.pending() class="btn">{t!(i18n, connections.verify)}</SubmitButton>
                </fieldset>
                {move || verify.value().get().and_then(Result::err).map(|e| view! {
                    <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
                })}
            </ActionForm>
            {if !can_manage {
                Some(Either::Left(view! {
                    <p class="hint" data-testid="connection-disabled-reason">{t!(i18n, connections.manage_disabled)}" ("<RoleName role=role.clone()/>")"</p>
                }))
            } else if !has_connection {
                Some(Either::Right(view! {
                    <p class="hint" data-testid="verify-disabled-reason">{t!(i18n, connections.verify_needs_connection)}</p>
                }))
            } else {
                None
            }}
            <PermissionsTable connection/>
        </section>
    }
}
