//! The members page (`/admin/workspaces/{workspace}/members`: members, open invitations, the invite form;
//! management actions stay visible but disabled, with the reason, for everyone but owners) and the public
//! invitation page (`/invite/{token}`).

use leptos::{
    either::{Either, EitherOf3, EitherOf5},
    prelude::*,
};
use leptos_router::hooks::use_params_map;

use super::{
    api::list_members,
    api::{
        preview_invite, take_invite_link, AcceptInvite, ChangeMemberRole, InviteMember, NarrowMember,
        RegisterFromInvite, RemoveMember, RevokeInvite,
    },
    InviteCreated, InviteDetails, InviteStatus, MemberDto, TenantRef, INVITE_TTL_DAYS, MIN_PASSWORD_CHARS,
};
use crate::{
    authz::Role,
    components::{errors::error_page_for, ErrorPage, ErrorText, RoleName, SubmitButton},
    i18n::*,
    preferences::components::apply_locale,
    shell::AuthState,
    workspaces::api::get_workspace_overview,
};

/// "Only workspace owners can manage members (Read-only)" under disabled actions.
#[component]
fn DisabledReason(role: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="hint" data-testid="members-disabled-reason">
            {t!(i18n, members.manage_disabled)}" ("<RoleName role/>")"
        </p>
    }
}

/// A `<div role=alert>` with the action's last error, if any.
fn error_alert(error: Option<crate::error::AppError>, testid: &'static str) -> impl IntoView {
    error.map(|e| {
        view! { <div class="alert alert-error" role="alert" data-testid=testid><ErrorText error=e/></div> }
    })
}

/// Tenant names of a narrowing ("All environments" when there is none).
#[component]
fn Narrowing(tenants: Vec<TenantRef>, hidden: u32) -> impl IntoView {
    let i18n = use_i18n();
    if tenants.is_empty() && hidden == 0 {
        return Either::Left(view! { <span class="muted">{t!(i18n, members.all_environments)}</span> });
    }
    let names = tenants.into_iter().map(|t| t.name).collect::<Vec<_>>().join(", ");
    let more = move || (hidden > 0).then(|| format!(" {}", t_string!(i18n, members.hidden_environments, n = hidden)));
    Either::Right(view! { <span>{names}{more}</span> })
}

/// One checkbox per tenant, named `tenant_ids[]` (a sequence for the server function).
#[component]
fn TenantChoices(tenants: Vec<TenantRef>, checked: Vec<i64>, id_prefix: String) -> impl IntoView {
    let i18n = use_i18n();
    tenants
        .into_iter()
        .map(|t| {
            let id = format!("{id_prefix}-{}", t.id);
            let label_for = id.clone();
            view! {
                <label class="check" for=label_for>
                    <input type="checkbox" id=id name="tenant_ids[]" value=t.id checked=checked.contains(&t.id)/>
                    {t.name}
                    {t.archived.then(|| view! { " "<span class="muted">{t!(i18n, members.archived_suffix)}</span> })}
                </label>
            }
        })
        .collect_view()
}

