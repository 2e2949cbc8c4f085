//! The data protection officer's access report: who has seen a child's
//! record, when and why.

use super::{error_summary, field_error, loading};
use crate::data;
use crate::kit::fields::access as field;
use crate::kit::routes;
use eip_types::audit::AccessEntry;
use eip_types::place::local_authority_name;
use leptos::prelude::*;
use std::collections::HashMap;

#[component]
pub fn AccessReportPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let page = Resource::new(
        move || query.read().get(field::REFERRAL),
        data::load_access_report,
    );
    view! {
        <h1>"Access report"</h1>
        {loading(page, |p| report_page(p).into_any())}
    }
}

fn report_page(p: data::AccessReportPage) -> impl IntoView {
    let s = p.search.clone();
    view! {
        {if p.can_search {
            view! {
                <section id="person-search" aria-labelledby="person-search-heading">
                    <h2 id="person-search-heading">"Find the child"</h2>
                    {error_summary(&s.errors)}
                    {s.general_message().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <form id="person-search-form" method="post" action=routes::PERSON_SEARCH.path() class="stack" novalidate>
                        <label for=field::NAME>"Child's name"</label>
                        {field_error(field::NAME, s.error(field::NAME))}
                        <input id=field::NAME name=field::NAME type="text" autocomplete="off" maxlength="100" value=s.values.name.clone() />
                        <label for=field::DATE_OF_BIRTH>"Date of birth, if known (YYYY-MM-DD)"</label>
                        {field_error(field::DATE_OF_BIRTH, s.error(field::DATE_OF_BIRTH))}
                        <input id=field::DATE_OF_BIRTH name=field::DATE_OF_BIRTH type="text" inputmode="numeric"
                            autocomplete="off" placeholder="2015-04-30" value=s.values.date_of_birth.clone() />
                        <button id="person-search-submit" type="submit">"Search every area"</button>
                        <p class="hint">"The search, and the records it shows, are kept in the access log."</p>
                    </form>
                    {s.values.found.map(found_people)}
                </section>
            }.into_any()
        } else {
            view! {
                <p id="search-refused" class="hint">
                    "Finding a child by name is for the data protection officer: administrators do no casework. Go to a referral by its reference to see who has seen it."
                </p>
            }.into_any()
        }}
        <h2>"Or go straight to a referral"</h2>
        <form id="access-report-form" method="get" class="stack">
            <label for="referral-ref">"Referral reference"</label>
            {field_error(field::REFERRAL, p.error.clone())}
            <input id="referral-ref" name=field::REFERRAL value=p.query.clone() required maxlength="64" />
            <button id="access-report-submit" type="submit">"Show who has seen it"</button>
        </form>
        {p.report.map(|r| {
            let names = p.names.clone();
            let raised_by = name_of(&names, &r.created_by);
            view! {
                <section id="access-report">
                    <h2>{if r.child_name.is_empty() { "Referral ".to_owned() + &r.referral_id } else { r.child_name.clone() }}</h2>
                    <dl class="facts">
                        <dt>"Date of birth"</dt>
                        <dd>{r.date_of_birth.map(|d| d.format("%d %B %Y").to_string()).unwrap_or_default()}</dd>
                        <dt>"Area"</dt><dd>{local_authority_name(&r.area_id).unwrap_or("Unknown")}</dd>
                        <dt>"Status"</dt><dd>{r.status.label()}</dd>
                        <dt>"Raised by"</dt>
                        <dd>{format!("{raised_by}, {}", r.created_at.format("%d %b %Y %H:%M"))}</dd>
                        <dt>"Audit chain"</dt>
                        <dd id="chain-status" class={if r.chain.intact { "" } else { "flag" }}>
                            {if r.chain.intact {
                                format!("Intact ({} entries checked)", r.chain.checked)
                            } else {
                                format!("BROKEN at entry {}: the log has been altered", r.chain.broken_at.unwrap_or_default())
                            }}
                        </dd>
                    </dl>
                    <table id="access-entries">
                        <caption>{format!("{} recorded accesses, oldest first", r.entries.len())}</caption>
                        <thead><tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Why"</th></tr></thead>
                        <tbody>
                            {r.entries.iter().map(|e| view! {
                                <tr data-action=e.action.clone()>
                                    <td>{e.at.format("%d %b %Y %H:%M:%S").to_string()}</td>
                                    <td>{name_of(&names, &e.actor)}</td>
                                    <td>{what(e)}</td>
                                    <td>{e.reason.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="hint">"Print this page for the requester or the file; it is one page by design."</p>
                </section>
            }
        })}
    }
}

/// The people a search found, each with their referrals to report on.
fn found_people(found: Vec<eip_types::person::PersonFound>) -> impl IntoView {
    if found.is_empty() {
        return view! { <p id="people-found" class="hint">"No record has a name like that."</p> }
            .into_any();
    }
    view! {
        <table id="people-found">
            <caption>{format!("{} found", found.len())}</caption>
            <thead><tr><th>"Name"</th><th>"Born"</th><th>"Area"</th><th>"Referrals"</th></tr></thead>
            <tbody>
                {found.into_iter().map(|f| {
                    let p = f.person;
                    view! {
                        <tr>
                            <td class="child-name">
                                {p.full_name()}
                                {p.merged_into.is_some().then(|| view! { <span class="hint">" (merged into another record)"</span> })}
                            </td>
                            <td>{p.date_of_birth.format("%d %B %Y").to_string()}</td>
                            <td>{local_authority_name(&p.area_id).unwrap_or("Unknown")}</td>
                            <td>
                                {if f.referral_ids.is_empty() {
                                    view! { "None" }.into_any()
                                } else {
                                    view! {
                                        <ul class="plain">
                                            {f.referral_ids.into_iter().map(|id| view! {
                                                <li><a class="report-link" href=routes::ACCESS_REPORT.with_query([], &[(field::REFERRAL, &id)])>
                                                    {format!("Report on referral {}", &id[..id.len().min(8)])}
                                                </a></li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn name_of(names: &HashMap<String, String>, id: &str) -> String {
    names
        .get(id)
        .cloned()
        .unwrap_or_else(|| format!("User {id}"))
}

/// The access in words.
fn what(e: &AccessEntry) -> String {
    match e.action.as_str() {
        "view" => "Opened the record".into(),
        "view_timeline" => "Read the timeline".into(),
        "list" => {
            let n = e.detail.as_deref().map_or(0, |d| d.split(',').count());
            format!("Shown in a list of {n}")
        }
        "disclose" => format!("Shared with {}", e.detail.as_deref().unwrap_or("an agency")),
        "access_report" => "Made this access report".into(),
        "search" => "Found in a search by name".into(),
        "view_person" => "Opened the person record".into(),
        "match" => "Offered as a possible duplicate".into(),
        other => other.replace('_', " "),
    }
}
