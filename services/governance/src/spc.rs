//! XmR charts: centre line, process limits, the four special-cause rules,
//! and the variation and assurance icons (NHS "Making Data Count").
//!
//! Pure functions over a series of `(month, value)`: no I/O, golden-tested.

use eip_types::governance::{
    Assurance, Direction, Rebase, Signal, SpcChart, SpcPoint, SpcRule, SpcSegment, Variation,
};

/// Limits are set from a segment's first this-many points.
pub const BASELINE: usize = 12;
/// Length of a shift or a trend.
pub const RUN: usize = 7;
/// Limits sit this many average moving ranges from the mean.
pub const SCALING: f64 = 2.66;

/// Published figures carry at most one decimal, so a point and a line
/// closer than this differ only by the arithmetic's rounding: the point is
/// on the line, not beyond it.
const TOLERANCE: f64 = 1e-9;

/// Whether `v` lies above `line` by more than rounding.
fn above(v: f64, line: f64) -> bool {
    v - line > TOLERANCE * line.abs().max(1.0)
}

/// Whether `v` lies below `line` by more than rounding.
fn below(v: f64, line: f64) -> bool {
    line - v > TOLERANCE * line.abs().max(1.0)
}

struct Limits {
    mean: f64,
    upper: Option<f64>,
    lower: Option<f64>,
}

/// Limits from a baseline; `follows[i]` says whether point `i` is the
/// month after point `i - 1`. A moving range is taken only between
/// consecutive months, never across a hidden month; with no moving range
/// there are no limits.
fn limits(baseline: &[f64], follows: &[bool]) -> Limits {
    let mean = baseline.iter().sum::<f64>() / baseline.len().max(1) as f64;
    let ranges: Vec<f64> = (1..baseline.len())
        .filter(|&i| follows.get(i).copied().unwrap_or(true))
        .map(|i| (baseline[i] - baseline[i - 1]).abs())
        .collect();
    if ranges.is_empty() {
        return Limits {
            mean,
            upper: None,
            lower: None,
        };
    }
    let mr = ranges.iter().sum::<f64>() / ranges.len() as f64;
    Limits {
        mean,
        upper: Some(mean + SCALING * mr),
        lower: Some(mean - SCALING * mr),
    }
}

/// Flags, for each point of a segment, the rules it breaks and whether the
/// special cause is high (`true`) or low.
fn rules(values: &[f64], l: &Limits) -> Vec<Vec<(SpcRule, bool)>> {
    let n = values.len();
    let mut flags: Vec<Vec<(SpcRule, bool)>> = vec![Vec::new(); n];

    // A point beyond a limit (a point on a limit is not beyond it).
    for (i, &v) in values.iter().enumerate() {
        if l.upper.is_some_and(|u| above(v, u)) {
            flags[i].push((SpcRule::BeyondLimit, true));
        } else if l.lower.is_some_and(|lo| below(v, lo)) {
            flags[i].push((SpcRule::BeyondLimit, false));
        }
    }

    // Shift: a run of points on one side; a point on the mean breaks it.
    let side = |v: f64| {
        if above(v, l.mean) {
            1
        } else if below(v, l.mean) {
            -1
        } else {
            0
        }
    };
    let mut start = 0;
    for i in 1..=n {
        if i == n || side(values[i]) != side(values[start]) || side(values[i]) == 0 {
            if side(values[start]) != 0 && i - start >= RUN {
                for f in &mut flags[start..i] {
                    f.push((SpcRule::Shift, side(values[start]) > 0));
                }
            }
            start = i;
        }
    }

    // Trend: points each strictly above (or below) the one before; a tie
    // breaks the run. A run of RUN points has RUN - 1 steps.
    for rising in [true, false] {
        let step = |a: f64, b: f64| if rising { b > a } else { b < a };
        let mut start = 0;
        for i in 1..=n {
            if i == n || !step(values[i - 1], values[i]) {
                if i - start >= RUN {
                    for f in &mut flags[start..i] {
                        f.push((SpcRule::Trend, rising));
                    }
                }
                start = i;
            }
        }
    }

    // Two of three consecutive points beyond two-thirds of the way to a
    // limit, on the same side.
    if let (Some(u), Some(lo)) = (l.upper, l.lower) {
        let high_line = l.mean + (u - l.mean) * 2.0 / 3.0;
        let low_line = l.mean - (l.mean - lo) * 2.0 / 3.0;
        for w in 0..n.saturating_sub(2) {
            for high in [true, false] {
                let beyond = |v: f64| {
                    if high {
                        above(v, high_line)
                    } else {
                        below(v, low_line)
                    }
                };
                let hits: Vec<usize> = (w..w + 3).filter(|&i| beyond(values[i])).collect();
                if hits.len() >= 2 {
                    for i in hits {
                        if !flags[i].contains(&(SpcRule::TwoOfThree, high)) {
                            flags[i].push((SpcRule::TwoOfThree, high));
                        }
                    }
                }
            }
        }
    }
    for f in &mut flags {
        f.sort_by_key(|(r, _)| *r as u8);
    }
    flags
}

