//! Identity assertions: short-lived JWTs signed with Ed25519.
//!
//! The portal signs one for each call it makes on behalf of a signed-in user;
//! a service signs one for itself when it reads another service's feed. Each
//! part holds only its own private key and the public keys of the others
//! ([`Keyring`]), so a part that is compromised can speak only as itself:
//! only the portal may assert a person, and a service may assert only
//! itself, with no roles.
//!
//! Each assertion names the one part it is for (`aud`), carries a unique id
//! (`jti`) and lives for a short time. The part it is for checks the
//! signature against the issuer's key (chosen by `kid`, so two keys can be
//! valid while one replaces the other), the audience, the life, and that it
//! has not seen the id before ([`replay`]).

mod eddsa;
mod keyring;
mod replay;

pub use keyring::{KeyError, Keyring, generated_configs};

use crate::error::ApiError;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use eip_types::{Principal, Role};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The issuer whose assertions may name a person.
pub const PORTAL: &str = "portal";
/// Subject prefix of assertions a service makes for itself.
const SERVICE_PREFIX: &str = "service:";
/// No assertion may claim a longer life than this, whatever its issuer's
/// setting: a leaked one is worth little.
const MAX_LIFE_SECS: u64 = 600;
/// Clock difference tolerated between parts.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    jti: String,
    iat: u64,
    exp: u64,
    #[serde(default)]
    roles: Vec<Role>,
    #[serde(default)]
    areas: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agency: Option<String>,
}

/// Why an assertion could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{0} holds no signing key")]
    NoKey(String),
    #[error("only the portal may assert a person; {0} may assert only itself")]
    NotThePortal(String),
    #[error("signing failed: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
}

/// Why an assertion was refused. Carries no part of the token: fit for a
/// log line and a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("malformed")]
    Malformed,
    #[error("signed with an unknown key")]
    UnknownKey,
    #[error("bad signature, wrong audience, or expired")]
    Invalid,
    #[error("issuer does not match its key")]
    WrongIssuer,
    #[error("claims more than its issuer may assert")]
    Overreach,
    #[error("lives too long")]
    TooLong,
    #[error("replayed")]
    Replayed,
}

impl Refused {
    /// A short, fixed label for logs and metrics.
    pub fn label(self) -> &'static str {
        match self {
            Refused::Malformed => "malformed",
            Refused::UnknownKey => "unknown_key",
            Refused::Invalid => "invalid",
            Refused::WrongIssuer => "wrong_issuer",
            Refused::Overreach => "overreach",
            Refused::TooLong => "too_long",
            Refused::Replayed => "replayed",
        }
    }
}

/// One part's view of the keyring: it signs as that part and accepts only
/// assertions addressed to it. Clones share the record of ids seen.
#[derive(Clone)]
pub struct IdentityKeys {
    name: Arc<str>,
    ring: Arc<keyring::Ring>,
    seen: Arc<replay::Seen>,
}

impl std::fmt::Debug for IdentityKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityKeys")
            .field("part", &self.name)
            .finish_non_exhaustive()
    }
}

impl IdentityKeys {
    /// The part these keys speak and listen for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// An assertion, for the part named `audience`, that `principal` is
    /// making this call. Only the portal can make one.
    pub fn sign(&self, audience: &str, principal: &Principal) -> Result<String, SignError> {
        if &*self.name != PORTAL {
            return Err(SignError::NotThePortal(self.name.to_string()));
        }
        self.sign_claims(audience, principal)
    }

    /// An assertion, for the part named `audience`, that this service is
    /// calling for itself (reading a feed, say).
    pub fn sign_service(&self, audience: &str) -> Result<String, SignError> {
        let me = Principal {
            user_id: format!("{SERVICE_PREFIX}{}", self.name),
            roles: Vec::new(),
            areas: Vec::new(),
            agency: None,
        };
        self.sign_claims(audience, &me)
    }

