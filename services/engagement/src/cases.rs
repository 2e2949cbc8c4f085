//! Problem-solving cases: objective, scanning, analysis by the problem
//! analysis triangle, responses, and an assessment whose before/after
//! measure is computed from the demand data. A case cannot close without its
//! assessment. Here: what each part must hold, the assessment's measure and
//! the one-page summary.

use chrono::NaiveDate;
use eip_types::engagement::{
    Assessment, AssessmentInput, AssessmentResult, CaseResponse, NewCase, ProblemCase, RepeatFlag,
    Scanning, TriangleAnalysis,
};
use eip_types::{FieldError, Role};
use std::fmt::Write as _;

/// Who works problem-solving cases, in their own areas.
pub const WORKERS: [Role; 3] = [Role::Frontline, Role::Coordinator, Role::Analyst];

fn text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "This cannot be empty."));
    } else if value.len() > max {
        errors.push(FieldError::new(
            field,
            format!("Keep this to {max} characters."),
        ));
    }
}

fn date(errors: &mut Vec<FieldError>, field: &str, value: &str) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push(FieldError::new(field, "Give a date as YYYY-MM-DD."));
    }
    d
}

/// What is wrong with a new case's own fields (its wards are checked
/// against the places on record apart).
pub fn new_case_problems(new: &NewCase) -> Vec<FieldError> {
    let mut errors = Vec::new();
    text(&mut errors, "title", &new.title, 200, true);
    text(&mut errors, "objective", &new.objective, 2_000, true);
    if new.place_ids.is_empty() {
        errors.push(FieldError::new("place_ids", "Name at least one ward."));
    }
    errors
}

/// The case a repeat-demand flag opens, and its scanning: the flag's ward,
/// with the flag's numbers as the data's view.
pub fn from_flag(flag: &RepeatFlag) -> (NewCase, Scanning) {
    let new = NewCase {
        title: format!("Repeat demand in {}", flag.place_id),
        place_ids: vec![flag.place_id.clone()],
        objective: "Reduce the repeat demand the flag shows by meeting the need behind it.".into(),
    };
    let scanning = Scanning {
        community_view: String::new(),
        data_view: format!(
            "{} contacts between {} and {} met rule {} (version {}).",
            flag.contacts, flag.first_contact, flag.last_contact, flag.rule_id, flag.rule_version
        ),
        flag_ids: vec![flag.id.clone()],
        priority_ids: vec![],
    };
    (new, scanning)
}

pub fn scanning_problems(scanning: &Scanning) -> Vec<FieldError> {
    let mut errors = Vec::new();
    text(
        &mut errors,
        "community_view",
        &scanning.community_view,
        4_000,
        false,
    );
    text(&mut errors, "data_view", &scanning.data_view, 4_000, false);
    errors
}

pub fn analysis_problems(analysis: &TriangleAnalysis) -> Vec<FieldError> {
    let mut errors = Vec::new();
    text(
        &mut errors,
        "victim_guardian",
        &analysis.victim_guardian,
        4_000,
        false,
    );
    text(
        &mut errors,
        "offender_handler",
        &analysis.offender_handler,
        4_000,
        false,
    );
    text(
        &mut errors,
        "place_manager",
        &analysis.place_manager,
        4_000,
        false,
    );
    errors
}

pub fn responses_problems(responses: &[CaseResponse]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, r) in responses.iter().enumerate() {
        if let Some(outcome) = &r.restorative_outcome {
            text(
                &mut errors,
                &format!("responses[{i}].restorative_outcome"),
                outcome,
                1_000,
                false,
            );
        }
        text(
            &mut errors,
            &format!("responses[{i}].action"),
            &r.action,
            1_000,
            true,
        );
        text(
            &mut errors,
            &format!("responses[{i}].owner"),
            &r.owner,
            200,
            true,
        );
        date(&mut errors, &format!("responses[{i}].due_on"), &r.due_on);
        if let Some(done) = &r.done_on {
            date(&mut errors, &format!("responses[{i}].done_on"), done);
        }
    }
    if responses.len() > 50 {
        errors.push(FieldError::new("responses", "At most 50 responses."));
    }
    errors
}

/// The periods an assessment compares, each from its first day to its
/// last, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub before: (NaiveDate, NaiveDate),
    pub after: (NaiveDate, NaiveDate),
}

