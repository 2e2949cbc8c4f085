//! Imports: ward reference data, the census area lookup, incidents and
//! street-level crime, with per-row errors and idempotent re-imports.

use crate::helpers::{Imports, TestApp, pool, problem, user};
use eip_types::Role;
use eip_types::engagement::{ImportJob, ImportKind, ImportStatus, NewImport};
use eip_types::events::EngagementEvent;
use eip_types::place::Place;
use reqwest::StatusCode;
use sqlx::Row;

on_both_backends!(
    wards_import_with_per_row_errors_and_keep_priority_ids,
    incidents_import_report_bad_rows_by_line,
    reimporting_incidents_updates_rather_than_duplicates,
    street_crime_goes_through_the_area_lookup,
    only_the_right_roles_import,
    a_job_takes_one_file_of_csv,
    a_file_with_a_wrong_header_fails_the_job,
    imports_record_demand_aggregates_without_references,
    a_reimport_that_moves_an_incident_re_records_its_old_cell,
    loads_large_and_small_leave_the_incident_indexes_in_place,
    a_large_load_over_incidents_on_record_replaces_them,
    a_batch_the_database_refuses_leaves_nothing_of_itself,
);

const WARDS: &str = "code,name,authority\n\
E05000001,Avenue,Hull\n\
E05000002,Myton,hull\n\
E05000003,Beverley Road,Lincoln\n\
E05000004,Newland\n\
E05000005,West Marsh,North East Lincolnshire\n\
E05000006,Park,east-riding\n";

pub async fn load_wards(app: &TestApp) {
    let job = app
        .import(&user(Role::Admin), ImportKind::Wards, None, WARDS)
        .await;
    assert_eq!(job.status, ImportStatus::Completed);
}

async fn place(app: &TestApp, id: &str) -> Place {
    let res = app
        .get(&format!("/places/{id}"), &user(Role::Analyst))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{id}");
    res.json().await.expect("a place")
}

async fn wards_import_with_per_row_errors_and_keep_priority_ids(app: &TestApp) {
    let admin = user(Role::Admin);
    let job = app.import(&admin, ImportKind::Wards, None, WARDS).await;
    assert_eq!(job.status, ImportStatus::Completed);
    assert_eq!(
        (job.rows_read, job.rows_imported, job.rows_rejected),
        (6, 4, 2)
    );
    let errors = app.import_errors(&admin, &job).await;
    let at: Vec<(u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(at, [(4, Some("authority")), (5, None)]);

    // The priority wards keep their ids and gain their codes.
    let myton = place(app, "myton").await;
    assert_eq!(myton.code.as_deref(), Some("E05000002"));
    assert!(myton.priority);
    assert_eq!(
        place(app, "west-marsh").await.code.as_deref(),
        Some("E05000005")
    );
    let avenue = place(app, "avenue").await;
    assert_eq!(avenue.parent_id.as_deref(), Some("hull"));
    assert!(!avenue.priority && !avenue.demo);

    // Again, with a renamed ward: updated by code, nothing duplicated.
    let renamed = WARDS.replace("E05000001,Avenue", "E05000001,The Avenues");
    let again = app.import(&admin, ImportKind::Wards, None, renamed).await;
    assert_eq!(again.rows_imported, 4);
    assert_eq!(place(app, "avenue").await.name, "The Avenues");
    let res = app
        .get("/places?kind=ward&authority=hull", &user(Role::Analyst))
        .await;
    let hull: Vec<Place> = res.json().await.expect("places");
    let ids: Vec<&str> = hull.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["myton", "avenue"]);
}

pub const HEADER: &str = "incident_number,opened_at,closed_at,opening_category,closing_category,qualifiers,grade,place,caller_ref,address_ref\n";

pub fn caller(n: u32) -> String {
    format!("c:{n:016x}")
}

pub fn address(n: u32) -> String {
    format!("a:{n:016x}")
}

