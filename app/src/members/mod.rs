//! Workspace members and invitations: shared DTOs and input validation. Only owners manage memberships
//! (`members.manage`); every member but customer viewers may see them (`members.view`). A new member
//! joins through a single-use invite link that expires after [`INVITE_TTL_DAYS`] days; the token is
//! random, shown once to the inviting owner, and stored only as its SHA-256 hash. The last owner of a
//! workspace can be neither demoted nor removed (`Conflict("last_owner")`).

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    auth::{normalize_email, MAX_INPUT_BYTES},
    authz::Role,
    error::{AppError, FieldError},
};

/// How long an invite link stays valid.
pub const INVITE_TTL_DAYS: i64 = 7;
/// Random bytes in an invite token (shown as 64 lower-case hex characters).
pub const TOKEN_BYTES: usize = 32;
/// Most tenants one member can be narrowed to in one request.
pub const MAX_NARROWING: usize = 500;
/// Shortest password a new account may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Conflict codes of this area (`AppError::Conflict(code)`), each with its own localized sentence.
pub mod conflict {
    /// The last owner cannot be demoted or removed.
    pub const LAST_OWNER: &str = "last_owner";
    pub const ALREADY_MEMBER: &str = "already_member";
    pub const INVITE_PENDING: &str = "invite_pending";
    pub const INVITE_USED: &str = "invite_used";
    pub const INVITE_EXPIRED: &str = "invite_expired";
    pub const INVITE_REVOKED: &str = "invite_revoked";
    /// The invite is for another email than the signed-in account's.
    pub const WRONG_ACCOUNT: &str = "wrong_account";
    /// Registering through an invite for an email that already has an account.
    pub const ACCOUNT_EXISTS: &str = "account_exists";
}

/// A managed tenant as a name for member lists and narrowing choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRef {
    pub id: i64,
    pub name: String,
    pub archived: bool,
}

/// One member of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDto {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    /// Tenants the member is narrowed to that the caller may see (empty and `hidden_tenants == 0`: all).
    pub tenants: Vec<TenantRef>,
    /// Narrowed tenants the caller may not see (only counted, never named).
    pub hidden_tenants: u32,
    pub is_self: bool,
}

impl MemberDto {
    /// The member sees every tenant of the workspace.
    pub fn unrestricted(&self) -> bool {
        self.tenants.is_empty() && self.hidden_tenants == 0
    }
}

/// An open invite (neither accepted nor revoked; possibly expired).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteDto {
    pub id: i64,
    pub email: String,
    pub role: String,
    pub tenants: Vec<TenantRef>,
    pub hidden_tenants: u32,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub expired: bool,
}

/// The members page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersView {
    pub members: Vec<MemberDto>,
    pub invites: Vec<InviteDto>,
    /// Tenants the caller may see: the choices of the narrowing forms.
    pub tenants: Vec<TenantRef>,
}

/// A freshly created invite: the link is shown exactly once, to the owner who created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteCreated {
    pub id: i64,
    pub email: String,
    pub link: String,
    pub expires_at: DateTime<Utc>,
}

/// Where an invite stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteStatus {
    Pending,
    Expired,
    Used,
    Revoked,
}

/// What the invitation page shows about a pending invite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteDetails {
    pub workspace_name: String,
    pub workspace_slug: String,
    pub role: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    /// An account with the invited email exists (→ sign in instead of registering).
    pub account_exists: bool,
    /// Email of the signed-in visitor, if any.
    pub signed_in_as: Option<String>,
    /// The signed-in visitor is the invitee and already a member of the workspace.
    pub already_member: bool,
}

/// The invitation page's data: details only while the invite can still be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    pub status: InviteStatus,
    pub details: Option<InviteDetails>,
}

/// A role id from a form (`"readonly"`), or the validation code.
pub fn parse_role(raw: Option<&str>) -> Result<Role, &'static str> {
    match raw.map(str::trim) {
        None | Some("") => Err("required"),
        Some(r) => Role::parse(r).ok_or("unsupported"),
    }
}

/// Normalizes a narrowing choice: sorted, without duplicates, bounded.
pub fn parse_tenant_ids(raw: Option<Vec<i64>>) -> Result<Vec<i64>, &'static str> {
    let mut ids = raw.unwrap_or_default();
    if ids.len() > MAX_NARROWING {
        return Err("too_many");
    }
    if ids.iter().any(|id| *id <= 0) {
        return Err("unknown_tenant");
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The narrowing rules every role must satisfy: customers see at least one tenant, owners see all.
pub fn check_narrowing(role: Role, tenant_ids: &[i64]) -> Result<(), &'static str> {
    if role.requires_narrowing() && tenant_ids.is_empty() {
        Err("customer_needs_tenant")
    } else if role == Role::Owner && !tenant_ids.is_empty() {
        Err("owner_unrestricted")
    } else {
        Ok(())
    }
}

/// Validated input for a new invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvite {
    pub email: String,
    pub role: Role,
    pub tenant_ids: Vec<i64>,
}

impl NewInvite {
    /// Validates every field and reports every problem at once.
    pub fn parse(email: Option<&str>, role: Option<&str>, tenant_ids: Option<Vec<i64>>) -> Result<Self, AppError> {
        let email = normalize_email(email.unwrap_or_default());
        let role = parse_role(role);
        let tenants = parse_tenant_ids(tenant_ids);
        let mut errs = Vec::new();
        if let Err(code) = &email {
            errs.push(FieldError::new("email", code));
        }
        if let Err(code) = &role {
            errs.push(FieldError::new("role", code));
        }
        match (&role, &tenants) {
            (_, Err(code)) => errs.push(FieldError::new("tenant_ids", code)),
            (Ok(r), Ok(ids)) => {
                if let Err(code) = check_narrowing(*r, ids) {
                    errs.push(FieldError::new("tenant_ids", code));
                }
            }
            _ => {}
        }
        match (email, role, tenants) {
            (Ok(email), Ok(role), Ok(tenant_ids)) if errs.is_empty() => Ok(Self { email, role, tenant_ids }),
            _ => Err(AppError::Validation(errs)),
        }
    }
}

