//! Aggregates as governance publishes them: never a person, small numbers hidden.

use serde::{Deserialize, Serialize};

/// One published count: either shown or hidden to protect individuals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Cell {
    Shown(u64),
    Suppressed,
}

impl Cell {
    /// How the cell reads in a table.
    pub fn display(self) -> String {
        match self {
            Cell::Shown(n) => n.to_string(),
            Cell::Suppressed => "*".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaCount {
    pub area_id: String,
    pub area_name: String,
    pub count: Cell,
}

/// The "referrals submitted per area" table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmittedPerArea {
    pub rows: Vec<AreaCount>,
    pub total: Cell,
    /// Counts from 1 up to this number are hidden.
    pub suppress_up_to: u64,
}

// ---------------------------------------------------------------------------
// The performance framework: outcomes → indicators → measures, held as data.
// ---------------------------------------------------------------------------

/// What a measure counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of events.
    Count,
    /// A share of a denominator, 0 to 100.
    Percent,
    /// A mean elapsed time, in days.
    Days,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "percent",
            Unit::Days => "days",
        }
    }
}

/// Which way a measure should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Higher,
    Lower,
    /// Neither direction is better in itself (volume of referrals, say).
    Neither,
}

/// Where a measure applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Reported for every local authority area.
    Core,
    /// Reported for one area only (`area_id`).
    Local,
    /// Reported once for the force: its events carry no area (training).
    Force,
}

/// Whether a measure is reported yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// Computed from events and reported.
    Active,
    /// Part of the strategy, waiting for the events it needs to exist.
    Planned,
}

/// A slice of the fact table: one event kind, optionally one category of it
/// (a closure outcome, a competency).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FactRef {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl FactRef {
    pub fn kind(kind: &str) -> Self {
        Self {
            kind: kind.into(),
            category: None,
        }
    }

    pub fn category(kind: &str, category: &str) -> Self {
        Self {
            kind: kind.into(),
            category: Some(category.into()),
        }
    }
}

/// How a measure is computed from the fact table, per area and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Formula {
    /// The number of events in the slices.
    Count { of: Vec<FactRef> },
    /// Events in the numerator as a percentage of events in the denominator.
    Rate {
        numerator: Vec<FactRef>,
        denominator: Vec<FactRef>,
    },
    /// The mean elapsed time the events record, in days.
    Mean { of: FactRef },
}

impl Formula {
    /// The unit the formula produces.
    pub fn unit(&self) -> Unit {
        match self {
            Formula::Count { .. } => Unit::Count,
            Formula::Rate { .. } => Unit::Percent,
            Formula::Mean { .. } => Unit::Days,
        }
    }

    /// Every slice the formula reads, with the JSON path that names it.
    pub fn refs(&self) -> Vec<(String, &FactRef)> {
        match self {
            Formula::Count { of } => of
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("formula.of[{i}]"), r))
                .collect(),
            Formula::Rate {
                numerator,
                denominator,
            } => numerator
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("formula.numerator[{i}]"), r))
                .chain(
                    denominator
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (format!("formula.denominator[{i}]"), r)),
                )
                .collect(),
            Formula::Mean { of } => vec![("formula.of".into(), of)],
        }
    }
}

/// A target, stated in the measure's own unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub value: f64,
    pub unit: Unit,
}

/// One measure of the framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Measure {
    pub id: String,
    pub indicator_id: String,
    pub name: String,
    /// What the measure means, in words a board member reads.
    pub definition: String,
    pub unit: Unit,
    pub good_direction: Direction,
    pub scope: Scope,
    /// The one area of a local measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_id: Option<String>,
    pub status: MeasureStatus,
    /// How it is computed; absent while the measure is planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<Formula>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// For a planned measure, the events it waits for, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting: Option<String>,
}

impl Measure {
    /// The event kinds the measure is computed from.
    pub fn source_kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .formula
            .iter()
            .flat_map(|f| f.refs())
            .map(|(_, r)| r.kind.clone())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    pub id: String,
    pub outcome_id: String,
    pub name: String,
}

