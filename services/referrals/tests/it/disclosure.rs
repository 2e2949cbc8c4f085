//! Least disclosure: a partner sees only what was shared with their agency,
//! wherever the referral appears, and only while the share stands;
//! administrators see no child; person pages need a reason; a reason for
//! viewing never travels in a URL.

use crate::helpers::{TestApp, admin, get_with_reason, share, spawn_app};
use crate::lifecycle::{ok_step, raise};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::audit::AccessReport;
use eip_types::person::PersonDetail;
use eip_types::referral::{Referral, SharingAgreement};
use eip_types::{Principal, Role};
use serde_json::{Value, json};

const CFS: &str = "childrens-family-services";

fn cfs_worker() -> Principal {
    principal(Role::Partner, &["hull"])
}

/// A referral with four ACEs screened, triaged, declined by the schools
/// service with a note, then shared with Children's & Family Services
/// disclosing only the reason (no date of birth, no screening).
async fn shared_without_screening(app: &TestApp) -> Referral {
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let res = app
        .post(
            "/referrals",
            &officer,
            &json!({"child_name": "Withheld Child", "date_of_birth": "2013-05-05",
                    "area_id": "hull", "reason": "Seen at a domestic incident",
                    "risk_factors": ["domestic_abuse", "physical_abuse",
                                     "parental_separation", "household_member_in_prison"],
                    "submit": true}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let r: Referral = res.json().await.expect("referral");
    let r = ok_step(
        app,
        &coordinator,
        &r,
        json!({"action": "triage", "priority": "high", "pathway": "early_help"}),
    )
    .await;
    let r = ok_step(app, &coordinator, &r, share("schools")).await;
    let mut school = principal(Role::Partner, &["hull"]);
    school.agency = Some("schools".into());
    let r = ok_step(
        app,
        &school,
        &r,
        json!({"action": "decline", "reason": "Mother told us about the stepfather"}),
    )
    .await;
    let mut body = share(CFS);
    body["fields"] = json!(["reason"]);
    ok_step(app, &coordinator, &r, body).await
}

async fn json(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    res.json().await.expect("json")
}

/// The list line for `id` in `rows`.
fn line<'a>(rows: &'a Value, id: &str) -> Option<&'a Value> {
    rows.as_array()
        .expect("a list")
        .iter()
        .find(|row| row["id"] == id)
}

