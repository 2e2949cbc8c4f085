//! Slowing down password guessing. Failed sign-ins are counted per typed
//! username (whether or not the account exists, so the answer never tells)
//! and per client address; past a threshold each further failure doubles
//! the time before the next attempt is even checked, up to a ceiling.
//! Password hashing runs a few at a time, so a flood of sign-ins cannot
//! exhaust memory or starve the pages.
//!
//! The counts are kept in this process: with several portal replicas each
//! counts what it sees.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, SemaphorePermit};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThrottleConfig {
    /// Failures for one username that are let pass; each one after delays
    /// the next attempt.
    pub account_failures: u32,
    /// The same, for one client address whatever the usernames.
    pub address_failures: u32,
    /// The first delay, doubled by each further failure.
    pub first_delay_seconds: u64,
    /// The longest delay.
    pub max_delay_seconds: u64,
    /// Password checks running at once; more wait their turn.
    pub concurrent_checks: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            account_failures: 5,
            address_failures: 20,
            first_delay_seconds: 2,
            max_delay_seconds: 15 * 60,
            concurrent_checks: 4,
        }
    }
}

/// Forgotten after this long without a failure.
const MEMORY: Duration = Duration::from_secs(24 * 3600);
/// Counts kept before the forgotten ones are swept.
const SWEEP_AT: usize = 10_000;
/// How long a sign-in waits for its turn at the password check.
const CHECK_QUEUE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    last: Instant,
}

#[derive(Debug)]
pub struct SignInThrottle {
    config: ThrottleConfig,
    accounts: Mutex<HashMap<String, Count>>,
    addresses: Mutex<HashMap<IpAddr, Count>>,
    checks: Semaphore,
}

/// Whether an attempt may be checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Not before this long has passed.
    Wait(Duration),
}

impl SignInThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        let checks = Semaphore::new(config.concurrent_checks.max(1));
        Self {
            config,
            accounts: Mutex::default(),
            addresses: Mutex::default(),
            checks,
        }
    }

    /// Whether a sign-in as `username` from `address` may be checked now.
    pub fn verdict(&self, username: &str, address: Option<IpAddr>, now: Instant) -> Verdict {
        let account = lock(&self.accounts)
            .get(&account_key(username))
            .map(|c| self.wait(*c, self.config.account_failures, now));
        let address = address.and_then(|a| {
            lock(&self.addresses)
                .get(&a)
                .map(|c| self.wait(*c, self.config.address_failures, now))
        });
        match account.into_iter().chain(address).flatten().max() {
            Some(wait) => Verdict::Wait(wait),
            None => Verdict::Go,
        }
    }

    /// Counts a failed attempt.
    pub fn failed(&self, username: &str, address: Option<IpAddr>, now: Instant) {
        bump(&mut lock(&self.accounts), account_key(username), now);
        if let Some(a) = address {
            bump(&mut lock(&self.addresses), a, now);
        }
    }

    /// A right password clears the username's count (not the address's:
    /// one good account does not excuse guessing at others).
    pub fn succeeded(&self, username: &str) {
        lock(&self.accounts).remove(&account_key(username));
    }

    /// A turn at the password check, or none if the queue is too long.
    pub async fn turn(&self) -> Option<SemaphorePermit<'_>> {
        tokio::time::timeout(CHECK_QUEUE, self.checks.acquire())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// How long a count of failures holds further attempts back: nothing
    /// up to `threshold` failures, then the first delay, doubling with each
    /// failure after.
    fn wait(&self, count: Count, threshold: u32, now: Instant) -> Option<Duration> {
        let over = count.failures.checked_sub(threshold.saturating_add(1))?;
        let delay = self
            .config
            .first_delay_seconds
            .saturating_mul(1u64 << over.min(32))
            .min(self.config.max_delay_seconds);
        let until = count.last + Duration::from_secs(delay);
        (until > now).then(|| until - now)
    }
}

fn account_key(username: &str) -> String {
    username.trim().to_lowercase()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn bump<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, Count>, key: K, now: Instant) {
    if counts.len() >= SWEEP_AT {
        counts.retain(|_, c| now.duration_since(c.last) < MEMORY);
    }
    let count = counts.entry(key).or_insert(Count {
        failures: 0,
        last: now,
    });
    if now.duration_since(count.last) >= MEMORY {
        count.failures = 0;
    }
    count.failures = count.failures.saturating_add(1);
    count.last = now;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> SignInThrottle {
        SignInThrottle::new(ThrottleConfig {
            account_failures: 3,
            address_failures: 5,
            first_delay_seconds: 2,
            max_delay_seconds: 60,
            concurrent_checks: 1,
        })
    }

    #[test]
    fn failures_past_the_threshold_delay_the_next_attempt_more_each_time() {
        let t = throttle();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(t.verdict("admin", None, start), Verdict::Go);
            t.failed("admin", None, start);
        }
        // The fourth failure (one past three) waits 2 s, the fifth 4 s.
        assert_eq!(t.verdict("Admin ", None, start), Verdict::Go);
        t.failed("admin", None, start);
        assert_eq!(
            t.verdict("admin", None, start),
            Verdict::Wait(Duration::from_secs(2))
        );
        let later = start + Duration::from_secs(2);
        assert_eq!(t.verdict("admin", None, later), Verdict::Go);
        t.failed("admin", None, later);
        assert_eq!(
            t.verdict("admin", None, later),
            Verdict::Wait(Duration::from_secs(4))
        );
        // Another username is not held back by this one's failures.
        assert_eq!(t.verdict("board", None, later), Verdict::Go);
    }

    #[test]
    fn delays_stop_growing_at_the_ceiling() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..40 {
            t.failed("admin", None, now);
        }
        assert_eq!(
            t.verdict("admin", None, now),
            Verdict::Wait(Duration::from_secs(60))
        );
    }

    #[test]
    fn one_address_guessing_at_many_usernames_is_held_back() {
        let t = throttle();
        let now = Instant::now();
        let address: IpAddr = [192, 0, 2, 7].into();
        for n in 0..6 {
            t.failed(&format!("user-{n}"), Some(address), now);
        }
        assert!(matches!(
            t.verdict("someone-new", Some(address), now),
            Verdict::Wait(_)
        ));
        assert_eq!(
            t.verdict("someone-new", Some([192, 0, 2, 8].into()), now),
            Verdict::Go
        );
    }

    #[test]
    fn success_clears_the_usernames_count() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..4 {
            t.failed("admin", None, now);
        }
        t.succeeded("admin");
        assert_eq!(t.verdict("admin", None, now), Verdict::Go);
    }

    #[tokio::test]
    async fn password_checks_take_turns() {
        let t = throttle();
        let first = t.turn().await.expect("a turn");
        assert!(t.checks.try_acquire().is_err(), "one at a time");
        drop(first);
        assert!(t.turn().await.is_some());
    }
}
