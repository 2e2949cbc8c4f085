//! Person records over HTTP: made with each referral, found again by
//! duplicate detection, linked into households, merged and unmerged.

use crate::helpers::{TestApp, admin, spawn_app};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::audit::AccessReport;
use eip_types::person::{MergeRecord, PersonDetail, PersonFound, PersonMatch};
use eip_types::referral::Referral;
use eip_types::{Principal, Problem, Role};
use serde_json::{Value, json};

async fn raise_for(app: &TestApp, officer: &Principal, body: Value) -> reqwest::Response {
    let mut full = json!({"date_of_birth": "2014-03-07", "area_id": "hull",
        "reason": "Seen out late with older youths", "submit": true});
    for (k, v) in body.as_object().expect("object") {
        full[k] = v.clone();
    }
    app.post("/referrals", officer, &full).await
}

async fn raised(app: &TestApp, officer: &Principal, body: Value) -> Referral {
    let res = raise_for(app, officer, body).await;
    assert_eq!(res.status(), 201);
    res.json().await.expect("referral")
}

async fn matches(app: &TestApp, who: &Principal, name: &str) -> reqwest::Response {
    app.post(
        "/people/matches",
        who,
        &json!({"name": name, "date_of_birth": "2014-03-07", "area_id": "hull"}),
    )
    .await
}

async fn person(app: &TestApp, who: &Principal, id: &str) -> PersonDetail {
    let res = app.get(&format!("/people/{id}"), who).await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("person")
}

async fn each_referral_has_a_person_known_elsewhere_only_by_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let r = raised(
        &app,
        &officer,
        json!({"child_name": "Jordan Smith", "gender": "male", "school": "Hull Academy"}),
    )
    .await;
    let person_id = r.person_id.clone().expect("a person record");
    let detail = person(&app, &officer, &person_id).await;
    assert_eq!(detail.person.given_name, "Jordan");
    assert_eq!(detail.person.family_name, "Smith");
    assert_eq!(detail.person.school.as_deref(), Some("Hull Academy"));
    assert_eq!(detail.referrals.len(), 1);

    let events = app.events().await;
    let submitted = &events[0].payload;
    assert_eq!(submitted["person_ref"], person_id.as_str());
    assert!(!submitted.to_string().contains("Jordan"));

    // A household member, linked both ways.
    let sister = raised(
        &app,
        &officer,
        json!({"child_name": "Casey Smith", "date_of_birth": "2016-01-02"}),
    )
    .await;
    let sister_id = sister.person_id.expect("person");
    let res = app
        .post(
            &format!("/people/{person_id}/links"),
            &officer,
            &json!({"related_id": sister_id, "relationship": "sibling"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let again = app
        .post(
            &format!("/people/{person_id}/links"),
            &officer,
            &json!({"related_id": sister_id, "relationship": "sibling"}),
        )
        .await;
    assert_eq!(again.status(), 409);
    let household = person(&app, &officer, &sister_id).await.household;
    assert_eq!(household.len(), 1);
    assert_eq!(household[0].person.id, person_id);

    // Outside the area, or without a raising role, the person is not shown.
    for who in [
        principal(Role::Frontline, &["east-riding"]),
        principal(Role::Board, &["hull"]),
        principal(Role::Partner, &["hull"]),
        principal(Role::Admin, &["hull"]),
    ] {
        assert_eq!(
            app.get(&format!("/people/{person_id}"), &who)
                .await
                .status(),
            403
        );
    }
    assert_eq!(app.get("/people/nobody", &officer).await.status(), 404);
}

async fn a_second_officer_finds_the_child_and_uses_the_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = principal(Role::Frontline, &["hull"]);
    let r = raised(&app, &first, json!({"child_name": "Jordan Smith"})).await;
    let person_id = r.person_id.clone().expect("person");

    let second = principal(Role::Frontline, &["hull"]);
    let res = matches(&app, &second, "Jordon Smyth").await;
    assert_eq!(res.status(), 200);
    let found: Vec<PersonMatch> = res.json().await.expect("matches");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].person.id, person_id);
    assert!(found[0].score >= 80);
    // A stranger with the same birthday is not offered.
    let none: Vec<PersonMatch> = matches(&app, &second, "Priya Patel")
        .await
        .json()
        .await
        .expect("none");
    assert!(none.is_empty());
    // Another area's officer is not shown this area's children.
    let far = principal(Role::Frontline, &["east-riding"]);
    let far_found: Vec<PersonMatch> = matches(&app, &far, "Jordan Smith")
        .await
        .json()
        .await
        .expect("far");
    assert!(far_found.is_empty());
    assert_eq!(
        matches(&app, &principal(Role::Board, &["hull"]), "Jordan Smith")
            .await
            .status(),
        403
    );
    let bad = app
        .post(
            "/people/matches",
            &second,
            &json!({"name": "", "date_of_birth": "2099-01-01", "area_id": "hull"}),
        )
        .await;
    assert_eq!(bad.status(), 422);

    // Choosing the record: the referral carries the record's name.
    let again = raised(
        &app,
        &second,
        json!({"child_name": "Jordon Smyth", "person_id": person_id}),
    )
    .await;
    assert_eq!(again.person_id.as_deref(), Some(person_id.as_str()));
    assert_eq!(again.child_name, "Jordan Smith");
    assert_eq!(person(&app, &second, &person_id).await.referrals.len(), 2);
    // A record the officer could not have been offered is refused.
    let res = raise_for(
        &app,
        &far,
        json!({"child_name": "J S", "area_id": "east-riding", "person_id": person_id}),
    )
    .await;
    let p: Problem = res.json().await.expect("problem");
    assert_eq!(p.status, 422);
    assert!(p.field("person_id").is_some());

    // The candidates shown are in the child's access report.
    let report: AccessReport = app
        .get(
            &format!("/referrals/{}/access-report", r.id),
            &principal(Role::Dpo, &[]),
        )
        .await
        .json()
        .await
        .expect("report");
    assert!(
        report
            .entries
            .iter()
            .any(|e| e.action == "match" && e.actor == second.user_id),
        "{:?}",
        report.entries
    );
}

