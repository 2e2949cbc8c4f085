//! Places and engagement pages' data.

use super::Loaded;
#[cfg(feature = "ssr")]
use super::ssr;
use eip_types::place::Place;
use leptos::prelude::*;

#[server]
pub async fn load_places() -> Result<Loaded<Vec<Place>>, ServerFnError> {
    let Some(user) = ssr::user().await else {
        return Ok(Loaded::SignedOut);
    };
    let ctx = ssr::ctx()?;
    Ok(ssr::loaded(
        ctx.engagement
            .get::<Vec<Place>>("/places", &user.principal())
            .await,
    ))
}
