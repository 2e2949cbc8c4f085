//! Writing calls for service in bulk. An incident import opens a connection
//! of its own on the service's backend (not through the `Any` pool), so it
//! can use what each database does best: on PostgreSQL, `COPY … FROM STDIN`
//! straight into the table when none of a batch's incidents is on record,
//! else into a temporary staging table and one `INSERT … SELECT … ON
//! CONFLICT` merge; on SQLite, one prepared upsert stepped per row through
//! SQLite's own interface (rusqlite, on a blocking thread), as the `sqlite3`
//! shell's own import does, in a large page cache.
//! Each batch (its rows, its refused rows and the job's counts) is one
//! transaction, so a failure leaves nothing of that batch behind, and the
//! job's progress, read through the pool, moves batch by batch.
//!
//! Each batch also adds its calls to their demand cells (ward, month,
//! category and source), in the same transaction; a replaced incident's
//! call leaves its old cell by a trigger as the row is updated.
//!
//! A load at least as large as the table already is writes without the
//! incident indexes by caller and by address and without the ward key
//! (dropped on PostgreSQL, not enforced on SQLite), which the service's
//! worker puts back once the last such load has ended and its job is
//! marked finished: one sort of every row is several times quicker than
//! placing each row in the indexes as it arrives, and only the
//! repeat-demand evaluation, which the same worker runs next, reads them.
//! Queries before then are answered, by a scan.

use super::rows::IncidentRow;
use crate::store::imports::{ADD_COUNTS as COUNTS_SQL, INSERT_ERROR as ERROR_SQL};
use eip_platform::config::DatabaseUrl;
use eip_types::engagement::{Category, RowError};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// Why an import's writing stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the import's writer stopped: {0}")]
    Stopped(String),
}

/// The columns written, in order, by both paths.
const FIELDS: [&str; 16] = [
    "incident_number",
    "source",
    "opened_at",
    "closed_at",
    "opened_on",
    "month",
    "opening_category",
    "closing_category",
    "category",
    "qualifiers",
    "grade",
    "place_id",
    "area_id",
    "caller_ref",
    "address_ref",
    "import_id",
];

/// The incident indexes beside the primary key, as the migrations leave
/// them: `(name, table and columns)`.
const SECONDARY_INDEXES: [(&str, &str); 2] = [
    ("incidents_by_caller", "incidents (caller_ref)"),
    ("incidents_by_address", "incidents (address_ref)"),
];

/// Statements that build whichever incident index is missing.
fn create_indexes() -> impl Iterator<Item = String> {
    SECONDARY_INDEXES
        .iter()
        .map(|(name, on)| format!("CREATE INDEX IF NOT EXISTS {name} ON {on}"))
}

/// A large load also goes without the incidents' foreign key to their
/// ward (on PostgreSQL dropped, on SQLite not enforced on the import's
/// connection), checked then once for the whole table after it (one
/// join, instead of a lookup per row). Every row's ward was already checked
/// against the wards on record as the file was read, and wards are never
/// deleted.
const PLACE_KEY: &str = "incidents_place_id_fkey";
const DROP_PLACE_KEY: &str =
    "ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_place_id_fkey";
const ADD_PLACE_KEY: &str = "DO $$ BEGIN \
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'incidents_place_id_fkey' \
                   AND conrelid = 'incidents'::regclass) THEN \
        ALTER TABLE incidents ADD CONSTRAINT incidents_place_id_fkey \
            FOREIGN KEY (place_id) REFERENCES places (id); \
    END IF; END $$";

