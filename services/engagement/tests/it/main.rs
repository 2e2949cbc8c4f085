//! Integration tests of the engagement service. Every scenario runs on
//! SQLite and on PostgreSQL, each with a database of its own.

/// Each scenario is an `async fn(&TestApp)` run on both backends, each
/// time against a freshly spawned service.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        eip_test_support::on_both_backends!(via crate::helpers::run: $($scenario),*);
    };
}

mod analysis;
mod cases;
mod community;
mod directory;
mod helpers;
mod imports;
mod migrations;
mod openapi;
mod places;
mod repeat;
mod service;
mod skills;
