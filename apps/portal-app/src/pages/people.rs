//! A person's page: who they are, their household, every referral about
//! them, and merges of duplicate records.

use super::loading;
use crate::data;
use crate::kit::fields::merge as field;
use crate::kit::routes;
use eip_types::place::local_authority_name;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        data::load_person,
    );
    view! {
        {loading(page, |p| person_page(p).into_any())}
    }
}

fn person_page(p: data::PersonPage) -> impl IntoView {
    let d = p.detail;
    let person = d.person;
    let id = person.id.clone();
    view! {
        <h1 id="person-name">{person.full_name()}</h1>
        {match (p.flash, p.outcome.and_then(|o| o.headline())) {
            (Some(m), _) => view! { <p id="flash" class="flash" role="status">{m}</p> }.into_any(),
            (None, Some(m)) => view! { <p id="action-error" class="error" role="alert">{m}</p> }.into_any(),
            (None, None) => ().into_any(),
        }}
        {person.merged_into.clone().map(|into| view! {
            <p class="flag" id="merged-into">
                "This record was merged into " <a href=routes::PERSON.at([&into])>"another record"</a> "."
            </p>
        })}
        <dl class="facts">
            <dt>"Date of birth"</dt><dd>{person.date_of_birth.format("%d %B %Y").to_string()}</dd>
            <dt>"Gender"</dt><dd>{person.gender.map_or("Not given", |g| g.label())}</dd>
            <dt>"Area"</dt><dd>{local_authority_name(&person.area_id).unwrap_or("Unknown")}</dd>
            <dt>"School"</dt><dd>{person.school.clone().unwrap_or_else(|| "Not given".into())}</dd>
            <dt>"Reference"</dt><dd><code>{id.clone()}</code></dd>
        </dl>
        <h2>"Household"</h2>
        {if d.household.is_empty() {
            view! { <p class="hint">"No household members recorded."</p> }.into_any()
        } else {
            view! {
                <ul id="household">
                    {d.household.into_iter().map(|l| view! {
                        <li>
                            <a href=routes::PERSON.at([&l.person.id])>{l.person.full_name()}</a>
                            {format!(" — {}, born {}", l.relationship.label(), l.person.date_of_birth.format("%d %b %Y"))}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        <h2>"Referrals"</h2>
        <ul id="person-referrals">
            {d.referrals.into_iter().map(|r| view! {
                <li>
                    <a href=routes::REFERRAL.at([&r.id])>{r.created_at.format("%d %b %Y").to_string()}</a>
                    {format!(" — {}", r.status.label())}
                </li>
            }).collect_view()}
        </ul>
        {(!d.merges.is_empty()).then(|| view! {
            <h2>"Merges"</h2>
            <ul id="merges">
                {d.merges.into_iter().map(|m| {
                    view! {
                        <li>
                            {format!(
                                "{} {} — {} referral(s) moved: {}",
                                m.at.format("%d %b %Y"),
                                if m.merged_id == id { "merged into another record" } else { "a duplicate merged in" },
                                m.referral_ids.len(),
                                m.reason
                            )}
                            {m.undone_at.map(|t| view! { <strong>{format!(" (undone {})", t.format("%d %b %Y"))}</strong> })}
                            " " <span class="hint">"Merge reference " <code class="merge-ref">{m.id.clone()}</code></span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        })}
        {(p.can_merge && person.merged_into.is_none()).then(|| view! {
            <form id="merge-form" method="post" action=routes::MERGE.at([&id]) class="stack">
                <h2>"Merge a duplicate into this record"</h2>
                <p class="hint">"Its referrals move here. An administrator can undo a merge, given its reference."</p>
                <label for="duplicate-id">"Duplicate record's reference"</label>
                <input id="duplicate-id" name=field::DUPLICATE_ID required maxlength="64" />
                <label for="merge-reason">"How you know it is the same child"</label>
                <textarea id="merge-reason" name=field::REASON rows="2" required maxlength="1000"></textarea>
                <button id="merge-submit" type="submit">"Merge"</button>
            </form>
        })}
    }
}
