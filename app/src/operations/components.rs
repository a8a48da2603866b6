//! View pieces of operation runs shared by the list, the detail page and the notifications: the localized
//! names of run types, statuses, outcomes, initiators, summary counts and failure reasons (stable ids in,
//! en/de text out; unknown ids fall back to a neutral label or the raw key, never a translation key), the
//! status/outcome badges and the progress bar.

use leptos::prelude::*;
use leptos_i18n::I18nContext;

use crate::{
    i18n::*,
    operations::{InitiatorKind, OperationRunDto, Reason, RunOutcome, RunReason, RunStatus, RunType},
    provider::ReasonCode,
};

type I18n = I18nContext<Locale>;

/// "Inventory sync" for `inventory.sync`; "Unknown operation" for ids outside the catalog.
pub fn run_type_label(i18n: I18n, id: &str) -> &'static str {
    match RunType::parse(id) {
        Some(RunType::ProviderConnectionVerify) => t_string!(i18n, operations.types.provider_connection_verify),
        Some(RunType::InventorySync) => t_string!(i18n, operations.types.inventory_sync),
        Some(RunType::CompareRun) => t_string!(i18n, operations.types.compare_run),
        Some(RunType::BackupCapture) => t_string!(i18n, operations.types.backup_capture),
        Some(RunType::RestoreExecute) => t_string!(i18n, operations.types.restore_execute),
        Some(RunType::ReviewCompose) => t_string!(i18n, operations.types.review_compose),
        Some(RunType::ReviewPackGenerate) => t_string!(i18n, operations.types.review_pack_generate),
        Some(RunType::AlertsEvaluate) => t_string!(i18n, operations.types.alerts_evaluate),
        None => t_string!(i18n, operations.types.unknown),
    }
}

pub fn status_label(i18n: I18n, s: RunStatus) -> &'static str {
    match s {
        RunStatus::Queued => t_string!(i18n, operations.status.queued),
        RunStatus::Running => t_string!(i18n, operations.status.running),
        RunStatus::Completed => t_string!(i18n, operations.status.completed),
    }
}

pub fn outcome_label(i18n: I18n, o: RunOutcome) -> &'static str {
    match o {
        RunOutcome::Pending => t_string!(i18n, operations.outcome.pending),
        RunOutcome::Succeeded => t_string!(i18n, operations.outcome.succeeded),
        RunOutcome::PartiallySucceeded => t_string!(i18n, operations.outcome.partially_succeeded),
        RunOutcome::Failed => t_string!(i18n, operations.outcome.failed),
        RunOutcome::Cancelled => t_string!(i18n, operations.outcome.cancelled),
        RunOutcome::Blocked => t_string!(i18n, operations.outcome.blocked),
    }
}

pub fn initiator_label(i18n: I18n, k: InitiatorKind) -> &'static str {
    match k {
        InitiatorKind::Human => t_string!(i18n, operations.initiator.human),
        InitiatorKind::Scheduled => t_string!(i18n, operations.initiator.scheduled),
        InitiatorKind::System => t_string!(i18n, operations.initiator.system),
    }
}

/// The label of a summary count key ([`crate::operations::SUMMARY_KEYS`]); other keys as they are.
pub fn summary_label(i18n: I18n, key: &str) -> String {
    let label = match key {
        "items" => t_string!(i18n, operations.summary.items),
        "versions_created" => t_string!(i18n, operations.summary.versions_created),
        "unchanged" => t_string!(i18n, operations.summary.unchanged),
        "fetched_in_full" => t_string!(i18n, operations.summary.fetched_in_full),
        "protected_changes" => t_string!(i18n, operations.summary.protected_changes),
        "marked_missing" => t_string!(i18n, operations.summary.marked_missing),
        "types_complete" => t_string!(i18n, operations.summary.types_complete),
        "types_failed" => t_string!(i18n, operations.summary.types_failed),
        "permissions_granted" => t_string!(i18n, operations.summary.permissions_granted),
        "permissions_missing" => t_string!(i18n, operations.summary.permissions_missing),
        other => return other.to_string(),
    };
    label.to_string()
}

