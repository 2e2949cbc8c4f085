//! The administrator's pages: for sharing (agencies and programmes, the
//! data-sharing agreements shares rely on, the timeliness targets, and how
//! long referrals are kept before their retention review), and for the
//! skills that unlock work (the competency a gated action needs).

use super::{error_summary_for, loading};
use crate::data::{self, GatedActionRow, SharingAdminPage, SkillsAdminPage};
use crate::kit::fields::{sharing, skill as skill_field};
use crate::kit::{Fields, FormOutcome, routes};
use eip_types::referral::{
    Agency, MAX_RETENTION_MONTHS, MAX_TARGET_HOURS, RetentionPeriods, SharingAgreement,
    TimelinessTargets,
};
use leptos::prelude::*;

#[component]
pub fn SharingAdmin() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_sharing_admin());
    view! {
        <h1>"Sharing, timeliness and retention"</h1>
        {loading(page, |p| sharing_admin(p).into_any())}
    }
}

/// What the last form did: the flash of one that worked, or the refusal
/// of one that did not.
fn admin_outcome(flash: Option<String>, o: &FormOutcome<Fields>) -> impl IntoView + use<> {
    let prefix = format!("{}-", o.form);
    view! {
        {flash.map(|m| view! { <p id="admin-done" class="flash" role="status">{m}</p> })}
        {o.general_message().map(|m| view! { <p id="admin-error" class="error" role="alert">{m}</p> })}
        {error_summary_for(&prefix, &o.errors).into_any()}
    }
}

fn sharing_admin(p: SharingAdminPage) -> impl IntoView {
    let o = p.outcome.clone();
    view! {
        {admin_outcome(p.flash.clone(), &o)}
        {agencies(&p).into_any()}
        {agreements(&p).into_any()}
        {targets(&p.targets, &o).into_any()}
        {retention(&p.periods, &o).into_any()}
        {undo_merge(&o).into_any()}
    }
}

/// Undoing a merge of two person records, by the merge's reference (a
/// coordinator gives it from the person's page): administrators open no
/// person page.
fn undo_merge(o: &FormOutcome<Fields>) -> impl IntoView + use<> {
    use crate::kit::fields::merge;
    view! {
        <section id="undo-merge" aria-labelledby="undo-merge-heading">
            <h2 id="undo-merge-heading">"Undo a merge"</h2>
            <p class="hint">"A coordinator who finds two children were merged as one gives you the merge reference shown on the person's page. Their referrals go back to their own records."</p>
            <form id="undo-merge-form" method="post" action=routes::UNDO_MERGE.path() class="stack" novalidate>
                <label for="undo-merge-id">"Merge reference"</label>
                {error(o, merge::UNDO, merge::MERGE_ID)}
                <input id="undo-merge-id" name=merge::MERGE_ID required maxlength="64" autocomplete="off" />
                <label for="undo-merge-reason">"Why undo it"</label>
                {error(o, merge::UNDO, merge::REASON)}
                <input id="undo-merge-reason" name=merge::REASON required maxlength="1000" />
                <button id="undo-merge-submit" type="submit">"Undo merge"</button>
            </form>
        </section>
    }
}

/// A field's message, when its form was the one refused.
fn error(o: &FormOutcome<Fields>, form: &str, field: &'static str) -> impl IntoView + use<> {
    let id = format!("{form}-{field}-error");
    o.error_on(form, field)
        .map(|m| view! { <p id=id class="field-error" role="alert">{m}</p> })
}

/// A text input, labelled, keeping what was typed when its form was refused.
fn text_input(
    o: &FormOutcome<Fields>,
    form: &str,
    field: &'static str,
    label: &'static str,
    stored: String,
) -> impl IntoView + use<> {
    let id = format!("{form}-{field}");
    let value = o.typed(form, field).unwrap_or(stored);
    view! {
        <label for=id.clone()>{label}</label>
        {error(o, form, field)}
        <input id=id name=field type="text" autocomplete="off" maxlength="120" value=value />
    }
}

fn kind_choice(o: &FormOutcome<Fields>, form: &str, stored: &str) -> impl IntoView + use<> {
    let id = format!("{form}-kind");
    let chosen = o
        .typed(form, sharing::KIND)
        .unwrap_or_else(|| stored.to_owned());
    view! {
        <label for=id.clone()>"Kind"</label>
        {error(o, form, sharing::KIND)}
        <select id=id name=sharing::KIND>
            <option value="agency" selected={chosen == "agency"}>"Agency"</option>
            <option value="programme" selected={chosen == "programme"}>"Programme"</option>
        </select>
    }
}

