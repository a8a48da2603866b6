//! Small building blocks shared by every area: the submit button with its pending state, the global
//! activity bar, translated error output, the pager of paged lists and the "run queued" notice.

pub mod activity;
pub mod errors;
pub mod pager;
pub mod role;
pub mod run_started;

pub use activity::{track_pending, Activity, SubmitButton};
pub use errors::{ErrorPage, ErrorText, FieldErrorText};
pub use pager::Pager;
pub use role::RoleName;
pub use run_started::{RunNotice, RunStartedNotice};

/// Declares `$route` as a lazily loaded route that renders `<$page/>`: its wasm is split into its own
/// chunk (scripts/build runs wasm-split), so the initial download stays small as pages are added.
/// Every page route uses it: `lazy_page!(TenantsRoute, TenantsPage);` then
/// `<Route path=… view={Lazy::<TenantsRoute>::new()} ssr=SsrMode::Async/>`.
#[macro_export]
macro_rules! lazy_page {
    ($(#[$meta:meta])* $route:ident, $page:ident) => {
        $(#[$meta])*
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> leptos::prelude::AnyView {
                let _ = this;
                leptos::prelude::IntoAny::into_any(leptos::view! { <$page/> })
            }
        }
    };
}
