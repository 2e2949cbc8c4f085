//! The engagement pages through the portal, without a browser: a place
//! profile over the demo demand data, and the engagement log form's
//! refusal and success without JavaScript, the priority board, a case
//! refused closing before its assessment, and the partner directory with
//! a stale entry marked reviewed, and a case opened from the hidden-demand
//! worklist.

use eip_engagement::Engagement;
use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::service::{Service, launch};
use eip_test_support::{RunningService, TestDb, keys};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

struct Stack {
    keys: eip_platform::identity::Keyring,
    portal: RunningService,
    engagement: RunningService,
    http: reqwest::Client,
    _dbs: (TestDb, TestDb),
}

impl Stack {
    async fn start() -> Self {
        let keys = keys();
        let eng_db = TestDb::sqlite();
        let mut config = Engagement::default_config();
        config.service.database_url = eng_db.url.clone();
        config.service.demo = true;
        let shared = Shared {
            bus: Bus::InProcess(InProcessBus::default()),
            keys: keys.clone(),
        };
        let engagement = RunningService::start(|listener, shutdown| {
            launch::<Engagement>(config, shared, listener, shutdown)
        })
        .await;
        let portal_db = TestDb::sqlite();
        let mut pc = eip_portal::Config {
            database_url: portal_db.url.clone(),
            demo: true,
            ..Default::default()
        };
        pc.sessions.secure_cookie = false;
        pc.services.engagement = engagement.base.clone();
        let portal = RunningService::start(|listener, shutdown| {
            eip_portal::launch(
                pc,
                keys.part(eip_platform::identity::PORTAL),
                listener,
                shutdown,
            )
        })
        .await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Stack {
            keys,
            portal,
            engagement,
            http,
            _dbs: (eng_db, portal_db),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.portal.base)
    }

    async fn sign_in(&self, username: &str) -> String {
        let res = self
            .http
            .post(self.url("/sign-in"))
            .form(&[("username", username), ("password", "demo-password")])
            .send()
            .await
            .expect("request");
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

    async fn page(&self, path: &str, cookie: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(self.url(path))
            .header(COOKIE, cookie)
            .send()
            .await
            .expect("request");
        (res.status(), res.text().await.expect("page"))
    }

    async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .header(COOKIE, cookie)
            .form(form)
            .send()
            .await
            .expect("request")
    }

    async fn stop(self) {
        let _ = self.portal.stop().await;
        let _ = self.engagement.stop().await;
    }
}

#[tokio::test]
async fn a_priority_ward_profile_shows_demand_and_concentration() {
    let s = Stack::start().await;
    let analyst = s.sign_in("analyst").await;
    let (status, places) = s.page("/places", &analyst).await;
    assert_eq!(status, StatusCode::OK);
    assert!(places.contains("(demo data)"), "demo wards are labelled");
    assert!(places.contains("Ward (priority area)"));

    let (status, profile) = s.page("/places/myton", &analyst).await;
    assert_eq!(status, StatusCode::OK);
    assert!(profile.contains("Priority ward in Hull"));
    assert!(
        profile.contains("id=\"demand-chart\""),
        "an inline SVG chart"
    );
    assert!(profile.contains("id=\"demand-table\""));
    assert!(profile.contains("id=\"top-versus-bottom\""), "{profile}");
    assert!(profile.contains("The top 3 wards account for more calls"));
    // The hub in the ward, and the partners covering it or all of Hull.
    assert!(profile.contains("Myton Early Intervention Hub (demo)"));
    assert!(profile.contains("id=\"partners\""), "{profile}");
    for service in ["Myton youth club", "Early help family support"] {
        assert!(profile.contains(service), "{service}");
    }
    assert!(
        !profile.contains("Marsh mentoring"),
        "it serves Grimsby's wards"
    );

    let (status, _) = s.page("/places/atlantis", &analyst).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, imports) = s.page("/imports", &analyst).await;
    assert_eq!(status, StatusCode::OK);
    assert!(imports.contains("id=\"imports\""));
    s.stop().await;
}