fn agencies(p: &SharingAdminPage) -> impl IntoView + use<> {
    let o = &p.outcome;
    let rows = p
        .agencies
        .iter()
        .map(|a| {
            let form = sharing::agency(&a.id);
            let cover = match p.agreement_in_force(&a.id) {
                Some(ag) => view! {
                    <span>{format!("{} until {}", ag.name, ag.ends_on.format("%d %b %Y"))}</span>
                }
                .into_any(),
                None => view! { <span class="flag">"None in force: shares are refused"</span> }.into_any(),
            };
            let open = o.form == form;
            view! {
                <tr id=form.clone() class={if a.active { "" } else { "inactive" }}>
                    <td class="agency-name">{a.name.clone()}</td>
                    <td>{if a.kind == "programme" { "Programme" } else { "Agency" }}</td>
                    <td class="agency-status">{if a.active { "Takes new shares" } else { "Stopped: no new shares" }}</td>
                    <td>{cover}</td>
                    <td>{agency_change(o, &form, a, open).into_any()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section id="agencies" aria-labelledby="agencies-heading">
            <h2 id="agencies-heading">"Agencies and programmes"</h2>
            <table id="agency-table">
                <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Status"</th><th>"Agreement in force"</th><th>"Change"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h3>"Add an agency or programme"</h3>
            <form id="agency-new-form" method="post" action=routes::AGENCIES.path() class="stack" novalidate>
                {text_input(o, sharing::NEW_AGENCY, sharing::NAME, "Name", String::new())}
                {kind_choice(o, sharing::NEW_AGENCY, "agency")}
                <button id="agency-new-submit" type="submit">"Add"</button>
            </form>
        </section>
    }
}

fn agency_change(
    o: &FormOutcome<Fields>,
    form: &str,
    a: &Agency,
    open: bool,
) -> impl IntoView + use<> {
    let active_id = format!("{form}-active");
    let active = o
        .typed(form, sharing::ACTIVE)
        .map_or(a.active, |v| v == "true");
    view! {
        <details open=open>
            <summary>{format!("Change {}", a.name)}</summary>
            <form method="post" action=routes::AGENCY.at([&a.id]) class="stack" novalidate>
                {text_input(o, form, sharing::NAME, "Name", a.name.clone())}
                {kind_choice(o, form, &a.kind)}
                <label class="check">
                    <input type="checkbox" id=active_id name=sharing::ACTIVE value="true" checked=active />
                    "Takes new shares"
                </label>
                <button id=format!("{form}-submit") type="submit">"Save"</button>
            </form>
        </details>
    }
}

fn agreements(p: &SharingAdminPage) -> impl IntoView + use<> {
    let o = &p.outcome;
    let agency_name = |id: &str| {
        p.agencies
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_owned(), |a| a.name.clone())
    };
    let rows = p
        .agreements
        .iter()
        .map(|a| {
            let form = sharing::agreement(&a.id);
            let state = if a.in_force_on(p.today) {
                ("In force", "")
            } else if a.starts_on > p.today {
                ("Not yet in force", "")
            } else {
                ("Lapsed", "flag")
            };
            let open = o.form == form;
            view! {
                <tr id=form.clone()>
                    <td class="agreement-name">{a.name.clone()}</td>
                    <td>{agency_name(&a.agency_id)}</td>
                    <td>{a.starts_on.format("%d %b %Y").to_string()}</td>
                    <td>{a.ends_on.format("%d %b %Y").to_string()}</td>
                    <td class=format!("agreement-state {}", state.1)>{state.0}</td>
                    <td>
                        <details open=open>
                            <summary>{format!("Renew or correct {}", a.name)}</summary>
                            {agreement_form(o, &form, &routes::AGREEMENT.at([&a.id]), Some(a), &p.agencies).into_any()}
                        </details>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section id="agreements" aria-labelledby="agreements-heading">
            <h2 id="agreements-heading">"Data-sharing agreements"</h2>
            <p class="hint">"A share is refused when its agreement has lapsed, is not yet in force, or covers another agency. Shares already made keep the agreement they relied on."</p>
            <table id="agreement-table">
                <thead><tr><th>"Agreement"</th><th>"Agency or programme"</th><th>"From"</th><th>"Until"</th><th>"State"</th><th>"Change"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h3>"Record an agreement"</h3>
            {agreement_form(o, sharing::NEW_AGREEMENT, routes::AGREEMENTS.path(), None, &p.agencies).into_any()}
        </section>
    }
}

fn agreement_form(
    o: &FormOutcome<Fields>,
    form: &str,
    action: &str,
    stored: Option<&SharingAgreement>,
    agencies: &[Agency],
) -> impl IntoView + use<> {
    let agency_id = format!("{form}-{}", sharing::AGENCY_ID);
    let chosen = o
        .typed(form, sharing::AGENCY_ID)
        .or_else(|| stored.map(|a| a.agency_id.clone()))
        .unwrap_or_default();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    view! {
        <form id=format!("{form}-form") method="post" action=action.to_owned() class="stack" novalidate>
            {text_input(o, form, sharing::NAME, "Name", stored.map(|a| a.name.clone()).unwrap_or_default())}
            <label for=agency_id.clone()>"Agency or programme"</label>
            {error(o, form, sharing::AGENCY_ID)}
            <select id=agency_id name=sharing::AGENCY_ID>
                <option value="">"Choose…"</option>
                {agencies.iter().map(|a| {
                    let selected = a.id == chosen;
                    view! { <option value=a.id.clone() selected=selected>{a.name.clone()}</option> }
                }).collect_view()}
            </select>
            {text_input(o, form, sharing::STARTS_ON, "In force from (YYYY-MM-DD)", date(stored.map(|a| a.starts_on)))}
            {text_input(o, form, sharing::ENDS_ON, "Last day it can be relied on (YYYY-MM-DD)", date(stored.map(|a| a.ends_on)))}
            <button id=format!("{form}-submit") type="submit">
                {if stored.is_some() { "Save" } else { "Record" }}
            </button>
        </form>
    }
}

fn targets(t: &TimelinessTargets, o: &FormOutcome<Fields>) -> impl IntoView + use<> {
    let hours = |name: &'static str, label: &'static str, stored: u32| {
        let id = format!("{}-{name}", sharing::TARGETS);
        let value = o
            .typed(sharing::TARGETS, name)
            .unwrap_or_else(|| stored.to_string());
        view! {
            <label for=id.clone()>{label}</label>
            {error(o, sharing::TARGETS, name)}
            <input id=id name=name type="number" inputmode="numeric" min="1" max=MAX_TARGET_HOURS.to_string() value=value />
        }
    };
    view! {
        <section id="targets" aria-labelledby="targets-heading">
            <h2 id="targets-heading">"Timeliness targets"</h2>
            <p class="hint">"Worklists flag work as overdue against these at once."</p>
            <form id="targets-form" method="post" action=routes::TIMELINESS.path() class="stack" novalidate>
                {hours(sharing::TRIAGE_HOURS, "Submitted to triaged, in hours", t.triage_hours)}
                {hours(sharing::URGENT_HOURS, "Shared to accepted, urgent, in hours", t.urgent_hours)}
                {hours(sharing::HIGH_HOURS, "Shared to accepted, high priority, in hours", t.high_hours)}
                {hours(sharing::ROUTINE_HOURS, "Shared to accepted, routine, in hours", t.routine_hours)}
                <button id="targets-submit" type="submit">"Save targets"</button>
            </form>
        </section>
    }
}

fn retention(p: &RetentionPeriods, o: &FormOutcome<Fields>) -> impl IntoView + use<> {
    let label = |field: &str| match field {
        "open_months" => "Still open (draft to in progress) and gone nowhere",
        "withdrawn_months" => "Withdrawn",
        "support_completed_months" => "Closed: support completed, needs met",
        "partly_met_months" => "Closed: needs partly met",
        "disengaged_months" => "Closed: family disengaged",
        "escalated_months" => "Closed: escalated to statutory services",
        _ => "Closed: support no longer needed",
    };
    let inputs = p
        .fields()
        .into_iter()
        .map(|(name, stored)| {
            let id = format!("{}-{name}", sharing::PERIODS);
            let value = o
                .typed(sharing::PERIODS, name)
                .unwrap_or_else(|| stored.to_string());
            view! {
                <label for=id.clone()>{format!("{}, in months", label(name))}</label>
                {error(o, sharing::PERIODS, name)}
                <input id=id name=name type="number" inputmode="numeric" min="1"
                    max=MAX_RETENTION_MONTHS.to_string() value=value />
            }
        })
        .collect_view();
    view! {
        <section id="periods" aria-labelledby="periods-heading">
            <h2 id="periods-heading">"Retention periods"</h2>
            <p class="hint">"How long after its last step a referral is kept before someone must decide to retain or dispose of it. Review dates set from now on use these."</p>
            <form id="periods-form" method="post" action=routes::RETENTION_PERIODS.path() class="stack" novalidate>
                {inputs}
                <button id="periods-submit" type="submit">"Save retention periods"</button>
            </form>
        </section>
    }
}

#[component]
pub fn SkillsAdmin() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_skills_admin());
    view! {
        <h1>"Skills that unlock work"</h1>
        <p class="hint">"Make an action need a current competency. Someone whose competency has lapsed, or who never held it, is refused with the reason and with who can help; the training record decides, through the training service's events."</p>
        {loading(page, |p| skills_admin(p).into_any())}
    }
}

fn skills_admin(p: SkillsAdminPage) -> impl IntoView {
    let o = &p.outcome;
    let rows = p
        .actions
        .iter()
        .map(|row| skill_row(o, row, &p.competencies))
        .collect_view();
    view! {
        {admin_outcome(p.flash.clone(), o)}
        <table id="skill-table">
            <thead><tr><th>"Action"</th><th>"Needs"</th><th>"Change"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn skill_row(
    o: &FormOutcome<Fields>,
    row: &GatedActionRow,
    competencies: &[(String, String)],
) -> AnyView {
    let a = &row.gated;
    let form = skill_field::form(&a.action);
    let action_path = routes::SKILL.at([&row.service, &a.action]);
    let clear_path = routes::CLEAR_SKILL.at([&row.service, &a.action]);
    let needs = match &a.requirement {
        Some(r) => view! {
            <span class="skill-needs">{format!("A current {}", r.competency_name)}</span>
            <span class="hint">{format!(" (set by {} on {})", r.set_by, r.set_at.format("%d %b %Y"))}</span>
        }
        .into_any(),
        None => view! { <span class="skill-needs">"Nothing: anyone allowed may do it"</span> }.into_any(),
    };
    let chosen = o
        .typed(&form, skill_field::COMPETENCY_ID)
        .or_else(|| a.requirement.as_ref().map(|r| r.competency_id.clone()))
        .unwrap_or_default();
    let help = o
        .typed(&form, skill_field::HELP)
        .or_else(|| a.requirement.as_ref().map(|r| r.help.clone()))
        .unwrap_or_default();
    let clear = a.requirement.is_some().then(|| {
        view! {
            <form method="post" action=clear_path>
                <button id=format!("{form}-clear") type="submit" class="secondary">"Remove the requirement"</button>
            </form>
        }
    });
    view! {
        <tr id=form.clone()>
            <td class="skill-action">{a.label.clone()}</td>
            <td>{needs}</td>
            <td>
                <details open={o.form == form}>
                    <summary id=format!("{form}-open")>{format!("Change what {} needs", a.label.to_lowercase())}</summary>
                    {skill_form(o, &form, &action_path, competencies, &chosen, help)}
                    {clear}
                </details>
            </td>
        </tr>
    }
    .into_any()
}

fn skill_form(
    o: &FormOutcome<Fields>,
    form: &str,
    action_path: &str,
    competencies: &[(String, String)],
    chosen: &str,
    help: String,
) -> AnyView {
    let select_id = format!("{form}-{}", skill_field::COMPETENCY_ID);
    let help_id = format!("{form}-{}", skill_field::HELP);
    view! {
        <form id=format!("{form}-form") method="post" action=action_path.to_owned() class="stack" novalidate>
            <label for=select_id.clone()>"Competency needed, current"</label>
            {error(o, form, skill_field::COMPETENCY_ID)}
            <select id=select_id name=skill_field::COMPETENCY_ID>
                <option value="">"Choose…"</option>
                {competencies.iter().map(|(id, name)| {
                    let selected = id == chosen;
                    view! { <option value=id.clone() selected=selected>{name.clone()}</option> }
                }).collect_view()}
            </select>
            <label for=help_id.clone()>"Who can help (leave blank for: the line manager or a trainer)"</label>
            {error(o, form, skill_field::HELP)}
            <textarea id=help_id name=skill_field::HELP maxlength="500" rows="3">{help}</textarea>
            <button id=format!("{form}-submit") type="submit">"Save"</button>
        </form>
    }
    .into_any()
}
