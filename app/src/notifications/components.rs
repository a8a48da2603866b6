//! The header bell: a link to `/notifications` with the signed-in user's unread count (refetched on every
//! navigation, sign-in or sign-out, and after notifications were marked read); nothing when signed out.
//! It is rendered directly by the layout (not inside another component's `Suspend`), so its resource is
//! created in the same order on the server and during hydration.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::api::unread_notifications;
use crate::{i18n::*, shell::AuthState};

/// Bumped by the notifications page after marking read, so the bell refetches at once.
#[derive(Clone, Copy)]
pub struct NotificationsChanged(pub RwSignal<u32>);

#[component]
pub fn NotificationBell() -> impl IntoView {
    let i18n = use_i18n();
    let path = use_location().pathname;
    let changed = use_context::<NotificationsChanged>().map(|c| c.0);
    let auth = expect_context::<AuthState>();
    let unread = Resource::new(
        move || (path.get(), changed.map(|c| c.get()), auth.epoch.get()),
        |_| async move { unread_notifications().await.unwrap_or(0) },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let signed_in = auth.user.await.ok().flatten().is_some();
                let count = unread.await;
                let label = move || {
                    if count > 0 {
                        t_string!(i18n, notifications.bell_unread, count = count).to_string()
                    } else {
                        t_string!(i18n, notifications.bell).to_string()
                    }
                };
                signed_in.then(|| view! {
                    <a class="btn btn-ghost bell" href="/notifications" data-testid="notification-bell"
                        data-unread=count aria-label=label title=label>
                        <span aria-hidden="true">"🔔"</span>
                        {(count > 0).then(|| view! { <span class="bell-count" data-testid="notification-count">{count}</span> })}
                    </a>
                })
            })}
        </Transition>
    }
}
