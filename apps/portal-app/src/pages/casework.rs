//! Casework pages: the priority board, problem-solving cases with their
//! stage checklist, and the partner directory. Every form is a plain
//! POST that works without JavaScript, with field-level errors.

use super::loading;
use crate::data;
use crate::kit::fields::case::{self as field, Stage};
use crate::kit::fields::{priority as priority_field, we_did as we_did_field};
use crate::kit::{Fields, FormOutcome, routes};
use eip_types::engagement::{CaseStatus, PriorityStatus, ProblemCase};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn flash_view(flash: Option<String>) -> impl IntoView {
    flash.map(|m| view! { <p id="flash" class="flash" role="status">{m}</p> })
}

/// The error summary at the top of a refused form, each entry linking to
/// its field (`{prefix}-{field}`).
fn error_summary(f: &FormOutcome<Fields>, prefix: &'static str) -> impl IntoView + use<> {
    let message = f
        .general_message()
        .map(|m| view! { <p id=format!("{prefix}-message") class="error" role="alert">{m}</p> });
    let summary = (!f.errors.is_empty()).then(|| {
        let items = f
            .errors
            .iter()
            .map(|e| {
                let field = e.field.split('[').next().unwrap_or_default().to_owned();
                view! { <li><a href=format!("#{prefix}-{field}")>{e.message.clone()}</a></li> }
            })
            .collect_view();
        view! {
            <div id=format!("{prefix}-errors") class="error-summary" role="alert">
                <h3>"There is a problem"</h3>
                <ul>{items}</ul>
            </div>
        }
    });
    view! { {message} {summary} }
}

/// A field of a kept form: its id (`{prefix}-{name}`), its error, the id
/// of its error (to describe it), and its value (as typed, when the form
/// was refused, else `stored`).
struct Kept {
    id: String,
    error: Option<String>,
    described: Option<String>,
    value: String,
}

fn kept(f: &FormOutcome<Fields>, prefix: &str, name: &str, stored: String) -> Kept {
    let id = format!("{prefix}-{name}");
    let error = f.error(name);
    Kept {
        described: error.as_ref().map(|_| format!("{id}-error")),
        value: if f.values.is_empty() {
            stored
        } else {
            f.values.value(name)
        },
        id,
        error,
    }
}

/// A labelled text input or textarea with its error, described by it.
fn text_field(
    f: &FormOutcome<Fields>,
    prefix: &'static str,
    name: &'static str,
    label: &'static str,
    area: bool,
    value: String,
) -> impl IntoView + use<> {
    let Kept {
        id,
        error,
        described,
        value,
    } = kept(f, prefix, name, value);
    let input = if area {
        view! { <textarea id=id.clone() name=name rows="3" aria-describedby=described>{value}</textarea> }
            .into_any()
    } else {
        view! { <input id=id.clone() name=name type="text" value=value aria-describedby=described /> }
            .into_any()
    };
    view! {
        <label for=id.clone()>{label}</label>
        {error.map(|m| view! { <p id=format!("{id}-error") class="field-error" role="alert">{m}</p> })}
        {input}
    }
}

fn date_field(
    f: &FormOutcome<Fields>,
    prefix: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
) -> impl IntoView + use<> {
    let Kept {
        id,
        error,
        described,
        value,
    } = kept(f, prefix, name, value);
    view! {
        <label for=id.clone()>{label}</label>
        {error.map(|m| view! { <p id=format!("{id}-error") class="field-error" role="alert">{m}</p> })}
        <input id=id.clone() name=name type="text" inputmode="numeric" autocomplete="off"
            placeholder="YYYY-MM-DD" value=value aria-describedby=described />
    }
}

