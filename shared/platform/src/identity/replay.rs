//! Assertion ids seen by one part, kept until the assertion would have
//! expired anyway: a captured assertion cannot be played again.
//!
//! The record is in memory, per process. A part running as several
//! replicas behind one address refuses a replay at the replica that saw the
//! original; a replay sent to another replica is caught only by the short
//! life of the assertion.

use rand::RngCore;
use std::collections::HashMap;
use std::sync::Mutex;

/// Past this many ids the expired ones are swept out on the next insert.
const SWEEP_AT: usize = 4096;

/// A fresh, unguessable assertion id: 128 random bits, base64url.
pub(super) fn fresh_id() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

#[derive(Debug, Default)]
pub(super) struct Seen {
    ids: Mutex<Ids>,
}

#[derive(Debug, Default)]
struct Ids {
    /// Id → the second after which it no longer matters.
    until: HashMap<String, u64>,
    sweep_at: usize,
}

impl Seen {
    /// Records `id`, valid until `until` (seconds since the epoch); false
    /// when it was already recorded.
    pub(super) fn first_sight(&self, id: &str, until: u64) -> bool {
        let now = jsonwebtoken::get_current_timestamp();
        let mut ids = self.ids.lock().unwrap_or_else(|e| e.into_inner());
        if ids.until.get(id).is_some_and(|&u| u >= now) {
            return false;
        }
        if ids.until.len() >= ids.sweep_at.max(SWEEP_AT) {
            ids.until.retain(|_, u| *u >= now);
            // Sweep again only once the live set has doubled: the cost of a
            // sweep stays proportional to the inserts between sweeps.
            ids.sweep_at = ids.until.len() * 2;
        }
        ids.until.insert(id.to_owned(), until);
        true
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.ids.lock().expect("lock").until.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_accepted_once_while_it_lives() {
        let seen = Seen::default();
        let later = jsonwebtoken::get_current_timestamp() + 60;
        assert!(seen.first_sight("a", later));
        assert!(!seen.first_sight("a", later));
        assert!(seen.first_sight("b", later));
    }

    #[test]
    fn expired_ids_are_swept_so_the_record_stays_bounded() {
        let seen = Seen::default();
        let past = jsonwebtoken::get_current_timestamp() - 1;
        for i in 0..(SWEEP_AT * 3) {
            assert!(seen.first_sight(&i.to_string(), past));
        }
        assert!(seen.len() <= SWEEP_AT, "{} ids kept", seen.len());
    }

    #[test]
    fn fresh_ids_differ() {
        assert_ne!(fresh_id(), fresh_id());
        assert_eq!(fresh_id().len(), 22);
    }
}
