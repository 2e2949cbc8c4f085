//! What each workforce form must hold: the framework's competencies and
//! requirements, evidence, pauses, assessments, courses, sessions and their
//! registers. Plain functions over plain values, so every check is tested
//! without a database; the caller looks up what a check needs to know (the
//! framework's rules, whether an entry may be corrected) first.

use crate::standing::Rule;
use chrono::{Months, NaiveDate};
use eip_types::FieldError;
use eip_types::training::{
    Level, NewAssessment, NewCompetency, NewCourse, NewEvidence, NewPause, NewSession,
    RegisterLine, Requirement, Standard,
};
use std::collections::HashSet;

/// Evidence kinds: logged activity, completed training (or a passed
/// assessment), and a trainer's override.
pub const KINDS: [&str; 3] = ["logged", "completed", "override"];
/// What the evidence is of.
pub const ACTIVITIES: [&str; 5] = ["training", "process", "supervision", "observation", "cpd"];

const CHOOSE_COMPETENCY: &str = "Choose one of the listed competencies.";
const USE_A_LEVEL: &str = "Use foundation, intermediate or advanced.";
const NO_LEVELS: &str = "This competency has no levels.";

fn field(name: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(name, message)
}

fn done<T>(value: T, errors: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(value)
    } else {
        Err(errors)
    }
}

/// An optional text field trimmed, blank meaning none.
pub fn trimmed(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

/// The rule of the competency a form names (its id trimmed).
pub fn rule_named<'a>(rules: &'a [Rule], competency_id: &str) -> Option<&'a Rule> {
    rules.iter().find(|r| r.id == competency_id.trim())
}

/// A `YYYY-MM-DD` date, not after `latest` when one is given.
pub fn date_field(
    name: &str,
    raw: &str,
    latest: Option<NaiveDate>,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Ok(d) if latest.is_some_and(|l| d > l) => {
            errors.push(field(name, "The date cannot be in the future."));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(field(name, "Enter a real date as YYYY-MM-DD."));
            None
        }
    }
}

/// The level a course, an assessment or a requirement is at: a levelled
/// competency is at foundation unless another level is named; one without
/// levels takes none. `raw` is as the caller reads it (blank already
/// dropped where blank means none).
fn level_for(rule: Option<&Rule>, raw: Option<&str>) -> Result<Option<Level>, &'static str> {
    match (rule, raw) {
        (Some(r), Some(raw)) if r.levelled => Level::parse(raw).map(Some).ok_or(USE_A_LEVEL),
        (Some(r), None) if r.levelled => Ok(Some(Level::Foundation)),
        (Some(_), Some(_)) => Err(NO_LEVELS),
        _ => Ok(None),
    }
}

fn slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A competency's validity (1 to 120 months, or none for no expiry) and
/// warning window (0 to 365 days).
pub fn rule_window(validity_months: Option<u32>, warning_days: u32) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if validity_months.is_some_and(|m| !(1..=120).contains(&m)) {
        errors.push(field(
            "validity_months",
            "Use 1 to 120 months, or none for no expiry.",
        ));
    }
    if warning_days > 365 {
        errors.push(field("warning_days", "Use 0 to 365 days."));
    }
    errors
}