fn signal(good: Direction, high: bool) -> Signal {
    match (good, high) {
        (Direction::Higher, true) | (Direction::Lower, false) => Signal::Improving,
        (Direction::Higher, false) | (Direction::Lower, true) => Signal::Concerning,
        (Direction::Neither, _) => Signal::Neither,
    }
}

/// Where each segment starts, and the rebase that starts it. A rebase takes
/// effect at the first point of its month or later; one at or before the
/// first point changes nothing and is ignored.
fn segment_starts<'a>(
    series: &[(String, f64)],
    rebases: &'a [Rebase],
) -> Vec<(usize, Option<&'a Rebase>)> {
    let mut sorted: Vec<&Rebase> = rebases.iter().collect();
    sorted.sort_by(|a, b| a.period.cmp(&b.period));
    let mut starts: Vec<(usize, Option<&Rebase>)> = vec![(0, None)];
    for r in sorted {
        if let Some(i) = series.iter().position(|(p, _)| *p >= r.period)
            && i > 0
        {
            match starts.last_mut() {
                Some(last) if last.0 == i => last.1 = Some(r),
                _ => starts.push((i, Some(r))),
            }
        }
    }
    starts
}

/// The month after `period` (`YYYY-MM`).
fn next_month(period: &str) -> String {
    let (y, m) = period.split_once('-').unwrap_or_default();
    let (y, m): (i32, u32) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0));
    if m >= 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", m + 1)
    }
}

/// The chart of a series in month order, split at recorded rebases. Hidden
/// months are absent from the series: a gap.
pub fn chart(
    series: &[(String, f64)],
    rebases: &[Rebase],
    good: Direction,
    target: Option<f64>,
) -> SpcChart {
    let starts = if series.is_empty() {
        Vec::new()
    } else {
        segment_starts(series, rebases)
    };
    let mut points = Vec::with_capacity(series.len());
    let mut segments = Vec::with_capacity(starts.len());
    let mut last_high = None;
    for (s, (start, rebase)) in starts.iter().enumerate() {
        let end = starts.get(s + 1).map_or(series.len(), |n| n.0);
        let values: Vec<f64> = series[*start..end].iter().map(|(_, v)| *v).collect();
        let follows: Vec<bool> = (*start..end)
            .map(|i| i == 0 || next_month(&series[i - 1].0) == series[i].0)
            .collect();
        let l = limits(&values[..values.len().min(BASELINE)], &follows);
        let flags = rules(&values, &l);
        for ((period, value), f) in series[*start..end].iter().zip(flags) {
            let high = f.first().map(|(_, h)| *h);
            last_high = high;
            points.push(SpcPoint {
                period: period.clone(),
                value: *value,
                segment: s,
                rules: f.iter().map(|(r, _)| *r).collect(),
                signal: high.map(|h| signal(good, h)),
            });
        }
        segments.push(SpcSegment {
            start: *start,
            len: end - start,
            mean: l.mean,
            upper: l.upper,
            lower: l.lower,
            trial: end - start < BASELINE,
            rebase: rebase.cloned(),
        });
    }
    let variation = match last_high {
        None => Variation::CommonCause,
        Some(high) => match (signal(good, high), high) {
            (Signal::Improving, true) => Variation::ImprovingHigh,
            (Signal::Improving, false) => Variation::ImprovingLow,
            (Signal::Concerning, true) => Variation::ConcerningHigh,
            (Signal::Concerning, false) => Variation::ConcerningLow,
            (Signal::Neither, true) => Variation::NeitherHigh,
            (Signal::Neither, false) => Variation::NeitherLow,
        },
    };
    let assurance = target.and_then(|t| assurance(segments.last()?, good, t));
    SpcChart {
        points,
        segments,
        variation,
        assurance,
        target,
    }
}

