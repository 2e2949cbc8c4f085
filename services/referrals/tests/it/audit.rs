//! The access log: every view and disclosure is recorded with who, what and
//! why; the hash chain proves it unbroken, and any edit or removal shows.

use crate::helpers::{TestApp, spawn_app};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::{Principal, Role};
use serde_json::{Value, json};

async fn raise_and_share(app: &TestApp, officer: &Principal, coordinator: &Principal) -> String {
    let r: Value = app
        .post(
            "/referrals",
            officer,
            &json!({"child_name": "Audit Child", "date_of_birth": "2013-03-03",
                    "area_id": "hull", "reason": "Exploitation indicators", "submit": true}),
        )
        .await
        .json()
        .await
        .expect("referral");
    let id = r["id"].as_str().expect("id").to_owned();
    for (version, transition) in [
        (
            1,
            json!({"action": "triage", "priority": "urgent", "pathway": "safeguarding"}),
        ),
        (2, crate::helpers::share("pvpu")),
    ] {
        let res = app
            .post(
                &format!("/referrals/{id}/transitions"),
                coordinator,
                &json!({"version": version, "transition": transition}),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    id
}

async fn verification(app: &TestApp, admin: &Principal) -> Value {
    let res = app.get("/audit/verify", admin).await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("verification")
}

async fn tamper(app: &TestApp, sql: &str) {
    app.exec(sql, &[]).await;
}

async fn views_and_disclosures_are_logged_with_their_reasons(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let admin = principal(Role::Admin, &[]);
    let id = raise_and_share(&app, &officer, &coordinator).await;

    assert_eq!(
        app.get(&format!("/referrals/{id}"), &officer)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&format!("/referrals/{id}"), &coordinator)
            .await
            .status(),
        200
    );
    // A colleague must say why; refused without, logged with.
    let colleague = principal(Role::Frontline, &["hull"]);
    let refused = app.get(&format!("/referrals/{id}"), &colleague).await;
    assert_eq!(refused.status(), 428);
    assert_eq!(
        crate::helpers::get_with_reason(
            &app,
            &format!("/referrals/{id}"),
            &colleague,
            "Welfare check tonight"
        )
        .await
        .status(),
        200
    );
    // Someone who may not see it is refused and nothing is logged for them.
    let elsewhere = principal(Role::Coordinator, &["east-riding"]);
    assert_eq!(
        crate::helpers::get_with_reason(&app, &format!("/referrals/{id}"), &elsewhere, "curious")
            .await
            .status(),
        403
    );

    let log: Vec<Value> = app
        .get(&format!("/referrals/{id}/access-log"), &admin)
        .await
        .json()
        .await
        .expect("log");
    let rows: Vec<(String, String, String)> = log
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_owned(),
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                coordinator.user_id.clone(),
                "disclose".into(),
                "Shared for early help: Public task (UK GDPR art. 6(1)(e)): safeguarding and \
                 early-help duties; consent given; agreement isa-pvpu"
                    .into()
            ),
            (
                officer.user_id.clone(),
                "view".into(),
                "Own referral".into()
            ),
            (
                coordinator.user_id.clone(),
                "view".into(),
                "Coordinator of the area".into()
            ),
            (
                colleague.user_id.clone(),
                "view".into(),
                "Welfare check tonight".into()
            ),
        ]
    );
    assert_eq!(log[0]["detail"], "pvpu");
    assert_eq!(
        verification(&app, &admin).await,
        json!({"intact": true, "checked": 4, "broken_at": null})
    );

    // Only administrators read the log or verify it.
    for role in [
        Role::Frontline,
        Role::Coordinator,
        Role::Partner,
        Role::Board,
    ] {
        let p = principal(role, &["hull"]);
        assert_eq!(
            app.get(&format!("/referrals/{id}/access-log"), &p)
                .await
                .status(),
            403
        );
        assert_eq!(app.get("/audit/verify", &p).await.status(), 403);
    }
}

