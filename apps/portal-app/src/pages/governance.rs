//! Governance reports: the per-area report, the board dashboard with its
//! charts and icons, and report packs with their sign-off.

use super::{error_summary, loading};
use crate::data;
use crate::kit::fields::{approvers as approver_field, pack as field};
use crate::kit::routes;
use eip_types::governance::{
    Assurance, Cell, FOOTNOTES, MeasureReport, PackStatus, Published, Unit, Variation,
    method_statement,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn Reports() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_report());
    view! {
        <h1>"Referrals submitted per area"</h1>
        {loading(page, |r| view! {
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
                            {format!("* hidden: counts from 1 to {} are suppressed, with further cells hidden where they could reveal one, alone or with any other published figure.", r.suppress_up_to)}
                        </p>
                        {(r.total == Cell::Suppressed).then(|| view! { <p class="hint">"The total is hidden because it is small."</p> })}
                    }.into_any())}
    }
}

// ---------------------------------------------------------------------------
// Board dashboard and report packs
// ---------------------------------------------------------------------------

fn unit_label(u: Unit) -> &'static str {
    match u {
        Unit::Count => "count",
        Unit::Percent => "%",
        Unit::Days => "days",
    }
}

/// The variation icon as a labelled badge: the words are the icon's text
/// alternative, so nothing is conveyed by colour alone.
fn variation_badge(v: Variation) -> impl IntoView {
    let class = match v {
        Variation::CommonCause => "icon variation common",
        Variation::ImprovingHigh | Variation::ImprovingLow => "icon variation improving",
        Variation::ConcerningHigh | Variation::ConcerningLow => "icon variation concerning",
        Variation::NeitherHigh | Variation::NeitherLow => "icon variation neither",
    };
    let glyph = match v {
        Variation::CommonCause => "~",
        Variation::ImprovingHigh | Variation::ConcerningHigh | Variation::NeitherHigh => "H",
        _ => "L",
    };
    view! {
        <span class=class role="img" aria-label=v.text() title=v.text()>{glyph}</span>
        <span class="icon-text">{v.text()}</span>
    }
}

fn assurance_badge(a: Assurance) -> impl IntoView {
    let (class, glyph) = match a {
        Assurance::ConsistentlyPass => ("icon assurance pass", "P"),
        Assurance::ConsistentlyFail => ("icon assurance fail", "F"),
        Assurance::HitAndMiss => ("icon assurance hit-miss", "?"),
    };
    view! {
        <span class=class role="img" aria-label=a.text() title=a.text()>{glyph}</span>
        <span class="icon-text">{a.text()}</span>
    }
}

fn cell_view(v: Published, unit: Unit) -> impl IntoView {
    let class = match v {
        Published::Number(_) => "num",
        _ => "num symbol",
    };
    view! { <td class=class>{v.display(unit)}</td> }
}

