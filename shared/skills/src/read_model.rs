//! The competency read model a gating service keeps from training events.

use async_trait::async_trait;
use eip_platform::Shared;
use eip_platform::client::ServiceClient;
use eip_platform::consumer::{Consumer, EventHandler};
use eip_platform::db::{Db, Tx};
use eip_types::events::{EventEnvelope, TrainingEvent};
use std::sync::Arc;

/// Applies training events to `skill_states` and `skill_accounts`. Each
/// row remembers the sequence number of the event that last wrote it, so an
/// older event delivered late never overwrites a newer state.
pub struct TrainingEvents;

#[async_trait]
impl EventHandler for TrainingEvents {
    async fn apply(&self, tx: &mut Tx, event: &EventEnvelope) -> anyhow::Result<()> {
        let Some(e) = TrainingEvent::from_envelope(event) else {
            return Ok(());
        };
        let (staff_id, competency_id, state, lapses_on) = match e {
            TrainingEvent::CompetencyAchieved {
                staff_id,
                competency_id,
                lapses_on,
                ..
            }
            | TrainingEvent::CompetencyRenewed {
                staff_id,
                competency_id,
                lapses_on,
            } => (staff_id, competency_id, "current", lapses_on),
            TrainingEvent::LapseDeferred {
                staff_id,
                competency_id,
                lapses_on,
            } => (staff_id, competency_id, "current", Some(lapses_on)),
            TrainingEvent::CompetencyLapsed {
                staff_id,
                competency_id,
                lapsed_on,
            } => (staff_id, competency_id, "lapsed", Some(lapsed_on)),
            TrainingEvent::StaffLinked { staff_id, account } => {
                link(tx, &staff_id, account.as_deref(), event.seq).await?;
                return Ok(());
            }
            _ => return Ok(()),
        };
        sqlx::query(
            "INSERT INTO skill_states (staff_id, competency_id, state, lapses_on, seq) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (staff_id, competency_id) DO UPDATE SET state = excluded.state, \
             lapses_on = excluded.lapses_on, seq = excluded.seq \
             WHERE skill_states.seq < excluded.seq",
        )
        .bind(staff_id)
        .bind(competency_id)
        .bind(state)
        .bind(lapses_on.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(event.seq)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

async fn link(tx: &mut Tx, staff_id: &str, account: Option<&str>, seq: i64) -> anyhow::Result<()> {
    let newer: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM skill_accounts WHERE staff_id = $1 AND seq >= $2")
            .bind(staff_id)
            .bind(seq)
            .fetch_optional(&mut **tx)
            .await?;
    if newer.is_some() {
        return Ok(());
    }
    sqlx::query("DELETE FROM skill_accounts WHERE staff_id = $1")
        .bind(staff_id)
        .execute(&mut **tx)
        .await?;
    if let Some(account) = account {
        // An account belongs to one staff record: the latest link wins.
        sqlx::query("DELETE FROM skill_accounts WHERE account = $1")
            .bind(account)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO skill_accounts (staff_id, account, seq) VALUES ($1, $2, $3)")
            .bind(staff_id)
            .bind(account)
            .bind(seq)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The consumer of training events for the service `group` (its name),
/// catching up from the training service at `training_url` when the bus
/// lost events.
pub fn consumer(db: Db, shared: &Shared, group: &'static str, training_url: &str) -> Consumer {
    Consumer {
        db,
        bus: shared.bus.clone(),
        source: TrainingEvent::SOURCE,
        group,
        name: format!("{group}-{}", uuid::Uuid::new_v4().simple()),
        handler: Arc::new(TrainingEvents),
        feed: Arc::new(ServiceClient::new(
            shared.keys.part(group),
            TrainingEvent::SOURCE,
            training_url,
        )),
    }
}
