//! Governance with its sources: the real referrals, training, engagement
//! and governance services, each with a database of its own (SQLite or
//! PostgreSQL), joined by the in-process bus or a private Redis.

mod dashboard;
mod framework;
mod helpers;
mod packs;
mod reports;