/// The one-time display of a new invite link, with a copy button once the page is interactive.
#[component]
fn CreatedInvite(created: InviteCreated) -> impl IntoView {
    let i18n = use_i18n();
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let copied = RwSignal::new(false);
    let link = created.link.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().navigator().clipboard().write_text(&link);
            copied.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &link;
    };
    let expires = created.expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
    view! {
        <div class="alert alert-success" role="status" data-testid="invite-created">
            <p>{t!(i18n, members.invite_created)}" "<strong data-testid="invite-created-email">{created.email.clone()}</strong></p>
            <div class="field">
                <label for="invite-link">{t!(i18n, members.invite_link)}</label>
                <div class="row nowrap">
                    <input id="invite-link" data-testid="invite-link" readonly value=created.link.clone()/>
                    <button type="button" class="btn" hidden=move || !interactive.get() on:click=copy>
                        {move || if copied.get() { t_string!(i18n, members.copied) } else { t_string!(i18n, members.copy) }}
                    </button>
                </div>
            </div>
            <p class="hint">{t!(i18n, members.invite_link_once)}" "{t!(i18n, members.expires)}": "{expires}</p>
        </div>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let slug = move || params.read().get("workspace").unwrap_or_default();
    let invite = ServerAction::<InviteMember>::new();
    let revoke = ServerAction::<RevokeInvite>::new();
    let role = ServerAction::<ChangeMemberRole>::new();
    let narrow = ServerAction::<NarrowMember>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let versions = move || {
        (
            invite.version().get(),
            revoke.version().get(),
            role.version().get(),
            narrow.version().get(),
            remove.version().get(),
        )
    };
    let data = Resource::new(move || (slug(), versions()), |(s, _)| list_members(s));
    let overview = Resource::new(slug, get_workspace_overview);
    let flash = Resource::new(slug, take_invite_link);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let (o, view_data) = match (overview.await, data.await) {
                    (Ok(o), Ok(d)) => (o, d),
                    (Err(e), _) | (_, Err(e)) => return Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                };
                let flashed = flash.await.ok().flatten();
                let can_manage = o.can("members.manage");
                let reason = move || (!can_manage).then(|| t_string!(i18n, members.manage_disabled));
                let ws = o.slug.clone();
                let my_role = o.role.clone();
                let tenants = view_data.tenants.clone();
                let has_invites = !view_data.invites.is_empty();
                let rows = view_data.members.into_iter().map(|m| {
                    member_row(m, &ws, &tenants, can_manage, role, narrow, remove)
                }).collect_view();
                let invite_rows = view_data.invites.into_iter().map(|inv| {
                    let ws = ws.clone();
                    let expires = inv.expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
                    view! {
                        <tr data-testid="invite-row" data-email=inv.email.clone()>
                            <td>{inv.email.clone()}</td>
                            <td><span class="badge"><RoleName role=inv.role.clone()/></span></td>
                            <td><Narrowing tenants=inv.tenants.clone() hidden=inv.hidden_tenants/></td>
                            <td>
                                {if inv.expired {
                                    Either::Left(view! { <span class="badge badge-warn">{t!(i18n, members.expired)}</span> })
                                } else {
                                    Either::Right(view! { <span>{expires}</span> })
                                }}
                            </td>
                            <td>{inv.invited_by.clone().unwrap_or_default()}</td>
                            <td>
                                <ActionForm action=revoke>
                                    <input type="hidden" name="workspace" value=ws/>
                                    <input type="hidden" name="invite" value=inv.id/>
                                    <fieldset disabled=!can_manage title=reason>
                                        <SubmitButton pending=revoke.pending() class="btn">{t!(i18n, members.revoke)}</SubmitButton>
                                    </fieldset>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view();
                Either::Left(view! {
                    <section class="card">
                        <p><a href=format!("/admin/workspaces/{ws}")>{t!(i18n, members.back)}</a></p>
                        <h1>{t!(i18n, members.title)}</h1>
                        <p class="muted">{t!(i18n, members.intro)}</p>
                        {move || error_alert(role.value().get().and_then(Result::err), "role-error")}
                        {move || error_alert(narrow.value().get().and_then(Result::err), "narrow-error")}
                        {move || error_alert(remove.value().get().and_then(Result::err), "remove-error")}
                        <div class="table-wrap">
                            <table class="table" data-testid="members-table">
                                <thead><tr>
                                    <th>{t!(i18n, members.name)}</th>
                                    <th>{t!(i18n, fields.email)}</th>
                                    <th>{t!(i18n, fields.role)}</th>
                                    <th>{t!(i18n, members.environments)}</th>
                                    <th>{t!(i18n, members.actions)}</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                        {(!can_manage).then(|| view! { <DisabledReason role=my_role.clone()/> })}
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, members.invites_title)}</h2>
                        {move || error_alert(revoke.value().get().and_then(Result::err), "revoke-error")}
                        {if has_invites {
                            Either::Left(view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="invites-table">
                                        <thead><tr>
                                            <th>{t!(i18n, fields.email)}</th>
                                            <th>{t!(i18n, fields.role)}</th>
                                            <th>{t!(i18n, members.environments)}</th>
                                            <th>{t!(i18n, members.expires)}</th>
                                            <th>{t!(i18n, members.invited_by)}</th>
                                            <th>{t!(i18n, members.actions)}</th>
                                        </tr></thead>
                                        <tbody>{invite_rows}</tbody>
                                    </table>
                                </div>
                            })
                        } else {
                            Either::Right(view! { <p class="muted" data-testid="no-invites">{t!(i18n, members.no_invites)}</p> })
                        }}
                    </section>
                    <section class="card">
                        <h2>{t!(i18n, members.invite_title)}</h2>
                        <p class="muted">{move || t_string!(i18n, members.invite_intro, days = INVITE_TTL_DAYS).to_string()}</p>
                        {move || invite.value().get().and_then(Result::ok).or_else(|| flashed.clone()).map(|created| view! {
                            <CreatedInvite created/>
                        })}
                        <ActionForm action=invite>
                            <input type="hidden" name="workspace" value=o.slug.clone()/>
                            <fieldset disabled=!can_manage title=reason>
                                <div class="field"><label for="invite-email">{t!(i18n, fields.email)}</label>
                                    <input id="invite-email" name="email" type="email" required maxlength="254" autocomplete="off"/></div>
                                <div class="field"><label for="invite-role">{t!(i18n, fields.role)}</label>
                                    <select id="invite-role" name="role">
                                        {Role::ALL.into_iter().map(|r| view! {
                                            <option value=r.id() selected=r == Role::Readonly><RoleName role=r.id()/></option>
                                        }).collect_view()}
                                    </select></div>
                                <fieldset class="choices">
                                    <legend>{t!(i18n, members.invite_tenants)}</legend>
                                    <p class="hint">{t!(i18n, members.narrow_hint)}</p>
                                    <TenantChoices tenants=tenants.clone() checked=Vec::new() id_prefix="invite-tenant".to_string()/>
                                </fieldset>
                                {move || error_alert(invite.value().get().and_then(Result::err), "invite-error")}
                                <SubmitButton pending=invite.pending()>{t!(i18n, members.invite_submit)}</SubmitButton>
                            </fieldset>
                            {(!can_manage).then(|| view! { <DisabledReason role=o.role.clone()/> })}
                        </ActionForm>
                    </section>
                })
            })}
        </Transition>
    }
}