async fn a_coordinator_merges_duplicates_and_an_administrator_can_undo_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let a = raised(&app, &officer, json!({"child_name": "Riley Cooper"})).await;
    let b = raised(&app, &officer, json!({"child_name": "Riley Cooke"})).await;
    let (kept, dup) = (a.person_id.expect("a"), b.person_id.expect("b"));
    assert_ne!(kept, dup);
    let body = json!({"duplicate_id": dup, "reason": "Same child: school confirmed"});
    let path = format!("/people/{kept}/merge");
    for who in [
        officer.clone(),
        principal(Role::Coordinator, &["east-riding"]),
        admin(),
    ] {
        assert_eq!(app.post(&path, &who, &body).await.status(), 403);
    }
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let no_reason = app
        .post(
            &path,
            &coordinator,
            &json!({"duplicate_id": dup, "reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status(), 422);
    let res = app.post(&path, &coordinator, &body).await;
    assert_eq!(res.status(), 200);
    let merge: MergeRecord = res.json().await.expect("merge");
    assert_eq!(merge.referral_ids, std::slice::from_ref(&b.id));
    let merged = person(&app, &coordinator, &kept).await;
    assert_eq!(merged.referrals.len(), 2);
    assert_eq!(
        person(&app, &coordinator, &dup)
            .await
            .person
            .merged_into
            .as_deref(),
        Some(kept.as_str())
    );
    assert_eq!(app.post(&path, &coordinator, &body).await.status(), 409);

    let undo = format!("/merges/{}/undo", merge.id);
    let reason = json!({"reason": "Twins, not one child"});
    assert_eq!(app.post(&undo, &coordinator, &reason).await.status(), 403);
    let res = app.post(&undo, &admin(), &reason).await;
    assert_eq!(res.status(), 200);
    let undone: MergeRecord = res.json().await.expect("undone");
    assert!(undone.undone_at.is_some());
    assert_eq!(person(&app, &coordinator, &kept).await.referrals.len(), 1);
    let restored = person(&app, &coordinator, &dup).await;
    assert_eq!(restored.referrals.len(), 1);
    assert_eq!(restored.person.merged_into, None);
    assert_eq!(app.post(&undo, &admin(), &reason).await.status(), 409);

    let report: AccessReport = app
        .get(
            &format!("/referrals/{}/access-report", b.id),
            &principal(Role::Dpo, &[]),
        )
        .await
        .json()
        .await
        .expect("report");
    let actions: Vec<&str> = report.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"merge") && actions.contains(&"unmerge"),
        "{actions:?}"
    );
}