    fn sign_claims(&self, audience: &str, principal: &Principal) -> Result<String, SignError> {
        let key = self
            .ring
            .signing(&self.name)
            .ok_or_else(|| SignError::NoKey(self.name.to_string()))?;
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: self.name.to_string(),
            aud: audience.to_owned(),
            sub: principal.user_id.clone(),
            jti: replay::fresh_id(),
            iat: now,
            exp: now + self.ring.ttl().as_secs(),
            roles: principal.roles.clone(),
            areas: principal.areas.clone(),
            agency: principal.agency.clone(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &key.key)?)
    }

    /// The principal an assertion speaks for, if it is genuine, addressed
    /// to this part, alive, and not seen before.
    pub fn verify(&self, token: &str) -> Result<Principal, Refused> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Refused::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(Refused::Malformed);
        }
        let kid = header.kid.ok_or(Refused::Malformed)?;
        let trusted = self.ring.trusted(&kid).ok_or(Refused::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[&*self.name]);
        validation.set_issuer(&[&trusted.issuer]);
        validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
        validation.leeway = LEEWAY_SECS;
        let claims = jsonwebtoken::decode::<Claims>(token, &trusted.key, &validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => Refused::WrongIssuer,
                jsonwebtoken::errors::ErrorKind::Json(_) => Refused::Malformed,
                _ => Refused::Invalid,
            })?
            .claims;
        if claims.exp.saturating_sub(claims.iat) > MAX_LIFE_SECS {
            return Err(Refused::TooLong);
        }
        let principal = principal_of(claims.iss.as_str(), &claims)?;
        if !self.seen.first_sight(&claims.jti, claims.exp + LEEWAY_SECS) {
            return Err(Refused::Replayed);
        }
        Ok(principal)
    }
}

/// What `issuer` may assert: the portal, any person; a service, only itself.
fn principal_of(issuer: &str, claims: &Claims) -> Result<Principal, Refused> {
    let service_subject = claims.sub.strip_prefix(SERVICE_PREFIX);
    let allowed = if issuer == PORTAL {
        service_subject.is_none()
    } else {
        service_subject == Some(issuer)
            && claims.roles.is_empty()
            && claims.areas.is_empty()
            && claims.agency.is_none()
    };
    if !allowed || claims.jti.is_empty() {
        return Err(Refused::Overreach);
    }
    Ok(Principal {
        user_id: claims.sub.clone(),
        roles: claims.roles.clone(),
        areas: claims.areas.clone(),
        agency: claims.agency.clone(),
    })
}

/// Whether the principal is a service acting for itself, not a person.
pub fn is_service(principal: &Principal) -> bool {
    principal.user_id.starts_with(SERVICE_PREFIX)
}

