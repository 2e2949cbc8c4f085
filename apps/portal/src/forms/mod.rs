//! The portal's form posts, one module per area, named as the area's pages
//! and loaders are. They work without JavaScript: each answers with a
//! redirect. A post that worked leaves a flash message for the page it goes
//! to; a refused one keeps what was typed and what was wrong for its form,
//! and goes back to it ([`Reply`]).

mod admin;
mod audit;
mod casework;
mod engagement;
mod governance;
mod people;
mod referrals;
mod sign_in;
mod training;

use crate::PortalState;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use eip_platform::client::{ClientError, ServiceClient};
use eip_portal_app::data::SessionUser;
use eip_portal_app::kit::ssr::keep;
use eip_portal_app::kit::{FormOutcome, Outage, Service, SessionKey, Then, keys, routes};
use eip_types::{FieldError, Principal};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

/// Every form post and download the portal serves itself.
pub fn routes() -> Router<PortalState> {
    Router::new()
        .merge(sign_in::routes())
        .merge(referrals::routes())
        .merge(people::routes())
        .merge(audit::routes())
        .merge(admin::routes())
        .merge(training::routes())
        .merge(governance::routes())
        .merge(engagement::routes())
        .merge(casework::routes())
}

/// The user a form post acts for, with their session. Extracting it from
/// a request without a signed-in user answers with a redirect to the
/// sign-in page instead.
pub(crate) struct SignedIn {
    pub user: SessionUser,
    pub session: Session,
}

impl SignedIn {
    /// Who the services are told is asking.
    pub fn principal(&self) -> Principal {
        self.user.principal()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // The sign-in layer put the account, as it is now, on the request.
        match parts.extensions.get::<SessionUser>() {
            Some(user) => Ok(Self {
                user: user.clone(),
                session,
            }),
            None => Err(see_other(routes::SIGN_IN.path())),
        }
    }
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Keeps the reason for viewing record `id` that the form posted, in the
/// session, and goes back to the record's page `back` — whose URL never
/// carries the reason. An empty reason forgets any kept one, so the page
/// asks again.
pub(crate) async fn keep_view_reason(
    me: &SignedIn,
    kind: keys::RecordKind,
    id: &str,
    form: &eip_portal_app::kit::Fields,
    back: &str,
) -> Response {
    let record = keys::view_reason_key(kind, id);
    let mut reasons = eip_portal_app::kit::ssr::read(&me.session, keys::VIEW_REASONS)
        .await
        .unwrap_or_default();
    let reason = form.value(eip_portal_app::kit::fields::view::REASON);
    let reason = reason.trim();
    if reason.is_empty() {
        reasons.remove(&record);
    } else {
        reasons.insert(record, reason.to_owned());
    }
    keep(&me.session, keys::VIEW_REASONS, &reasons).await;
    see_other(back)
}

/// Where a post that worked goes, and what it says there, once.
pub(crate) struct Done {
    flash: String,
    to: String,
}

pub(crate) fn done(flash: impl Into<String>, to: impl Into<String>) -> Done {
    Done {
        flash: flash.into(),
        to: to.into(),
    }
}

/// Leaves `done`'s flash and goes where it says.
pub(crate) async fn flash(session: &Session, done: Done) -> Response {
    keep(session, keys::FLASH, &done.flash).await;
    see_other(&done.to)
}

/// How a form post answers: post → flash → redirect. Done, it flashes a
/// message and goes where the post's `on_done` says; refused (by the
/// service, or here before any call), it keeps the form, with what was
/// typed and what was wrong, under its session key and goes back to it.
/// A form with no key ([`Reply::flash_only`]) flashes its refusal instead.
pub(crate) struct Reply<T> {
    key: Option<SessionKey<FormOutcome<T>>>,
    form: FormOutcome<T>,
    back: String,
    outage: Outage,
}

impl Reply<()> {
    /// A form whose page shows its refusal as a flash, as one line.
    pub fn flash_only(back: impl Into<String>, outage: Outage) -> Self {
        Self {
            key: None,
            form: FormOutcome::new(()),
            back: back.into(),
            outage,
        }
    }
}

impl<T: Serialize> Reply<T> {
    /// A form kept under `key` when refused, going back to `back`; what to
    /// say when its service does not answer is `outage`.
    pub fn new(
        key: SessionKey<FormOutcome<T>>,
        form: FormOutcome<T>,
        back: impl Into<String>,
        outage: Outage,
    ) -> Self {
        Self {
            key: Some(key),
            form,
            back: back.into(),
            outage,
        }
    }

    /// Posts `body` to `path` of `client` for `me`, and answers.
    pub async fn post<B: Serialize, A: DeserializeOwned>(
        self,
        me: &SignedIn,
        client: &ServiceClient,
        path: &str,
        body: &B,
        on_done: impl FnOnce(A) -> Done,
    ) -> Response {
        let answer = client.post::<B, A>(path, &me.principal(), body).await;
        self.settle(&me.session, answer, on_done).await
    }

