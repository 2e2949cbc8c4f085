//! Types every part of the Early Intervention Platform agrees on: identities
//! and roles, the JSON bodies services exchange, domain events, and validated
//! values. Nothing here does I/O, so the crate compiles for the browser too.

pub mod audit;
pub mod engagement;
pub mod events;
pub mod governance;
pub mod identity;
pub mod person;
pub mod place;
pub mod problem;
pub mod referral;
pub mod training;

pub use identity::{Principal, Role};
pub use problem::{FieldError, Problem};
