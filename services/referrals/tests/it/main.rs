//! Referrals service integration tests: the real service on port 0 with a
//! database of its own, on SQLite and on PostgreSQL.

mod audit;
mod disclosure;
mod health;
mod helpers;
mod lifecycle;
mod migrations;
mod openapi;
mod people;
mod referrals;
mod retention;
mod sharing;
mod skills;
