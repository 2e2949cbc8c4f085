//! A record the database refuses as a duplicate is the client's conflict,
//! naming the field, on both backends; never a 500.

use eip_platform::db::{Db, Migrations};
use eip_platform::error::ApiError;
use eip_test_support::{Backend, TestDb, on_both_backends};

async fn duplicates_are_conflicts_naming_the_field(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let db = Db::connect(&test_db.url, &Migrations::from_lists(vec![], vec![]))
        .await
        .expect("database");
    sqlx::query("CREATE TABLE accounts (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE)")
        .execute(db.pool())
        .await
        .expect("table");
    let insert = |id: &'static str| {
        sqlx::query("INSERT INTO accounts (id, username) VALUES ($1, 'sam')")
            .bind(id)
            .execute(db.pool())
    };
    insert("a").await.expect("the first is stored");
    let err = ApiError::from(insert("b").await.expect_err("the second is refused"));
    assert_eq!(err.status(), 409, "{err:?}");
    let problem = err.problem();
    assert_eq!(
        problem.field("username"),
        Some("is already in use by another record")
    );
    assert!(
        !format!("{problem:?}").contains("sam"),
        "the refused value is not echoed: {problem:?}"
    );

    let err = ApiError::from(
        sqlx::query("INSERT INTO accounts (id, username) VALUES ('a', 'alex')")
            .execute(db.pool())
            .await
            .expect_err("a second id is refused"),
    );
    assert_eq!(err.problem().field("id").map(|_| ()), Some(()), "{err:?}");
    db.close().await;
}

on_both_backends!(duplicates_are_conflicts_naming_the_field);
