//! Pilot evaluation: intervention against comparison areas, before and
//! after, by difference in differences. Pure functions, no I/O.

use crate::compute::{self, FactRow};
use crate::release::{self, Released};
use eip_types::FieldError;
use eip_types::governance::{
    DidEstimate, Formula, Framework, GroupSeries, Measure, MeasureEvaluation, MeasureStatus,
    PilotInput, Published, Scope,
};
use eip_types::place::local_authority_name;

/// How strong the evidence of a comparison-group design can be.
pub const EVIDENCE: &str = "Comparison-group design (difference in differences; Maryland Scientific \
Methods Scale level 3). Areas were not randomly assigned, so a difference may reflect how the areas \
differ rather than the pilot; it is credible only if the two groups moved in parallel before the \
pilot. Treat an estimate as indicative, not proof of effect.";

/// Months each side needs before anything is estimated.
pub const MIN_POINTS: usize = 2;

fn months_or(field: &str, from: &str, to: &str, errors: &mut Vec<FieldError>) -> Vec<String> {
    if from.trim().is_empty() || to.trim().is_empty() {
        errors.push(FieldError::new(field, "Give the first and last month."));
        return Vec::new();
    }
    match compute::months(from, to) {
        Some(m) if m.len() <= 60 => m,
        _ => {
            errors.push(FieldError::new(
                field,
                "Give months as YYYY-MM, first before last, at most five years.",
            ));
            Vec::new()
        }
    }
}

/// The pre- and post-period months, or every problem with the pilot.
pub fn validate(
    p: &PilotInput,
    framework: &Framework,
) -> Result<(Vec<String>, Vec<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    if p.name.trim().is_empty() || p.name.chars().count() > 200 {
        errors.push(FieldError::new(
            "name",
            "Name the pilot (up to 200 characters).",
        ));
    }
    if p.delivered.chars().count() > 5000 {
        errors.push(FieldError::new(
            "delivered",
            "Keep this under 5,000 characters.",
        ));
    }
    if p.measure_ids.is_empty() {
        errors.push(FieldError::new(
            "measure_ids",
            "Choose the measures the pilot aims to move.",
        ));
    }
    for (i, id) in p.measure_ids.iter().enumerate() {
        match framework.measures.iter().find(|m| m.id == *id) {
            Some(m) if m.status == MeasureStatus::Active && m.scope != Scope::Force => {}
            Some(_) => errors.push(FieldError::new(
                format!("measure_ids[{i}]"),
                "Only active measures reported per area can be evaluated.",
            )),
            None => errors.push(FieldError::new(
                format!("measure_ids[{i}]"),
                format!("There is no measure '{id}'."),
            )),
        }
    }
    for (field, areas) in [
        ("intervention_areas", &p.intervention_areas),
        ("comparison_areas", &p.comparison_areas),
    ] {
        if areas.is_empty() {
            errors.push(FieldError::new(field, "Choose at least one area."));
        }
        for (i, a) in areas.iter().enumerate() {
            if local_authority_name(a).is_none() {
                errors.push(FieldError::new(
                    format!("{field}[{i}]"),
                    format!("There is no area '{a}'."),
                ));
            }
        }
    }
    if p.intervention_areas
        .iter()
        .any(|a| p.comparison_areas.contains(a))
    {
        errors.push(FieldError::new(
            "comparison_areas",
            "An area cannot be both an intervention and a comparison area.",
        ));
    }
    let pre = months_or("pre_from", &p.pre_from, &p.pre_to, &mut errors);
    let post = months_or("post_from", &p.post_from, &p.post_to, &mut errors);
    if let (Some(last_pre), Some(first_post)) = (pre.last(), post.first())
        && last_pre >= first_post
    {
        errors.push(FieldError::new(
            "post_from",
            "The post-period must start after the pre-period ends.",
        ));
    }
    if errors.is_empty() {
        Ok((pre, post))
    } else {
        Err(errors)
    }
}

