//! Signing in and out.

use super::see_other;
use crate::throttle::Verdict;
use crate::{PortalState, users};
use axum::Extension;
use axum::extract::{ConnectInfo, State};
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

/// Signs in. Every refusal looks the same whether or not the username
/// exists; too many failures (for the username, or from the address) hold
/// further attempts back before any password is checked.
async fn sign_in(
    State(state): State<PortalState>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    session: Session,
    Form(form): Form<Fields>,
) -> Response {
    let username = form.value(field::USERNAME);
    let password = form.value(field::PASSWORD);
    let address = peer.map(|Extension(ConnectInfo(a))| a.ip());
    let now = std::time::Instant::now();
    let typed = SignInValues {
        username: username.trim().to_owned(),
    };
    if let Verdict::Wait(_) = state.throttle.verdict(&username, address, now) {
        tracing::warn!(event = "sign_in_throttled", "sign-in held back");
        let refused = FormOutcome::new(typed)
            .refused("Too many attempts to sign in. Wait a few minutes, then try again.");
        keep(&session, keys::SIGN_IN, &refused).await;
        return see_other(routes::SIGN_IN.path());
    }
    let user = if username.trim().is_empty() || password.is_empty() || username.len() > 100 {
        Ok(None)
    } else {
        let Some(_turn) = state.throttle.turn().await else {
            tracing::warn!(event = "sign_in_busy", "sign-in queue full");
            return unavailable();
        };
        users::authenticate(&state.db, &username, &password).await
    };
    match user {
        Ok(Some(user)) => {
            state.throttle.succeeded(&username);
            // A new session id at sign-in: nothing from before carries over.
            let _ = session.flush().await;
            let _ = session.cycle_id().await;
            let stored = keep(&session, keys::USER_ID, &user.user_id).await
                && keep(
                    &session,
                    keys::SIGNED_IN_AT,
                    &chrono::Utc::now().timestamp(),
                )
                .await;
            if !stored {
                return unavailable();
            }
            tracing::info!(event = "sign_in_succeeded", user.id = %user.user_id, "signed in");
            see_other(routes::HOME.path())
        }
        Ok(None) => {
            if !username.trim().is_empty() {
                state.throttle.failed(&username, address, now);
            }
            tracing::info!(event = "sign_in_failed", "sign-in refused");
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
