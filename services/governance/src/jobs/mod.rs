//! Background work the service runs.

pub mod read_model;
