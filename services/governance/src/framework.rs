//! The performance framework as data: the strategy's seed, read from
//! `seed/strategy.json`, and the rules a measure must satisfy.

use crate::sources;
use eip_types::FieldError;
use eip_types::governance::{Formula, Framework, Measure, MeasureStatus, Scope, Unit};
use eip_types::place::local_authority_name;
use eip_types::referral::Outcome;

/// The framework the early intervention strategy sets out, as the service
/// seeds it: outcomes, indicators and measures in the order they are shown.
/// Measures whose events no service publishes yet are planned, not invented.
const STRATEGY: &str = include_str!("../seed/strategy.json");

/// The strategy's framework, parsed from its data file.
pub fn strategy() -> Result<Framework, serde_json::Error> {
    serde_json::from_str(STRATEGY)
}

/// The strategy's framework, for unit tests.
#[cfg(test)]
pub(crate) fn seeded() -> Framework {
    strategy().unwrap_or_else(|e| panic!("the strategy file parses: {e}"))
}

/// Whether bringing an earlier seed up to date writes the seeded measure
/// over the stored one: when it is new, or when the stored one still waits,
/// planned and without a formula, for events the seed now measures it from.
/// Anything else stays as administrators left it.
pub fn seed_replaces(stored: Option<&Measure>, seeded: &Measure) -> bool {
    match stored {
        None => true,
        Some(old) => {
            old.status == MeasureStatus::Planned
                && old.formula.is_none()
                && seeded.status == MeasureStatus::Active
        }
    }
}

/// Where a saved measure goes: its own place if the framework has it
/// (false), else after the last measure (true: it is new).
pub fn place_of(framework: &Framework, id: &str) -> (i64, bool) {
    match framework.measures.iter().position(|m| m.id == id) {
        Some(i) => (i as i64, false),
        None => (framework.measures.len() as i64, true),
    }
}

/// Every problem with the reason given for rebasing a measure.
pub fn validate_rebase_reason(reason: &str) -> Vec<FieldError> {
    let reason = reason.trim();
    let mut errors = Vec::new();
    if reason.chars().count() < 10 {
        errors.push(FieldError::new(
            "reason",
            "Say why the process changed (at least 10 characters).",
        ));
    } else if reason.chars().count() > 1000 {
        errors.push(FieldError::new(
            "reason",
            "Keep the reason under 1000 characters.",
        ));
    }
    errors
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Every problem with a measure, each against the field that has it.
pub fn validate_measure(m: &Measure, framework: &Framework) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !is_slug(&m.id) {
        errors.push(FieldError::new(
            "id",
            "Use lower-case letters, digits and hyphens (up to 64).",
        ));
    }
    if m.name.trim().is_empty() {
        errors.push(FieldError::new("name", "Give the measure a name."));
    }
    if m.definition.trim().is_empty() {
        errors.push(FieldError::new(
            "definition",
            "Say what the measure means and how it is counted.",
        ));
    }
    if !framework.indicators.iter().any(|i| i.id == m.indicator_id) {
        errors.push(FieldError::new(
            "indicator_id",
            format!("There is no indicator '{}'.", m.indicator_id),
        ));
    }
    match (m.scope, m.area_id.as_deref()) {
        (Scope::Local, None) => errors.push(FieldError::new(
            "area_id",
            "A local measure needs the area it belongs to.",
        )),
        (Scope::Local, Some(a)) if local_authority_name(a).is_none() => errors.push(
            FieldError::new("area_id", format!("There is no area '{a}'.")),
        ),
        (Scope::Core | Scope::Force, Some(_)) => errors.push(FieldError::new(
            "area_id",
            "Only a local measure names an area.",
        )),
        _ => {}
    }
    match (&m.formula, m.status) {
        (None, MeasureStatus::Active) => errors.push(FieldError::new(
            "formula",
            "An active measure needs the events it is computed from.",
        )),
        (None, MeasureStatus::Planned) => {}
        (Some(f), _) => {
            if f.unit() != m.unit {
                errors.push(FieldError::new(
                    "unit",
                    format!(
                        "A {} formula gives {}, not {}.",
                        formula_name(f),
                        f.unit().as_str(),
                        m.unit.as_str()
                    ),
                ));
            }
            validate_formula(f, m.scope, &mut errors);
        }
    }
    if let Some(t) = m.target {
        if t.unit != m.unit {
            errors.push(FieldError::new(
                "target.unit",
                format!(
                    "The target is in {} but the measure is in {}.",
                    t.unit.as_str(),
                    m.unit.as_str()
                ),
            ));
        }
        let in_range = match m.unit {
            Unit::Percent => (0.0..=100.0).contains(&t.value),
            Unit::Count | Unit::Days => t.value.is_finite() && t.value >= 0.0,
        };
        if !in_range {
            errors.push(FieldError::new(
                "target.value",
                match m.unit {
                    Unit::Percent => "A percentage target is between 0 and 100.",
                    _ => "A target cannot be negative.",
                },
            ));
        }
    }
    errors
}

