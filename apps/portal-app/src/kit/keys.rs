//! Session keys, typed by what is kept under each. One-time entries (a
//! flash, a refused form) are taken by the page that shows them.

use super::{Fields, FormOutcome, SessionKey};
use crate::data::{EngagementValues, PackValues, PersonSearchValues, ReferralValues, SignInValues};
use std::collections::HashMap;

/// The signed-in user's id: all the session says of them. Their name,
/// roles and areas are read from the account on every request, so a change
/// (or a disabled account) takes effect at once.
pub const USER_ID: SessionKey<String> = SessionKey::new("user_id");
/// When the user signed in, in seconds since the epoch.
pub const SIGNED_IN_AT: SessionKey<i64> = SessionKey::new("signed_in_at");
/// What a form post that worked says, once, on the page it goes to.
pub const FLASH: SessionKey<String> = SessionKey::new("flash");
/// Reasons given this session for viewing children's records, by record
/// ([`view_reason_key`]): posted in a form body, kept here, sent to the
/// service in a header, never put in a URL.
pub const VIEW_REASONS: SessionKey<HashMap<String, String>> = SessionKey::new("view_reasons");

/// A record's entry in [`VIEW_REASONS`]: `referral:<id>` or `person:<id>`.
pub fn view_reason_key(kind: RecordKind, id: &str) -> String {
    format!("{}:{id}", kind.as_str())
}

/// The kinds of record a reason for viewing is given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Referral,
    Person,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Referral => "referral",
            RecordKind::Person => "person",
        }
    }
}

pub const SIGN_IN: SessionKey<FormOutcome<SignInValues>> = SessionKey::new("sign_in_form");

// Referrals and people.
pub const REFERRAL_FORM: SessionKey<FormOutcome<ReferralValues>> = SessionKey::new("referral_form");
/// A refused step; its form is the step's name.
pub const REFERRAL_STEP: SessionKey<FormOutcome<Fields>> = SessionKey::new("referral_action");
pub const RETENTION: SessionKey<FormOutcome<()>> = SessionKey::new("retention_outcome");
pub const PERSON: SessionKey<FormOutcome<()>> = SessionKey::new("person_outcome");
/// The last search by name. The name travels in a form body and the
/// session, never in a URL.
pub const PERSON_SEARCH: SessionKey<FormOutcome<PersonSearchValues>> =
    SessionKey::new("person_search");

/// Any administration form refused; its form names which.
pub const ADMIN: SessionKey<FormOutcome<Fields>> = SessionKey::new("admin_outcome");
/// A refused register or assessment.
pub const TRAINING: SessionKey<FormOutcome<Fields>> = SessionKey::new("training_outcome");
/// A refused pack form.
pub const PACK: SessionKey<FormOutcome<PackValues>> = SessionKey::new("pack_outcome");

// Engagement and casework.
pub const ENGAGEMENT_FORM: SessionKey<FormOutcome<EngagementValues>> =
    SessionKey::new("engagement_form");
pub const IMPORT_FORM: SessionKey<FormOutcome<Fields>> = SessionKey::new("import_form");
/// A refused priority, "we did" or resolve form; the record names the
/// priority.
pub const PRIORITY_FORM: SessionKey<FormOutcome<Fields>> = SessionKey::new("priority_form");
/// A refused case form; the record names the case, the form its stage.
pub const CASE_FORM: SessionKey<FormOutcome<Fields>> = SessionKey::new("case_form");
