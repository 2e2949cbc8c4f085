//! The training pages over HTTP, without a browser: the skills matrix
//! shows the same coverage as the API, and the register and assessment
//! forms work as plain form posts.

use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::identity::{Keyring, PORTAL};
use eip_platform::service::{Service, launch};
use eip_test_support::{RunningService, TestDb, keys};
use eip_training::Training;
use eip_types::training::{Matrix, Status};
use eip_types::{Principal, Role};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

struct Platform {
    training: RunningService,
    portal: RunningService,
    http: reqwest::Client,
    keys: Keyring,
    _dbs: (TestDb, TestDb),
}

async fn platform() -> Platform {
    let keys = keys();
    let training_db = TestDb::sqlite();
    let mut config = Training::default_config();
    config.service.database_url = training_db.url.clone();
    config.service.demo = true;
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let training = RunningService::start(|listener, shutdown| {
        launch::<Training>(config, shared, listener, shutdown)
    })
    .await;
    let portal_db = TestDb::sqlite();
    let mut config = eip_portal::Config {
        database_url: portal_db.url.clone(),
        demo: true,
        ..Default::default()
    };
    config.sessions.secure_cookie = false;
    config.services.training = training.base.clone();
    let portal_keys = keys.part(PORTAL);
    let portal = RunningService::start(|listener, shutdown| {
        eip_portal::launch(config, portal_keys, listener, shutdown)
    })
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Platform {
        training,
        portal,
        http,
        keys,
        _dbs: (training_db, portal_db),
    }
}

impl Platform {
    async fn sign_in(&self, username: &str) -> String {
        let res = self
            .post(
                "/sign-in",
                None,
                &[("username", username), ("password", "demo-password")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        res.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.contains("eip_session="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_owned()
    }

    async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}{path}", self.portal.base))
            .form(form);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.expect("request")
    }

    async fn page(&self, path: &str, cookie: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.portal.base))
            .header(COOKIE, cookie)
            .send()
            .await
            .expect("request");
        (res.status(), res.text().await.expect("page"))
    }

    async fn api_matrix(&self, query: &str) -> Matrix {
        let trainer = Principal {
            user_id: "api-reader".into(),
            roles: vec![Role::Trainer],
            areas: vec![],
            agency: None,
        };
        self.http
            .get(format!("{}/matrix{query}", self.training.base))
            .bearer_auth(eip_test_support::assertion(
                &self.keys, "training", &trainer,
            ))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("a matrix")
    }

    async fn api_csv(&self, query: &str) -> String {
        let trainer = Principal {
            user_id: "api-reader".into(),
            roles: vec![Role::Trainer],
            areas: vec![],
            agency: None,
        };
        self.http
            .get(format!("{}/coverage.csv{query}", self.training.base))
            .bearer_auth(eip_test_support::assertion(
                &self.keys, "training", &trainer,
            ))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("csv")
    }
}

/// The coverage figure a page shows for a team or area.
fn figure_in(page: &str, scope: &str, id: &str) -> Option<String> {
    let marker = format!("data-scope=\"{scope}\" data-id=\"{id}\"");
    let row = &page[page.find(&marker)?..];
    let row = &row[..row.find("</tr>")?];
    let cell = &row[row.find("class=\"coverage-figure\">")? + "class=\"coverage-figure\">".len()..];
    Some(cell[..cell.find('<')?].to_owned())
}