fn formula_name(f: &Formula) -> &'static str {
    match f {
        Formula::Count { .. } => "count",
        Formula::Rate { .. } => "rate",
        Formula::Mean { .. } => "mean",
    }
}

fn validate_formula(f: &Formula, scope: Scope, errors: &mut Vec<FieldError>) {
    let empty = match f {
        Formula::Count { of } => of.is_empty(),
        Formula::Rate {
            numerator,
            denominator,
        } => {
            if denominator.is_empty() {
                errors.push(FieldError::new(
                    "formula.denominator",
                    "A rate needs a denominator.",
                ));
            }
            numerator.is_empty()
        }
        Formula::Mean { .. } => false,
    };
    if empty {
        errors.push(FieldError::new(
            match f {
                Formula::Rate { .. } => "formula.numerator",
                _ => "formula.of",
            },
            "Name at least one event kind.",
        ));
    }
    let known: Vec<String> = sources::kind_names();
    for (path, r) in f.refs() {
        let Some(info) = sources::kind_info(&r.kind) else {
            errors.push(FieldError::new(
                format!("{path}.kind"),
                format!(
                    "Governance receives no '{}' events. Known kinds: {}.",
                    r.kind,
                    known.join(", ")
                ),
            ));
            continue;
        };
        if r.category.is_some() && info.category.is_none() {
            errors.push(FieldError::new(
                format!("{path}.category"),
                format!("'{}' events have no category.", r.kind),
            ));
        }
        if r.kind == "referral.closed"
            && let Some(c) = &r.category
            && Outcome::parse(c).is_none()
        {
            errors.push(FieldError::new(
                format!("{path}.category"),
                format!("'{c}' is not a closure outcome."),
            ));
        }
        if matches!(f, Formula::Mean { .. }) && !info.has_duration {
            errors.push(FieldError::new(
                format!("{path}.kind"),
                format!("'{}' events record no elapsed time to average.", r.kind),
            ));
        }
        if !info.has_area && scope != Scope::Force {
            errors.push(FieldError::new(
                "scope",
                format!(
                    "'{}' events carry no area, so the measure can only be force-wide.",
                    r.kind
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eip_types::governance::{FactRef, Target};
    use sha2::{Digest, Sha256};

    #[test]
    fn the_strategy_file_is_the_framework_the_service_always_seeded() {
        let f = seeded();
        // Every field written in the file is one the framework reads: a
        // misspelt field would otherwise be dropped without a word.
        let file: serde_json::Value =
            serde_json::from_str(STRATEGY).unwrap_or_else(|e| panic!("JSON: {e}"));
        assert_eq!(serde_json::to_value(&f).ok(), Some(file));
        assert_eq!(
            (f.outcomes.len(), f.indicators.len(), f.measures.len()),
            (5, 7, 15)
        );
        // The canonical JSON of the framework the seed wrote when it was
        // built in code, hashed: moving it to a data file changed nothing.
        // A deliberate change to the strategy changes this hash too.
        let canonical = serde_json::to_string(&f).unwrap_or_default();
        let hash: String = Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hash,
            "73468b37094d534b41a4db02c012c2d714eeb2e579aeb0ed50a8e5a8cf7d1826"
        );
    }

    #[test]
    fn an_upgrade_adds_new_measures_and_activates_planned_ones_only() {
        let f = seeded();
        let active = &f.measures[0];
        let mut planned = active.clone();
        planned.status = MeasureStatus::Planned;
        planned.formula = None;
        assert!(seed_replaces(None, active));
        assert!(seed_replaces(Some(&planned), active));
        let mut edited = active.clone();
        edited.name = "Renamed by an administrator".into();
        assert!(!seed_replaces(Some(&edited), active));
        assert!(!seed_replaces(Some(&planned), &planned));
    }

    fn field_names(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn the_strategy_seed_is_valid_and_covers_every_theme() {
        let f = seeded();
        for m in &f.measures {
            assert_eq!(validate_measure(m, &f), [], "{}", m.id);
        }
        for o in &f.outcomes {
            assert!(
                f.indicators.iter().any(|i| i.outcome_id == o.id),
                "{} has no indicator",
                o.id
            );
        }
        let active: Vec<&str> = f
            .measures
            .iter()
            .filter(|m| m.status == MeasureStatus::Active)
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(
            active,
            [
                "frequent-callers",
                "repeat-incidents",
                "calls-for-service",
                "anti-social-behaviour-calls",
                "referrals-submitted",
                "time-to-triage",
                "acceptance-rate",
                "outcomes-sustained",
                "engagement-events",
                "seldom-heard-reached",
                "priorities-resolved",
                "closed-positive",
                "problem-solving-demand-reduced",
                "restorative-practice-completions",
                "ace-awareness-completions"
            ]
        );
        // Every seeded measure now has a source: none waits as planned.
        let planned: Vec<&str> = f
            .measures
            .iter()
            .filter(|m| m.status == MeasureStatus::Planned)
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(planned, Vec::<&str>::new());
    }

    fn base() -> Measure {
        seeded()
            .measures
            .into_iter()
            .find(|m| m.id == "acceptance-rate")
            .unwrap_or_else(|| panic!("seeded"))
    }

    #[test]
    fn unknown_event_kinds_are_refused_by_field() {
        let mut m = base();
        m.formula = Some(Formula::Rate {
            numerator: vec![FactRef::kind("referral.accepted")],
            denominator: vec![FactRef::kind("referral.teleported")],
        });
        let errors = validate_measure(&m, &seeded());
        assert_eq!(field_names(&errors), ["formula.denominator[0].kind"]);
        assert!(errors[0].message.contains("referral.teleported"));
    }

    #[test]
    fn a_target_in_the_wrong_unit_is_refused() {
        let mut m = base();
        m.target = Some(Target {
            value: 3.0,
            unit: Unit::Days,
        });
        assert_eq!(
            field_names(&validate_measure(&m, &seeded())),
            ["target.unit"]
        );
        m.target = Some(Target {
            value: 130.0,
            unit: Unit::Percent,
        });
        assert_eq!(
            field_names(&validate_measure(&m, &seeded())),
            ["target.value"]
        );
    }

    #[test]
    fn the_unit_must_be_what_the_formula_gives() {
        let mut m = base();
        m.unit = Unit::Count;
        m.target = None;
        assert_eq!(field_names(&validate_measure(&m, &seeded())), ["unit"]);
    }

    #[test]
    fn means_need_timed_events_and_areas_need_area_events() {
        let mut m = base();
        m.unit = Unit::Days;
        m.target = None;
        m.formula = Some(Formula::Mean {
            of: FactRef::kind("training.completion_recorded"),
        });
        assert_eq!(
            field_names(&validate_measure(&m, &seeded())),
            ["formula.of.kind", "scope"]
        );
    }

    #[test]
    fn scope_and_area_agree() {
        let mut m = base();
        m.scope = Scope::Local;
        assert_eq!(field_names(&validate_measure(&m, &seeded())), ["area_id"]);
        m.area_id = Some("atlantis".into());
        assert_eq!(field_names(&validate_measure(&m, &seeded())), ["area_id"]);
        m.area_id = Some("hull".into());
        assert_eq!(validate_measure(&m, &seeded()), []);
        m.scope = Scope::Core;
        assert_eq!(field_names(&validate_measure(&m, &seeded())), ["area_id"]);
    }

    #[test]
    fn closure_categories_must_be_outcomes_and_active_needs_a_formula() {
        let mut m = base();
        m.formula = Some(Formula::Rate {
            numerator: vec![FactRef::category("referral.closed", "happy")],
            denominator: vec![FactRef::category("referral.withdrawn", "x")],
        });
        assert_eq!(
            field_names(&validate_measure(&m, &seeded())),
            [
                "formula.numerator[0].category",
                "formula.denominator[0].category"
            ]
        );
        m.formula = None;
        assert_eq!(field_names(&validate_measure(&m, &seeded())), ["formula"]);
        m.status = MeasureStatus::Planned;
        assert_eq!(validate_measure(&m, &seeded()), []);
    }
}
