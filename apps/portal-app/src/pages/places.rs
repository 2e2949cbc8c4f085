//! Places and engagement pages.

use super::{failed, show};
use crate::data;
use eip_types::place::{PlaceKind, local_authority_name};
use leptos::prelude::*;

#[component]
pub fn Places() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_places());
    view! {
        <h1>"Places"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(loaded) => show(loaded, |list| view! {
                        <table id="places">
                            <thead><tr><th>"Place"</th><th>"Kind"</th><th>"Local authority"</th><th>"Code"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|p| view! {
                                    <tr data-place=p.id.clone()>
                                        <td>{p.name}{p.demo.then_some(" (demo data)")}</td>
                                        <td>{match (p.kind, p.priority) {
                                            (PlaceKind::LocalAuthority, _) => "Local authority",
                                            (PlaceKind::Ward, true) => "Ward (priority area)",
                                            (PlaceKind::Ward, false) => "Ward",
                                        }}</td>
                                        <td>{p.parent_id.as_deref().and_then(local_authority_name).unwrap_or("—")}</td>
                                        <td>{p.code.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}
