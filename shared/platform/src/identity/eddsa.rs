//! The one signature algorithm assertions use: Ed25519 (EdDSA), plugged into
//! `jsonwebtoken` as its crypto provider.
//!
//! `jsonwebtoken`'s own RustCrypto backend brings every algorithm it knows,
//! RSA among them; the platform signs and verifies only EdDSA, so it installs
//! this provider instead and builds no RSA code. Keys travel inside
//! `jsonwebtoken`'s key types as raw bytes: the 32-byte seed of a signing
//! key, the 32-byte public key of a verifying key. Any other algorithm is
//! refused.

use ed25519_dalek::ed25519::signature;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind, Result};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use std::sync::Once;

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory,
    verifier_factory,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes the EdDSA provider `jsonwebtoken`'s provider for this process.
/// Idempotent; called before any assertion is signed or verified.
pub(super) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means a provider is installed already: only this one can
        // be, since no other crate of the platform uses `jsonwebtoken`.
        let _ = PROVIDER.install_default();
    });
}

/// The encoding key for a 32-byte seed.
pub(super) fn encoding_key(seed: &[u8; 32]) -> EncodingKey {
    EncodingKey::from_ed_der(seed)
}

/// The decoding key for a 32-byte public key.
pub(super) fn decoding_key(public: &[u8; 32]) -> DecodingKey {
    DecodingKey::from_ed_der(public)
}

fn signer_factory(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    if *alg != Algorithm::EdDSA {
        return Err(Error::from(ErrorKind::InvalidAlgorithm));
    }
    let seed: &[u8; 32] = key
        .as_bytes()
        .try_into()
        .map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?;
    Ok(Box::new(EdSigner(SigningKey::from_bytes(seed))))
}

fn verifier_factory(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if *alg != Algorithm::EdDSA {
        return Err(Error::from(ErrorKind::InvalidAlgorithm));
    }
    let public: &[u8; 32] = key
        .try_get_as_bytes()?
        .try_into()
        .map_err(|_| Error::from(ErrorKind::InvalidEddsaKey))?;
    let key = VerifyingKey::from_bytes(public).map_err(|_| ErrorKind::InvalidEddsaKey)?;
    Ok(Box::new(EdVerifier(key)))
}

struct EdSigner(SigningKey);

impl signature::Signer<Vec<u8>> for EdSigner {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(self.0.sign(msg).to_bytes().to_vec())
    }
}

impl JwtSigner for EdSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

struct EdVerifier(VerifyingKey);

impl signature::Verifier<Vec<u8>> for EdVerifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        // Strict verification refuses the malleable and small-order forms
        // plain Ed25519 verification lets through.
        self.0.verify_strict(msg, &Signature::from_slice(sig)?)
    }
}

impl JwtVerifier for EdVerifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_algorithms_are_refused_by_both_factories() {
        let seed = [7u8; 32];
        assert!(signer_factory(&Algorithm::HS256, &encoding_key(&seed)).is_err());
        assert!(signer_factory(&Algorithm::RS256, &encoding_key(&seed)).is_err());
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        assert!(verifier_factory(&Algorithm::HS256, &decoding_key(&public)).is_err());
        assert!(verifier_factory(&Algorithm::EdDSA, &decoding_key(&public)).is_ok());
    }
}
