//! "← Previous · Page 2 of 7 · 321 in total · Next →" under a paged list. The links keep every other
//! query parameter of the current URL (filters) and only change `page`, so they work without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

use crate::i18n::*;

#[component]
pub fn Pager(page: u32, pages: u64, total: u64) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let path = use_location().pathname;
    let href = move |n: u32| {
        let mut q = query.get_untracked();
        q.replace("page", n.to_string());
        format!("{}{}", path.get_untracked(), q.to_query_string())
    };
    let prev = (page > 1).then(|| href(page - 1));
    let next = (u64::from(page) < pages).then(|| href(page + 1));
    view! {
        <nav class="pager row" aria-label=move || t_string!(i18n, paging.nav) data-testid="pager">
            {prev.map(|h| view! { <a href=h rel="prev" data-testid="pager-prev">{t!(i18n, paging.prev)}</a> })}
            <span class="muted" data-testid="pager-summary">
                {move || t_string!(i18n, paging.summary, page = page, pages = pages, total = total).to_string()}
            </span>
            {next.map(|h| view! { <a href=h rel="next" data-testid="pager-next">{t!(i18n, paging.next)}</a> })}
        </nav>
    }
}