/// Puts back what large loads went without: the incident indexes, the ward
/// key (one check of the whole table) and, on PostgreSQL, fresh
/// statistics; also at start-up, after a load stopped before its end. On a
/// connection of its own (on SQLite the service's pool is one connection,
/// which requests keep meanwhile). The caller makes sure no large load is
/// running.
pub async fn restore_after_loads(
    pool: &sqlx::AnyPool,
    url: &DatabaseUrl,
) -> Result<(), sqlx::Error> {
    let postgres = url.expose().starts_with("postgres");
    let names: Vec<String> = sqlx::query_scalar(if postgres {
        "SELECT indexname::text FROM pg_indexes WHERE tablename = 'incidents' \
         UNION ALL SELECT conname::text FROM pg_constraint \
         WHERE conrelid = 'incidents'::regclass"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'"
    })
    .fetch_all(pool)
    .await?;
    let has = |name: &str| names.iter().any(|n| n == name);
    if SECONDARY_INDEXES.iter().all(|(name, _)| has(name)) && (!postgres || has(PLACE_KEY)) {
        return Ok(());
    }
    let mut conn = sqlx::AnyConnection::connect(url.expose()).await?;
    if postgres {
        // Room to sort a large table's keys in memory.
        sqlx::query("SET maintenance_work_mem = '256MB'")
            .execute(&mut conn)
            .await?;
    } else {
        // The ward key, which the load's connection did not enforce.
        let orphans: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM incidents i WHERE NOT EXISTS \
             (SELECT 1 FROM places p WHERE p.id = i.place_id)",
        )
        .fetch_one(&mut conn)
        .await?;
        if orphans > 0 {
            return Err(sqlx::Error::Protocol(format!(
                "{orphans} incidents name no ward on record"
            )));
        }
    }
    for sql in create_indexes() {
        sqlx::query(&sql).execute(&mut conn).await?;
    }
    if postgres {
        sqlx::query(ADD_PLACE_KEY).execute(&mut conn).await?;
        // Fresh statistics, or the planner takes the table for the handful
        // of rows it held before.
        sqlx::query("ANALYZE incidents").execute(&mut conn).await?;
    }
    conn.close().await
}

/// An import's own connection.
pub enum BulkConn {
    /// Taken by the blocking thread while it writes a batch.
    Sqlite(Option<Box<rusqlite::Connection>>),
    Postgres {
        conn: Box<PgConnection>,
        /// Copy batches straight into the table without first looking for
        /// their incidents: set for a large load into a smaller table,
        /// cleared at the first batch that meets one.
        optimistic: bool,
    },
}

/// What a batch adds to the job's counts, and the refused rows to keep.
pub struct BatchCounts {
    pub read: i64,
    pub imported: i64,
    pub rejected: i64,
    pub errors: Vec<RowError>,
}

fn upsert_tail() -> String {
    let updates: Vec<String> = FIELDS[1..]
        .iter()
        .map(|f| format!("{f} = excluded.{f}"))
        .collect();
    format!(
        " ON CONFLICT (incident_number) DO UPDATE SET {}",
        updates.join(", ")
    )
}

/// SQLite's upsert of one incident, all of [`FIELDS`] bound.
static SQLITE_UPSERT: LazyLock<String> = LazyLock::new(|| {
    let marks: Vec<String> = (1..=FIELDS.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO incidents ({}) VALUES ({}){}",
        FIELDS.join(", "),
        marks.join(", "),
        upsert_tail()
    )
});

const CELL_SQL: &str = "INSERT INTO demand_cells (source, place_id, month, category, area_id, calls) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, place_id, month, category) DO UPDATE \
     SET calls = demand_cells.calls + excluded.calls, area_id = excluded.area_id";

