//! The portal: the platform's only public surface. It signs users in, keeps
//! their session, renders the Leptos pages, handles the forms, and calls the
//! services with a short-lived assertion of the user. It holds no domain data.

pub mod browser;
pub mod exposure;
mod forms;
mod session_store;
pub mod throttle;
pub mod users;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use eip_platform::CancellationToken;
use eip_platform::client::ServiceClient;
use eip_platform::config::{DatabaseUrl, IdentityConfig, Part, TelemetryConfig};
use eip_platform::db::{Db, Migrations};
use eip_platform::http::{same_origin_only, serve, trace_layer};
use eip_platform::identity::{IdentityKeys, Keyring, PORTAL};
use eip_portal_app::data::ssr::PortalCtx;
use eip_portal_app::kit::{keys, routes};
use eip_portal_app::{App, shell};
use leptos::prelude::*;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, generate_route_list, handle_server_fns_with_context,
};
use serde::{Deserialize, Serialize};
use session_store::{PortalSessions, RedisSessions};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;
use tower_http::services::ServeDir;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStoreKind {
    #[default]
    Memory,
    Redis,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    pub store: SessionStoreKind,
    pub redis_url: String,
    pub key_prefix: String,
    /// Secure, `__Host-` cookies. Off only for plain-http local runs.
    pub secure_cookie: bool,
    /// Signed out after this long without a request.
    pub idle_minutes: i64,
    /// Signed out this long after signing in, whatever the activity.
    pub absolute_hours: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            store: SessionStoreKind::Memory,
            redis_url: "redis://127.0.0.1:6379".into(),
            key_prefix: "eip:".into(),
            secure_cookie: true,
            idle_minutes: 30,
            absolute_hours: 10,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceUrls {
    pub engagement: String,
    pub referrals: String,
    pub training: String,
    pub governance: String,
}

impl Default for ServiceUrls {
    fn default() -> Self {
        Self {
            engagement: Part::Engagement.default_url(),
            referrals: Part::Referrals.default_url(),
            training: Part::Training.default_url(),
            governance: Part::Governance.default_url(),
        }
    }
}

/// The portal's settings. Unknown top-level keys are ignored, since one
/// environment may also hold the services' `EIP_` variables.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub bind: String,
    /// The portal's own database: user accounts only.
    pub database_url: DatabaseUrl,
    /// Where the browser bundle was built (`pkg/` inside).
    pub site_root: PathBuf,
    pub sessions: SessionConfig,
    pub services: ServiceUrls,
    /// How failed sign-ins slow further attempts.
    pub sign_in: throttle::ThrottleConfig,
    pub identity: IdentityConfig,
    pub telemetry: TelemetryConfig,
    /// Create the demo accounts in an empty database.
    pub demo: bool,
    pub demo_password: String,
    /// Where browsers reach the portal when that is not `bind`: the
    /// `host:port` a container's port is published on. The start-up check
    /// on demo mode and insecure cookies looks at this address when given.
    pub published_address: Option<String>,
    /// Start with demo mode or a non-`Secure` cookie on an address other
    /// than loopback (`EIP_ALLOW_INSECURE_PUBLIC`); refused otherwise.
    pub allow_insecure_public: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: Part::Portal.default_bind(),
            database_url: Part::Portal.default_database(),
            site_root: PathBuf::from("target/site"),
            sessions: SessionConfig::default(),
            services: ServiceUrls::default(),
            sign_in: throttle::ThrottleConfig::default(),
            identity: IdentityConfig::default(),
            telemetry: TelemetryConfig::default(),
            demo: false,
            demo_password: "demo-password".into(),
            published_address: None,
            allow_insecure_public: false,
        }
    }
}

impl Config {
    /// What the start-up check on public addresses looks at.
    pub fn exposure(&self) -> exposure::Exposure<'_> {
        exposure::Exposure {
            address: self.published_address.as_deref().unwrap_or(&self.bind),
            demo: self.demo,
            secure_cookie: self.sessions.secure_cookie,
            allow_insecure_public: self.allow_insecure_public,
        }
    }

    /// The portal's own keys: the only ones that may assert a person.
    pub fn identity_keys(&self) -> anyhow::Result<IdentityKeys> {
        Ok(Keyring::from_config(PORTAL, &self.identity)?.part(PORTAL))
    }
}

