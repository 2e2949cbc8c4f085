//! Demand analysis checked against an independent computation on a
//! generated data set.

use crate::helpers::{Imports, TestApp, problem, user};
use crate::imports::{HEADER, address, caller};
use eip_test_support::principal;
use eip_types::Role;
use eip_types::engagement::{Concentration, CrimeShare, Hotspot, ImportKind};
use reqwest::StatusCode;
use std::collections::{BTreeMap, HashMap, HashSet};

on_both_backends!(
    figures_match_an_independent_computation,
    analysis_is_for_analysts_and_coordinators_in_their_areas,
    bad_analysis_questions_are_named,
);

/// A tiny deterministic generator: the test's own, not the service's.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

struct Generated {
    /// `(ward, month, is_crime, caller)`.
    rows: Vec<(String, String, bool, u32)>,
    wards: Vec<String>,
}

/// Twelve Hull wards with skewed demand, plus a few East Riding calls the
/// Hull user must not see.
async fn generate(app: &TestApp) -> Generated {
    let mut wards_csv = String::from("code,name,authority\n");
    let wards: Vec<String> = (1..=12).map(|i| format!("gen-ward-{i}")).collect();
    for i in 1..=12 {
        wards_csv.push_str(&format!("G{i:03},Gen Ward {i},hull\n"));
    }
    wards_csv.push_str("G900,Far Ward,east-riding\n");
    app.import(&user(Role::Admin), ImportKind::Wards, None, wards_csv)
        .await;

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut csv = HEADER.to_owned();
    let mut rows = Vec::new();
    for i in 0..3_000 {
        // Ward i is picked with weight proportional to i², so demand is
        // concentrated; ward 12 gets none at all.
        let mut pick = rng.below((1..=11u64).map(|w| w * w).sum());
        let w = (1..=11u64)
            .find(|w| {
                if pick < w * w {
                    true
                } else {
                    pick -= w * w;
                    false
                }
            })
            .unwrap_or(11);
        let month = format!("2026-{:02}", 1 + rng.below(6));
        let crime = rng.below(100) < 18;
        let who = rng.below(400) as u32;
        csv.push_str(&format!(
            "G-{i},{month}-{:02}T12:00:00Z,,{},,,2,G{w:03},{},{}\n",
            1 + rng.below(28),
            if crime {
                "crime"
            } else {
                "public safety and welfare"
            },
            caller(who),
            address(who / 2),
        ));
        rows.push((format!("gen-ward-{w}"), month, crime, who));
    }
    for i in 0..50 {
        csv.push_str(&format!("F-{i},2026-03-01T12:00:00Z,,crime,,,2,G900,,\n"));
    }
    let job = app
        .import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;
    assert_eq!(job.rows_imported, 3_050);
    Generated { rows, wards }
}

