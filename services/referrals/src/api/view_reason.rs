//! The reason for viewing a child's record, as a request carries it: in the
//! `eip-view-reason` header (percent-encoded UTF-8), never in the URL,
//! where browser history and proxy logs would keep it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use eip_platform::error::ApiError;
use eip_types::FieldError;
use eip_types::audit::{VIEW_REASON_HEADER, decode_reason};

/// The reason given for this view, if any. A request that puts a reason in
/// its query string is refused (400), so a client that still does learns
/// at once rather than leaving reasons in logs.
#[derive(Debug, Clone, Default)]
pub struct ViewReason(pub Option<String>);

impl ViewReason {
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// Why a query string carrying a reason is refused.
pub const REASON_IN_URL: &str =
    "Send the reason for viewing in the eip-view-reason header, never in the URL.";

impl<S: Send + Sync> FromRequestParts<S> for ViewReason {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if query_names_reason(parts.uri.query().unwrap_or("")) {
            return Err(ApiError::BadRequest(REASON_IN_URL.into()));
        }
        let Some(value) = parts.headers.get(VIEW_REASON_HEADER) else {
            return Ok(ViewReason(None));
        };
        let text = value
            .to_str()
            .ok()
            .and_then(decode_reason)
            .ok_or_else(|| bad("The reason for viewing is not readable text."))?;
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(ApiError::Validation(vec![FieldError::new(
                "reason",
                "Use letters, numbers and punctuation: no control characters.",
            )]));
        }
        Ok(ViewReason(Some(text)))
    }
}

fn bad(why: &str) -> ApiError {
    ApiError::BadRequest(why.into())
}

/// Whether a query string has a `reason` parameter (in any spelling a
/// form encoder might give it).
fn query_names_reason(query: &str) -> bool {
    query.split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or("");
        decode_reason(&name.replace('+', " "))
            .is_some_and(|n| n.trim().eq_ignore_ascii_case("reason"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_in_the_query_string_is_found_however_it_is_spelt() {
        assert!(query_names_reason("reason=Welfare+check"));
        assert!(query_names_reason("limit=5&REASON=x"));
        assert!(query_names_reason("%72eason=x"));
        assert!(query_names_reason("reason"));
        assert!(!query_names_reason(""));
        assert!(!query_names_reason("limit=5&view=worklist"));
        assert!(!query_names_reason("reasons=x"));
    }
}
