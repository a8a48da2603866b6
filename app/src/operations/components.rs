//! View pieces of operation runs shared by the list, the detail page and the notifications: the localized
//! names of run types, statuses, outcomes, initiators, summary counts and failure reasons (stable ids in,
//! en/de text out; unknown ids fall back to a neutral label or the raw key, never a translation key), the
//! status/outcome badges and the progress bar; the calm polling with back-off shared by the live run
//! page and the progress widget ([`live_poll`]); and the progress widget itself ([`ActiveRunsWidget`],
//! BRIEF §3.11 surface B: the signed-in member's own queued and running runs of the workspace in view,
//! at most five rows plus "+N more", each with a "View run" link; it disappears once nothing is active).

use std::time::Duration;

use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::hooks::use_location;

use crate::{
    i18n::*,
    operations::{
        api::active_runs, ActiveRunList, InitiatorKind, OperationRunDto, Reason, RunOutcome, RunReason, RunStatus,
        RunType,
    },
    provider::ReasonCode,
    shell::AuthState,
};

/// First poll delay, growth factor and ceiling of live views.
const POLL_FIRST_MS: f64 = 1_000.0;
const POLL_GROWTH: f64 = 1.5;
const POLL_MAX_MS: f64 = 10_000.0;

/// The delay before poll number `n` (0-based): 1 s, 1.5 s, 2.25 s … capped at 10 s.
pub fn poll_delay(n: u32) -> Duration {
    let ms = (POLL_FIRST_MS * POLL_GROWTH.powi(n.min(20) as i32)).min(POLL_MAX_MS);
    Duration::from_millis(ms as u64)
}

/// In the browser: after each load of `resource` that `active` says is still live, bumps `tick` (which the
/// resource tracks) after the next back-off delay ([`poll_delay`]); stops (and starts over at 1 s) once
/// it is not, and when the view is left.
pub fn live_poll<T>(resource: Resource<T>, active: fn(&T) -> bool, tick: RwSignal<u32>)
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    let polls = StoredValue::new(0u32);
    let pending = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        let live = resource.get().is_some_and(|v| active(&v));
        if let Some(h) = pending.try_update_value(Option::take).flatten() {
            h.clear();
        }
        if !live {
            polls.set_value(0);
            return;
        }
        let n = polls.get_value();
        polls.set_value(n.saturating_add(1));
        let handle = set_timeout_with_handle(
            move || {
                let _ = pending.try_set_value(None);
                let _ = tick.try_update(|t| *t = t.wrapping_add(1));
            },
            poll_delay(n),
        );
        if let Ok(h) = handle {
            pending.set_value(Some(h));
        }
    });
    on_cleanup(move || {
        if let Some(h) = pending.try_update_value(Option::take).flatten() {
            h.clear();
        }
    });
}

/// Bumped when this page started a run (the queued notice), so the progress widget looks at once.
#[derive(Clone, Copy)]
pub struct RunsChanged(pub RwSignal<u32>);

/// The workspace slug of an `/admin/workspaces/{slug}/…` path.
fn workspace_in_path(path: &str) -> Option<String> {
    let slug = path.strip_prefix("/admin/workspaces/")?.split('/').next()?;
    (!slug.is_empty()).then(|| slug.to_string())
}

/// The progress widget. Rendered by the layout itself (like the header bell), so its resource is created
/// in the same order on the server and during hydration. Nothing outside a workspace, for members
/// without `operations.view` (customers) or when nothing is active.
#[component]
pub fn ActiveRunsWidget() -> impl IntoView {
    let i18n = use_i18n();
    let path = use_location().pathname;
    let auth = expect_context::<AuthState>();
    let changed = use_context::<RunsChanged>().map(|c| c.0);
    let tick = RwSignal::new(0u32);
    let slug = Memo::new(move |_| workspace_in_path(&path.get()));
    let active = Resource::new(
        move || (slug.get(), tick.get(), changed.map(|c| c.get()), auth.epoch.get()),
        |(slug, _, _, _)| async move {
            match slug {
                Some(slug) => active_runs(slug).await.unwrap_or_default(),
                None => ActiveRunList::default(),
            }
        },
    );
    live_poll(active, |a: &ActiveRunList| !a.runs.is_empty(), tick);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let a = active.await;
                let ws = slug.get_untracked().unwrap_or_default();
                let ops = format!("/admin/workspaces/{ws}/operations");
                let more = a.more;
                (!a.runs.is_empty()).then(|| view! {
                    <aside class="run-widget" data-testid="active-runs" data-more=more
                        aria-label=move || t_string!(i18n, operations.widget.title)>
                        <h2 class="run-widget-title">{t!(i18n, operations.widget.title)}</h2>
                        <ul>
                            {a.runs.into_iter().map(|r| {
                                let id = r.run.id;
                                let run_type = r.run.run_type.clone();
                                let href = format!("{ops}/{id}");
                                view! {
                                    <li data-testid="active-run" data-run=id>
                                        <span class="run-widget-name">{move || run_type_label(i18n, &run_type)}</span>
                                        {r.tenant_name.map(|t| view! { " " <span class="muted">{t}</span> })}
                                        <span class="run-widget-state">
                                            <StatusBadge status=r.run.status/>" "<RunProgress run=r.run/>
                                        </span>
                                        <a href=href data-testid="active-run-link">{t!(i18n, operations.widget.view_run)}</a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(more > 0).then(|| view! {
                            <a href=ops.clone() data-testid="active-runs-more">
                                {move || t_string!(i18n, operations.widget.more, count = more).to_string()}
                            </a>
                        })}
                    </aside>
                })
            })}
        </Transition>
    }
}