/// A batch's calls per demand cell: `(source, ward, month, category)` to
/// the ward's area and the calls, in key order so that concurrent imports
/// take the cells' row locks in the same order.
type Cells = BTreeMap<(&'static str, Arc<str>, String, Category), (Arc<str>, i64)>;

/// A batch of incidents made ready to write on the thread that reads the
/// file: its demand cells and, for PostgreSQL, its `COPY` text. The writer
/// then only sends it, while the next batch is being made.
pub struct Prepared {
    rows: Vec<IncidentRow>,
    copy: Option<Vec<u8>>,
    cells: Cells,
}

impl Prepared {
    /// `copy_for` names the job when the batch goes to PostgreSQL.
    pub fn new(rows: Vec<IncidentRow>, copy_for: Option<&str>) -> Self {
        // Counted on keys borrowed from the rows, then owned once per cell.
        let mut counted: std::collections::HashMap<_, (&IncidentRow, i64)> =
            std::collections::HashMap::new();
        for r in &rows {
            let key = (r.source, &*r.place_id, r.month(), r.category());
            counted.entry(key).or_insert((r, 0)).1 += 1;
        }
        let cells: Cells = counted
            .into_values()
            .map(|(r, calls)| {
                let key = (
                    r.source,
                    r.place_id.clone(),
                    r.month().to_owned(),
                    r.category(),
                );
                (key, (r.area_id.clone(), calls))
            })
            .collect();
        let copy = copy_for.map(|job| {
            let mut data = Vec::with_capacity(rows.len() * 256);
            for r in &rows {
                copy_row(&mut data, r, job);
            }
            data
        });
        Self { rows, copy, cells }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The calls-for-service cells the batch wrote to: `(ward, area, month,
    /// category)`.
    pub fn incident_cells(
        &self,
    ) -> impl Iterator<Item = (Arc<str>, Arc<str>, String, Category)> + '_ {
        self.cells
            .iter()
            .filter(|((source, ..), _)| *source == crate::incidents::SOURCE_INCIDENTS)
            .map(|((_, place, month, category), (area, _))| {
                (place.clone(), area.clone(), month.clone(), *category)
            })
    }
}

/// Cells per statement (six values each).
const CELLS_PER_STATEMENT: usize = 1_000;

impl BulkConn {
    /// Opens the import's connection to the service's database.
    pub async fn open(url: &DatabaseUrl) -> Result<Self, Error> {
        let raw = url.expose();
        if raw.starts_with("sqlite:") {
            let path = SqliteConnectOptions::from_str(raw)?
                .get_filename()
                .to_owned();
            let conn = tokio::task::spawn_blocking(move || open_sqlite(&path))
                .await
                .map_err(|e| Error::Stopped(e.to_string()))??;
            Ok(Self::Sqlite(Some(Box::new(conn))))
        } else {
            let mut conn = PgConnectOptions::from_str(raw)?
                .disable_statement_logging()
                .connect()
                .await?;
            sqlx::query(
                "CREATE TEMPORARY TABLE import_stage (LIKE incidents) ON COMMIT DELETE ROWS",
            )
            .execute(&mut conn)
            .await?;
            // A batch's commit need not wait for its log to reach the disk:
            // a crash can lose only whole batches, rows and counts together,
            // and the job is marked finished by a commit that does wait, so
            // a finished job's batches are all on disk.
            sqlx::query("SET synchronous_commit = off")
                .execute(&mut conn)
                .await?;
            Ok(Self::Postgres {
                conn: Box::new(conn),
                optimistic: false,
            })
        }
    }

    /// Writes one batch of incidents (no incident number twice), replacing
    /// any already on record, with its refused rows and counts, in one
    /// transaction; hands the batch back.
    pub async fn write_batch(
        &mut self,
        job_id: &str,
        batch: Prepared,
        counts: BatchCounts,
    ) -> Result<Prepared, Error> {
        match self {
            Self::Sqlite(slot) => {
                let mut conn = slot
                    .take()
                    .ok_or_else(|| Error::Stopped("an earlier batch failed".into()))?;
                let job = job_id.to_owned();
                let (conn, batch, written) = tokio::task::spawn_blocking(move || {
                    let written = sqlite_batch(&mut conn, &job, &batch, &counts);
                    (conn, batch, written)
                })
                .await
                .map_err(|e| Error::Stopped(e.to_string()))?;
                *slot = Some(conn);
                written?;
                Ok(batch)
            }
            Self::Postgres { conn, optimistic } => {
                let rows = &batch.rows;
                let encoded;
                let data = match &batch.copy {
                    Some(data) => data,
                    None => {
                        let mut data = Vec::with_capacity(rows.len() * 256);
                        for r in rows {
                            copy_row(&mut data, r, job_id);
                        }
                        encoded = data;
                        &encoded
                    }
                };
                let numbers: Vec<&str> = rows.iter().map(|r| r.incident_number.as_str()).collect();
                let cells = &batch.cells;
                let copy = if *optimistic {
                    Batch::Copy
                } else {
                    Batch::CheckFirst
                };
                match pg_batch(conn, job_id, data, &numbers, cells, &counts, copy).await {
                    // One of these incidents is on record after all (or
                    // another import wrote one between the check and the
                    // copy): merge the batch instead.
                    Err(sqlx::Error::Database(e))
                        if e.kind() == sqlx::error::ErrorKind::UniqueViolation =>
                    {
                        *optimistic = false;
                        pg_batch(conn, job_id, data, &numbers, cells, &counts, Batch::Merge)
                            .await?;
                    }
                    other => other?,
                }
                Ok(batch)
            }
        }
    }

    /// Drops the incident indexes beside the primary key and the ward key
    /// (on SQLite, stops checking it on this connection), before a large
    /// load; [`restore_after_loads`] puts them back.
    pub async fn drop_indexes(&mut self) -> Result<(), Error> {
        let drops: Vec<String> = SECONDARY_INDEXES
            .iter()
            .map(|(name, _)| format!("DROP INDEX IF EXISTS {name}"))
            .collect();
        match self {
            Self::Sqlite(slot) => {
                let conn = slot
                    .take()
                    .ok_or_else(|| Error::Stopped("an earlier batch failed".into()))?;
                let (conn, done) = tokio::task::spawn_blocking(move || {
                    let done = drops
                        .iter()
                        .try_for_each(|sql| conn.execute_batch(sql))
                        .and_then(|()| conn.pragma_update(None, "foreign_keys", false));
                    (conn, done)
                })
                .await
                .map_err(|e| Error::Stopped(e.to_string()))?;
                *slot = Some(conn);
                done?;
            }
            Self::Postgres { conn, optimistic } => {
                for sql in drops.iter().map(String::as_str).chain([DROP_PLACE_KEY]) {
                    sqlx::query(sql).execute(&mut **conn).await?;
                }
                // The table was smaller than the file: most batches will be new.
                *optimistic = true;
            }
        }
        Ok(())
    }

    pub async fn close(self) {
        match self {
            Self::Sqlite(Some(conn)) => {
                // Moves the import's pages into the database file now, in
                // one go, and lets the log be reused.
                let _ = tokio::task::spawn_blocking(move || {
                    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
                    drop(conn);
                })
                .await;
            }
            Self::Sqlite(None) => {}
            Self::Postgres { conn, .. } => {
                let _ = conn.close().await;
            }
        }
    }
}

/// The import's SQLite connection. WAL with `synchronous = NORMAL` cannot
/// corrupt the file on a crash; a large page cache keeps the incident
/// indexes in memory while rows arrive in no particular order.
fn open_sqlite(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// One SQLite batch in one transaction, taken at once for writing so that
/// it never waits on a reader to upgrade.
fn sqlite_batch(
    conn: &mut rusqlite::Connection,
    job_id: &str,
    batch: &Prepared,
    counts: &BatchCounts,
) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    {
        let mut upsert = tx.prepare_cached(&SQLITE_UPSERT)?;
        for r in &batch.rows {
            upsert.execute(rusqlite::params_from_iter(
                values(r).into_iter().chain([Some(job_id)]),
            ))?;
        }
        let mut cell = tx.prepare_cached(CELL_SQL)?;
        for ((source, place, month, category), (area, calls)) in &batch.cells {
            cell.execute(rusqlite::params![
                source,
                &**place,
                month,
                category.as_str(),
                &**area,
                calls
            ])?;
        }
        let mut error = tx.prepare_cached(ERROR_SQL)?;
        for e in &counts.errors {
            error.execute(rusqlite::params![
                job_id,
                i64::try_from(e.line).unwrap_or(i64::MAX),
                e.field.as_deref(),
                &e.message
            ])?;
        }
        tx.execute(
            COUNTS_SQL,
            rusqlite::params![counts.read, counts.imported, counts.rejected, job_id],
        )?;
    }
    tx.commit()
}

/// Adds a PostgreSQL batch's calls to their cells, inside its transaction.
async fn pg_cells(tx: &mut PgConnection, cells: &Cells) -> Result<(), sqlx::Error> {
    let cells: Vec<_> = cells.iter().collect();
    for chunk in cells.chunks(CELLS_PER_STATEMENT) {
        let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "INSERT INTO demand_cells (source, place_id, month, category, area_id, calls) ",
        );
        q.push_values(
            chunk,
            |mut b, ((source, place, month, category), (area, calls))| {
                b.push_bind(*source)
                    .push_bind(&**place)
                    .push_bind(month.as_str())
                    .push_bind(category.as_str())
                    .push_bind(&**area)
                    .push_bind(*calls);
            },
        );
        q.push(
            " ON CONFLICT (source, place_id, month, category) DO UPDATE \
             SET calls = demand_cells.calls + excluded.calls, area_id = excluded.area_id",
        );
        q.build().execute(&mut *tx).await?;
    }
    Ok(())
}

