//! Background work: the daily reminder and coverage job (with the email it
//! sends) and the staff import pipeline.

pub mod daily;
pub mod import;
pub mod mail;