/// A person's display name: the shared name rule.
pub use crate::validate::parse_name as parse_person_name;

/// A new account's password: present, at least [`MIN_PASSWORD_CHARS`] characters, at most 1 KB.
pub fn check_new_password(raw: &str) -> Result<(), &'static str> {
    if raw.len() > MAX_INPUT_BYTES {
        Err("too_long")
    } else if raw.is_empty() {
        Err("required")
    } else if raw.chars().count() < MIN_PASSWORD_CHARS {
        Err("too_short")
    } else {
        Ok(())
    }
}

/// Validated input for creating an account from an invite. `Debug` never prints the password.
#[derive(Clone)]
pub struct Registration {
    pub display_name: String,
    pub password: String,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration").field("display_name", &self.display_name).finish_non_exhaustive()
    }
}

impl Registration {
    pub fn parse(display_name: Option<&str>, password: Option<&str>) -> Result<Self, AppError> {
        let name = parse_person_name(display_name.unwrap_or_default());
        let pw = password.unwrap_or_default();
        let mut errs = Vec::new();
        if let Err(code) = &name {
            errs.push(FieldError::new("display_name", code));
        }
        if let Err(code) = check_new_password(pw) {
            errs.push(FieldError::new("password", code));
        }
        match name {
            Ok(display_name) if errs.is_empty() => Ok(Self { display_name, password: pw.to_string() }),
            _ => Err(AppError::Validation(errs)),
        }
    }
}

/// True when `token` has the shape of an invite token (64 lower-case hex characters). Anything else is
/// an unknown invite without a database lookup.
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The path of the invitation page for `token`.
pub fn invite_path(token: &str) -> String {
    format!("/invite/{token}")
}

/// `path` with the secret part of an invitation path replaced, for logs (`/invite/[REDACTED]`).
pub fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/invite/") {
        Some(rest) if !rest.is_empty() => std::borrow::Cow::Owned("/invite/[REDACTED]".to_string()),
        _ => std::borrow::Cow::Borrowed(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invites_validate_every_field() {
        let err = NewInvite::parse(Some("nope"), Some("admin"), None).unwrap_err();
        assert_eq!(err.field_code("email"), Some("invalid_email"));
        assert_eq!(err.field_code("role"), Some("unsupported"));
        let err = NewInvite::parse(None, None, None).unwrap_err();
        assert_eq!(err.field_code("email"), Some("required"));
        assert_eq!(err.field_code("role"), Some("required"));
        let ok = NewInvite::parse(Some(" New@Example.com "), Some("readonly"), Some(vec![3, 1, 3])).unwrap();
        assert_eq!(ok, NewInvite { email: "new@example.com".into(), role: Role::Readonly, tenant_ids: vec![1, 3] });
    }

    #[test]
    fn customers_need_a_tenant_and_owners_see_everything() {
        let err = NewInvite::parse(Some("c@example.com"), Some("customer"), None).unwrap_err();
        assert_eq!(err.field_code("tenant_ids"), Some("customer_needs_tenant"));
        assert!(NewInvite::parse(Some("c@example.com"), Some("customer"), Some(vec![2])).is_ok());
        let err = NewInvite::parse(Some("o@example.com"), Some("owner"), Some(vec![2])).unwrap_err();
        assert_eq!(err.field_code("tenant_ids"), Some("owner_unrestricted"));
        assert_eq!(check_narrowing(Role::Readonly, &[]), Ok(()));
        assert_eq!(parse_tenant_ids(Some(vec![0])), Err("unknown_tenant"));
        assert_eq!(parse_tenant_ids(Some(vec![1; MAX_NARROWING + 1])), Err("too_many"));
    }

    #[test]
    fn registrations_check_name_and_password() {
        let err = Registration::parse(Some(" "), Some("short")).unwrap_err();
        assert_eq!(err.field_code("display_name"), Some("required"));
        assert_eq!(err.field_code("password"), Some("too_short"));
        let err = Registration::parse(Some(&"x".repeat(121)), Some(&"p".repeat(1025))).unwrap_err();
        assert_eq!(err.field_code("display_name"), Some("too_long"));
        assert_eq!(err.field_code("password"), Some("too_long"));
        let ok = Registration::parse(Some(" Nina New "), Some("long enough")).unwrap();
        assert_eq!(ok.display_name, "Nina New");
        assert!(!format!("{ok:?}").contains("long enough"));
    }

    #[test]
    fn tokens_have_one_shape_and_never_reach_logs() {
        let token = "0123456789abcdef".repeat(4);
        assert!(is_token_shaped(&token));
        assert!(!is_token_shaped(&token.to_uppercase()));
        assert!(!is_token_shaped(&token[1..]));
        assert!(!is_token_shaped("../../etc/passwd"));
        assert_eq!(redact_path(&invite_path(&token)), "/invite/[REDACTED]");
        assert_eq!(redact_path("/admin/workspaces/contoso"), "/admin/workspaces/contoso");
        assert_eq!(redact_path("/invite/"), "/invite/");
    }
}