/// Stores a PostgreSQL batch's refused rows and adds its counts, inside its
/// transaction.
async fn pg_finish(
    tx: &mut PgConnection,
    job_id: &str,
    counts: &BatchCounts,
) -> Result<(), sqlx::Error> {
    for e in &counts.errors {
        sqlx::query(ERROR_SQL)
            .bind(job_id)
            .bind(i64::try_from(e.line).unwrap_or(i64::MAX))
            .bind(e.field.as_deref())
            .bind(&e.message)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(COUNTS_SQL)
        .bind(counts.read)
        .bind(counts.imported)
        .bind(counts.rejected)
        .bind(job_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// How a PostgreSQL batch is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Batch {
    /// Copied into the table; fails if one of its incidents is on record.
    Copy,
    /// Copied into the table when none of its incidents is on record (if
    /// one arrives meanwhile, the copy fails), else merged.
    CheckFirst,
    /// Staged and merged, replacing the incidents on record.
    Merge,
}

/// One PostgreSQL batch in one transaction.
async fn pg_batch(
    conn: &mut PgConnection,
    job_id: &str,
    data: &[u8],
    numbers: &[&str],
    cells: &Cells,
    counts: &BatchCounts,
    how: Batch,
) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    if !numbers.is_empty() {
        let merge = match how {
            Batch::Merge => true,
            Batch::Copy => false,
            Batch::CheckFirst => {
                sqlx::query_scalar::<_, bool>(
                    "SELECT EXISTS (SELECT 1 FROM incidents WHERE incident_number = ANY($1))",
                )
                .bind(numbers)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let target = if merge { "import_stage" } else { "incidents" };
        let mut copy = tx
            .copy_in_raw(&format!("COPY {target} ({}) FROM STDIN", FIELDS.join(", ")))
            .await?;
        if let Err(e) = copy.send(data).await {
            let _ = copy.abort("the batch could not be sent").await;
            return Err(e);
        }
        copy.finish().await?;
        if merge {
            let fields = FIELDS.join(", ");
            sqlx::query(&format!(
                "INSERT INTO incidents ({fields}) SELECT {fields} FROM import_stage{}",
                upsert_tail()
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    pg_cells(&mut tx, cells).await?;
    pg_finish(&mut tx, job_id, counts).await?;
    // The staging table empties itself at commit.
    tx.commit().await
}

/// A row's fields in [`FIELDS`] order, but for the job's id.
fn values(r: &IncidentRow) -> [Option<&str>; 15] {
    [
        Some(&r.incident_number),
        Some(r.source),
        Some(&r.opened_at),
        r.closed_at.as_deref(),
        Some(r.day()),
        Some(r.month()),
        Some(r.opening_category.as_str()),
        r.closing_category.map(Category::as_str),
        Some(r.category().as_str()),
        Some(&r.qualifiers),
        r.grade.map(|g| g.as_str()),
        Some(&r.place_id),
        Some(&r.area_id),
        r.caller_ref.as_deref(),
        r.address_ref.as_deref(),
    ]
}

/// Appends one row in `COPY`'s text format: tab-separated, `\N` for null,
/// backslash escapes for the characters the format gives meaning to.
fn copy_row(out: &mut Vec<u8>, r: &IncidentRow, job_id: &str) {
    let fields = values(r).into_iter().chain([Some(job_id)]);
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match f {
            None => out.extend_from_slice(b"\\N"),
            Some(s) => copy_escape(out, s),
        }
    }
    out.push(b'\n');
}

fn copy_escape(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_the_format_reads() {
        let mut out = Vec::new();
        copy_escape(&mut out, "a\\b\tc\nd\re");
        assert_eq!(out, b"a\\\\b\\tc\\nd\\re");
        let mut plain = Vec::new();
        copy_escape(&mut plain, "HUM-1");
        assert_eq!(plain, b"HUM-1");
    }

    #[test]
    fn sqlite_upsert_binds_every_field_once() {
        assert!(SQLITE_UPSERT.contains(&format!("?{})", FIELDS.len())));
        assert!(!SQLITE_UPSERT.contains(&format!("?{}", FIELDS.len() + 1)));
        assert!(SQLITE_UPSERT.contains("import_id = excluded.import_id"));
    }
}
