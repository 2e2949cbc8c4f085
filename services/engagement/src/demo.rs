//! Demonstration data for an empty database: invented wards (flagged demo,
//! coded `DEMO…`) around the real priority wards, and a year of generated
//! calls for service with a few repeat callers and addresses. Everything goes
//! through the same import path as a real file.

use crate::jobs::import;
use crate::{AppState, api, store};
use axum::body::Body;
use eip_types::engagement::ImportKind;
use std::fmt::Write as _;

/// Invented ward names per authority; none is a real ward.
const DEMO_WARDS: [(&str, [&str; 4]); 4] = [
    (
        "hull",
        [
            "Demo Northpark",
            "Demo Riverside",
            "Demo Eastholme",
            "Demo Westcroft",
        ],
    ),
    (
        "east-riding",
        [
            "Demo Seaview",
            "Demo Wolds Edge",
            "Demo Minsterside",
            "Demo Holmfield",
        ],
    ),
    (
        "north-lincolnshire",
        [
            "Demo Ridgeway",
            "Demo Ancholme",
            "Demo Brigside",
            "Demo Trentvale",
        ],
    ),
    (
        "north-east-lincolnshire",
        [
            "Demo Docksway",
            "Demo Freshney",
            "Demo Humberston Park",
            "Demo Laceby Acres",
        ],
    ),
];

/// Who the demo's imports and directory are recorded as made by.
const BY: &str = "service:engagement";

/// Loads the demo wards and incidents unless incidents are already on record.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let pool = state.db.pool();
    if store::incidents::count(pool).await? > 0 {
        return Ok(());
    }
    let job = store::imports::insert(pool, BY, ImportKind::Wards, None).await?;
    import::run(state, job, Body::from(wards_csv()), true)
        .await
        .map_err(|e| anyhow::anyhow!("demo wards: {e}"))?;
    let today = chrono::Utc::now().date_naive();
    let job = store::imports::insert(pool, BY, ImportKind::Incidents, None).await?;
    import::run(state, job, Body::from(incidents_csv(today, 3_000)), true)
        .await
        .map_err(|e| anyhow::anyhow!("demo incidents: {e}"))?;
    api::directory::store_services(state, &directory(today), BY)
        .await
        .map_err(|e| anyhow::anyhow!("demo directory: {e}"))?;
    for hub in hubs() {
        let area = api::hubs::checked_hub(state, &hub)
            .await
            .map_err(|e| anyhow::anyhow!("demo hub: {e}"))?;
        let id = uuid::Uuid::new_v4().to_string();
        store::hubs::insert(pool, &id, &area, &hub)
            .await
            .map_err(|e| anyhow::anyhow!("demo hub: {e}"))?;
    }
    Ok(())
}

/// An invented partner directory in the Open Referral UK format: services
/// covering the priority wards, a whole authority or the force area, one
/// of them overdue for review.
fn directory(today: chrono::NaiveDate) -> Vec<serde_json::Value> {
    use serde_json::json;
    let day = |back: u64| (today - chrono::Days::new(back)).to_string();
    let service =
        |id: &str, name: &str, org: (&str, &str, &str), areas: &[&str], assured: String| {
            json!({
                "id": id,
                "name": name,
                "description": format!("{name} (demo data)."),
                "status": "active",
                "assured_date": assured,
                "organization": { "id": org.0, "name": org.1, "legal_status": org.2 },
                "service_areas": areas
                    .iter()
                    .enumerate()
                    .map(|(i, a)| json!({ "id": format!("{id}-area-{i}"), "service_area": a }))
                    .collect::<Vec<_>>(),
            })
        };
    vec![
        service(
            "demo-svc-family-help",
            "Early help family support",
            (
                "demo-org-hull-council",
                "Demo Hull City Council",
                "Local authority",
            ),
            &["Hull"],
            day(40),
        ),
        service(
            "demo-svc-youth-club",
            "Myton youth club",
            (
                "demo-org-myton-youth",
                "Demo Myton Youth Trust",
                "Registered charity",
            ),
            &["Myton"],
            day(120),
        ),
        service(
            "demo-svc-domestic-abuse",
            "Domestic abuse outreach",
            (
                "demo-org-safe-homes",
                "Demo Safe Homes",
                "Charitable incorporated organisation",
            ),
            &[
                "Hull",
                "East Riding",
                "North Lincolnshire",
                "North East Lincolnshire",
            ],
            day(60),
        ),
        service(
            "demo-svc-marsh-mentoring",
            "Marsh mentoring for young people",
            (
                "demo-org-marsh-community",
                "Demo Marsh Community Group",
                "Community group",
            ),
            &["West Marsh", "East Marsh"],
            day(500),
        ),
    ]
}

/// Two invented Early Intervention Hubs in priority wards.
fn hubs() -> Vec<eip_types::engagement::HubInput> {
    use eip_types::engagement::HubInput;
    vec![
        HubInput {
            name: "Myton Early Intervention Hub (demo)".into(),
            place_id: "myton".into(),
            address: "1 Demo Street, Hull".into(),
            opening_times: "Monday to Friday 9:00 to 17:00; Thursday until 19:00".into(),
            partner_teams: vec![
                "Neighbourhood policing".into(),
                "Early help".into(),
                "Youth service".into(),
            ],
            access_points: vec![
                "Drop-in at the front desk".into(),
                "Referral through the portal".into(),
            ],
        },
        HubInput {
            name: "West Marsh Early Intervention Hub (demo)".into(),
            place_id: "west-marsh".into(),
            address: "2 Demo Road, Grimsby".into(),
            opening_times: "Monday to Friday 9:00 to 17:00".into(),
            partner_teams: vec!["Neighbourhood policing".into(), "Family support".into()],
            access_points: vec!["Drop-in".into()],
        },
    ]
}

