//! The reading side of an import, on blocking threads: one reads the file
//! as its bytes arrive and checks its rows (see `rows`), handing them on in
//! batches; a second makes each batch of incidents ready to write (see
//! [`Prepared`]).

use super::bulk::Prepared;
use super::rows::{self, Columns, IncidentRow, LookupRow, WardIndex, WardRow};
use eip_types::engagement::{ImportKind, RowError};
use std::collections::HashMap;
use tokio::sync::mpsc;

/// Rows parsed before a batch is written: one transaction each. Large,
/// because every transaction rewrites the index pages it touched, and
/// incidents arrive in no order the caller and address indexes follow;
/// small enough that progress moves every few seconds.
const BATCH_ROWS: usize = 50_000;

/// One checked row, ready to write.
pub(super) enum Parsed {
    Ward(WardRow),
    Lookup(LookupRow),
    Incident(Box<IncidentRow>),
}

/// What the parser hands the writer.
pub(super) enum Msg {
    Batch {
        rows: Vec<(u64, Parsed)>,
        errors: Vec<RowError>,
        read: i64,
    },
    /// Incidents, made ready to write.
    Incidents {
        batch: Prepared,
        errors: Vec<RowError>,
        read: i64,
    },
    /// The file cannot be read on: its header is wrong or the upload broke.
    Fatal(String),
}

/// What the parser needs to check rows.
pub(super) struct Context {
    pub(super) kind: ImportKind,
    pub(super) wards: WardIndex,
    pub(super) lookup: WardIndex,
}

/// The blocking side: reads records as the bytes arrive and sends batches.
pub(super) fn parse(reader: impl std::io::Read, ctx: &Context, tx: &mpsc::Sender<Msg>) {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let required: &[&str] = match ctx.kind {
        ImportKind::Wards => &rows::WARD_COLUMNS,
        ImportKind::AreaLookup => &rows::LOOKUP_COLUMNS,
        ImportKind::Incidents => &rows::INCIDENT_COLUMNS[..],
        ImportKind::StreetCrime => &rows::STREET_CRIME_COLUMNS[..],
    };
    let cols = match rdr.headers() {
        Ok(h) if h.is_empty() || (h.len() == 1 && h.get(0) == Some("")) => {
            Err("The file is empty: it needs a header row and data rows.".to_owned())
        }
        Ok(h) => Columns::from_header(h, required),
        Err(_) => Err("The header row could not be read as CSV text.".to_owned()),
    };
    let cols = match cols {
        Ok(c) => c,
        Err(why) => {
            let _ = tx.blocking_send(Msg::Fatal(why));
            return;
        }
    };
    let mut seen = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut rows: Vec<(u64, Parsed)> = Vec::with_capacity(BATCH_ROWS);
    let mut by_number: HashMap<String, usize> = HashMap::new();
    let mut errors = Vec::new();
    let mut read = 0i64;
    loop {
        let line = rdr.position().line();
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                read += 1;
                let line = record.position().map_or(line, csv::Position::line);
                let parsed = match ctx.kind {
                    ImportKind::Wards => rows::ward(&cols, &record, line).map(Parsed::Ward),
                    ImportKind::AreaLookup => {
                        rows::lookup(&cols, &record, line, &ctx.wards).map(Parsed::Lookup)
                    }
                    ImportKind::Incidents => rows::incident(&cols, &record, line, &ctx.wards)
                        .map(|r| Parsed::Incident(Box::new(r))),
                    ImportKind::StreetCrime => {
                        rows::street_crime(&cols, &record, line, &ctx.lookup, &mut seen)
                            .map(|r| Parsed::Incident(Box::new(r)))
                    }
                };
                match parsed {
                    // A number seen earlier in the batch: the later row wins,
                    // as it would across batches.
                    Ok(Parsed::Incident(r)) => match by_number.get(&r.incident_number) {
                        Some(i) => rows[*i] = (line, Parsed::Incident(r)),
                        None => {
                            by_number.insert(r.incident_number.clone(), rows.len());
                            rows.push((line, Parsed::Incident(r)));
                        }
                    },
                    Ok(row) => rows.push((line, row)),
                    Err(e) => errors.push(e),
                }
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => {
                    let _ = tx.blocking_send(Msg::Fatal(
                        "The upload broke off; rows received before it were kept.".into(),
                    ));
                    return;
                }
                _ => {
                    read += 1;
                    errors.push(RowError {
                        line: e.position().map_or(line, csv::Position::line),
                        field: None,
                        message: "The row is not valid CSV text (check its encoding is UTF-8)."
                            .into(),
                    });
                }
            },
        }
        if rows.len() + errors.len() >= BATCH_ROWS {
            by_number.clear();
            let batch = Msg::Batch {
                rows: std::mem::replace(&mut rows, Vec::with_capacity(BATCH_ROWS)),
                errors: std::mem::take(&mut errors),
                read: std::mem::take(&mut read),
            };
            if tx.blocking_send(batch).is_err() {
                return;
            }
        }
    }
    let _ = tx.blocking_send(Msg::Batch { rows, errors, read });
}

/// The middle stage: makes each batch of incidents ready to write (see
/// [`Prepared`]) and passes everything else on as it is.
/// `copy_for` names the job when the incidents go to PostgreSQL.
pub(super) fn prepare(
    mut parsed: mpsc::Receiver<Msg>,
    ready: &mpsc::Sender<Msg>,
    copy_for: Option<&str>,
) {
    while let Some(msg) = parsed.blocking_recv() {
        let msg = match msg {
            Msg::Batch { rows, errors, read }
                if rows.iter().any(|(_, r)| matches!(r, Parsed::Incident(_))) =>
            {
                let incidents = rows
                    .into_iter()
                    .filter_map(|(_, row)| match row {
                        Parsed::Incident(r) => Some(*r),
                        Parsed::Ward(_) | Parsed::Lookup(_) => None,
                    })
                    .collect();
                Msg::Incidents {
                    batch: Prepared::new(incidents, copy_for),
                    errors,
                    read,
                }
            }
            other => other,
        };
        if ready.blocking_send(msg).is_err() {
            return;
        }
    }
}
