//! Report packs: validation, the review and signing workflow, frozen
//! snapshots, versions, CSV export and the access record.

use crate::dashboard::PERSONAL;
use crate::helpers::{BusChoice, start};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::Role;
use eip_types::governance::{Dashboard, Pack, PackAccess, PackStatus, PackView};
use reqwest::Method;
use serde_json::json;
use sqlx::Row;

fn this_month() -> String {
    chrono::Utc::now().format("%Y-%m").to_string()
}

fn keys(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| keys(i, out)),
        _ => {}
    }
}

async fn a_signed_pack_is_frozen_versioned_and_audited(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 1).await;
    let officer = principal(
        Role::Frontline,
        &[
            "hull",
            "east-riding",
            "north-lincolnshire",
            "north-east-lincolnshire",
        ],
    );
    for (area, n) in [
        ("hull", 6),
        ("east-riding", 2),
        ("north-lincolnshire", 7),
        ("north-east-lincolnshire", 5),
    ] {
        for _ in 0..n {
            platform.submit_referral(&officer, area).await;
        }
        platform.wait_for_count(area, n).await;
    }
    let month = this_month();
    let analyst = principal(Role::Analyst, &[]);
    let admin = principal(Role::Admin, &[]);
    let approver = principal(Role::Board, &[]);
    let other_member = principal(Role::Board, &[]);
    let board_id = "ei-police-governance-board";

    // A pack needs a period, a board and real measures.
    let res = platform
        .send(
            Method::POST,
            "/packs",
            &analyst,
            Some(
                json!({"board_id": "no-board", "measure_ids": ["no-such-measure", "nope"],
                "annotations": [{"date": "2026-02-30", "text": "Pilot starts"}]}),
            ),
        )
        .await;
    assert_eq!(res.status(), 422);
    let problem: eip_types::Problem = res.json().await.expect("problem");
    for field in [
        "board_id",
        "from",
        "to",
        "measure_ids[0]",
        "measure_ids[1]",
        "annotations[0].date",
    ] {
        assert!(problem.field(field).is_some(), "{field}: {problem:?}");
    }
    let input = json!({
        "board_id": board_id, "from": month, "to": month,
        "measure_ids": ["referrals-submitted", "acceptance-rate"],
        "commentary": "Referrals steady.",
        "annotations": [{"date": format!("{month}-01"), "text": "Pilot starts"}]
    });
    let res = platform
        .send(Method::POST, "/packs", &approver, Some(input.clone()))
        .await;
    assert_eq!(res.status(), 403, "board members do not write packs");
    let res = platform
        .send(Method::POST, "/packs", &analyst, Some(input.clone()))
        .await;
    assert_eq!(res.status(), 201);
    let pack: Pack = res.json().await.expect("json");
    assert_eq!((pack.version, pack.status), (1, PackStatus::Draft));
    let path = format!("/packs/{}", pack.id);

    // Review: not by the author, and a draft only.
    let res = platform
        .send(Method::POST, &format!("{path}/review"), &analyst, None)
        .await;
    assert_eq!(res.status(), 403);
    let res = platform
        .send(Method::POST, &format!("{path}/sign"), &approver, None)
        .await;
    assert_eq!(res.status(), 403, "not yet a named approver");
    let res = platform
        .send(Method::POST, &format!("{path}/review"), &admin, None)
        .await;
    assert_eq!(res.status(), 200);

    // Signing by a non-approver is refused; approvers are data per board.
    let res = platform
        .send(
            Method::PUT,
            &format!("/boards/{board_id}/approvers"),
            &analyst,
            Some(json!({"approvers": [approver.user_id]})),
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = platform
        .send(
            Method::PUT,
            &format!("/boards/{board_id}/approvers"),
            &admin,
            Some(json!({"approvers": [approver.user_id]})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = platform
        .send(Method::POST, &format!("{path}/sign"), &other_member, None)
        .await;
    assert_eq!(res.status(), 403);
    let problem: eip_types::Problem = res.json().await.expect("problem");
    assert!(
        problem
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("not a named approver")),
        "{problem:?}"
    );
    let view: PackView = platform
        .send(Method::GET, &path, &approver, None)
        .await
        .json()
        .await
        .expect("json");
    assert!(view.may_sign);
    assert_eq!(view.charts.len(), 2);
    assert!(view.charts[0].contains("<title") && view.charts[0].contains("Pilot starts"));
    let res = platform
        .send(Method::POST, &format!("{path}/sign"), &approver, None)
        .await;
    assert_eq!(res.status(), 200);
    let signed: Pack = res.json().await.expect("json");
    assert_eq!(signed.status, PackStatus::Signed);
    assert_eq!(signed.signed_by.as_deref(), Some(approver.user_id.as_str()));
    let hash = signed.snapshot_sha256.clone().expect("a hash");
    assert_eq!(hash.len(), 64);
    let res = platform
        .send(Method::POST, &format!("{path}/sign"), &approver, None)
        .await;
    assert_eq!(res.status(), 409);

    let before: PackView = platform
        .send(Method::GET, &path, &other_member, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(before.snapshot_verified, Some(true));
    assert!(!before.may_sign);
    let pdf_before = pdf_of(&platform, &path, &approver).await;

    // The sources change; the signed pack does not.
    for _ in 0..5 {
        platform.submit_referral(&officer, "hull").await;
    }
    platform.wait_for_count("hull", 11).await;
    let after: PackView = platform
        .send(Method::GET, &path, &other_member, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(after.content, before.content);
    assert_eq!(after.charts, before.charts);
    // The PDF renders from the frozen snapshot: the same file.
    assert_eq!(pdf_of(&platform, &path, &approver).await, pdf_before);
    let texts = eip_test_support::pdf::texts(&pdf_before);
    let joined = texts.join(" ");
    assert!(
        joined.contains(&format!("Period: {month} to {month}")),
        "{joined}"
    );
    assert!(
        joined.contains("Measures: Referrals submitted, Acceptance by partner agencies"),
        "{joined}"
    );
    assert!(joined.contains("Referrals steady."));
    assert!(joined.contains(&format!("Signed by {}", approver.user_id)));
    assert_eq!(
        eip_test_support::pdf::row_after(&texts, "East Riding", 2),
        ["[c]", "[c]"],
        "East Riding's two referrals stay hidden"
    );
    assert!(
        joined.contains(&format!("{month}-01: Pilot starts")),
        "{joined}"
    );
    assert_eq!(after.pack.snapshot_sha256, Some(hash));
    let live: Dashboard = platform
        .send(
            Method::GET,
            &format!("/reports/dashboard?from={month}&to={month}"),
            &analyst,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let submitted = |d: &Dashboard| {
        d.measures
            .iter()
            .find(|m| m.measure.id == "referrals-submitted")
            .map(|m| m.table.month_totals.clone())
    };
    assert_ne!(submitted(&live), submitted(&after.content));

    // CSV: the pack's table with its symbols and footnotes.
    let res = platform
        .send(
            Method::GET,
            &format!("{path}/tables/referrals-submitted"),
            &approver,
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv"))
    );
    let csv = res.text().await.expect("text");
    assert!(csv.contains("Referrals submitted"), "{csv}");
    assert!(csv.contains("East Riding,[c]"), "{csv}");
    assert!(csv.contains("All areas,20,20"), "{csv}");
    assert!(csv.contains("[c],\"Confidential"), "{csv}");
    let res = platform
        .send(Method::GET, &format!("{path}/tables/nope"), &approver, None)
        .await;
    assert_eq!(res.status(), 404);

    // Editing a signed pack makes a new version; the old one stays.
    let mut changed = input.clone();
    changed["commentary"] = json!("Corrected commentary.");
    let res = platform
        .send(Method::PUT, &path, &analyst, Some(changed.clone()))
        .await;
    assert_eq!(res.status(), 201);
    let v2: Pack = res.json().await.expect("json");
    assert_eq!((v2.version, v2.status), (2, PackStatus::Draft));
    assert_eq!(v2.series_id, pack.id);
    let res = platform
        .send(Method::PUT, &path, &analyst, Some(changed))
        .await;
    assert_eq!(res.status(), 409, "only the newest version is edited");
    let view2: PackView = platform
        .send(Method::GET, &format!("/packs/{}", v2.id), &analyst, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        view2
            .history
            .iter()
            .map(|p| (p.version, p.status))
            .collect::<Vec<_>>(),
        [(1, PackStatus::Signed), (2, PackStatus::Draft)]
    );

    // Every view and download was recorded.
    let res = platform
        .send(Method::GET, &format!("{path}/access"), &approver, None)
        .await;
    assert_eq!(res.status(), 403);
    let log: Vec<PackAccess> = platform
        .send(
            Method::GET,
            &format!("{path}/access"),
            &principal(Role::Dpo, &[]),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let seen: Vec<(&str, &str)> = log
        .iter()
        .map(|a| (a.user_id.as_str(), a.action.as_str()))
        .collect();
    assert!(seen.contains(&(approver.user_id.as_str(), "view")));
    assert!(seen.contains(&(other_member.user_id.as_str(), "view")));
    assert!(seen.contains(&(approver.user_id.as_str(), "csv:referrals-submitted")));
    assert!(seen.contains(&(approver.user_id.as_str(), "pdf")));
    assert_eq!(log.len(), 6);

    // The snapshot holds aggregates only.
    let snapshot: String = sqlx::query("SELECT snapshot FROM packs WHERE id = $1")
        .bind(&pack.id)
        .fetch_one(platform.read_model.pool())
        .await
        .expect("row")
        .try_get("snapshot")
        .expect("snapshot");
    let mut names = Vec::new();
    keys(&serde_json::from_str(&snapshot).expect("json"), &mut names);
    assert!(names.contains(&"area_id".to_owned()));
    for k in names {
        for fragment in PERSONAL {
            assert!(!k.contains(fragment), "{k} in the snapshot");
        }
    }
    for role in [
        Role::Frontline,
        Role::Partner,
        Role::Coordinator,
        Role::Trainer,
        Role::Dpo,
    ] {
        let who = principal(role, &["hull"]);
        if role != Role::Dpo {
            let res = platform.send(Method::GET, &path, &who, None).await;
            assert_eq!(res.status(), 403, "{role}");
        }
        let res = platform
            .send(Method::GET, &format!("{path}/pdf"), &who, None)
            .await;
        assert_eq!(res.status(), 403, "{role} downloads no PDF");
    }
    let res = platform
        .send(
            Method::GET,
            "/packs/00000000-0000-0000-0000-000000000000/pdf",
            &approver,
            None,
        )
        .await;
    assert_eq!(res.status(), 404);
    platform.stop().await;
}

/// The pack's PDF, checked to be one.
async fn pdf_of(
    platform: &crate::helpers::Platform,
    path: &str,
    who: &eip_types::Principal,
) -> Vec<u8> {
    let res = platform
        .send(Method::GET, &format!("{path}/pdf"), who, None)
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.starts_with("attachment; filename=") && d.contains(".pdf"))
    );
    let bytes = res.bytes().await.expect("bytes").to_vec();
    assert!(bytes.starts_with(b"%PDF-"));
    bytes
}

on_both_backends!(multi_thread via crate::helpers::in_process:
    a_signed_pack_is_frozen_versioned_and_audited);

async fn pilots_are_evaluated_only_with_two_points_a_side(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 1).await;
    let analyst = principal(Role::Analyst, &[]);
    let pilot = |pre_from: &str| {
        json!({
            "name": "Night Challenge in Hull",
            "measure_ids": ["referrals-submitted"],
            "intervention_areas": ["hull"],
            "comparison_areas": ["east-riding"],
            "pre_from": pre_from, "pre_to": "2026-03",
            "post_from": "2026-04", "post_to": "2026-05",
            "delivered": "Twelve sessions."
        })
    };
    let res = platform
        .send(
            Method::POST,
            "/pilots",
            &principal(Role::Board, &[]),
            Some(pilot("2026-01")),
        )
        .await;
    assert_eq!(res.status(), 403);
    let mut bad = pilot("2026-01");
    bad["comparison_areas"] = json!(["hull"]);
    let res = platform
        .send(Method::POST, "/pilots", &analyst, Some(bad))
        .await;
    assert_eq!(res.status(), 422);

    let one: eip_types::governance::Pilot = platform
        .send(Method::POST, "/pilots", &analyst, Some(pilot("2026-03")))
        .await
        .json()
        .await
        .expect("json");
    let res = platform
        .send(
            Method::GET,
            &format!("/pilots/{}/evaluation", one.id),
            &analyst,
            None,
        )
        .await;
    assert_eq!(res.status(), 422);
    let problem: eip_types::Problem = res.json().await.expect("problem");
    assert!(
        problem
            .field("pre_to")
            .is_some_and(|m| m.contains("one time point"))
    );

    let two: eip_types::governance::Pilot = platform
        .send(Method::POST, "/pilots", &analyst, Some(pilot("2026-01")))
        .await
        .json()
        .await
        .expect("json");
    let res = platform
        .send(
            Method::GET,
            &format!("/pilots/{}/evaluation", two.id),
            &principal(Role::Board, &[]),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let e: eip_types::governance::PilotEvaluation = res.json().await.expect("json");
    assert!(e.evidence_strength.contains("Comparison-group design"));
    assert_eq!(e.measures.len(), 1);
    assert_eq!(e.measures[0].intervention.months.len(), 5);
    platform.stop().await;
}

on_both_backends!(multi_thread via crate::helpers::in_process:
    pilots_are_evaluated_only_with_two_points_a_side
);