async fn incidents_import_report_bad_rows_by_line(app: &TestApp) {
    load_wards(app).await;
    let analyst = user(Role::Analyst);
    let csv = format!(
        "{HEADER}\
         I-1,2026-10-01 10:00,2026-10-01 11:00,crime,crime,domestic,1,myton,{c1},{a1}\n\
         I-2,2026-10-02 10:00,,public safety and welfare,,mental health,2,E05000001,{c1},\n\
         I-3,not a time,,crime,,,1,myton,,\n\
         I-4,2026-10-03 10:00,,burglary,,,1,myton,,\n\
         I-5,2026-10-03 10:00,,crime,,,1,atlantis,,\n\
         I-6,2026-10-03 10:00,,crime,,,1,myton,07700900123,\n\
         I-7,2026-10-03 10:00,,crime\n\
         \"I-8\",\"2026-10-04T09:00:00Z\",\"\",\"Anti-social behaviour\",\"\",\"youth|alcohol\",\"G3\",\"avenue\",\"\",\"{a1}\"\n",
        c1 = caller(1),
        a1 = address(1),
    );
    let job = app.import(&analyst, ImportKind::Incidents, None, csv).await;
    assert_eq!(job.status, ImportStatus::Completed);
    assert_eq!(
        (job.rows_read, job.rows_imported, job.rows_rejected),
        (8, 3, 5)
    );
    let errors = app.import_errors(&analyst, &job).await;
    let at: Vec<(u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            (4, Some("opened_at")),
            (5, Some("opening_category")),
            (6, Some("place")),
            (7, Some("caller_ref")),
            (8, None),
        ]
    );
    // A suspected identifier is never echoed back.
    assert!(errors.iter().all(|e| !e.message.contains("07700")));

    let polled = app
        .get(&format!("/imports/{}", job.id), &analyst)
        .await
        .json::<ImportJob>()
        .await
        .expect("a job");
    assert_eq!(polled, job);
    let listed: Vec<ImportJob> = app
        .get("/imports", &analyst)
        .await
        .json()
        .await
        .expect("jobs");
    assert!(listed.iter().any(|j| j.id == job.id));
    assert!(listed.iter().all(|j| !j.kind.is_reference_data()));
}

async fn reimporting_incidents_updates_rather_than_duplicates(app: &TestApp) {
    load_wards(app).await;
    let analyst = user(Role::Analyst);
    let mut csv = HEADER.to_owned();
    for i in 0..12_000 {
        csv.push_str(&format!(
            "R-{i},2026-09-{:02}T10:00:00Z,,crime,,,1,{},{},\n",
            1 + i % 28,
            if i % 3 == 0 { "myton" } else { "avenue" },
            caller(i % 50),
        ));
    }
    let first = app
        .import(&analyst, ImportKind::Incidents, None, csv.clone())
        .await;
    assert_eq!((first.rows_read, first.rows_imported), (12_000, 12_000));
    // The same file, with one incident moved and reclassified.
    let changed = csv.replace(
        "R-1,2026-09-02T10:00:00Z,,crime,,,1,avenue",
        "R-1,2026-09-02T10:00:00Z,,crime,transport,,1,myton",
    );
    let second = app
        .import(&analyst, ImportKind::Incidents, None, changed)
        .await;
    assert_eq!((second.rows_read, second.rows_imported), (12_000, 12_000));

    let demand: Vec<EngagementEvent> = app
        .events()
        .await
        .iter()
        .filter_map(EngagementEvent::from_envelope)
        .collect();
    let latest = |place: &str, category: &str| {
        demand
            .iter()
            .rev()
            .find_map(|e| match e {
                EngagementEvent::DemandRecorded {
                    place_id,
                    category: c,
                    calls,
                    ..
                } if place_id == place && c.as_str() == category => Some(*calls),
                _ => None,
            })
            .unwrap_or_default()
    };
    assert_eq!(latest("myton", "crime"), 4_000);
    assert_eq!(latest("myton", "transport"), 1);
}

