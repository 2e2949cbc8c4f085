//! One component per page.

mod admin;
mod audit;
mod casework;
mod engagement;
mod governance;
mod people;
mod referrals;
mod sign_in;
mod training;

pub use admin::*;
pub use audit::*;
pub use casework::*;
pub use engagement::*;
pub use governance::*;
pub use people::*;
pub use referrals::*;
pub use sign_in::*;
pub use training::*;

use crate::data::{self, Loaded, SessionUser};
use crate::kit::routes;
use eip_types::Role;
use eip_types::place::local_authority_name;
use leptos::prelude::*;

/// The links a user's roles lead to, in order.
pub fn nav_links(u: &SessionUser) -> Vec<(&'static str, &'static str)> {
    let mut links = vec![(routes::HOME.path(), "Home")];
    let any = |roles: &[Role]| roles.iter().any(|r| u.has_role(*r));
    if any(&[Role::Coordinator, Role::Partner]) {
        links.push((routes::WORKLIST.path(), "Worklist"));
    }
    if any(&[Role::Frontline, Role::Coordinator, Role::Partner]) {
        links.push((routes::REFERRALS.path(), "Referrals"));
    }
    if any(&[Role::Frontline, Role::Coordinator]) {
        links.push((routes::NEW_REFERRAL.path(), "Raise a referral"));
    }
    if any(&[Role::Board, Role::Coordinator, Role::Analyst, Role::Admin]) {
        links.push((routes::REPORTS.path(), "Reports"));
    }
    if any(&[Role::Board, Role::Analyst, Role::Admin]) {
        links.push((routes::DASHBOARD.path(), "Board dashboard"));
        links.push((routes::PACKS.path(), "Report packs"));
    }
    if any(&[Role::Trainer, Role::Admin]) {
        links.push((routes::TRAINING.path(), "Training"));
    }
    if any(&[
        Role::Frontline,
        Role::Coordinator,
        Role::Partner,
        Role::Trainer,
    ]) {
        links.push((routes::MY_TRAINING.path(), "My training"));
    }
    if any(&[
        Role::Analyst,
        Role::Admin,
        Role::Coordinator,
        Role::Frontline,
    ]) {
        links.push((routes::PLACES.path(), "Places"));
    }
    if any(&[Role::Frontline, Role::Coordinator]) {
        links.push((routes::LOG_ENGAGEMENT.path(), "Log an engagement"));
    }
    if any(&[Role::Analyst, Role::Coordinator]) {
        links.push((routes::DEMAND.path(), "Repeat demand"));
    }
    if any(&[Role::Frontline, Role::Coordinator, Role::Analyst]) {
        links.push((routes::PRIORITIES.path(), "Priority board"));
        links.push((routes::CASES.path(), "Problem solving"));
    }
    if any(&[
        Role::Frontline,
        Role::Coordinator,
        Role::Partner,
        Role::Analyst,
        Role::Admin,
    ]) {
        links.push((routes::DIRECTORY.path(), "Partner directory"));
    }
    if any(&[Role::Analyst, Role::Admin]) {
        links.push((routes::IMPORTS.path(), "Imports"));
    }
    if any(&[Role::Admin]) {
        links.push((routes::RETENTION.path(), "Retention review"));
    }
    if any(&[Role::Admin]) {
        links.push((routes::SHARING_ADMIN.path(), "Sharing and retention"));
        links.push((routes::SKILLS_ADMIN.path(), "Skills for work"));
    }
    if any(&[Role::Dpo, Role::Admin]) {
        links.push((routes::ACCESS_REPORT.path(), "Access report"));
    }
    links
}

/// Where the page being shown takes a reason for viewing: its own path
/// and `/reason` (`/referrals/{id}/reason`, `/people/{id}/reason`).
fn reason_action() -> String {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    format!("{}/reason", path.trim_end_matches('/'))
}

/// Renders a page's data, or a clear message when it cannot be shown.
pub(crate) fn show<T: 'static>(loaded: Loaded<T>, ready: impl FnOnce(T) -> AnyView) -> AnyView {
    match loaded {
        Loaded::Ready(v) => ready(v),
        Loaded::SignedOut => view! {
            <h1>"Please sign in"</h1>
            <p><a href=routes::SIGN_IN.path()>"Sign in"</a></p>
        }
        .into_any(),
        Loaded::Denied(why) => view! {
            <h1 id="denied">"Not available to you"</h1>
            <p>{why}</p>
        }
        .into_any(),
        Loaded::NotFound => view! { <h1 id="not-found">"Not found"</h1> }.into_any(),
        Loaded::NeedsReason(why) => view! {
            <h1>"Why do you need this record?"</h1>
            <p>{why}</p>
            <p class="hint">
                "Every view of a child's record is logged with its reason (Data Protection Act 2018, s.62)."
            </p>
            // Posted, so the reason never enters a URL (browser history,
            // proxy logs); the portal keeps it in the session.
            <form id="view-reason-form" method="post" action=reason_action() class="stack">
                <label for="view-reason">"Reason for viewing"</label>
                <textarea id="view-reason" name="reason" rows="2" maxlength="500" required></textarea>
                <button id="view-reason-submit" type="submit">"Open the record"</button>
            </form>
        }
        .into_any(),
        Loaded::Unavailable => view! {
            <h1 id="unavailable">"Service unavailable"</h1>
            <p>
                "Part of the platform is not answering right now. Nothing was lost; "
                "please try again in a moment."
            </p>
        }
        .into_any(),
    }
}