fn place_select(
    f: &FormOutcome<Fields>,
    prefix: &'static str,
    name: &'static str,
    places: &[(String, String)],
    multiple: bool,
) -> impl IntoView + use<> {
    let id = format!("{prefix}-{name}");
    let chosen = f.values.all(name);
    let error = f.error(name);
    let described = error.as_ref().map(|_| format!("{id}-error"));
    let options = places
        .iter()
        .map(|(value, label)| {
            let selected = chosen.contains(value);
            view! { <option value=value.clone() selected=selected>{label.clone()}</option> }
        })
        .collect_view();
    view! {
        {error.map(|m| view! { <p id=format!("{id}-error") class="field-error" role="alert">{m}</p> })}
        <select id=id.clone() name=name multiple=multiple size=if multiple { "6" } else { "1" }
            aria-describedby=described>
            {(!multiple).then(|| view! { <option value="">"Choose a place"</option> })}
            {options}
        </select>
    }
}

#[component]
pub fn PriorityBoardPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_priority_board());
    view! {
        <h1>"Community priorities"</h1>
        <p class="hint">
            "At most three priorities are agreed with each community per place and quarter. "
            "Each shows what people said and what was done about it."
        </p>
        {loading(page, |b| priority_board(b).into_any())}
    }
}

fn priority_board(b: data::PriorityBoard) -> impl IntoView {
    let f = b.form;
    let form = b.can_agree.then(|| {
        view! {
            <section id="agree-priority" aria-labelledby="agree-priority-title">
                <h2 id="agree-priority-title">"Agree a priority"</h2>
                {error_summary(&f, priority_field::FORM)}
                <form id="priority-form" method="post" action=routes::PRIORITIES.path() class="stack">
                    <label for="priority-place_id">"Place"</label>
                    {place_select(&f, priority_field::FORM, priority_field::PLACE_ID, &b.places, false)}
                    {text_field(&f, priority_field::FORM, priority_field::PERIOD, "Quarter (such as 2026-Q4)", false, String::new())}
                    {text_field(&f, priority_field::FORM, priority_field::TITLE, "Priority", false, String::new())}
                    {text_field(&f, priority_field::FORM, priority_field::YOU_SAID, "You said: what people told us, in their words", true, String::new())}
                    <button id="priority-submit" type="submit">"Agree the priority"</button>
                </form>
            </section>
        }
    });
    let can_work = b.can_agree;
    let refused = b.we_did;
    let rows = b
        .priorities
        .into_iter()
        .map(|(place, p)| {
            let status = match p.status {
                PriorityStatus::Agreed => "Agreed",
                PriorityStatus::Resolved => "Resolved",
            };
            let work = (can_work && p.status == PriorityStatus::Agreed)
                .then(|| we_did_forms(&p.id, refused.clone().filter(|k| k.record == p.id)));
            let did = if p.responses.is_empty() {
                view! { <p class="hint">"Nothing recorded yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {p.responses.into_iter().map(|r| view! {
                            <li>{r.we_did}" ("{r.status.as_str().replace('_', " ")}")"</li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            };
            view! {
                <article class="card priority" data-priority=p.id.clone()>
                    <h3>{p.title}</h3>
                    <p class="hint">{place}" · "{p.period}" · "<strong>{status}</strong></p>
                    <h4>"You said"</h4>
                    <p>{p.you_said}</p>
                    <h4>"We did"</h4>
                    {did}
                    {work}
                </article>
            }
        })
        .collect_view();
    view! {
        {flash_view(b.flash)}
        {form}
        <section id="priorities" aria-labelledby="priorities-title">
            <h2 id="priorities-title">"Agreed priorities"</h2>
            {rows}
        </section>
    }
}

/// The forms under an agreed priority: what we did, and marking it
/// resolved. `kept` is the form as typed when it was refused.
fn we_did_forms(id: &str, kept: Option<FormOutcome<Fields>>) -> AnyView {
    let open = kept.is_some();
    let f = kept.unwrap_or_default();
    let prefix = format!("{}-{id}", we_did_field::FORM);
    let field_error = |name: &str| {
        f.error(name).map(|m| {
            view! { <p id=format!("{prefix}-{name}-error") class="field-error" role="alert">{m}</p> }
        })
    };
    let message = f
        .general_message()
        .map(|m| view! { <p id=format!("{prefix}-message") class="error" role="alert">{m}</p> });
    let status = f.values.value(we_did_field::STATUS);
    let options = [
        ("planned", "Planned"),
        ("in_progress", "In progress"),
        ("done", "Done"),
    ]
    .into_iter()
    .map(|(value, label)| {
        view! { <option value=value selected={status == value}>{label}</option> }
    })
    .collect_view();
    view! {
        {message}
        <details open=open>
            <summary id=format!("{prefix}-open")>"Record what we did"</summary>
            <form id=format!("{prefix}-form") method="post" action=routes::WE_DID.at([id]) class="stack" novalidate>
                <label for=format!("{prefix}-{}", we_did_field::WE_DID)>"We did: what was done, in plain words"</label>
                {field_error(we_did_field::WE_DID)}
                <textarea id=format!("{prefix}-{}", we_did_field::WE_DID) name=we_did_field::WE_DID rows="3" maxlength="2000">{f.values.value(we_did_field::WE_DID)}</textarea>
                <label for=format!("{prefix}-{}", we_did_field::STATUS)>"Status"</label>
                {field_error(we_did_field::STATUS)}
                <select id=format!("{prefix}-{}", we_did_field::STATUS) name=we_did_field::STATUS>{options}</select>
                <button id=format!("{prefix}-submit") type="submit">"Record"</button>
            </form>
        </details>
        <form method="post" action=routes::RESOLVE_PRIORITY.at([id])>
            <button id=format!("resolve-{id}") type="submit" class="secondary">"Mark resolved"</button>
        </form>
    }
    .into_any()
}

#[component]
pub fn CasesPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_cases());
    view! {
        <h1>"Problem-solving cases"</h1>
        {loading(page, |l| case_list(l).into_any())}
    }
}