pub fn wards_csv() -> String {
    let mut csv = String::from("code,name,authority\n");
    let mut n = 0;
    for (authority, names) in DEMO_WARDS {
        for name in names {
            n += 1;
            let _ = writeln!(csv, "DEMO{n:04},{name},{authority}");
        }
    }
    csv
}

/// A small deterministic generator, so the demo is the same every start.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// `count` incidents over the year to `today`: most in the priority wards,
/// fewer than a fifth closed as crime, and a handful of callers and addresses
/// that recur; then seven more whose need recurs lately.
pub fn incidents_csv(today: chrono::NaiveDate, count: usize) -> String {
    let priority = [
        "myton",
        "west-marsh",
        "east-marsh",
        "town",
        "bridlington-south",
    ];
    let others: Vec<String> = (1..=16).map(|n| format!("DEMO{n:04}")).collect();
    let categories = [
        ("public safety and welfare", 40),
        ("crime", 18),
        ("anti-social behaviour", 22),
        ("transport", 10),
        ("administration", 10),
    ];
    let qualifiers = [
        "",
        "",
        "",
        "domestic",
        "mental_health",
        "missing_person",
        "alcohol",
        "youth",
    ];
    let mut rng = Lcg(20_261_127);
    let mut csv = String::with_capacity(count * 160);
    csv.push_str(
        "incident_number,opened_at,closed_at,opening_category,closing_category,qualifiers,grade,place,caller_ref,address_ref\n",
    );
    for i in 0..count {
        let place = if rng.below(100) < 55 {
            priority[rng.below(priority.len() as u64) as usize].to_owned()
        } else {
            others[rng.below(others.len() as u64) as usize].clone()
        };
        let mut pick = rng.below(100) as i32;
        let category = categories
            .iter()
            .find(|(_, w)| {
                pick -= w;
                pick < 0
            })
            .map_or("crime", |(c, _)| c);
        let day = today - chrono::Days::new(rng.below(365));
        let opened = day.and_hms_opt(rng.below(24) as u32, rng.below(60) as u32, 0);
        let Some(opened) = opened else { continue };
        let closed = opened + chrono::Duration::minutes(20 + rng.below(300) as i64);
        // One caller in eight is one of twelve frequent callers.
        let caller = if rng.below(8) == 0 {
            format!("c:{:016x}", 0xfeed_0000_u64 + rng.below(12))
        } else {
            format!("c:{:016x}", rng.next() << 16 | rng.below(65_536))
        };
        let address = if rng.below(10) == 0 {
            format!("a:{:016x}", 0xadd0_0000_u64 + rng.below(8))
        } else {
            format!("a:{:016x}", rng.next() << 16 | rng.below(65_536))
        };
        let _ = writeln!(
            csv,
            "DEMO-{i:06},{},{},{category},{category},{},{},{place},{caller},{address}",
            opened.format("%Y-%m-%dT%H:%M:%SZ"),
            closed.format("%Y-%m-%dT%H:%M:%SZ"),
            qualifiers[rng.below(qualifiers.len() as u64) as usize],
            1 + rng.below(4),
        );
    }
    // Need nobody has picked up yet, for the hidden-demand worklist: a
    // household with domestic incidents and a young person reported
    // missing again and again, each within the last three months.
    for (k, back) in [6u64, 19, 33, 58].into_iter().enumerate() {
        let at = today - chrono::Days::new(back);
        let _ = writeln!(
            csv,
            "DEMO-HD{k},{}T23:10:00Z,{}T23:55:00Z,public safety and welfare,public safety and welfare,domestic,2,myton,c:{:016x},a:{:016x}",
            at,
            at,
            0x0d0e_0000_u64 + k as u64,
            0x0d0e_aaaa_u64
        );
    }
    for (k, back) in [3u64, 27, 61].into_iter().enumerate() {
        let at = today - chrono::Days::new(back);
        let _ = writeln!(
            csv,
            "DEMO-HM{k},{}T20:30:00Z,{}T23:30:00Z,public safety and welfare,public safety and welfare,missing_person,2,west-marsh,c:{:016x},a:{:016x}",
            at,
            at,
            0x0d0e_bbbb_u64,
            0x0d0e_1000_u64 + k as u64
        );
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repeat::{Contacts, levels};
    use chrono::NaiveDate;
    use eip_platform::db::parse_date;

    #[test]
    fn the_demo_calls_have_frequent_callers_to_show() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        let csv = incidents_csv(today, 3_000);
        let all: Vec<Contacts> = csv
            .lines()
            .skip(1)
            .filter_map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                Some(Contacts {
                    subject: (*f.get(8)?).into(),
                    day: parse_date(f.get(1)?.get(..10)?).ok()?,
                    place_id: (*f.get(7)?).into(),
                    area_id: "hull".into(),
                    count: 1,
                })
            })
            .collect();
        assert_eq!(
            all.len(),
            3_007,
            "the calls asked for and the seven that recur lately"
        );
        let frequent = levels(&all, 6, 30, None);
        let callers: i64 = frequent.values().map(|l| l.subjects).sum();
        let repeats: i64 = frequent.values().map(|l| l.incidents).sum();
        assert!(callers >= 5 && repeats > callers, "{callers} {repeats}");
        let yearly = levels(&all, 21, 365, None);
        assert!(yearly.values().map(|l| l.subjects).sum::<i64>() >= 12);
    }
}
