//! The sign-in page's data: what was typed when the last attempt failed.

#[cfg(feature = "ssr")]
use super::ssr;
use crate::kit::FormOutcome;
#[cfg(feature = "ssr")]
use crate::kit::keys;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The sign-in form as typed (never the password).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInValues {
    pub username: String,
}

#[server]
pub async fn load_sign_in() -> Result<FormOutcome<SignInValues>, ServerFnError> {
    Ok(ssr::take(keys::SIGN_IN).await.unwrap_or_default())
}