/// A new competency, its text trimmed.
pub fn new_competency(body: NewCompetency) -> Result<NewCompetency, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !slug(body.id.trim()) {
        errors.push(field(
            "id",
            "Use lower-case letters, digits and hyphens (at most 64).",
        ));
    }
    if body.name.trim().is_empty() || body.name.chars().count() > 120 {
        errors.push(field("name", "Enter a name of at most 120 characters."));
    }
    if body.description.trim().is_empty() || body.description.chars().count() > 500 {
        errors.push(field(
            "description",
            "Describe it in at most 500 characters.",
        ));
    }
    errors.extend(rule_window(body.validity_months, body.warning_days));
    let mut codes = HashSet::new();
    for (i, s) in body.standards.iter().enumerate() {
        if s.code.trim().is_empty() || s.code.len() > 16 || !codes.insert(s.code.trim()) {
            errors.push(field(
                &format!("standards[{i}].code"),
                "Give each standard its own short code.",
            ));
        }
        if s.text.trim().is_empty() || s.indicator.trim().is_empty() {
            errors.push(field(
                &format!("standards[{i}].text"),
                "Give the standard its indicator and text.",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewCompetency {
        id: body.id.trim().into(),
        name: body.name.trim().into(),
        description: body.description.trim().into(),
        standards: body
            .standards
            .iter()
            .map(|s| Standard {
                code: s.code.trim().into(),
                indicator: s.indicator.trim().into(),
                text: s.text.trim().into(),
            })
            .collect(),
        ..body
    })
}

/// What a job role requires, from `(competency_id, level)` pairs: each a
/// listed competency, once, at a level only when it has levels.
pub fn requirements(
    body: &[(&str, Option<&str>)],
    rules: &[Rule],
) -> Result<Vec<Requirement>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut reqs = Vec::new();
    let mut seen = HashSet::new();
    for (i, (competency_id, level)) in body.iter().enumerate() {
        let Some(rule) = rule_named(rules, competency_id) else {
            errors.push(field(&format!("[{i}].competency_id"), CHOOSE_COMPETENCY));
            continue;
        };
        if !seen.insert(rule.id.clone()) {
            errors.push(field(&format!("[{i}].competency_id"), "Listed twice."));
            continue;
        }
        match level_for(Some(rule), *level) {
            Ok(level) => reqs.push(Requirement {
                competency_id: rule.id.clone(),
                level,
            }),
            Err(message) => errors.push(field(&format!("[{i}].level"), message)),
        }
    }
    done(reqs, errors)
}

/// Why an entry of the evidence log is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not this person's to record.
    Forbidden(&'static str),
    /// Fields need correcting.
    Invalid(Vec<FieldError>),
}

/// An entry of the evidence log that passed its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidEvidence<'a> {
    pub rule: &'a Rule,
    pub kind: &'a str,
    pub activity: &'a str,
    pub level: Option<Level>,
    pub occurred_on: NaiveDate,
    pub hours: Option<f64>,
    /// CPD from an approved source.
    pub approved: bool,
    pub source: &'a str,
    pub note: Option<&'a str>,
    pub corrects: Option<&'a str>,
}

/// A new entry of the evidence log. `rule` is the named competency's, if
/// listed; `trainer` says whether a trainer or administrator records it
/// (else the person logs their own processes, supervision and CPD);
/// `correctable` whether the entry it corrects, if any, may be corrected.
pub fn evidence<'a>(
    body: &'a NewEvidence,
    rule: Option<&'a Rule>,
    trainer: bool,
    today: NaiveDate,
    correctable: bool,
) -> Result<ValidEvidence<'a>, Refused> {
    let mut errors = Vec::new();
    if rule.is_none() {
        errors.push(field("competency_id", CHOOSE_COMPETENCY));
    }
    let kind = body.kind.trim();
    if !KINDS.contains(&kind) {
        errors.push(field("kind", "Use logged, completed or override."));
    } else if !trainer && kind != "logged" {
        return Err(Refused::Forbidden(
            "Staff log their own activity; trainers record completions and overrides.",
        ));
    }
    let activity = body.activity.trim();
    if !ACTIVITIES.contains(&activity) {
        errors.push(field(
            "activity",
            "Use training, process, supervision, observation or cpd.",
        ));
    } else if !trainer && !matches!(activity, "process" | "supervision" | "cpd") {
        return Err(Refused::Forbidden(
            "Staff log delivered processes, supervision and CPD; trainers record the rest.",
        ));
    }
    // A levelled competency's evidence may leave its level out.
    let level = match trimmed(body.level.as_deref()) {
        None => None,
        Some(raw) => match (Level::parse(raw), rule) {
            (Some(l), Some(r)) if r.levelled => Some(l),
            (Some(_), Some(_)) => {
                errors.push(field("level", NO_LEVELS));
                None
            }
            _ => {
                errors.push(field("level", USE_A_LEVEL));
                None
            }
        },
    };
    let occurred_on = date_field("occurred_on", &body.occurred_on, Some(today), &mut errors);
    let hours = match (activity, body.hours) {
        ("cpd", Some(h)) if h > 0.0 && h <= 100.0 => Some(h),
        ("cpd", _) => {
            errors.push(field(
                "hours",
                "Enter the CPD hours, more than 0 and at most 100.",
            ));
            None
        }
        (_, Some(_)) => {
            errors.push(field("hours", "Hours are for CPD only."));
            None
        }
        (_, None) => None,
    };
    let source = match body.source.as_deref().map(str::trim).unwrap_or("manual") {
        s @ ("manual" | "external") => s,
        _ => {
            errors.push(field("source", "Use manual or external."));
            "manual"
        }
    };
    let note = trimmed(body.note.as_deref());
    let corrects = trimmed(body.corrects.as_deref());
    if corrects.is_some() && rule.is_some() && !correctable {
        errors.push(field(
            "corrects",
            "Name an entry of this person's log for this competency that is not already corrected.",
        ));
    }
    if kind == "override" && note.is_none() {
        errors.push(field("note", "An override needs a note saying why."));
    } else if corrects.is_some() && note.is_none() {
        errors.push(field(
            "note",
            "A correction needs a note saying what was wrong.",
        ));
    }
    if note.is_some_and(|n| n.chars().count() > 1000) {
        errors.push(field("note", "Keep the note to 1,000 characters."));
    }
    let (Some(rule), Some(occurred_on), true) = (rule, occurred_on, errors.is_empty()) else {
        return Err(Refused::Invalid(errors));
    };
    Ok(ValidEvidence {
        rule,
        kind,
        activity,
        level,
        occurred_on,
        hours,
        approved: body.approved && activity == "cpd",
        source,
        note,
        corrects,
    })
}

