//! What a form post leaves for its page, and what the user is told when a
//! service refuses it or does not answer.

use eip_types::FieldError;
use serde::{Deserialize, Serialize};

/// What a form post leaves for its page: the values typed (`T`), the fields
/// that were wrong and a message when the refusal is not about one field.
/// A post that worked leaves a flash message instead; a search leaves what
/// it found in its values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOutcome<T> {
    /// Which form on the page was sent, when the page has several.
    pub form: String,
    /// The record the form was about, when the page has one form per record.
    pub record: String,
    pub values: T,
    pub errors: Vec<FieldError>,
    /// The refusal as the service (or the portal) put it.
    pub message: Option<String>,
}

impl<T> FormOutcome<T> {
    pub fn new(values: T) -> Self {
        Self {
            form: String::new(),
            record: String::new(),
            values,
            errors: Vec::new(),
            message: None,
        }
    }

    /// The same, for form `form` of its page.
    pub fn of(form: impl Into<String>, values: T) -> Self {
        Self {
            form: form.into(),
            ..Self::new(values)
        }
    }

    /// The same, about record `record`.
    pub fn about(mut self, record: impl Into<String>) -> Self {
        self.record = record.into();
        self
    }

    /// A refusal made before any service was asked.
    pub fn refused(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Field errors found before any service was asked.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Whether this is what form `form` left.
    pub fn is(&self, form: &str) -> bool {
        self.form == form
    }

    /// The message for `field` (or one of its items, `field[0]…`).
    pub fn error(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| {
                e.field == field
                    || e.field
                        .strip_prefix(field)
                        .is_some_and(|rest| rest.starts_with('['))
            })
            .map(|e| e.message.clone())
    }

    /// The message for `field` when `form` was the form refused.
    pub fn error_on(&self, form: &str, field: &str) -> Option<String> {
        self.is(form).then(|| self.error(field)).flatten()
    }

    /// The message, unless the field errors already say what is wrong.
    pub fn general_message(&self) -> Option<String> {
        self.message.clone().filter(|_| self.errors.is_empty())
    }

    /// One line for a page that shows no field errors: the first field's
    /// message, or the message.
    pub fn headline(&self) -> Option<String> {
        self.errors
            .first()
            .map(|e| e.message.clone())
            .or_else(|| self.message.clone())
    }
}

impl<T: Default> FormOutcome<T> {
    /// What form `form` (about `record`) left, or an empty one for it.
    pub fn for_form(kept: Option<Self>, form: &str, record: &str) -> Self {
        kept.filter(|k| k.form == form && k.record == record)
            .unwrap_or_else(|| Self::of(form, T::default()).about(record))
    }
}

impl FormOutcome<Fields> {
    /// What was typed into `field` of `form`, when `form` was refused.
    pub fn typed(&self, form: &str, field: &str) -> Option<String> {
        self.is(form)
            .then(|| self.values.get(field).map(str::to_owned))
            .flatten()
    }
}

/// A form's fields in order, as posted; a checkbox group repeats its name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, if it was sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, or empty.
    pub fn value(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// The first value of `name` without surrounding spaces, or empty.
    pub fn trimmed(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().trim().to_owned()
    }

    /// Every value of `name`, such as the ticked boxes of a group.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Only the fields named, in the order posted.
    pub fn only(&self, names: &[&str]) -> Self {
        Self(
            self.0
                .iter()
                .filter(|(k, _)| names.contains(&k.as_str()))
                .cloned()
                .collect(),
        )
    }

    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<const N: usize> From<[(&str, &str); N]> for Fields {
    fn from(pairs: [(&str, &str); N]) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }
}

/// The services behind the portal, as users are told of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Referrals,
    Engagement,
    Training,
    Governance,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Referrals => "referrals",
            Service::Engagement => "engagement",
            Service::Training => "training",
            Service::Governance => "governance",
        }
    }

    /// What to say when this service does not answer a form.
    pub fn outage(self, then: Then) -> Outage {
        Outage {
            service: Some(self),
            then,
        }
    }
}

/// What became of the user's form when a service did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    /// Nothing said of the form: try again.
    TryAgain,
    /// The values typed are on the form again.
    KeptBelow,
    /// Nothing was saved: try again.
    NothingSaved,
    /// Nothing was saved, said briefly.
    NothingSavedBriefly,
}

/// Which service did not answer (when the form knows), and what became of
/// the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub service: Option<Service>,
    pub then: Then,
}