#[tokio::test]
async fn the_matrix_page_shows_the_coverage_the_api_and_csv_give() {
    let p = platform().await;
    let cookie = p.sign_in("trainer").await;
    let (status, page) = p.page("/training", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"matrix\""), "the matrix is shown");
    assert!(page.contains("status-amber") && page.contains("status-red"));

    let m = p.api_matrix("").await;
    let csv = p.api_csv("").await;
    let overall: Vec<_> = m
        .coverage
        .iter()
        .filter(|c| c.competency_id.is_none())
        .collect();
    assert!(overall.len() >= 6, "teams and areas: {overall:?}");
    for c in overall {
        let shown = figure_in(&page, &c.scope, &c.scope_id);
        assert_eq!(shown.as_deref(), Some(c.display().as_str()), "{c:?}");
        let line = format!(
            "{},{},,{},{},{}\n",
            c.scope,
            c.scope_id,
            c.required,
            c.current,
            c.display()
        );
        assert!(csv.contains(&line), "{line} in {csv}");
    }

    // A filtered page agrees with the filtered API.
    let (_, page) = p.page("/training?team=hull-west-eh", &cookie).await;
    let m = p.api_matrix("?team=hull-west-eh").await;
    let team = m
        .coverage
        .iter()
        .find(|c| c.scope == "team" && c.competency_id.is_none())
        .expect("the team");
    assert_eq!(
        figure_in(&page, "team", "hull-west-eh").as_deref(),
        Some(team.display().as_str())
    );
    assert_eq!(page.matches("data-staff=").count(), m.rows.len());

    // Board members do not see it.
    let board = p.sign_in("board").await;
    let (status, _) = p.page("/training", &board).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_trainer_takes_the_register_and_assesses_without_javascript() {
    let p = platform().await;
    let cookie = p.sign_in("trainer").await;
    let (status, page) = p.page("/training/sessions/demo-session-1", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"register-form\""));
    // demo-staff-06 was never trained in restorative practice.
    let before = p.api_matrix("").await;
    let cell = |m: &Matrix| {
        m.rows
            .iter()
            .find(|r| r.staff_id == "demo-staff-06")
            .map(|r| r.cells[0].status)
    };
    assert_eq!(
        cell(&before).map(|s| s.as_str()),
        Some("grey"),
        "starts not held"
    );

    let res = p
        .post(
            "/training/sessions/demo-session-1/register",
            Some(&cookie),
            &[
                ("att-demo-staff-06", "attended"),
                ("att-demo-staff-08", "no_show"),
                ("att-demo-staff-09", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/training/sessions/demo-session-1");
    let (_, page) = p.page("/training/sessions/demo-session-1", &cookie).await;
    assert!(page.contains("id=\"flash\""), "saved");
    assert!(page.contains("data-staff=\"demo-staff-06\" data-attended=\"true\""));
    assert_eq!(
        cell(&p.api_matrix("").await).map(|s| s.as_str()),
        Some("green")
    );

    // Marking someone twice is refused with an error summary.
    p.post(
        "/training/sessions/demo-session-1/register",
        Some(&cookie),
        &[("att-demo-staff-06", "attended")],
    )
    .await;
    let (_, page) = p.page("/training/sessions/demo-session-1", &cookie).await;
    assert!(page.contains("id=\"error-summary\""), "refused");
    assert!(page.contains("Already on this session"), "says why");

    // An assessment from the person's record.
    let res = p
        .post(
            "/training/staff/demo-staff-08/assess",
            Some(&cookie),
            &[
                ("competency_id", "restorative-practice"),
                ("assessed_on", "2020-01-01"),
                ("outcome", "competent"),
                ("level", "foundation"),
                ("standards_met", "1.1"),
                ("notes", "Observed a calm, balanced conference."),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/training/staff/demo-staff-08");
    let (status, page) = p.page("/training/staff/demo-staff-08", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"flash\""), "recorded");
    assert!(page.contains("id=\"assessment-form\""));
    // A bad date keeps what was typed and names the field.
    p.post(
        "/training/staff/demo-staff-08/assess",
        Some(&cookie),
        &[
            ("competency_id", "restorative-practice"),
            ("assessed_on", "not a date"),
            ("outcome", "competent"),
            ("notes", "Kept notes"),
        ],
    )
    .await;
    let (_, page) = p.page("/training/staff/demo-staff-08", &cookie).await;
    assert!(page.contains("id=\"assessed_on-error\""));
    assert!(page.contains("Kept notes"));

    // A frontline officer cannot take a register.
    let officer = p.sign_in("frontline.hull").await;
    p.post(
        "/training/sessions/demo-session-1/register",
        Some(&officer),
        &[("att-demo-staff-10", "attended")],
    )
    .await;
    let (status, _) = p.page("/training/sessions/demo-session-1", &officer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_matrix_downloads_as_csv_and_the_renewal_list_prints() {
    let p = platform().await;
    let cookie = p.sign_in("trainer").await;
    // The download is the service's CSV, with the page's filters.
    let res = p
        .http
        .get(format!(
            "{}/training/matrix.csv?team=hull-north-eh",
            p.portal.base
        ))
        .header(COOKIE, &cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let csv = res.text().await.expect("csv");
    let trainer = Principal {
        user_id: "api-reader".into(),
        roles: vec![Role::Trainer],
        areas: vec![],
        agency: None,
    };
    let direct = p
        .http
        .get(format!("{}/matrix.csv?team=hull-north-eh", p.training.base))
        .bearer_auth(eip_test_support::assertion(&p.keys, "training", &trainer))
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("csv");
    assert_eq!(csv, direct);
    assert!(csv.lines().count() > 2, "{csv}");

    // Who is due a refresher: the amber and red cells of the team, counted.
    let m = p.api_matrix("?team=hull-north-eh").await;
    let due = m
        .rows
        .iter()
        .flat_map(|r| &r.cells)
        .filter(|c| matches!(c.status, Status::Amber | Status::Red))
        .count();
    assert!(due > 0);
    let (status, html) = p
        .page("/training/renewals?team=hull-north-eh", &cookie)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Due a refresher"), "{html}");
    let shown: String = html
        .split("id=\"renewals-count\">")
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert_eq!(shown, due.to_string(), "{html}");
    assert!(html.contains("data-team=\"hull-north-eh\""), "{html}");
    // The trainer's own lapsed competency is reminded on the matrix page.
    let (_, matrix) = p.page("/training", &cookie).await;
    assert!(matrix.contains("data-stage=\"lapsed\""), "{matrix}");
    // Signed out: to the sign-in page, never the file.
    let res = p
        .http
        .get(format!("{}/training/matrix.csv", p.portal.base))
        .send()
        .await
        .expect("request");
    assert_ne!(res.status(), StatusCode::OK);
}