/// A pause's first and last day and its reason.
pub fn pause(body: &NewPause) -> Result<(NaiveDate, NaiveDate, &str), Vec<FieldError>> {
    let mut errors = Vec::new();
    let starts_on = date_field("starts_on", &body.starts_on, None, &mut errors);
    let ends_on = date_field("ends_on", &body.ends_on, None, &mut errors);
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        errors.push(field(
            "ends_on",
            "The end date must be on or after the start.",
        ));
    }
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        errors.push(field("reason", "Give the reason (at most 200 characters)."));
    }
    match (starts_on, ends_on) {
        (Some(s), Some(e)) if errors.is_empty() => Ok((s, e, reason)),
        _ => Err(errors),
    }
}

/// An assessment that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAssessment<'a> {
    pub rule: &'a Rule,
    pub assessed_on: NaiveDate,
    /// `competent` or `not_yet_competent`.
    pub outcome: &'a str,
    pub level: Option<Level>,
    pub notes: &'a str,
}

/// An assessment of observed practice. `codes` are the codes of the named
/// competency's standards, which `standards_met` must be among.
pub fn assessment<'a>(
    body: &'a NewAssessment,
    rule: Option<&'a Rule>,
    codes: &[String],
    today: NaiveDate,
) -> Result<ValidAssessment<'a>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if rule.is_none() {
        errors.push(field("competency_id", CHOOSE_COMPETENCY));
    }
    let assessed_on = date_field("assessed_on", &body.assessed_on, Some(today), &mut errors);
    let outcome = body.outcome.trim();
    if !matches!(outcome, "competent" | "not_yet_competent") {
        errors.push(field("outcome", "Use competent or not_yet_competent."));
    }
    let level = level_for(rule, trimmed(body.level.as_deref())).unwrap_or_else(|message| {
        errors.push(field("level", message));
        None
    });
    if rule.is_some()
        && let Some(bad) = body.standards_met.iter().find(|c| !codes.contains(c))
    {
        errors.push(field(
            "standards_met",
            format!("{bad} is not one of this competency's standards."),
        ));
    }
    let notes = body.notes.trim();
    if notes.chars().count() > 2000 {
        errors.push(field("notes", "Keep the notes to 2,000 characters."));
    }
    match (rule, assessed_on) {
        (Some(rule), Some(assessed_on)) if errors.is_empty() => Ok(ValidAssessment {
            rule,
            assessed_on,
            outcome,
            level,
            notes,
        }),
        _ => Err(errors),
    }
}

/// A course: its title, competency and level.
pub fn course<'a>(
    body: &'a NewCourse,
    rules: &'a [Rule],
) -> Result<(&'a str, &'a Rule, Option<Level>), Vec<FieldError>> {
    let mut errors = Vec::new();
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 120 {
        errors.push(field("title", "Enter a title of at most 120 characters."));
    }
    let rule = rule_named(rules, &body.competency_id);
    if rule.is_none() {
        errors.push(field("competency_id", CHOOSE_COMPETENCY));
    }
    let level = level_for(rule, trimmed(body.level.as_deref())).unwrap_or_else(|message| {
        errors.push(field("level", message));
        None
    });
    match rule {
        Some(rule) if errors.is_empty() => Ok((title, rule, level)),
        _ => Err(errors),
    }
}

/// A session: the day it is held and where. `course_known` says whether
/// the course it names is in the catalogue.
pub fn session(
    body: &NewSession,
    course_known: bool,
) -> Result<(NaiveDate, &str), Vec<FieldError>> {
    let mut errors = Vec::new();
    if !course_known {
        errors.push(field("course_id", "Choose one of the listed courses."));
    }
    let held_on = date_field("held_on", &body.held_on, None, &mut errors);
    let place = body.place.trim();
    if place.is_empty() || place.chars().count() > 120 {
        errors.push(field("place", "Enter the place, at most 120 characters."));
    }
    if !(1..=500).contains(&body.capacity) {
        errors.push(field("capacity", "Use a capacity from 1 to 500."));
    }
    match held_on {
        Some(held_on) if errors.is_empty() => Ok((held_on, place)),
        _ => Err(errors),
    }
}