async fn a_partner_sees_nothing_unshared_in_any_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = shared_without_screening(&app).await;
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let partner = cfs_worker();

    // Lists and the worklist: the ACE count goes with the screening.
    for path in ["/referrals", "/referrals?view=worklist"] {
        let rows = json(app.get(path, &partner).await, 200).await;
        let mine = line(&rows, &r.id).unwrap_or_else(|| panic!("{path}: listed"));
        assert!(mine["ace_count"].is_null(), "{path}: {mine}");
        let police = json(app.get(path, &coordinator).await, 200).await;
        assert_eq!(line(&police, &r.id).expect("listed")["ace_count"], 4);
    }

    // The record itself.
    let seen = json(
        get_with_reason(&app, &format!("/referrals/{}", r.id), &partner, "Assessing").await,
        200,
    )
    .await;
    assert!(seen["date_of_birth"].is_null(), "{seen}");
    assert_eq!(seen["risk_factors"], json!([]));
    assert!(seen["person_id"].is_null(), "{seen}");

    // The timeline: the steps, not the notes typed on them.
    let history = json(
        get_with_reason(
            &app,
            &format!("/referrals/{}/history", r.id),
            &partner,
            "Assessing",
        )
        .await,
        200,
    )
    .await;
    let text = history.to_string();
    assert!(text.contains("decline"), "{text}");
    assert!(!text.contains("stepfather"), "{text}");
    let police = json(
        app.get(&format!("/referrals/{}/history", r.id), &coordinator)
            .await,
        200,
    )
    .await;
    assert!(police.to_string().contains("stepfather"));

    // The answer to a step is the redacted view too.
    let accepted = json(
        app.post(
            &format!("/referrals/{}/transitions", r.id),
            &partner,
            &json!({"version": r.version, "transition": {"action": "accept"}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted["status"], "accepted");
    assert!(accepted["date_of_birth"].is_null(), "{accepted}");
    assert_eq!(accepted["risk_factors"], json!([]));
    assert!(accepted["person_id"].is_null(), "{accepted}");
    assert_eq!(accepted["reason"], "Seen at a domestic incident");
}

/// Everything a partner might ask of a referral, as statuses.
async fn partner_answers(app: &TestApp, r: &Referral, partner: &Principal) -> [u16; 4] {
    let detail = get_with_reason(app, &format!("/referrals/{}", r.id), partner, "Work").await;
    let history = get_with_reason(
        app,
        &format!("/referrals/{}/history", r.id),
        partner,
        "Work",
    )
    .await;
    let step = app
        .post(
            &format!("/referrals/{}/transitions", r.id),
            partner,
            &json!({"version": r.version, "transition": {"action": "start"}}),
        )
        .await;
    let rows = json(app.get("/referrals", partner).await, 200).await;
    let listed = u16::from(line(&rows, &r.id).is_some());
    [
        detail.status().as_u16(),
        history.status().as_u16(),
        step.status().as_u16(),
        listed,
    ]
}

/// A partner who lost access is answered as if the referral did not
/// exist (404, and not listed), so asking tells them nothing.
const GONE: [u16; 4] = [404, 404, 404, 0];

async fn a_declined_referral_leaves_the_agency(backend: Backend) {
    let app = spawn_app(backend).await;
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let officer = principal(Role::Frontline, &["hull"]);
    let r = raise(&app, &officer, true).await;
    let r = ok_step(
        &app,
        &coordinator,
        &r,
        json!({"action": "triage", "priority": "high", "pathway": "early_help"}),
    )
    .await;
    let r = ok_step(&app, &coordinator, &r, share(CFS)).await;
    let partner = cfs_worker();
    let r = ok_step(
        &app,
        &partner,
        &r,
        json!({"action": "decline", "reason": "Not our service"}),
    )
    .await;
    assert_eq!(partner_answers(&app, &r, &partner).await, GONE);
    // The police keep it.
    assert_eq!(
        app.get(&format!("/referrals/{}", r.id), &coordinator)
            .await
            .status(),
        200
    );
}

async fn accepted(app: &TestApp) -> Referral {
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let officer = principal(Role::Frontline, &["hull"]);
    let r = raise(app, &officer, true).await;
    let r = ok_step(
        app,
        &coordinator,
        &r,
        json!({"action": "triage", "priority": "high", "pathway": "early_help"}),
    )
    .await;
    let r = ok_step(app, &coordinator, &r, share(CFS)).await;
    ok_step(app, &cfs_worker(), &r, json!({"action": "accept"})).await
}

async fn access_ends_the_day_the_agreement_lapses(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = accepted(&app).await;
    let partner = cfs_worker();
    assert_eq!(partner_answers(&app, &r, &partner).await[0], 200);
    // The agreement the share relied on ended yesterday.
    let agreement: SharingAgreement = json(app.get("/agreements", &admin()).await, 200)
        .await
        .as_array()
        .expect("agreements")
        .iter()
        .map(|a| serde_json::from_value(a.clone()).expect("agreement"))
        .find(|a: &SharingAgreement| a.agency_id == CFS)
        .expect("the agency's agreement");
    let today = chrono::Utc::now().date_naive();
    let res = app
        .put(
            &format!("/agreements/{}", agreement.id),
            &admin(),
            &json!({"name": agreement.name, "agency_id": CFS,
                    "starts_on": (today - chrono::Days::new(400)).to_string(),
                    "ends_on": (today - chrono::Days::new(1)).to_string()}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(partner_answers(&app, &r, &partner).await, GONE);
}

async fn withdrawing_consent_ends_the_agencys_access(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = accepted(&app).await;
    let partner = cfs_worker();
    let path = format!("/referrals/{}/share/withdrawal", r.id);
    let body = json!({"why": "consent_withdrawn", "note": "Mother called the hub"});
    // Only a coordinator of the area; a bad body is named field by field.
    for who in [
        principal(Role::Frontline, &["hull"]),
        principal(Role::Coordinator, &["east-riding"]),
        partner.clone(),
        admin(),
    ] {
        assert_eq!(app.post(&path, &who, &body).await.status(), 403);
    }
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let bad = json(app.post(&path, &coordinator, &json!({})).await, 422).await;
    assert!(bad.to_string().contains("why") && bad.to_string().contains("note"));
    assert_eq!(partner_answers(&app, &r, &partner).await[0], 200);

    let share = json(app.post(&path, &coordinator, &body).await, 200).await;
    assert_eq!(share["withdrawn"]["why"], "consent_withdrawn");
    assert_eq!(partner_answers(&app, &r, &partner).await, GONE);
    assert_eq!(app.post(&path, &coordinator, &body).await.status(), 409);
    // The police see why; the step is on the timeline and in the log.
    let detail = json(
        app.get(&format!("/referrals/{}", r.id), &coordinator).await,
        200,
    )
    .await;
    assert_eq!(
        detail["share"]["withdrawn"]["note"],
        "Mother called the hub"
    );
    let log = json(
        app.get(&format!("/referrals/{}/access-log", r.id), &admin())
            .await,
        200,
    )
    .await;
    assert!(log.to_string().contains("withdraw_share"), "{log}");
}

async fn administrators_find_no_child_and_open_no_person(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let r = raise(&app, &officer, true).await;
    let person = r.person_id.clone().expect("person");
    let search = json!({"name": "Lifecycle Child"});
    let refused = json(app.post("/people/search", &admin(), &search).await, 403).await;
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("data protection officer")),
        "{refused}"
    );
    let dpo = principal(Role::Dpo, &[]);
    assert_eq!(
        app.post("/people/search", &dpo, &search).await.status(),
        200
    );
    for path in [format!("/people/{person}"), "/people/no-such-person".into()] {
        let res = get_with_reason(&app, &path, &admin(), "Checking a merge").await;
        assert_eq!(res.status(), 403, "{path}");
    }
    // The access report tells them who saw the record, not whose it is.
    let report: AccessReport = json(
        app.get(&format!("/referrals/{}/access-report", r.id), &admin())
            .await,
        200,
    )
    .await
    .pipe(|v| serde_json::from_value(v).expect("report"));
    assert_eq!(report.child_name, "");
    assert_eq!(report.date_of_birth, None);
    let dpo_report: AccessReport = json(
        app.get(&format!("/referrals/{}/access-report", r.id), &dpo)
            .await,
        200,
    )
    .await
    .pipe(|v| serde_json::from_value(v).expect("report"));
    assert_eq!(dpo_report.child_name, "Lifecycle Child");
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl Pipe for Value {}

async fn a_person_page_needs_a_reason_shows_only_what_the_viewer_may_see_and_logs_the_household(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let r = raise(&app, &officer, true).await;
    let person = r.person_id.clone().expect("person");
    // A sibling, linked to the child's record.
    let sister: Referral = json(
        app.post(
            "/referrals",
            &officer,
            &json!({"child_name": "Sister Child", "date_of_birth": "2016-02-02",
                    "area_id": "hull", "reason": "Sibling", "submit": true}),
        )
        .await,
        201,
    )
    .await
    .pipe(|v| serde_json::from_value(v).expect("referral"));
    let sister_person = sister.person_id.clone().expect("person");
    let res = app
        .post(
            &format!("/people/{person}/links"),
            &officer,
            &json!({"related_id": sister_person, "relationship": "sibling"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    // An officer working in both areas raised one in East Riding too.
    let both = principal(Role::Frontline, &["hull", "east-riding"]);
    let far: Value = json(
        app.post(
            "/referrals",
            &both,
            &json!({"child_name": "x", "date_of_birth": "2014-09-09",
                    "area_id": "east-riding", "reason": "Seen in Bridlington",
                    "person_id": person, "submit": true}),
        )
        .await,
        201,
    )
    .await;

    let page = format!("/people/{person}");
    // The raising officer and the area's coordinator need not say why.
    assert_eq!(app.get(&page, &officer).await.status(), 200);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    assert_eq!(app.get(&page, &coordinator).await.status(), 200);
    // A colleague must.
    let colleague = principal(Role::Frontline, &["hull"]);
    let refused = app.get(&page, &colleague).await;
    assert_eq!(refused.status(), 428);
    let detail: PersonDetail = json(
        get_with_reason(&app, &page, &colleague, "Home visit tomorrow").await,
        200,
    )
    .await
    .pipe(|v| serde_json::from_value(v).expect("person"));
    // Only the referrals in their area: not the East Riding one.
    let ids: Vec<&str> = detail.referrals.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [r.id.as_str()]);
    assert!(!ids.contains(&far["id"].as_str().expect("id")));
    assert_eq!(detail.household.len(), 1);

    // The household member shown is in the log, with the reason given.
    let report: AccessReport = json(
        app.get(
            &format!("/referrals/{}/access-report", sister.id),
            &principal(Role::Dpo, &[]),
        )
        .await,
        200,
    )
    .await
    .pipe(|v| serde_json::from_value(v).expect("report"));
    assert!(
        report.entries.iter().any(|e| e.action == "view_household"
            && e.actor == colleague.user_id
            && e.reason == "Home visit tomorrow"),
        "{:?}",
        report.entries
    );
}

async fn a_reason_in_a_url_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let r = raise(&app, &officer, true).await;
    let person = r.person_id.clone().expect("person");
    for path in [
        format!("/referrals/{}?reason=Welfare+check", r.id),
        format!("/referrals/{}/history?reason=Welfare+check", r.id),
        format!("/people/{person}?reason=Welfare+check"),
    ] {
        let problem = json(app.get(&path, &officer).await, 400).await;
        assert!(
            problem.to_string().contains("eip-view-reason"),
            "{path}: {problem}"
        );
    }
    // Nothing was logged with the reason from the URL.
    let log = json(
        app.get(&format!("/referrals/{}/access-log", r.id), &admin())
            .await,
        200,
    )
    .await;
    assert!(!log.to_string().contains("Welfare"), "{log}");
}

on_both_backends!(
    a_partner_sees_nothing_unshared_in_any_answer,
    a_declined_referral_leaves_the_agency,
    access_ends_the_day_the_agreement_lapses,
    withdrawing_consent_ends_the_agencys_access,
    administrators_find_no_child_and_open_no_person,
    a_person_page_needs_a_reason_shows_only_what_the_viewer_may_see_and_logs_the_household,
    a_reason_in_a_url_is_refused,
);