    /// Puts `body` at `path` of `client` for `me`, and answers.
    pub async fn put<B: Serialize, A: DeserializeOwned>(
        self,
        me: &SignedIn,
        client: &ServiceClient,
        path: &str,
        body: &B,
        on_done: impl FnOnce(A) -> Done,
    ) -> Response {
        let answer = client.put::<B, A>(path, &me.principal(), body).await;
        self.settle(&me.session, answer, on_done).await
    }

    /// Answers with what a service said.
    pub async fn settle<A>(
        self,
        session: &Session,
        answer: Result<A, ClientError>,
        on_done: impl FnOnce(A) -> Done,
    ) -> Response {
        match answer {
            Ok(a) => flash(session, on_done(a)).await,
            Err(e) => self.refused_by(session, e).await,
        }
    }

    /// Answers with a service's refusal, or with its silence.
    pub async fn refused_by(mut self, session: &Session, err: ClientError) -> Response {
        self.form = self.form.refused_by(err, self.outage);
        self.refuse(session).await
    }

    /// Answers with field errors found here, before any call.
    pub async fn refuse_with(mut self, session: &Session, errors: Vec<FieldError>) -> Response {
        self.form.errors = errors;
        self.refuse(session).await
    }

    /// Answers with a refusal found here, before any call.
    pub async fn refuse_because(mut self, session: &Session, why: impl Into<String>) -> Response {
        self.form.message = Some(why.into());
        self.refuse(session).await
    }

    /// Answers with the form as it stands.
    pub async fn refuse(self, session: &Session) -> Response {
        match self.key {
            Some(key) => {
                keep(session, key, &self.form).await;
                see_other(&self.back)
            }
            None => flash(session, done(one_line(&self.form), self.back)).await,
        }
    }

    /// The form kept so far, to add to it.
    pub fn form(&mut self) -> &mut FormOutcome<T> {
        &mut self.form
    }
}

/// A refusal as one line for a flash: the message, or the fields' messages.
fn one_line<T>(form: &FormOutcome<T>) -> String {
    let said = form.general_message().unwrap_or_else(|| {
        form.errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    });
    if said.trim().is_empty() {
        "Nothing was changed.".into()
    } else {
        said
    }
}

/// A file a service answered with, passed on as a download of
/// `content_type` with its `Content-Disposition` (when there is one); a
/// refusal keeps its status and reason, an outage says which `service`
/// is not answering.
pub(crate) fn download(
    answer: Result<(Vec<u8>, Option<String>), ClientError>,
    content_type: &'static str,
    service: Service,
) -> Response {
    use axum::http::{HeaderValue, StatusCode, header};
    match answer {
        Ok((bytes, disposition)) => {
            let mut res = bytes.into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            if let Some(v) = disposition.and_then(|d| HeaderValue::from_str(&d).ok()) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(ClientError::Problem(p)) => (
            StatusCode::from_u16(p.status).unwrap_or(StatusCode::FORBIDDEN),
            p.detail.unwrap_or(p.title),
        )
            .into_response(),
        Err(ClientError::Unavailable(why)) => {
            tracing::warn!(error = %why, service = service.name(), "service unavailable for a download");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                service.outage(Then::TryAgain).message(),
            )
                .into_response()
        }
    }
}

/// `attachment; filename="…"` for a download saved as `name`.
pub(crate) fn attachment(name: &str) -> Option<String> {
    Some(format!("attachment; filename=\"{name}\""))
}

/// The answer for a download whose record the URL cannot name.
pub(crate) fn not_found() -> Response {
    (axum::http::StatusCode::NOT_FOUND, "Not found").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Request, StatusCode, header};
    use eip_portal_app::kit::{Fields, ssr};
    use eip_types::Role;
    use std::sync::Arc;
    use tower_sessions::MemoryStore;

    fn session() -> Session {
        Session::new(None, Arc::new(MemoryStore::default()), None)
    }

    fn parts_with(session: &Session) -> Parts {
        let (mut parts, ()) = Request::post("/referrals/new")
            .body(())
            .unwrap_or_default()
            .into_parts();
        parts.extensions.insert(session.clone());
        parts
    }

