//! Governance reports.

use super::{failed, show};
use crate::data;
use eip_types::governance::Cell;
use leptos::prelude::*;

#[component]
pub fn Reports() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_report());
    view! {
        <h1>"Referrals submitted per area"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(loaded) => show(loaded, |r| view! {
                        <table id="submitted-per-area">
                            <thead><tr><th>"Area"</th><th class="num">"Submitted"</th></tr></thead>
                            <tbody>
                                {r.rows.into_iter().map(|row| view! {
                                    <tr data-area=row.area_id>
                                        <td>{row.area_name}</td>
                                        <td class="count num">{row.count.display()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                            <tfoot>
                                <tr id="total"><th>"All areas"</th><td class="count num">{r.total.display()}</td></tr>
                            </tfoot>
                        </table>
                        <p class="hint">
                            {format!("* hidden: counts from 1 to {} are suppressed, with further cells hidden where they could reveal one.", r.suppress_up_to)}
                        </p>
                        {(r.total == Cell::Suppressed).then(|| view! { <p class="hint">"The total is hidden because it is small."</p> })}
                    }.into_any()),
                    Err(e) => failed(e),
                }
            })}
        </Suspense>
    }
}
