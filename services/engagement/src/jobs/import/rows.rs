//! Reading the rows of each import format: plain functions from a CSV record
//! to a typed row or a per-row error, tested without a database.

use crate::incidents::{SOURCE_INCIDENTS, SOURCE_STREET_CRIME};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use eip_types::engagement::{Category, Grade, Pseudonym, RowError, parse_qualifiers};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

/// Where each named column sits in a file, found from its header row, so
/// exports may order their columns as they like.
#[derive(Debug, Clone)]
pub struct Columns {
    /// `(column as the code names it, position in the file)`: a short list
    /// searched without allocating, since every field of every row looks here.
    index: Vec<(&'static str, usize)>,
    pub count: usize,
}

impl Columns {
    /// Reads a header, refusing it when a required column is missing.
    pub fn from_header(
        header: &csv::StringRecord,
        required: &[&'static str],
    ) -> Result<Self, String> {
        let in_file: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (normalise(h), i))
            .collect();
        let mut index = Vec::with_capacity(required.len());
        let mut missing = Vec::new();
        for c in required {
            match in_file.get(&normalise(c)) {
                Some(i) => index.push((*c, *i)),
                None => missing.push(*c),
            }
        }
        if missing.is_empty() {
            Ok(Self {
                index,
                count: header.len(),
            })
        } else {
            Err(format!(
                "The header row lacks the column(s) {}; it needs {}.",
                missing.join(", "),
                required.join(", ")
            ))
        }
    }

    /// The trimmed value of `column`, empty when the column is optional and absent.
    pub fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.index
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, i)| record.get(*i))
            .map_or("", str::trim)
    }
}

/// Header names compare without case, spaces, hyphens or underscores:
/// `Crime ID`, `crime_id` and `crime-id` are one column.
fn normalise(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn err(line: u64, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field: Some(field.into()),
        message: message.into(),
    }
}

/// The row-level check every format shares: the right number of columns.
pub fn check_width(cols: &Columns, record: &csv::StringRecord, line: u64) -> Result<(), RowError> {
    if record.len() == cols.count {
        Ok(())
    } else {
        Err(RowError {
            line,
            field: None,
            message: format!(
                "The row has {} columns; the header has {}.",
                record.len(),
                cols.count
            ),
        })
    }
}

/// A ward reference row: `code,name,authority`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardRow {
    pub code: String,
    pub name: String,
    pub authority: &'static str,
}

pub const WARD_COLUMNS: [&str; 3] = ["code", "name", "authority"];

pub fn ward(cols: &Columns, r: &csv::StringRecord, line: u64) -> Result<WardRow, RowError> {
    check_width(cols, r, line)?;
    let code = cols.get(r, "code");
    if code.is_empty() || code.len() > 20 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(err(
            line,
            "code",
            "Give the ward code: up to 20 letters and digits, such as E05001234.",
        ));
    }
    let name = cols.get(r, "name");
    if name.is_empty() || name.len() > 100 || eip_types::place::slug(name).is_empty() {
        return Err(err(
            line,
            "name",
            "Give the ward's name (up to 100 characters).",
        ));
    }
    let authority = cols.get(r, "authority");
    let authority = eip_types::place::local_authority_id(authority).ok_or_else(|| {
        err(
            line,
            "authority",
            format!("`{authority}` is not one of the four local authority areas."),
        )
    })?;
    Ok(WardRow {
        code: code.to_ascii_uppercase(),
        name: name.into(),
        authority,
    })
}

/// A census area to ward row: `area_code,ward`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupRow {
    pub area_code: String,
    pub place_id: String,
}

pub const LOOKUP_COLUMNS: [&str; 2] = ["area_code", "ward"];

/// A ward found by id or code: `(ward id, authority id)`, shared by every
/// row that names it.
pub type WardIndex = HashMap<String, (Arc<str>, Arc<str>)>;

fn find_ward<'w>(wards: &'w WardIndex, key: &str) -> Option<&'w (Arc<str>, Arc<str>)> {
    wards
        .get(key)
        .or_else(|| wards.get(&key.to_ascii_uppercase()))
}

pub fn lookup(
    cols: &Columns,
    r: &csv::StringRecord,
    line: u64,
    wards: &WardIndex,
) -> Result<LookupRow, RowError> {
    check_width(cols, r, line)?;
    let area_code = cols.get(r, "area_code");
    if area_code.is_empty() || area_code.len() > 20 {
        return Err(err(line, "area_code", "Give the census area's code."));
    }
    let ward = cols.get(r, "ward");
    let (place_id, _) = find_ward(wards, ward)
        .ok_or_else(|| err(line, "ward", format!("`{ward}` is not a known ward.")))?;
    Ok(LookupRow {
        area_code: area_code.to_ascii_uppercase(),
        place_id: place_id.to_string(),
    })
}