/// The service a principal is, when it is one.
pub fn service_name(principal: &Principal) -> Option<&str> {
    principal.user_id.strip_prefix(SERVICE_PREFIX)
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
        let principal = keys.verify(token).map_err(|refused| {
            // A security event: which part refused and why, never the token.
            tracing::warn!(
                part = keys.name(),
                reason = refused.label(),
                "identity assertion refused"
            );
            ApiError::Unauthenticated
        })?;
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
    use std::time::Duration;

    const PARTS: [&str; 3] = [PORTAL, "referrals", "training"];

    fn ring() -> Keyring {
        Keyring::generate(&PARTS, Duration::from_secs(60))
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
    fn an_assertion_verifies_once_at_the_part_it_names() {
        let ring = ring();
        let token = ring
            .part(PORTAL)
            .sign("referrals", &officer())
            .expect("signs");
        let referrals = ring.part("referrals");
        assert_eq!(referrals.verify(&token), Ok(officer()));
        assert_eq!(referrals.verify(&token), Err(Refused::Replayed));
        // Another handle on the same part shares what it has seen.
        assert_eq!(
            ring.part("referrals").verify(&token),
            Err(Refused::Replayed)
        );
    }

    #[test]
    fn an_assertion_for_one_service_is_refused_by_another() {
        let ring = ring();
        let token = ring
            .part(PORTAL)
            .sign("referrals", &officer())
            .expect("signs");
        assert_eq!(ring.part("training").verify(&token), Err(Refused::Invalid));
    }

    #[test]
    fn only_the_portal_asserts_people_and_a_service_only_itself() {
        let ring = ring();
        assert!(matches!(
            ring.part("referrals").sign("training", &officer()),
            Err(SignError::NotThePortal(_))
        ));
        let token = ring
            .part("referrals")
            .sign_service("training")
            .expect("signs");
        let p = ring.part("training").verify(&token).expect("verifies");
        assert_eq!(service_name(&p), Some("referrals"));
        assert!(p.roles.is_empty());
    }

    /// An assertion signed with `issuer`'s real key but claims of the
    /// test's choosing: what a compromised part could make.
    fn forge(
        ring: &Keyring,
        issuer: &str,
        sub: &str,
        roles: Vec<Role>,
        life: (u64, u64),
    ) -> String {
        let key = ring.inner().signing(issuer).expect("key");
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: issuer.into(),
            aud: "training".into(),
            sub: sub.into(),
            jti: replay::fresh_id(),
            iat: now - life.0,
            exp: now - life.0 + life.1,
            roles,
            areas: Vec::new(),
            agency: None,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, &claims, &key.key).expect("encodes")
    }

    #[test]
    fn a_service_claiming_to_be_another_or_a_person_is_refused() {
        let ring = ring();
        let training = ring.part("training");
        for token in [
            forge(
                &ring,
                "referrals",
                "service:governance",
                Vec::new(),
                (0, 60),
            ),
            forge(&ring, "referrals", "u-1", vec![Role::Admin], (0, 60)),
            forge(
                &ring,
                "referrals",
                "service:referrals",
                vec![Role::Admin],
                (0, 60),
            ),
        ] {
            assert_eq!(training.verify(&token), Err(Refused::Overreach));
        }
        let genuine = forge(&ring, "referrals", "service:referrals", Vec::new(), (0, 60));
        assert!(training.verify(&genuine).is_ok());
    }

    #[test]
    fn keys_from_another_ring_and_tampered_tokens_are_refused() {
        let token = ring()
            .part(PORTAL)
            .sign("referrals", &officer())
            .expect("signs");
        assert_eq!(
            ring().part("referrals").verify(&token),
            Err(Refused::UnknownKey)
        );
        let ring = ring();
        let token = ring
            .part(PORTAL)
            .sign("referrals", &officer())
            .expect("signs");
        let (head, rest) = token.split_once('.').expect("three parts");
        let (body, sig) = rest.split_once('.').expect("three parts");
        let mut claims: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, body)
                .expect("base64"),
        )
        .expect("json");
        claims["roles"] = serde_json::json!(["admin"]);
        let body = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            claims.to_string(),
        );
        let tampered = format!("{head}.{body}.{sig}");
        assert_eq!(
            ring.part("referrals").verify(&tampered),
            Err(Refused::Invalid)
        );
        assert_eq!(
            ring.part("referrals").verify("not.a.token"),
            Err(Refused::Malformed)
        );
    }

    #[test]
    fn expired_and_overlong_assertions_are_refused() {
        let ring = ring();
        let training = ring.part("training");
        let expired = forge(&ring, PORTAL, "u-1", Vec::new(), (120, 60));
        assert_eq!(training.verify(&expired), Err(Refused::Invalid));
        let overlong = forge(&ring, PORTAL, "u-1", Vec::new(), (0, MAX_LIFE_SECS + 1));
        assert_eq!(training.verify(&overlong), Err(Refused::TooLong));
        let within = forge(&ring, PORTAL, "u-1", Vec::new(), (0, MAX_LIFE_SECS));
        assert!(training.verify(&within).is_ok());
    }
}
