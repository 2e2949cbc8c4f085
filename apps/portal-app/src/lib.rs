//! The portal's pages. Rendered on the server (every page works without
//! JavaScript: forms post to the portal and redirect back) and hydrated in
//! the browser for comfort. Data comes from the services through server
//! functions, which act for the signed-in user.

pub mod data;
pub mod kit;
mod pages;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

pub use data::SessionUser;
pub use pages::*;

/// The HTML document around the app, rendered on the server.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href="/pkg/eip_portal.css" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Early Intervention Platform" />
        <Router>
            <Header />
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignIn ssr=SsrMode::Async />
                    <Route path=path!("/referrals") view=ReferralList ssr=SsrMode::Async />
                    <Route path=path!("/worklist") view=Worklist ssr=SsrMode::Async />
                    <Route path=path!("/retention") view=Retention ssr=SsrMode::Async />
                    <Route path=path!("/admin/sharing") view=SharingAdmin ssr=SsrMode::Async />
                    <Route path=path!("/admin/skills") view=SkillsAdmin ssr=SsrMode::Async />
                    <Route path=path!("/access-report") view=AccessReportPage ssr=SsrMode::Async />
                    <Route path=path!("/people/:id") view=PersonPage ssr=SsrMode::Async />
                    <Route path=path!("/referrals/new") view=NewReferralPage ssr=SsrMode::Async />
                    <Route path=path!("/referrals/:id") view=ReferralDetail ssr=SsrMode::Async />
                    <Route path=path!("/reports") view=Reports ssr=SsrMode::Async />
                    <Route path=path!("/governance") view=BoardDashboard ssr=SsrMode::Async />
                    <Route path=path!("/governance/packs") view=Packs ssr=SsrMode::Async />
                    <Route path=path!("/governance/packs/:id") view=PackDetail ssr=SsrMode::Async />
                    <Route path=path!("/training") view=Training ssr=SsrMode::Async />
                    <Route path=path!("/training/renewals") view=TrainingRenewals ssr=SsrMode::Async />
                    <Route path=path!("/training/staff/:id") view=TrainingRecord ssr=SsrMode::Async />
                    <Route path=path!("/training/sessions") view=TrainingSessions ssr=SsrMode::Async />
                    <Route path=path!("/training/sessions/:id") view=TrainingSession ssr=SsrMode::Async />
                    <Route path=path!("/places") view=Places ssr=SsrMode::Async />
                    <Route path=path!("/places/:id") view=PlaceProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/engagement/new") view=EngagementNewPage ssr=SsrMode::Async />
                    <Route path=path!("/demand") view=DemandPage ssr=SsrMode::Async />
                    <Route path=path!("/imports") view=ImportsPage ssr=SsrMode::Async />
                    <Route path=path!("/priorities") view=PriorityBoardPage ssr=SsrMode::Async />
                    <Route path=path!("/cases") view=CasesPage ssr=SsrMode::Async />
                    <Route path=path!("/cases/:id") view=CaseWorkspacePage ssr=SsrMode::Async />
                    <Route path=path!("/directory") view=DirectoryPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let user = Resource::new(|| (), |_| data::current_user());
    view! {
        <header class="top">
            <a class="brand" href="/">"Early Intervention"</a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match user.await.ok().flatten() {
                        Some(u) => {
                            let links = pages::nav_links(&u);
                            view! {
                                <nav aria-label="Main">
                                    {links
                                        .into_iter()
                                        .map(|(href, label)| view! { <A href=href>{label}</A> })
                                        .collect_view()}
                                </nav>
                                <span id="current-user">
                                    {u.display_name.clone()} " · " {u.primary_role().label()}
                                </span>
                                <form id="sign-out" method="post" action=kit::routes::SIGN_OUT.path()>
                                    <button id="sign-out-submit" type="submit">
                                        "Sign out"
                                    </button>
                                </form>
                            }
                                .into_any()
                        }
                        None => ().into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}

#[component]
fn Footer() -> impl IntoView {
    // Turns "live" once the browser bundle has hydrated the page.
    let (live, set_live) = signal(false);
    Effect::new(move |_| set_live.set(true));
    view! {
        <footer>
            <span>"Official-sensitive: records about children. Every view is logged."</span>
            <span id="js-status" class="js-status">
                {move || if live.get() { "live" } else { "static" }}
            </span>
        </footer>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Page not found"</h1>
        <p><a href="/">"Go to your home page"</a></p>
    }
}
