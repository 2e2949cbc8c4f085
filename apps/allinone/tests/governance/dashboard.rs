//! The board dashboard, rebases, and what governance may hold.

use crate::helpers::{BusChoice, start};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::Role;
use eip_types::governance::{Dashboard, Published, Variation};
use reqwest::Method;
use serde_json::json;
use sqlx::Row;

fn this_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

async fn the_dashboard_hides_small_numbers_and_charts_what_is_published(
    backend: Backend,
    bus: BusChoice,
) {
    let platform = start(backend, bus, 1).await;
    let officer = principal(
        Role::Frontline,
        &["hull", "east-riding", "north-east-lincolnshire"],
    );
    for (area, n) in [
        ("hull", 6),
        ("east-riding", 2),
        ("north-east-lincolnshire", 5),
    ] {
        for _ in 0..n {
            platform.submit_referral(&officer, area).await;
        }
    }
    platform.wait_for_count("hull", 6).await;
    platform.wait_for_count("east-riding", 2).await;
    platform.wait_for_count("north-east-lincolnshire", 5).await;

    let month = this_month();
    let board = principal(Role::Board, &[]);
    let path = format!("/reports/dashboard?from={month}&to={month}");
    let res = platform.send(Method::GET, &path, &board, None).await;
    assert_eq!(res.status(), 200);
    let d: Dashboard = res.json().await.expect("json");
    assert_eq!(d.suppress_up_to, 4);
    let submitted = d
        .measures
        .iter()
        .find(|m| m.measure.id == "referrals-submitted")
        .expect("the submitted measure");
    let cell = |area: &str| {
        submitted
            .table
            .rows
            .iter()
            .find(|r| r.area_id == area)
            .map(|r| r.cells[0])
    };
    assert_eq!(cell("hull"), Some(Published::Number(6.0)));
    assert_eq!(cell("east-riding"), Some(Published::Confidential));
    assert_eq!(
        cell("north-east-lincolnshire"),
        Some(Published::Confidential)
    );
    assert_eq!(cell("north-lincolnshire"), Some(Published::Number(0.0)));
    assert_eq!(submitted.table.month_totals, [Published::Number(13.0)]);
    assert_eq!(submitted.chart.points.len(), 1);
    assert!(submitted.chart.segments[0].trial);
    assert_eq!(submitted.chart.variation, Variation::CommonCause);
    // Nothing triaged yet: time to triage is not applicable, not zero.
    let triage = d
        .measures
        .iter()
        .find(|m| m.measure.id == "time-to-triage")
        .expect("time to triage");
    assert_eq!(triage.table.month_totals, [Published::NotApplicable]);
    // The repeat-demand measures are active: no seeded measure waits.
    assert!(
        d.measures
            .iter()
            .any(|m| m.measure.id == "frequent-callers")
    );
    assert!(
        d.measures
            .iter()
            .any(|m| m.measure.id == "repeat-incidents")
    );
    assert!(d.planned.is_empty(), "{:?}", d.planned);
    assert!(
        !d.validation.valid,
        "North Lincolnshire has reported nothing"
    );
    // Referral measures miss North Lincolnshire only; the engagement
    // service has reported nothing for any area here.
    assert!(
        d.validation
            .missing
            .iter()
            .all(|m| m.area_id == "north-lincolnshire" || m.reason.contains("engagement")),
        "{:?}",
        d.validation.missing
    );
    assert!(
        d.validation
            .missing
            .iter()
            .any(|m| m.measure_id == "engagement-events" && m.area_id == "hull")
    );

    // Bad ranges are refused by field.
    for (query, field) in [
        ("", "from"),
        ("?from=2026-05&to=2026-01", "to"),
        ("?from=2020-01&to=2026-01", "from"),
        ("?from=May&to=2026-01", "from"),
    ] {
        let res = platform
            .send(
                Method::GET,
                &format!("/reports/dashboard{query}"),
                &board,
                None,
            )
            .await;
        assert_eq!(res.status(), 422, "{query}");
        let problem: eip_types::Problem = res.json().await.expect("problem");
        assert!(problem.field(field).is_some(), "{query}: {problem:?}");
    }
    for role in [Role::Analyst, Role::Admin] {
        let res = platform
            .send(Method::GET, &path, &principal(role, &[]), None)
            .await;
        assert_eq!(res.status(), 200, "{role}");
    }
    for role in [
        Role::Frontline,
        Role::Partner,
        Role::Trainer,
        Role::Coordinator,
        Role::Dpo,
    ] {
        let res = platform
            .send(Method::GET, &path, &principal(role, &["hull"]), None)
            .await;
        assert_eq!(res.status(), 403, "{role}");
    }
    platform.stop().await;
}