/// One row of the members table with its role, narrowing and remove forms.
fn member_row(
    m: MemberDto,
    ws: &str,
    tenants: &[TenantRef],
    can_manage: bool,
    role: ServerAction<ChangeMemberRole>,
    narrow: ServerAction<NarrowMember>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let i18n = use_i18n();
    let reason = move || (!can_manage).then(|| t_string!(i18n, members.manage_disabled));
    let checked: Vec<i64> = m.tenants.iter().map(|t| t.id).collect();
    let current = m.role.clone();
    let (ws_role, ws_narrow, ws_remove) = (ws.to_string(), ws.to_string(), ws.to_string());
    let select_id = format!("role-{}", m.user_id);
    let tenants = tenants.to_vec();
    view! {
        <tr data-testid="member-row" data-email=m.email.clone()>
            <td>{m.display_name.clone()}{m.is_self.then(|| view! { " "<span class="muted">{t!(i18n, members.you)}</span> })}</td>
            <td>{m.email.clone()}</td>
            <td><span class="badge" data-testid="member-role"><RoleName role=m.role.clone()/></span></td>
            <td data-testid="member-tenants"><Narrowing tenants=m.tenants.clone() hidden=m.hidden_tenants/></td>
            <td class="actions">
                <ActionForm action=role>
                    <input type="hidden" name="workspace" value=ws_role/>
                    <input type="hidden" name="member" value=m.user_id/>
                    <fieldset disabled=!can_manage title=reason class="row nowrap">
                        <label class="visually-hidden" for=select_id.clone()>{t!(i18n, members.change_role)}</label>
                        <select id=select_id name="role">
                            {Role::ALL.into_iter().map(|r| view! {
                                <option value=r.id() selected=r.id() == current><RoleName role=r.id()/></option>
                            }).collect_view()}
                        </select>
                        <SubmitButton pending=role.pending() class="btn">{t!(i18n, members.save_role)}</SubmitButton>
                    </fieldset>
                </ActionForm>
                <details class="narrowing">
                    <summary>{t!(i18n, members.narrow)}</summary>
                    <ActionForm action=narrow>
                        <input type="hidden" name="workspace" value=ws_narrow/>
                        <input type="hidden" name="member" value=m.user_id/>
                        <fieldset disabled=!can_manage title=reason class="choices">
                            <p class="hint">{t!(i18n, members.narrow_hint)}</p>
                            <TenantChoices tenants checked id_prefix=format!("narrow-{}", m.user_id)/>
                            <SubmitButton pending=narrow.pending() class="btn">{t!(i18n, members.save_narrowing)}</SubmitButton>
                        </fieldset>
                    </ActionForm>
                </details>
                <ActionForm action=remove>
                    <input type="hidden" name="workspace" value=ws_remove/>
                    <input type="hidden" name="member" value=m.user_id/>
                    <fieldset disabled=!can_manage title=reason>
                        <SubmitButton pending=remove.pending() class="btn btn-danger">{t!(i18n, members.remove)}</SubmitButton>
                    </fieldset>
                </ActionForm>
            </td>
        </tr>
    }
}

