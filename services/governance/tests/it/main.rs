//! Governance integration tests: the real referrals and governance services,
//! each with a database of its own (SQLite or PostgreSQL), joined by the
//! in-process bus or a private Redis.

mod bus_contract;
mod dashboard;
mod framework;
mod helpers;
mod levels;
mod openapi;
mod packs;
mod pdf;
mod reports;
mod seed;
