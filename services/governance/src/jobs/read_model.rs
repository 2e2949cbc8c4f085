//! Keeping the read model current: one consumer per source applies each
//! event's facts inside the transaction that marks the event processed,
//! and a rebuild forgets a source's contribution and replays its feed.

use crate::store::facts;
use crate::{NAME, Settings, sources};
use async_trait::async_trait;
use eip_platform::Shared;
use eip_platform::client::ServiceClient;
use eip_platform::consumer::{Consumer, EventHandler};
use eip_platform::db::{Db, Tx};
use eip_types::events::{EngagementEvent, EventEnvelope, ReferralEvent, TrainingEvent};
use std::sync::Arc;

/// Applies any modelled event from any source to the fact table.
pub struct FactEvents;

#[async_trait]
impl EventHandler for FactEvents {
    async fn apply(&self, tx: &mut Tx, event: &EventEnvelope) -> anyhow::Result<()> {
        let facts = sources::facts_of(event);
        if facts.is_empty() {
            // Kinds this service does not model yet are recorded and skipped.
            tracing::debug!(kind = %event.kind, "event not modelled");
        }
        for fact in &facts {
            facts::record(tx, fact).await?;
        }
        Ok(())
    }
}

/// A consumer that keeps the fact table current from one source's events.
pub fn consumer(db: Db, shared: &Shared, source: &'static str, url: &str) -> Consumer {
    Consumer {
        db,
        bus: shared.bus.clone(),
        source,
        group: NAME,
        name: format!("{NAME}-{}", uuid::Uuid::new_v4().simple()),
        handler: Arc::new(FactEvents),
        feed: Arc::new(ServiceClient::new(shared.keys.part(NAME), source, url)),
    }
}

/// The consumers of every source governance reads.
pub fn consumers(db: &Db, shared: &Shared, config: &Settings) -> Vec<Consumer> {
    vec![
        consumer(
            db.clone(),
            shared,
            ReferralEvent::SOURCE,
            &config.referrals_url,
        ),
        consumer(
            db.clone(),
            shared,
            TrainingEvent::SOURCE,
            &config.training_url,
        ),
        consumer(
            db.clone(),
            shared,
            EngagementEvent::SOURCE,
            &config.engagement_url,
        ),
    ]
}

/// Wipes what one source contributed and replays its event feed from the
/// start. The figures during the replay are partial; once it returns they
/// are exactly what the events say.
pub async fn rebuild(db: &Db, consumer: &Consumer) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    facts::forget_source(&mut tx, consumer.source).await?;
    // Only referrals are timed from their submission.
    if consumer.source == ReferralEvent::SOURCE {
        facts::forget_case_clocks(&mut tx).await?;
    }
    tx.commit().await?;
    consumer.catch_up().await
}
