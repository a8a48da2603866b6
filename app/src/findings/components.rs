//! Findings building blocks: localized labels of statuses, severities, drift kinds, closed reasons,
//! exception statuses and validities; their badges; and the findings table shared by the list, My work
//! and Intake (optionally with a bulk-selection checkbox or a Claim button per row).

use leptos::{either::Either, prelude::*};

use crate::{
    components::SubmitButton,
    findings::{
        api::ClaimFinding, ClosedReason, DriftKind, ExceptionStatus, FindingDto, FindingStatus, Severity, Validity,
    },
    i18n::*,
    inventory::components::utc,
};

type I18n = leptos_i18n::I18nContext<Locale>;

pub fn status_label(i18n: I18n, s: FindingStatus) -> &'static str {
    match s {
        FindingStatus::New => t_string!(i18n, findings.status.new_status),
        FindingStatus::Triaged => t_string!(i18n, findings.status.triaged),
        FindingStatus::InProgress => t_string!(i18n, findings.status.in_progress),
        FindingStatus::Reopened => t_string!(i18n, findings.status.reopened),
        FindingStatus::Resolved => t_string!(i18n, findings.status.resolved),
        FindingStatus::Closed => t_string!(i18n, findings.status.closed),
        FindingStatus::RiskAccepted => t_string!(i18n, findings.status.risk_accepted),
    }
}

pub fn severity_label(i18n: I18n, s: Severity) -> &'static str {
    match s {
        Severity::Low => t_string!(i18n, findings.severity.low),
        Severity::Medium => t_string!(i18n, findings.severity.medium),
        Severity::High => t_string!(i18n, findings.severity.high),
        Severity::Critical => t_string!(i18n, findings.severity.critical),
    }
}

pub fn kind_label(i18n: I18n, k: DriftKind) -> &'static str {
    match k {
        DriftKind::Missing => t_string!(i18n, findings.kind.missing),
        DriftKind::Different => t_string!(i18n, findings.kind.different),
        DriftKind::Unexpected => t_string!(i18n, findings.kind.unexpected),
    }
}

pub fn closed_reason_label(i18n: I18n, r: ClosedReason) -> &'static str {
    match r {
        ClosedReason::Duplicate => t_string!(i18n, findings.closed_reason.duplicate),
        ClosedReason::FalsePositive => t_string!(i18n, findings.closed_reason.false_positive),
        ClosedReason::NotApplicable => t_string!(i18n, findings.closed_reason.not_applicable),
        ClosedReason::AcceptedRisk => t_string!(i18n, findings.closed_reason.accepted_risk),
    }
}

pub fn exception_status_label(i18n: I18n, s: ExceptionStatus) -> &'static str {
    match s {
        ExceptionStatus::Pending => t_string!(i18n, findings.exception_status.pending),
        ExceptionStatus::Active => t_string!(i18n, findings.exception_status.active),
        ExceptionStatus::Rejected => t_string!(i18n, findings.exception_status.rejected),
        ExceptionStatus::Revoked => t_string!(i18n, findings.exception_status.revoked),
        ExceptionStatus::Expired => t_string!(i18n, findings.exception_status.expired),
        ExceptionStatus::Superseded => t_string!(i18n, findings.exception_status.superseded),
    }
}

pub fn validity_label(i18n: I18n, v: Validity) -> &'static str {
    match v {
        Validity::Pending => t_string!(i18n, findings.validity.pending),
        Validity::Valid => t_string!(i18n, findings.validity.valid),
        Validity::Expiring => t_string!(i18n, findings.validity.expiring),
        Validity::Expired => t_string!(i18n, findings.validity.expired),
        Validity::Revoked => t_string!(i18n, findings.validity.revoked),
        Validity::Rejected => t_string!(i18n, findings.validity.rejected),
        Validity::Superseded => t_string!(i18n, findings.validity.superseded),
    }
}

/// A finding's status as a badge.
#[component]
pub fn FindingStatusBadge(status: FindingStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        FindingStatus::New | FindingStatus::Reopened => "badge badge-warn",
        FindingStatus::Resolved | FindingStatus::Closed => "badge badge-ok",
        _ => "badge badge-info",
    };
    view! { <span class=class data-testid="finding-status" data-status=status.id()>{move || status_label(i18n, status)}</span> }
}