async fn street_crime_goes_through_the_area_lookup(app: &TestApp) {
    load_wards(app).await;
    let admin = user(Role::Admin);
    let lookup = app
        .import(
            &admin,
            ImportKind::AreaLookup,
            Some("2021-census"),
            "area_code,ward\nE01000001,myton\nE01000002,E05000001\nE01000003,nowhere\n",
        )
        .await;
    assert_eq!((lookup.rows_imported, lookup.rows_rejected), (2, 1));

    let analyst = user(Role::Analyst);
    let header = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n";
    let asb = ",2026-09,Force,Force,-0.34,53.74,On or near Demo Street,E01000001,Hull 001A,Anti-social behaviour,,\n";
    let csv = format!(
        "{header}{asb}{asb}\
         abc1,2026-09,Force,Force,-0.34,53.74,On or near Demo Road,E01000002,Hull 002A,Burglary,Under investigation,\n\
         ,2026-09,Force,Force,-0.34,53.74,On or near Demo Road,E01000002,Hull 002A,Burglary,,\n\
         abc2,2026-09,Force,Force,-0.34,53.74,On or near Far Road,E01999999,Elsewhere 001A,Burglary,,\n\
         abc3,Sept,Force,Force,-0.34,53.74,On or near Demo Road,E01000002,Hull 002A,Burglary,,\n"
    );
    let job = app
        .import(&analyst, ImportKind::StreetCrime, None, csv.clone())
        .await;
    assert_eq!(
        (job.rows_read, job.rows_imported, job.rows_rejected),
        (6, 3, 3)
    );
    let errors = app.import_errors(&analyst, &job).await;
    let at: Vec<(u64, Option<&str>)> = errors
        .iter()
        .map(|e| (e.line, e.field.as_deref()))
        .collect();
    assert_eq!(
        at,
        [
            (5, Some("Crime ID")),
            (6, Some("LSOA code")),
            (7, Some("Month"))
        ]
    );
    // Idempotent, anti-social behaviour rows included.
    let again = app
        .import(&analyst, ImportKind::StreetCrime, None, csv)
        .await;
    assert_eq!(again.rows_imported, 3);

    // A named lookup version must exist.
    let res = app
        .post(
            "/imports",
            &analyst,
            &NewImport {
                kind: ImportKind::StreetCrime,
                lookup_version: Some("1991".into()),
            },
        )
        .await;
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(p.field("lookup_version").is_some());
}

