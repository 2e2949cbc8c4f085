//! Integration tests of the engagement service. Every scenario runs on
//! SQLite and on PostgreSQL, each with a database of its own.

/// For each named `async fn(&TestApp)` scenario, a module with a `sqlite`
/// and a `postgres` test that run it against a freshly spawned service.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use eip_test_support::Backend;

                #[tokio::test]
                async fn sqlite() {
                    crate::helpers::run(Backend::Sqlite, super::$scenario).await;
                }

                #[tokio::test]
                async fn postgres() {
                    crate::helpers::run(Backend::Postgres, super::$scenario).await;
                }
            }
        )*
    };
}

mod analysis;
mod cases;
mod community;
mod directory;
mod helpers;
mod imports;
mod openapi;
mod places;
mod repeat;
mod service;
mod skills;