/// An outcome the strategy aims for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomeDef {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// The whole framework, flat: indicators name their outcome, measures their
/// indicator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Framework {
    pub outcomes: Vec<OutcomeDef>,
    pub indicators: Vec<Indicator>,
    pub measures: Vec<Measure>,
}

/// An event kind governance knows how to read, and what its facts hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventKindInfo {
    pub kind: String,
    pub source: String,
    /// Whether its facts carry an area (training's do not).
    pub has_area: bool,
    /// Whether its facts carry an elapsed time (so a mean can be taken).
    pub has_duration: bool,
    /// What the category of its facts is, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// A core measure that cannot be reported for an area in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingMeasure {
    pub measure_id: String,
    pub area_id: String,
    pub reason: String,
}

/// Whether a report for a period can be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportValidation {
    pub period: String,
    pub valid: bool,
    pub missing: Vec<MissingMeasure>,
}

// ---------------------------------------------------------------------------
// Statistical process control (XmR charts), NHS "Making Data Count" style.
// ---------------------------------------------------------------------------

/// A special-cause rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpcRule {
    /// A point beyond a process limit.
    BeyondLimit,
    /// Seven or more consecutive points on one side of the mean.
    Shift,
    /// Seven or more consecutive points each strictly above (or below) the one before.
    Trend,
    /// Two of three consecutive points beyond two-thirds of the way to a limit, same side.
    TwoOfThree,
}

impl SpcRule {
    pub fn text(self) -> &'static str {
        match self {
            SpcRule::BeyondLimit => "a point beyond a process limit",
            SpcRule::Shift => "seven or more points in a row on one side of the mean",
            SpcRule::Trend => "seven or more points in a row rising or falling",
            SpcRule::TwoOfThree => "two of three points close to a process limit",
        }
    }
}

/// What a special cause means for the measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Improving,
    Concerning,
    /// The measure has no good direction.
    Neither,
}

/// The variation icon of a measure, from its latest point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Variation {
    CommonCause,
    ImprovingHigh,
    ImprovingLow,
    ConcerningHigh,
    ConcerningLow,
    NeitherHigh,
    NeitherLow,
}

impl Variation {
    /// The icon's text alternative.
    pub fn text(self) -> &'static str {
        match self {
            Variation::CommonCause => "Common cause variation: no significant change",
            Variation::ImprovingHigh => "Special cause variation: improvement (higher values)",
            Variation::ImprovingLow => "Special cause variation: improvement (lower values)",
            Variation::ConcerningHigh => "Special cause variation: concern (higher values)",
            Variation::ConcerningLow => "Special cause variation: concern (lower values)",
            Variation::NeitherHigh => {
                "Special cause variation: higher values, neither improvement nor concern"
            }
            Variation::NeitherLow => {
                "Special cause variation: lower values, neither improvement nor concern"
            }
        }
    }
}

/// The assurance icon: whether the process will meet its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    ConsistentlyPass,
    ConsistentlyFail,
    HitAndMiss,
}

impl Assurance {
    /// The icon's text alternative.
    pub fn text(self) -> &'static str {
        match self {
            Assurance::ConsistentlyPass => {
                "Assurance: the process will consistently meet the target"
            }
            Assurance::ConsistentlyFail => {
                "Assurance: the process will consistently fail the target"
            }
            Assurance::HitAndMiss => {
                "Assurance: the process will hit and miss the target at random"
            }
        }
    }
}

/// A recorded rebase: limits recalculated from `period` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rebase {
    pub period: String,
    pub reason: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A run of points sharing one centre line and limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpcSegment {
    /// Index of the segment's first point.
    pub start: usize,
    /// Number of points in the segment.
    pub len: usize,
    pub mean: f64,
    /// Absent with a single point: one point has no moving range.
    pub upper: Option<f64>,
    pub lower: Option<f64>,
    /// Fewer than twelve points: the limits are provisional.
    pub trial: bool,
    /// The rebase that started the segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebase: Option<Rebase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpcPoint {
    pub period: String,
    pub value: f64,
    pub segment: usize,
    pub rules: Vec<SpcRule>,
    /// Set when a rule flags the point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<Signal>,
}

