//! Read models, each updated inside the transaction that marks an event
//! processed.

use async_trait::async_trait;
use eip_platform::consumer::EventHandler;
use eip_platform::db::Tx;
use eip_types::events::{EventEnvelope, ReferralEvent};
use sqlx::{AnyPool, Row};

/// Applies the referrals service's events.
pub struct ReferralEvents;

#[async_trait]
impl EventHandler for ReferralEvents {
    async fn apply(&self, tx: &mut Tx, event: &EventEnvelope) -> anyhow::Result<()> {
        match ReferralEvent::from_envelope(event) {
            Some(ReferralEvent::Submitted { area_id, .. }) => {
                sqlx::query(
                    "INSERT INTO submitted_per_area (area_id, submitted) VALUES ($1, 1) \
                     ON CONFLICT (area_id) DO UPDATE SET submitted = submitted_per_area.submitted + 1",
                )
                .bind(area_id)
                .execute(&mut **tx)
                .await?;
            }
            // Kinds this service does not model yet are recorded and skipped.
            Some(_) | None => tracing::debug!(kind = %event.kind, "event not modelled"),
        }
        Ok(())
    }
}

/// Submitted referrals per area id, as counted so far.
pub async fn submitted_per_area(pool: &AnyPool) -> Result<Vec<(String, u64)>, sqlx::Error> {
    sqlx::query("SELECT area_id, submitted FROM submitted_per_area")
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            let n: i64 = row.try_get("submitted")?;
            Ok((row.try_get("area_id")?, n.max(0) as u64))
        })
        .collect()
}
