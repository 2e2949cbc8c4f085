//! The error every service handler returns, and how it becomes a problem body.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use eip_types::{FieldError, Problem};
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not authenticated")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// The request must say why (a reason to view a record, say).
    #[error("reason required: {0}")]
    ReasonRequired(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A unique constraint refused a second record with the same `field`.
    #[error("duplicate {field}")]
    Duplicate { field: String },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("dependency unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::ReasonRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Conflict(_) | ApiError::Duplicate { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status().as_u16();
        match self {
            ApiError::Validation(errors) => {
                Problem::new(status, "Some fields need correcting").with_errors(errors.clone())
            }
            ApiError::BadRequest(detail) => {
                Problem::new(status, "The request could not be read").with_detail(detail.clone())
            }
            ApiError::Unauthenticated => Problem::new(status, "Sign-in required")
                .with_detail("A valid identity assertion is needed."),
            ApiError::Forbidden(detail) => {
                Problem::new(status, "Not allowed").with_detail(detail.clone())
            }
            ApiError::NotFound => Problem::new(status, "Not found"),
            ApiError::ReasonRequired(detail) => {
                Problem::new(status, "A reason is needed").with_detail(detail.clone())
            }
            ApiError::Conflict(detail) => {
                Problem::new(status, "Conflict").with_detail(detail.clone())
            }
            ApiError::Duplicate { field } => Problem::new(status, "Already recorded")
                .with_detail("A record with this value already exists.")
                .with_errors(vec![FieldError::new(
                    field.clone(),
                    "is already in use by another record",
                )]),
            ApiError::PayloadTooLarge => Problem::new(status, "The request body is too large"),
            ApiError::UnsupportedMediaType => {
                Problem::new(status, "Send JSON").with_detail("Use Content-Type: application/json.")
            }
            // Infrastructure detail stays in the logs.
            ApiError::Unavailable(_) => Problem::new(status, "Service temporarily unavailable"),
            ApiError::Internal(_) => Problem::new(status, "Something went wrong"),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    /// Infrastructure failures are 503; a constraint the database enforced
    /// is the client's conflict (409), naming the field where it can; the
    /// rest is a 500 whose detail stays in the log.
    fn from(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                ApiError::Unavailable(err.to_string())
            }
            sqlx::Error::Database(ref db) => match db.kind() {
                ErrorKind::UniqueViolation => ApiError::Duplicate {
                    field: duplicated_field(db.as_ref()),
                },
                ErrorKind::ForeignKeyViolation => ApiError::Conflict(
                    "It refers to a record that does not exist, or another record still refers to it."
                        .into(),
                ),
                _ => ApiError::Internal(err.into()),
            },
            other => ApiError::Internal(other.into()),
        }
    }
}

/// The column a unique constraint refused, from the database's own words:
/// SQLite says `UNIQUE constraint failed: table.column`, PostgreSQL's detail
/// `Key (column)=(…) already exists.` (the value is never kept). Columns of
/// a composite key are joined with commas.
fn duplicated_field(db: &dyn sqlx::error::DatabaseError) -> String {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        && let Some(columns) = pg
            .detail()
            .and_then(|d| d.strip_prefix("Key ("))
            .and_then(|d| d.split_once(")=").map(|(cols, _)| cols))
    {
        return columns.split(", ").collect::<Vec<_>>().join(",");
    }
    match db.message().split_once("constraint failed: ") {
        Some((_, columns)) => columns
            .split(", ")
            .map(|c| c.rsplit_once('.').map_or(c, |(_, col)| col))
            .collect::<Vec<_>>()
            .join(","),
        None => "id".into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "request failed")
            }
            ApiError::Unavailable(err) => tracing::warn!(error = %err, "dependency unavailable"),
            _ => {}
        }
        problem_response(self.status(), self.problem())
    }
}

pub fn problem_response(status: StatusCode, problem: Problem) -> Response {
    let mut res = (status, Json(problem)).into_response();
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    res
}

/// `Json<T>` whose rejections are problem bodies: malformed JSON, wrong types
/// and unknown fields are 400 with serde's explanation, a wrong content type
/// 415, an oversize body 413, and text holding a control character (NUL
/// above all, which PostgreSQL cannot store) 422 naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<serde_json::Value>::from_request(req, state)
            .await
            .map_err(json_rejection)?;
        if let Some(field) = control_character_at(&value, None) {
            return Err(ApiError::Validation(vec![FieldError::new(
                field,
                CONTROL_CHARACTER,
            )]));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| ApiError::BadRequest(format!("The body does not fit: {e}")))
    }
}

/// What a field holding a control character is told.
pub const CONTROL_CHARACTER: &str =
    "must not contain control characters (only tabs and line breaks are allowed)";

/// Whether `c` is a character no text field may hold: the C0 controls but
/// tab, line feed and carriage return, and DEL.
pub fn is_refused_control(c: char) -> bool {
    (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

/// The path (`reason`, `items.2.name`) of the first string in `value`, key
/// or value, that holds a refused control character.
fn control_character_at(value: &serde_json::Value, at: Option<&str>) -> Option<String> {
    let here = || at.unwrap_or("body").to_owned();
    match value {
        serde_json::Value::String(s) => s.chars().any(is_refused_control).then(here),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let path = at.map_or_else(|| i.to_string(), |p| format!("{p}.{i}"));
            control_character_at(v, Some(&path))
        }),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            let path = at.map_or_else(|| k.clone(), |p| format!("{p}.{k}"));
            if k.chars().any(is_refused_control) {
                return Some(path);
            }
            control_character_at(v, Some(&path))
        }),
        _ => None,
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        JsonRejection::BytesRejection(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge
        }
        JsonRejection::JsonDataError(e) => ApiError::BadRequest(e.body_text()),
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(e.body_text()),
        other => ApiError::BadRequest(other.body_text()),
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `Query<T>` whose rejection is a 400 problem body; a parameter holding a
/// control character is refused with 422 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = axum::extract::Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        if let Some((name, _)) = query
            .0
            .iter()
            .find(|(k, v)| k.chars().chain(v.chars()).any(is_refused_control))
        {
            return Err(ApiError::Validation(vec![FieldError::new(
                name.clone(),
                CONTROL_CHARACTER,
            )]));
        }
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::BadRequest(e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_with_their_path() {
        let ok = serde_json::json!({"reason": "line one\nline two\tand a tab", "n": 3});
        assert_eq!(control_character_at(&ok, None), None);
        let nul = serde_json::json!({"reason": "before\u{0}after"});
        assert_eq!(control_character_at(&nul, None).as_deref(), Some("reason"));
        let deep = serde_json::json!({"items": [{"name": "fine"}, {"name": "bell\u{7}"}]});
        assert_eq!(
            control_character_at(&deep, None).as_deref(),
            Some("items.1.name")
        );
        let del = serde_json::json!(["x\u{7f}"]);
        assert_eq!(control_character_at(&del, None).as_deref(), Some("0"));
    }
}
