//! Reading, at start-up, the places covered by directory services stored
//! before coverage was read on import.

use crate::{AppState, directory, store};

/// Reads the coverage of services stored before it was read on import.
pub async fn read_missing(state: &AppState) -> Result<(), sqlx::Error> {
    let unread = store::directory::coverage_unread(state.db.pool()).await?;
    if unread.is_empty() {
        return Ok(());
    }
    let places = store::places::list(state.db.pool(), &Default::default()).await?;
    let mut tx = state.db.begin().await?;
    for (id, record) in &unread {
        let covered = directory::covered(record, &places);
        store::directory::write_coverage(&mut tx, id, &covered).await?;
    }
    tx.commit().await
}
