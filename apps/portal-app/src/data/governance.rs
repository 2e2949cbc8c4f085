//! Governance reports' data.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use eip_types::governance::SubmittedPerArea;
use leptos::prelude::*;

#[server]
pub async fn load_report() -> Result<Loaded<SubmittedPerArea>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.governance
            .get::<SubmittedPerArea>("/reports/referrals-submitted-per-area", &user.principal())
            .await,
    ))
}
