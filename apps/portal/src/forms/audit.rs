//! The data protection officer's search by name, for the access report.
//! The name goes to the service in a body and comes back through the
//! session, never in a URL.

use super::{SignedIn, see_other};
use crate::PortalState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use eip_portal_app::data::PersonSearchValues;
use eip_portal_app::kit::fields::access as field;
use eip_portal_app::kit::ssr::keep;
use eip_portal_app::kit::{Fields, FormOutcome, Outage, Then, keys, routes};
use eip_types::person::{PersonFound, PersonSearch};

pub fn routes() -> Router<PortalState> {
    Router::new().route(routes::PERSON_SEARCH.template(), post(search_people))
}

async fn search_people(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let body = PersonSearch {
        name: form.value(field::NAME),
        date_of_birth: form.trimmed(field::DATE_OF_BIRTH),
    };
    let mut search = FormOutcome::new(PersonSearchValues {
        name: body.name.clone(),
        date_of_birth: body.date_of_birth.clone(),
        found: None,
    });
    match state
        .ctx
        .referrals
        .post::<_, Vec<PersonFound>>("/people/search", &me.principal(), &body)
        .await
    {
        Ok(found) => search.values.found = Some(found),
        Err(e) => search = search.refused_by(e, Outage::unnamed(Then::TryAgain)),
    }
    keep(&me.session, keys::PERSON_SEARCH, &search).await;
    see_other(routes::ACCESS_REPORT.path())
}
