//! The framework as data, and read models rebuilt from the sources' feeds.

use crate::helpers::{BusChoice, start};
use eip_platform::Shared;
use eip_platform::bus::{Bus, InProcessBus};
use eip_test_support::on_both_backends;
use eip_test_support::{Backend, principal};
use eip_types::Role;
use eip_types::governance::{Framework, ReportValidation};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

fn local_measure() -> serde_json::Value {
    json!({
        "id": "hull-night-challenge-accepted",
        "indicator_id": "referrals",
        "name": "Night Challenge places taken up",
        "definition": "Referrals to Night Challenge accepted in the month.",
        "unit": "count",
        "good_direction": "higher",
        "scope": "local",
        "area_id": "hull",
        "status": "active",
        "formula": { "type": "count", "of": [{ "kind": "referral.accepted", "category": "night-challenge" }] },
        "target": { "value": 10.0, "unit": "count" }
    })
}

async fn admins_edit_the_framework_and_bad_measures_are_refused(backend: Backend, bus: BusChoice) {
    let platform = start(backend, bus, 1).await;
    let admin = principal(Role::Admin, &[]);
    let path = "/framework/measures/hull-night-challenge-accepted";

    let res = platform.send(Method::GET, "/framework", &admin, None).await;
    assert_eq!(res.status(), 200);
    let seeded: Framework = res.json().await.expect("json");
    assert_eq!(seeded.outcomes.len(), 5);
    assert_eq!(seeded.measures.len(), 15);

    // Unknown event kinds and a target in the wrong unit, each named by field.
    let mut bad = local_measure();
    bad["formula"]["of"][0]["kind"] = json!("referral.teleported");
    bad["target"]["unit"] = json!("percent");
    let res = platform.send(Method::PUT, path, &admin, Some(bad)).await;
    assert_eq!(res.status(), 422);
    let problem: eip_types::Problem = res.json().await.expect("problem");
    assert!(
        problem
            .field("formula.of[0].kind")
            .is_some_and(|m| m.contains("referral.teleported")),
        "{problem:?}"
    );
    assert!(problem.field("target.unit").is_some(), "{problem:?}");
    // Nothing was written.
    let after: Framework = platform
        .send(Method::GET, "/framework", &admin, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(after, seeded);

    let res = platform
        .send(Method::PUT, path, &admin, Some(local_measure()))
        .await;
    assert_eq!(res.status(), 201);
    let mut changed = local_measure();
    changed["target"]["value"] = json!(12.0);
    let res = platform
        .send(Method::PUT, path, &admin, Some(changed))
        .await;
    assert_eq!(res.status(), 200);
    let after: Framework = platform
        .send(Method::GET, "/framework", &admin, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(after.measures.len(), 16);
    assert_eq!(
        after.measures[15].target.map(|t| t.value),
        Some(12.0),
        "edited in place, at the end"
    );

    // The address and the body must agree.
    let res = platform
        .send(
            Method::PUT,
            "/framework/measures/other",
            &admin,
            Some(local_measure()),
        )
        .await;
    assert_eq!(res.status(), 422);

    for role in [
        Role::Board,
        Role::Analyst,
        Role::Coordinator,
        Role::Frontline,
    ] {
        let res = platform
            .send(
                Method::PUT,
                path,
                &principal(role, &["hull"]),
                Some(local_measure()),
            )
            .await;
        assert_eq!(res.status(), 403, "{role} may not edit");
    }
    for role in [Role::Board, Role::Analyst] {
        let res = platform
            .send(Method::GET, "/framework", &principal(role, &[]), None)
            .await;
        assert_eq!(res.status(), 200, "{role} reads");
    }
    for role in [
        Role::Frontline,
        Role::Partner,
        Role::Trainer,
        Role::Coordinator,
        Role::Dpo,
    ] {
        let res = platform
            .send(Method::GET, "/framework", &principal(role, &["hull"]), None)
            .await;
        assert_eq!(res.status(), 403, "{role} may not read");
    }

    // A report needs a period, and fails while core measures lack data.
    let res = platform
        .send(Method::GET, "/reports/validation", &admin, None)
        .await;
    assert_eq!(res.status(), 422);
    let res = platform
        .send(
            Method::GET,
            "/reports/validation?period=2026-13",
            &admin,
            None,
        )
        .await;
    assert_eq!(res.status(), 422);
    let v: ReportValidation = platform
        .send(
            Method::GET,
            "/reports/validation?period=2026-11",
            &admin,
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(!v.valid);
    assert!(
        v.missing
            .iter()
            .any(|m| m.measure_id == "time-to-triage" && m.area_id == "hull")
    );
    platform.stop().await;
}

/// Waits until the fact table has counted `events` events in all.
async fn wait_for_events(platform: &crate::helpers::Platform, events: i64) {
    eip_test_support::eventually(
        &format!("{events} events counted"),
        Duration::from_secs(30),
        async || {
            let facts = eip_governance::store::facts::all_facts(platform.read_model.pool())
                .await
                .expect("facts");
            let n: i64 = facts.iter().map(|(_, f)| f.n).sum();
            assert!(n <= events, "counted {n}, more than {events}");
            (n == events).then_some(())
        },
    )
    .await;
}

async fn wiping_and_replaying_the_feeds_rebuilds_identical_figures(
    backend: Backend,
    bus: BusChoice,
) {
    let platform = start(backend, bus, 1).await;
    let officer = principal(Role::Frontline, &["hull", "east-riding"]);
    let mut events = 0;
    for (area, path) in [
        ("hull", "accept"),
        ("hull", "accept"),
        ("hull", "decline"),
        ("east-riding", "accept"),
        ("east-riding", "withdraw"),
    ] {
        let coordinator = principal(Role::Coordinator, &[area]);
        let agency = principal(Role::Partner, &[area]);
        let (id, v) = platform.raise_referral(&officer, area).await;
        events += 1;
        if path == "withdraw" {
            platform
                .transition(
                    &coordinator,
                    &id,
                    v,
                    json!({"action": "withdraw", "reason": "Family moved away"}),
                )
                .await;
            events += 1;
            continue;
        }
        let v = platform
            .transition(
                &coordinator,
                &id,
                v,
                json!({"action": "triage", "priority": "routine", "pathway": "early_help"}),
            )
            .await;
        let v = platform
            .transition(
                &coordinator,
                &id,
                v,
                json!({"action": "share", "agency_id": "childrens-family-services",
                    "lawful_basis": "public_task", "consent": "given",
                    "agreement_id": "isa-childrens-family-services", "fields": ["reason"]}),
            )
            .await;
        events += 2;
        if path == "decline" {
            platform
                .transition(
                    &agency,
                    &id,
                    v,
                    json!({"action": "decline", "reason": "Already supported"}),
                )
                .await;
            events += 1;
            continue;
        }
        let v = platform
            .transition(&agency, &id, v, json!({"action": "accept"}))
            .await;
        let v = platform
            .transition(&agency, &id, v, json!({"action": "start"}))
            .await;
        platform
            .transition(
                &agency,
                &id,
                v,
                json!({"action": "close", "outcome": "support_completed"}),
            )
            .await;
        events += 3;
    }
    let trainer = principal(Role::Trainer, &[]);
    platform
        .record_completion(&trainer, "restorative-practice", "2026-10-05")
        .await;
    platform
        .record_completion(&trainer, "ace-awareness", "2026-11-02")
        .await;
    events += 2;
    let neighbourhood = principal(Role::Frontline, &["hull"]);
    for seldom_heard in [true, true, false] {
        platform
            .log_engagement(&neighbourhood, "2026-10-14", seldom_heard)
            .await;
        events += 1;
    }
    // A frequent caller: seven calls on 1–7 October in Myton, the sixth and
    // seventh repeats under "more than 5 in 30 days". The import publishes
    // the calls on record (a level of 7) and the repeat demand (one caller,
    // two repeat incidents): levels whose values the cells sum.
    let mut csv = String::from(
        "incident_number,opened_at,closed_at,opening_category,closing_category,qualifiers,grade,place,caller_ref,address_ref\n",
    );
    for d in 1..=7 {
        csv.push_str(&format!(
            "F-{d},2026-10-{d:02}T10:00:00Z,,public safety and welfare,,,2,myton,c:{:016x},\n",
            7
        ));
    }
    platform.import_incidents(csv).await;
    events += 7 + 1 + 2;
    wait_for_events(&platform, events).await;

    let before = eip_governance::store::facts::all_facts(platform.read_model.pool())
        .await
        .expect("facts");
    let kinds: Vec<&str> = before.iter().map(|(_, f)| f.kind.as_str()).collect();
    for kind in [
        "referral.submitted",
        "referral.triaged",
        "referral.shared",
        "referral.accepted",
        "referral.declined",
        "referral.started",
        "referral.closed",
        "referral.withdrawn",
        "training.completion_recorded",
        "engagement.held",
        "engagement.demand_recorded",
        "engagement.repeat_flagged",
        "engagement.repeat_incidents",
    ] {
        assert!(kinds.contains(&kind), "{kind} counted");
    }
    // The repeat-demand measures' cells: Hull, October, the preset rule.
    let repeat: Vec<(&str, &str, &str, &str, i64)> = before
        .iter()
        .filter(|(_, f)| f.kind.starts_with("engagement.repeat_"))
        .map(|(_, f)| {
            (
                f.kind.as_str(),
                f.area_id.as_str(),
                f.period.as_str(),
                f.category.as_str(),
                f.n,
            )
        })
        .collect();
    assert_eq!(
        repeat,
        [
            (
                "engagement.repeat_flagged",
                "hull",
                "2026-10",
                "more-than-5-in-30-days",
                1
            ),
            (
                "engagement.repeat_incidents",
                "hull",
                "2026-10",
                "more-than-5-in-30-days",
                2
            ),
        ]
    );
    // Engagements count by whether they reached seldom-heard groups.
    let held: Vec<(&str, &str, i64)> = before
        .iter()
        .filter(|(_, f)| f.kind == "engagement.held")
        .map(|(_, f)| (f.area_id.as_str(), f.category.as_str(), f.n))
        .collect();
    assert_eq!(held, [("hull", "general", 1), ("hull", "seldom_heard", 2)]);
    // Triage and closure were timed from submission.
    assert!(
        before
            .iter()
            .filter(|(_, f)| f.kind == "referral.triaged")
            .all(|(_, f)| f.timed == f.n)
    );

    // Only administrators may rebuild.
    let res = platform
        .send(
            Method::POST,
            "/read-models/rebuild",
            &principal(Role::Analyst, &[]),
            None,
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = platform
        .send(
            Method::POST,
            "/read-models/rebuild",
            &principal(Role::Admin, &[]),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    let replayed: i64 = body["replayed"]
        .as_object()
        .expect("per source")
        .values()
        .filter_map(serde_json::Value::as_i64)
        .sum();
    // The live consumer may apply some of them first; none is lost or doubled.
    assert!(replayed <= events, "{body}");
    // And the same again through the function, with nothing running beside it.
    let config = crate::helpers::governance_settings_for(&platform);
    let shared = Shared {
        bus: Bus::InProcess(InProcessBus::default()),
        keys: platform.keys.clone(),
    };
    let consumers =
        eip_governance::jobs::read_model::consumers(&platform.read_model, &shared, &config);
    let mut replayed = 0;
    for c in &consumers {
        replayed += eip_governance::jobs::read_model::rebuild(&platform.read_model, c)
            .await
            .expect("rebuild");
    }
    assert!(replayed as i64 <= events);
    let after = eip_governance::store::facts::all_facts(platform.read_model.pool())
        .await
        .expect("facts");
    assert_eq!(after, before);
    platform.stop().await;
}

on_both_backends!(multi_thread via crate::helpers::in_process:
    admins_edit_the_framework_and_bad_measures_are_refused,
    wiping_and_replaying_the_feeds_rebuilds_identical_figures,
);
