//! The engagement log and the priority board: what communities raised, the
//! priorities agreed and "you said, we did".

use super::*;

/// The kinds of engagement with communities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EngagementKind {
    PublicMeeting,
    SchoolVisit,
    DoorKnocking,
    YouthSession,
    OnlineSurvey,
    PartnerEvent,
}

impl EngagementKind {
    pub const ALL: [EngagementKind; 6] = [
        EngagementKind::PublicMeeting,
        EngagementKind::SchoolVisit,
        EngagementKind::DoorKnocking,
        EngagementKind::YouthSession,
        EngagementKind::OnlineSurvey,
        EngagementKind::PartnerEvent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EngagementKind::PublicMeeting => "public_meeting",
            EngagementKind::SchoolVisit => "school_visit",
            EngagementKind::DoorKnocking => "door_knocking",
            EngagementKind::YouthSession => "youth_session",
            EngagementKind::OnlineSurvey => "online_survey",
            EngagementKind::PartnerEvent => "partner_event",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            EngagementKind::PublicMeeting => "Public meeting",
            EngagementKind::SchoolVisit => "School visit",
            EngagementKind::DoorKnocking => "Door-knocking",
            EngagementKind::YouthSession => "Youth session",
            EngagementKind::OnlineSurvey => "Online survey",
            EngagementKind::PartnerEvent => "Partner event",
        }
    }
}

/// An engagement with a community, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEngagement {
    pub kind: EngagementKind,
    /// A ward or local authority area.
    pub place_id: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub attendance: i64,
    /// Groups reached, such as `young people` or `Polish community`.
    #[serde(default)]
    pub groups_reached: Vec<String>,
    /// Whether under-represented or seldom-heard groups were reached.
    pub seldom_heard: bool,
    /// The issues people raised, one per entry.
    #[serde(default)]
    pub issues_raised: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    pub id: String,
    pub kind: EngagementKind,
    pub place_id: String,
    pub area_id: String,
    pub held_on: String,
    pub attendance: i64,
    pub groups_reached: Vec<String>,
    pub seldom_heard: bool,
    pub issues_raised: Vec<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PriorityStatus {
    Agreed,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    Done,
}

impl ActionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
        }
    }
}

/// "You said, we did": what was done about a priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WeDid {
    pub we_did: String,
    pub status: ActionStatus,
    #[serde(default)]
    pub at: Option<String>,
}

/// A community priority agreed for a place and period (at most three each).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommunityPriority {
    pub id: String,
    pub place_id: String,
    pub area_id: String,
    /// Such as `2026-Q4`.
    pub period: String,
    pub title: String,
    /// What people said, in their words.
    pub you_said: String,
    pub engagement_ids: Vec<String>,
    pub status: PriorityStatus,
    pub responses: Vec<WeDid>,
    pub agreed_at: String,
    pub resolved_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewPriority {
    pub place_id: String,
    pub period: String,
    pub title: String,
    pub you_said: String,
    #[serde(default)]
    pub engagement_ids: Vec<String>,
}

/// A period such as `2026-Q4`.
pub fn valid_period(s: &str) -> bool {
    let Some((year, q)) = s.split_once("-Q") else {
        return false;
    };
    year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && ["1", "2", "3", "4"].contains(&q)
}
