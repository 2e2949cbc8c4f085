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

use eip_platform::db::Db;
use eip_platform::error::ApiError;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::Row;

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
    pub async fn send_due(&self, db: &Db, today: chrono::NaiveDate) -> Result<u32, ApiError> {
        let rows = sqlx::query(
            "SELECT r.id, r.stage, r.lapse_on, r.recipient_id, r.subject_id, c.name AS competency, \
             p.email, p.name AS recipient, s.name AS subject \
             FROM reminders r JOIN staff p ON p.id = r.recipient_id \
             JOIN staff s ON s.id = r.subject_id JOIN competencies c ON c.id = r.competency_id \
             WHERE r.emailed_on IS NULL AND p.email IS NOT NULL ORDER BY r.created_on, r.id",
        )
        .fetch_all(db.pool())
        .await?;
        let mut sent = 0;
        for row in rows {
            let id: String = row.try_get("id")?;
            let email: String = row.try_get("email")?;
            let Ok(to) = email.parse::<Mailbox>() else {
                tracing::warn!("a reminder's recipient address was refused; not emailed");
                continue;
            };
            let own = row.try_get::<String, _>("recipient_id")?
                == row.try_get::<String, _>("subject_id")?;
            let body = text(
                &row.try_get::<String, _>("recipient")?,
                own.then_some(()).map_or_else(
                    || row.try_get::<String, _>("subject"),
                    |()| Ok(String::new()),
                )?,
                &row.try_get::<String, _>("competency")?,
                &row.try_get::<String, _>("stage")?,
                &row.try_get::<String, _>("lapse_on")?,
            );
            let message = Message::builder()
                .from(self.from.clone())
                .to(to)
                .subject(body.0)
                .body(body.1)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("reminder email: {e}")))?;
            if let Err(e) = self.transport.send(message).await {
                tracing::warn!(error = %e, "reminder email not sent; tried again on the next run");
                continue;
            }
            sqlx::query("UPDATE reminders SET emailed_on = $2 WHERE id = $1")
                .bind(&id)
                .bind(today.format("%Y-%m-%d").to_string())
                .execute(db.pool())
                .await?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// Subject and body of a reminder. `subject` is blank when the reminder is
/// about the recipient's own competency.
fn text(
    recipient: &str,
    subject: String,
    competency: &str,
    stage: &str,
    lapse_on: &str,
) -> (String, String) {
    let whose = if subject.is_empty() {
        "Your".to_owned()
    } else {
        format!("{subject}'s")
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
        let (subject, body) = text(
            "Alex Demo",
            String::new(),
            "Restorative practice",
            "30",
            "2027-01-10",
        );
        assert_eq!(
            subject,
            "Training reminder: Restorative practice is due for renewal"
        );
        assert!(
            body.contains("Your Restorative practice lapses on 2027-01-10, in 30 days or fewer.")
        );
        let (subject, body) = text(
            "Sam Manager",
            "Alex Demo".into(),
            "Restorative practice",
            "lapsed",
            "2027-01-10",
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
