//! The names of the forms' fields (and of the forms, where a page has
//! several), as the pages render them and the handlers read them. A service
//! names a field's error the same way.

pub mod sign_in {
    pub const USERNAME: &str = "username";
    pub const PASSWORD: &str = "password";
}

/// A reason for viewing a child's record (referral or person page).
pub mod view {
    pub const REASON: &str = "reason";
}

/// Withdrawing a share (a coordinator, on the referral's page).
pub mod share_withdrawal {
    /// The form's name, where the page shows its refusal.
    pub const FORM: &str = "withdraw-share";
    pub const WHY: &str = "why";
    pub const NOTE: &str = "note";
}

/// Raising a referral.
pub mod referral {
    pub const CHILD_NAME: &str = "child_name";
    pub const DATE_OF_BIRTH: &str = "date_of_birth";
    pub const AREA_ID: &str = "area_id";
    pub const REASON: &str = "reason";
    /// A checkbox group.
    pub const RISK_FACTORS: &str = "risk_factors";
    pub const GENDER: &str = "gender";
    pub const SCHOOL: &str = "school";
    /// A candidate record's id, `new`, or absent when not yet asked.
    pub const PERSON_CHOICE: &str = "person_choice";
    pub const NEW_PERSON: &str = "new";
    /// The service's name for the chosen record, in its errors.
    pub const PERSON_ID: &str = "person_id";
    /// The button pressed: [`SUBMIT`] or [`DRAFT`].
    pub const ACTION: &str = "action";
    pub const SUBMIT: &str = "submit";
    pub const DRAFT: &str = "draft";
}

/// One lifecycle step on a referral's page.
pub mod step {
    /// Which step: a [`Step`]'s name.
    pub const ACTION: &str = "action";
    /// The referral's version the page showed.
    pub const VERSION: &str = "version";
    pub const PRIORITY: &str = "priority";
    pub const PATHWAY: &str = "pathway";
    pub const AGENCY_ID: &str = "agency_id";
    pub const LAWFUL_BASIS: &str = "lawful_basis";
    pub const CONSENT: &str = "consent";
    pub const CONSENT_NOTE: &str = "consent_note";
    pub const AGREEMENT_ID: &str = "agreement_id";
    /// A checkbox group: what the share discloses.
    pub const FIELDS: &str = "fields";
    pub const RESULT: &str = "result";
    pub const OUTCOME: &str = "outcome";
    pub const REASON: &str = "reason";

    /// The lifecycle steps, as the referrals service names them in a
    /// referral's allowed actions.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Step {
        Submit,
        Triage,
        Share,
        FollowUp,
        Accept,
        Decline,
        Start,
        Close,
        Withdraw,
    }

    impl Step {
        pub const ALL: [Step; 9] = [
            Step::Submit,
            Step::Triage,
            Step::Share,
            Step::FollowUp,
            Step::Accept,
            Step::Decline,
            Step::Start,
            Step::Close,
            Step::Withdraw,
        ];

        pub fn as_str(self) -> &'static str {
            match self {
                Step::Submit => "submit",
                Step::Triage => "triage",
                Step::Share => "share",
                Step::FollowUp => "follow_up",
                Step::Accept => "accept",
                Step::Decline => "decline",
                Step::Start => "start",
                Step::Close => "close",
                Step::Withdraw => "withdraw",
            }
        }

        pub fn parse(name: &str) -> Option<Self> {
            Self::ALL.into_iter().find(|s| s.as_str() == name)
        }

        /// The field holding the text typed for this step, kept when the
        /// step is refused.
        pub fn text_field(self) -> &'static str {
            if self == Step::Share {
                CONSENT_NOTE
            } else {
                REASON
            }
        }
    }
}

/// A retention review's decision on one record.
pub mod retention {
    /// `retain` or `dispose`: the button pressed.
    pub const DECISION: &str = "decision";
    pub const REASON: &str = "reason";
    pub const NEXT_REVIEW_ON: &str = "next_review_on";
}

/// Merging a duplicate person record, and undoing a merge.
pub mod merge {
    pub const DUPLICATE_ID: &str = "duplicate_id";
    pub const REASON: &str = "reason";
    /// The merge an administrator undoes, by its reference.
    pub const MERGE_ID: &str = "merge_id";
    /// The undo form, on the sharing and retention page.
    pub const UNDO: &str = "undo-merge";
}

