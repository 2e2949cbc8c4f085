//! The portal over HTTP, without a browser: sessions and their cookies, the
//! same-origin guard, and the "service unavailable" page that recovers by
//! itself when the service returns.

use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_platform::identity::{Keyring, PORTAL};
use eip_platform::service::{Service, launch};
use eip_referrals::Referrals;
use eip_test_support::{RunningService, TestDb, free_port, keys};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, ORIGIN, SET_COOKIE};

struct Portal {
    service: RunningService,
    http: reqwest::Client,
    db: TestDb,
}

/// The portal alone, with demo accounts, its services wherever `urls` say.
async fn portal(keys: &Keyring, adjust: impl FnOnce(&mut eip_portal::Config)) -> Portal {
    let db = TestDb::sqlite();
    let mut config = eip_portal::Config {
        database_url: db.url.clone(),
        demo: true,
        ..Default::default()
    };
    config.sessions.secure_cookie = false;
    adjust(&mut config);
    let keys = keys.part(PORTAL);
    let service = RunningService::start(|listener, shutdown| {
        eip_portal::launch(config, keys, listener, shutdown)
    })
    .await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Portal { service, http, db }
}

/// The `name=value` part and the attributes of a response's session cookie.
fn session_cookie(res: &reqwest::Response) -> Option<(String, String)> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("eip_session="))
        .map(|c| {
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            (pair.trim().to_owned(), attrs.to_owned())
        })
}

impl Portal {
    /// Changes accounts directly in the portal's database, as an
    /// administrator's change would.
    async fn accounts(&self, sql: &str) {
        let db = eip_platform::db::Db::connect(&self.db.url, &eip_portal::migrations())
            .await
            .expect("the portal's database");
        sqlx::query(sql).execute(db.pool()).await.expect("changed");
        db.close().await;
    }

    async fn sign_in_as(&self, username: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/sign-in",
            None,
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// The sign-in page as `cookie` sees it: the message of a refusal.
    async fn sign_in_page(&self, cookie: Option<&str>) -> String {
        self.get("/sign-in", cookie)
            .await
            .text()
            .await
            .expect("page")
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base)
    }

    async fn post_form(
        &self,
        path: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self.http.post(self.url(path)).form(form);
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.expect("request")
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(self.url(path));
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.expect("request")
    }