pub fn migrations() -> Migrations {
    eip_platform::migrations!()
}

#[derive(Clone, Debug)]
pub struct PortalState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub ctx: Arc<PortalCtx>,
    pub sessions: PortalSessions,
    pub absolute_hours: i64,
    pub throttle: Arc<throttle::SignInThrottle>,
}

impl axum::extract::FromRef<PortalState> for LeptosOptions {
    fn from_ref(state: &PortalState) -> Self {
        state.leptos_options.clone()
    }
}

/// Connects, seeds demo accounts when asked, and serves until `shutdown`.
pub async fn launch(
    config: Config,
    keys: IdentityKeys,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    exposure::check(config.exposure()).map_err(anyhow::Error::msg)?;
    let db = Db::connect(&config.database_url, &migrations()).await?;
    if config.demo {
        users::seed_demo(&db, &config.demo_password).await?;
    }
    let sessions = match config.sessions.store {
        SessionStoreKind::Memory => PortalSessions::Memory(MemoryStore::default()),
        SessionStoreKind::Redis => PortalSessions::Redis(
            RedisSessions::connect(&config.sessions.redis_url, &config.sessions.key_prefix).await?,
        ),
    };
    let client = |part: Part, url: &str| ServiceClient::new(keys.clone(), part.name(), url);
    let ctx = Arc::new(PortalCtx {
        users: Arc::new(users::Directory::new(db.clone())),
        engagement: client(Part::Engagement, &config.services.engagement),
        referrals: client(Part::Referrals, &config.services.referrals),
        training: client(Part::Training, &config.services.training),
        governance: client(Part::Governance, &config.services.governance),
    });
    let addr = listener.local_addr()?;
    let leptos_options = LeptosOptions::builder()
        .output_name("eip_portal")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let state = PortalState {
        leptos_options,
        db: db.clone(),
        ctx,
        sessions: sessions.clone(),
        absolute_hours: config.sessions.absolute_hours,
        throttle: Arc::new(throttle::SignInThrottle::new(config.sign_in.clone())),
    };
    let app = router(state, &config);
    tracing::info!(%addr, "portal listening");
    serve(listener, app, shutdown).await?;
    db.close().await;
    Ok(())
}

/// The pages' routes, walked once per process. The walk renders the app
/// with resource loading switched off process-wide while it runs, so a
/// second walk (a second portal in one process, as the tests start them)
/// would leave pages rendering meanwhile waiting for data that never loads.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: PortalState, config: &Config) -> Router {
    let routes = route_list();
    let session_layer = SessionManagerLayer::new(state.sessions.clone())
        .with_name(if config.sessions.secure_cookie {
            "__Host-eip_session"
        } else {
            "eip_session"
        })
        .with_secure(config.sessions.secure_cookie)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(CookieDuration::minutes(
            config.sessions.idle_minutes,
        )));
    // The bundle's build leaves a gzip copy beside each file; browsers that
    // accept gzip (all of them) get it, about a third of the size.
    let pkg = ServeDir::new(config.site_root.join("pkg")).precompressed_gzip();
    let options = state.leptos_options.clone();
    let ctx = state.ctx.clone();
    let page_context = move || {
        provide_context(ctx.clone());
        browser::provide_request_nonce();
    };
    let mut router = Router::new()
        .merge(forms::routes())
        .route("/api/{*fn_name}", post(server_fns).get(server_fns))
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || {
            shell(options.clone())
        })
        .nest_service("/pkg", pkg)
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            PortalState,
            _,
        >(page_context, shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_sign_in,
        ))
        .layer(session_layer)
        .layer(middleware::from_fn(same_origin_only))
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024))
        .layer(middleware::from_fn(browser::nonce_and_caching))
        .layer(browser::transport_security(config.sessions.secure_cookie));
    for header in browser::fixed_headers() {
        router = router.layer(header);
    }
    router.layer(trace_layer()).with_state(state)
}

