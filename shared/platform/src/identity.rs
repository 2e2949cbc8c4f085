//! The internal identity assertion: a short-lived JWT (HS256) the portal signs
//! for each call on behalf of a signed-in user, and every service verifies.

use crate::error::ApiError;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use eip_types::{Principal, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

const ISSUER: &str = "eip-portal";
const AUDIENCE: &str = "eip-services";
/// Subject prefix of assertions a service makes for itself.
const SERVICE_PREFIX: &str = "service:";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    iat: u64,
    exp: u64,
    roles: Vec<Role>,
    areas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agency: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("identity.signing_key must be at least 32 characters (set EIP_IDENTITY__SIGNING_KEY)")]
    TooShort,
}

/// Signs and verifies assertions with one shared key.
#[derive(Clone)]
pub struct IdentityKeys {
    inner: Arc<Keys>,
}

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

impl std::fmt::Debug for IdentityKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityKeys")
            .field("ttl", &self.inner.ttl)
            .finish_non_exhaustive()
    }
}

impl IdentityKeys {
    pub fn new(secret: &SecretString, ttl: Duration) -> Result<Self, KeyError> {
        let bytes = secret.expose_secret().as_bytes();
        if bytes.len() < 32 {
            return Err(KeyError::TooShort);
        }
        Ok(Self {
            inner: Arc::new(Keys {
                encoding: EncodingKey::from_secret(bytes),
                decoding: DecodingKey::from_secret(bytes),
                ttl,
            }),
        })
    }

    /// A fresh random key, for the embedded mode where one process both
    /// signs and verifies.
    pub fn random_secret() -> SecretString {
        use rand::Rng;
        let bytes: [u8; 32] = rand::thread_rng().r#gen();
        SecretString::from(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }

    pub fn sign(&self, principal: &Principal) -> Result<String, jsonwebtoken::errors::Error> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: principal.user_id.clone(),
            iat: now,
            exp: now + self.inner.ttl.as_secs(),
            roles: principal.roles.clone(),
            areas: principal.areas.clone(),
            agency: principal.agency.clone(),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.inner.encoding,
        )
    }

    /// An assertion for a service acting for itself (reading a feed).
    pub fn sign_service(&self, service: &str) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(&Principal {
            user_id: format!("{SERVICE_PREFIX}{service}"),
            roles: Vec::new(),
            areas: Vec::new(),
            agency: None,
        })
    }

    pub fn verify(&self, token: &str) -> Result<Principal, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 5;
        let data = jsonwebtoken::decode::<Claims>(token, &self.inner.decoding, &validation)?;
        Ok(Principal {
            user_id: data.claims.sub,
            roles: data.claims.roles,
            areas: data.claims.areas,
            agency: data.claims.agency,
        })
    }
}

/// Whether the principal is a service acting for itself, not a person.
pub fn is_service(principal: &Principal) -> bool {
    principal.user_id.starts_with(SERVICE_PREFIX)
}

/// The verified principal of a request: 401 without a valid assertion.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl<S> FromRequestParts<S> for Authenticated
where
    IdentityKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let keys = IdentityKeys::from_ref(state);
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthenticated)?;
        let principal = keys.verify(token).map_err(|_| ApiError::Unauthenticated)?;
        Ok(Authenticated(principal))
    }
}

impl Authenticated {
    /// 403 unless the user holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<&Principal, ApiError> {
        if self.0.has_any_role(roles) {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden(
                "Your role does not allow this action.".into(),
            ))
        }
    }

    /// 403 unless this is another service of the platform.
    pub fn require_service(&self) -> Result<&Principal, ApiError> {
        if is_service(&self.0) {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden(
                "Only platform services may read this.".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ttl: u64) -> IdentityKeys {
        IdentityKeys::new(&IdentityKeys::random_secret(), Duration::from_secs(ttl)).expect("key")
    }

    fn officer() -> Principal {
        Principal {
            user_id: "u-1".into(),
            roles: vec![Role::Frontline],
            areas: vec!["hull".into()],
            agency: None,
        }
    }

    #[test]
    fn a_signed_assertion_verifies_to_the_same_principal() {
        let k = keys(60);
        let token = k.sign(&officer()).expect("signs");
        assert_eq!(k.verify(&token).expect("verifies"), officer());
    }

    #[test]
    fn assertions_from_another_key_or_tampered_are_refused() {
        let token = keys(60).sign(&officer()).expect("signs");
        assert!(keys(60).verify(&token).is_err());
        let k = keys(60);
        let mut token = k.sign(&officer()).expect("signs");
        token.insert(token.len() / 2, 'x');
        assert!(k.verify(&token).is_err());
    }

    #[test]
    fn short_keys_are_refused() {
        let short = SecretString::from("too-short".to_string());
        assert!(IdentityKeys::new(&short, Duration::from_secs(60)).is_err());
    }

    #[test]
    fn service_assertions_are_told_apart_from_people() {
        let k = keys(60);
        let p = k
            .verify(&k.sign_service("governance").expect("signs"))
            .expect("verifies");
        assert!(is_service(&p));
        assert!(!is_service(&officer()));
    }
}