/// A page's data as it loads: "Loading…" until it comes, then `ready` with
/// it, or why it cannot be shown.
pub(crate) fn loading<T, F>(
    page: Resource<Result<Loaded<T>, ServerFnError>>,
    ready: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> AnyView + Clone + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let ready = ready.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(loaded) => show(loaded, ready),
                        Err(e) => failed(e),
                    }
                })
            }}
        </Suspense>
    }
}

pub(crate) fn failed(e: ServerFnError) -> AnyView {
    view! {
        <h1 id="unavailable">"Service unavailable"</h1>
        <p>"The page could not be loaded. Please try again in a moment."</p>
        <p class="hint">{e.to_string()}</p>
    }
    .into_any()
}

#[component]
pub fn Home() -> impl IntoView {
    let user = Resource::new(|| (), |_| data::current_user());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(u)) => home_for(u),
                    Ok(None) => show::<()>(Loaded::SignedOut, |_| ().into_any()),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}

fn home_for(u: SessionUser) -> AnyView {
    let role = u.primary_role();
    let areas = u
        .areas
        .iter()
        .filter_map(|a| local_authority_name(a))
        .collect::<Vec<_>>()
        .join(", ");
    let (title, intro): (&str, &str) = match role {
        Role::Frontline => (
            "Spot it, refer it",
            "Raise an early-help referral from any contact, and see what became of it.",
        ),
        Role::Coordinator => (
            "Hub worklist",
            "Triage and route referrals in your areas; watch timeliness.",
        ),
        Role::Partner => (
            "Referrals shared with your agency",
            "You see only what was shared with your agency, and only the fields shared.",
        ),
        Role::Trainer => (
            "Workforce skills",
            "Record completions and keep restorative practice current.",
        ),
        Role::Board => (
            "Governance board",
            "Indicator reports by area. Aggregates only; small numbers are hidden.",
        ),
        Role::Analyst => ("Analysis", "Place profiles and demand, area by area."),
        Role::Admin => ("Administration", "Areas, programmes and reference data."),
        Role::Dpo => (
            "Data protection",
            "Who has seen a child's record, when and why; the audit chain's integrity.",
        ),
    };
    let links = nav_links(&u).into_iter().skip(1);
    view! {
        <section id="home" data-role=role.as_str()>
            <h1>{title}</h1>
            <p class="lead">{intro}</p>
            <p>
                "Signed in as " <strong>{u.display_name.clone()}</strong> " ("
                {role.label()}
                {(!areas.is_empty()).then(|| format!(", {areas}"))} ")."
            </p>
            <ul class="cards">
                {links
                    .map(|(href, label)| view! { <li><a class="card" href=href>{label}</a></li> })
                    .collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// A field's error message, tied to the field by id for screen readers.
pub(crate) fn field_error(field: &'static str, message: Option<String>) -> impl IntoView {
    message.map(|m| {
        view! { <p id=format!("{field}-error") class="field-error" role="alert">{m}</p> }
    })
}

/// The list of what is wrong, above a form, each linking to its field.
pub(crate) fn error_summary(errors: &[eip_types::FieldError]) -> impl IntoView + use<> {
    error_summary_for("", errors)
}

/// An error summary for a form whose inputs' ids start with `prefix`.
pub(crate) fn error_summary_for(
    prefix: &str,
    errors: &[eip_types::FieldError],
) -> impl IntoView + use<> {
    (!errors.is_empty()).then(|| {
        let items = errors
            .iter()
            .map(|e| {
                let target = format!("#{prefix}{}", e.field.replace(['[', ']', '.'], "-"));
                view! { <li><a href=target>{e.message.clone()}</a></li> }
            })
            .collect_view();
        view! {
            <div class="error-summary" role="alert" tabindex="-1" id="error-summary">
                <h2>"There is a problem"</h2>
                <ul>{items}</ul>
            </div>
        }
    })
}
