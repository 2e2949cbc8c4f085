//! The writing side of an import: wards and census area lookups through
//! the service's pool, incidents through the import's own connection (see
//! `bulk`), each batch in one transaction with its refused rows and the
//! job's counts; then the demand the import recorded, for governance.

use super::bulk::{self, BatchCounts, BulkConn};
use super::parse::Parsed;
use super::rows::WardRow;
use crate::{AppState, store};
use eip_platform::db::Tx;
use eip_types::engagement::{Category, RowError};
use eip_types::events::EngagementEvent;
use eip_types::place::{Place, PlaceKind, slug};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

/// Rejected rows kept per job; the count goes on beyond it.
const MAX_STORED_ERRORS: i64 = 1_000;

/// The database side of an import.
pub(super) struct Writer {
    job_id: String,
    demo: bool,
    lookup_version: String,
    /// Wards as they stand, updated as ward rows are written.
    places: Vec<Place>,
    stored_errors: i64,
    /// `(ward, authority, month as 202610, category)` cells incidents were
    /// written to.
    pub(super) touched: HashSet<Cell>,
}

type Cell = (Arc<str>, Arc<str>, String, Category);

impl Writer {
    /// The writer of job `job_id`, given the places as they stand; `demo`
    /// marks the wards it adds as demonstration data.
    pub(super) fn new(
        job_id: &str,
        demo: bool,
        lookup_version: Option<&str>,
        places: Vec<Place>,
    ) -> Self {
        Self {
            job_id: job_id.to_owned(),
            demo,
            lookup_version: lookup_version.unwrap_or_default().to_owned(),
            places: places
                .into_iter()
                .filter(|p| p.kind == PlaceKind::Ward)
                .collect(),
            stored_errors: 0,
            touched: HashSet::new(),
        }
    }

    /// The refused rows still to keep: the first thousand of a job.
    fn errors_to_keep(&mut self, errors: &mut [RowError]) -> usize {
        errors.sort_by_key(|e| e.line);
        let keep = usize::try_from(MAX_STORED_ERRORS - self.stored_errors)
            .unwrap_or(0)
            .min(errors.len());
        self.stored_errors += keep as i64;
        keep
    }

    /// Writes a batch of incidents through the import's own connection.
    pub(super) async fn write_incidents(
        &mut self,
        conn: &mut BulkConn,
        batch: bulk::Prepared,
        mut errors: Vec<RowError>,
        read: i64,
    ) -> Result<(), bulk::Error> {
        let keep = self.errors_to_keep(&mut errors);
        let counts = BatchCounts {
            read,
            imported: batch.len() as i64,
            rejected: errors.len() as i64,
            errors: {
                errors.truncate(keep);
                errors
            },
        };
        let batch = conn.write_batch(&self.job_id, batch, counts).await?;
        self.touched.extend(batch.incident_cells());
        // Freeing a batch's rows is work too: done away from the writer.
        tokio::task::spawn_blocking(move || drop(batch));
        Ok(())
    }

    /// Writes a batch of wards or census area lookups.
    pub(super) async fn write(
        &mut self,
        tx: &mut Tx,
        rows: Vec<(u64, Parsed)>,
        mut errors: Vec<RowError>,
        read: i64,
    ) -> Result<(), sqlx::Error> {
        let mut imported = 0i64;
        for (line, row) in rows {
            match row {
                Parsed::Ward(w) => match self.write_ward(tx, w).await? {
                    Ok(()) => imported += 1,
                    Err(message) => errors.push(RowError {
                        line,
                        field: Some("code".into()),
                        message,
                    }),
                },
                Parsed::Lookup(l) => {
                    store::area_lookup::upsert(tx, &self.lookup_version, &l.area_code, &l.place_id)
                        .await?;
                    imported += 1;
                }
                // Incidents go through `write_incidents`.
                Parsed::Incident(_) => {}
            }
        }
        let keep = self.errors_to_keep(&mut errors);
        let rejected = errors.len() as i64;
        for e in &errors[..keep] {
            store::imports::insert_error(tx, &self.job_id, e).await?;
        }
        store::imports::add_counts(tx, &self.job_id, read, imported, rejected).await
    }

    /// Adds or updates a ward: matched by code, else by name within its
    /// authority (so a priority area gains its code and keeps its id).
    async fn write_ward(
        &mut self,
        tx: &mut Tx,
        w: WardRow,
    ) -> Result<Result<(), String>, sqlx::Error> {
        let wanted = slug(&w.name);
        let by_code = self
            .places
            .iter()
            .position(|p| p.code.as_deref() == Some(w.code.as_str()));
        let by_name = || {
            self.places.iter().position(|p| {
                p.code.is_none()
                    && p.parent_id.as_deref() == Some(w.authority)
                    && slug(&p.name) == wanted
            })
        };
        if let Some(i) = by_code.or_else(by_name) {
            let place = &mut self.places[i];
            place.name = w.name;
            place.parent_id = Some(w.authority.into());
            place.code = Some(w.code);
            place.demo = self.demo && place.demo;
            store::places::update_ward(tx, place).await?;
            return Ok(Ok(()));
        }
        let taken = |id: &str| {
            self.places.iter().any(|p| p.id == id)
                || eip_types::place::LOCAL_AUTHORITIES
                    .iter()
                    .any(|(a, _)| *a == id)
        };
        let id = if taken(&wanted) {
            format!("{wanted}-{}", w.code.to_ascii_lowercase())
        } else {
            wanted
        };
        if taken(&id) {
            return Ok(Err(format!(
                "A ward with the id `{id}` already exists under another code."
            )));
        }
        let place = Place {
            id,
            name: w.name,
            kind: PlaceKind::Ward,
            parent_id: Some(w.authority.into()),
            code: Some(w.code),
            priority: false,
            demo: self.demo,
        };
        store::places::insert_ward(tx, &place).await?;
        self.places.push(place);
        Ok(Ok(()))
    }
}

/// Records the calls now on record for each ward, month and category an
/// import touched, including the cells re-imported incidents moved out of
/// (noted by a trigger in `demand_moves`): the aggregate governance reads,
/// with no reference in it.
pub(super) async fn record_demand(
    state: &AppState,
    tx: &mut Tx,
    job_id: &str,
    touched: &HashSet<Cell>,
) -> Result<(), sqlx::Error> {
    let mut cells: BTreeSet<(String, String, String, Category)> = touched
        .iter()
        .map(|(place, area, month, category)| {
            (
                place.to_string(),
                area.to_string(),
                month.clone(),
                *category,
            )
        })
        .collect();
    for (place_id, area_id, month, category) in
        store::incidents::take_moved_cells(tx, job_id).await?
    {
        let Some(category) = Category::parse(&category) else {
            continue;
        };
        cells.insert((place_id, area_id, month, category));
    }
    // The calls now in each touched ward and month, as the demand cells
    // hold them.
    let places: Vec<&str> = cells
        .iter()
        .map(|(place, ..)| place.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let months: Vec<&str> = cells
        .iter()
        .map(|(_, _, month, _)| month.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let calls = store::incidents::cell_calls(tx, &places, &months).await?;
    let mut events = Vec::with_capacity(cells.len());
    for (place_id, area_id, month, category) in cells {
        let calls = calls
            .get(&(
                place_id.clone(),
                month.clone(),
                category.as_str().to_owned(),
            ))
            .copied()
            .unwrap_or(0);
        let event = EngagementEvent::DemandRecorded {
            place_id,
            area_id,
            month,
            category,
            calls,
        };
        events.push((event.kind(), event.payload()));
    }
    state.outbox.record_many(tx, &events).await
}
