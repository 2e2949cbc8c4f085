//! The keys a process holds: the private key of each part it runs (one,
//! except in the embedded mode and in tests) and the public keys of every
//! part it accepts assertions from.
//!
//! Keys are written in configuration as base64url without padding: a
//! signing key is its 32-byte seed; a trusted key is an entry
//! `issuer:key-id:public-key`. During a key change-over two entries name the
//! same issuer with different key ids; the issuer signs with the one its
//! own `key_id` names.

use super::{IdentityKeys, eddsa, replay};
use crate::config::IdentityConfig;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "identity.signing_key is not set for {0}: generate one with `eip-allinone keys` \
         and set EIP_IDENTITY__SIGNING_KEY"
    )]
    Missing(String),
    #[error(
        "identity.signing_key must be a 32-byte Ed25519 seed in base64url (EIP_IDENTITY__SIGNING_KEY)"
    )]
    BadSigningKey,
    #[error(
        "identity.key_id must be 1 to 64 letters, digits, '-', '_' or '.' (EIP_IDENTITY__KEY_ID)"
    )]
    BadKeyId,
    #[error(
        "identity.trusted entry {0} must be `issuer:key-id:public-key` with a 32-byte \
         base64url Ed25519 public key (EIP_IDENTITY__TRUSTED)"
    )]
    BadTrusted(usize),
    #[error("identity.trusted names key id {0:?} for two different keys")]
    DuplicateKeyId(String),
}

pub(super) struct SigningEntry {
    pub(super) kid: String,
    pub(super) key: EncodingKey,
    signer: SigningKey,
}

pub(super) struct Trusted {
    pub(super) issuer: String,
    pub(super) key: DecodingKey,
    verifier: VerifyingKey,
}

/// Put before every event a seal covers, so that a seal can never pass for
/// an assertion's signature, nor the reverse.
const EVENT_CONTEXT: &[u8] = b"eip-event-v1\n";

/// What every part's [`IdentityKeys`] reads: immutable once built.
pub(super) struct Ring {
    ttl: Duration,
    signing: HashMap<String, SigningEntry>,
    trusted: HashMap<String, Trusted>,
}

impl Ring {
    pub(super) fn ttl(&self) -> Duration {
        self.ttl
    }

    pub(super) fn signing(&self, part: &str) -> Option<&SigningEntry> {
        self.signing.get(part)
    }

    pub(super) fn trusted(&self, kid: &str) -> Option<&Trusted> {
        self.trusted.get(kid)
    }
}

/// The keys of one process, and one [`IdentityKeys`] per part it runs.
#[derive(Clone)]
pub struct Keyring {
    ring: Arc<Ring>,
    parts: Arc<Mutex<HashMap<String, IdentityKeys>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut signers: Vec<_> = self.ring.signing.keys().collect();
        signers.sort();
        f.debug_struct("Keyring")
            .field("signs_for", &signers)
            .field("trusted_keys", &self.ring.trusted.len())
            .finish()
    }
}

impl Keyring {
    /// The keyring of a process running the part `own` alone.
    pub fn from_config(own: &str, cfg: &IdentityConfig) -> Result<Self, KeyError> {
        Self::from_configs(&[(own.to_owned(), cfg.clone())])
    }

    /// The keyring of a process running several parts, each with its own
    /// configuration; the trusted keys of all are trusted.
    pub fn from_configs(parts: &[(String, IdentityConfig)]) -> Result<Self, KeyError> {
        eddsa::install();
        let mut signing = HashMap::new();
        let mut trusted: HashMap<String, Trusted> = HashMap::new();
        let mut published: HashMap<String, [u8; 32]> = HashMap::new();
        let mut ttl = Duration::from_secs(60);
        for (part, cfg) in parts {
            let seed = decode32(cfg.signing_key.expose_secret()).ok_or_else(|| {
                if cfg.signing_key.expose_secret().is_empty() {
                    KeyError::Missing(part.clone())
                } else {
                    KeyError::BadSigningKey
                }
            })?;
            if !valid_kid(&cfg.key_id) {
                return Err(KeyError::BadKeyId);
            }
            signing.insert(
                part.clone(),
                SigningEntry {
                    kid: cfg.key_id.clone(),
                    key: eddsa::encoding_key(&seed),
                    signer: SigningKey::from_bytes(&seed),
                },
            );
            ttl = Duration::from_secs(cfg.ttl_seconds);
            for (n, entry) in entries(&cfg.trusted).enumerate() {
                let (issuer, kid, public) =
                    parse_trusted(entry).ok_or(KeyError::BadTrusted(n + 1))?;
                match published.get(kid) {
                    Some(known) if *known != public => {
                        return Err(KeyError::DuplicateKeyId(kid.to_owned()));
                    }
                    Some(_) => continue,
                    None => {}
                }
                published.insert(kid.to_owned(), public);
                trusted.insert(
                    kid.to_owned(),
                    Trusted {
                        issuer: issuer.to_owned(),
                        key: eddsa::decoding_key(&public),
                        verifier: VerifyingKey::from_bytes(&public)
                            .map_err(|_| KeyError::BadTrusted(n + 1))?,
                    },
                );
            }
        }
        Ok(Self {
            ring: Arc::new(Ring {
                ttl,
                signing,
                trusted,
            }),
            parts: Arc::default(),
        })
    }

