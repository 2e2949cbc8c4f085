//! Governance integration tests that need governance alone: its read model
//! fed events directly, the framework's seed, the PDF and the OpenAPI
//! document. Tests with the source services beside it are in
//! `apps/allinone/tests/governance`.

mod attack;
mod levels;
mod migrations;
mod openapi;
mod pdf;
mod seed;
