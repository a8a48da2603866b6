//! Translated error output: [`ErrorText`] renders an [`AppError`] by its code, [`ErrorPage`] is the
//! full-page 401/403/404/500 view (and sets the HTTP status during SSR).

use leptos::prelude::*;

use crate::{
    error::{AppError, FieldError},
    i18n::*,
};

/// The localized sentence for an error. Server messages are never shown.
#[component]
pub fn ErrorText(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let fields = match &error {
        AppError::Validation(errs) => errs.clone(),
        _ => Vec::new(),
    };
    let sentence = move || -> String {
        match &error {
            AppError::Unauthenticated => t_string!(i18n, errors.unauthenticated).into(),
            AppError::InvalidCredentials => t_string!(i18n, errors.invalid_credentials).into(),
            AppError::Forbidden => t_string!(i18n, errors.forbidden).into(),
            AppError::NotFound => t_string!(i18n, errors.not_found).into(),
            // The last three come from the JSON API's transport checks; the UI never causes them.
            AppError::BadRequest
            | AppError::UnsupportedMediaType
            | AppError::PayloadTooLarge
            | AppError::MethodNotAllowed => t_string!(i18n, errors.bad_request).into(),
            AppError::Conflict(code) => conflict_text(i18n, code).into(),
            AppError::RateLimited { retry_after_secs } => {
                let minutes = retry_after_secs.div_ceil(60).max(1);
                t_string!(i18n, errors.rate_limited, minutes = minutes).to_string()
            }
            AppError::Validation(_) => t_string!(i18n, errors.validation).into(),
            AppError::Internal => t_string!(i18n, errors.internal).into(),
            AppError::Transport(_) => t_string!(i18n, errors.transport).into(),
        }
    };
    view! {
        <span>{sentence}</span>
        {(!fields.is_empty()).then(|| view! {
            <ul class="field-errors">
                {fields.into_iter().map(|e| view! { <li><FieldErrorText error=e/></li> }).collect_view()}
            </ul>
        })}
    }
}

/// The sentence for a conflict code (`AppError::Conflict(code)`); unknown codes get the generic one.
fn conflict_text(i18n: leptos_i18n::I18nContext<Locale>, code: &str) -> &'static str {
    use crate::members::conflict;
    match code {
        conflict::LAST_OWNER => t_string!(i18n, members.conflict.last_owner),
        conflict::ALREADY_MEMBER => t_string!(i18n, members.conflict.already_member),
        conflict::INVITE_PENDING => t_string!(i18n, members.conflict.invite_pending),
        conflict::INVITE_USED => t_string!(i18n, members.conflict.invite_used),
        conflict::INVITE_EXPIRED => t_string!(i18n, members.conflict.invite_expired),
        conflict::INVITE_REVOKED => t_string!(i18n, members.conflict.invite_revoked),
        conflict::WRONG_ACCOUNT => t_string!(i18n, members.conflict.wrong_account),
        conflict::ACCOUNT_EXISTS => t_string!(i18n, members.conflict.account_exists),
        "no_connection" => t_string!(i18n, connections.conflict_no_connection),
        "run_completed" => t_string!(i18n, operations.conflict_completed),
        "operation_busy" => t_string!(i18n, operations.conflict_busy),
        "finding_terminal" => t_string!(i18n, findings.conflict.finding_terminal),
        "finding_transition" => t_string!(i18n, findings.conflict.finding_transition),
        "already_claimed" => t_string!(i18n, findings.conflict.already_claimed),
        "own_request" => t_string!(i18n, findings.conflict.own_request),
        "exception_pending" => t_string!(i18n, findings.conflict.exception_pending),
        "exception_active" => t_string!(i18n, findings.conflict.exception_active),
        "exception_decided" => t_string!(i18n, findings.conflict.exception_decided),
        "name_taken" => t_string!(i18n, baselines.conflict.name_taken),
        "no_snapshot" => t_string!(i18n, baselines.conflict.no_snapshot),
        "snapshot_incomplete" => t_string!(i18n, baselines.conflict.snapshot_incomplete),
        "snapshot_superseded" => t_string!(i18n, baselines.conflict.snapshot_superseded),
        "not_assigned" => t_string!(i18n, baselines.conflict.not_assigned),
        // Reviews, packs and plan entitlements (issue 16). `no_snapshot` is shared with baselines above;
        // the reviews pages word it for evidence snapshots (`reviews::components::ReviewErrorText`).
        "review_blocked" => t_string!(i18n, reviews.conflict.review_blocked),
        "review_state" => t_string!(i18n, reviews.conflict.review_state),
        "snapshot_not_active" => t_string!(i18n, reviews.conflict.snapshot_not_active),
        "review_not_published" => t_string!(i18n, reviews.conflict.review_not_published),
        "review_not_current" => t_string!(i18n, reviews.conflict.review_not_current),
        "pack_busy" => t_string!(i18n, reviews.conflict.pack_busy),
        "pack_state" => t_string!(i18n, reviews.conflict.pack_state),
        "snapshot_busy" => t_string!(i18n, reviews.conflict.snapshot_busy),
        "entitlement_review_pack_generation" => t_string!(i18n, entitlements.conflict.review_pack_generation),
        "entitlement_managed_tenant_limit" => t_string!(i18n, entitlements.conflict.managed_tenant_limit),
        _ => t_string!(i18n, errors.conflict),
    }
}