/// The access report: a search by name, or a referral's reference.
pub mod access {
    pub const NAME: &str = "name";
    pub const DATE_OF_BIRTH: &str = "date_of_birth";
    /// The query naming the referral reported on.
    pub const REFERRAL: &str = "referral";
}

/// The skills matrix's filters, on the page and on its CSV download.
pub mod matrix {
    pub const TEAM: &str = "team";
    pub const AREA: &str = "area";
    pub const ROLE: &str = "role";
    pub const AGENCY: &str = "agency";
    pub const MANAGER: &str = "manager";
    pub const AS_OF: &str = "as_of";
    pub const ALL: [&str; 6] = [TEAM, AREA, ROLE, AGENCY, MANAGER, AS_OF];
}

/// A training session's register.
pub mod register {
    pub const FORM: &str = "register";
    /// Each person's radio group is this followed by their staff id.
    pub const PERSON_PREFIX: &str = "att-";
    pub const ATTENDED: &str = "attended";
    pub const NO_SHOW: &str = "no_show";
}

/// A trainer's assessment of observed practice.
pub mod assessment {
    pub const FORM: &str = "assess";
    pub const COMPETENCY_ID: &str = "competency_id";
    pub const ASSESSED_ON: &str = "assessed_on";
    pub const OUTCOME: &str = "outcome";
    pub const LEVEL: &str = "level";
    /// A checkbox group.
    pub const STANDARDS_MET: &str = "standards_met";
    pub const NOTES: &str = "notes";
    /// What is typed back into the form when it is refused.
    pub const KEPT: [&str; 5] = [COMPETENCY_ID, ASSESSED_ON, OUTCOME, LEVEL, NOTES];
}

/// Starting a report pack.
pub mod pack {
    pub const BOARD_ID: &str = "board_id";
    pub const FROM: &str = "from";
    pub const TO: &str = "to";
    pub const COMMENTARY: &str = "commentary";
}

/// Naming a board's approvers.
pub mod approvers {
    pub const BOARD_ID: &str = "board_id";
    /// A checkbox group of user ids.
    pub const APPROVER: &str = "approver";
}

/// The sharing administration page's forms: each agency's and agreement's
/// own, a new one of each, the targets and the retention periods (whose
/// fields are [`eip_types::referral::RetentionPeriods::fields`]).
pub mod sharing {
    pub const NAME: &str = "name";
    pub const KIND: &str = "kind";
    /// A checkbox: `true` when ticked.
    pub const ACTIVE: &str = "active";
    pub const AGENCY_ID: &str = "agency_id";
    pub const STARTS_ON: &str = "starts_on";
    pub const ENDS_ON: &str = "ends_on";
    pub const TRIAGE_HOURS: &str = "triage_hours";
    pub const URGENT_HOURS: &str = "urgent_hours";
    pub const HIGH_HOURS: &str = "high_hours";
    pub const ROUTINE_HOURS: &str = "routine_hours";
    pub const TARGET_HOURS: [&str; 4] = [TRIAGE_HOURS, URGENT_HOURS, HIGH_HOURS, ROUTINE_HOURS];

    pub const NEW_AGENCY: &str = "agency-new";
    pub const NEW_AGREEMENT: &str = "agreement-new";
    pub const TARGETS: &str = "targets";
    pub const PERIODS: &str = "periods";

    /// The form that changes agency `id`.
    pub fn agency(id: &str) -> String {
        format!("agency-{id}")
    }

    /// The form that changes agreement `id`.
    pub fn agreement(id: &str) -> String {
        format!("agreement-{id}")
    }
}

/// The competency a gated action needs.
pub mod skill {
    pub const COMPETENCY_ID: &str = "competency_id";
    pub const HELP: &str = "help";

    /// The form for gated action `action` (`referral.triage`).
    pub fn form(action: &str) -> String {
        format!("skill-{}", action.replace('.', "-"))
    }
}

/// Logging an engagement.
pub mod engagement {
    pub const KIND: &str = "kind";
    pub const PLACE_ID: &str = "place_id";
    pub const HELD_ON: &str = "held_on";
    pub const ATTENDANCE: &str = "attendance";
    /// One group per line.
    pub const GROUPS_REACHED: &str = "groups_reached";
    /// A checkbox: [`YES`] when ticked.
    pub const SELDOM_HEARD: &str = "seldom_heard";
    /// One issue per line.
    pub const ISSUES_RAISED: &str = "issues_raised";
    pub const YES: &str = "yes";
}

