//! The HTML document, the root component, the routes and the navigation layout shared by every page.

mod layout;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};

use crate::{
    audit::pages::{AuditDetailRoute, AuditRoute},
    auth::{
        api::get_current_user,
        pages::{AccountRoute, LoginRoute},
        CurrentUser,
    },
    baselines::pages::{BaselineDetailRoute, BaselinesRoute},
    components::{Activity, ErrorPage},
    error::AppError,
    findings::pages::{FindingDetailRoute, FindingsRoute, IntakeRoute, MyWorkRoute, PostureRoute},
    home::pages::HomeRoute,
    i18n::*,
    inventory::pages::{PoliciesRoute, PolicyDetailRoute},
    locale::{tag, Locale},
    members::pages::{InviteRoute, MembersRoute},
    notifications::{components::NotificationsChanged, pages::NotificationsRoute},
    operations::pages::{OperationsRoute, RunDetailRoute},
    preferences::Theme,
    reviews::pages::{
        CustomerWorkspaceEntryRoute, CustomerWorkspaceRoute, PackVerifyRoute, ReviewDetailRoute, ReviewsRoute,
    },
    system::pages::{SystemDirectoryRoute, SystemWorkspaceRoute},
    tenants::pages::{TenantDetailRoute, TenantsRoute},
    workspaces::pages::{ChooserRoute, NoAccessRoute, WorkspaceDashboardRoute, WorkspaceSettingsRoute},
};
pub use layout::AppLayout;

/// The full HTML document rendered by the server. `<html lang>` and `data-theme` come from the
/// preferences the request middleware resolved; hydration reads them back.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let (locale, theme) = initial_prefs();
    view! {
        <!DOCTYPE html>
        <html lang=tag(locale) data-theme=theme.as_str()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%232563eb'/%3E%3C/svg%3E"/>
                <link rel="stylesheet" href=format!("/{}/{}.css", options.site_pkg_dir, options.output_name)/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Locale and theme this page starts with: on the server from the request, in the browser from the
/// attributes the server wrote on `<html>` (so hydration never disagrees).
pub fn initial_prefs() -> (Locale, Theme) {
    #[cfg(feature = "ssr")]
    {
        let p = crate::preferences::server::current();
        (p.locale, p.theme)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let html = document().document_element();
        let attr = |name: &str| html.as_ref().and_then(|h| h.get_attribute(name));
        let locale = attr("lang").and_then(|l| crate::locale::parse(&l)).unwrap_or(Locale::en);
        let theme = attr("data-theme").and_then(|t| Theme::parse(&t)).unwrap_or_default();
        (locale, theme)
    }
}

/// Who is signed in, shared by the whole page. `epoch` is bumped after sign-in and sign-out.
#[derive(Clone, Copy)]
pub struct AuthState {
    pub user: Resource<Result<Option<CurrentUser>, AppError>>,
    pub epoch: RwSignal<u32>,
}

impl AuthState {
    pub fn changed(self) {
        self.epoch.update(|e| *e += 1);
    }
}

/// The current theme, shared by the toggle and the document attribute.
#[derive(Clone, Copy)]
pub struct ThemeState(pub RwSignal<Theme>);

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let (locale, theme) = initial_prefs();
    let epoch = RwSignal::new(0u32);
    let user = Resource::new(move || epoch.get(), |_| get_current_user());
    provide_context(AuthState { user, epoch });
    provide_context(ThemeState(RwSignal::new(theme)));
    provide_context(NotificationsChanged(RwSignal::new(0)));
    provide_context(crate::operations::components::RunsChanged(RwSignal::new(0)));
    let activity = Activity::provide();
    let locale_tag = tag(locale).to_string();
    let header_getter =
        leptos_i18n::context::UseLocalesOptions::default().ssr_lang_header_getter(move || Some(locale_tag.clone()));

    view! {
        <I18nContextProvider
            enable_cookie=false
            set_lang_attr_on_html=false
            set_dir_attr_on_html=false
            ssr_lang_header_getter=header_getter
        >
            <Title text="TenantPilot"/>
            <Router set_is_routing=SignalSetter::map(move |routing: bool| {
                activity.set_routing(routing)
            })>
                <AppLayout>
                    <Routes fallback=|| view! { <ErrorPage status=404/> }>
                        <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin") view={Lazy::<ChooserRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/no-access") view={Lazy::<NoAccessRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace") view={Lazy::<WorkspaceDashboardRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/environments") view={Lazy::<TenantsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/environments/:tenant") view={Lazy::<TenantDetailRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/members") view={Lazy::<MembersRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/settings") view={Lazy::<WorkspaceSettingsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/system") view={Lazy::<SystemDirectoryRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/system/workspaces/:workspace") view={Lazy::<SystemWorkspaceRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/audit/:id") view={Lazy::<AuditDetailRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/environments/:tenant/policies") view={Lazy::<PoliciesRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/environments/:tenant/policies/:policy") view={Lazy::<PolicyDetailRoute>::new()} ssr=SsrMode::Async/>
                        // Operations and notifications (feat/ui-ops).
                        <Route path=path!("/admin/workspaces/:workspace/operations") view={Lazy::<OperationsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/operations/:id") view={Lazy::<RunDetailRoute>::new()} ssr=SsrMode::Async/>
                        // Findings, My work, Intake and posture (issue 13).
                        <Route path=path!("/admin/workspaces/:workspace/findings") view={Lazy::<FindingsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/findings/:id") view={Lazy::<FindingDetailRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/my-work") view={Lazy::<MyWorkRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/intake") view={Lazy::<IntakeRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/posture") view={Lazy::<PostureRoute>::new()} ssr=SsrMode::Async/>
                        // Baselines (issue 13).
                        <Route path=path!("/admin/workspaces/:workspace/baselines") view={Lazy::<BaselinesRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/baselines/:id") view={Lazy::<BaselineDetailRoute>::new()} ssr=SsrMode::Async/>
                        // Reviews, the Customer Review Workspace and pack verification (issue 16). The static
                        // `/reviews/workspace` must come before `/reviews/:id`: the first matching route wins.
                        <Route path=path!("/admin/workspaces/:workspace/reviews") view={Lazy::<ReviewsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/reviews/workspace") view={Lazy::<CustomerWorkspaceRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/workspaces/:workspace/reviews/:id") view={Lazy::<ReviewDetailRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/reviews/workspace") view={Lazy::<CustomerWorkspaceEntryRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/admin/review-packs/verify") view={Lazy::<PackVerifyRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/notifications") view={Lazy::<NotificationsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("/*any") view=|| view! { <ErrorPage status=404/> } ssr=SsrMode::Async/>
                    </Routes>
                </AppLayout>
            </Router>
        </I18nContextProvider>
    }
}
