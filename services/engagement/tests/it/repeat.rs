//! Repeat-demand rules, flags, support paths and the hidden-demand worklist.

use crate::helpers::{Imports, TestApp, problem, user};
use crate::imports::{HEADER, address, caller, load_wards};
use eip_types::Role;
use eip_types::engagement::{
    HiddenDemand, ImportKind, OpenHiddenSupport, OpenSupport, ProblemCase, RepeatFlag, RepeatRule,
    RepeatSubject, RuleInput, RunRule, SupportPath,
};
use eip_types::events::EngagementEvent;
use reqwest::StatusCode;

on_both_backends!(
    the_presets_flag_at_n_contacts_within_m_days,
    rule_changes_make_versions_that_flags_record,
    flags_open_one_support_path,
    hidden_demand_lists_recurring_need_without_support,
    a_hidden_demand_row_opens_a_support_path_through_a_flag,
    repeat_demand_is_for_analysts_and_coordinators,
    repeat_demand_is_published_as_levels_per_ward_month_and_rule,
);

/// Incidents for caller `n` on each of `days` (days of October 2026).
fn calls(csv: &mut String, n: u32, days: &[u32]) {
    for (i, d) in days.iter().enumerate() {
        csv.push_str(&format!(
            "C{n}-{i},2026-{},,public safety and welfare,,,2,myton,{},\n",
            if *d == 0 {
                "09-30T10:00:00Z".to_owned()
            } else if *d > 100 {
                format!("09-{:02}T10:00:00Z", d - 100)
            } else {
                format!("10-{d:02}T10:00:00Z")
            },
            caller(n),
        ));
    }
}

async fn run(app: &TestApp, rule: &str, as_of: &str) -> Vec<RepeatFlag> {
    let res = app
        .post(
            &format!("/repeat-rules/{rule}/run"),
            &user(Role::Analyst),
            &RunRule {
                as_of: Some(as_of.into()),
                area: None,
            },
        )
        .await;
    let status = res.status();
    if status != StatusCode::OK {
        panic!(
            "running {rule}: {status} {}",
            res.text().await.unwrap_or_default()
        );
    }
    res.json().await.expect("flags")
}

async fn the_presets_flag_at_n_contacts_within_m_days(app: &TestApp) {
    load_wards(app).await;
    let mut csv = HEADER.to_owned();
    // "More than 5 in 30 days", run on 31 October: the window is 2–31 October.
    calls(&mut csv, 1, &[5, 6, 7, 8, 9]); // N − 1
    calls(&mut csv, 2, &[5, 6, 7, 8, 9, 10]); // N
    calls(&mut csv, 3, &[5, 6, 7, 8, 9, 10, 11]); // N + 1
    calls(&mut csv, 4, &[2, 6, 7, 8, 9, 10]); // the 30th day back counts
    calls(&mut csv, 5, &[1, 6, 7, 8, 9, 10]); // the 31st does not
    app.import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;
    let flags = run(app, "more-than-5-in-30-days", "2026-10-31").await;
    let got: Vec<(String, i64)> = flags
        .iter()
        .map(|f| (f.subject_ref.clone(), f.contacts))
        .collect();
    assert_eq!(
        got,
        [(caller(3), 7), (caller(2), 6), (caller(4), 6)],
        "{flags:?}"
    );
    let f = &flags[0];
    assert_eq!((f.rule_version, f.subject), (1, RepeatSubject::Caller));
    assert_eq!((f.place_id.as_str(), f.area_id.as_str()), ("myton", "hull"));
    assert!(f.lawful_basis.contains("DPA 2018"));
    assert_eq!(
        (f.first_contact.as_str(), f.last_contact.as_str()),
        ("2026-10-05", "2026-10-11")
    );
    assert_eq!(f.support_path, None);

    // Running again does not duplicate; the list is the top N by contacts.
    run(app, "more-than-5-in-30-days", "2026-10-31").await;
    let listed: Vec<RepeatFlag> = app
        .get("/repeat-flags?limit=2", &user(Role::Coordinator))
        .await
        .json()
        .await
        .expect("flags");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].subject_ref, caller(3));
    let all: Vec<RepeatFlag> = app
        .get("/repeat-flags", &user(Role::Coordinator))
        .await
        .json()
        .await
        .expect("flags");
    assert_eq!(all.len(), 3);
}