fn measure_block(r: MeasureReport, chart: Option<String>, csv: Option<String>) -> impl IntoView {
    let unit = r.measure.unit;
    let id = r.measure.id.clone();
    let table = r.table;
    let trial = r.chart.segments.iter().any(|s| s.trial);
    view! {
        <section class="measure" data-measure=id.clone()>
            <h2>{r.measure.name.clone()}</h2>
            <p class="hint">{r.measure.definition.clone()}{format!(" Unit: {}.", unit_label(unit))}</p>
            <p class="icons">
                {variation_badge(r.chart.variation)}
                {r.chart.assurance.map(assurance_badge)}
                {trial.then(|| view! { <span class="trial">"Trial limits (fewer than 12 points)"</span> })}
            </p>
            {chart.map(|svg| view! { <div class="chart" inner_html=svg></div> })}
            <table class="measure-table" id=format!("table-{id}")>
                <caption>{format!("{} by area and month", r.measure.name)}</caption>
                <thead><tr>
                    <th scope="col">"Area"</th>
                    {table.months.iter().map(|m| view! { <th scope="col" class="num">{m.clone()}</th> }).collect_view()}
                    <th scope="col" class="num">"All months"</th>
                </tr></thead>
                <tbody>
                    {table.rows.into_iter().map(|row| view! {
                        <tr data-area=row.area_id>
                            <th scope="row">{row.area_name}</th>
                            {row.cells.into_iter().map(|c| cell_view(c, unit)).collect_view()}
                            {cell_view(row.total, unit)}
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th scope="row">"All areas"</th>
                    {table.month_totals.into_iter().map(|c| cell_view(c, unit)).collect_view()}
                    {cell_view(table.grand_total, unit)}
                </tr></tfoot>
            </table>
            {csv.map(|href| view! { <p><a class="csv" href=href download="">{format!("Download {} (CSV)", r.measure.name)}</a></p> })}
        </section>
    }
}

fn footnotes(up_to: u64) -> impl IntoView {
    view! {
        <section class="footnotes" aria-labelledby="footnotes-title">
            <h2 id="footnotes-title">"Symbols"</h2>
            <dl>
                {FOOTNOTES.iter().map(|(s, t)| view! { <dt>{*s}</dt><dd>{*t}</dd> }).collect_view()}
            </dl>
            <p class="hint">{format!("Counts from 1 to {up_to} are hidden. Points on charts are coloured only by the special-cause rules; targets are drawn as lines.")}</p>
            <h3>"How small numbers are protected"</h3>
            <p class="method">{method_statement(up_to)}</p>
        </section>
    }
}

#[component]
pub fn BoardDashboard() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(
        move || (query.read().get("from"), query.read().get("to")),
        |(from, to)| data::load_dashboard(from, to),
    );
    view! {
        <h1>"Board dashboard"</h1>
        {loading(page, |p| dashboard_page(p).into_any())}
    }
}

fn dashboard_page(p: data::DashboardPage) -> impl IntoView {
    let err = |f: &str| {
        p.errors.iter().find(|e| e.field == f).map(
            |e| view! { <p class="field-error" id=format!("{f}-error")>{e.message.clone()}</p> },
        )
    };
    let range = view! {
        {error_summary(&p.errors)}
        <form id="range-form" method="get" action=routes::DASHBOARD.path() class="inline">
            <label for="from">"From month (YYYY-MM)"</label>
            {err("from")}
            <input id="from" name="from" type="text" inputmode="numeric" value=p.from.clone() />
            <label for="to">"To month (YYYY-MM)"</label>
            {err("to")}
            <input id="to" name="to" type="text" inputmode="numeric" value=p.to.clone() />
            <button type="submit" id="range-submit">"Show"</button>
        </form>
        <p><a href=routes::PACKS.path()>"Report packs"</a></p>
    };
    let body = p.dashboard.map(|d| {
        let up_to = d.suppress_up_to;
        let invalid = (!d.validation.valid).then(|| {
            view! {
                <div class="warning" id="validation">
                    <h2>"Not complete"</h2>
                    <p>"These core measures have no data for an area:"</p>
                    <ul>{d.validation.missing.iter().map(|m| view! { <li>{format!("{} — {}: {}", m.measure_id, m.area_id, m.reason)}</li> }).collect_view()}</ul>
                </div>
            }
        });
        let charts = d.charts.clone();
        view! {
            {invalid}
            {d.measures.into_iter().enumerate().map(|(i, m)| measure_block(m, charts.get(i).cloned(), None)).collect_view()}
            <section class="planned">
                <h2>"Not yet measured"</h2>
                <ul>{d.planned.into_iter().map(|m| view! { <li>{m.name}" — [x] waiting for "{m.awaiting.unwrap_or_default()}</li> }).collect_view()}</ul>
            </section>
            {footnotes(up_to)}
        }
    });
    view! { {range} {body} }
}

#[component]
pub fn Packs() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_packs());
    view! {
        <h1>"Report packs"</h1>
        {loading(page, |p| packs_page(p).into_any())}
    }
}

fn status_label(s: PackStatus) -> &'static str {
    match s {
        PackStatus::Draft => "Draft",
        PackStatus::Reviewed => "Reviewed",
        PackStatus::Signed => "Signed",
    }
}