fn case_list(l: data::CaseList) -> impl IntoView {
    let f = l.form;
    view! {
        {flash_view(l.flash)}
        <table id="cases">
            <caption class="visually-hidden">"Problem-solving cases in your areas, newest first"</caption>
            <thead><tr><th scope="col">"Case"</th><th scope="col">"Stage"</th><th scope="col">"Status"</th><th scope="col">"Opened"</th></tr></thead>
            <tbody>
                {l.cases.into_iter().map(|c| {
                    let stage = current_stage(&c);
                    view! {
                        <tr>
                            <td><a href=routes::CASE.at([&c.id])>{c.title.clone()}</a></td>
                            <td>{stage}</td>
                            <td>{match c.status { CaseStatus::Open => "Open", CaseStatus::Closed => "Closed" }}</td>
                            <td>{c.opened_at.get(..10).unwrap_or("").to_owned()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <section id="open-case" aria-labelledby="open-case-title">
            <h2 id="open-case-title">"Open a case"</h2>
            {error_summary(&f, "case")}
            <form id="case-form" method="post" action=routes::CASES.path() class="stack">
                {text_field(&f, "case", field::TITLE, "Title", false, String::new())}
                <label for="case-place_ids">"Wards (one or more, in one local authority area)"</label>
                {place_select(&f, "case", field::PLACE_IDS, &l.places, true)}
                {text_field(&f, "case", field::OBJECTIVE, "Objective: what the case should achieve", true, String::new())}
                <button id="case-submit" type="submit">"Open the case"</button>
            </form>
        </section>
    }
}

/// The SARA stages with whether each is done.
fn stages(c: &ProblemCase) -> [(&'static str, &'static str, bool); 4] {
    [
        (
            Stage::Scanning.as_str(),
            "Scanning",
            !c.scanning.community_view.trim().is_empty() || !c.scanning.data_view.trim().is_empty(),
        ),
        (
            Stage::Analysis.as_str(),
            "Analysis",
            !c.analysis.victim_guardian.trim().is_empty()
                || !c.analysis.offender_handler.trim().is_empty()
                || !c.analysis.place_manager.trim().is_empty(),
        ),
        (
            Stage::Responses.as_str(),
            "Response",
            !c.responses.is_empty(),
        ),
        (
            Stage::Assessment.as_str(),
            "Assessment",
            c.assessment.is_some(),
        ),
    ]
}

fn current_stage(c: &ProblemCase) -> &'static str {
    if c.status == CaseStatus::Closed {
        return "Closed";
    }
    stages(c)
        .into_iter()
        .find(|(_, _, done)| !done)
        .map_or("Ready to close", |(_, label, _)| label)
}

#[component]
pub fn CaseWorkspacePage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        data::load_case,
    );
    view! {
        {loading(page, |w| case_workspace(w).into_any())}
    }
}

fn case_workspace(w: data::CaseWorkspace) -> impl IntoView {
    let c = w.case;
    let open = c.status == CaseStatus::Open;
    let kept = |stage: Stage| FormOutcome::for_form(w.form.clone(), stage.as_str(), &c.id);
    let checklist = stages(&c)
        .into_iter()
        .map(|(id, label, done)| {
            view! {
                <li data-stage=id data-done=if done { "yes" } else { "no" }>
                    <a href=format!("#stage-{id}")>{label}</a>
                    {if done { " — done" } else { " — to do" }}
                </li>
            }
        })
        .collect_view();
    let action = |stage: Stage| routes::CASE_STAGE.at([&c.id, stage.as_str()]);

    let sf = kept(Stage::Scanning);
    let scanning = view! {
        <section id="stage-scanning" class="stage" aria-labelledby="stage-scanning-title">
            <h2 id="stage-scanning-title">"1. Scanning"</h2>
            {error_summary(&sf, Stage::Scanning.as_str())}
            <form id="scanning-form" method="post" action=action(Stage::Scanning) class="stack">
                {text_field(&sf, Stage::Scanning.as_str(), field::COMMUNITY_VIEW, "The problem in the community's words", true, c.scanning.community_view.clone())}
                {text_field(&sf, Stage::Scanning.as_str(), field::DATA_VIEW, "The problem in the data's words", true, c.scanning.data_view.clone())}
                {open.then(|| view! { <button id="scanning-submit" type="submit">"Save scanning"</button> })}
            </form>
        </section>
    };
    let af = kept(Stage::Analysis);
    let analysis = view! {
        <section id="stage-analysis" class="stage" aria-labelledby="stage-analysis-title">
            <h2 id="stage-analysis-title">"2. Analysis: the problem analysis triangle"</h2>
            {error_summary(&af, Stage::Analysis.as_str())}
            <form id="analysis-form" method="post" action=action(Stage::Analysis) class="stack">
                {text_field(&af, Stage::Analysis.as_str(), field::VICTIM_GUARDIAN, "Victim, and the guardian who could protect them", true, c.analysis.victim_guardian.clone())}
                {text_field(&af, Stage::Analysis.as_str(), field::OFFENDER_HANDLER, "Offender, and the handler who could influence them", true, c.analysis.offender_handler.clone())}
                {text_field(&af, Stage::Analysis.as_str(), field::PLACE_MANAGER, "Place, and the manager responsible for it", true, c.analysis.place_manager.clone())}
                {open.then(|| view! { <button id="analysis-submit" type="submit">"Save analysis"</button> })}
            </form>
        </section>
    };
    let rf = kept(Stage::Responses);
    let responses = view! {
        <section id="stage-responses" class="stage" aria-labelledby="stage-responses-title">
            <h2 id="stage-responses-title">"3. Response"</h2>
            {if c.responses.is_empty() {
                view! { <p>"No actions yet."</p> }.into_any()
            } else {
                view! {
                    <table id="case-responses">
                        <caption class="visually-hidden">"Actions agreed"</caption>
                        <thead><tr><th scope="col">"Action"</th><th scope="col">"Owner"</th><th scope="col">"Partners"</th><th scope="col">"Due"</th></tr></thead>
                        <tbody>
                            {c.responses.iter().map(|r| view! {
                                <tr><td>{r.action.clone()}</td><td>{r.owner.clone()}</td><td>{r.partner_agencies.join(", ")}</td><td>{r.due_on.clone()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {open.then(|| view! {
                {error_summary(&rf, Stage::Responses.as_str())}
                <form id="responses-form" method="post" action=action(Stage::Responses) class="stack">
                    <h3>"Add an action"</h3>
                    {text_field(&rf, Stage::Responses.as_str(), field::ACTION, "Action", true, String::new())}
                    {text_field(&rf, Stage::Responses.as_str(), field::OWNER, "Owner", false, String::new())}
                    {text_field(&rf, Stage::Responses.as_str(), field::PARTNER_AGENCIES, "Partner agencies (comma-separated)", false, String::new())}
                    {date_field(&rf, Stage::Responses.as_str(), field::DUE_ON, "Due on (YYYY-MM-DD)", String::new())}
                    {text_field(&rf, Stage::Responses.as_str(), field::RESTORATIVE_OUTCOME, "Restorative outcome, if a restorative process was held", false, String::new())}
                    <button id="responses-submit" type="submit">"Add the action"</button>
                </form>
            })}
        </section>
    };
    let xf = kept(Stage::Assessment);
    let a = c.assessment.clone();
    let assessed = a.clone().map(|a| {
        view! {
            <p id="assessment-result">
                {format!(
                    "Calls for service: {} before ({:.2} a day), {} after ({:.2} a day): {}.",
                    a.before_calls,
                    a.before_rate,
                    a.after_calls,
                    a.after_rate,
                    match a.result {
                        eip_types::engagement::AssessmentResult::Reduced => "reduced",
                        eip_types::engagement::AssessmentResult::NoChange => "no change",
                        eip_types::engagement::AssessmentResult::Increased => "increased",
                    }
                )}
            </p>
        }
    });
    let delivered = if xf.values.is_empty() {
        a.as_ref().is_some_and(|a| a.delivered_as_planned)
    } else {
        xf.values.value(field::DELIVERED_AS_PLANNED) == "yes"
    };
    let assessment = view! {
        <section id="stage-assessment" class="stage" aria-labelledby="stage-assessment-title">
            <h2 id="stage-assessment-title">"4. Assessment"</h2>
            {assessed}
            {error_summary(&xf, Stage::Assessment.as_str())}
            <form id="assessment-form" method="post" action=action(Stage::Assessment) class="stack">
                {date_field(&xf, Stage::Assessment.as_str(), field::BEFORE_FROM, "Before: from (YYYY-MM-DD)", a.as_ref().map(|a| a.before_from.clone()).unwrap_or_default())}
                {date_field(&xf, Stage::Assessment.as_str(), field::BEFORE_TO, "Before: to (YYYY-MM-DD)", a.as_ref().map(|a| a.before_to.clone()).unwrap_or_default())}
                {date_field(&xf, Stage::Assessment.as_str(), field::AFTER_FROM, "After: from (YYYY-MM-DD)", a.as_ref().map(|a| a.after_from.clone()).unwrap_or_default())}
                {date_field(&xf, Stage::Assessment.as_str(), field::AFTER_TO, "After: to (YYYY-MM-DD)", a.as_ref().map(|a| a.after_to.clone()).unwrap_or_default())}
                <div class="check">
                    <input id="assessment-delivered_as_planned" name=field::DELIVERED_AS_PLANNED type="checkbox" value="yes" checked=delivered />
                    <label for="assessment-delivered_as_planned">"The response was delivered as planned"</label>
                </div>
                {text_field(&xf, Stage::Assessment.as_str(), field::PROCESS_NOTES, "Process notes", true, a.as_ref().map(|a| a.process_notes.clone()).unwrap_or_default())}
                {text_field(&xf, Stage::Assessment.as_str(), field::LEARNING, "Learning", true, a.as_ref().map(|a| a.learning.clone()).unwrap_or_default())}
                {open.then(|| view! { <button id="assessment-submit" type="submit">"Save the assessment"</button> })}
            </form>
        </section>
    };
    let cf = kept(Stage::Close);
    let close = open.then(|| {
        view! {
            <section id="close-case" aria-labelledby="close-case-title">
                <h2 id="close-case-title">"Close the case"</h2>
                {error_summary(&cf, Stage::Close.as_str())}
                <form id="close-form" method="post" action=action(Stage::Close)>
                    <button id="close-submit" type="submit">"Close the case"</button>
                </form>
            </section>
        }
    });
    view! {
        <h1 id="case-title">{c.title.clone()}</h1>
        {flash_view(w.flash)}
        <p class="lead">{c.objective.clone()}</p>
        <p class="hint">
            {w.place_names.join(", ")} " · opened " {c.opened_at.get(..10).unwrap_or("").to_owned()}
            " · " <strong id="case-status">{match c.status { CaseStatus::Open => "Open", CaseStatus::Closed => "Closed" }}</strong>
        </p>
        <nav aria-label="Stages">
            <h2>"Stage checklist"</h2>
            <ol id="stage-checklist" class="checklist">{checklist}</ol>
        </nav>
        <p>
            <a id="case-summary" href=routes::CASE_SUMMARY.at([&c.id]) download>
                "Download the one-page summary"
            </a>
            " (Markdown, to share good practice; no personal data)"
        </p>
        {scanning}
        {analysis}
        {responses}
        {assessment}
        {close}
    }
}

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_directory());
    view! {
        <h1>"Partner directory"</h1>
        <p class="hint">
            "Services offered by statutory, voluntary, business and community organisations. "
            "Entries not reviewed within the review period are marked for review."
        </p>
        {loading(page, |d| directory(d).into_any())}
    }
}

fn directory(d: data::Directory) -> impl IntoView {
    let can_review = d.can_review;
    view! {
        {flash_view(d.flash)}
        {d.entries.is_empty().then(|| view! { <p>"The directory is empty: an administrator imports it in Open Referral UK format."</p> })}
        <table id="directory" class="stacked">
            <caption class="visually-hidden">"Services in the partner directory"</caption>
            <thead><tr>
                <th scope="col">"Service"</th><th scope="col">"Organisation"</th><th scope="col">"Sector"</th>
                <th scope="col">"Status"</th><th scope="col">"Last reviewed"</th>
                {can_review.then(|| view! { <th scope="col">"Review"</th> })}
            </tr></thead>
            <tbody>
                {d.entries.into_iter().map(|e| {
                    let review = can_review.then(|| view! {
                        <td data-label="Review">
                            <form method="post" action=routes::REVIEW_ENTRY.at([&e.id])>
                                <button id=format!("review-{}", e.id) type="submit" class="secondary">
                                    "Mark reviewed"<span class="visually-hidden">{format!(": {}", e.name)}</span>
                                </button>
                            </form>
                        </td>
                    });
                    view! {
                        <tr data-entry=e.id.clone() data-stale=if e.stale { "yes" } else { "no" }>
                            <td data-label="Service">{e.name}</td>
                            <td data-label="Organisation">{e.organization_name}</td>
                            <td data-label="Sector">{e.sector.as_str()}</td>
                            <td data-label="Status">{e.status}</td>
                            <td data-label="Last reviewed">
                                <span>
                                    {e.reviewed_at.get(..10).unwrap_or("").to_owned()}
                                    {e.stale.then(|| view! { " " <strong class="badge-warn">"Needs review"</strong> })}
                                </span>
                            </td>
                            {review}
                        </tr>
                    }
                    .into_any()
                }).collect_view()}
            </tbody>
        </table>
    }
}