type I18n = I18nContext<Locale>;

/// "Inventory sync" for `inventory.sync`; "Unknown operation" for ids outside the catalog.
pub fn run_type_label(i18n: I18n, id: &str) -> &'static str {
    match RunType::parse(id) {
        Some(RunType::ProviderConnectionVerify) => t_string!(i18n, operations.types.provider_connection_verify),
        Some(RunType::InventorySync) => t_string!(i18n, operations.types.inventory_sync),
        Some(RunType::CompareRun) => t_string!(i18n, operations.types.compare_run),
        Some(RunType::BaselineCapture) => t_string!(i18n, operations.types.baseline_capture),
        Some(RunType::BackupCapture) => t_string!(i18n, operations.types.backup_capture),
        Some(RunType::RestoreExecute) => t_string!(i18n, operations.types.restore_execute),
        Some(RunType::EvidenceGenerate) => t_string!(i18n, operations.types.evidence_generate),
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
        "subjects" => t_string!(i18n, operations.summary.subjects),
        "matched" => t_string!(i18n, operations.summary.matched),
        "drift_missing" => t_string!(i18n, operations.summary.drift_missing),
        "drift_different" => t_string!(i18n, operations.summary.drift_different),
        "drift_unexpected" => t_string!(i18n, operations.summary.drift_unexpected),
        "findings_created" => t_string!(i18n, operations.summary.findings_created),
        "findings_resolved" => t_string!(i18n, operations.summary.findings_resolved),
        "findings_reopened" => t_string!(i18n, operations.summary.findings_reopened),
        "reflagged" => t_string!(i18n, operations.summary.reflagged),
        "gaps" => t_string!(i18n, operations.summary.gaps),
        "items_captured" => t_string!(i18n, operations.summary.items_captured),
        "snapshots_created" => t_string!(i18n, operations.summary.snapshots_created),
        "snapshots_reused" => t_string!(i18n, operations.summary.snapshots_reused),
        "sections" => t_string!(i18n, operations.summary.sections),
        "pack_files" => t_string!(i18n, operations.summary.pack_files),
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
            RunReason::BaselineUnusable => t_string!(i18n, reasons.run.baseline_unusable),
            RunReason::ConnectionMissing => t_string!(i18n, reasons.run.connection_missing),
            RunReason::CredentialUnreadable => t_string!(i18n, reasons.run.credential_unreadable),
            RunReason::EntitlementBlocked => t_string!(i18n, reasons.run.entitlement_blocked),
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
    use std::time::Duration;

    use super::{poll_delay, workspace_in_path};
    use crate::operations::{RunReason, RunType, SUMMARY_KEYS};
    use crate::provider::ReasonCode;

    #[test]
    fn polling_backs_off_to_ten_seconds() {
        assert_eq!(poll_delay(0), Duration::from_millis(1_000));
        assert_eq!(poll_delay(1), Duration::from_millis(1_500));
        assert_eq!(poll_delay(2), Duration::from_millis(2_250));
        assert_eq!(poll_delay(6), Duration::from_millis(10_000));
        assert_eq!(poll_delay(u32::MAX), Duration::from_millis(10_000));
    }

    #[test]
    fn the_widget_finds_the_workspace_in_the_path() {
        assert_eq!(workspace_in_path("/admin/workspaces/contoso/operations/4").as_deref(), Some("contoso"));
        assert_eq!(workspace_in_path("/admin/workspaces/contoso").as_deref(), Some("contoso"));
        assert_eq!(workspace_in_path("/admin/workspaces/"), None);
        assert_eq!(workspace_in_path("/admin"), None);
        assert_eq!(workspace_in_path("/system/workspaces/contoso"), None);
    }

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
