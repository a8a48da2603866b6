//! `/notifications`: the signed-in user's notifications, newest first, each with a "View run" link, and a
//! "Mark all read" action (a plain form post, so it works without JavaScript).

use leptos::{either::Either, prelude::*};

use super::{
    api::{list_notifications, MarkNotificationsRead},
    components::NotificationsChanged,
    NotificationDto,
};
use crate::{
    components::{errors::error_page_for, ErrorPage, ErrorText, SubmitButton},
    i18n::*,
    operations::components::{run_type_label, summary_label, OutcomeBadge},
};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let changed = use_context::<NotificationsChanged>();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(c)) = (mark.value().get(), changed) {
            c.0.update(|n| *n = n.wrapping_add(1));
        }
    });
    let list = Resource::new(move || mark.version().get(), |_| list_notifications(None));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(l) => {
                        let empty = l.items.is_empty();
                        let unread = l.unread;
                        Either::Left(view! {
                            <section class="card">
                                <h1>{t!(i18n, notifications.title)}</h1>
                                <p class="muted">{t!(i18n, notifications.intro)}</p>
                                <ActionForm action=mark>
                                    <input type="hidden" name="all" value="true"/>
                                    <fieldset disabled=unread == 0>
                                        <SubmitButton pending=mark.pending() class="btn">{t!(i18n, notifications.mark_all_read)}</SubmitButton>
                                    </fieldset>
                                    {move || mark.value().get().and_then(Result::err).map(|e| view! {
                                        <div class="alert alert-error" role="alert"><ErrorText error=e/></div>
                                    })}
                                </ActionForm>
                                {if empty {
                                    Either::Left(view! { <p class="muted" data-testid="notifications-empty">{t!(i18n, notifications.empty)}</p> })
                                } else {
                                    Either::Right(view! {
                                        <div class="table-wrap">
                                            <table class="table" data-testid="notifications-table">
                                                <thead><tr>
                                                    <th>{t!(i18n, notifications.col.when)}</th>
                                                    <th>{t!(i18n, notifications.col.operation)}</th>
                                                    <th>{t!(i18n, notifications.col.outcome)}</th>
                                                    <th>{t!(i18n, notifications.col.workspace)}</th>
                                                    <th>{t!(i18n, notifications.col.counts)}</th>
                                                    <th></th>
                                                </tr></thead>
                                                <tbody>{l.items.into_iter().map(row).collect_view()}</tbody>
                                            </table>
                                        </div>
                                    })
                                }}
                            </section>
                        })
                    }
                    Err(e) => Either::Right(view! { <ErrorPage status=error_page_for(&e)/> }),
                }
            })}
        </Transition>
    }
}

fn row(n: NotificationDto) -> impl IntoView {
    let i18n = use_i18n();
    let href = n.run_href();
    let type_id = n.run_type.clone();
    let unread = n.read_at.is_none();
    let counts = n
        .summary
        .iter()
        .map(|(k, v)| {
            let key = k.clone();
            let v = *v;
            view! { <span class="count">{move || summary_label(i18n, &key)}": "{v}</span>" " }
        })
        .collect_view();
    view! {
        <tr data-testid="notification-row" data-run=n.run_id data-unread=unread.to_string()>
            <td>
                <code>{n.created_at.clone()}</code>
                {unread.then(|| view! { " "<span class="badge badge-info">{t!(i18n, notifications.unread)}</span> })}
            </td>
            <td>{move || run_type_label(i18n, &type_id)}" "{t!(i18n, notifications.finished)}</td>
            <td><OutcomeBadge outcome=n.outcome/></td>
            <td>{n.workspace_name.clone()}</td>
            <td>{counts}</td>
            <td><a class="btn" href=href data-testid="notification-view-run">{t!(i18n, notifications.view_run)}</a></td>
        </tr>
    }
}

crate::lazy_page!(
    /// `/notifications`
    NotificationsRoute,
    NotificationsPage
);