fn input(n: i64, m: i64) -> RuleInput {
    RuleInput {
        name: "Domestic at one address".into(),
        subject: RepeatSubject::Address,
        min_contacts: n,
        window_days: m,
        category: None,
        qualifier: Some("domestic".into()),
        lawful_basis: "Policing purpose: protecting life; DPA 2018 Part 3 s.35.".into(),
    }
}

async fn rule_changes_make_versions_that_flags_record(app: &TestApp) {
    load_wards(app).await;
    let mut csv = HEADER.to_owned();
    for (i, d) in [1, 3, 5].iter().enumerate() {
        csv.push_str(&format!(
            "D-{i},2026-10-{d:02}T22:00:00Z,,public safety and welfare,,domestic,1,avenue,,{}\n",
            address(9)
        ));
    }
    csv.push_str(&format!(
        "D-9,2026-10-06T22:00:00Z,,public safety and welfare,,,1,avenue,,{}\n",
        address(9)
    ));
    app.import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;
    let analyst = user(Role::Analyst);
    let res = app.post("/repeat-rules", &analyst, &input(4, 30)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let rule: RepeatRule = res.json().await.expect("a rule");
    assert_eq!(rule.version, 1);
    // Only the three domestic incidents count: 4 is not met.
    assert!(run(app, &rule.id, "2026-10-10").await.is_empty());

    let res = app
        .client
        .put(app.url(&format!("/repeat-rules/{}", rule.id)))
        .bearer_auth(app.token(&analyst))
        .json(&input(3, 30))
        .send()
        .await
        .expect("sent");
    let v2: RepeatRule = res.json().await.expect("a rule");
    assert_eq!((v2.id.as_str(), v2.version), (rule.id.as_str(), 2));
    let flags = run(app, &rule.id, "2026-10-10").await;
    assert_eq!(flags.len(), 1);
    assert_eq!((flags[0].rule_version, flags[0].contacts), (2, 3));
    assert_eq!(flags[0].subject_ref, address(9));

    let rules: Vec<RepeatRule> = app
        .get("/repeat-rules", &user(Role::Coordinator))
        .await
        .json()
        .await
        .expect("rules");
    let presets: Vec<&str> = rules
        .iter()
        .filter(|r| r.preset)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(presets.len(), 3, "{presets:?}");
    assert!(rules.iter().any(|r| r.id == rule.id && r.version == 2));

    let p = problem(
        app.post(
            "/repeat-rules",
            &analyst,
            &RuleInput {
                lawful_basis: " ".into(),
                min_contacts: 1,
                window_days: 0,
                qualifier: Some("curfew".into()),
                ..input(3, 30)
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["lawful_basis", "min_contacts", "window_days", "qualifier"] {
        assert!(p.field(field).is_some(), "{field}: {p:?}");
    }
}

async fn flags_open_one_support_path(app: &TestApp) {
    load_wards(app).await;
    let mut csv = HEADER.to_owned();
    calls(&mut csv, 1, &[5, 6, 7, 8, 9, 10]);
    calls(&mut csv, 2, &[5, 6, 7, 8, 9, 10]);
    app.import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;
    let flags = run(app, "more-than-5-in-30-days", "2026-10-31").await;
    let coordinator = user(Role::Coordinator);
    let support = |f: &RepeatFlag, path| {
        (
            format!("/repeat-flags/{}/support", f.id),
            OpenSupport { path },
        )
    };
    let (path, body) = support(&flags[0], SupportPath::ProblemSolvingCase);
    let res = app.post(&path, &coordinator, &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let flag: RepeatFlag = res.json().await.expect("a flag");
    assert_eq!(flag.support_path, Some(SupportPath::ProblemSolvingCase));
    let case_id = flag.case_id.expect("a case");
    let case: ProblemCase = app
        .get(&format!("/cases/{case_id}"), &coordinator)
        .await
        .json()
        .await
        .expect("a case");
    assert_eq!(case.scanning.flag_ids, std::slice::from_ref(&flag.id));
    assert_eq!(case.place_ids, ["myton"]);
    problem(
        app.post(&path, &coordinator, &body).await,
        StatusCode::CONFLICT,
    )
    .await;

    let (path, body) = support(&flags[1], SupportPath::ReferralSuggestion);
    let flag: RepeatFlag = app
        .post(&path, &coordinator, &body)
        .await
        .json()
        .await
        .expect("a flag");
    assert_eq!(flag.support_path, Some(SupportPath::ReferralSuggestion));
    assert_eq!(flag.case_id, None);

    // Both are now off the open list.
    let open: Vec<RepeatFlag> = app
        .get("/repeat-flags", &coordinator)
        .await
        .json()
        .await
        .expect("flags");
    assert!(open.is_empty());
    let actioned: Vec<RepeatFlag> = app
        .get("/repeat-flags?open=false", &coordinator)
        .await
        .json()
        .await
        .expect("flags");
    assert_eq!(actioned.len(), 2);
    // Outside the user's areas, a flag is not found.
    let east = eip_test_support::principal(Role::Coordinator, &["east-riding"]);
    let (path, body) = support(&flags[0], SupportPath::ReferralSuggestion);
    problem(app.post(&path, &east, &body).await, StatusCode::NOT_FOUND).await;
}

async fn hidden_demand_lists_recurring_need_without_support(app: &TestApp) {
    load_wards(app).await;
    let today = chrono::Utc::now().date_naive();
    let mut csv = HEADER.to_owned();
    for i in 0..3u64 {
        let day = today - chrono::Days::new(10 + i * 5);
        csv.push_str(&format!(
            "H-{i},{day}T21:00:00Z,,public safety and welfare,,domestic,1,myton,{},{}\n",
            caller(40 + i as u32),
            address(77)
        ));
        csv.push_str(&format!(
            "M-{i},{day}T21:00:00Z,,public safety and welfare,,missing person,1,avenue,{},{}\n",
            caller(88),
            address(50 + i as u32)
        ));
    }
    // Only two at this address: below the default of three.
    for i in 0..2u64 {
        let day = today - chrono::Days::new(3 + i);
        csv.push_str(&format!(
            "L-{i},{day}T21:00:00Z,,public safety and welfare,,domestic,1,myton,,{}\n",
            address(99)
        ));
    }
    app.import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;
    let list: Vec<HiddenDemand> = app
        .get("/hidden-demand", &user(Role::Coordinator))
        .await
        .json()
        .await
        .expect("worklist");
    let got: Vec<(RepeatSubject, String, &str, i64, &str)> = list
        .iter()
        .map(|h| {
            (
                h.subject,
                h.subject_ref.clone(),
                h.qualifier.as_str(),
                h.incidents,
                h.rule_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                RepeatSubject::Address,
                address(77),
                "domestic",
                3,
                "hidden-domestic-address"
            ),
            (
                RepeatSubject::Caller,
                caller(88),
                "missing_person",
                3,
                "hidden-missing-person-caller"
            ),
        ]
    );

    // Once a support path is open for the address, it leaves the list.
    let analyst = user(Role::Analyst);
    let rule: RepeatRule = app
        .post("/repeat-rules", &analyst, &input(3, 90))
        .await
        .json()
        .await
        .expect("a rule");
    let flags = run(app, &rule.id, &today.to_string()).await;
    assert_eq!(flags.len(), 1);
    app.post(
        &format!("/repeat-flags/{}/support", flags[0].id),
        &analyst,
        &OpenSupport {
            path: SupportPath::ReferralSuggestion,
        },
    )
    .await;
    let list: Vec<HiddenDemand> = app
        .get("/hidden-demand", &analyst)
        .await
        .json()
        .await
        .expect("worklist");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].subject_ref, caller(88));
}

/// Three domestic incidents at one address in the last month, and two at
/// another: the first is on the worklist, the second is not.
async fn hidden_domestic_demand(app: &TestApp) {
    load_wards(app).await;
    let today = chrono::Utc::now().date_naive();
    let mut csv = HEADER.to_owned();
    for i in 0..3u64 {
        let day = today - chrono::Days::new(2 + i * 7);
        csv.push_str(&format!(
            "D-{i},{day}T22:00:00Z,,public safety and welfare,,domestic,1,myton,,{}\n",
            address(71)
        ));
    }
    for i in 0..2u64 {
        let day = today - chrono::Days::new(4 + i);
        csv.push_str(&format!(
            "E-{i},{day}T22:00:00Z,,public safety and welfare,,domestic,1,myton,,{}\n",
            address(72)
        ));
    }
    app.import(&user(Role::Analyst), ImportKind::Incidents, None, csv)
        .await;
}

fn from_row(subject_ref: String, path: SupportPath) -> OpenHiddenSupport {
    OpenHiddenSupport {
        rule_id: "hidden-domestic-address".into(),
        subject_ref,
        path,
    }
}

async fn a_hidden_demand_row_opens_a_support_path_through_a_flag(app: &TestApp) {
    hidden_domestic_demand(app).await;
    let coordinator = user(Role::Coordinator);

    // Bad requests name the field; nothing is recorded.
    let p = problem(
        app.post(
            "/hidden-demand/support",
            &coordinator,
            &OpenHiddenSupport {
                rule_id: "more-than-5-in-30-days".into(),
                ..from_row(address(71), SupportPath::ProblemSolvingCase)
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("rule_id").is_some());
    let p = problem(
        app.post(
            "/hidden-demand/support",
            &coordinator,
            &from_row(address(72), SupportPath::ProblemSolvingCase),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        p.field("subject_ref").is_some(),
        "two incidents are below the rule"
    );
    // Someone working elsewhere cannot reach the address through the list.
    let elsewhere = eip_test_support::principal(Role::Coordinator, &["east-riding"]);
    problem(
        app.post(
            "/hidden-demand/support",
            &elsewhere,
            &from_row(address(71), SupportPath::ProblemSolvingCase),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for role in Role::ALL
        .into_iter()
        .filter(|r| !matches!(r, Role::Analyst | Role::Coordinator))
    {
        problem(
            app.post(
                "/hidden-demand/support",
                &user(role),
                &from_row(address(71), SupportPath::ProblemSolvingCase),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let flags: Vec<RepeatFlag> = app
        .get("/repeat-flags?open=false", &coordinator)
        .await
        .json()
        .await
        .expect("flags");
    assert!(flags.is_empty(), "refusals record nothing");

    // A coordinator opens a case from the row: a flag of the worklist's
    // rule records the version and lawful basis, and the case scans the
    // ward with the flag's demand.
    let res = app
        .post(
            "/hidden-demand/support",
            &coordinator,
            &from_row(address(71), SupportPath::ProblemSolvingCase),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let flag: RepeatFlag = res.json().await.expect("the flag");
    assert_eq!(flag.rule_id, "hidden-domestic-address");
    assert_eq!(flag.rule_version, 1);
    assert_eq!(flag.subject, RepeatSubject::Address);
    assert_eq!(flag.subject_ref, address(71));
    assert_eq!(flag.contacts, 3);
    assert_eq!(flag.place_id, "myton");
    assert!(flag.lawful_basis.contains("Children Act 2004"));
    assert_eq!(flag.support_path, Some(SupportPath::ProblemSolvingCase));
    let case_id = flag.case_id.clone().expect("a case");
    let case: ProblemCase = app
        .get(&format!("/cases/{case_id}"), &coordinator)
        .await
        .json()
        .await
        .expect("the case");
    assert_eq!(case.scanning.flag_ids, std::slice::from_ref(&flag.id));
    assert_eq!(case.place_ids, ["myton"]);

    // The row leaves the worklist, and a second path is refused.
    let list: Vec<HiddenDemand> = app
        .get("/hidden-demand", &coordinator)
        .await
        .json()
        .await
        .expect("worklist");
    assert!(
        list.iter().all(|h| h.subject_ref != address(71)),
        "{list:?}"
    );
    problem(
        app.post(
            "/hidden-demand/support",
            &coordinator,
            &from_row(address(71), SupportPath::ReferralSuggestion),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
}

async fn repeat_demand_is_for_analysts_and_coordinators(app: &TestApp) {
    for role in Role::ALL {
        let allowed = matches!(role, Role::Analyst | Role::Coordinator);
        for path in ["/repeat-rules", "/repeat-flags", "/hidden-demand"] {
            let res = app.get(path, &user(role)).await;
            if allowed {
                assert_eq!(res.status(), StatusCode::OK, "{path} {role}");
            } else {
                problem(res, StatusCode::FORBIDDEN).await;
            }
        }
        let res = app.post("/repeat-rules", &user(role), &input(3, 30)).await;
        if role == Role::Analyst {
            assert_eq!(res.status(), StatusCode::CREATED);
        } else {
            problem(res, StatusCode::FORBIDDEN).await;
        }
    }
    problem(
        app.get("/hidden-demand?area=east-riding", &user(Role::Analyst))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let p = problem(
        app.post(
            "/repeat-rules/more-than-5-in-30-days/run",
            &user(Role::Analyst),
            &RunRule {
                as_of: Some("31/10/2026".into()),
                area: None,
            },
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.field("as_of").is_some());
    problem(
        app.post(
            "/repeat-rules/no-such-rule/run",
            &user(Role::Analyst),
            &RunRule {
                as_of: None,
                area: None,
            },
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

/// The latest repeat-demand level per ward, month and rule in the feed, and
/// how many such events there are in all.
async fn repeat_levels(app: &TestApp) -> (Vec<(String, String, String, i64, i64, i64)>, usize) {
    app.levels_published().await;
    let events = app.events().await;
    let mut latest = std::collections::BTreeMap::new();
    let mut n = 0;
    for env in &events {
        if env.kind != "engagement.repeat_demand_recorded" {
            continue;
        }
        // Counts, never a caller or address reference.
        let text = env.payload.to_string();
        assert!(!text.contains("c:") && !text.contains("a:"), "{text}");
        n += 1;
        match EngagementEvent::from_envelope(env) {
            Some(EngagementEvent::RepeatDemandRecorded {
                place_id,
                area_id,
                month,
                rule_id,
                rule_version,
                subject,
                subjects,
                incidents,
            }) => {
                assert_eq!(area_id, "hull");
                assert_eq!(subject, RepeatSubject::Caller);
                latest.insert(
                    (place_id, month, rule_id),
                    (rule_version, subjects, incidents),
                );
            }
            other => panic!("unreadable repeat demand event {other:?}"),
        }
    }
    let levels = latest
        .into_iter()
        .map(|((place, month, rule), (v, s, i))| (place, month, rule, v, s, i))
        .collect();
    (levels, n)
}

fn level(
    place: &str,
    month: &str,
    version: i64,
    subjects: i64,
    incidents: i64,
) -> (String, String, String, i64, i64, i64) {
    (
        place.into(),
        month.into(),
        "more-than-5-in-30-days".into(),
        version,
        subjects,
        incidents,
    )
}

async fn repeat_demand_is_published_as_levels_per_ward_month_and_rule(app: &TestApp) {
    load_wards(app).await;
    let analyst = user(Role::Analyst);
    // Caller 1: seven contacts on 1–7 October in Myton, so the sixth and
    // seventh are repeats under "more than 5 in 30 days"; caller 2: five.
    let mut csv = HEADER.to_owned();
    calls(&mut csv, 1, &[1, 2, 3, 4, 5, 6, 7]);
    calls(&mut csv, 2, &[1, 2, 3, 4, 5]);
    app.import(&analyst, ImportKind::Incidents, None, csv.clone())
        .await;
    let (levels, published) = repeat_levels(app).await;
    assert_eq!(levels, [level("myton", "2026-10", 1, 1, 2)]);
    assert_eq!(published, 1);

    // The same file again changes nothing, so nothing more is published.
    app.import(&analyst, ImportKind::Incidents, None, csv).await;
    assert_eq!(repeat_demand_count(app).await, 1);

    // A correction moves caller 1's seventh contact to 20 November: October
    // keeps one repeat, and November has none (one contact in its window
    // since 22 October).
    let mut moved = HEADER.to_owned();
    moved.push_str(&format!(
        "C1-6,2026-11-20T10:00:00Z,,public safety and welfare,,,2,myton,{},\n",
        caller(1)
    ));
    app.import(&analyst, ImportKind::Incidents, None, moved)
        .await;
    let (levels, published) = repeat_levels(app).await;
    assert_eq!(levels, [level("myton", "2026-10", 1, 1, 1)]);
    assert_eq!(published, 2);

    // A revised rule (more than 6) takes effect when it is run: caller 1 now
    // has six contacts in October, short of seven, so the level falls to
    // zero, published once with the version that was run.
    let revised = RuleInput {
        name: "More than 6 contacts in 30 days".into(),
        subject: RepeatSubject::Caller,
        min_contacts: 7,
        window_days: 30,
        category: None,
        qualifier: None,
        lawful_basis: "Policing purpose: protecting life; DPA 2018 Part 3 s.35.".into(),
    };
    let res = app
        .client
        .put(app.url("/repeat-rules/more-than-5-in-30-days"))
        .bearer_auth(app.token(&analyst))
        .json(&revised)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        run(app, "more-than-5-in-30-days", "2026-10-31")
            .await
            .is_empty()
    );
    let (levels, published) = repeat_levels(app).await;
    assert_eq!(levels, [level("myton", "2026-10", 2, 0, 0)]);
    assert_eq!(published, 3);
    // Running it again publishes nothing new.
    run(app, "more-than-5-in-30-days", "2026-10-31").await;
    assert_eq!(repeat_demand_count(app).await, 3);
}

async fn repeat_demand_count(app: &TestApp) -> usize {
    repeat_levels(app).await.1
}
