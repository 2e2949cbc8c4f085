//! Training pages' data.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use eip_types::training::Competency;
use leptos::prelude::*;

#[server]
pub async fn load_competencies() -> Result<Loaded<Vec<Competency>>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.training
            .get::<Vec<Competency>>("/competencies", &user.principal())
            .await,
    ))
}