async fn rebases_need_a_reason_and_an_analyst(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 1).await;
    let analyst = principal(Role::Analyst, &[]);
    let path = "/framework/measures/time-to-triage/rebases";
    let res = platform
        .send(
            Method::POST,
            path,
            &analyst,
            Some(json!({"period": "2026-04", "reason": " "})),
        )
        .await;
    assert_eq!(res.status(), 422);
    let problem: eip_types::Problem = res.json().await.expect("problem");
    assert!(problem.field("reason").is_some());
    let res = platform
        .send(
            Method::POST,
            path,
            &analyst,
            Some(json!({"period": "April", "reason": "New triage rota from April"})),
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = platform
        .send(
            Method::POST,
            "/framework/measures/no-such-measure/rebases",
            &analyst,
            Some(json!({"period": "2026-04", "reason": "New triage rota from April"})),
        )
        .await;
    assert_eq!(res.status(), 404);
    let body = json!({"period": "2026-04", "reason": "New triage rota from April"});
    for role in [Role::Board, Role::Coordinator] {
        let res = platform
            .send(
                Method::POST,
                path,
                &principal(role, &["hull"]),
                Some(body.clone()),
            )
            .await;
        assert_eq!(res.status(), 403, "{role}");
    }
    let res = platform
        .send(Method::POST, path, &analyst, Some(body.clone()))
        .await;
    assert_eq!(res.status(), 201);
    let rebase: eip_types::governance::Rebase = res.json().await.expect("json");
    assert_eq!(rebase.recorded_by, analyst.user_id);
    let res = platform
        .send(Method::POST, path, &analyst, Some(body))
        .await;
    assert_eq!(res.status(), 409);
    platform.stop().await;
}

/// Columns that may hold a platform user's id: the member of staff
/// accountable for a governance action, never someone the figures count.
pub const ACCOUNTABILITY: [&str; 7] = [
    "pilots.created_by",
    "rebases.recorded_by",
    "board_approvers.approver_user",
    "packs.created_by",
    "packs.reviewed_by",
    "packs.signed_by",
    "pack_access.user_id",
];

/// Fragments of column names that would identify a person the platform
/// serves or a referral about them.
pub const PERSONAL: [&str; 18] = [
    "child",
    "first_name",
    "last_name",
    "full_name",
    "display_name",
    "username",
    "birth",
    "dob",
    "nhs",
    "address",
    "postcode",
    "email",
    "phone",
    "staff",
    "referral_id",
    "person",
    "subject",
    "completion_id",
];

async fn no_governance_table_holds_a_person_identifier(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 1).await;
    let pool = platform.read_model.pool();
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite%'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_%'"
        }
    };
    let columns: Vec<String> = sqlx::query(sql)
        .fetch_all(pool)
        .await
        .expect("schema")
        .iter()
        .map(|r| {
            format!(
                "{}.{}",
                r.try_get::<String, _>("t").expect("t"),
                r.try_get::<String, _>("c").expect("c")
            )
        })
        .collect();
    assert!(columns.contains(&"facts.area_id".to_owned()), "{columns:?}");
    for column in &columns {
        for fragment in PERSONAL {
            assert!(
                !column.to_lowercase().contains(fragment),
                "{column} looks like a person identifier"
            );
        }
        let name = column.rsplit('.').next().unwrap_or_default();
        if name.ends_with("_by") || name.contains("user") || name.contains("approver") {
            assert!(ACCOUNTABILITY.contains(&column.as_str()), "{column}");
        }
    }
    platform.stop().await;
}

on_both_backends!(multi_thread via crate::helpers::in_process:
    the_dashboard_hides_small_numbers_and_charts_what_is_published,
    rebases_need_a_reason_and_an_analyst,
    no_governance_table_holds_a_person_identifier,
);