async fn an_edited_row_breaks_the_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = principal(Role::Admin, &[]);
    let id = raise_and_share(
        &app,
        &principal(Role::Frontline, &["hull"]),
        &principal(Role::Coordinator, &["hull"]),
    )
    .await;
    let coordinator = principal(Role::Coordinator, &["hull"]);
    for _ in 0..3 {
        app.get(&format!("/referrals/{id}"), &coordinator).await;
    }
    assert_eq!(verification(&app, &admin).await["intact"], true);
    tamper(
        &app,
        "UPDATE access_log SET reason = 'Nothing to see' WHERE seq = 3",
    )
    .await;
    assert_eq!(
        verification(&app, &admin).await,
        json!({"intact": false, "checked": 2, "broken_at": 3})
    );
}

async fn a_removed_row_breaks_the_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = principal(Role::Admin, &[]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let id = raise_and_share(&app, &principal(Role::Frontline, &["hull"]), &coordinator).await;
    for _ in 0..3 {
        app.get(&format!("/referrals/{id}"), &coordinator).await;
    }
    tamper(&app, "DELETE FROM access_log WHERE seq = 2").await;
    assert_eq!(verification(&app, &admin).await["broken_at"], 2);
    // Removing the newest row is caught too: the chain's head remembers it.
    let app = spawn_app(backend).await;
    let id = raise_and_share(&app, &principal(Role::Frontline, &["hull"]), &coordinator).await;
    app.get(&format!("/referrals/{id}"), &coordinator).await;
    tamper(&app, "DELETE FROM access_log WHERE seq = 2").await;
    assert_eq!(verification(&app, &admin).await["intact"], false);
}

async fn lists_are_logged_and_the_dpo_report_shows_every_access(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = principal(Role::Frontline, &["hull"]);
    let coordinator = principal(Role::Coordinator, &["hull"]);
    let id = raise_and_share(&app, &officer, &coordinator).await;
    let other = raise_and_share(&app, &officer, &coordinator).await;
    assert_eq!(
        app.get("/referrals?view=worklist", &coordinator)
            .await
            .status(),
        200
    );
    assert_eq!(app.get("/referrals", &officer).await.status(), 200);

    let dpo = principal(Role::Dpo, &[]);
    let res = app
        .get(&format!("/referrals/{id}/access-report"), &dpo)
        .await;
    assert_eq!(res.status(), 200);
    let report: eip_types::audit::AccessReport = res.json().await.expect("report");
    assert_eq!(report.child_name, "Audit Child");
    let rows: Vec<(&str, &str, &str)> = report
        .entries
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(rows[0].1, "disclose");
    assert_eq!(
        &rows[1..],
        [
            (coordinator.user_id.as_str(), "list", "Worklist"),
            (officer.user_id.as_str(), "list", "Referral list"),
            (
                dpo.user_id.as_str(),
                "access_report",
                "Data protection access report"
            ),
        ]
    );
    // A list names every referral it showed.
    let listed = report.entries[1].detail.clone().unwrap_or_default();
    assert!(listed.contains(&id) && listed.contains(&other), "{listed}");
    assert!(report.chain.intact);

    for role in Role::ALL {
        let status = app
            .get(
                &format!("/referrals/{id}/access-report"),
                &principal(role, &["hull"]),
            )
            .await
            .status();
        let may = matches!(role, Role::Dpo | Role::Admin);
        assert_eq!(status, if may { 200 } else { 403 }, "{role}");
    }
    assert_eq!(
        app.get("/referrals/no-such/access-report", &dpo)
            .await
            .status(),
        404
    );
}

on_both_backends!(
    lists_are_logged_and_the_dpo_report_shows_every_access,
    views_and_disclosures_are_logged_with_their_reasons,
    an_edited_row_breaks_the_chain,
    a_removed_row_breaks_the_chain,
);