async fn server_fns(State(state): State<PortalState>, req: Request) -> impl IntoResponse {
    let ctx = state.ctx.clone();
    handle_server_fns_with_context(move || provide_context(ctx.clone()), req).await
}

async fn ready(State(state): State<PortalState>) -> StatusCode {
    let sessions_ok = match &state.sessions {
        PortalSessions::Memory(_) => true,
        PortalSessions::Redis(r) => r.ping().await,
    };
    if state.db.ping().await.is_ok() && sessions_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

/// Pages need a signed-in user. The session names the user; the account,
/// read afresh for every request, says who they are now: a disabled or
/// removed account ends the session, a changed role applies at once.
/// Sessions past their absolute lifetime end too.
async fn require_sign_in(
    State(state): State<PortalState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let open = path == routes::SIGN_IN.path()
        || path.starts_with("/pkg/")
        || path.starts_with("/health/")
        || path.starts_with("/api/")
        || path == "/favicon.ico";
    if open && path.starts_with("/pkg/") {
        return next.run(req).await;
    }
    let signed_in_at = eip_portal_app::kit::ssr::read(&session, keys::SIGNED_IN_AT).await;
    let user_id = eip_portal_app::kit::ssr::read(&session, keys::USER_ID).await;
    let expired = signed_in_at
        .is_some_and(|at| chrono::Utc::now().timestamp() - at >= state.absolute_hours * 3600);
    let account = match (&user_id, expired) {
        (Some(id), false) => match users::current(&state.db, id).await {
            Ok(account) => account,
            Err(e) => {
                tracing::error!(error = %e, "the account could not be read");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        },
        _ => None,
    };
    match account {
        Some(user) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        None if user_id.is_some() => {
            // Expired, disabled or removed: the session ends here.
            let _ = session.flush().await;
            if let Some(id) = &user_id {
                tracing::info!(user.id = %id, expired, "session ended");
            }
            Redirect::to(routes::SIGN_IN.path()).into_response()
        }
        None if open || req.method() != axum::http::Method::GET => next.run(req).await,
        None => Redirect::to(routes::SIGN_IN.path()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every page a form handler sends people back to, or a page links to
    /// through the kit, is one the app's router serves.
    #[tokio::test]
    async fn the_kits_page_routes_are_the_apps_pages() {
        let pages: Vec<String> = route_list().iter().map(|r| r.path().to_owned()).collect();
        let kit = [
            routes::SIGN_IN.template(),
            routes::REFERRALS.template(),
            routes::WORKLIST.template(),
            routes::NEW_REFERRAL.template(),
            routes::REFERRAL.template(),
            routes::RETENTION.template(),
            routes::PERSON.template(),
            routes::ACCESS_REPORT.template(),
            routes::SHARING_ADMIN.template(),
            routes::SKILLS_ADMIN.template(),
            routes::TRAINING.template(),
            routes::RENEWALS.template(),
            routes::STAFF_RECORD.template(),
            routes::SESSIONS.template(),
            routes::SESSION.template(),
            routes::REPORTS.template(),
            routes::DASHBOARD.template(),
            routes::PACKS.template(),
            routes::PACK.template(),
            routes::PLACES.template(),
            routes::PLACE.template(),
            routes::LOG_ENGAGEMENT.template(),
            routes::DEMAND.template(),
            routes::IMPORTS.template(),
            routes::PRIORITIES.template(),
            routes::CASES.template(),
            routes::CASE.template(),
            routes::DIRECTORY.template(),
        ];
        for route in kit {
            assert!(
                pages.iter().any(|p| p == route),
                "{route} is not among {pages:?}"
            );
        }
        assert!(
            pages
                .iter()
                .any(|p| p.is_empty() || p == routes::HOME.path()),
            "no home page among {pages:?}"
        );
    }
}
