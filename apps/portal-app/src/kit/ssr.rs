//! Reading and writing the session through typed keys (server only).

use super::SessionKey;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

/// Keeps `value` under `key`; false when the session store refused it.
pub async fn keep<T: Serialize>(session: &Session, key: SessionKey<T>, value: &T) -> bool {
    session.insert(key.name(), value).await.is_ok()
}

/// What is kept under `key`, if anything (or anything readable).
pub async fn read<T: DeserializeOwned>(session: &Session, key: SessionKey<T>) -> Option<T> {
    session.get::<T>(key.name()).await.ok().flatten()
}

/// Reads and forgets a one-time value.
pub async fn take<T: DeserializeOwned>(session: &Session, key: SessionKey<T>) -> Option<T> {
    session.remove::<T>(key.name()).await.ok().flatten()
}