    /// Fresh keys for `parts`, each trusting all: the embedded mode, where
    /// one process runs every part, and tests.
    pub fn generate(parts: &[&str], ttl: Duration) -> Self {
        let configs: Vec<_> = generated_configs(parts, ttl).into_iter().collect();
        Self::from_configs(&configs).expect("generated keys are well formed")
    }

    /// The keys part `name` signs and verifies with. Every call for the
    /// same part shares one record of assertion ids seen.
    pub fn part(&self, name: &str) -> IdentityKeys {
        let mut parts = self.parts.lock().unwrap_or_else(|e| e.into_inner());
        parts
            .entry(name.to_owned())
            .or_insert_with(|| IdentityKeys {
                name: Arc::from(name),
                ring: self.ring.clone(),
                seen: Arc::new(replay::Seen::default()),
            })
            .clone()
    }

    /// A seal over an event as `part` wrote it (its exact JSON text):
    /// `key-id.signature`. None if this process holds no key for `part`.
    pub fn seal_event(&self, part: &str, event_json: &str) -> Option<String> {
        let entry = self.ring.signing(part)?;
        let signature = entry.signer.sign(&event_message(event_json));
        Some(format!(
            "{}.{}",
            entry.kid,
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }

    /// The part whose key made `seal` over exactly `event_json`, if the
    /// seal is genuine and the key trusted.
    pub fn event_sealed_by(&self, event_json: &str, seal: &str) -> Option<&str> {
        // Key ids may hold dots; base64url never does.
        let (kid, signature) = seal.rsplit_once('.')?;
        let trusted = self.ring.trusted(kid)?;
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
        trusted
            .verifier
            .verify_strict(&event_message(event_json), &signature)
            .ok()?;
        Some(&trusted.issuer)
    }

    #[cfg(test)]
    pub(super) fn inner(&self) -> &Ring {
        &self.ring
    }
}

/// A configuration per part with a fresh key each, all trusting all, in the
/// order given: for a distributed test, or to print for a new installation.
pub fn generated_configs(parts: &[&str], ttl: Duration) -> Vec<(String, IdentityConfig)> {
    let suffix = {
        let mut b = [0u8; 4];
        rand::thread_rng().fill_bytes(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    };
    let keys: Vec<(String, String, [u8; 32])> = parts
        .iter()
        .map(|part| {
            let mut seed = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut seed);
            (part.to_string(), format!("{part}-{suffix}"), seed)
        })
        .collect();
    let trusted = keys
        .iter()
        .map(|(part, kid, seed)| {
            let public = SigningKey::from_bytes(seed).verifying_key().to_bytes();
            format!("{part}:{kid}:{}", URL_SAFE_NO_PAD.encode(public))
        })
        .collect::<Vec<_>>()
        .join(" ");
    keys.into_iter()
        .map(|(part, kid, seed)| {
            let cfg = IdentityConfig {
                signing_key: SecretString::from(URL_SAFE_NO_PAD.encode(seed)),
                key_id: kid,
                trusted: trusted.clone(),
                ttl_seconds: ttl.as_secs(),
            };
            (part, cfg)
        })
        .collect()
}

fn event_message(event_json: &str) -> Vec<u8> {
    [EVENT_CONTEXT, event_json.as_bytes()].concat()
}

fn entries(list: &str) -> impl Iterator<Item = &str> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
}

fn parse_trusted(entry: &str) -> Option<(&str, &str, [u8; 32])> {
    let mut fields = entry.splitn(3, ':');
    let issuer = fields.next().filter(|i| valid_kid(i))?;
    let kid = fields.next().filter(|k| valid_kid(k))?;
    let public = decode32(fields.next()?)?;
    // A point that is not on the curve is no key at all.
    ed25519_dalek::VerifyingKey::from_bytes(&public).ok()?;
    Some((issuer, kid, public))
}

fn decode32(text: &str) -> Option<[u8; 32]> {
    URL_SAFE_NO_PAD.decode(text.trim()).ok()?.try_into().ok()
}

fn valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len())
        && kid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::PORTAL;
    use eip_types::Principal;

    fn someone() -> Principal {
        Principal {
            user_id: "u-1".into(),
            roles: Vec::new(),
            areas: Vec::new(),
            agency: None,
        }
    }

    /// The portal's and the referrals service's own configurations, as
    /// two separate processes would hold them.
    fn two_processes() -> (IdentityConfig, IdentityConfig) {
        let mut configs = generated_configs(&[PORTAL, "referrals"], Duration::from_secs(60));
        let referrals = configs.pop().expect("two").1;
        let portal = configs.pop().expect("two").1;
        (portal, referrals)
    }

    #[test]
    fn separate_processes_verify_each_other_with_public_keys_only() {
        let (portal, referrals) = two_processes();
        let portal = Keyring::from_config(PORTAL, &portal).expect("portal");
        let referrals = Keyring::from_config("referrals", &referrals).expect("referrals");
        let token = portal
            .part(PORTAL)
            .sign("referrals", &someone())
            .expect("signs");
        assert!(referrals.part("referrals").verify(&token).is_ok());
        // The referrals process holds no portal private key.
        assert!(
            referrals
                .part(PORTAL)
                .sign("referrals", &someone())
                .is_err()
        );
    }

    #[test]
    fn a_key_change_over_accepts_old_and_new_until_the_old_is_removed() {
        let (old_portal, referrals) = two_processes();
        let (new_portal, _) = two_processes();
        let new_entry = new_portal
            .trusted
            .split(' ')
            .find(|e| e.starts_with("portal:"))
            .expect("portal entry")
            .to_owned();
        // Step 1: the services trust both portal keys.
        let mut both = referrals.clone();
        both.trusted = format!("{} {new_entry}", referrals.trusted);
        let service = Keyring::from_config("referrals", &both).expect("both");
        for portal in [&old_portal, &new_portal] {
            let ring = Keyring::from_config(PORTAL, portal).expect("portal");
            let token = ring
                .part(PORTAL)
                .sign("referrals", &someone())
                .expect("signs");
            assert!(service.part("referrals").verify(&token).is_ok());
        }
        // Step 3: the old key is dropped; its assertions are refused.
        let mut only_new = referrals.clone();
        only_new.trusted = new_entry;
        let service = Keyring::from_config("referrals", &only_new).expect("new only");
        let old = Keyring::from_config(PORTAL, &old_portal).expect("portal");
        let token = old
            .part(PORTAL)
            .sign("referrals", &someone())
            .expect("signs");
        assert!(service.part("referrals").verify(&token).is_err());
    }

    #[test]
    fn an_event_seal_names_its_maker_and_breaks_when_anything_changes() {
        let ring = Keyring::generate(&["referrals", "training"], Duration::from_secs(60));
        let event = r#"{"source":"referrals","n":1}"#;
        let seal = ring.seal_event("referrals", event).expect("seals");
        assert_eq!(ring.event_sealed_by(event, &seal), Some("referrals"));
        assert_eq!(
            ring.event_sealed_by(r#"{"source":"referrals","n":2}"#, &seal),
            None
        );
        let other = Keyring::generate(&["referrals"], Duration::from_secs(60));
        let forged = other.seal_event("referrals", event).expect("seals");
        assert_eq!(ring.event_sealed_by(event, &forged), None, "untrusted key");
        assert_eq!(ring.event_sealed_by(event, "nonsense"), None);
        assert!(
            ring.seal_event("governance", event).is_none(),
            "no key held"
        );
    }

    #[test]
    fn bad_configuration_names_what_is_wrong() {
        let (portal, _) = two_processes();
        let mut missing = portal.clone();
        missing.signing_key = SecretString::from(String::new());
        assert!(matches!(
            Keyring::from_config(PORTAL, &missing),
            Err(KeyError::Missing(_))
        ));
        let mut short = portal.clone();
        short.signing_key = SecretString::from("c2hvcnQ".to_string());
        assert!(matches!(
            Keyring::from_config(PORTAL, &short),
            Err(KeyError::BadSigningKey)
        ));
        let mut kid = portal.clone();
        kid.key_id = "has space".into();
        assert!(matches!(
            Keyring::from_config(PORTAL, &kid),
            Err(KeyError::BadKeyId)
        ));
        let mut trusted = portal.clone();
        trusted.trusted = format!("{} portal:x:notbase64!", portal.trusted);
        assert!(matches!(
            Keyring::from_config(PORTAL, &trusted),
            Err(KeyError::BadTrusted(3))
        ));
        let (other, _) = two_processes();
        let clash = other.trusted.split(' ').next().expect("entry").replacen(
            &other.key_id,
            &portal.key_id,
            1,
        );
        let mut dup = portal.clone();
        dup.trusted = format!("{} {clash}", portal.trusted);
        assert!(matches!(
            Keyring::from_config(PORTAL, &dup),
            Err(KeyError::DuplicateKeyId(_))
        ));
    }
}