/// An XmR chart with its icons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpcChart {
    pub points: Vec<SpcPoint>,
    pub segments: Vec<SpcSegment>,
    pub variation: Variation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assurance: Option<Assurance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

// ---------------------------------------------------------------------------
// Published tables: values or the symbols UK official statistics use.
// ---------------------------------------------------------------------------

/// One published figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Published {
    Number(f64),
    /// `[c]`: hidden to protect individuals.
    Confidential,
    /// `[x]`: not available (the measure is not collected yet).
    Unavailable,
    /// `[z]`: not applicable (a rate of nothing).
    NotApplicable,
}

impl Published {
    pub fn symbol(self) -> Option<&'static str> {
        match self {
            Published::Number(_) => None,
            Published::Confidential => Some("[c]"),
            Published::Unavailable => Some("[x]"),
            Published::NotApplicable => Some("[z]"),
        }
    }

    pub fn number(self) -> Option<f64> {
        match self {
            Published::Number(n) => Some(n),
            _ => None,
        }
    }

    /// How the figure reads in a table: counts whole, others to one decimal.
    pub fn display(self, unit: Unit) -> String {
        match (self, unit) {
            (Published::Number(n), Unit::Count) => format!("{n:.0}"),
            (Published::Number(n), _) => format!("{n:.1}"),
            (other, _) => other.symbol().unwrap_or_default().to_owned(),
        }
    }
}

/// The statement of method every pack, export and dashboard carries: what
/// is hidden, and what a reader may and may not infer.
pub fn method_statement(up_to: u64) -> String {
    format!(
        "Small numbers: each month's counts are protected once, for every table at once. \
         Counts from 1 to {up_to} are shown as [c], and so is any further count from which one \
         could be worked out, alone or with other published figures. Every table, window, pack, \
         export and evaluation shows the same figure or the same [c] for a month. A total over \
         several months or areas is the sum of its shown parts, and is [c] when any part is \
         hidden, so totals always equal their parts. Shown figures are exact, not altered. A \
         reader may not infer that a [c] is small: it may hide a larger count protecting a \
         small one. Rates and averages are shown only where no area-month they pool rests on \
         a small number. Charts leave hidden months as gaps."
    )
}

/// The footnotes every table with symbols carries.
pub const FOOTNOTES: [(&str, &str); 3] = [
    (
        "[c]",
        "Confidential: hidden because it is a small number, or because a small number could be worked out from it with other published figures, or because it is a total with a hidden part; to protect the people it counts.",
    ),
    ("[x]", "Not available: this figure is not collected yet."),
    (
        "[z]",
        "Not applicable: there is nothing to take a rate or average of.",
    ),
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableRow {
    /// A local authority id, or `force` for force-wide measures.
    pub area_id: String,
    pub area_name: String,
    /// One per month of the table.
    pub cells: Vec<Published>,
    /// Over all the table's months.
    pub total: Published,
}

/// A measure's area × month table with its margins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureTable {
    pub months: Vec<String>,
    pub rows: Vec<TableRow>,
    /// All areas, per month.
    pub month_totals: Vec<Published>,
    pub grand_total: Published,
}

/// One measure as a board sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureReport {
    pub measure: Measure,
    pub table: MeasureTable,
    /// The XmR chart of the all-areas figure; hidden months are left out.
    pub chart: SpcChart,
}

/// The board dashboard for a range of months.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    pub suppress_up_to: u64,
    pub measures: Vec<MeasureReport>,
    /// Measures of the framework not collected yet.
    pub planned: Vec<Measure>,
    pub validation: ReportValidation,
    /// Inline SVG per measure when served for display; never part of a
    /// pack's frozen snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charts: Vec<String>,
}

/// A table exported as CSV, for clients that cannot stream a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsvExport {
    pub filename: String,
    pub content: String,
}

/// A request to recalculate a measure's limits from a month on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRebase {
    /// The first month of the new limits, `YYYY-MM`.
    pub period: String,
    /// Why the process changed (a new triage process, say).
    pub reason: String,
}