/// A file sent for import.
pub mod import {
    pub const FORM: &str = "import";
    pub const KIND: &str = "kind";
    pub const LOOKUP_VERSION: &str = "lookup_version";
    pub const FILE: &str = "file";
    /// The query naming the job the imports page follows.
    pub const JOB: &str = "job";
}

/// The repeat- and hidden-demand forms.
pub mod demand {
    pub const RULE_ID: &str = "rule_id";
    pub const SUBJECT_REF: &str = "subject_ref";
    /// The button pressed: a support path.
    pub const PATH: &str = "path";
}

/// Agreeing a community priority.
pub mod priority {
    pub const FORM: &str = "priority";
    pub const PLACE_ID: &str = "place_id";
    pub const PERIOD: &str = "period";
    pub const TITLE: &str = "title";
    pub const YOU_SAID: &str = "you_said";
}

/// "You said, we did" under a priority, and marking it resolved.
pub mod we_did {
    pub const FORM: &str = "wedid";
    pub const WE_DID: &str = "we_did";
    /// `planned`, `in_progress` or `done`.
    pub const STATUS: &str = "status";
}

/// A problem-solving case: opening one, and its stages.
pub mod case {
    pub const NEW_FORM: &str = "new";
    pub const TITLE: &str = "title";
    /// A multiple select.
    pub const PLACE_IDS: &str = "place_ids";
    pub const OBJECTIVE: &str = "objective";

    pub const COMMUNITY_VIEW: &str = "community_view";
    pub const DATA_VIEW: &str = "data_view";

    pub const VICTIM_GUARDIAN: &str = "victim_guardian";
    pub const OFFENDER_HANDLER: &str = "offender_handler";
    pub const PLACE_MANAGER: &str = "place_manager";

    pub const ACTION: &str = "action";
    pub const OWNER: &str = "owner";
    /// Comma-separated.
    pub const PARTNER_AGENCIES: &str = "partner_agencies";
    pub const DUE_ON: &str = "due_on";
    pub const RESTORATIVE_OUTCOME: &str = "restorative_outcome";

    pub const BEFORE_FROM: &str = "before_from";
    pub const BEFORE_TO: &str = "before_to";
    pub const AFTER_FROM: &str = "after_from";
    pub const AFTER_TO: &str = "after_to";
    /// A checkbox: `yes` when ticked.
    pub const DELIVERED_AS_PLANNED: &str = "delivered_as_planned";
    pub const PROCESS_NOTES: &str = "process_notes";
    pub const LEARNING: &str = "learning";

    /// A case's stage forms, each posted to the case's stage route.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Stage {
        Scanning,
        Analysis,
        Responses,
        Assessment,
        Close,
    }

    impl Stage {
        pub const ALL: [Stage; 5] = [
            Stage::Scanning,
            Stage::Analysis,
            Stage::Responses,
            Stage::Assessment,
            Stage::Close,
        ];

        pub fn as_str(self) -> &'static str {
            match self {
                Stage::Scanning => "scanning",
                Stage::Analysis => "analysis",
                Stage::Responses => "responses",
                Stage::Assessment => "assessment",
                Stage::Close => "close",
            }
        }

        pub fn parse(name: &str) -> Option<Self> {
            Self::ALL.into_iter().find(|s| s.as_str() == name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::case::Stage;
    use super::step::Step;

    #[test]
    fn steps_and_stages_read_back_by_name() {
        for s in Step::ALL {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
        assert_eq!(Step::parse("follow_up"), Some(Step::FollowUp));
        assert_eq!(Step::parse("follow-up"), None);
        assert_eq!(Stage::parse("summary.md"), None);
    }

    #[test]
    fn a_share_keeps_its_consent_note_and_others_their_reason() {
        assert_eq!(Step::Share.text_field(), "consent_note");
        assert_eq!(Step::Decline.text_field(), "reason");
    }

    #[test]
    fn per_record_forms_are_named_after_their_record() {
        assert_eq!(super::sharing::agency("cfs"), "agency-cfs");
        assert_eq!(
            super::skill::form("referral.triage"),
            "skill-referral-triage"
        );
    }
}
