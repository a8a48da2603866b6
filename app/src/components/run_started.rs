//! The "queued" notice shown after a member starts a run (BRIEF §3.11 surface A): "{Operation} queued —
//! running in the background", or "{Operation} is already queued or running" when the start resolved to
//! an active run, always with a "View run" link. Hydrated pages take it from the action's [`Started`];
//! a plain form post (JavaScript off) cannot carry the answer through its redirect, so the server function
//! redirects to the page with `?run=<id>&run_type=<type>&queued=<bool>` and the page reads it back with
//! [`RunNotice::from_query`]. The notice only ever names a run; opening it is checked like any run page.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use crate::{
    i18n::*,
    operations::{RunType, Started},
};

/// What the notice says: which run, of which type, and whether this request created it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunNotice {
    pub run_id: i64,
    pub run_type: Option<RunType>,
    pub created: bool,
}

impl RunNotice {
    pub fn from_started(started: &Started) -> Self {
        Self { run_id: started.run.id, run_type: RunType::parse(&started.run.run_type), created: started.created }
    }

    /// The notice a plain form post's redirect carries, if the query holds a well-formed one.
    pub fn from_query(query: &ParamsMap) -> Option<Self> {
        let run_id = query.get("run")?.parse::<i64>().ok().filter(|id| *id > 0)?;
        let run_type = query.get("run_type").and_then(|t| RunType::parse(&t));
        let created = query.get("queued").as_deref() != Some("false");
        Some(Self { run_id, run_type, created })
    }

    /// `run=…&run_type=…&queued=…`, the query [`from_query`](Self::from_query) reads.
    pub fn query(&self) -> String {
        let run_type = self.run_type.map(RunType::id).unwrap_or_default();
        format!("run={}&run_type={run_type}&queued={}", self.run_id, self.created)
    }
}

/// The notice, as a polite status message with a link to the run page.
#[component]
pub fn RunStartedNotice(notice: RunNotice, #[prop(into)] workspace: String) -> impl IntoView {
    let i18n = use_i18n();
    let operation = move || match notice.run_type {
        Some(RunType::ProviderConnectionVerify) => t_string!(i18n, inventory.run_started.operations.verify),
        Some(RunType::InventorySync) => t_string!(i18n, inventory.run_started.operations.sync),
        _ => t_string!(i18n, inventory.run_started.operations.other),
    };
    let sentence = move || {
        let operation = operation();
        if notice.created {
            t_string!(i18n, inventory.run_started.queued, operation = operation).to_string()
        } else {
            t_string!(i18n, inventory.run_started.already, operation = operation).to_string()
        }
    };
    let href = format!("/admin/workspaces/{workspace}/operations/{}", notice.run_id);
    // The progress widget looks again at once (in the browser; effects do not run on the server).
    if let Some(changed) = use_context::<crate::operations::components::RunsChanged>() {
        Effect::new(move |_| changed.0.update(|n| *n = n.wrapping_add(1)));
    }
    view! {
        <div class="alert alert-success" role="status" data-testid="run-started" data-run=notice.run_id
            data-created=notice.created.to_string()>
            <span>{sentence}</span>" "
            <a href=href data-testid="run-started-link">{t!(i18n, inventory.run_started.view_run)}</a>
        </div>
    }
}
