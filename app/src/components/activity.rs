//! Visible progress for pending server actions: every [`SubmitButton`] shows a spinner and disables
//! itself while its action runs, and the top-of-page bar shows while any action or navigation is pending.

use leptos::prelude::*;

/// Number of pending actions and navigations (client side).
#[derive(Clone, Copy)]
pub struct Activity {
    pending: RwSignal<i32>,
    routing: RwSignal<bool>,
}

impl Activity {
    pub fn provide() -> Self {
        let this = Self { pending: RwSignal::new(0), routing: RwSignal::new(false) };
        provide_context(this);
        this
    }

    pub fn busy(self) -> bool {
        self.pending.get() > 0 || self.routing.get()
    }

    /// Called by the router while a navigation loads.
    pub fn set_routing(self, routing: bool) {
        self.routing.set(routing);
    }
}

/// Counts `pending` into the page's [`Activity`] while it is true.
pub fn track_pending(pending: Signal<bool>) {
    let Some(activity) = use_context::<Activity>() else {
        return;
    };
    Effect::new(move |was: Option<bool>| {
        let now = pending.get();
        match (was.unwrap_or(false), now) {
            (false, true) => activity.pending.update(|n| *n += 1),
            (true, false) => activity.pending.update(|n| *n -= 1),
            _ => {}
        }
        now
    });
    on_cleanup(move || {
        if pending.try_get_untracked().unwrap_or(false) {
            activity.pending.update(|n| *n -= 1);
        }
    });
}

/// A form's submit button; `pending` is usually `action.pending()`.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional, into)] class: Option<String>,
    children: Children,
) -> impl IntoView {
    track_pending(pending);
    view! {
        <button
            type="submit"
            class=class.unwrap_or_else(|| "btn btn-primary".into())
            aria-busy=move || pending.get().to_string()
            disabled=move || pending.get()
        >
            <span class="spinner" aria-hidden="true"></span>
            {children()}
        </button>
    }
}

/// The thin bar at the top of the page while something is pending.
#[component]
pub fn ActivityBar() -> impl IntoView {
    let activity = expect_context::<Activity>();
    view! {
        <div class="activity-bar" class:active=move || activity.busy() role="progressbar" aria-hidden=move || (!activity.busy()).to_string()></div>
    }
}