/// Whether the current process will meet the target: it consistently passes
/// when every value within its limits passes (a limit on the target passes,
/// as a value equal to the target meets it), consistently fails when none
/// does, and otherwise hits and misses.
fn assurance(current: &SpcSegment, good: Direction, target: f64) -> Option<Assurance> {
    let (upper, lower) = (current.upper?, current.lower?);
    Some(match good {
        Direction::Higher if lower >= target => Assurance::ConsistentlyPass,
        Direction::Higher if upper < target => Assurance::ConsistentlyFail,
        Direction::Lower if upper <= target => Assurance::ConsistentlyPass,
        Direction::Lower if lower > target => Assurance::ConsistentlyFail,
        Direction::Neither => return None,
        _ => Assurance::HitAndMiss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// A segment as the fixtures state it: mean, upper, lower, trial.
    type SegmentLine = (f64, Option<f64>, Option<f64>, bool);

    /// One golden case: a series, what is recorded about it, and the chart
    /// it must give.
    #[derive(Deserialize)]
    struct Case {
        name: String,
        values: Vec<f64>,
        #[serde(default)]
        rebase_at: Vec<usize>,
        good: Direction,
        #[serde(default)]
        target: Option<f64>,
        /// For each point, the rules that flag it.
        flags: Vec<Vec<SpcRule>>,
        variation: Variation,
        #[serde(default)]
        assurance: Option<Assurance>,
        /// Per segment: mean, upper, lower (or null), trial.
        #[serde(default)]
        segments: Option<Vec<SegmentLine>>,
    }

    fn month(i: usize) -> String {
        format!("{:04}-{:02}", 2024 + i / 12, i % 12 + 1)
    }

    #[test]
    fn golden_fixtures() {
        let cases: Vec<Case> = serde_json::from_str(include_str!("../tests/fixtures/spc.json"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(cases.len() >= 15);
        for case in cases {
            let series: Vec<(String, f64)> = case
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (month(i), *v))
                .collect();
            let rebases: Vec<Rebase> = case
                .rebase_at
                .iter()
                .map(|&i| Rebase {
                    period: month(i),
                    reason: "New triage process".into(),
                    recorded_by: "analyst-1".into(),
                    recorded_at: "2026-01-01T00:00:00Z".into(),
                })
                .collect();
            let c = chart(&series, &rebases, case.good, case.target);
            let flags: Vec<Vec<SpcRule>> = c.points.iter().map(|p| p.rules.clone()).collect();
            assert_eq!(flags, case.flags, "{}: flags", case.name);
            assert_eq!(c.variation, case.variation, "{}: variation", case.name);
            assert_eq!(c.assurance, case.assurance, "{}: assurance", case.name);
            if let Some(expected) = case.segments {
                let got: Vec<SegmentLine> = c
                    .segments
                    .iter()
                    .map(|s| {
                        let r = |x: f64| (x * 1000.0).round() / 1000.0;
                        (r(s.mean), s.upper.map(r), s.lower.map(r), s.trial)
                    })
                    .collect();
                assert_eq!(got, expected, "{}: segments", case.name);
            }
        }
    }

    #[test]
    fn every_icon_has_a_text_alternative() {
        for v in [
            Variation::CommonCause,
            Variation::ImprovingHigh,
            Variation::ImprovingLow,
            Variation::ConcerningHigh,
            Variation::ConcerningLow,
            Variation::NeitherHigh,
            Variation::NeitherLow,
        ] {
            assert!(v.text().len() > 20);
        }
        for a in [
            Assurance::ConsistentlyPass,
            Assurance::ConsistentlyFail,
            Assurance::HitAndMiss,
        ] {
            assert!(a.text().starts_with("Assurance"));
        }
    }

    #[test]
    fn moving_ranges_are_not_taken_across_a_hidden_month() {
        // 10, 12, [hidden], 30, 32: the ranges are 2 and 2, not 18.
        let series: Vec<(String, f64)> = [(0, 10.0), (1, 12.0), (3, 30.0), (4, 32.0)]
            .iter()
            .map(|(i, v)| (month(*i), *v))
            .collect();
        let c = chart(&series, &[], Direction::Higher, None);
        let s = &c.segments[0];
        assert!((s.mean - 21.0).abs() < 1e-9);
        assert_eq!(s.upper.map(|u| (u * 100.0).round()), Some(2632.0));
        // Only gaps: no moving range, no limits.
        let apart: Vec<(String, f64)> = [(0, 10.0), (2, 12.0), (4, 30.0)]
            .iter()
            .map(|(i, v)| (month(*i), *v))
            .collect();
        let c = chart(&apart, &[], Direction::Higher, None);
        assert_eq!((c.segments[0].upper, c.segments[0].lower), (None, None));
        assert_eq!(next_month("2026-12"), "2027-01");
    }

    #[test]
    fn an_empty_series_is_common_cause_with_no_segments() {
        let c = chart(&[], &[], Direction::Higher, Some(1.0));
        assert!(c.segments.is_empty());
        assert_eq!(c.variation, Variation::CommonCause);
        assert_eq!(c.assurance, None);
    }
}