/// The sentence for a failure reason. Exhaustive over both code sets, so a new code does not compile
/// without its text (the locale files are checked for both languages by a unit test).
pub fn reason_text(i18n: I18n, r: Reason) -> &'static str {
    match r {
        Reason::Graph(g) => match g {
            ReasonCode::Throttled => t_string!(i18n, reasons.graph.throttled),
            ReasonCode::AuthFailed => t_string!(i18n, reasons.graph.auth_failed),
            ReasonCode::PermissionDenied => t_string!(i18n, reasons.graph.permission_denied),
            ReasonCode::NotLicensed => t_string!(i18n, reasons.graph.not_licensed),
            ReasonCode::NotFound => t_string!(i18n, reasons.graph.not_found),
            ReasonCode::BadRequest => t_string!(i18n, reasons.graph.bad_request),
            ReasonCode::Timeout => t_string!(i18n, reasons.graph.timeout),
            ReasonCode::BadResponse => t_string!(i18n, reasons.graph.bad_response),
            ReasonCode::Unavailable => t_string!(i18n, reasons.graph.unavailable),
        },
        Reason::Run(r) => match r {
            RunReason::InitiatorLostAccess => t_string!(i18n, reasons.run.initiator_lost_access),
            RunReason::StaleHeartbeat => t_string!(i18n, reasons.run.stale_heartbeat),
            RunReason::CancelledByUser => t_string!(i18n, reasons.run.cancelled_by_user),
            RunReason::NoHandler => t_string!(i18n, reasons.run.no_handler),
            RunReason::HandlerError => t_string!(i18n, reasons.run.handler_error),
            RunReason::ConnectionMissing => t_string!(i18n, reasons.run.connection_missing),
            RunReason::CredentialUnreadable => t_string!(i18n, reasons.run.credential_unreadable),
        },
    }
}

/// The sentence for a stored reason id (coverage and verification rows carry ids); unknown ids get the
/// neutral "Unknown reason".
pub fn reason_id_text(i18n: I18n, id: &str) -> &'static str {
    match Reason::parse(id) {
        Some(r) => reason_text(i18n, r),
        None => t_string!(i18n, reasons.unknown),
    }
}

/// The status badge (`data-status` carries the id).
#[component]
pub fn StatusBadge(status: RunStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        RunStatus::Completed => "badge",
        _ => "badge badge-info",
    };
    view! { <span class=class data-testid="run-status" data-status=status.id()>{move || status_label(i18n, status)}</span> }
}

/// The outcome badge (`data-outcome` carries the id).
#[component]
pub fn OutcomeBadge(outcome: RunOutcome) -> impl IntoView {
    let i18n = use_i18n();
    let class = match outcome {
        RunOutcome::Failed | RunOutcome::Blocked => "badge badge-warn",
        RunOutcome::PartiallySucceeded | RunOutcome::Cancelled => "badge badge-info",
        _ => "badge",
    };
    view! { <span class=class data-testid="run-outcome" data-outcome=outcome.id()>{move || outcome_label(i18n, outcome)}</span> }
}

/// Progress as a bar plus "3 of 12" (or "3 done" while the total is unknown).
#[component]
pub fn RunProgress(run: OperationRunDto) -> impl IntoView {
    let i18n = use_i18n();
    let done = run.progress_done.max(0);
    let total = run.progress_total.filter(|t| *t > 0);
    let text = move || match total {
        Some(total) => t_string!(i18n, operations.progress, done = done, total = total).to_string(),
        None => t_string!(i18n, operations.progress_open, done = done).to_string(),
    };
    let max = total.unwrap_or(0).max(done).max(1);
    view! {
        <span class="run-progress" data-testid="run-progress" data-done=done data-total=total.map(|t| t.to_string())>
            <progress max=max value=done aria-label=text></progress>
            " "<span class="muted">{text}</span>
        </span>
    }
}

#[cfg(test)]
mod tests {
    use crate::operations::{RunReason, RunType, SUMMARY_KEYS};
    use crate::provider::ReasonCode;

    fn locale(name: &str) -> serde_json::Value {
        let path = format!("{}/../locales/{name}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect("locale file")).expect("locale JSON")
    }

    fn has(v: &serde_json::Value, dotted: &str) -> bool {
        dotted
            .split('.')
            .try_fold(v, |node, part| node.get(part))
            .and_then(|s| s.as_str())
            .is_some_and(|s| !s.is_empty())
    }

    /// Every reason code (`graph.*`, `run.*`) reads `reasons.<code>` in both languages; likewise every run
    /// type and every summary key with a label.
    #[test]
    fn every_reason_code_run_type_and_summary_key_is_translated_in_en_and_de() {
        let codes: Vec<String> = ReasonCode::ALL
            .iter()
            .map(|c| c.as_str().to_string())
            .chain(RunReason::ALL.iter().map(|r| r.id().to_string()))
            .collect();
        assert_eq!(codes.len(), ReasonCode::ALL.len() + RunReason::ALL.len());
        for name in ["en", "de"] {
            let l = locale(name);
            for code in &codes {
                assert!(has(&l, &format!("reasons.{code}")), "locales/{name}.json lacks reasons.{code}");
            }
            for t in RunType::ALL {
                let key = t.id().replace('.', "_");
                assert!(
                    has(&l, &format!("operations.types.{key}")),
                    "locales/{name}.json lacks operations.types.{key}"
                );
            }
            for k in SUMMARY_KEYS {
                assert!(
                    has(&l, &format!("operations.summary.{k}")),
                    "locales/{name}.json lacks operations.summary.{k}"
                );
            }
        }
    }
}
