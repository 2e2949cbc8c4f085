//! Workforce training pages.

use super::{failed, show};
use crate::data;
use leptos::prelude::*;

#[component]
pub fn Training() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_competencies());
    view! {
        <h1>"Competencies"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(loaded) => show(loaded, |list| view! {
                        <ul id="competencies" class="cards">
                            {list.into_iter().map(|c| view! {
                                <li class="card"><strong>{c.name}</strong><p>{c.description}</p></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}
