//! Which month's coverage has been published for which team and area.

use eip_platform::db::Tx;

/// Claims a month's coverage publication for a scope; false when taken.
#[tracing::instrument(skip_all)]
pub async fn claim(
    tx: &mut Tx,
    month: &str,
    scope: &str,
    scope_id: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO coverage_published (month, scope, scope_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(month)
    .bind(scope)
    .bind(scope_id)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}