    /// Signs in and returns the session cookie.
    async fn sign_in(&self, username: &str) -> String {
        let res = self
            .post_form(
                "/sign-in",
                None,
                &[("username", username), ("password", "demo-password")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[LOCATION], "/");
        session_cookie(&res).expect("a session cookie").0
    }
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_sets_a_strict_http_only_cookie() {
    let p = portal(&keys(), |_| {}).await;
    // A failed attempt starts a session (to keep the typed username).
    let failed = p
        .post_form(
            "/sign-in",
            None,
            &[("username", "frontline.hull"), ("password", "wrong")],
        )
        .await;
    assert_eq!(failed.headers()[LOCATION], "/sign-in");
    let (before, _) = session_cookie(&failed).expect("a session for the failed attempt");
    let page = p
        .get("/sign-in", Some(&before))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("sign-in-error"), "the failure is shown");
    assert!(
        page.contains("value=\"frontline.hull\""),
        "the username is kept"
    );

    let res = p
        .post_form(
            "/sign-in",
            Some(&before),
            &[
                ("username", "frontline.hull"),
                ("password", "demo-password"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/");
    let (after, attrs) = session_cookie(&res).expect("a new session cookie");
    assert_ne!(after, before, "the session id changes at sign-in");
    assert!(after.starts_with("eip_session="), "{after}");
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attrs.contains(attr), "{attr} missing from {attrs}");
    }
    assert!(
        !attrs.contains("Secure"),
        "plain-http local runs need no Secure flag"
    );

    let home = p.get("/", Some(&after)).await;
    assert_eq!(home.status(), StatusCode::OK);
    assert!(
        home.text()
            .await
            .expect("page")
            .contains("data-role=\"frontline\"")
    );
    // The id from before sign-in grants nothing.
    let old = p.get("/", Some(&before)).await;
    assert_eq!(old.headers()[LOCATION], "/sign-in");
}

#[tokio::test]
async fn secure_cookies_carry_the_host_prefix() {
    let p = portal(&keys(), |c| c.sessions.secure_cookie = true).await;
    let res = p
        .post_form(
            "/sign-in",
            None,
            &[("username", "board"), ("password", "demo-password")],
        )
        .await;
    let (pair, attrs) = session_cookie(&res).expect("cookie");
    assert!(pair.starts_with("__Host-eip_session="), "{pair}");
    assert!(attrs.contains("Secure"), "{attrs}");
    assert!(!attrs.contains("Domain"), "{attrs}");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let p = portal(&keys(), |_| {}).await;
    let cookie = p.sign_in("board").await;
    assert_eq!(p.get("/", Some(&cookie)).await.status(), StatusCode::OK);
    let out = p.post_form("/sign-out", Some(&cookie), &[]).await;
    assert_eq!(out.headers()[LOCATION], "/sign-in");
    assert_eq!(
        p.get("/", Some(&cookie)).await.headers()[LOCATION],
        "/sign-in"
    );
}

#[tokio::test]
async fn sessions_end_at_their_absolute_lifetime() {
    let p = portal(&keys(), |c| c.sessions.absolute_hours = 0).await;
    let cookie = p.sign_in("board").await;
    assert_eq!(
        p.get("/", Some(&cookie)).await.headers()[LOCATION],
        "/sign-in"
    );
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_are_refused_alike() {
    let p = portal(&keys(), |_| {}).await;
    for (user, password) in [("nobody", "demo-password"), ("board", "nope"), ("", "")] {
        let res = p
            .post_form(
                "/sign-in",
                None,
                &[("username", user), ("password", password)],
            )
            .await;
        assert_eq!(res.headers()[LOCATION], "/sign-in", "{user}");
        let cookie = session_cookie(&res).map(|c| c.0);
        let home = p.get("/", cookie.as_deref()).await;
        assert_eq!(
            home.headers()[LOCATION],
            "/sign-in",
            "{user} is not signed in"
        );
    }
}

/// Nothing about a user is trusted from the session but their id: a role
/// change shows at the next request, and a disabled account's session ends
/// there and then, for good.
#[tokio::test]
async fn accounts_are_read_afresh_on_every_request() {
    let p = portal(&keys(), |_| {}).await;
    let cookie = p.sign_in("board").await;
    let home = p.get("/", Some(&cookie)).await.text().await.expect("page");
    assert!(
        home.contains("href=\"/governance\""),
        "a board member's links"
    );
    assert!(!home.contains("href=\"/training\""));

    p.accounts("UPDATE users SET roles = 'trainer' WHERE username = 'board'")
        .await;
    let home = p.get("/", Some(&cookie)).await.text().await.expect("page");
    assert!(home.contains("href=\"/training\""), "the new role, at once");
    assert!(!home.contains("href=\"/governance\""), "the old role, gone");

    p.accounts("UPDATE users SET disabled_at = '2026-12-02T10:00:00Z' WHERE username = 'board'")
        .await;
    assert_eq!(
        p.get("/", Some(&cookie)).await.headers()[LOCATION],
        "/sign-in",
        "disabled: signed out at the next request"
    );
    let refused = p.sign_in_as("board", "demo-password").await;
    let refused_cookie = session_cookie(&refused).map(|c| c.0);
    assert!(
        p.sign_in_page(refused_cookie.as_deref())
            .await
            .contains("The username or password is not right."),
        "a disabled account is refused like an unknown one"
    );
    p.accounts("UPDATE users SET disabled_at = NULL WHERE username = 'board'")
        .await;
    assert_eq!(
        p.get("/", Some(&cookie)).await.headers()[LOCATION],
        "/sign-in",
        "the ended session stays ended"
    );
}

/// The page with every per-response value blanked: script nonces (which
/// Leptos also writes into `crossorigin`).
fn without_nonces(page: &str) -> String {
    let mut page = page.to_owned();
    for attribute in ["nonce=\"", "crossorigin=\""] {
        let mut out = String::new();
        let mut rest = page.as_str();
        while let Some(at) = rest.find(attribute) {
            let (before, after) = rest.split_at(at + attribute.len());
            out.push_str(before);
            rest = after.find('"').map_or("", |end| &after[end..]);
        }
        out.push_str(rest);
        page = out;
    }
    page
}

/// A guessing run gets nowhere: past the threshold even the right password
/// is held back until the delay passes, and an unknown username is
/// answered exactly alike.
#[tokio::test]
async fn repeated_failures_hold_sign_in_back_for_known_and_unknown_users_alike() {
    let p = portal(&keys(), |c| {
        c.sign_in.account_failures = 3;
        c.sign_in.first_delay_seconds = 1;
    })
    .await;
    let mut answers = Vec::new();
    for user in ["admin", "nobody.at.all"] {
        for _ in 0..4 {
            let res = p.sign_in_as(user, "wrong-password").await;
            assert_eq!(res.headers()[LOCATION], "/sign-in");
        }
        let res = p.sign_in_as(user, "demo-password").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[LOCATION], "/sign-in", "{user}: held back");
        let cookie = session_cookie(&res).map(|c| c.0);
        let page = p.sign_in_page(cookie.as_deref()).await;
        assert!(page.contains("Too many attempts"), "{user}");
        answers.push(without_nonces(&page.replace(user, "USER")));
    }
    assert_eq!(answers[0], answers[1], "the answers tell nothing apart");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let res = p.sign_in_as("admin", "demo-password").await;
    assert_eq!(res.headers()[LOCATION], "/", "after the delay, in");
}

#[tokio::test]
async fn state_changing_requests_from_another_origin_are_refused() {
    let p = portal(&keys(), |_| {}).await;
    let res = p
        .http
        .post(p.url("/sign-in"))
        .header(ORIGIN, "http://evil.example")
        .form(&[("username", "board"), ("password", "demo-password")])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&res).is_none(), "nothing was signed in");
    let same = p
        .http
        .post(p.url("/sign-in"))
        .header(ORIGIN, p.service.base.clone())
        .form(&[("username", "board"), ("password", "demo-password")])
        .send()
        .await
        .expect("request");
    assert_eq!(same.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signed_out_pages_redirect_and_unknown_pages_are_404() {
    let p = portal(&keys(), |_| {}).await;
    for path in ["/", "/referrals", "/referrals/new", "/reports"] {
        assert_eq!(
            p.get(path, None).await.headers()[LOCATION],
            "/sign-in",
            "{path}"
        );
    }
    let cookie = p.sign_in("board").await;
    assert_eq!(
        p.get("/no-such-page", Some(&cookie)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(p.get("/health/live", None).await.status(), StatusCode::OK);
}

/// With the referrals service down, pages say so (503) and the form keeps
/// what was typed; once it is back, the same pages work without a restart.
#[tokio::test]
async fn an_unavailable_service_is_shown_and_recovered_from() {
    let keys = keys();
    let referrals_addr = format!("127.0.0.1:{}", free_port());
    let p = portal(&keys, |c| {
        c.services.referrals = format!("http://{referrals_addr}");
    })
    .await;
    let cookie = p.sign_in("frontline.hull").await;

    let down = p.get("/referrals", Some(&cookie)).await;
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        down.text()
            .await
            .expect("page")
            .contains("id=\"unavailable\"")
    );

    let posted = p
        .post_form(
            "/referrals/new",
            Some(&cookie),
            &[
                ("child_name", "Kept Name"),
                ("date_of_birth", "2016-05-01"),
                ("area_id", "hull"),
                ("reason", "Kept reason"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(posted.headers()[LOCATION], "/referrals/new");
    let form = p
        .get("/referrals/new", Some(&cookie))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        form.contains("not answering"),
        "the form says the service is down"
    );
    assert!(
        form.contains("value=\"Kept Name\""),
        "typed values are kept"
    );

    let db = TestDb::sqlite();
    let mut config = Referrals::default_config();
    config.service.database_url = db.url.clone();
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let referrals = RunningService::start_on(&referrals_addr, |listener, shutdown| {
        launch::<Referrals>(config, shared, listener, shutdown)
    })
    .await;
    let up = p.get("/referrals", Some(&cookie)).await;
    assert_eq!(up.status(), StatusCode::OK);
    assert!(up.text().await.expect("page").contains("id=\"referrals\""));
    let _ = referrals.stop().await;
}

/// The referrals service with its demo data, on a database of its own.
async fn demo_referrals(keys: &Keyring) -> (TestDb, RunningService) {
    let db = TestDb::sqlite();
    let mut config = Referrals::default_config();
    config.service.database_url = db.url.clone();
    config.service.demo = true;
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: keys.clone(),
    };
    let referrals = RunningService::start(|listener, shutdown| {
        launch::<Referrals>(config, shared, listener, shutdown)
    })
    .await;
    (db, referrals)
}

/// An administrator reviews a due record on the retention page and disposes
/// of it; it leaves the list.
#[tokio::test]
async fn an_administrator_disposes_of_a_due_record_from_the_retention_page() {
    let keys = keys();
    let (db, referrals) = demo_referrals(&keys).await;
    // One demo record falls due.
    let store =
        eip_platform::db::Db::connect(&db.url, &eip_platform::service::schema::<Referrals>())
            .await
            .expect("db");
    let id: String = sqlx::query_scalar("SELECT id FROM referrals ORDER BY id LIMIT 1")
        .fetch_one(store.pool())
        .await
        .expect("a demo referral");
    sqlx::query("UPDATE referrals SET review_on = '2020-01-01' WHERE id = $1")
        .bind(&id)
        .execute(store.pool())
        .await
        .expect("backdate");
    store.close().await;

    let p = portal(&keys, |c| c.services.referrals = referrals.base.clone()).await;
    let cookie = p.sign_in("admin").await;
    let page = p
        .get("/retention", Some(&cookie))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains(&format!("data-referral=\"{id}\"")),
        "the due record is listed"
    );

    let refused = p
        .post_form(
            &format!("/retention/{id}"),
            Some(&cookie),
            &[("decision", "retain"), ("reason", "Sibling case open")],
        )
        .await;
    assert_eq!(refused.headers()[LOCATION], "/retention");
    let page = p
        .get("/retention", Some(&cookie))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("id=\"action-error\""),
        "a retain without a date is refused"
    );

    p.post_form(
        &format!("/retention/{id}"),
        Some(&cookie),
        &[
            ("decision", "dispose"),
            ("reason", "No continuing policing purpose"),
        ],
    )
    .await;
    let page = p
        .get("/retention", Some(&cookie))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("id=\"flash\""), "the decision is confirmed");
    assert!(
        !page.contains(&format!("data-referral=\"{id}\"")),
        "it is no longer due"
    );

    // Other roles cannot use the page.
    let officer = p.sign_in("frontline.hull").await;
    let res = p.get("/retention", Some(&officer)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let _ = referrals.stop().await;
}

/// The data protection officer asks who has seen a record and gets one page
/// naming each access; a partner's inbox view is on it. Nobody else may ask.
#[tokio::test]
async fn the_data_protection_officer_sees_who_has_seen_a_record() {
    let keys = keys();
    let (db, referrals) = demo_referrals(&keys).await;
    let store =
        eip_platform::db::Db::connect(&db.url, &eip_platform::service::schema::<Referrals>())
            .await
            .expect("db");
    let id: String =
        sqlx::query_scalar("SELECT id FROM referrals WHERE status = 'shared' ORDER BY id LIMIT 1")
            .fetch_one(store.pool())
            .await
            .expect("a shared demo referral");
    store.close().await;

    let p = portal(&keys, |c| c.services.referrals = referrals.base.clone()).await;
    let partner = p.sign_in("partner.cfs").await;
    assert_eq!(
        p.get("/worklist", Some(&partner)).await.status(),
        StatusCode::OK
    );

    let dpo = p.sign_in("dpo").await;
    let page = p
        .get(&format!("/access-report?referral={id}"), Some(&dpo))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("id=\"access-entries\""), "{page}");
    assert!(page.contains("Services Worker"), "the partner is named");
    assert!(
        page.contains("Agency inbox"),
        "with the reason for the list"
    );
    assert!(page.contains("Intact"), "the chain is checked");
    let unknown = p
        .get("/access-report?referral=0000-0000", Some(&dpo))
        .await
        .text()
        .await
        .expect("page");
    assert!(unknown.contains("No referral has that reference"));

    let officer = p.sign_in("frontline.hull").await;
    let res = p
        .get(&format!("/access-report?referral={id}"), Some(&officer))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let _ = referrals.stop().await;
}

/// A coordinator merges two person records from the person's page and an
/// administrator, who opens no person page, undoes it by its reference;
/// the pages show each outcome.
#[tokio::test]
async fn duplicates_are_merged_and_unmerged_from_the_person_page() {
    let keys = keys();
    let (db, referrals) = demo_referrals(&keys).await;
    let store =
        eip_platform::db::Db::connect(&db.url, &eip_platform::service::schema::<Referrals>())
            .await
            .expect("db");
    let people: Vec<String> =
        sqlx::query_scalar("SELECT id FROM people WHERE area_id = 'hull' ORDER BY id LIMIT 2")
            .fetch_all(store.pool())
            .await
            .expect("demo people");
    store.close().await;
    let (kept, dup) = (&people[0], &people[1]);

    let p = portal(&keys, |c| c.services.referrals = referrals.base.clone()).await;
    let coordinator = p.sign_in("coordinator.hull").await;
    let page = p
        .get(&format!("/people/{kept}"), Some(&coordinator))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("id=\"merge-form\""), "coordinators may merge");
    let res = p
        .post_form(
            &format!("/people/{kept}/merge"),
            Some(&coordinator),
            &[
                ("duplicate_id", dup),
                ("reason", "Same child, school confirmed"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], format!("/people/{kept}").as_str());
    let page = p
        .get(&format!("/people/{kept}"), Some(&coordinator))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("id=\"flash\""), "{page}");
    assert!(page.contains("id=\"merges\""));