/// Checks an assessment: its periods (each in order, the after period
/// wholly after the before), its learning and notes.
pub fn periods(input: &AssessmentInput) -> Result<Periods, Vec<FieldError>> {
    let mut errors = Vec::new();
    let bf = date(&mut errors, "before_from", &input.before_from);
    let bt = date(&mut errors, "before_to", &input.before_to);
    let af = date(&mut errors, "after_from", &input.after_from);
    let at = date(&mut errors, "after_to", &input.after_to);
    text(&mut errors, "learning", &input.learning, 4_000, true);
    text(
        &mut errors,
        "process_notes",
        &input.process_notes,
        4_000,
        false,
    );
    let (Some(bf), Some(bt), Some(af), Some(at)) = (bf, bt, af, at) else {
        return Err(errors);
    };
    if bt < bf {
        errors.push(FieldError::new(
            "before_to",
            "The period ends before it starts.",
        ));
    }
    if at < af {
        errors.push(FieldError::new(
            "after_to",
            "The period ends before it starts.",
        ));
    }
    if af <= bt {
        errors.push(FieldError::new(
            "after_from",
            "The after period must start after the before period ends.",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Periods {
        before: (bf, bt),
        after: (af, at),
    })
}

/// The assessment, given the calls for service in each period: the daily
/// rates and what they show.
pub fn assess(
    input: AssessmentInput,
    periods: Periods,
    before_calls: i64,
    after_calls: i64,
) -> Assessment {
    let days = |(a, b): (NaiveDate, NaiveDate)| ((b - a).num_days() + 1) as f64;
    let before_rate = before_calls as f64 / days(periods.before);
    let after_rate = after_calls as f64 / days(periods.after);
    Assessment {
        before_from: input.before_from,
        before_to: input.before_to,
        after_from: input.after_from,
        after_to: input.after_to,
        before_calls,
        after_calls,
        before_rate,
        after_rate,
        result: AssessmentResult::from_rates(before_rate, after_rate),
        delivered_as_planned: input.delivered_as_planned,
        process_notes: input.process_notes.trim().into(),
        learning: input.learning.trim().into(),
    }
}

/// The one-page summary of a case, as Markdown, for sharing good practice.
pub fn summary_text(c: &ProblemCase) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", c.title);
    let _ = writeln!(
        s,
        "Area: {} — wards: {} — opened {}{}\n",
        c.area_id,
        c.place_ids.join(", "),
        c.opened_at.get(..10).unwrap_or(&c.opened_at),
        c.closed_at
            .as_deref()
            .map(|t| format!(", closed {}", t.get(..10).unwrap_or(t)))
            .unwrap_or_default()
    );
    let _ = writeln!(s, "## Objective\n\n{}\n", c.objective);
    let _ = writeln!(
        s,
        "## Scanning\n\nCommunity: {}\n\nData: {}\n",
        c.scanning.community_view, c.scanning.data_view
    );
    let _ = writeln!(
        s,
        "## Analysis\n\n- Victim / guardian: {}\n- Offender / handler: {}\n- Place / manager: {}\n",
        c.analysis.victim_guardian, c.analysis.offender_handler, c.analysis.place_manager
    );
    let _ = writeln!(s, "## Response\n");
    for r in &c.responses {
        let _ = writeln!(
            s,
            "- {} — {}{}; due {}{}",
            r.action,
            r.owner,
            if r.partner_agencies.is_empty() {
                String::new()
            } else {
                format!(" with {}", r.partner_agencies.join(", "))
            },
            r.due_on,
            r.done_on
                .as_deref()
                .map(|d| format!(", done {d}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s, "\n## Assessment\n");
    match &c.assessment {
        Some(a) => {
            let _ = writeln!(
                s,
                "Calls for service: {} from {} to {} ({:.2} a day); {} from {} to {} ({:.2} a day). Result: {}.\n\n\
                 Delivered as planned: {}. {}\n\nLearning: {}",
                a.before_calls,
                a.before_from,
                a.before_to,
                a.before_rate,
                a.after_calls,
                a.after_from,
                a.after_to,
                a.after_rate,
                match a.result {
                    AssessmentResult::Reduced => "demand reduced",
                    AssessmentResult::NoChange => "no clear change",
                    AssessmentResult::Increased => "demand increased",
                },
                if a.delivered_as_planned { "yes" } else { "no" },
                a.process_notes,
                a.learning
            );
        }
        None => {
            let _ = writeln!(s, "Not yet assessed.");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(before: (&str, &str), after: (&str, &str)) -> AssessmentInput {
        AssessmentInput {
            before_from: before.0.into(),
            before_to: before.1.into(),
            after_from: after.0.into(),
            after_to: after.1.into(),
            delivered_as_planned: true,
            process_notes: " On time. ".into(),
            learning: " Meet the school first. ".into(),
        }
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn the_after_period_follows_the_before() {
        let overlapping = input(("2026-01-01", "2026-01-31"), ("2026-01-31", "2026-02-28"));
        assert_eq!(
            periods(&overlapping).map_err(fields),
            Err(vec!["after_from".into()])
        );
        let backwards = input(("2026-01-31", "2026-01-01"), ("2026-03-01", "2026-02-01"));
        assert_eq!(
            periods(&backwards).map_err(fields),
            Err(vec!["before_to".into(), "after_to".into()])
        );
        let mut unlearned = input(("2026-01-01", "x"), ("2026-03-01", "2026-03-31"));
        unlearned.learning = " ".into();
        assert_eq!(
            periods(&unlearned).map_err(fields),
            Err(vec!["before_to".into(), "learning".into()])
        );
    }

    #[test]
    fn the_measure_compares_daily_rates() {
        let given = input(("2026-01-01", "2026-01-10"), ("2026-02-01", "2026-02-05"));
        let checked = periods(&given).expect("valid periods");
        let a = assess(given, checked, 20, 5);
        assert_eq!((a.before_rate, a.after_rate), (2.0, 1.0));
        assert_eq!(a.result, AssessmentResult::Reduced);
        assert_eq!(
            (a.process_notes.as_str(), a.learning.as_str()),
            ("On time.", "Meet the school first.")
        );
    }
}