#[tokio::test]
async fn the_engagement_form_refuses_with_field_errors_then_logs() {
    let s = Stack::start().await;
    let officer = s.sign_in("frontline.hull").await;
    let (status, form) = s.page("/engagement/new", &officer).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("id=\"engagement-form\""));
    assert!(form.contains("<label for=\"attendance\""));

    let res = s
        .post(
            "/engagement/new",
            &officer,
            &[
                ("kind", "youth_session"),
                ("place_id", "myton"),
                ("held_on", "2999-01-01"),
                ("attendance", "12"),
                ("issues_raised", "Nowhere to go\n"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/engagement/new");
    let (_, refused) = s.page("/engagement/new", &officer).await;
    assert!(refused.contains("id=\"error-summary\""));
    assert!(refused.contains("id=\"held_on-error\""), "{refused}");
    assert!(refused.contains("Nowhere to go"), "what was typed is kept");

    let res = s
        .post(
            "/engagement/new",
            &officer,
            &[
                ("kind", "youth_session"),
                ("place_id", "myton"),
                ("held_on", "2026-10-14"),
                ("attendance", "12"),
                ("seldom_heard", "yes"),
                ("groups_reached", "young people\ncare leavers"),
                ("issues_raised", "Nowhere to go"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/places/myton");
    let (_, profile) = s.page("/places/myton", &officer).await;
    assert!(profile.contains("id=\"flash\""));

    // An analyst cannot log engagement.
    let analyst = s.sign_in("analyst").await;
    let (_, denied) = s.page("/engagement/new", &analyst).await;
    assert!(denied.contains("id=\"denied\""));
    assert!(!denied.contains("id=\"engagement-form\""));
    s.stop().await;
}

#[tokio::test]
async fn a_priority_is_refused_with_field_errors_then_agreed() {
    let s = Stack::start().await;
    let coordinator = s.sign_in("coordinator.hull").await;
    let (status, board) = s.page("/priorities", &coordinator).await;
    assert_eq!(status, StatusCode::OK);
    assert!(board.contains("id=\"priority-form\""));
    assert!(board.contains("<label for=\"priority-period\""));

    let res = s
        .post(
            "/priorities",
            &coordinator,
            &[
                ("place_id", "myton"),
                ("period", "soon"),
                ("title", "Speeding on Hessle Road"),
                ("you_said", "Cars race at night"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/priorities");
    let (_, refused) = s.page("/priorities", &coordinator).await;
    assert!(refused.contains("id=\"priority-errors\""), "{refused}");
    assert!(
        refused.contains("id=\"priority-period-error\""),
        "{refused}"
    );
    assert!(
        refused.contains("Speeding on Hessle Road"),
        "what was typed is kept"
    );

    let res = s
        .post(
            "/priorities",
            &coordinator,
            &[
                ("place_id", "myton"),
                ("period", "2026-q4"),
                ("title", "Speeding on Hessle Road"),
                ("you_said", "Cars race at night"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/priorities");
    let (_, board) = s.page("/priorities", &coordinator).await;
    assert!(board.contains("id=\"flash\""));
    assert!(board.contains("2026-Q4"), "{board}");
    assert!(!board.contains("id=\"priority-errors\""));
    s.stop().await;
}

#[tokio::test]
async fn a_case_cannot_close_before_its_assessment() {
    let s = Stack::start().await;
    let coordinator = s.sign_in("coordinator.hull").await;
    let res = s
        .post(
            "/cases",
            &coordinator,
            &[
                ("title", "Repeat calls near the shops"),
                ("place_ids", "myton"),
                ("objective", "Fewer repeat calls"),
            ],
        )
        .await;
    let location = res.headers()[LOCATION].to_str().expect("text").to_owned();
    assert!(location.starts_with("/cases/"), "{location}");
    let (status, case) = s.page(&location, &coordinator).await;
    assert_eq!(status, StatusCode::OK);
    assert!(case.contains("id=\"stage-checklist\""));
    assert!(
        case.contains("data-stage=\"assessment\" data-done=\"no\""),
        "{case}"
    );

    let res = s
        .post(&format!("{location}/close"), &coordinator, &[])
        .await;
    assert_eq!(res.headers()[LOCATION], location.as_str());
    let (_, refused) = s.page(&location, &coordinator).await;
    assert!(refused.contains("id=\"close-errors\""), "{refused}");
    assert!(refused.contains("cannot close without its assessment"));
    assert_eq!(case_status(&refused), "Open");

    // A period that ends before it starts is named on its field.
    let assessment = |before_to: &'static str| {
        [
            ("before_from", "2026-01-01"),
            ("before_to", before_to),
            ("after_from", "2026-04-01"),
            ("after_to", "2026-06-30"),
            ("delivered_as_planned", "yes"),
            ("learning", "Joint patrols worked"),
        ]
    };
    s.post(
        &format!("{location}/assessment"),
        &coordinator,
        &assessment("2025-12-01"),
    )
    .await;
    let (_, refused) = s.page(&location, &coordinator).await;
    assert!(
        refused.contains("id=\"assessment-before_to-error\""),
        "{refused}"
    );

    s.post(
        &format!("{location}/assessment"),
        &coordinator,
        &assessment("2026-03-31"),
    )
    .await;
    s.post(&format!("{location}/close"), &coordinator, &[])
        .await;
    let (_, closed) = s.page(&location, &coordinator).await;
    assert_eq!(case_status(&closed), "Closed");
    assert!(closed.contains("id=\"assessment-result\""));
    s.stop().await;
}

/// The text of the case's status element.
fn case_status(page: &str) -> String {
    let at = page.find("id=\"case-status\"").expect("a case status");
    let rest = &page[at..];
    let start = rest.find('>').map_or(0, |i| i + 1);
    let end = rest.find("</strong>").unwrap_or(rest.len());
    rest[start..end].replace("<!>", "").trim().to_owned()
}

#[tokio::test]
async fn partners_read_the_directory() {
    let s = Stack::start().await;
    let partner = s.sign_in("partner.cfs").await;
    let (status, page) = s.page("/directory", &partner).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h1>Partner directory</h1>"), "{page}");
    let board = s.sign_in("board").await;
    let (status, _) = s.page("/directory", &board).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.stop().await;
}

#[tokio::test]
async fn coordinators_mark_a_stale_directory_entry_reviewed() {
    let s = Stack::start().await;
    // One service last assured in 2020: past any review period.
    let client = eip_platform::client::ServiceClient::new(
        s.keys.part(eip_platform::identity::PORTAL),
        "engagement",
        &s.engagement.base,
    );
    let imported: Vec<eip_types::engagement::DirectoryEntry> = client
        .post(
            "/directory/import",
            &eip_test_support::principal(eip_types::Role::Coordinator, &["hull"]),
            &serde_json::json!([{
                "id": "svc-old-club",
                "name": "Old youth club",
                "status": "active",
                "assured_date": "2020-01-01",
                "organization": {"id": "org-old", "name": "Old Club CIC", "legal_status": "Community interest company"}
            }]),
        )
        .await
        .expect("imported");
    assert!(imported.iter().any(|e| e.id == "svc-old-club" && e.stale));

    // Partners read it, and may not mark it reviewed.
    let partner = s.sign_in("partner.cfs").await;
    let (_, page) = s.page("/directory", &partner).await;
    assert!(page.contains("Old youth club") && page.contains("Needs review"));
    assert!(!page.contains("id=\"review-svc-old-club\""), "{page}");
    let res = s
        .post("/directory/svc-old-club/review", &partner, &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = s.page("/directory", &partner).await;
    assert!(
        page.contains("Needs review"),
        "a partner's post changed nothing"
    );

    let coordinator = s.sign_in("coordinator.hull").await;
    let (_, page) = s.page("/directory", &coordinator).await;
    assert!(page.contains("id=\"review-svc-old-club\""), "{page}");
    let res = s
        .post("/directory/svc-old-club/review", &coordinator, &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/directory");
    let (_, page) = s.page("/directory", &coordinator).await;
    assert!(
        page.contains("Old youth club marked reviewed today."),
        "{page}"
    );
    assert!(
        page.contains("data-entry=\"svc-old-club\" data-stale=\"no\""),
        "{page}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_hidden_demand_row_opens_a_case_and_only_one_path() {
    let s = Stack::start().await;
    let coordinator = s.sign_in("coordinator.hull").await;
    // The demo's household with repeated domestic incidents in Myton.
    let household = "a:000000000d0eaaaa";
    let (status, lists) = s.page("/demand", &coordinator).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        lists.contains(&format!(
            "data-ref=\"{household}\" data-rule=\"hidden-domestic-address\""
        )),
        "{lists}"
    );
    assert!(lists.contains("Suggest a referral"));

    let res = s
        .post(
            "/demand/hidden/support",
            &coordinator,
            &[
                ("rule_id", "hidden-domestic-address"),
                ("subject_ref", household),
                ("path", "problem_solving_case"),
            ],
        )
        .await;
    let case = res.headers()[LOCATION]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(case.starts_with("/cases/"), "{case}");
    let (status, page) = s.page(&case, &coordinator).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Case opened"), "{page}");
    assert!(
        page.contains("hidden-domestic-address"),
        "the scanning names the rule"
    );

    // The row has left the worklist; a second path is refused, said plainly.
    let (_, lists) = s.page("/demand", &coordinator).await;
    assert!(!lists.contains(&format!("data-ref=\"{household}\"")));
    let res = s
        .post(
            "/demand/hidden/support",
            &coordinator,
            &[
                ("rule_id", "hidden-domestic-address"),
                ("subject_ref", household),
                ("path", "referral_suggestion"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/demand");
    let (_, lists) = s.page("/demand", &coordinator).await;
    assert!(lists.contains("already open"), "{lists}");
    s.stop().await;
}