    // Administrators open no person page: they undo a merge by the
    // reference the coordinator reads from it.
    let admin = p.sign_in("admin").await;
    let refused = p.get(&format!("/people/{kept}"), Some(&admin)).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let text = refused.text().await.expect("page");
    assert!(
        text.contains("id=\"denied\"") && text.contains("no casework"),
        "{text}"
    );
    let start = page
        .find("class=\"merge-ref\">")
        .expect("a merge reference")
        + 18;
    let merge_id = page[start..]
        .split('<')
        .next()
        .expect("reference")
        .to_owned();
    let res = p
        .post_form(
            "/admin/merges/undo",
            Some(&admin),
            &[("merge_id", &merge_id), ("reason", "Twins, not one child")],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], "/admin/sharing");
    let page = p
        .get("/admin/sharing", Some(&admin))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Merge undone"), "{page}");
    let page = p
        .get(&format!("/people/{kept}"), Some(&coordinator))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("(undone"), "{page}");
    let officer = p.sign_in("frontline.hull").await;
    let res = p
        .post_form(
            &format!("/people/{dup}/reason"),
            Some(&officer),
            &[("reason", "Checking the records were split")],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], format!("/people/{dup}").as_str());
    let page = p
        .get(&format!("/people/{dup}"), Some(&officer))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("id=\"person-name\""), "{page}");
    assert!(
        !page.contains("id=\"merged-into\""),
        "the duplicate stands alone again"
    );
    assert!(!page.contains("id=\"merge-form\""), "officers do not merge");
    let _ = referrals.stop().await;
}