async fn only_the_right_roles_import(app: &TestApp) {
    for role in Role::ALL {
        for kind in ImportKind::ALL {
            let res = app
                .post(
                    "/imports",
                    &user(role),
                    &NewImport {
                        kind,
                        lookup_version: (kind == ImportKind::AreaLookup).then(|| "v1".into()),
                    },
                )
                .await;
            let allowed = match kind {
                ImportKind::Wards | ImportKind::AreaLookup => role == Role::Admin,
                ImportKind::Incidents | ImportKind::StreetCrime => role == Role::Analyst,
            };
            if allowed {
                assert_eq!(res.status(), StatusCode::CREATED, "{role} {kind:?}");
            } else {
                problem(res, StatusCode::FORBIDDEN).await;
            }
        }
        let res = app.get("/imports", &user(role)).await;
        if matches!(role, Role::Admin | Role::Analyst) {
            assert_eq!(res.status(), StatusCode::OK, "{role}");
        } else {
            problem(res, StatusCode::FORBIDDEN).await;
        }
    }
    // An analyst cannot see, or send data to, the administrator's job.
    let admin_job: ImportJob = app
        .post(
            "/imports",
            &user(Role::Admin),
            &NewImport {
                kind: ImportKind::Wards,
                lookup_version: None,
            },
        )
        .await
        .json()
        .await
        .expect("a job");
    let analyst = user(Role::Analyst);
    problem(
        app.get(&format!("/imports/{}", admin_job.id), &analyst)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.put_csv(&format!("/imports/{}/data", admin_job.id), &analyst, WARDS)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get_anonymous("/imports").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn a_job_takes_one_file_of_csv(app: &TestApp) {
    let admin = user(Role::Admin);
    let job: ImportJob = app
        .post(
            "/imports",
            &admin,
            &NewImport {
                kind: ImportKind::Wards,
                lookup_version: None,
            },
        )
        .await
        .json()
        .await
        .expect("a job");
    let res = app
        .client
        .put(app.url(&format!("/imports/{}/data", job.id)))
        .bearer_auth(app.token(&admin))
        .json(&serde_json::json!({"code": "E05000001"}))
        .send()
        .await
        .expect("sent");
    problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let path = format!("/imports/{}/data", job.id);
    assert_eq!(
        app.put_csv(&path, &admin, WARDS).await.status(),
        StatusCode::OK
    );
    problem(
        app.put_csv(&path, &admin, WARDS).await,
        StatusCode::CONFLICT,
    )
    .await;

    let res = app
        .post(
            "/imports",
            &admin,
            &NewImport {
                kind: ImportKind::AreaLookup,
                lookup_version: None,
            },
        )
        .await;
    let p = problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(p.field("lookup_version").is_some());
    let res = app
        .client
        .post(app.url("/imports"))
        .bearer_auth(app.token(&admin))
        .json(&serde_json::json!({"kind": "spreadsheet"}))
        .send()
        .await
        .expect("sent");
    problem(res, StatusCode::BAD_REQUEST).await;
}

async fn a_file_with_a_wrong_header_fails_the_job(app: &TestApp) {
    let analyst = user(Role::Analyst);
    let job = app
        .import(
            &analyst,
            ImportKind::Incidents,
            None,
            "number,when\nI-1,2026-10-01\n",
        )
        .await;
    assert_eq!(job.status, ImportStatus::Failed);
    assert!(
        job.failure
            .as_deref()
            .unwrap_or_default()
            .contains("incident_number"),
        "{job:?}"
    );
    assert_eq!(job.rows_imported, 0);
    let empty = app.import(&analyst, ImportKind::Incidents, None, "").await;
    assert_eq!(empty.status, ImportStatus::Failed);
    assert!(empty.finished_at.is_some());
}

async fn imports_record_demand_aggregates_without_references(app: &TestApp) {
    load_wards(app).await;
    let csv = format!(
        "{HEADER}\
         A-1,2026-10-01 10:00,,crime,,domestic,1,myton,{c},{a}\n\
         A-2,2026-10-02 10:00,,crime,,,1,myton,{c},{a}\n\
         A-3,2026-11-02 10:00,,transport,,,1,avenue,,\n",
        c = caller(7),
        a = address(7),
    );
    app.import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;
    let events = app.events().await;
    let demand: Vec<&eip_types::events::EventEnvelope> = events
        .iter()
        .filter(|e| e.kind == "engagement.demand_recorded")
        .collect();
    assert_eq!(demand.len(), 2);
    for e in &demand {
        let text = e.payload.to_string();
        assert!(!text.contains("c:") && !text.contains("a:0"), "{text}");
    }
    let parsed: Vec<EngagementEvent> = demand
        .iter()
        .filter_map(|e| EngagementEvent::from_envelope(e))
        .collect();
    assert!(parsed.contains(&EngagementEvent::DemandRecorded {
        place_id: "myton".into(),
        area_id: "hull".into(),
        month: "2026-10".into(),
        category: eip_types::engagement::Category::Crime,
        calls: 2,
    }));
}

async fn a_reimport_that_moves_an_incident_re_records_its_old_cell(app: &TestApp) {
    load_wards(app).await;
    let analyst = user(Role::Analyst);
    let first = format!(
        "{HEADER}\
         M-1,2026-09-01 10:00,,crime,,,1,myton,,\n\
         M-2,2026-09-02 10:00,,crime,,,1,myton,,\n\
         M-3,2026-10-02 10:00,,transport,,,1,avenue,,\n"
    );
    app.import(&analyst, ImportKind::Incidents, None, first)
        .await;
    // A corrected export naming only the incident that changed: another
    // ward, month and category. Its old cell has one call fewer.
    let second = format!("{HEADER}M-1,2026-10-05 10:00,,crime,transport,,1,avenue,,\n");
    let job = app
        .import(&analyst, ImportKind::Incidents, None, second)
        .await;
    assert_eq!(job.rows_imported, 1);
    let demand: Vec<EngagementEvent> = app
        .events()
        .await
        .iter()
        .filter_map(EngagementEvent::from_envelope)
        .collect();
    let latest = |place: &str, month: &str, category: &str| {
        demand.iter().rev().find_map(|e| match e {
            EngagementEvent::DemandRecorded {
                place_id,
                month: m,
                category: c,
                calls,
                ..
            } if place_id == place && m == month && c.as_str() == category => Some(*calls),
            _ => None,
        })
    };
    assert_eq!(latest("myton", "2026-09", "crime"), Some(1), "{demand:?}");
    assert_eq!(
        latest("avenue", "2026-10", "transport"),
        Some(2),
        "{demand:?}"
    );
    // Moving it back empties the new cell again, and says so.
    let back = format!("{HEADER}M-1,2026-09-01 10:00,,crime,,,1,myton,,\n");
    app.import(&analyst, ImportKind::Incidents, None, back)
        .await;
    let demand: Vec<EngagementEvent> = app
        .events()
        .await
        .iter()
        .filter_map(EngagementEvent::from_envelope)
        .collect();
    let latest = |place: &str, month: &str, category: &str| {
        demand.iter().rev().find_map(|e| match e {
            EngagementEvent::DemandRecorded {
                place_id,
                month: m,
                category: c,
                calls,
                ..
            } if place_id == place && m == month && c.as_str() == category => Some(*calls),
            _ => None,
        })
    };
    assert_eq!(latest("myton", "2026-09", "crime"), Some(2), "{demand:?}");
    assert_eq!(
        latest("avenue", "2026-10", "transport"),
        Some(1),
        "{demand:?}"
    );
}

/// A file larger than the table loads without the incident indexes, which
/// the service's worker builds after it; a smaller one writes through
/// them. Either way the repeat-demand queries find them afterwards, and the demand cells
/// hold what counting the incidents gives, the moved incident included.
async fn loads_large_and_small_leave_the_incident_indexes_in_place(app: &TestApp) {
    load_wards(app).await;
    let analyst = user(Role::Analyst);
    let mut csv = HEADER.to_owned();
    for i in 0..2_000 {
        csv.push_str(&format!(
            "L-{i},2026-08-{:02}T10:00:00Z,,crime,,,1,myton,{},\n",
            1 + i % 28,
            caller(i % 40),
        ));
    }
    let large = app.import(&analyst, ImportKind::Incidents, None, csv).await;
    assert_eq!(large.rows_imported, 2_000);
    let small = format!("{HEADER}L-1,2026-08-02T10:00:00Z,,crime,transport,,1,avenue,,\n");
    let small = app
        .import(&analyst, ImportKind::Incidents, None, small)
        .await;
    assert_eq!(small.rows_imported, 1);
    // The service's worker builds the indexes before it publishes the
    // repeat-demand levels the imports made due.
    app.levels_published().await;

    let url = app.database_url();
    let pool = pool(app).await;
    let sql = if url.starts_with("sqlite:") {
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents'"
    } else {
        "SELECT indexname::text AS name FROM pg_indexes WHERE tablename = 'incidents'"
    };
    let names: Vec<String> = sqlx::query_scalar(sql)
        .fetch_all(&pool)
        .await
        .expect("index names");
    for index in ["incidents_by_caller", "incidents_by_address"] {
        assert!(names.iter().any(|n| n == index), "{index}: {names:?}");
    }
    if !url.starts_with("sqlite:") {
        let keys: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_constraint WHERE conname = 'incidents_place_id_fkey' \
             AND conrelid = 'incidents'::regclass",
        )
        .fetch_one(&pool)
        .await
        .expect("the ward key");
        assert_eq!(keys, 1, "the large load put the ward key back");
    }
    let (cells, recounted) = cells_and_recount(&pool).await;
    pool.close().await;
    assert_eq!(cells, recounted);
    assert!(
        cells.contains(&("avenue".into(), "2026-08".into(), "transport".into(), 1)),
        "{cells:?}"
    );
    assert!(
        cells.contains(&("myton".into(), "2026-08".into(), "crime".into(), 1_999)),
        "{cells:?}"
    );
}

/// The demand cells holding calls, and the same counted from the incidents.
async fn cells_and_recount(
    pool: &sqlx::AnyPool,
) -> (
    Vec<(String, String, String, i64)>,
    Vec<(String, String, String, i64)>,
) {
    let counted = |sql: &'static str| async move {
        let rows = sqlx::query(sql).fetch_all(pool).await.expect("cells");
        rows.iter()
            .map(|r| {
                (
                    r.get::<String, _>("place_id"),
                    r.get::<String, _>("month"),
                    r.get::<String, _>("category"),
                    r.get::<i64, _>("calls"),
                )
            })
            .collect::<Vec<_>>()
    };
    let cells = counted(
        "SELECT place_id, month, category, calls FROM demand_cells WHERE calls > 0 \
         ORDER BY place_id, month, category",
    )
    .await;
    let recounted = counted(
        "SELECT place_id, month, category, COUNT(*) AS calls FROM incidents \
         GROUP BY place_id, month, category ORDER BY place_id, month, category",
    )
    .await;
    (cells, recounted)
}