/// Lines to add to a session's register, all or none: once the session
/// has been held, each person on record (`on_record`, line by line) and
/// not yet on the register, and no more than the session holds.
pub fn attendance(
    held_on: NaiveDate,
    capacity: i64,
    today: NaiveDate,
    register: &[(String, bool)],
    entries: &[RegisterLine],
    on_record: &[bool],
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if held_on > today {
        errors.push(field(
            "held_on",
            "The register can be taken once the session has been held.",
        ));
    }
    if entries.is_empty() {
        errors.push(field(
            "entries",
            "Mark at least one person attended or not.",
        ));
    }
    let on_register: HashSet<&str> = register.iter().map(|(s, _)| s.as_str()).collect();
    let mut in_body = HashSet::new();
    for (i, (line, known)) in entries.iter().zip(on_record).enumerate() {
        let name = format!("entries[{i}].staff_id");
        if !known {
            errors.push(field(&name, "No such person on record."));
        } else if on_register.contains(line.staff_id.as_str()) || !in_body.insert(&line.staff_id) {
            errors.push(field(&name, "Already on this session's register."));
        }
    }
    let total = register.len() + entries.len();
    if usize::try_from(capacity).is_ok_and(|cap| total > cap) {
        errors.push(field(
            "entries",
            format!(
                "The session holds {capacity}; {} already on the register leaves room for {}.",
                register.len(),
                usize::try_from(capacity)
                    .unwrap_or(0)
                    .saturating_sub(register.len())
            ),
        ));
    }
    done((), errors)
}

