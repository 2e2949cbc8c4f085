//! The schema's history: released migrations never change, and the SQLite
//! and PostgreSQL migrations say the same thing.

use eip_governance::Governance;

#[test]
fn released_migrations_are_unchanged_and_the_backends_agree() {
    eip_test_support::migrations::check(
        &eip_platform::service::schema::<Governance>(),
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/migrations/released.txt"
        )),
    );
}