/// A file larger than the table that repeats incidents on record replaces
/// them: on PostgreSQL the straight copy such a load starts with meets
/// them, and the batch is merged instead. The demand cells follow.
async fn a_large_load_over_incidents_on_record_replaces_them(app: &TestApp) {
    load_wards(app).await;
    let analyst = user(Role::Analyst);
    let mut first = HEADER.to_owned();
    for i in 0..5 {
        first.push_str(&format!("R-{i},2026-08-01T10:00:00Z,,crime,,,1,myton,,\n"));
    }
    app.import(&analyst, ImportKind::Incidents, None, first)
        .await;
    let mut second = HEADER.to_owned();
    for i in 0..60 {
        second.push_str(&format!(
            "R-{i},2026-08-02T10:00:00Z,,transport,,,1,avenue,,\n"
        ));
    }
    let job = app
        .import(&analyst, ImportKind::Incidents, None, second)
        .await;
    assert_eq!(job.status, ImportStatus::Completed, "{job:?}");
    assert_eq!(job.rows_imported, 60);
    let pool = pool(app).await;
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incidents")
        .fetch_one(&pool)
        .await
        .expect("count");
    let (cells, recounted) = cells_and_recount(&pool).await;
    pool.close().await;
    assert_eq!(held, 60);
    assert_eq!(cells, recounted);
    assert_eq!(
        cells,
        [("avenue".into(), "2026-08".into(), "transport".into(), 60)]
    );
}

