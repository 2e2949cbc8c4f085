//! Signing in and out.

use super::see_other;
use crate::{PortalState, users};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use eip_portal_app::data::SignInValues;
use eip_portal_app::kit::fields::sign_in as field;
use eip_portal_app::kit::ssr::keep;
use eip_portal_app::kit::{Fields, FormOutcome, keys, routes};
use tower_sessions::Session;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::SIGN_IN.template(), post(sign_in))
        .route(routes::SIGN_OUT.template(), post(sign_out))
}

async fn sign_in(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Form<Fields>,
) -> Response {
    let username = form.value(field::USERNAME);
    let password = form.value(field::PASSWORD);
    let user = if username.trim().is_empty() || password.is_empty() || username.len() > 100 {
        Ok(None)
    } else {
        users::authenticate(&state.db, &username, &password).await
    };
    match user {
        Ok(Some(user)) => {
            // A new session id at sign-in: nothing from before carries over.
            let _ = session.flush().await;
            let _ = session.cycle_id().await;
            let stored = keep(&session, keys::USER, &user).await
                && keep(
                    &session,
                    keys::SIGNED_IN_AT,
                    &chrono::Utc::now().timestamp(),
                )
                .await;
            if !stored {
                return unavailable();
            }
            tracing::info!(user.id = %user.user_id, "signed in");
            see_other(routes::HOME.path())
        }
        Ok(None) => {
            let typed = SignInValues {
                username: username.trim().to_owned(),
            };
            let refused = FormOutcome::new(typed).refused("The username or password is not right.");
            keep(&session, keys::SIGN_IN, &refused).await;
            see_other(routes::SIGN_IN.path())
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            unavailable()
        }
    }
}

async fn sign_out(session: Session) -> Response {
    let _ = session.flush().await;
    see_other(routes::SIGN_IN.path())
}

fn unavailable() -> Response {
    (
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        axum::response::Html(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Service unavailable</title></head>\
             <body><h1 id=\"unavailable\">Service unavailable</h1><p>Please try again in a moment.</p>\
             <p><a href=\"/\">Home</a></p></body></html>",
        ),
    )
        .into_response()
}