/// The demo referrals database, read directly for ids no page lists.
async fn referrals_store(db: &TestDb) -> eip_platform::db::Db {
    eip_platform::db::Db::connect(&db.url, &eip_platform::service::schema::<Referrals>())
        .await
        .expect("db")
}

/// A demo referral shared with Children's & Family Services.
async fn shared_with_the_partner(store: &eip_platform::db::Db) -> String {
    sqlx::query_scalar(
        "SELECT id FROM referrals WHERE status = 'shared' AND agency_id = 'childrens-family-services' ORDER BY id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .expect("a referral shared with the partner")
}

/// A reason for viewing is posted, kept in the session and sent to the
/// service in a header: it is never in a URL — not in the form's action,
/// not in the redirect, not in any link on the page — and it reaches the
/// access log. A reason typed into the URL by hand is not used.
#[tokio::test]
async fn a_reason_for_viewing_never_enters_a_url() {
    let keys = keys();
    let (db, referrals) = demo_referrals(&keys).await;
    let store = referrals_store(&db).await;
    let id = shared_with_the_partner(&store).await;
    let person: String =
        sqlx::query_scalar("SELECT id FROM people WHERE area_id = 'hull' ORDER BY id LIMIT 1")
            .fetch_one(store.pool())
            .await
            .expect("a demo person");
    store.close().await;
    let p = portal(&keys, |c| c.services.referrals = referrals.base.clone()).await;
    let no_reason_in = |what: &str, text: &str| {
        assert!(!text.contains("reason="), "{what}: {text}");
        assert!(!text.contains("Assessing+the"), "{what}: {text}");
        assert!(!text.contains("Assessing%20the"), "{what}: {text}");
    };

    for (who, page, reason) in [
        (
            "partner.cfs",
            format!("/referrals/{id}"),
            "Assessing the referral",
        ),
        (
            "frontline.hull",
            format!("/people/{person}"),
            "Assessing the family",
        ),
    ] {
        let cookie = p.sign_in(who).await;
        // A reason in the URL is not used: the page still asks.
        let asked = p
            .get(&format!("{page}?reason=Typed+by+hand"), Some(&cookie))
            .await
            .text()
            .await
            .expect("page");
        assert!(asked.contains("id=\"view-reason-form\""), "{who}: {asked}");
        let asked = p
            .get(&page, Some(&cookie))
            .await
            .text()
            .await
            .expect("page");
        assert!(
            asked.contains(&format!("method=\"post\" action=\"{page}/reason\"")),
            "{who}: the reason form posts: {asked}"
        );
        let res = p
            .post_form(
                &format!("{page}/reason"),
                Some(&cookie),
                &[("reason", reason)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()[LOCATION], page.as_str(), "{who}");
        let shown = p.get(&page, Some(&cookie)).await;
        assert_eq!(shown.status(), StatusCode::OK, "{who}");
        let shown = shown.text().await.expect("page");
        assert!(!shown.contains("id=\"view-reason-form\""), "{who}: {shown}");
        no_reason_in(who, &shown);
    }

    // The reasons reached the access log.
    let dpo = p.sign_in("dpo").await;
    let report = p
        .get(&format!("/access-report?referral={id}"), Some(&dpo))
        .await
        .text()
        .await
        .expect("page");
    assert!(report.contains("Assessing the referral"), "{report}");
    let _ = referrals.stop().await;
}

/// A coordinator withdraws a share from the referral's page (the family
/// withdrew consent): the agency can no longer open the referral, and is
/// told it is not found.
#[tokio::test]
async fn a_coordinator_withdraws_a_share_and_the_agency_loses_the_referral() {
    let keys = keys();
    let (db, referrals) = demo_referrals(&keys).await;
    let store = referrals_store(&db).await;
    let id = shared_with_the_partner(&store).await;
    store.close().await;
    let p = portal(&keys, |c| c.services.referrals = referrals.base.clone()).await;
    let page = format!("/referrals/{id}");
    let partner = p.sign_in("partner.cfs").await;
    p.post_form(
        &format!("{page}/reason"),
        Some(&partner),
        &[("reason", "Assessing")],
    )
    .await;
    assert_eq!(p.get(&page, Some(&partner)).await.status(), StatusCode::OK);

    let coordinator = p.sign_in("coordinator.hull").await;
    let shown = p
        .get(&page, Some(&coordinator))
        .await
        .text()
        .await
        .expect("page");
    assert!(shown.contains("id=\"withdraw-share-form\""), "{shown}");
    let action = format!("{page}/share/withdrawal");
    let refused = p
        .post_form(&action, Some(&coordinator), &[("note", "")])
        .await;
    assert_eq!(refused.headers()[LOCATION], page.as_str());
    let shown = p
        .get(&page, Some(&coordinator))
        .await
        .text()
        .await
        .expect("page");
    assert!(shown.contains("id=\"withdraw-share-why-error\""), "{shown}");
    let res = p
        .post_form(
            &action,
            Some(&coordinator),
            &[
                ("why", "consent_withdrawn"),
                ("note", "Mother called the hub"),
            ],
        )
        .await;
    assert_eq!(res.headers()[LOCATION], page.as_str());
    let shown = p
        .get(&page, Some(&coordinator))
        .await
        .text()
        .await
        .expect("page");
    assert!(shown.contains("id=\"share-withdrawn\""), "{shown}");
    assert!(!shown.contains("id=\"withdraw-share-form\""), "{shown}");

    let gone = p.get(&page, Some(&partner)).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let list = p
        .get("/referrals", Some(&partner))
        .await
        .text()
        .await
        .expect("list");
    assert!(!list.contains(&id), "{list}");
    let _ = referrals.stop().await;
}