/// The page for an invite that can no longer be accepted (HTTP 410 during SSR).
#[component]
fn InviteGone(status: InviteStatus) -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::GONE);
    }
    let title = move || match status {
        InviteStatus::Expired => t_string!(i18n, members.invite_page.expired_title),
        InviteStatus::Revoked => t_string!(i18n, members.invite_page.revoked_title),
        InviteStatus::Used | InviteStatus::Pending => t_string!(i18n, members.invite_page.used_title),
    };
    let body = move || match status {
        InviteStatus::Expired => t_string!(i18n, members.invite_page.expired_body),
        InviteStatus::Revoked => t_string!(i18n, members.invite_page.revoked_body),
        InviteStatus::Used | InviteStatus::Pending => t_string!(i18n, members.invite_page.used_body),
    };
    let state = match status {
        InviteStatus::Expired => "expired",
        InviteStatus::Revoked => "revoked",
        InviteStatus::Used | InviteStatus::Pending => "used",
    };
    view! {
        <section class="card auth-card" data-testid="invite-gone" data-state=state>
            <h1>{title}</h1>
            <p>{body}</p>
            <a class="btn" href="/">{t!(i18n, errors.page.home)}</a>
        </section>
    }
}

/// `/invite/{token}`: what the invite offers, and the one way forward for this visitor.
#[component]
pub fn InvitePage() -> impl IntoView {
    let auth = expect_context::<AuthState>();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let accept = ServerAction::<AcceptInvite>::new();
    let register = ServerAction::<RegisterFromInvite>::new();
    Effect::new(move |_| {
        if let Some(Ok(inputs)) = register.value().get() {
            apply_locale(&inputs);
            auth.changed();
        }
    });
    let preview = Resource::new(token, preview_invite);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match preview.await {
                    Err(e) => EitherOf3::C(view! { <ErrorPage status=error_page_for(&e)/> }),
                    Ok(p) => match (p.status, p.details) {
                        (InviteStatus::Pending, Some(d)) => EitherOf3::A(view! { <InviteOffer details=d token=token() accept register/> }),
                        (status, _) => EitherOf3::B(view! { <InviteGone status/> }),
                    },
                }
            })}
        </Transition>
    }
}

