//! The form kit: what the pages and the portal's form handlers agree on.
//!
//! A form post goes to the portal, which calls a service and answers with a
//! redirect: done, it leaves a flash message for the page it goes to;
//! refused, it keeps a [`FormOutcome`] (what was typed, what was wrong)
//! under the form's [`SessionKey`] and goes back. The URLs ([`routes`]),
//! session keys ([`keys`]), field names ([`fields`]) and id checks
//! ([`ids`]) both sides use are defined here once.

pub mod fields;
pub mod ids;
pub mod keys;
mod outcome;
mod route;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use outcome::{Fields, FormOutcome, Outage, Service, Then};
pub use route::Route;

use std::marker::PhantomData;

/// A session entry's name, typed by what is kept under it, so that the
/// page that reads it and the handler that writes it agree on both.
pub struct SessionKey<T> {
    name: &'static str,
    kept: PhantomData<fn() -> T>,
}

impl<T> SessionKey<T> {
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            kept: PhantomData,
        }
    }

    /// The entry's name in the session record.
    pub const fn name(self) -> &'static str {
        self.name
    }
}

impl<T> Clone for SessionKey<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for SessionKey<T> {}

impl<T> std::fmt::Debug for SessionKey<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SessionKey").field(&self.name).finish()
    }
}
