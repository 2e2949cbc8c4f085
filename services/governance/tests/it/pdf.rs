//! The PDF pack, read back: pages, the words it prints (each run of text
//! carries its words as /ActualText), symbols for hidden cells.

use eip_governance::framework::strategy;
use eip_governance::pdf;
use eip_governance::read_model::FactRow;
use eip_types::governance::{
    Annotation, Dashboard, MeasureReport, Pack, PackInput, PackStatus, ReportValidation, TableRow,
};
use std::io::Read;

/// The decoded bodies of every stream in the file.
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(pos) = find(&pdf[at..], b"stream") {
        let start = at + pos;
        at = start + 6;
        if start >= 3 && &pdf[start - 3..start] == b"end" {
            continue;
        }
        let mut body = at;
        if pdf.get(body) == Some(&b'\r') {
            body += 1;
        }
        if pdf.get(body) == Some(&b'\n') {
            body += 1;
        }
        let Some(len) = find(&pdf[body..], b"endstream") else {
            break;
        };
        let raw = &pdf[body..body + len];
        let mut inflated = Vec::new();
        if flate2::read::ZlibDecoder::new(raw)
            .read_to_end(&mut inflated)
            .is_ok()
        {
            out.push(inflated);
        } else {
            out.push(raw.to_vec());
        }
        at = body + len + 9;
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A PDF string at the start of `s`: literal `( )` or hex `< >`, UTF-16BE
/// when it starts with a byte order mark.
fn pdf_string(s: &[u8]) -> Option<String> {
    let bytes = match s.first()? {
        b'(' => {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut i = 1;
            while let Some(&c) = s.get(i) {
                match c {
                    b'\\' => {
                        i += 1;
                        let e = *s.get(i)?;
                        out.push(match e {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            other => other,
                        });
                    }
                    b'(' => {
                        depth += 1;
                        out.push(c);
                    }
                    b')' if depth == 0 => break,
                    b')' => {
                        depth -= 1;
                        out.push(c);
                    }
                    _ => out.push(c),
                }
                i += 1;
            }
            out
        }
        b'<' => {
            let end = s.iter().position(|&c| c == b'>')?;
            let hex: Vec<u8> = s[1..end]
                .iter()
                .copied()
                .filter(u8::is_ascii_hexdigit)
                .collect();
            hex.chunks(2)
                .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                .collect()
        }
        _ => return None,
    };
    if bytes.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
            .collect();
        return Some(String::from_utf16_lossy(&units));
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Every run of text the PDF prints, in drawing order.
pub fn texts(pdf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for s in streams(pdf) {
        let mut at = 0;
        while let Some(pos) = find(&s[at..], b"/ActualText") {
            at += pos + 11;
            let rest = &s[at..];
            let skip = rest
                .iter()
                .position(|c| !c.is_ascii_whitespace())
                .unwrap_or(0);
            if let Some(t) = pdf_string(&rest[skip..]) {
                out.push(t);
            }
        }
    }
    out
}

/// The number of page objects.
pub fn pages(pdf: &[u8]) -> usize {
    let mut n = 0;
    let mut at = 0;
    while let Some(pos) = find(&pdf[at..], b"/Type") {
        at += pos + 5;
        let rest = &pdf[at..];
        let skip = rest
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(0);
        let name = &rest[skip..];
        if name.starts_with(b"/Page") && !name.get(5).is_some_and(u8::is_ascii_alphanumeric) {
            n += 1;
        }
    }
    n
}

/// The cells printed after a row's area name.
pub fn row_after(texts: &[String], area: &str, cells: usize) -> Vec<String> {
    let at = texts
        .iter()
        .position(|t| t == area)
        .unwrap_or_else(|| panic!("{area} not printed: {texts:?}"));
    texts[at + 1..(at + 1 + cells).min(texts.len())].to_vec()
}

fn report(months: &[String]) -> MeasureReport {
    let measure = strategy()
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
