//! The harness of the browser tests: a headless Chromium driven through
//! chromedriver ([`Browser`]), the platform hosted in the test's own process
//! ([`EmbeddedPlatform`]) or as separate service processes on PostgreSQL and
//! Redis ([`DistributedPlatform`]), and the few page operations the tests
//! share ([`pages`]).
//!
//! Every wait is bounded polling on page or server state: nothing sleeps for a
//! fixed time hoping the page has caught up.

mod browser;
mod distributed;
mod embedded;
pub mod pages;
mod support;

pub use browser::{Browser, JavaScript};
pub use distributed::DistributedPlatform;
pub use embedded::EmbeddedPlatform;
pub use support::{TempDir, poll_until};

use std::time::Duration;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password";

/// How long any one wait on the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// How often a wait looks again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// A demo account and the role its home page announces.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub username: &'static str,
    pub role: &'static str,
}

/// The demo accounts, one per role plus a coordinator for a second area.
pub const DEMO_USERS: [DemoUser; 9] = [
    DemoUser {
        username: "frontline.hull",
        role: "frontline",
    },
    DemoUser {
        username: "coordinator.hull",
        role: "coordinator",
    },
    DemoUser {
        username: "coordinator.eastriding",
        role: "coordinator",
    },
    DemoUser {
        username: "partner.cfs",
        role: "partner",
    },
    DemoUser {
        username: "trainer",
        role: "trainer",
    },
    DemoUser {
        username: "board",
        role: "board",
    },
    DemoUser {
        username: "analyst",
        role: "analyst",
    },
    DemoUser {
        username: "admin",
        role: "admin",
    },
    DemoUser {
        username: "dpo",
        role: "dpo",
    },
];

/// A child name no other test run uses, so a test finds its own referral.
pub fn unique_child_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("E2E Child {}", &id[..10])
}