/// "Email: this field is required." for one field error.
#[component]
pub fn FieldErrorText(error: FieldError) -> impl IntoView {
    let i18n = use_i18n();
    let field = error.field.clone();
    let label = move || match field.as_str() {
        "email" => t_string!(i18n, fields.email),
        "password" => t_string!(i18n, fields.password),
        "locale" => t_string!(i18n, fields.locale),
        "theme" => t_string!(i18n, fields.theme),
        "display_name" => t_string!(i18n, fields.display_name),
        "primary_domain" => t_string!(i18n, fields.primary_domain),
        "entra_tenant_id" => t_string!(i18n, fields.entra_tenant_id),
        "role" => t_string!(i18n, fields.role),
        "tenant_ids" => t_string!(i18n, fields.tenant_ids),
        "q" => t_string!(i18n, fields.q),
        "status" => t_string!(i18n, fields.status),
        "page" => t_string!(i18n, fields.page),
        "name" => t_string!(i18n, fields.name),
        "workspace" => t_string!(i18n, fields.workspace),
        "expires_in_days" => t_string!(i18n, fields.expires_in_days),
        "default_locale" => t_string!(i18n, fields.default_locale),
        "timezone" => t_string!(i18n, fields.timezone),
        "current_password" => t_string!(i18n, fields.current_password),
        "new_password" => t_string!(i18n, fields.new_password),
        "actor" => t_string!(i18n, fields.actor),
        "action" => t_string!(i18n, fields.action),
        "tenant" => t_string!(i18n, fields.tenant),
        "outcome" => t_string!(i18n, fields.outcome),
        "from" => t_string!(i18n, fields.from),
        "to" => t_string!(i18n, fields.to),
        "before" => t_string!(i18n, fields.before),
        "limit" => t_string!(i18n, fields.limit),
        "connection_type" => t_string!(i18n, connections.fields.connection_type),
        "client_id" => t_string!(i18n, connections.fields.client_id),
        "client_secret" => t_string!(i18n, connections.fields.client_secret),
        "type" => t_string!(i18n, inventory.fields.policy_type),
        "platform" => t_string!(i18n, inventory.fields.platform),
        "visibility" => t_string!(i18n, inventory.fields.visibility),
        "policy" => t_string!(i18n, inventory.fields.policy),
        "version" => t_string!(i18n, inventory.fields.version),
        "run_type" => t_string!(i18n, operations.filter.run_type),
        "stale" => t_string!(i18n, operations.filter.stale),
        "ids" => t_string!(i18n, notifications.field_ids),
        "all" => t_string!(i18n, notifications.field_all),
        "transition" => t_string!(i18n, findings.fields.transition),
        "closed_reason" => t_string!(i18n, findings.fields.closed_reason),
        "note" => t_string!(i18n, findings.fields.note),
        "owner" => t_string!(i18n, findings.fields.owner),
        "assignee" => t_string!(i18n, findings.fields.assignee),
        "body" => t_string!(i18n, findings.fields.body),
        "reason" => t_string!(i18n, findings.fields.reason),
        "expires_at" => t_string!(i18n, findings.fields.expires_at),
        "severity" => t_string!(i18n, findings.fields.severity),
        "due" => t_string!(i18n, findings.fields.due),
        "source" => t_string!(i18n, findings.fields.source),
        "sla_critical_days" => t_string!(i18n, findings.fields.sla_critical_days),
        "sla_high_days" => t_string!(i18n, findings.fields.sla_high_days),
        "sla_medium_days" => t_string!(i18n, findings.fields.sla_medium_days),
        "sla_low_days" => t_string!(i18n, findings.fields.sla_low_days),
        "max_exception_days" => t_string!(i18n, findings.fields.max_exception_days),
        "policy_types" => t_string!(i18n, baselines.fields.policy_types),
        "description" => t_string!(i18n, baselines.fields.description),
        "days" => t_string!(i18n, baselines.fields.days),
        "time" => t_string!(i18n, baselines.fields.time),
        "schedule" => t_string!(i18n, baselines.fields.schedule),
        "snapshot" | "snapshot_id" => t_string!(i18n, reviews.fields.snapshot),
        "language" => t_string!(i18n, reviews.fields.language),
        "review" => t_string!(i18n, reviews.fields.review),
        "pack" => t_string!(i18n, reviews.fields.pack),
        "include_pii" => t_string!(i18n, reviews.fields.include_pii),
        "plan_id" => t_string!(i18n, entitlements.fields.plan_id),
        "managed_tenant_limit" => t_string!(i18n, entitlements.fields.managed_tenant_limit),
        "managed_tenant_limit_reason" => t_string!(i18n, entitlements.fields.managed_tenant_limit_reason),
        "review_pack_generation" => t_string!(i18n, entitlements.fields.review_pack_generation),
        "review_pack_generation_reason" => t_string!(i18n, entitlements.fields.review_pack_generation_reason),
        _ => t_string!(i18n, fields.other),
    };
    let code = error.code;
    let text = move || match code.as_str() {
        "required" => t_string!(i18n, errors.field.required),
        "too_long" => t_string!(i18n, errors.field.too_long),
        "too_short" => t_string!(i18n, errors.field.too_short),
        "invalid_email" => t_string!(i18n, errors.field.invalid_email),
        "unsupported" => t_string!(i18n, errors.field.unsupported),
        "invalid_guid" => t_string!(i18n, errors.field.invalid_guid),
        "invalid_domain" => t_string!(i18n, errors.field.invalid_domain),
        "taken" => t_string!(i18n, errors.field.taken),
        "customer_needs_tenant" => t_string!(i18n, errors.field.customer_needs_tenant),
        "owner_unrestricted" => t_string!(i18n, errors.field.owner_unrestricted),
        "unknown_tenant" => t_string!(i18n, errors.field.unknown_tenant),
        "too_many" => t_string!(i18n, errors.field.too_many),
        "already_member" => t_string!(i18n, errors.field.already_member),
        "invite_pending" => t_string!(i18n, errors.field.invite_pending),
        "out_of_range" => t_string!(i18n, errors.field.out_of_range),
        "unknown_field" => t_string!(i18n, errors.field.unknown_field),
        "invalid_type" => t_string!(i18n, errors.field.invalid_type),
        "wrong_password" => t_string!(i18n, errors.field.wrong_password),
        "invalid_date" => t_string!(i18n, errors.field.invalid_date),
        "before_from" => t_string!(i18n, errors.field.before_from),
        "unknown_type" => t_string!(i18n, inventory.errors.unknown_type),
        "unknown_platform" => t_string!(i18n, inventory.errors.unknown_platform),
        "unknown_visibility" => t_string!(i18n, inventory.errors.unknown_visibility),
        "unknown_connection_type" => t_string!(i18n, connections.errors.unknown_connection_type),
        "invalid_secret" => t_string!(i18n, connections.errors.invalid_secret),
        "in_past" => t_string!(i18n, findings.errors.in_past),
        "too_far" => t_string!(i18n, findings.errors.too_far),
        "not_assignable" => t_string!(i18n, findings.errors.not_assignable),
        "unknown_transition" => t_string!(i18n, findings.errors.unknown_transition),
        "unknown_reason" => t_string!(i18n, findings.errors.unknown_reason),
        "overlapping" => t_string!(i18n, findings.errors.overlapping),
        "no_snapshot" => t_string!(i18n, findings.errors.no_snapshot),
        "snapshot_incomplete" => t_string!(i18n, findings.errors.snapshot_incomplete),
        "snapshot_superseded" => t_string!(i18n, findings.errors.snapshot_superseded),
        "not_assigned" => t_string!(i18n, findings.errors.not_assigned),
        "name_taken" => t_string!(i18n, findings.errors.name_taken),
        "unknown_status" => t_string!(i18n, findings.errors.unknown_status),
        "unknown_severity" => t_string!(i18n, findings.errors.unknown_severity),
        "unknown_due" => t_string!(i18n, findings.errors.unknown_due),
        "unknown_source" => t_string!(i18n, findings.errors.unknown_source),
        "unknown_snapshot" => t_string!(i18n, reviews.errors.unknown_snapshot),
        "unknown_language" => t_string!(i18n, reviews.errors.unknown_language),
        "unknown_plan" => t_string!(i18n, entitlements.errors.unknown_plan),
        _ => t_string!(i18n, errors.field.invalid),
    };
    view! { <strong>{label}</strong>": "{text} }
}

