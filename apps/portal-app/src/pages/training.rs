//! Workforce training pages: the skills matrix with coverage, a person's
//! record with the assessment form, sessions and their register. Every
//! form is a plain POST to the portal server, so they work without
//! JavaScript.

use super::{field_error, loading};
use crate::data::{self, MatrixFilters};
use crate::kit::fields::{assessment as field, matrix as filter, register as register_field};
use crate::kit::{Fields, FormOutcome, routes};
use eip_types::place::{LOCAL_AUTHORITIES, local_authority_name};
use eip_types::training::{Coverage, Level, Reminder, Status};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

fn status_label(s: Status) -> &'static str {
    match s {
        Status::Green => "Current",
        Status::Amber => "Due soon",
        Status::Red => "Lapsed",
        Status::Grey => "Not held",
        Status::Paused => "Paused",
        Status::None => "",
    }
}

fn level_label(l: Option<Level>) -> &'static str {
    l.map_or("", Level::label)
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%d %b %Y").to_string())
        .unwrap_or_default()
}

fn stage_label(stage: &str) -> String {
    if stage == "lapsed" {
        "has lapsed".into()
    } else {
        format!("lapses within {stage} days")
    }
}

fn reminders_list(list: Vec<Reminder>, names: Vec<(String, String)>) -> impl IntoView {
    let name_of = move |id: &str| {
        names
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    (!list.is_empty()).then(|| {
        view! {
            <section id="reminders" aria-labelledby="reminders-title">
                <h2 id="reminders-title">"Reminders"</h2>
                <ul class="reminders">
                    {list.into_iter().map(|r| view! {
                        <li data-stage=r.stage.clone() data-subject=r.subject_id.clone()>
                            <strong>{r.subject_name.clone()}</strong> ": "
                            {name_of(&r.competency_id)} " " {stage_label(&r.stage)}
                            " (" {date(Some(r.lapse_on))} ")"
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
pub fn Training() -> impl IntoView {
    matrix_view(|p| matrix_page(p).into_any())
}

/// The skills matrix with the filters in the URL's query, shown by `ready`.
fn matrix_view(ready: fn(data::MatrixPage) -> AnyView) -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(
        move || MatrixFilters::read(|k| query.read().get(k).unwrap_or_default()),
        data::load_matrix,
    );
    view! {
        {loading(page, ready)}
    }
}

/// Coverage as every view shows it: the overall figure per team and area.
fn coverage_table(coverage: &[Coverage]) -> impl IntoView + use<> {
    let rows: Vec<Coverage> = coverage
        .iter()
        .filter(|c| c.competency_id.is_none())
        .cloned()
        .collect();
    view! {
        <table id="coverage" class="coverage">
            <caption>"Coverage: people current in a required competency ÷ people it is required for (paused records left out)"</caption>
            <thead><tr><th scope="col">"Team or area"</th><th scope="col">"Required"</th><th scope="col">"Current"</th><th scope="col">"Coverage"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|c| {
                    let name = if c.scope == "area" {
                        format!("Area: {}", local_authority_name(&c.scope_id).unwrap_or(&c.scope_id))
                    } else {
                        format!("Team: {}", c.scope_id)
                    };
                    view! {
                        <tr data-scope=c.scope.clone() data-id=c.scope_id.clone()>
                            <th scope="row">{name}</th>
                            <td>{c.required}</td>
                            <td>{c.current}</td>
                            <td class="coverage-figure">{c.display()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn matrix_page(p: data::MatrixPage) -> impl IntoView {
    let m = p.matrix;
    let f = p.filters;
    let names: Vec<(String, String)> = m
        .competencies
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let roles = p.framework.roles.clone();
    let role_name = move |id: &str| {
        roles
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    view! {
        <h1>"Skills matrix"</h1>
        <p class="lead">"Standing on " <span id="as-of">{m.as_of.format("%d %B %Y").to_string()}</span> "."</p>
        {reminders_list(p.reminders, names.clone())}
        <form id="matrix-filters" method="get" action=routes::TRAINING.path() class="filters">
            <label for="filter-team">"Team"</label>
            <input id="filter-team" name=filter::TEAM type="text" value=f.team.clone() />
            <label for="filter-area">"Area"</label>
            <select id="filter-area" name=filter::AREA>
                <option value="">"All areas"</option>
                {LOCAL_AUTHORITIES.iter().map(|(id, name)| view! {
                    <option value=*id selected=f.area == *id>{*name}</option>
                }).collect_view()}
            </select>
            <label for="filter-role">"Role"</label>
            <select id="filter-role" name=filter::ROLE>
                <option value="">"All roles"</option>
                {p.framework.roles.iter().map(|r| view! {
                    <option value=r.id.clone() selected=f.role == r.id>{r.name.clone()}</option>
                }).collect_view()}
            </select>
            <label for="filter-agency">"Partner agency"</label>
            <input id="filter-agency" name=filter::AGENCY type="text" value=f.agency.clone() />
            <input type="hidden" name=filter::MANAGER value=f.manager.clone() />
            <label for="filter-as-of">"Standing on (trainers)"</label>
            <input id="filter-as-of" name=filter::AS_OF type="date" value=f.as_of.clone() />
            <button id="filter-submit" type="submit">"Show"</button>
        </form>
        {coverage_table(&m.coverage)}
        <p>
            <a href=routes::SESSIONS.path()>"Sessions and registers"</a> " · "
            <a href=routes::MY_TRAINING.path()>"My training record"</a> " · "
            <a id="renewals-link" href=filtered(routes::RENEWALS.path(), &f)>"Who is due a refresher (printable)"</a> " · "
            <a id="matrix-csv" href=filtered(routes::MATRIX_CSV.path(), &f) download="skills-matrix.csv">"Download the matrix (CSV)"</a>
        </p>
        <div class="matrix-scroll">
            <table id="matrix" class="matrix">
                <caption>"People × competencies"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Role"</th>
                        {m.competencies.iter().map(|c| view! { <th scope="col">{c.name.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {m.rows.into_iter().map(|r| view! {
                        <tr data-staff=r.staff_id.clone()>
                            <th scope="row"><a href=routes::STAFF_RECORD.at([&r.staff_id])>{r.name.clone()}</a></th>
                            <td>{r.team.clone()}{r.agency.clone().map(|a| view! { <span class="hint">" (" {a} ")"</span> })}</td>
                            <td>{role_name(&r.role_id)}</td>
                            {r.cells.into_iter().map(|c| view! {
                                <td class=format!("cell status-{}", c.status.as_str())
                                    data-competency=c.competency_id.clone()
                                    data-status=c.status.as_str()
                                    title=c.lapses_on.map(|d| format!("Current until the day before {d}")).unwrap_or_default()>
                                    {status_label(c.status)}
                                    {c.required_level.map(|l| view! { <span class="level">" · " {l.label()}</span> })}
                                </td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `path` with the matrix filters in force as its query.
fn filtered(path: &str, f: &MatrixFilters) -> String {
    let query: Vec<String> = f
        .query()
        .into_iter()
        .map(|(k, v)| {
            let v: String = v
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            format!("{k}={v}")
        })
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Who is due a refresher (due soon or lapsed), team by team, with the
/// matrix's filters (a manager's reports, one area): printable, one team to
/// a page.
#[component]
pub fn TrainingRenewals() -> impl IntoView {
    matrix_view(|p| renewals_page(p).into_any())
}

fn renewals_page(p: data::MatrixPage) -> impl IntoView {
    let m = p.matrix;
    let names: Vec<(String, String)> = m
        .competencies
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let name_of = move |id: &str| {
        names
            .iter()
            .find(|(c, _)| c == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    // (team, [(person, competency, status, lapses on)]), teams in order.
    let mut teams: std::collections::BTreeMap<String, Vec<(String, String, Status, String)>> =
        std::collections::BTreeMap::new();
    for r in &m.rows {
        for c in &r.cells {
            if matches!(c.status, Status::Amber | Status::Red) {
                teams.entry(r.team.clone()).or_default().push((
                    r.name.clone(),
                    name_of(&c.competency_id),
                    c.status,
                    date(c.lapses_on),
                ));
            }
        }
    }
    let due: usize = teams.values().map(Vec::len).sum();
    view! {
        <h1>"Due a refresher"</h1>
        <p class="lead">
            "Standing on " {m.as_of.format("%d %B %Y").to_string()} ": "
            <span id="renewals-count">{due}</span> " competencies due soon or lapsed."
        </p>
        <p class="no-print">
            <a href=filtered(routes::TRAINING.path(), &p.filters)>"Back to the matrix"</a>
            " · Print this page for a team briefing: each team starts a new page."
        </p>
        {(due == 0).then(|| view! { <p id="renewals-none">"No one is due a refresher."</p> })}
        {teams.into_iter().map(|(team, lines)| view! {
            <section class="renewal-team" data-team=team.clone()>
                <table class="renewals">
                    <caption>"Team: " {team.clone()}</caption>
                    <thead><tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Competency"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Lapses on"</th>
                    </tr></thead>
                    <tbody>
                        {lines.into_iter().map(|(person, competency, status, on)| view! {
                            <tr data-status=status.as_str()>
                                <th scope="row">{person}</th>
                                <td>{competency}</td>
                                <td class=format!("status-{}", status.as_str())>{status_label(status)}</td>
                                <td>{on}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }).collect_view()}
    }
}

#[component]
pub fn TrainingRecord() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let page = Resource::new(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get(filter::AS_OF),
            )
        },
        |(id, as_of)| data::load_record(id, as_of),
    );
    view! {
        {loading(page, |p| record_page(p).into_any())}
    }
}

fn error_summary(o: &FormOutcome<Fields>) -> impl IntoView + use<> {
    let errors = o.errors.clone();
    let message = o.general_message();
    (message.is_some() || !errors.is_empty()).then(|| {
        view! {
            <div id="error-summary" class="error-summary" role="alert" tabindex="-1">
                <h2>"There is a problem"</h2>
                {message.map(|e| view! { <p>{e}</p> })}
                <ul>
                    {errors.into_iter().map(|e| view! {
                        <li><a href=format!("#{}", e.field.replace(['[', ']', '.'], "-"))>{e.message}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}

fn record_page(p: data::RecordPage) -> impl IntoView {
    let r = p.record;
    let s = r.staff;
    let name_of = {
        let list = p.competencies.clone();
        move |id: &str| {
            list.iter()
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.to_owned())
        }
    };
    let names: Vec<(String, String)> = p
        .competencies
        .iter()
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    let outcome = p.outcome.unwrap_or_default();
    let assess = p
        .can_assess
        .then(|| assessment_form(&s.id, &p.framework, &outcome));
    let name_of2 = name_of.clone();
    let role_name = p
        .framework
        .roles
        .iter()
        .find(|r| r.id == s.role_id)
        .map_or_else(|| s.role_id.clone(), |r| r.name.clone());
    view! {
        <h1 id="person-name">{s.name.clone()}</h1>
        {p.flash.map(|m| view! { <p id="flash" class="flash" role="status">{m}</p> })}
        <dl class="facts">
            <dt>"Team"</dt><dd>{s.team.clone()}</dd>
            <dt>"Area"</dt><dd>{local_authority_name(&s.area).unwrap_or("Unknown")}</dd>
            <dt>"Role"</dt><dd>{role_name}</dd>
            {s.staff_number.clone().map(|n| view! { <dt>"Staff number"</dt><dd>{n}</dd> })}
            {s.agency.clone().map(|a| view! { <dt>"Partner agency"</dt><dd>{a}</dd> })}
            <dt>"Standing on"</dt><dd>{r.as_of.format("%d %B %Y").to_string()}</dd>
        </dl>
        {reminders_list(p.reminders, names)}
        <h2>"Competencies"</h2>
        <table id="standings" class="matrix">
            <thead><tr><th scope="col">"Competency"</th><th scope="col">"Status"</th><th scope="col">"Required"</th><th scope="col">"Held"</th><th scope="col">"Lapses on"</th></tr></thead>
            <tbody>
                {r.standings.into_iter().map(|st| view! {
                    <tr data-competency=st.competency_id.clone()>
                        <th scope="row">{name_of(&st.competency_id)}</th>
                        <td class=format!("cell status-{}", st.status.as_str()) data-status=st.status.as_str()>{status_label(st.status)}</td>
                        <td>{if st.required { format!("Yes {}", level_label(st.required_level)) } else { "No".into() }}</td>
                        <td>{level_label(st.held_level)}</td>
                        <td>{date(st.lapses_on)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {(!r.practice.is_empty()).then(|| view! {
            <h2>"Supervision, observed practice and CPD"</h2>
            <ul id="practice-checks">
                {r.practice.into_iter().map(|c| view! {
                    <li>
                        <strong>{name_of2(&c.competency_id)}</strong> ": supervision "
                        <span class=format!("status-{}", c.supervision.as_str())>{status_label(c.supervision)}</span>
                        " (last " {date(c.last_supervision)} "); observed practice "
                        {if c.observation_due { "due" } else { "done this year" }}
                        "; CPD " {format!("{:.1} of {:.0} hours ({:.1} approved)", c.cpd_hours, c.cpd_required_hours, c.cpd_approved_hours)}
                        {c.cpd_short.then(|| view! { <strong class="flag">" short"</strong> })}
                    </li>
                }).collect_view()}
            </ul>
        })}
        {(!r.pauses.is_empty()).then(|| view! {
            <h2>"Pauses"</h2>
            <ul id="pauses">
                {r.pauses.into_iter().map(|p| view! {
                    <li>{date(Some(p.starts_on))} " to " {date(Some(p.ends_on))} ": " {p.reason}</li>
                }).collect_view()}
            </ul>
        })}
        {assess}
        <h2>"Evidence log"</h2>
        <p class="hint">"Entries are never edited: a correction is a new entry."</p>
        <table id="evidence" class="evidence">
            <thead><tr><th scope="col">"Date"</th><th scope="col">"Competency"</th><th scope="col">"Kind"</th><th scope="col">"Activity"</th><th scope="col">"Source"</th><th scope="col">"Note"</th></tr></thead>
            <tbody>
                {r.evidence.into_iter().map(|e| view! {
                    <tr data-kind=e.kind.clone()>
                        <td>{date(Some(e.occurred_on))}</td>
                        <td>{e.competency_id.clone()} " " {level_label(e.level)}</td>
                        <td>{e.kind.clone()}{e.corrects.is_some().then_some(" (correction)")}</td>
                        <td>{e.activity.clone()}{e.hours.map(|h| format!(", {h:.1} h"))}</td>
                        <td>{e.source.clone()}</td>
                        <td>{e.note.clone().unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <p><a href=routes::TRAINING.path()>"Skills matrix"</a> " (trainers, and line managers for their reports)"</p>
    }
}

fn assessment_form(
    staff_id: &str,
    framework: &eip_types::training::Framework,
    o: &FormOutcome<Fields>,
) -> impl IntoView + use<> {
    let o = if o.is(field::FORM) {
        o.clone()
    } else {
        FormOutcome::default()
    };
    let kept = |name: &str| o.values.value(name);
    let chosen = kept(field::COMPETENCY_ID);
    let competencies = framework.competencies.clone();
    let standards: Vec<(String, String)> = framework
        .competencies
        .iter()
        .flat_map(|c| {
            c.standards
                .iter()
                .map(|s| (s.code.clone(), format!("{}: {} {}", c.name, s.code, s.text)))
                .collect::<Vec<_>>()
        })
        .collect();
    view! {
        <section id="assessment" aria-labelledby="assessment-title">
            <h2 id="assessment-title">"Assess observed practice"</h2>
            {error_summary(&o)}
            <form id="assessment-form" method="post" action=routes::ASSESS.at([staff_id]) class="stack">
                <label for=field::COMPETENCY_ID>"Competency"</label>
                {field_error(field::COMPETENCY_ID, o.error(field::COMPETENCY_ID))}
                <select id=field::COMPETENCY_ID name=field::COMPETENCY_ID required>
                    {competencies.into_iter().map(|c| view! {
                        <option value=c.id.clone() selected=chosen == c.id>{c.name.clone()}</option>
                    }).collect_view()}
                </select>
                <label for=field::ASSESSED_ON>"Date observed"</label>
                {field_error(field::ASSESSED_ON, o.error(field::ASSESSED_ON))}
                <input id=field::ASSESSED_ON name=field::ASSESSED_ON type="date" required value=kept(field::ASSESSED_ON) />
                <fieldset>
                    <legend>"Outcome"</legend>
                    {field_error(field::OUTCOME, o.error(field::OUTCOME))}
                    <input id="outcome-competent" type="radio" name=field::OUTCOME value="competent" checked=kept(field::OUTCOME) != "not_yet_competent" />
                    <label for="outcome-competent">"Competent"</label>
                    <input id="outcome-not-yet" type="radio" name=field::OUTCOME value="not_yet_competent" checked=kept(field::OUTCOME) == "not_yet_competent" />
                    <label for="outcome-not-yet">"Not yet competent"</label>
                </fieldset>
                <label for=field::LEVEL>"Proficiency (levelled competencies)"</label>
                {field_error(field::LEVEL, o.error(field::LEVEL))}
                <select id=field::LEVEL name=field::LEVEL>
                    <option value="">"Not applicable"</option>
                    {Level::ALL.into_iter().map(|l| view! {
                        <option value=l.as_str() selected=kept(field::LEVEL) == l.as_str()>{l.label()}</option>
                    }).collect_view()}
                </select>
                <fieldset id=field::STANDARDS_MET>
                    <legend>"Standards met"</legend>
                    {field_error(field::STANDARDS_MET, o.error(field::STANDARDS_MET))}
                    {standards.into_iter().enumerate().map(|(i, (code, label))| view! {
                        <div>
                            <input id=format!("standard-{i}") type="checkbox" name=field::STANDARDS_MET value=code />
                            <label for=format!("standard-{i}")>{label}</label>
                        </div>
                    }).collect_view()}
                </fieldset>
                <label for=field::NOTES>"Notes"</label>
                {field_error(field::NOTES, o.error(field::NOTES))}
                <textarea id=field::NOTES name=field::NOTES rows="3" maxlength="2000">{kept(field::NOTES)}</textarea>
                <button id="assessment-submit" type="submit">"Record assessment"</button>
            </form>
        </section>
    }
}

#[component]
pub fn TrainingSessions() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_sessions());
    view! {
        <h1>"Sessions"</h1>
        {loading(page, |list| view! {
                        <ul id="sessions" class="cards">
                            {list.into_iter().map(|s| view! {
                                <li class="card">
                                    <a href=routes::SESSION.at([&s.id])>{s.course.title.clone()}</a>
                                    <p>{date(Some(s.held_on))} ", " {s.place.clone()} ": "
                                        {format!("{} of {} places on the register", s.register.len(), s.capacity)}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any())}
    }
}

#[component]
pub fn TrainingSession() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        data::load_session,
    );
    view! {
        {loading(page, |p| session_page(p).into_any())}
    }
}

fn session_page(p: data::SessionPage) -> impl IntoView {
    let s = p.session;
    let outcome = p.outcome.unwrap_or_default();
    let people = p.people;
    let name_of = {
        let people = people.clone();
        move |id: &str| {
            people
                .iter()
                .find(|(p, _, _)| p == id)
                .map(|(_, n, _)| n.clone())
                .unwrap_or_else(|| id.to_owned())
        }
    };
    let on_register: Vec<String> = s.register.iter().map(|l| l.staff_id.clone()).collect();
    let unmarked: Vec<(String, String, String)> = people
        .into_iter()
        .filter(|(id, _, _)| !on_register.contains(id))
        .collect();
    view! {
        <h1>{s.course.title.clone()}</h1>
        {p.flash.map(|m| view! { <p id="flash" class="flash" role="status">{m}</p> })}
        {error_summary(&outcome)}
        <dl class="facts">
            <dt>"Competency"</dt><dd>{p.competency_name} " " {level_label(s.course.level)}</dd>
            <dt>"Date"</dt><dd>{date(Some(s.held_on))}</dd>
            <dt>"Place"</dt><dd>{s.place.clone()}</dd>
            <dt>"Capacity"</dt><dd id="capacity">{format!("{} of {} on the register", s.register.len(), s.capacity)}</dd>
        </dl>
        <h2>"Register"</h2>
        <ul id="register">
            {s.register.iter().map(|l| view! {
                <li data-staff=l.staff_id.clone() data-attended=l.attended.to_string()>
                    {name_of(&l.staff_id)} ": " {if l.attended { "attended" } else { "did not attend" }}
                </li>
            }).collect_view()}
        </ul>
        <form id="register-form" method="post" action=routes::REGISTER.at([&s.id]) class="stack">
            <table class="register">
                <caption>"Mark who attended; leave the rest unmarked"</caption>
                <thead><tr><th scope="col">"Name"</th><th scope="col">"Team"</th><th scope="col">"Attended"</th><th scope="col">"Did not attend"</th><th scope="col">"Not marked"</th></tr></thead>
                <tbody>
                    {unmarked.into_iter().map(|(id, name, team)| {
                        let field = format!("{}{id}", register_field::PERSON_PREFIX);
                        view! {
                            <tr data-staff=id.clone()>
                                <th scope="row">{name.clone()}</th>
                                <td>{team}</td>
                                <td><input type="radio" id=format!("{field}-yes") name=field.clone() value=register_field::ATTENDED aria-label=format!("{name} attended") /></td>
                                <td><input type="radio" id=format!("{field}-no") name=field.clone() value=register_field::NO_SHOW aria-label=format!("{name} did not attend") /></td>
                                <td><input type="radio" id=format!("{field}-none") name=field.clone() value="" checked=true aria-label=format!("{name} not marked") /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <button id="register-submit" type="submit">"Save the register"</button>
        </form>
        <p><a href=routes::SESSIONS.path()>"Back to sessions"</a></p>
    }
}
