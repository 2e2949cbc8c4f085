//! The import pipeline: ward reference data, the census area lookup,
//! command-and-control incidents and street-level crime, all as CSV.
//!
//! The file is never held in memory whole: a blocking task parses it as it
//! arrives (see `parse` and `rows`) and hands batches of checked rows to the
//! database side (see `write` and `bulk`), which writes each batch (rows,
//! rejected rows and the job's counts) in one transaction. Rows are keyed
//! (wards by code, incidents by number), so importing a file again updates
//! rather than duplicates. The job and its progress are served by
//! `api::imports`.

mod bulk;
mod parse;
mod rows;
mod write;

pub use bulk::restore_after_loads;

use crate::{AppState, store};
use axum::body::Body;
use bulk::BulkConn;
use eip_platform::error::ApiError;
use eip_types::engagement::{ImportJob, ImportKind, ImportStatus};
use eip_types::place::PlaceKind;
use futures::TryStreamExt;
use parse::{Context, Msg};
use rows::WardIndex;
use std::sync::Arc;
use tokio::sync::mpsc;
use write::Writer;

/// What a row of a calls-for-service file takes, near enough, to judge from
/// an upload's length how many rows it brings.
const BYTES_PER_ROW: u64 = 100;

/// Runs an awaiting job over `body`; `demo` marks imported wards as
/// demonstration data. The work runs in a task of its own, so a client that
/// goes away leaves a job marked failed rather than one forever running.
pub async fn run(
    state: &AppState,
    job: ImportJob,
    body: Body,
    demo: bool,
) -> Result<ImportJob, ApiError> {
    if !store::imports::start(state.db.pool(), &job.id).await? {
        return Err(ApiError::Conflict(
            "This import already has its file; start a new import to send another.".into(),
        ));
    }
    let state = state.clone();
    let id = job.id.clone();
    let expected_rows = axum::body::HttpBody::size_hint(&body).lower() / BYTES_PER_ROW;
    let task = tokio::spawn(async move {
        let outcome = write_all(&state, &job, body, expected_rows, demo).await;
        let (status, failure) = match &outcome {
            Ok(None) => (ImportStatus::Completed, None),
            Ok(Some(why)) => (ImportStatus::Failed, Some(why.clone())),
            Err(e) => {
                tracing::error!(error = %e, import = %job.id, "import failed");
                (
                    ImportStatus::Failed,
                    Some("The database refused a batch; rows before it were kept.".to_owned()),
                )
            }
        };
        let finished = store::imports::finish(state.db.pool(), &job.id, status, failure).await;
        // The worker publishes the repeat-demand levels the calls made due
        // and, after the last large load, builds the indexes it went without.
        if matches!(job.kind, ImportKind::Incidents | ImportKind::StreetCrime) {
            state.levels_due.notify_one();
        }
        finished?;
        store::imports::find(state.db.pool(), &job.id).await
    });
    match task.await {
        Ok(Ok(Some(job))) => Ok(job),
        Ok(Ok(None)) => Err(ApiError::NotFound),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => Err(ApiError::Internal(anyhow::anyhow!(
            "import {id} stopped: {e}"
        ))),
    }
}