fn packs_page(p: data::PacksPage) -> impl IntoView {
    let o = p.outcome.clone();
    let board_name = |id: &str| {
        p.boards
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let rows = p
        .packs
        .iter()
        .map(|pack| {
            view! {
                <tr>
                    <td><a href=routes::PACK.at([&pack.id])>{board_name(&pack.input.board_id)}</a></td>
                    <td>{format!("{} to {}", pack.input.from, pack.input.to)}</td>
                    <td class="num">{pack.version}</td>
                    <td class="status">{status_label(pack.status)}</td>
                </tr>
            }
        })
        .collect_view();
    let field_err = |f: &str| {
        o.error(f)
            .map(|m| view! { <p class="field-error" id=format!("{f}-error")>{m}</p> })
    };
    let typed = &o.values;
    let from = if typed.from.is_empty() {
        p.default_from.clone()
    } else {
        typed.from.clone()
    };
    let to = if typed.to.is_empty() {
        p.default_to.clone()
    } else {
        typed.to.clone()
    };
    let selected = typed.board_id.clone();
    let form = p.can_write.then(|| view! {
        <h2>"Start a pack"</h2>
        <form id="new-pack-form" method="post" action=routes::CREATE_PACK.path() class="stack" novalidate>
            <label for=field::BOARD_ID>"Board"</label>
            {field_err(field::BOARD_ID)}
            <select id=field::BOARD_ID name=field::BOARD_ID>
                {p.boards.iter().map(|b| {
                    let is_selected = b.id == selected;
                    view! { <option value=b.id.clone() selected=is_selected>{b.name.clone()}</option> }
                }).collect_view()}
            </select>
            <label for=field::FROM>"First month (YYYY-MM)"</label>
            {field_err(field::FROM)}
            <input id=field::FROM name=field::FROM type="text" value=from />
            <label for=field::TO>"Last month (YYYY-MM)"</label>
            {field_err(field::TO)}
            <input id=field::TO name=field::TO type="text" value=to />
            <label for=field::COMMENTARY>"Commentary"</label>
            {field_err(field::COMMENTARY)}
            <textarea id=field::COMMENTARY name=field::COMMENTARY rows="4">{typed.commentary.clone()}</textarea>
            <button id="create-pack" type="submit">"Create draft pack"</button>
        </form>
    });
    let approvers = (!p.board_members.is_empty()).then(|| view! {
        <h2>"Named approvers"</h2>
        <p class="hint">"Only the members named for a board may sign its packs."</p>
        <ul id="approvers">
            {p.boards.iter().map(|b| {
                let names: Vec<String> = b.approvers.iter().map(|id| {
                    p.board_members.iter().find(|(u, _)| u == id).map(|(_, n)| n.clone()).unwrap_or_else(|| id.clone())
                }).collect();
                view! { <li>{format!("{}: {}", b.name, if names.is_empty() { "none named".to_owned() } else { names.join(", ") })}</li> }
            }).collect_view()}
        </ul>
        <form id="approvers-form" method="post" action=routes::APPROVERS.path() class="stack">
            <label for="approvers-board">"Board"</label>
            <select id="approvers-board" name=approver_field::BOARD_ID>
                {p.boards.iter().map(|b| view! { <option value=b.id.clone()>{b.name.clone()}</option> }).collect_view()}
            </select>
            <fieldset>
                <legend>"Approvers"</legend>
                {p.board_members.iter().map(|(id, name)| {
                    let input_id = format!("approver-{id}");
                    view! {
                        <div class="checkbox">
                            <input type="checkbox" id=input_id.clone() name=approver_field::APPROVER value=id.clone() />
                            <label for=input_id>{name.clone()}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <button id="save-approvers" type="submit">"Save approvers"</button>
        </form>
    });
    view! {
        {p.flash.clone().map(|m| view! { <p class="flash" role="status">{m}</p> })}
        {o.message.clone().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        {error_summary(&o.errors)}
        <p><a href=routes::DASHBOARD.path()>"Board dashboard"</a></p>
        <table id="packs">
            <thead><tr><th scope="col">"Board"</th><th scope="col">"Period"</th><th scope="col" class="num">"Version"</th><th scope="col">"Status"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {form}
        {approvers}
    }
}

#[component]
pub fn PackDetail() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        data::load_pack,
    );
    view! {
        {loading(page, |p| pack_page(p).into_any())}
    }
}

fn pack_page(p: data::PackPage) -> impl IntoView {
    let who = |id: &str| p.name(id);
    let reviewed = p.view.pack.reviewed_by.as_deref().map(who);
    let signer = p.view.pack.signed_by.as_deref().map(who);
    let author = who(&p.view.pack.created_by);
    let v = p.view;
    let pack = v.pack.clone();
    let o = p.outcome;
    let id = pack.id.clone();
    let up_to = v.content.suppress_up_to;
    let sign = v.may_sign.then(|| view! {
        <form id="sign-form" method="post" action=routes::SIGN_PACK.at([&id])>
            <p>"Signing freezes these figures: the pack will show them unchanged even if the sources are corrected later."</p>
            <button id="sign-pack" type="submit">"Sign off this pack"</button>
        </form>
    });
    let review = p.can_review.then(|| {
        view! {
            <form id="review-form" method="post" action=routes::REVIEW_PACK.at([&id])>
                <button id="review-pack" type="submit">"Mark as reviewed"</button>
            </form>
        }
    });
    let signed = signer.map(|by| {
        view! {
            <p id="signed" class="signed">
                {format!("Signed by {} at {}. Snapshot SHA-256 {}{}.",
                    by,
                    pack.signed_at.clone().unwrap_or_default(),
                    pack.snapshot_sha256.clone().unwrap_or_default(),
                    if v.snapshot_verified == Some(true) { " (verified)" } else { " (does not match: report this)" })}
            </p>
        }
    });
    let charts = v.charts.clone();
    let measures = v
        .content
        .measures
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let csv = routes::PACK_CSV.at([&pack.id, &m.measure.id]);
            measure_block(m, charts.get(i).cloned(), Some(csv))
        })
        .collect_view();
    view! {
        <h1>{format!("{}: {} to {}", v.board_name, pack.input.from, pack.input.to)}</h1>
        {p.flash.map(|m| view! { <p class="flash" role="status" id="pack-done">{m}</p> })}
        {o.message.map(|m| view! { <p class="error" role="alert" id="pack-error">{m}</p> })}
        {error_summary(&o.errors)}
        <dl class="facts">
            <dt>"Status"</dt><dd id="pack-status">{status_label(pack.status)}</dd>
            <dt>"Version"</dt><dd>{pack.version}</dd>
            <dt>"Written by"</dt><dd>{author}</dd>
            <dt>"Reviewed by"</dt><dd id="reviewed-by">{reviewed.unwrap_or_else(|| "Not yet reviewed".to_owned())}</dd>
            <dt>"Areas"</dt><dd>"Hull, East Riding, North Lincolnshire, North East Lincolnshire"</dd>
            <dt>"Filters"</dt><dd>{if pack.input.measure_ids.is_empty() { "All active measures".to_owned() } else { pack.input.measure_ids.join(", ") }}</dd>
        </dl>
        {signed}
        <p><a id="pack-pdf" href=routes::PACK_PDF.at([&pack.id]) download="">"Download the whole pack (PDF, tagged for screen readers)"</a></p>
        {(!pack.input.commentary.is_empty()).then(|| view! { <section><h2>"Commentary"</h2><p>{pack.input.commentary.clone()}</p></section> })}
        {(!pack.input.annotations.is_empty()).then(|| view! {
            <section><h2>"Annotations"</h2><ul>
                {pack.input.annotations.iter().map(|a| view! { <li>{format!("{}: {}", a.date, a.text)}</li> }).collect_view()}
            </ul></section>
        })}
        {review}
        {sign}
        {measures}
        {footnotes(up_to)}
        <section><h2>"History"</h2>
            <ol id="pack-history">
                {v.history.into_iter().map(|h| view! {
                    <li><a href=routes::PACK.at([&h.id])>{format!("Version {}: {}", h.version, status_label(h.status))}</a></li>
                }).collect_view()}
            </ol>
        </section>
    }
}