/// One call for service as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    pub incident_number: String,
    pub source: &'static str,
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub opened_on: NaiveDate,
    pub opening_category: Category,
    pub closing_category: Option<Category>,
    pub qualifiers: String,
    pub grade: Option<Grade>,
    pub place_id: Arc<str>,
    pub area_id: Arc<str>,
    pub caller_ref: Option<String>,
    pub address_ref: Option<String>,
}

impl IncidentRow {
    /// The category analysis counts: the closing one once known.
    pub fn category(&self) -> Category {
        self.closing_category.unwrap_or(self.opening_category)
    }

    /// `2026-10`: the start of the stored opening time, whose year always
    /// has four digits (see [`plausible`]).
    pub fn month(&self) -> &str {
        self.opened_at.get(..7).unwrap_or_default()
    }

    /// `2026-10-01`, as [`IncidentRow::month`].
    pub fn day(&self) -> &str {
        self.opened_at.get(..10).unwrap_or_default()
    }
}

pub const INCIDENT_COLUMNS: [&str; 10] = [
    "incident_number",
    "opened_at",
    "closed_at",
    "opening_category",
    "closing_category",
    "qualifiers",
    "grade",
    "place",
    "caller_ref",
    "address_ref",
];

/// Times as exports write them: RFC 3339, or a plain date and time read as
/// UTC (`2026-10-01 14:03:00`, `2026-10-01T14:03`, `01/10/2026 14:03`).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .map(|t| t.and_utc())
}

/// Dates a call for service can carry: this also keeps every stored time
/// in the fixed-width form that month and day are read from.
fn plausible(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    use chrono::Datelike as _;
    (1900..=2999).contains(&t.year()).then_some(t)
}

pub fn incident(
    cols: &Columns,
    r: &csv::StringRecord,
    line: u64,
    wards: &WardIndex,
) -> Result<IncidentRow, RowError> {
    check_width(cols, r, line)?;
    let number = cols.get(r, "incident_number");
    if number.is_empty() || number.len() > 40 {
        return Err(err(
            line,
            "incident_number",
            "Give the incident number (up to 40 characters).",
        ));
    }
    let opened = cols.get(r, "opened_at");
    let opened = parse_time(opened).and_then(plausible).ok_or_else(|| {
        err(
            line,
            "opened_at",
            format!("`{opened}` is not a date and time (use 2026-10-01T14:03:00Z)."),
        )
    })?;
    let closed = match cols.get(r, "closed_at") {
        "" => None,
        s => {
            let t = parse_time(s).and_then(plausible).ok_or_else(|| {
                err(
                    line,
                    "closed_at",
                    format!("`{s}` is not a date and time (use 2026-10-01T15:20:00Z)."),
                )
            })?;
            if t < opened {
                return Err(err(
                    line,
                    "closed_at",
                    "The incident closes before it opens.",
                ));
            }
            Some(t)
        }
    };
    let category = |field: &str, required: bool| -> Result<Option<Category>, RowError> {
        match cols.get(r, field) {
            "" if !required => Ok(None),
            s => Category::parse(s).map(Some).ok_or_else(|| {
                err(
                    line,
                    field,
                    format!(
                        "`{s}` is not an incident category: use public safety and welfare, \
                         crime, anti-social behaviour, transport or administration."
                    ),
                )
            }),
        }
    };
    let opening_category = category("opening_category", true)?.unwrap_or(Category::Crime);
    let closing_category = category("closing_category", false)?;
    let qualifiers = parse_qualifiers(cols.get(r, "qualifiers")).map_err(|q| {
        err(
            line,
            "qualifiers",
            format!("`{q}` is not a known qualifier (such as domestic, mental health or missing person)."),
        )
    })?;
    let grade = match cols.get(r, "grade") {
        "" => None,
        s => Some(
            Grade::parse(s)
                .ok_or_else(|| err(line, "grade", format!("`{s}` is not a grade (1 to 4).")))?,
        ),
    };
    let place = cols.get(r, "place");
    let (place_id, area_id) = find_ward(wards, place)
        .ok_or_else(|| err(line, "place", format!("`{place}` is not a known ward.")))?
        .clone();
    let pseudonym = |field: &str, prefix: char| -> Result<Option<String>, RowError> {
        match cols.get(r, field) {
            "" => Ok(None),
            s if Pseudonym::is_valid(prefix, s) => Ok(Some(s.to_owned())),
            _ => Err(err(
                line,
                field,
                format!(
                    "Not a pseudonymous reference: expected `{prefix}:` and 16 to 64 lower-case \
                     hexadecimal digits. The value is not shown here in case it is personal data."
                ),
            )),
        }
    };
    Ok(IncidentRow {
        incident_number: number.into(),
        source: SOURCE_INCIDENTS,
        opened_at: eip_platform::db::to_text(opened),
        closed_at: closed.map(eip_platform::db::to_text),
        opened_on: opened.date_naive(),
        opening_category,
        closing_category,
        qualifiers: qualifiers.join(";"),
        grade,
        place_id,
        area_id,
        caller_ref: pseudonym("caller_ref", Pseudonym::CALLER)?,
        address_ref: pseudonym("address_ref", Pseudonym::ADDRESS)?,
    })
}