/// A full-page error for an HTTP status (401, 403, 404, otherwise 500).
#[component]
pub fn ErrorPage(status: u16) -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
    let title = move || match status {
        401 => t_string!(i18n, errors.page.unauthenticated_title),
        403 => t_string!(i18n, errors.page.forbidden_title),
        404 => t_string!(i18n, errors.page.not_found_title),
        _ => t_string!(i18n, errors.page.internal_title),
    };
    let body = move || match status {
        401 => t_string!(i18n, errors.page.unauthenticated_body),
        403 => t_string!(i18n, errors.page.forbidden_body),
        404 => t_string!(i18n, errors.page.not_found_body),
        _ => t_string!(i18n, errors.page.internal_body),
    };
    let (href, class) = if status == 401 { ("/login", "btn btn-primary") } else { ("/", "btn") };
    let link =
        move || if status == 401 { t_string!(i18n, auth.login.submit) } else { t_string!(i18n, errors.page.home) };
    view! {
        <section class="error-page" data-status=status.to_string()>
            <p class="error-code">{status}</p>
            <h1>{title}</h1>
            <p>{body}</p>
            <a class=class href=href>{link}</a>
        </section>
    }
}

/// The page for an [`AppError`] returned while loading a page's data.
pub fn error_page_for(error: &AppError) -> u16 {
    match error.status() {
        s @ (401 | 403 | 404) => s,
        _ => 500,
    }
}