    fn location(res: &Response) -> &str {
        res.headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn user() -> SessionUser {
        SessionUser {
            user_id: "u1".into(),
            username: "frontline.hull".into(),
            display_name: "PC Demo".into(),
            roles: vec![Role::Frontline],
            areas: vec!["hull".into()],
            agency: None,
        }
    }

    #[tokio::test]
    async fn without_a_user_the_extractor_sends_the_post_to_sign_in() {
        let s = session();
        let Err(res) = SignedIn::from_request_parts(&mut parts_with(&s), &()).await else {
            panic!("a signed-out post was let through");
        };
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/sign-in");
    }

    #[tokio::test]
    async fn with_a_user_the_extractor_hands_over_the_user_and_session() {
        let s = session();
        assert!(ssr::keep(&s, keys::FLASH, &"marker".to_owned()).await);
        let mut parts = parts_with(&s);
        parts.extensions.insert(user());
        let Ok(me) = SignedIn::from_request_parts(&mut parts, &()).await else {
            panic!("a signed-in post was refused");
        };
        assert_eq!(me.user, user());
        assert_eq!(me.principal().user_id, "u1");
        assert_eq!(
            ssr::read(&me.session, keys::FLASH).await.as_deref(),
            Some("marker"),
            "the request's own session"
        );
    }

    #[tokio::test]
    async fn a_post_without_a_session_layer_is_a_server_error_not_a_sign_in() {
        let (mut parts, ()) = Request::post("/x")
            .body(())
            .unwrap_or_default()
            .into_parts();
        let Err(res) = SignedIn::from_request_parts(&mut parts, &()).await else {
            panic!("no session, yet a user");
        };
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[tokio::test]
    async fn a_refused_form_comes_back_once_as_it_was_typed() {
        let s = session();
        let typed = Fields::from([("name", "Rock Challenge"), ("ends_on", "2001-01-01")]);
        let reply = Reply::new(
            keys::ADMIN,
            FormOutcome::of("agreement-new", typed.clone()),
            "/admin/sharing",
            Outage::unnamed(Then::TryAgain),
        );
        let errors = vec![FieldError::new("ends_on", "Ends before it starts.")];
        let res = reply.refuse_with(&s, errors.clone()).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/admin/sharing");
        let kept = ssr::take(&s, keys::ADMIN).await.expect("the form is kept");
        assert_eq!(kept.form, "agreement-new");
        assert_eq!(kept.values, typed);
        assert_eq!(kept.errors, errors);
        assert_eq!(kept.message, None);
        assert!(ssr::take(&s, keys::ADMIN).await.is_none(), "shown once");
        assert!(ssr::read(&s, keys::FLASH).await.is_none(), "no flash");
    }

    #[tokio::test]
    async fn a_service_refusal_keeps_its_fields_and_an_outage_says_who() {
        let s = session();
        let problem = eip_types::Problem::new(422, "Some fields need correcting")
            .with_errors(vec![FieldError::new("held_on", "Not in the future.")]);
        let reply = Reply::new(
            keys::TRAINING,
            FormOutcome::of("assess", Fields::from([("notes", "kept")])),
            "/training/staff/s1",
            Service::Training.outage(Then::NothingSavedBriefly),
        );
        reply
            .settle(&s, Err::<(), _>(ClientError::Problem(problem)), |()| {
                done("never", "/")
            })
            .await;
        let kept = ssr::take(&s, keys::TRAINING).await.expect("kept");
        assert_eq!(kept.error("held_on").as_deref(), Some("Not in the future."));
        assert_eq!(kept.values.value("notes"), "kept");
        assert_eq!(kept.general_message(), None, "the fields say what is wrong");

        let reply = Reply::new(
            keys::TRAINING,
            FormOutcome::of("assess", Fields::default()),
            "/training/staff/s1",
            Service::Training.outage(Then::NothingSavedBriefly),
        );
        reply
            .settle(
                &s,
                Err::<(), _>(ClientError::Unavailable("connection refused".into())),
                |()| done("never", "/"),
            )
            .await;
        let kept = ssr::take(&s, keys::TRAINING).await.expect("kept");
        assert_eq!(
            kept.general_message().as_deref(),
            Some("The training service is not answering; nothing was saved.")
        );
    }

    #[tokio::test]
    async fn a_post_that_worked_flashes_and_goes_where_it_says() {
        let s = session();
        let reply = Reply::new(
            keys::PACK,
            FormOutcome::default(),
            "/governance/packs",
            Service::Governance.outage(Then::TryAgain),
        );
        let res = reply
            .settle(&s, Ok("p1"), |id| {
                done("Draft pack created.", format!("/governance/packs/{id}"))
            })
            .await;
        assert_eq!(location(&res), "/governance/packs/p1");
        assert_eq!(
            ssr::take(&s, keys::FLASH).await.as_deref(),
            Some("Draft pack created.")
        );
        assert!(ssr::take(&s, keys::PACK).await.is_none(), "nothing refused");
    }

    #[tokio::test]
    async fn a_flash_only_form_flashes_its_refusal_in_one_line() {
        let s = session();
        let problem =
            eip_types::Problem::new(422, "Some fields need correcting").with_errors(vec![
                FieldError::new("a", "First."),
                FieldError::new("b", "Second."),
            ]);
        let res = Reply::flash_only("/demand", Service::Engagement.outage(Then::NothingSaved))
            .refused_by(&s, ClientError::Problem(problem))
            .await;
        assert_eq!(location(&res), "/demand");
        assert_eq!(
            ssr::take(&s, keys::FLASH).await.as_deref(),
            Some("First. Second.")
        );
        Reply::flash_only("/demand", Service::Engagement.outage(Then::NothingSaved))
            .refuse(&s)
            .await;
        assert_eq!(
            ssr::take(&s, keys::FLASH).await.as_deref(),
            Some("Nothing was changed.")
        );
    }
}
