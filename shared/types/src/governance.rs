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