/// Parses and writes the whole file (of about `expected_rows` rows, 0 when
/// unknown); `Some(reason)` when it stopped early.
async fn write_all(
    state: &AppState,
    job: &ImportJob,
    body: Body,
    expected_rows: u64,
    demo: bool,
) -> Result<Option<String>, bulk::Error> {
    let opened = std::time::Instant::now();
    let places = store::places::list(state.db.pool(), &Default::default()).await?;
    let mut wards = WardIndex::new();
    for w in places.iter().filter(|p| p.kind == PlaceKind::Ward) {
        let entry: (Arc<str>, Arc<str>) = (
            w.id.as_str().into(),
            w.parent_id.as_deref().unwrap_or_default().into(),
        );
        wards.insert(w.id.clone(), entry.clone());
        if let Some(code) = &w.code {
            wards.insert(code.clone(), entry);
        }
    }
    let lookup = if job.kind == ImportKind::StreetCrime {
        load_lookup(state, job.lookup_version.as_deref()).await?
    } else {
        WardIndex::new()
    };
    if job.kind == ImportKind::AreaLookup {
        let version = job.lookup_version.clone().unwrap_or_default();
        store::area_lookup::add_version(state.db.pool(), &version).await?;
    }
    let bulk_kind = matches!(job.kind, ImportKind::Incidents | ImportKind::StreetCrime);
    let postgres = state.database_url.expose().starts_with("postgres");
    let ctx = Context {
        kind: job.kind,
        wards,
        lookup,
    };

    // Three stages: a thread reads and checks rows, a second makes each
    // batch of incidents ready to write (its demand cells, and for
    // PostgreSQL its `COPY` text), and this task writes.
    let (tx, parsed) = mpsc::channel::<Msg>(2);
    let (ready, mut rx) = mpsc::channel::<Msg>(2);
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    let copy_for = (bulk_kind && postgres).then(|| job.id.clone());
    let parser = tokio::task::spawn_blocking(move || parse::parse(reader, &ctx, &tx));
    tokio::task::spawn_blocking(move || parse::prepare(parsed, &ready, copy_for.as_deref()));

    let mut writer = Writer::new(&job.id, demo, job.lookup_version.as_deref(), places);
    let mut bulk = match job.kind {
        ImportKind::Incidents | ImportKind::StreetCrime => {
            Some(BulkConn::open(&state.database_url).await?)
        }
        ImportKind::Wards | ImportKind::AreaLookup => None,
    };
    // A file at least as large as the table loads without the secondary
    // indexes, which are built once at the end (see `bulk`).
    let deferred = bulk.is_some() && outgrows_table(state, expected_rows).await?;
    let first_deferred = deferred && {
        let mut loads = state.bulk_loads.lock().await;
        *loads += 1;
        *loads == 1
    };
    let started = std::time::Instant::now();
    // Time spent waiting for parsed rows: what the file's reading costs
    // beyond what writing hides.
    let mut waited = std::time::Duration::ZERO;
    let written = async {
        if let (true, Some(conn)) = (first_deferred, bulk.as_mut()) {
            conn.drop_indexes().await?;
        }
        let mut fatal = None;
        loop {
            let waiting = std::time::Instant::now();
            let Some(msg) = rx.recv().await else { break };
            waited += waiting.elapsed();
            match (msg, bulk.as_mut()) {
                (
                    Msg::Incidents {
                        batch,
                        errors,
                        read,
                    },
                    Some(conn),
                ) => {
                    writer.write_incidents(conn, batch, errors, read).await?;
                }
                (Msg::Incidents { .. }, None) => {}
                (Msg::Batch { errors, read, .. }, Some(conn)) => {
                    // A batch of incidents with none kept: only its refused
                    // rows and counts.
                    let batch = bulk::Prepared::new(Vec::new(), None);
                    writer.write_incidents(conn, batch, errors, read).await?;
                }
                (Msg::Batch { rows, errors, read }, None) => {
                    let mut dbtx = state.db.begin().await?;
                    writer.write(&mut dbtx, rows, errors, read).await?;
                    dbtx.commit().await?;
                }
                (Msg::Fatal(why), _) => fatal = Some(why),
            }
        }
        Ok::<_, bulk::Error>(fatal)
    }
    .await;
    let loaded = started.elapsed();
    // Whatever became of the load, it no longer counts as running. The
    // worker, woken once the job is marked finished (see `run`), puts back
    // what large loads went without after the last of them; not sooner, as
    // on SQLite its index build would hold the write lock against the rest
    // of this job.
    if deferred {
        *state.bulk_loads.lock().await -= 1;
    }
    if let Some(conn) = bulk {
        conn.close().await;
    }
    let mut fatal = written?;
    if parser.await.is_err() {
        fatal.get_or_insert_with(|| "The file could not be read.".into());
    }
    let closed = started.elapsed();
    if !writer.touched.is_empty() || bulk_kind {
        let mut dbtx = state.db.begin().await?;
        let months = writer.touched.iter().map(|cell| cell.2.as_str());
        crate::jobs::repeat_levels::due_after_import(&mut dbtx, &job.id, months).await?;
        write::record_demand(state, &mut dbtx, &job.id, &writer.touched).await?;
        dbtx.commit().await?;
        state.outbox.wake();
    }
    // Counts and timings only: what an operator needs to see where a large
    // load spends its time.
    tracing::info!(
        import = %job.id,
        kind = job.kind.as_str(),
        deferred_indexes = deferred,
        load_ms = loaded.as_millis() as u64,
        waiting_for_rows_ms = waited.as_millis() as u64,
        before_ms = (opened.elapsed() - started.elapsed()).as_millis() as u64,
        close_ms = (closed - loaded).as_millis() as u64,
        aggregates_ms = (started.elapsed() - closed).as_millis() as u64,
        "import written"
    );
    Ok(fatal)
}

/// Whether a file of about `rows` rows would hold more than the incident
/// table does now (counting no further than that).
async fn outgrows_table(state: &AppState, rows: u64) -> Result<bool, sqlx::Error> {
    if rows == 0 {
        return Ok(false);
    }
    let limit = i64::try_from(rows).unwrap_or(i64::MAX);
    let held = store::incidents::count_up_to(state.db.pool(), limit).await?;
    Ok(held < limit)
}

async fn load_lookup(state: &AppState, version: Option<&str>) -> Result<WardIndex, sqlx::Error> {
    let version = match version {
        Some(v) => Some(v.to_owned()),
        None => store::area_lookup::latest_version(state.db.pool()).await?,
    };
    let Some(version) = version else {
        return Ok(WardIndex::new());
    };
    let areas = store::area_lookup::areas(state.db.pool(), &version).await?;
    Ok(areas
        .into_iter()
        .map(|(area_code, place_id, parent_id)| {
            (
                area_code,
                (
                    Arc::from(place_id),
                    Arc::from(parent_id.unwrap_or_default()),
                ),
            )
        })
        .collect())
}