/// The public street-level crime format's columns.
pub const STREET_CRIME_COLUMNS: [&str; 12] = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
];

/// Reads a street-level crime row through the census area lookup
/// (`area code → (ward, authority)`). Anti-social behaviour rows carry no
/// crime id: they are keyed by a hash of their content and their ordinal
/// among identical rows (`seen` counts those), so re-importing the same file
/// finds the same keys.
pub fn street_crime(
    cols: &Columns,
    r: &csv::StringRecord,
    line: u64,
    lookup: &WardIndex,
    seen: &mut HashMap<[u8; 32], u32>,
) -> Result<IncidentRow, RowError> {
    check_width(cols, r, line)?;
    let month = cols.get(r, "Month");
    let opened_on = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| plausible(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()).is_some())
        .ok_or_else(|| {
            err(
                line,
                "Month",
                format!("`{month}` is not a month (use 2026-10)."),
            )
        })?;
    let crime_type = cols.get(r, "Crime type");
    if crime_type.is_empty() {
        return Err(err(line, "Crime type", "Give the crime type."));
    }
    let asb = crime_type.eq_ignore_ascii_case("Anti-social behaviour");
    let area = cols.get(r, "LSOA code");
    let (place_id, area_id) = lookup
        .get(&area.to_ascii_uppercase())
        .ok_or_else(|| {
            err(
                line,
                "LSOA code",
                format!("`{area}` is not in the census area lookup."),
            )
        })?
        .clone();
    let crime_id = cols.get(r, "Crime ID");
    let incident_number = if !crime_id.is_empty() {
        if crime_id.len() > 64 {
            return Err(err(line, "Crime ID", "The crime id is too long."));
        }
        format!("sc:{crime_id}")
    } else if asb {
        let mut h = Sha256::new();
        for c in [
            "Month",
            "Longitude",
            "Latitude",
            "Location",
            "LSOA code",
            "Context",
        ] {
            h.update(cols.get(r, c).as_bytes());
            h.update([0]);
        }
        let digest: [u8; 32] = h.finalize().into();
        let n = seen.entry(digest).or_insert(0);
        *n += 1;
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("sc-asb:{hex}:{n}")
    } else {
        return Err(err(
            line,
            "Crime ID",
            "Only anti-social behaviour rows may lack a crime id.",
        ));
    };
    let opened = opened_on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let category = if asb {
        Category::AntiSocialBehaviour
    } else {
        Category::Crime
    };
    Ok(IncidentRow {
        incident_number,
        source: SOURCE_STREET_CRIME,
        opened_at: eip_platform::db::to_text(opened),
        closed_at: None,
        opened_on,
        opening_category: category,
        closing_category: None,
        qualifiers: String::new(),
        grade: None,
        place_id,
        area_id,
        caller_ref: None,
        address_ref: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(fields: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(fields.to_vec())
    }

    fn wards() -> WardIndex {
        let mut w = WardIndex::new();
        w.insert("myton".into(), ("myton".into(), "hull".into()));
        w.insert("E05001234".into(), ("myton".into(), "hull".into()));
        w
    }

    fn incident_cols() -> Columns {
        Columns::from_header(&rec(&INCIDENT_COLUMNS), &INCIDENT_COLUMNS).expect("header")
    }

    #[test]
    fn headers_name_missing_columns_and_ignore_case_and_order() {
        let e = Columns::from_header(&rec(&["Code", "NAME"]), &WARD_COLUMNS).expect_err("refused");
        assert!(e.contains("authority"), "{e}");
        let cols =
            Columns::from_header(&rec(&["Authority", "\u{feff}Code", "Name"]), &WARD_COLUMNS)
                .expect("header");
        let row = ward(&cols, &rec(&["Hull", "e05000001", "Avenue"]), 2).expect("row");
        assert_eq!(row.code, "E05000001");
        assert_eq!(row.authority, "hull");
    }

    #[test]
    fn ward_rows_report_the_field_at_fault() {
        let cols = Columns::from_header(&rec(&WARD_COLUMNS), &WARD_COLUMNS).expect("header");
        let e = ward(&cols, &rec(&["E05000001", "Avenue", "Lincoln"]), 7).expect_err("refused");
        assert_eq!((e.line, e.field.as_deref()), (7, Some("authority")));
        let e = ward(&cols, &rec(&["E05 0001", "Avenue", "Hull"]), 8).expect_err("refused");
        assert_eq!(e.field.as_deref(), Some("code"));
        let e = ward(&cols, &rec(&["E05000001", "Avenue"]), 9).expect_err("refused");
        assert_eq!(e.field, None);
        assert!(e.message.contains("2 columns"), "{}", e.message);
    }

    #[test]
    fn incidents_parse_with_categories_qualifiers_and_pseudonyms() {
        let row = incident(
            &incident_cols(),
            &rec(&[
                "HUM-1",
                "2026-10-01 14:03:00",
                "2026-10-01T15:00:00Z",
                "Public safety and welfare",
                "crime",
                "domestic;Mental Health",
                "2",
                "E05001234",
                "c:0123456789abcdef",
                "",
            ]),
            2,
            &wards(),
        )
        .expect("row");
        assert_eq!(&*row.place_id, "myton");
        assert_eq!(&*row.area_id, "hull");
        assert_eq!(row.category(), Category::Crime);
        assert_eq!(row.qualifiers, "domestic;mental_health");
        assert_eq!(row.grade, Some(Grade::Priority));
        assert_eq!(row.month(), "2026-10");
        assert_eq!(row.address_ref, None);
    }

    #[test]
    fn incident_errors_never_echo_a_suspected_identifier() {
        let e = incident(
            &incident_cols(),
            &rec(&[
                "HUM-1",
                "2026-10-01 14:03:00",
                "",
                "crime",
                "",
                "",
                "1",
                "myton",
                "07700 900123",
                "",
            ]),
            5,
            &wards(),
        )
        .expect_err("refused");
        assert_eq!(e.field.as_deref(), Some("caller_ref"));
        assert!(!e.message.contains("07700"), "{}", e.message);
    }

    #[test]
    fn bad_incident_values_are_named() {
        let base = [
            "HUM-1",
            "2026-10-01 14:03:00",
            "",
            "crime",
            "",
            "",
            "1",
            "myton",
            "",
            "",
        ];
        for (col, value, field) in [
            (1, "yesterday", "opened_at"),
            (2, "2026-09-30 10:00", "closed_at"),
            (3, "burglary", "opening_category"),
            (5, "weather", "qualifiers"),
            (6, "9", "grade"),
            (7, "atlantis", "place"),
        ] {
            let mut fields = base;
            fields[col] = value;
            let e = incident(&incident_cols(), &rec(&fields), 3, &wards()).expect_err("refused");
            assert_eq!(e.field.as_deref(), Some(field), "{value}");
        }
    }

    #[test]
    fn street_crime_rows_key_anti_social_behaviour_by_content() {
        let cols = Columns::from_header(&rec(&STREET_CRIME_COLUMNS), &STREET_CRIME_COLUMNS)
            .expect("header");
        let mut lookup = WardIndex::new();
        lookup.insert("E01012345".into(), ("myton".into(), "hull".into()));
        let asb = rec(&[
            "",
            "2026-09",
            "Humberside Police",
            "Humberside Police",
            "-0.34",
            "53.74",
            "On or near Demo Street",
            "E01012345",
            "Hull 001A",
            "Anti-social behaviour",
            "",
            "",
        ]);
        let mut seen = HashMap::new();
        let a = street_crime(&cols, &asb, 2, &lookup, &mut seen).expect("row");
        let b = street_crime(&cols, &asb, 3, &lookup, &mut seen).expect("row");
        assert_ne!(a.incident_number, b.incident_number);
        assert_eq!(a.category(), Category::AntiSocialBehaviour);
        let again = street_crime(&cols, &asb, 2, &lookup, &mut HashMap::new()).expect("row");
        assert_eq!(again.incident_number, a.incident_number);

        let mut crime = asb.iter().collect::<Vec<_>>();
        crime[9] = "Burglary";
        let e = street_crime(&cols, &rec(&crime), 4, &lookup, &mut seen).expect_err("refused");
        assert_eq!(e.field.as_deref(), Some("Crime ID"));
        crime[0] = "abc123";
        let row = street_crime(&cols, &rec(&crime), 4, &lookup, &mut seen).expect("row");
        assert_eq!(row.incident_number, "sc:abc123");
        crime[7] = "W99999999";
        let e = street_crime(&cols, &rec(&crime), 4, &lookup, &mut seen).expect_err("refused");
        assert_eq!(e.field.as_deref(), Some("LSOA code"));
    }
}