/// A renewal pack's 12-month window from `from`: its first day and the
/// day after its last.
pub fn renewal_window(from: &str) -> Result<(NaiveDate, NaiveDate), Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(from) = date_field("from", from, None, &mut errors) else {
        return Err(errors);
    };
    let until = from.checked_add_months(Months::new(12)).ok_or_else(|| {
        vec![field(
            "from",
            "Choose a window that ends before the year 9999.",
        )]
    })?;
    Ok((from, until))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    fn rule(id: &str, levelled: bool) -> Rule {
        Rule {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            validity_months: Some(12),
            warning_days: 60,
            levelled,
            practice_checks: levelled,
        }
    }

    fn fields<T>(r: Result<T, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn levels_default_to_foundation_only_where_there_are_levels() {
        let (rp, ace) = (rule("rp", true), rule("ace", false));
        assert_eq!(level_for(Some(&rp), None), Ok(Some(Level::Foundation)));
        assert_eq!(
            level_for(Some(&rp), Some(" Advanced ")),
            Ok(Some(Level::Advanced))
        );
        assert_eq!(level_for(Some(&rp), Some("expert")), Err(USE_A_LEVEL));
        assert_eq!(level_for(Some(&ace), None), Ok(None));
        assert_eq!(level_for(Some(&ace), Some("foundation")), Err(NO_LEVELS));
        assert_eq!(level_for(None, Some("foundation")), Ok(None));
    }

    #[test]
    fn requirements_name_each_listed_competency_once() {
        let rules = [rule("rp", true), rule("ace", false)];
        let ok = requirements(&[("rp", Some("advanced")), (" ace ", None)], &rules);
        assert_eq!(
            ok,
            Ok(vec![
                Requirement {
                    competency_id: "rp".into(),
                    level: Some(Level::Advanced)
                },
                Requirement {
                    competency_id: "ace".into(),
                    level: None
                },
            ])
        );
        assert_eq!(
            fields(requirements(
                &[
                    ("juggling", None),
                    ("rp", None),
                    ("rp", None),
                    ("ace", Some("foundation"))
                ],
                &rules
            )),
            ["[0].competency_id", "[2].competency_id", "[3].level"]
        );
    }

    #[test]
    fn staff_log_only_their_own_processes_supervision_and_cpd() {
        let rules = [rule("rp", true)];
        let today = d("2026-03-01");
        let body = |kind: &str, activity: &str| NewEvidence {
            competency_id: "rp".into(),
            kind: kind.into(),
            activity: activity.into(),
            occurred_on: "2026-02-01".into(),
            ..NewEvidence::default()
        };
        let logged = body("logged", "process");
        assert!(evidence(&logged, rules.first(), false, today, true).is_ok());
        let completed = body("completed", "training");
        assert!(matches!(
            evidence(&completed, rules.first(), false, today, true),
            Err(Refused::Forbidden(_))
        ));
        assert!(evidence(&completed, rules.first(), true, today, true).is_ok());
        let training = body("logged", "training");
        assert!(matches!(
            evidence(&training, rules.first(), false, today, true),
            Err(Refused::Forbidden(_))
        ));
    }

    #[test]
    fn evidence_errors_come_in_field_order() {
        let today = d("2026-03-01");
        let body = NewEvidence {
            competency_id: "juggling".into(),
            kind: "override".into(),
            activity: "cpd".into(),
            level: Some("expert".into()),
            occurred_on: "2026-03-02".into(),
            source: Some("rumour".into()),
            corrects: Some("e1".into()),
            ..NewEvidence::default()
        };
        let Err(Refused::Invalid(errors)) = evidence(&body, None, true, today, false) else {
            panic!("refused as invalid");
        };
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        // An unknown competency makes `corrects` moot.
        assert_eq!(
            names,
            [
                "competency_id",
                "level",
                "occurred_on",
                "hours",
                "source",
                "note"
            ]
        );
        let rules = [rule("rp", true)];
        let fixed = NewEvidence {
            competency_id: "rp".into(),
            level: None,
            occurred_on: "2026-03-01".into(),
            hours: Some(1.5),
            source: None,
            note: Some(" why ".into()),
            ..body
        };
        let Err(Refused::Invalid(errors)) = evidence(&fixed, rules.first(), true, today, false)
        else {
            panic!("refused as invalid");
        };
        assert_eq!(errors[0].field, "corrects");
        let valid = evidence(&fixed, rules.first(), true, today, true).map(|v| (v.note, v.hours));
        assert_eq!(valid, Ok((Some("why"), Some(1.5))));
    }

    #[test]
    fn a_competency_s_window_and_standards_are_checked() {
        let body = NewCompetency {
            id: " first-aid ".into(),
            name: " First aid ".into(),
            description: "Keeps people alive.".into(),
            validity_months: Some(121),
            warning_days: 400,
            standards: vec![
                Standard {
                    code: "F1".into(),
                    indicator: "Care".into(),
                    text: "Checks breathing.".into(),
                },
                Standard {
                    code: " F1".into(),
                    indicator: String::new(),
                    text: "Again.".into(),
                },
            ],
            ..NewCompetency::default()
        };
        assert_eq!(
            fields(new_competency(body.clone())),
            [
                "validity_months",
                "warning_days",
                "standards[1].code",
                "standards[1].text"
            ]
        );
        let clean = new_competency(NewCompetency {
            validity_months: Some(24),
            warning_days: 60,
            standards: body.standards[..1].to_vec(),
            ..body
        });
        assert_eq!(
            clean.map(|c| (c.id, c.name)),
            Ok(("first-aid".into(), "First aid".into()))
        );
        assert!(rule_window(None, 0).is_empty());
    }

    #[test]
    fn registers_are_taken_after_the_session_and_within_its_capacity() {
        let line = |id: &str| RegisterLine {
            staff_id: id.into(),
            attended: true,
        };
        let register = vec![("a".to_owned(), true)];
        let day = d("2026-03-01");
        assert_eq!(
            attendance(
                day,
                3,
                day,
                &register,
                &[line("b"), line("c")],
                &[true, true]
            ),
            Ok(())
        );
        assert_eq!(
            fields(attendance(
                d("2026-03-02"),
                2,
                day,
                &register,
                &[line("a"), line("x"), line("c"), line("c")],
                &[true, false, true, true]
            )),
            [
                "held_on",
                "entries[0].staff_id",
                "entries[1].staff_id",
                "entries[3].staff_id",
                "entries"
            ]
        );
    }

    #[test]
    fn pauses_sessions_and_windows_read_their_dates() {
        let pause_body = NewPause {
            starts_on: "2026-03-10".into(),
            ends_on: "2026-03-01".into(),
            reason: " ".into(),
        };
        assert_eq!(fields(pause(&pause_body)), ["ends_on", "reason"]);
        let session_body = NewSession {
            course_id: "c".into(),
            held_on: "soon".into(),
            place: "Hull".into(),
            capacity: 0,
        };
        assert_eq!(
            fields(session(&session_body, false)),
            ["course_id", "held_on", "capacity"]
        );
        assert_eq!(
            renewal_window("2025-04-01"),
            Ok((d("2025-04-01"), d("2026-04-01")))
        );
        assert_eq!(fields(renewal_window("April")), ["from"]);
    }
}