/// Refuses to estimate with fewer than two months on either side.
pub fn check_points(pre: &[String], post: &[String]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if pre.len() < MIN_POINTS {
        errors.push(FieldError::new(
            "pre_to",
            "The pre-period has one month: a change cannot be told from noise with one time point. Use at least two.",
        ));
    }
    if post.len() < MIN_POINTS {
        errors.push(FieldError::new(
            "post_to",
            "The post-period has one month: a change cannot be told from noise with one time point. Use at least two.",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Student's t, two-sided 95%, for small degrees of freedom.
fn t95(df: u32) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => T[df as usize - 1],
        _ => 1.96,
    }
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var)
}

fn slope(ys: &[(usize, f64)]) -> Option<f64> {
    if ys.len() < 2 {
        return None;
    }
    let n = ys.len() as f64;
    let mx = ys.iter().map(|(x, _)| *x as f64).sum::<f64>() / n;
    let my = ys.iter().map(|(_, y)| *y).sum::<f64>() / n;
    let sxx: f64 = ys.iter().map(|(x, _)| (*x as f64 - mx).powi(2)).sum();
    let sxy: f64 = ys.iter().map(|(x, y)| (*x as f64 - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Difference in differences over monthly group figures, treating months
/// as independent observations (Welch-style standard error, conservative
/// Satterthwaite-free degrees of freedom: n − 4).
pub fn did(pre_i: &[f64], post_i: &[f64], pre_c: &[f64], post_c: &[f64]) -> Option<DidEstimate> {
    if [pre_i, post_i, pre_c, post_c]
        .iter()
        .any(|s| s.len() < MIN_POINTS)
    {
        return None;
    }
    let parts: Vec<(f64, f64, f64)> = [pre_i, post_i, pre_c, post_c]
        .iter()
        .map(|s| {
            let (m, v) = mean_var(s);
            (m, v, s.len() as f64)
        })
        .collect();
    let estimate = (parts[1].0 - parts[0].0) - (parts[3].0 - parts[2].0);
    let standard_error = parts.iter().map(|(_, v, n)| v / n).sum::<f64>().sqrt();
    let df = parts.iter().map(|(_, _, n)| *n as u32).sum::<u32>() - 4;
    let t = t95(df);
    Some(DidEstimate {
        estimate,
        standard_error,
        low: estimate - t * standard_error,
        high: estimate + t * standard_error,
        degrees_of_freedom: df,
    })
}

/// A group's figure for a month, as published: a count is the sum of the
/// areas' released counts (shown only when every area's is, or when the
/// group is all four areas and their total is); a rate or mean is pooled
/// over the areas and shown only when no area's part rests on a small
/// number, so a group tells nothing about an area's hidden month.
fn group_value(
    formula: &Formula,
    facts: &[FactRow],
    released: &Released,
    areas: &[String],
    month: &str,
    up_to: u64,
) -> Published {
    if let Formula::Count { of } = formula {
        return release::shown(released.over_areas(of, areas, month));
    }
    let small = |v: i64| v >= 1 && v as u64 <= up_to;
    let risky = |f: &compute::Figure| {
        let den = f.denominator.unwrap_or(0);
        match formula {
            Formula::Rate { .. } => small(den) || small(f.numerator) || small(den - f.numerator),
            _ => small(den),
        }
    };
    let parts_safe = areas
        .iter()
        .all(|a| !risky(&compute::figure(formula, facts, Some(a), month)));
    let group: Vec<FactRow> = facts
        .iter()
        .filter(|f| areas.contains(&f.area_id))
        .cloned()
        .collect();
    let f = compute::figure(formula, &group, None, month);
    match f.value {
        None => Published::NotApplicable,
        Some(_) if !parts_safe || risky(&f) => Published::Confidential,
        Some(v) => Published::Number((v * 10.0).round() / 10.0),
    }
}

/// Evaluates one measure of a pilot from what may be published: hidden
/// months are left out of the estimate and the slope.
pub fn evaluate(
    measure: &Measure,
    p: &PilotInput,
    facts: &[FactRow],
    released: &Released,
    pre: &[String],
    post: &[String],
    up_to: u64,
) -> Option<MeasureEvaluation> {
    let formula = measure.formula.as_ref()?;
    let all: Vec<String> = pre.iter().chain(post).cloned().collect();
    let series = |areas: &[String]| {
        let values: Vec<Published> = all
            .iter()
            .map(|m| group_value(formula, facts, released, areas, m, up_to))
            .collect();
        let raw_pre: Vec<(usize, f64)> = values[..pre.len()]
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.number().map(|v| (i, v)))
            .collect();
        let raw_post: Vec<f64> = values[pre.len()..]
            .iter()
            .filter_map(|v| v.number())
            .collect();
        let shown = GroupSeries {
            months: all.clone(),
            pre_slope: slope(&raw_pre).map(|s| (s * 100.0).round() / 100.0),
            values,
        };
        (
            shown,
            raw_pre.into_iter().map(|(_, v)| v).collect::<Vec<f64>>(),
            raw_post,
        )
    };
    let (intervention, pre_i, post_i) = series(&p.intervention_areas);
    let (comparison, pre_c, post_c) = series(&p.comparison_areas);
    let did = did(&pre_i, &post_i, &pre_c, &post_c);
    let not_estimated = did.is_none().then(|| {
        "Fewer than two months with a figure on one side for one group (a rate of nothing has \
         no figure, and a hidden month is left out)."
            .to_owned()
    });
    let finding = match &did {
        None => "No estimate.".to_owned(),
        Some(d) => {
            let better = match measure.good_direction {
                eip_types::governance::Direction::Higher => d.estimate > 0.0,
                eip_types::governance::Direction::Lower => d.estimate < 0.0,
                eip_types::governance::Direction::Neither => false,
            };
            if d.low <= 0.0 && d.high >= 0.0 {
                format!(
                    "No clear difference: the 95% interval ({:.1} to {:.1}) includes no change.",
                    d.low, d.high
                )
            } else {
                format!(
                    "The intervention areas changed by {:.1} {} relative to the comparison areas \
                     (95% interval {:.1} to {:.1}){}; check the pre-period trends are parallel \
                     before crediting the pilot.",
                    d.estimate,
                    measure.unit.as_str(),
                    d.low,
                    d.high,
                    if better {
                        ", in the good direction"
                    } else {
                        ""
                    }
                )
            }
        }
    };
    Some(MeasureEvaluation {
        measure_id: measure.id.clone(),
        measure_name: measure.name.clone(),
        unit: measure.unit,
        intervention,
        comparison,
        did,
        not_estimated,
        finding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::seeded;

    fn input() -> PilotInput {
        PilotInput {
            name: "Night Challenge in Hull".into(),
            measure_ids: vec!["referrals-submitted".into()],
            intervention_areas: vec!["hull".into()],
            comparison_areas: vec!["east-riding".into(), "north-lincolnshire".into()],
            pre_from: "2026-01".into(),
            pre_to: "2026-03".into(),
            post_from: "2026-04".into(),
            post_to: "2026-06".into(),
            delivered: "Twelve sessions, 140 places taken up.".into(),
        }
    }

    #[test]
    fn difference_in_differences_with_its_interval() {
        let d = did(&[10.0, 12.0], &[20.0, 22.0], &[10.0, 12.0], &[12.0, 14.0])
            .unwrap_or_else(|| panic!("estimable"));
        assert_eq!(d.estimate, 8.0);
        // Each group-period variance is 2, n = 2: SE = sqrt(4 × 1) = 2.
        assert!((d.standard_error - 2.0).abs() < 1e-9);
        assert_eq!(d.degrees_of_freedom, 4);
        assert!((d.high - (8.0 + 2.776 * 2.0)).abs() < 1e-9);
    }

    #[test]
    fn one_time_point_on_either_side_is_refused() {
        assert_eq!(
            did(&[10.0], &[20.0, 22.0], &[10.0, 12.0], &[12.0, 14.0]),
            None
        );
        assert_eq!(
            did(&[10.0, 11.0], &[20.0, 22.0], &[10.0, 12.0], &[12.0]),
            None
        );
        let one = vec!["2026-03".to_string()];
        let two = vec!["2026-04".to_string(), "2026-05".to_string()];
        let fields: Vec<String> = check_points(&one, &two)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["pre_to"]);
        assert!(check_points(&two, &one).is_err());
        assert!(check_points(&two, &two).is_ok());
    }

    #[test]
    fn pilots_are_validated_by_field() {
        let f = seeded();
        assert!(validate(&input(), &f).is_ok());
        let mut bad = input();
        bad.comparison_areas = vec!["hull".into(), "atlantis".into()];
        bad.measure_ids = vec!["no-such-measure".into(), "ace-awareness-completions".into()];
        bad.post_from = "2026-03".into();
        let fields: Vec<String> = validate(&bad, &f)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "measure_ids[0]",
                "measure_ids[1]",
                "comparison_areas[1]",
                "comparison_areas",
                "post_from"
            ]
        );
    }

    #[test]
    fn an_evaluation_shows_both_groups_and_hides_small_numbers() {
        let f = seeded();
        let m = f
            .measures
            .iter()
            .find(|m| m.id == "referrals-submitted")
            .unwrap_or_else(|| panic!("seeded"));
        let (pre, post) = validate(&input(), &f).unwrap_or_default();
        let months: Vec<String> = pre.iter().chain(&post).cloned().collect();
        let facts_with = |hull: [i64; 6], east_riding: i64| {
            let mut facts = Vec::new();
            for (i, month) in months.iter().enumerate() {
                for (area, n) in [
                    ("hull", hull[i]),
                    ("east-riding", east_riding),
                    ("north-lincolnshire", [8, 9, 8, 9, 8, 9][i]),
                ] {
                    facts.push(FactRow {
                        kind: "referral.submitted".into(),
                        area_id: area.into(),
                        period: month.clone(),
                        category: "none".into(),
                        n,
                        timed: 0,
                        elapsed_seconds: 0,
                    });
                }
            }
            facts
        };
        let evaluate_with = |facts: &[FactRow]| {
            let released = release::release(&release::published_counts(&f), facts, &months, 4);
            evaluate(m, &input(), facts, &released, &pre, &post, 4)
                .unwrap_or_else(|| panic!("active"))
        };
        let e = evaluate_with(&facts_with([10, 11, 9, 20, 22, 21], 6));
        assert_eq!(e.intervention.values[0], Published::Number(10.0));
        assert_eq!(e.comparison.values[0], Published::Number(14.0));
        let d = e.did.unwrap_or_else(|| panic!("estimated"));
        // Hull +11, comparison +1/3.
        assert!((d.estimate - 32.0 / 3.0).abs() < 1e-9, "{d:?}");
        assert!(d.low > 0.0);
        assert!(e.finding.contains("relative to the comparison areas"));
        assert_eq!(e.intervention.pre_slope, Some(-0.5));
        // East Riding's 3 a month is hidden, and North Lincolnshire with
        // it, but the comparison group is the total less Hull's: shown.
        let e = evaluate_with(&facts_with([10, 11, 9, 20, 22, 21], 3));
        assert_eq!(e.comparison.values[0], Published::Number(11.0));
        // Hull's 2 a month is hidden, and nothing is estimated from
        // hidden months.
        let e = evaluate_with(&facts_with([2; 6], 6));
        assert!(
            e.intervention
                .values
                .iter()
                .all(|v| *v == Published::Confidential),
            "{:?}",
            e.intervention
        );
        assert_eq!(e.did, None);
        assert_eq!(e.intervention.pre_slope, None);
    }
}