/// A batch the database refuses (here by a trigger the test adds) fails the
/// job and leaves nothing of itself: no rows, no replaced rows, no demand
/// cells, no counts.
async fn a_batch_the_database_refuses_leaves_nothing_of_itself(app: &TestApp) {
    load_wards(app).await;
    let analyst = user(Role::Analyst);
    let mut first = HEADER.to_owned();
    for i in 1..=3 {
        first.push_str(&format!("K-{i},2026-08-01T10:00:00Z,,crime,,,1,myton,,\n"));
    }
    let job = app
        .import(&analyst, ImportKind::Incidents, None, first)
        .await;
    assert_eq!(job.status, ImportStatus::Completed, "{job:?}");

    let url = app.database_url();
    let pool = pool(app).await;
    let refuse: &[&str] = if url.starts_with("sqlite:") {
        &["CREATE TRIGGER refuse_bad BEFORE INSERT ON incidents \
           WHEN NEW.incident_number = 'BAD-1' BEGIN SELECT RAISE(ABORT, 'refused'); END"]
    } else {
        &[
            "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             IF NEW.incident_number = 'BAD-1' THEN RAISE EXCEPTION 'refused'; END IF; \
             RETURN NEW; END $$",
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON incidents \
             FOR EACH ROW EXECUTE FUNCTION refuse_bad()",
        ]
    };
    for sql in refuse {
        sqlx::query(sql)
            .execute(&pool)
            .await
            .expect("adds the trigger");
    }
    let (cells_before, _) = cells_and_recount(&pool).await;

    // One batch: a move of an incident on record, a new one, and one the
    // database refuses.
    let second = format!(
        "{HEADER}K-1,2026-08-02T10:00:00Z,,transport,,,1,avenue,,\n\
         K-4,2026-08-02T10:00:00Z,,transport,,,1,avenue,,\n\
         BAD-1,2026-08-02T10:00:00Z,,transport,,,1,avenue,,\n"
    );
    let job = app
        .import(&analyst, ImportKind::Incidents, None, second)
        .await;
    assert_eq!(job.status, ImportStatus::Failed, "{job:?}");
    assert!(
        job.failure
            .as_deref()
            .is_some_and(|f| f.contains("rows before it were kept")),
        "{job:?}"
    );
    assert_eq!(
        (job.rows_read, job.rows_imported, job.rows_rejected),
        (0, 0, 0)
    );

    let held: Vec<(String, String)> =
        sqlx::query("SELECT incident_number, place_id FROM incidents ORDER BY incident_number")
            .fetch_all(&pool)
            .await
            .expect("incidents")
            .iter()
            .map(|r| (r.get("incident_number"), r.get("place_id")))
            .collect();
    let (cells, recounted) = cells_and_recount(&pool).await;
    pool.close().await;
    assert_eq!(
        held,
        [
            ("K-1".into(), "myton".into()),
            ("K-2".into(), "myton".into()),
            ("K-3".into(), "myton".into()),
        ]
    );
    assert_eq!(cells, cells_before);
    assert_eq!(cells, recounted);
}
