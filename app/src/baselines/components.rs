//! Baseline building blocks: the snapshot status badge (with "Superseded"), snapshot gaps as
//! "type: reason", localized weekday names of compare slots and the checkbox list of governed policy
//! types used by the create and edit forms.

use leptos::prelude::*;

use crate::{
    baselines::{Gap, SnapshotStatus, GOVERNED_TYPES},
    i18n::*,
    inventory::components::TypeName,
};

/// A snapshot's capture state as a badge, plus "Superseded" when it is no longer the active one.
#[component]
pub fn SnapshotStatusBadge(status: SnapshotStatus, superseded: bool) -> impl IntoView {
    let i18n = use_i18n();
    let label = move || match status {
        SnapshotStatus::Building => t_string!(i18n, baselines.statuses.building),
        SnapshotStatus::Complete => t_string!(i18n, baselines.statuses.complete),
        SnapshotStatus::Incomplete => t_string!(i18n, baselines.statuses.incomplete),
    };
    let class = match status {
        SnapshotStatus::Complete => "badge badge-ok",
        SnapshotStatus::Incomplete => "badge badge-warn",
        SnapshotStatus::Building => "badge",
    };
    view! {
        <span class=class data-testid="snapshot-status" data-status=status.id()>{label}</span>
        {superseded.then(|| view! {
            " "<span class="badge" data-testid="snapshot-superseded">{t!(i18n, baselines.superseded)}</span>
        })}
    }
}

/// The localized reason of a gap; unknown reasons as stored.
fn gap_reason(i18n: leptos_i18n::I18nContext<Locale>, reason: &str) -> String {
    let text = match reason {
        "not_synced" => t_string!(i18n, baselines.gap_reasons.not_synced),
        "sync_failed" => t_string!(i18n, baselines.gap_reasons.sync_failed),
        "ambiguous" => t_string!(i18n, baselines.gap_reasons.ambiguous),
        "snapshot_type_missing" => t_string!(i18n, baselines.gap_reasons.snapshot_type_missing),
        other => return other.to_string(),
    };
    text.to_string()
}

/// A snapshot's gaps, one "type: reason" (and the subject, when there is one) per line.
#[component]
pub fn GapList(gaps: Vec<Gap>) -> impl IntoView {
    let i18n = use_i18n();
    (!gaps.is_empty()).then(|| {
        view! {
            <ul class="list" data-testid="snapshot-gaps">
                {gaps.into_iter().map(|g| {
                    let reason = g.reason.clone();
                    view! {
                        <li data-type=g.policy_type.clone() data-reason=g.reason.clone()>
                            <TypeName key=g.policy_type.clone()/>": "{move || gap_reason(i18n, &reason)}
                            {g.subject.map(|s| view! { " (" <code>{s}</code> ")" })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

/// The localized name of a weekday number (1 = Monday … 7 = Sunday); others as the number.
pub fn weekday_name(i18n: leptos_i18n::I18nContext<Locale>, day: i64) -> String {
    let name = match day {
        1 => t_string!(i18n, baselines.weekdays.mon),
        2 => t_string!(i18n, baselines.weekdays.tue),
        3 => t_string!(i18n, baselines.weekdays.wed),
        4 => t_string!(i18n, baselines.weekdays.thu),
        5 => t_string!(i18n, baselines.weekdays.fri),
        6 => t_string!(i18n, baselines.weekdays.sat),
        7 => t_string!(i18n, baselines.weekdays.sun),
        other => return other.to_string(),
    };
    name.to_string()
}

/// The weekdays of a slot, comma separated.
#[component]
pub fn DayNames(days: Vec<i64>) -> impl IntoView {
    let i18n = use_i18n();
    move || days.iter().map(|d| weekday_name(i18n, *d)).collect::<Vec<_>>().join(", ")
}

/// One checkbox per governed type, named `policy_types[]` (a sequence for the server function);
/// `checked` are pre-selected. `prefix` keeps the ids unique when two forms share a page.
#[component]
pub fn TypeCheckboxes(#[prop(into)] prefix: String, checked: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <fieldset class="field" data-testid="policy-types">
            <legend>{t!(i18n, baselines.policy_types)}</legend>
            {GOVERNED_TYPES.iter().map(|ty| {
                let id = format!("{prefix}-type-{ty}");
                let label_for = id.clone();
                view! {
                    <label class="check" for=label_for>
                        <input type="checkbox" id=id name="policy_types[]" value=*ty checked=checked.iter().any(|c| c == ty)/>
                        " "<TypeName key=*ty/>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