// ---------------------------------------------------------------------------
// Report packs
// ---------------------------------------------------------------------------

/// A board that receives report packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Board {
    pub id: String,
    pub name: String,
    /// User ids of the members who may sign its packs.
    pub approvers: Vec<String>,
}

/// The users who may sign a board's packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Approvers {
    pub approvers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PackStatus {
    Draft,
    Reviewed,
    Signed,
}

impl PackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PackStatus::Draft => "draft",
            PackStatus::Reviewed => "reviewed",
            PackStatus::Signed => "signed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [PackStatus::Draft, PackStatus::Reviewed, PackStatus::Signed]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// A dated event shown on the pack's charts (a pilot's start, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub text: String,
}

/// What a pack contains, as written by an analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PackInput {
    pub board_id: String,
    /// First month, `YYYY-MM`.
    #[serde(default)]
    pub from: String,
    /// Last month, `YYYY-MM`.
    #[serde(default)]
    pub to: String,
    /// Measure ids; empty means every active measure.
    #[serde(default)]
    pub measure_ids: Vec<String>,
    #[serde(default)]
    pub commentary: String,
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// One version of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pack {
    pub id: String,
    /// Shared by every version of the same pack.
    pub series_id: String,
    pub version: i64,
    pub status: PackStatus,
    pub input: PackInput,
    pub created_by: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// SHA-256 of the frozen data snapshot, once signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_sha256: Option<String>,
}

/// A pack with its figures: live while a draft, frozen once signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackView {
    pub pack: Pack,
    pub board_name: String,
    pub content: Dashboard,
    /// Inline SVG per measure, in the order of `content.measures`.
    pub charts: Vec<String>,
    /// For a signed pack: the stored snapshot still matches its hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_verified: Option<bool>,
    /// Every version of this pack, oldest first.
    pub history: Vec<Pack>,
    /// Whether the viewer may sign it now.
    pub may_sign: bool,
}

/// One view or download of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackAccess {
    pub pack_id: String,
    pub user_id: String,
    /// `view`, or `csv:<measure id>`.
    pub action: String,
    pub at: String,
}

// ---------------------------------------------------------------------------
// Pilot evaluation
// ---------------------------------------------------------------------------

/// A pilot as recorded by an analyst.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PilotInput {
    pub name: String,
    /// The measures the pilot aims to move.
    pub measure_ids: Vec<String>,
    pub intervention_areas: Vec<String>,
    pub comparison_areas: Vec<String>,
    /// Months, `YYYY-MM`, inclusive.
    #[serde(default)]
    pub pre_from: String,
    #[serde(default)]
    pub pre_to: String,
    #[serde(default)]
    pub post_from: String,
    #[serde(default)]
    pub post_to: String,
    /// What was delivered, in aggregate (sessions run, places taken up).
    #[serde(default)]
    pub delivered: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pilot {
    pub id: String,
    pub input: PilotInput,
    pub created_by: String,
    pub created_at: String,
}

/// One group's figures, month by month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupSeries {
    pub months: Vec<String>,
    pub values: Vec<Published>,
    /// Least-squares change per month over the pre-period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pre_slope: Option<f64>,
}

/// The difference-in-differences estimate for one measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DidEstimate {
    /// (post − pre in the intervention areas) − (post − pre in the comparison areas).
    pub estimate: f64,
    pub standard_error: f64,
    /// 95% confidence interval.
    pub low: f64,
    pub high: f64,
    pub degrees_of_freedom: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasureEvaluation {
    pub measure_id: String,
    pub measure_name: String,
    pub unit: Unit,
    pub intervention: GroupSeries,
    pub comparison: GroupSeries,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did: Option<DidEstimate>,
    /// Why there is no estimate, when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_estimated: Option<String>,
    /// What the estimate does and does not show, in words.
    pub finding: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PilotEvaluation {
    pub pilot: Pilot,
    /// The design and how strong its evidence can be.
    pub evidence_strength: String,
    pub measures: Vec<MeasureEvaluation>,
}