#[component]
fn InviteOffer(
    details: InviteDetails,
    token: String,
    accept: ServerAction<AcceptInvite>,
    register: ServerAction<RegisterFromInvite>,
) -> impl IntoView {
    let i18n = use_i18n();
    let d = details;
    let expires = d.expires_at.format("%Y-%m-%d %H:%M UTC").to_string();
    let workspace = d.workspace_name.clone();
    let title = move || t_string!(i18n, members.invite_page.title, workspace = workspace.clone()).to_string();
    let next = format!("/login?next=/invite/{token}");
    let action = match d.signed_in_as.clone() {
        Some(me) if me == d.email && d.already_member => EitherOf5::A(view! {
            <p data-testid="invite-already-member">{t!(i18n, members.invite_page.already_member)}</p>
            <a class="btn btn-primary" href=format!("/admin/workspaces/{}", d.workspace_slug)>{t!(i18n, members.invite_page.open_workspace)}</a>
        }),
        Some(me) if me == d.email => EitherOf5::B(view! {
            <ActionForm action=accept>
                <input type="hidden" name="token" value=token.clone()/>
                {move || error_alert(accept.value().get().and_then(Result::err), "invite-error")}
                <SubmitButton pending=accept.pending()>{t!(i18n, members.invite_page.accept)}</SubmitButton>
            </ActionForm>
        }),
        Some(me) => {
            let invited = d.email.clone();
            EitherOf5::C(view! {
                <div class="alert alert-error" role="alert" data-testid="invite-wrong-account">
                    {move || t_string!(i18n, members.invite_page.wrong_account, invited = invited.clone(), current = me.clone()).to_string()}
                </div>
            })
        }
        None if d.account_exists => EitherOf5::D(view! {
            <p>{t!(i18n, members.invite_page.sign_in_hint)}</p>
            <a class="btn btn-primary" data-testid="invite-sign-in" href=next>{t!(i18n, members.invite_page.sign_in)}</a>
        }),
        None => EitherOf5::E(view! {
            <p>{move || t_string!(i18n, members.invite_page.register_hint, n = MIN_PASSWORD_CHARS).to_string()}</p>
            <ActionForm action=register>
                <input type="hidden" name="token" value=token.clone()/>
                <div class="field"><label for="display_name">{t!(i18n, fields.display_name)}</label>
                    <input id="display_name" name="display_name" required maxlength="120" autocomplete="name"/></div>
                <div class="field"><label for="password">{t!(i18n, fields.password)}</label>
                    <input id="password" name="password" type="password" required minlength=MIN_PASSWORD_CHARS maxlength="1024" autocomplete="new-password"/></div>
                {move || error_alert(register.value().get().and_then(Result::err), "invite-error")}
                <SubmitButton pending=register.pending()>{t!(i18n, members.invite_page.register)}</SubmitButton>
            </ActionForm>
        }),
    };
    view! {
        <section class="card auth-card" data-testid="invite-offer">
            <h1>{title}</h1>
            <p class="muted">{t!(i18n, members.invite_page.intro)}</p>
            <dl class="facts">
                <dt>{t!(i18n, members.invite_page.workspace)}</dt><dd data-testid="invite-workspace">{d.workspace_name.clone()}</dd>
                <dt>{t!(i18n, fields.role)}</dt><dd data-testid="invite-role"><RoleName role=d.role.clone()/></dd>
                <dt>{t!(i18n, fields.email)}</dt><dd data-testid="invite-email">{d.email.clone()}</dd>
                <dt>{t!(i18n, members.invite_page.expires)}</dt><dd>{expires}</dd>
            </dl>
            {action}
        </section>
    }
}

crate::lazy_page!(
    /// `/admin/workspaces/{workspace}/members`
    MembersRoute,
    MembersPage
);
crate::lazy_page!(
    /// `/invite/{token}` (public)
    InviteRoute,
    InvitePage
);