/// A severity as a badge.
#[component]
pub fn SeverityBadge(severity: Severity) -> impl IntoView {
    let i18n = use_i18n();
    let class = if severity.rank() >= Severity::High.rank() { "badge badge-warn" } else { "badge" };
    view! { <span class=class data-testid="finding-severity" data-severity=severity.id()>{move || severity_label(i18n, severity)}</span> }
}

/// An exception's status and validity as badges.
#[component]
pub fn ExceptionBadges(status: ExceptionStatus, validity: Validity) -> impl IntoView {
    let i18n = use_i18n();
    let class = match validity {
        Validity::Valid => "badge badge-ok",
        Validity::Expiring | Validity::Expired => "badge badge-warn",
        _ => "badge",
    };
    view! {
        <span class="badge" data-testid="exception-status" data-status=status.id()>{move || exception_status_label(i18n, status)}</span>
        " "
        <span class=class data-testid="exception-validity" data-validity=validity.id()>{move || validity_label(i18n, validity)}</span>
    }
}

/// What each row of [`FindingTable`] offers besides its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowExtra {
    None,
    /// A checkbox `ids[]` (the table sits inside the bulk form).
    Select,
    /// A Claim button (a form per row).
    Claim,
}

/// The findings table; with [`RowExtra::Claim`] each row has a Claim form posting to `claim`.
pub fn finding_table(
    ws: &str,
    items: Vec<FindingDto>,
    extra: RowExtra,
    claim: Option<ServerAction<ClaimFinding>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let base = format!("/admin/workspaces/{ws}/findings");
    let rows = items
        .into_iter()
        .map(|f| {
            let href = format!("{base}/{}", f.id);
            let (status, severity, kind) = (f.status, f.severity, f.drift_kind);
            let select = (extra == RowExtra::Select).then(|| {
                view! { <td><input type="checkbox" name="ids[]" value=f.id data-testid="finding-select" aria-label=move || t_string!(i18n, findings.select_row)/></td> }
            });
            let claim_cell = (extra == RowExtra::Claim).then(|| {
                let ws = ws.to_string();
                let cell = claim.map(|action| view! {
                    <ActionForm action>
                        <input type="hidden" name="workspace" value=ws/>
                        <input type="hidden" name="finding" value=f.id/>
                        <SubmitButton pending=action.pending() class="btn" attr:data-testid="claim">{t!(i18n, findings.claim)}</SubmitButton>
                    </ActionForm>
                });
                view! { <td>{cell}</td> }
            });
            let assignee = match f.assignee.clone() {
                Some(u) => Either::Left(view! { <span data-testid="finding-assignee">{u.label}</span> }),
                None => Either::Right(view! { <span class="muted" data-testid="finding-unassigned">{t!(i18n, findings.unassigned)}</span> }),
            };
            view! {
                <tr data-testid="finding-row" data-id=f.id data-status=status.id() data-severity=severity.id()>
                    {select}
                    <td><a href=href data-testid="finding-open">{f.subject_display_name.clone()}</a></td>
                    <td>{f.tenant_name.clone()}</td>
                    <td data-kind=kind.id()>{move || kind_label(i18n, kind)}</td>
                    <td><SeverityBadge severity/></td>
                    <td>
                        <FindingStatusBadge status/>
                        {f.reflagged_at.is_some().then(|| view! {
                            " "<span class="badge badge-warn" data-testid="reflagged-badge">{t!(i18n, findings.reflagged)}</span>
                        })}
                    </td>
                    <td>{assignee}</td>
                    <td>
                        <time data-testid="finding-due">{utc(&f.due_at)}</time>
                        {f.overdue.then(|| view! {
                            " "<span class="badge badge-warn" data-testid="finding-overdue">{t!(i18n, findings.overdue)}</span>
                        })}
                    </td>
                    {claim_cell}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="findings-table">
                <thead><tr>
                    {(extra == RowExtra::Select).then(|| view! { <th></th> })}
                    <th>{t!(i18n, findings.col.subject)}</th>
                    <th>{t!(i18n, findings.col.tenant)}</th>
                    <th>{t!(i18n, findings.col.kind)}</th>
                    <th>{t!(i18n, findings.col.severity)}</th>
                    <th>{t!(i18n, findings.col.status)}</th>
                    <th>{t!(i18n, findings.col.assignee)}</th>
                    <th>{t!(i18n, findings.col.due)}</th>
                    {(extra == RowExtra::Claim).then(|| view! { <th></th> })}
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
