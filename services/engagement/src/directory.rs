//! The partner directory in the Open Referral UK format, and the Early
//! Intervention Hubs.
//!
//! Each service's Open Referral UK record is stored exactly as received and
//! served back unchanged, so an import followed by an export loses nothing,
//! fields this service does not read included. The listing columns (name,
//! organisation, sector, status) are read from the record on import, with
//! the places it covers.

use eip_types::engagement::{HubInput, Sector};
use eip_types::place::Place;
use eip_types::{FieldError, Role};
use serde_json::Value;

/// Everyone who works with partners reads the directory and the hubs;
/// board members see only aggregates, elsewhere.
pub const READERS: [Role; 7] = [
    Role::Frontline,
    Role::Coordinator,
    Role::Partner,
    Role::Trainer,
    Role::Analyst,
    Role::Admin,
    Role::Dpo,
];
/// Who keeps the directory and the hubs.
pub const EDITORS: [Role; 2] = [Role::Coordinator, Role::Admin];

/// When a record was last reviewed: its `assured_date` (the Open Referral
/// UK field for the date a service was last checked), else now.
pub fn reviewed_at(v: &Value, now: &str) -> String {
    field(v, "assured_date")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or_else(
            || now.to_owned(),
            |t| eip_platform::db::to_text(t.and_utc()),
        )
}

fn field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `(id, name, organisation id, organisation name, sector, status)`.
pub type Listing = (String, String, String, String, Sector, String);

/// What the listing needs from an Open Referral UK service record, or the
/// problems with it (prefixed with the record's position).
fn read_service(i: usize, v: &Value) -> Result<Listing, Vec<FieldError>> {
    let mut errors = Vec::new();
    let at = |f: &str| format!("services[{i}].{f}");
    if !v.is_object() {
        return Err(vec![FieldError::new(
            format!("services[{i}]"),
            "Each service must be an object.",
        )]);
    }
    let id = field(v, "id");
    let name = field(v, "name");
    let status = field(v, "status");
    let org = v.get("organization");
    let org_id = org.and_then(|o| field(o, "id"));
    let org_name = org.and_then(|o| field(o, "name"));
    if id.is_none_or(|s| s.len() > 100) {
        errors.push(FieldError::new(
            at("id"),
            "Each service needs an id (up to 100 characters).",
        ));
    }
    if name.is_none() {
        errors.push(FieldError::new(at("name"), "Each service needs a name."));
    }
    if !status.is_some_and(|s| ["active", "inactive", "defunct", "temporarily closed"].contains(&s))
    {
        errors.push(FieldError::new(
            at("status"),
            "The status must be active, inactive, defunct or temporarily closed.",
        ));
    }
    if org_id.is_none() || org_name.is_none() {
        errors.push(FieldError::new(
            at("organization"),
            "Each service needs its organization with an id and a name.",
        ));
    }
    match (id, name, status, org_id, org_name, errors.is_empty()) {
        (Some(id), Some(name), Some(status), Some(oid), Some(oname), true) => Ok((
            id.into(),
            name.into(),
            oid.into(),
            oname.into(),
            Sector::from_legal_status(
                org.and_then(|o| field(o, "legal_status"))
                    .unwrap_or_default(),
            ),
            status.into(),
        )),
        _ => Err(errors),
    }
}

/// The listings of Open Referral UK service records, or every problem
/// with them: all or nothing.
pub fn read_services(records: &[Value]) -> Result<Vec<Listing>, Vec<FieldError>> {
    let mut read = Vec::new();
    let mut errors = Vec::new();
    for (i, v) in records.iter().enumerate() {
        match read_service(i, v) {
            Ok(r) => read.push(r),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if records.is_empty() {
        errors.push(FieldError::new("services", "Send at least one service."));
    }
    if errors.is_empty() {
        Ok(read)
    } else {
        Err(errors)
    }
}

/// The places a service's Open Referral UK `service_areas` name: an area
/// whose URI ends in a place's code (an ONS code such as `E05001234`), or
/// whose name is a place's name or code. Areas naming no known place are
/// left out; the record keeps them all.
pub fn covered(record: &Value, places: &[Place]) -> Vec<String> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    let mut out: Vec<String> = Vec::new();
    let areas = record.get("service_areas").and_then(Value::as_array);
    for area in areas.into_iter().flatten() {
        let code = area
            .get("uri")
            .and_then(Value::as_str)
            .and_then(|u| u.trim_end_matches('/').rsplit('/').next());
        let name = area.get("service_area").and_then(Value::as_str);
        let found = places.iter().find(|p| {
            let by_code = |c: &str| p.code.as_deref().is_some_and(|pc| same(pc, c));
            code.is_some_and(by_code)
                || name.is_some_and(|n| same(&p.name, n) || by_code(n) || same(&p.id, n))
        });
        if let Some(p) = found
            && !out.contains(&p.id)
        {
            out.push(p.id.clone());
        }
    }
    out
}

/// What is wrong with a hub's own fields (its place is checked against
/// the places on record apart).
pub fn hub_problems(input: &HubInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (f, v, max) in [
        ("name", &input.name, 200),
        ("address", &input.address, 500),
        ("opening_times", &input.opening_times, 500),
    ] {
        if v.trim().is_empty() || v.len() > max {
            errors.push(FieldError::new(
                f,
                format!("Give this (up to {max} characters)."),
            ));
        }
    }
    for (f, list) in [
        ("partner_teams", &input.partner_teams),
        ("access_points", &input.access_points),
    ] {
        if list.len() > 30 || list.iter().any(|x| x.trim().is_empty() || x.len() > 200) {
            errors.push(FieldError::new(
                f,
                "Up to 30 entries of 1 to 200 characters.",
            ));
        }
    }
    errors
}

/// Checks a review period: a day to ten years.
pub fn review_days_problem(days: i64) -> Option<FieldError> {
    (!(1..=3_650).contains(&days)).then(|| {
        FieldError::new(
            "review_after_days",
            "Give a period between 1 and 3,650 days.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::place::PlaceKind;
    use serde_json::json;

    fn service(id: &str) -> Value {
        json!({
            "id": id,
            "name": "Youth club",
            "status": "active",
            "organization": { "id": "org", "name": "Trust", "legal_status": "Registered charity" },
        })
    }

    #[test]
    fn records_are_read_all_or_none() {
        let read = read_services(&[service("a"), service("b")]).expect("both read");
        assert_eq!((read[1].0.as_str(), read[1].4), ("b", Sector::Voluntary));
        let mut bad = service("b");
        bad["status"] = json!("open");
        let errors = read_services(&[service("a"), bad, json!(3)]).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["services[1].status", "services[2]"]);
        assert!(read_services(&[]).is_err());
    }

    #[test]
    fn service_areas_name_places_by_code_name_or_id() {
        let ward = |id: &str, name: &str, code: &str| Place {
            id: id.into(),
            name: name.into(),
            kind: PlaceKind::Ward,
            parent_id: Some("hull".into()),
            code: Some(code.into()),
            priority: false,
            demo: false,
        };
        let places = [
            ward("myton", "Myton", "E05001234"),
            ward("avenue", "Avenue", "E05000001"),
        ];
        let record = json!({ "service_areas": [
            { "uri": "http://statistics.data.gov.uk/id/statistical-geography/E05001234/" },
            { "service_area": "avenue" },
            { "service_area": "Myton" },
            { "service_area": "Atlantis" },
        ]});
        assert_eq!(covered(&record, &places), ["myton", "avenue"]);
    }
}
