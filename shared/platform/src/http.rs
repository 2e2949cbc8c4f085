//! HTTP plumbing shared by every service: health endpoints, request spans
//! named by route template, a body limit, the same-origin guard and problem
//! bodies for unknown routes.

use crate::bus::Bus;
use crate::db::Db;
use crate::error::{ApiError, problem_response};
use crate::telemetry;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use eip_types::Problem;
use serde_json::json;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

/// Largest request body a service accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What `/health/ready` checks.
#[derive(Clone, Debug)]
pub struct Readiness {
    pub db: Db,
    pub bus: Bus,
}

/// Wraps a service's routes with health endpoints and the shared layers.
pub fn service_app(routes: Router, readiness: Readiness) -> Router {
    let health = Router::new()
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .with_state(readiness);
    routes
        .merge(health)
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn(refuse_controls_in_path))
        .layer(middleware::from_fn(same_origin_only))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(trace_layer())
}

/// Wraps routes that take large bodies (file uploads): the same-origin
/// guard, request spans and a limit of `max_bytes` in place of the shared
/// 64 KiB. Merge the result after [`service_app`].
pub fn uploads(routes: Router, max_bytes: usize) -> Router {
    routes
        .layer(middleware::from_fn(same_origin_only))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(max_bytes))
        .layer(trace_layer())
}

async fn ready(State(r): State<Readiness>) -> Response {
    let db = r.db.ping().await;
    let bus = r.bus.ping().await;
    let body = json!({
        "database": if db.is_ok() { "up" } else { "down" },
        "bus": if bus.is_ok() { "up" } else { "down" },
    });
    let status = if db.is_ok() && bus.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

/// Request spans named `METHOD /route/{template}`: never the raw path or the
/// query, which could carry personal data.
#[expect(
    clippy::type_complexity,
    reason = "the layer's type names its closures; a type alias cannot"
)]
pub fn trace_layer() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&Request) -> Span + Clone,
    (),
    impl Fn(&Response, Duration, &Span) + Clone,
> {
    TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", |m| m.as_str());
            let span = tracing::info_span!(
                "request",
                otel.name = %format!("{} {}", req.method(), route),
                otel.kind = "server",
                http.request.method = %req.method(),
                http.route = route,
                http.response.status_code = tracing::field::Empty,
            );
            telemetry::set_parent_from_headers(&span, req.headers());
            span
        })
        .on_request(())
        .on_response(|res: &Response, latency: Duration, span: &Span| {
            span.record("http.response.status_code", res.status().as_u16());
            tracing::info!(
                status = res.status().as_u16(),
                latency_ms = latency.as_millis() as u64,
                "served"
            );
        })
}

/// Refuses a path that encodes a control character (`%00` to `%1F`,
/// `%7F`): no id or name holds one, and PostgreSQL cannot store a NUL.
pub async fn refuse_controls_in_path(req: Request, next: Next) -> Response {
    if encodes_control(req.uri().path()) {
        return ApiError::BadRequest("The address holds a control character.".into())
            .into_response();
    }
    next.run(req).await
}

fn encodes_control(path: &str) -> bool {
    path.as_bytes().windows(3).any(|w| {
        w[0] == b'%'
            && match (w[1], w[2].to_ascii_lowercase()) {
                (b'0' | b'1', d) => d.is_ascii_hexdigit(),
                (b'7', b'f') => true,
                _ => false,
            }
    })
}

/// Refuses state-changing requests a browser sent from another origin.
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && !is_same_origin(req.headers())
    {
        return problem_response(
            StatusCode::FORBIDDEN,
            Problem::new(403, "Cross-origin request refused")
                .with_detail("State-changing requests must come from this site."),
        );
    }
    next.run(req).await
}

fn is_same_origin(headers: &axum::http::HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Not sent by a browser (service-to-service), or a same-origin GET.
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin.split_once("://"), host) {
        (Some((_, origin_host)), Some(host)) => origin_host.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// Serves until `shutdown` is cancelled, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    // The peer's address reaches handlers that need it (sign-in throttling).
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Declares the bearer identity assertion in a service's OpenAPI document.
pub struct AssertionSecurity;

impl utoipa::Modify for AssertionSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "assertion",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Short-lived identity assertion signed by the portal"))
                    .build(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn encoded_control_characters_are_spotted_in_paths() {
        assert!(encodes_control("/referrals/abc%00def"));
        assert!(encodes_control("/people/%1f"));
        assert!(encodes_control("/people/%7F"));
        assert!(!encodes_control("/places/west-marsh"));
        assert!(!encodes_control("/people/a%20b%2Fc"));
    }

    #[test]
    fn origins_must_match_the_host() {
        assert!(is_same_origin(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(is_same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "null")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