impl Outage {
    /// A service the form does not name.
    pub const fn unnamed(then: Then) -> Self {
        Self {
            service: None,
            then,
        }
    }

    /// The one "not answering" message, worded for the form.
    pub fn message(self) -> String {
        let who = match self.service {
            Some(s) => format!("The {} service", s.name()),
            None => "The service".to_owned(),
        };
        let then = match self.then {
            Then::TryAgain => "; please try again in a moment.",
            Then::KeptBelow => ". What you typed is kept below; please try again in a moment.",
            Then::NothingSaved => ". Nothing was saved; please try again in a moment.",
            Then::NothingSavedBriefly => "; nothing was saved.",
        };
        format!("{who} is not answering{then}")
    }
}

#[cfg(feature = "ssr")]
impl<T> FormOutcome<T> {
    /// Puts a service's refusal on the form: its message and its field
    /// errors, or, when it did not answer, `outage`'s message.
    pub fn refused_by(mut self, err: eip_platform::client::ClientError, outage: Outage) -> Self {
        use eip_platform::client::ClientError;
        match err {
            ClientError::Problem(p) => {
                self.message = Some(p.detail.unwrap_or(p.title));
                self.errors = p.errors;
            }
            ClientError::Unavailable(why) => {
                tracing::warn!(
                    error = %why,
                    service = outage.service.map_or("a service", Service::name),
                    "service unavailable for a form"
                );
                self.message = Some(outage.message());
                self.errors.clear();
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outage_messages_read_as_before() {
        let cases = [
            (
                Service::Referrals.outage(Then::KeptBelow),
                "The referrals service is not answering. What you typed is kept below; please try again in a moment.",
            ),
            (
                Service::Governance.outage(Then::TryAgain),
                "The governance service is not answering; please try again in a moment.",
            ),
            (
                Service::Engagement.outage(Then::NothingSaved),
                "The engagement service is not answering. Nothing was saved; please try again in a moment.",
            ),
            (
                Service::Training.outage(Then::NothingSavedBriefly),
                "The training service is not answering; nothing was saved.",
            ),
            (
                Outage::unnamed(Then::TryAgain),
                "The service is not answering; please try again in a moment.",
            ),
        ];
        for (outage, said) in cases {
            assert_eq!(outage.message(), said);
        }
    }

    #[test]
    fn field_errors_are_found_by_field_and_item() {
        let o = FormOutcome::new(()).with_errors(vec![
            FieldError::new("place_ids[1]", "Not a ward."),
            FieldError::new("title", "Give a title."),
        ]);
        assert_eq!(o.error("place_ids").as_deref(), Some("Not a ward."));
        assert_eq!(o.error("title").as_deref(), Some("Give a title."));
        assert_eq!(o.error("tit"), None, "a prefix alone is another field");
        assert_eq!(o.error("place"), None);
        assert_eq!(o.headline().as_deref(), Some("Not a ward."));
    }

    #[test]
    fn the_message_stands_alone_only_without_field_errors() {
        let o = FormOutcome::new(()).refused("Some fields need correcting");
        assert_eq!(
            o.general_message().as_deref(),
            Some("Some fields need correcting")
        );
        let o = o.with_errors(vec![FieldError::new("reason", "Say why.")]);
        assert_eq!(o.general_message(), None);
        assert_eq!(o.headline().as_deref(), Some("Say why."));
    }

    #[test]
    fn what_was_typed_belongs_to_its_form() {
        let o = FormOutcome::of("agency-new", Fields::from([("name", "Rock")]))
            .with_errors(vec![FieldError::new("name", "Too short.")]);
        assert_eq!(o.typed("agency-new", "name").as_deref(), Some("Rock"));
        assert_eq!(o.typed("agency-x", "name"), None);
        assert_eq!(
            o.error_on("agency-new", "name").as_deref(),
            Some("Too short.")
        );
        assert_eq!(o.error_on("targets", "name"), None);
    }

    #[test]
    fn fields_read_as_posted() {
        let f = Fields::from([
            ("risk", "a"),
            ("name", "  Ann "),
            ("risk", "b"),
            ("other", "x"),
        ]);
        assert_eq!(f.all("risk"), ["a", "b"]);
        assert_eq!(f.value("name"), "  Ann ");
        assert_eq!(f.trimmed("name"), "Ann");
        assert_eq!(f.value("missing"), "");
        assert_eq!(
            f.only(&["risk"]),
            Fields::from([("risk", "a"), ("risk", "b")])
        );
    }
}
