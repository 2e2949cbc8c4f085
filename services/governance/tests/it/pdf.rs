//! The PDF pack, read back: pages, the words it prints (each run of text
//! carries its words as /ActualText), symbols for hidden cells.

use eip_governance::compute::FactRow;
use eip_governance::framework::strategy;
use eip_governance::pdf;
use eip_test_support::pdf::{find, pages, row_after, texts};
use eip_types::governance::{
    Annotation, Dashboard, MeasureReport, Pack, PackInput, PackStatus, ReportValidation, TableRow,
};

fn report(months: &[String]) -> MeasureReport {
    let measure = strategy()
        .expect("the strategy parses")
        .measures
        .into_iter()
        .find(|m| m.id == "referrals-submitted")
        .expect("seeded");
    let facts: Vec<FactRow> = months
        .iter()
        .enumerate()
        .flat_map(|(i, m)| {
            [("hull", 20 + i as i64), ("east-riding", 2)].map(|(a, n)| FactRow {
                kind: "referral.submitted".into(),
                area_id: a.into(),
                period: m.clone(),
                category: "none".into(),
                n,
                timed: 0,
                elapsed_seconds: 0,
            })
        })
        .collect();
    eip_governance::report::measure_report(&measure, &facts, months, 4, &[]).expect("active")
}

fn pack(status: PackStatus) -> Pack {
    Pack {
        id: "p1".into(),
        series_id: "p1".into(),
        version: 3,
        status,
        input: PackInput {
            board_id: "ei-police-governance-board".into(),
            from: "2026-01".into(),
            to: "2026-06".into(),
            measure_ids: vec!["referrals-submitted".into()],
            commentary: "Referrals rose after the pilot began.".into(),
            annotations: vec![Annotation {
                date: "2026-03-02".into(),
                text: "Pilot starts".into(),
            }],
        },
        created_by: "analyst".into(),
        created_at: "2026-07-01T09:00:00Z".into(),
        reviewed_by: Some("admin".into()),
        reviewed_at: Some("2026-07-02T09:00:00Z".into()),
        signed_by: (status == PackStatus::Signed).then(|| "board".into()),
        signed_at: (status == PackStatus::Signed).then(|| "2026-07-03T09:00:00Z".into()),
        snapshot_sha256: (status == PackStatus::Signed).then(|| "ab".repeat(32)),
    }
}

fn dashboard(measures: Vec<MeasureReport>) -> Dashboard {
    Dashboard {
        from: "2026-01".into(),
        to: "2026-06".into(),
        suppress_up_to: 4,
        measures,
        planned: Vec::new(),
        validation: ReportValidation {
            period: "2026-01 to 2026-06".into(),
            valid: true,
            missing: Vec::new(),
        },
        charts: Vec::new(),
    }
}

fn months(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{}-{:02}", 2026 + i / 12, i % 12 + 1))
        .collect()
}

#[test]
fn the_pack_prints_its_period_areas_measures_and_status_and_hides_small_cells() {
    let months = months(6);
    let content = dashboard(vec![report(&months)]);
    let bytes = pdf::render(
        &pack(PackStatus::Signed),
        "EI Police Governance Board",
        &content,
    )
    .expect("renders");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(find(&bytes, b"/StructTreeRoot").is_some(), "tagged");
    assert!(find(&bytes, b"/MarkInfo").is_some(), "marked as tagged");
    let texts = texts(&bytes);
    let all = texts.join(" ");
    for expected in [
        "EI Police Governance Board: report pack",
        "Period: 2026-01 to 2026-06",
        "Measures: Referrals submitted",
        "Signed by board on 2026-07-03T09:00:00Z.",
        "Referrals rose after the pilot began.",
        "2026-03-02: Pilot starts",
    ] {
        assert!(all.contains(expected), "{expected} missing from {all}");
    }
    assert!(all.contains("Areas: ") && all.contains("Hull") && all.contains("East Riding"));
    // East Riding's twos are hidden, and so is its total; nothing shows a 2.
    let east = row_after(&texts, "East Riding", 7);
    assert!(east[..6].iter().all(|c| c == "[c]"), "{east:?}");
    assert!(!east.iter().any(|c| c == "2"), "{east:?}");
    assert!(
        all.contains("[c] Confidential"),
        "the footnote explains the symbol"
    );
    // The icons' words are printed, and given to the figures as Alt text.
    let variation = content.measures[0].chart.variation.text();
    assert!(all.contains(variation), "{variation}");
    assert!(find(&bytes, b"/Alt").is_some());
    // The same pack renders byte for byte the same.
    let again = pdf::render(
        &pack(PackStatus::Signed),
        "EI Police Governance Board",
        &content,
    )
    .expect("renders");
    assert_eq!(bytes, again);
}

#[test]
fn long_tables_run_over_pages_with_no_row_lost_and_wide_periods_split() {
    let months = months(18);
    let mut report = report(&months);
    let template = report.table.rows[0].clone();
    let per_page = pdf::rows_per_page();
    let n = per_page * 3 + 5;
    report.table.rows = (0..n)
        .map(|i| TableRow {
            area_id: format!("area-{i}"),
            area_name: format!("Area {i:03}"),
            ..template.clone()
        })
        .collect();
    let mut content = dashboard(vec![report]);
    content.from = months[0].clone();
    content.to = months[17].clone();
    let bytes = pdf::render(&pack(PackStatus::Draft), "Board", &content).expect("renders");
    let texts = texts(&bytes);
    // Eighteen months print as two table parts, so each area twice.
    for i in 0..n {
        let name = format!("Area {i:03}");
        assert_eq!(texts.iter().filter(|t| **t == name).count(), 2, "{name}");
    }
    assert!(texts.iter().any(|t| t.contains("2026-01 to 2026-12")));
    assert!(texts.iter().any(|t| t.contains("2027-01 to 2027-06")));
    // Two parts of n rows: at least 2n / rows-per-page pages of table, and
    // not many more.
    let table_pages = (2 * (n + 1)).div_ceil(per_page);
    let pages = pages(&bytes);
    assert!(
        (table_pages + 1..=table_pages + 4).contains(&pages),
        "{pages} pages for {table_pages} pages of table"
    );
    // A draft says its figures are live.
    assert!(
        texts
            .iter()
            .any(|t| t.contains("live until the pack is signed"))
    );
}