/// Gini by the mean absolute difference: Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄).
fn gini_by_mean_difference(x: &[i64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<i64>() as f64 / n;
    let diff: i64 = x
        .iter()
        .flat_map(|a| x.iter().map(move |b| (a - b).abs()))
        .sum();
    diff as f64 / (2.0 * n * n * mean)
}

async fn figures_match_an_independent_computation(app: &TestApp) {
    let data = generate(app).await;
    let analyst = user(Role::Analyst);

    // Crime share per ward and month.
    let mut expected: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for (w, m, crime, _) in &data.rows {
        let e = expected.entry((w.clone(), m.clone())).or_default();
        e.0 += 1;
        e.1 += i64::from(*crime);
    }
    let shares: Vec<CrimeShare> = app
        .get("/analysis/crime-share", &analyst)
        .await
        .json()
        .await
        .expect("shares");
    assert_eq!(shares.len(), expected.len());
    for s in &shares {
        let (calls, crime) = expected[&(s.place_id.clone(), s.month.clone())];
        assert_eq!((s.calls, s.crime_calls), (calls, crime), "{s:?}");
        assert!((s.crime_share - crime as f64 / calls as f64).abs() < 1e-12);
    }
    let total_crime: i64 = shares.iter().map(|s| s.crime_calls).sum();
    assert!(
        (total_crime as f64) < 0.25 * 3_000.0,
        "about a fifth is crime"
    );

    // Concentration by ward: every Hull ward, the empty one included.
    let mut per_ward: HashMap<&str, i64> = data.wards.iter().map(|w| (w.as_str(), 0)).collect();
    for (w, ..) in &data.rows {
        *per_ward.entry(w.as_str()).or_default() += 1;
    }
    per_ward.insert("myton", 0);
    let c: Concentration = app
        .get("/analysis/concentration?area=hull&top=2", &analyst)
        .await
        .json()
        .await
        .expect("concentration");
    assert_eq!(c.total, 3_000);
    assert_eq!(c.units.len(), per_ward.len());
    for u in &c.units {
        assert_eq!(u.calls, per_ward[u.key.as_str()], "{}", u.key);
    }
    let mut values: Vec<i64> = per_ward.values().copied().collect();
    let gini = gini_by_mean_difference(&values);
    assert!((c.gini - gini).abs() < 1e-9, "{} against {gini}", c.gini);
    assert_eq!(c.lorenz.len(), values.len() + 1);
    assert!(c.lorenz.windows(2).all(|p| p[0].demand <= p[1].demand));

    // "The top 2 account for more than the bottom M": check M by brute force.
    values.sort_unstable_by(|a, b| b.cmp(a));
    let top: i64 = values[..2].iter().sum();
    let rest: Vec<i64> = values[2..].iter().rev().copied().collect();
    let m = (0..=rest.len())
        .filter(|m| rest[..*m].iter().sum::<i64>() < top)
        .max()
        .unwrap_or(0);
    let tvb = c.top_versus_bottom.expect("a statement");
    assert_eq!((tvb.top_calls, tvb.bottom_m), (top, m));
    let top1 = c.top.iter().find(|t| t.k == 1).expect("top 1");
    assert!((top1.share - values[0] as f64 / 3_000.0).abs() < 1e-12);

    // By category: two categories carry all of it.
    let by_cat: Concentration = app
        .get("/analysis/concentration?by=category", &analyst)
        .await
        .json()
        .await
        .expect("concentration");
    assert_eq!(by_cat.units.len(), 5);
    assert_eq!(by_cat.units.iter().filter(|u| u.calls > 0).count(), 2);

    // Hotspots: calls and distinct callers per ward.
    let mut callers: HashMap<&str, HashSet<u32>> = HashMap::new();
    for (w, _, _, who) in &data.rows {
        callers.entry(w.as_str()).or_default().insert(*who);
    }
    let spots: Vec<Hotspot> = app
        .get("/analysis/hotspots?by=callers&limit=3", &analyst)
        .await
        .json()
        .await
        .expect("hotspots");
    assert_eq!(spots.len(), 3);
    for s in &spots {
        assert_eq!(s.callers as usize, callers[s.place_id.as_str()].len());
        assert_eq!(s.calls, per_ward[s.place_id.as_str()]);
    }
    assert!(spots.windows(2).all(|p| p[0].callers >= p[1].callers));
    let by_calls: Vec<Hotspot> = app
        .get("/analysis/hotspots", &analyst)
        .await
        .json()
        .await
        .expect("hotspots");
    assert_eq!(by_calls[0].place_id, "gen-ward-11");
    assert!(by_calls.iter().all(|h| h.place_id != "far-ward"));
}

async fn analysis_is_for_analysts_and_coordinators_in_their_areas(app: &TestApp) {
    generate(app).await;
    for path in [
        "/analysis/crime-share",
        "/analysis/concentration",
        "/analysis/hotspots",
    ] {
        for role in Role::ALL {
            let res = app.get(path, &user(role)).await;
            if matches!(role, Role::Analyst | Role::Coordinator) {
                assert_eq!(res.status(), StatusCode::OK, "{path} {role}");
            } else {
                problem(res, StatusCode::FORBIDDEN).await;
            }
        }
        let other = format!("{path}?area=east-riding");
        problem(
            app.get(&other, &user(Role::Coordinator)).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        let east = principal(Role::Coordinator, &["east-riding"]);
        assert_eq!(app.get(&other, &east).await.status(), StatusCode::OK);
    }
    let east = principal(Role::Analyst, &["east-riding"]);
    let c: Concentration = app
        .get("/analysis/concentration", &east)
        .await
        .json()
        .await
        .expect("concentration");
    assert_eq!(c.total, 50);
}

async fn bad_analysis_questions_are_named(app: &TestApp) {
    let analyst = user(Role::Analyst);
    let p = problem(
        app.get("/analysis/crime-share?from=2026-13&source=radio", &analyst)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        p.field("from").is_some() && p.field("source").is_some(),
        "{p:?}"
    );
    let p = problem(
        app.get("/analysis/hotspots?from=2026-06&to=2026-01", &analyst)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("to").is_some());
    let p = problem(
        app.get("/analysis/concentration?by=colour", &analyst).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("by").is_some());
    problem(
        app.get("/analysis/hotspots?limit=many", &analyst).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}
