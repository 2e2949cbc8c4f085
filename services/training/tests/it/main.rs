//! Integration tests of the training service. Every scenario runs on
//! SQLite and on PostgreSQL, each with a database of its own.

/// Each scenario is an `async fn(&TestApp)` run on both backends, each
/// time against a freshly spawned service.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        eip_test_support::on_both_backends!(via crate::helpers::run: $($scenario),*);
    };
}

mod competencies;
mod completions;
mod evidence;
mod framework;
mod helpers;
mod mail;
mod matrix;
mod migrations;
mod openapi;
mod reminders;
mod service;
mod sessions;
mod staff;