async fn the_dpo_finds_a_child_by_name_in_any_area_and_the_search_is_logged(backend: Backend) {
    let app = spawn_app(backend).await;
    let hull = principal(Role::Frontline, &["hull"]);
    let east = principal(Role::Frontline, &["east-riding"]);
    let a = raised(&app, &hull, json!({"child_name": "Morgan Fletcher"})).await;
    let b = raised(
        &app,
        &east,
        json!({"child_name": "Morgan Fletcher", "area_id": "east-riding",
               "date_of_birth": "2012-11-02"}),
    )
    .await;
    raised(&app, &hull, json!({"child_name": "Casey Fletcher"})).await;

    let dpo = principal(Role::Dpo, &[]);
    let res = app
        .post("/people/search", &dpo, &json!({"name": "Morgan Flecher"}))
        .await;
    assert_eq!(res.status(), 200);
    let found: Vec<PersonFound> = res.json().await.expect("found");
    let mut areas: Vec<&str> = found.iter().map(|f| f.person.area_id.as_str()).collect();
    areas.sort_unstable();
    assert_eq!(areas, ["east-riding", "hull"], "both Morgans, not Casey");
    let hull_found = found
        .iter()
        .find(|f| f.person.area_id == "hull")
        .expect("hull");
    assert_eq!(hull_found.referral_ids, std::slice::from_ref(&a.id));

    // The date of birth narrows it to one.
    let found: Vec<PersonFound> = app
        .post(
            "/people/search",
            &dpo,
            &json!({"name": "Morgan Fletcher", "date_of_birth": "2012-11-02"}),
        )
        .await
        .json()
        .await
        .expect("found");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].referral_ids, std::slice::from_ref(&b.id));

    // The search is in the child's access report.
    let report: AccessReport = app
        .get(&format!("/referrals/{}/access-report", b.id), &dpo)
        .await
        .json()
        .await
        .expect("report");
    assert!(
        report
            .entries
            .iter()
            .any(|e| e.action == "search" && e.actor == dpo.user_id),
        "{:?}",
        report.entries
    );

    // Bad input gets field-level errors; other roles are refused.
    let p: Problem = app
        .post(
            "/people/search",
            &dpo,
            &json!({"name": " ", "date_of_birth": "2090-01-01"}),
        )
        .await
        .json()
        .await
        .expect("problem");
    assert!(p.field("name").is_some() && p.field("date_of_birth").is_some());
    for role in Role::ALL {
        let status = app
            .post(
                "/people/search",
                &principal(role, &["hull"]),
                &json!({"name": "Morgan Fletcher"}),
            )
            .await
            .status();
        // Administrators do no casework: only the data protection officer.
        let may = role == Role::Dpo;
        assert_eq!(status, if may { 200 } else { 403 }, "{role}");
    }
}

on_both_backends!(
    the_dpo_finds_a_child_by_name_in_any_area_and_the_search_is_logged,
    each_referral_has_a_person_known_elsewhere_only_by_id,
    a_second_officer_finds_the_child_and_uses_the_record,
    a_coordinator_merges_duplicates_and_an_administrator_can_undo_it,
);
