//! Reminders by email, when an SMTP server is configured.
//!
//! The daily job creates each reminder once (one per recipient, person,
//! competency, lapse date and stage); this module then emails those not
//! yet emailed to recipients with an address on record, and marks each
//! sent, so running the job again the same day sends nothing twice. A
//! message that could not be sent stays unmarked and is tried on the next
//! run. Without SMTP, reminders show in the portal only.
//!
//! The transport is plain SMTP to a relay on the force's network (the
//! relay carries mail onward); it has no TLS stack of its own.

use crate::store;
use chrono::NaiveDate;
use eip_platform::error::ApiError;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

/// `EIP_SMTP__HOST`, `EIP_SMTP__PORT`, `EIP_SMTP__FROM`, and optionally
/// `EIP_SMTP__USERNAME` and `EIP_SMTP__PASSWORD`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    /// The sender, such as `Training <training@force.example>`.
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    /// Never written back out: only read from the environment or a file.
    #[serde(default, skip_serializing)]
    pub password: Option<SecretString>,
}

fn default_port() -> u16 {
    25
}

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `config`, or `None` when no SMTP server is set. Fails
    /// at start-up on a sender that is not an address.
    pub fn from_config(smtp: Option<&SmtpConfig>) -> anyhow::Result<Option<Self>> {
        let Some(smtp) = smtp else {
            return Ok(None);
        };
        let from: Mailbox = smtp
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("smtp.from is not an email address: {e}"))?;
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host).port(smtp.port);
        if let (Some(user), Some(password)) = (&smtp.username, &smtp.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
        }))
    }

    /// Emails every reminder not yet emailed whose recipient has an
    /// address; returns how many were sent.
    pub async fn send_due(&self, pool: &AnyPool, today: NaiveDate) -> Result<u32, ApiError> {
        let mut sent = 0;
        for r in store::reminders::unsent(pool).await? {
            let Ok(to) = r.email.parse::<Mailbox>() else {
                tracing::warn!("a reminder's recipient address was refused; not emailed");
                continue;
            };
            let (subject, body) = text(
                &r.recipient,
                r.subject.as_deref(),
                &r.competency,
                &r.stage,
                r.lapse_on,
            );
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(subject)
                .body(body)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("reminder email: {e}")))?;
            if let Err(e) = self.transport.send(message).await {
                tracing::warn!(error = %e, "reminder email not sent; tried again on the next run");
                continue;
            }
            store::reminders::mark_emailed(pool, &r.id, today).await?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// Subject and body of a reminder. `subject` is the person it is about,
/// `None` when that is the recipient.
fn text(
    recipient: &str,
    subject: Option<&str>,
    competency: &str,
    stage: &str,
    lapse_on: NaiveDate,
) -> (String, String) {
    let whose = match subject {
        None => "Your".to_owned(),
        Some(subject) => format!("{subject}'s"),
    };
    let when = if stage == "lapsed" {
        format!("lapsed on {lapse_on}")
    } else {
        format!("lapses on {lapse_on}, in {stage} days or fewer")
    };
    (
        format!(
            "Training reminder: {competency} {}",
            if stage == "lapsed" {
                "has lapsed"
            } else {
                "is due for renewal"
            }
        ),
        format!(
            "Dear {recipient},\n\n{whose} {competency} {when}.\n\n\
             Book a refresher from Training in the portal, or speak to a trainer.\n"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_and_team_reminders_read_differently() {
        let lapse_on = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap_or_default();
        let (subject, body) = text("Alex Demo", None, "Restorative practice", "30", lapse_on);
        assert_eq!(
            subject,
            "Training reminder: Restorative practice is due for renewal"
        );
        assert!(
            body.contains("Your Restorative practice lapses on 2027-01-10, in 30 days or fewer.")
        );
        let (subject, body) = text(
            "Sam Manager",
            Some("Alex Demo"),
            "Restorative practice",
            "lapsed",
            lapse_on,
        );
        assert_eq!(
            subject,
            "Training reminder: Restorative practice has lapsed"
        );
        assert!(body.contains("Alex Demo's Restorative practice lapsed on 2027-01-10."));
    }

    #[test]
    fn no_smtp_no_mailer_and_a_bad_sender_fails_at_start() {
        assert!(matches!(Mailer::from_config(None), Ok(None)));
        let bad = SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            from: "not an address".into(),
            username: None,
            password: None,
        };
        assert!(Mailer::from_config(Some(&bad)).is_err());
    }
}
