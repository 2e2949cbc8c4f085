//! The service's SQL, one module per aggregate, and the row helpers they
//! share. Bodies the service keeps whole (a measure, a pack's input) are
//! stored as JSON text.

pub mod facts;
pub mod framework;
pub mod packs;
pub mod pilots;
pub mod rebases;

/// `v` as the JSON text a column stores.
fn to_json<T: serde::Serialize>(v: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(v).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// A JSON column read back.
fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
