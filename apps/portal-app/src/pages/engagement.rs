//! Places and engagement pages: the place list and profiles, the engagement
//! log form, the repeat- and hidden-demand lists, and import progress.

use super::{field_error, loading};
use crate::data::{self, MonthDemand};
use crate::kit::fields::{demand as demand_field, engagement as field, import as import_field};
use crate::kit::routes;
use eip_types::engagement::{EngagementKind, ImportStatus, PriorityStatus, SupportPath};
use eip_types::place::{PlaceKind, local_authority_name};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn Places() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_places());
    view! {
        <h1>"Places"</h1>
        {loading(page, |list| view! {
                        <table id="places">
                            <thead><tr><th>"Place"</th><th>"Kind"</th><th>"Local authority"</th><th>"Code"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|p| view! {
                                    <tr data-place=p.id.clone()>
                                        <td>
                                            <a href=routes::PLACE.at([&p.id])>{p.name}</a>
                                            {p.demo.then_some(" (demo data)")}
                                        </td>
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
                    }.into_any())}
    }
}

/// Monthly calls as an inline SVG bar chart, crime shaded, with a text
/// alternative; the table beneath carries the same figures.
fn demand_chart(months: &[MonthDemand]) -> impl IntoView + use<> {
    let max = months.iter().map(|m| m.calls).max().unwrap_or(0).max(1);
    let bar_w = 28;
    let gap = 6;
    let h = 160;
    let width = (months.len() as i64 * (bar_w + gap)).max(60);
    let total: i64 = months.iter().map(|m| m.calls).sum();
    let crime: i64 = months.iter().map(|m| m.crime_calls).sum();
    let label = format!(
        "Calls for service by month: {total} in all, {crime} of them crime ({:.0}%).",
        if total == 0 {
            0.0
        } else {
            100.0 * crime as f64 / total as f64
        }
    );
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = i as i64 * (bar_w + gap);
            let all_h = m.calls * h / max;
            let crime_h = m.crime_calls * h / max;
            let tip = format!("{}: {} calls, {} crime", m.month, m.calls, m.crime_calls);
            view! {
                <g>
                    <title>{tip}</title>
                    <rect class="bar-all" x=x y=h - all_h width=bar_w height=all_h />
                    <rect class="bar-crime" x=x y=h - crime_h width=bar_w height=crime_h />
                    <text x=x + bar_w / 2 y=h + 14 text-anchor="middle" class="bar-label">
                        {m.month.get(5..).unwrap_or("").to_owned()}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="demand-chart">
            <svg id="demand-chart" role="img" aria-label=label.clone()
                viewBox=format!("0 0 {width} {}", h + 20) preserveAspectRatio="xMinYMin meet">
                {bars}
            </svg>
            <figcaption>{label}" Dark: crime; light: everything else."</figcaption>
        </figure>
    }
}

#[component]
pub fn PlaceProfilePage() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        data::load_place_profile,
    );
    view! {
        {loading(page, |p| place_profile(p).into_any())}
    }
}

fn place_profile(p: data::PlaceProfile) -> impl IntoView {
    let kind = match (p.place.kind, p.place.priority) {
        (PlaceKind::LocalAuthority, _) => "Local authority area".to_owned(),
        (PlaceKind::Ward, true) => format!("Priority ward in {}", p.authority_name),
        (PlaceKind::Ward, false) => format!("Ward in {}", p.authority_name),
    };
    let demand = p.demand.map(|months| {
        let rows = months.clone();
        view! {
            <section id="demand" aria-labelledby="demand-h">
                <h2 id="demand-h">"Demand"</h2>
                {if months.is_empty() {
                    view! { <p>"No calls for service on record."</p> }.into_any()
                } else {
                    view! {
                        {demand_chart(&months)}
                        <table id="demand-table">
                            <thead><tr><th>"Month"</th><th>"Calls"</th><th>"Crime"</th><th>"Crime share"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|m| view! {
                                    <tr>
                                        <td>{m.month.clone()}</td>
                                        <td>{m.calls}</td>
                                        <td>{m.crime_calls}</td>
                                        <td>{format!("{:.0}%", if m.calls == 0 { 0.0 } else { 100.0 * m.crime_calls as f64 / m.calls as f64 })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        }
    });
    let concentration = p.concentration.map(|c| {
        view! {
            <section id="concentration" aria-labelledby="conc-h">
                <h2 id="conc-h">"Concentration across the area's wards"</h2>
                <p>{format!("Gini coefficient {:.2} over {} wards and {} calls.", c.gini, c.units.len(), c.total)}</p>
                {c.top_versus_bottom.map(|t| view! { <p id="top-versus-bottom">{t.statement}</p> })}
                <ul>
                    {c.top.into_iter().map(|t| view! {
                        <li>{format!("Busiest {}: {:.0}% of calls", t.k, 100.0 * t.share)}</li>
                    }).collect_view()}
                </ul>
            </section>
        }
    });
    let priorities = p.priorities.map(|list| {
        view! {
            <section id="priorities" aria-labelledby="prio-h">
                <h2 id="prio-h">"Community priorities: you said, we did"</h2>
                {if list.is_empty() {
                    view! { <p>"No priorities agreed yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="priorities">
                            {list.into_iter().map(|x| view! {
                                <li>
                                    <strong>{x.title}</strong>" ("{x.period}", "
                                    {if x.status == PriorityStatus::Resolved { "resolved" } else { "agreed" }}")"
                                    <p>"You said: "{x.you_said}</p>
                                    <ul>
                                        {x.responses.into_iter().map(|r| view! {
                                            <li>"We did: "{r.we_did}" — "{r.status.as_str().replace('_', " ")}</li>
                                        }).collect_view()}
                                    </ul>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        }
    });
    let cases = p.open_cases.map(|list| {
        view! {
            <section id="open-cases" aria-labelledby="cases-h">
                <h2 id="cases-h">"Open problem-solving cases"</h2>
                {if list.is_empty() {
                    view! { <p>"None open."</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {list.into_iter().map(|c| view! {
                                <li>
                                    {c.title}" — "{c.objective}
                                    {if c.assessment.is_some() { " (assessed)" } else { " (not yet assessed)" }}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        }
    });
    let hubs = p.hubs.filter(|h| !h.is_empty()).map(|list| {
        view! {
            <section id="hubs" aria-labelledby="hubs-h">
                <h2 id="hubs-h">"Early Intervention Hubs"</h2>
                <ul>
                    {list.into_iter().map(|h| view! {
                        <li>
                            <strong>{h.name}</strong>", "{h.address}". "{h.opening_times}". "
                            {(!h.partner_teams.is_empty()).then(|| format!("With: {}.", h.partner_teams.join(", ")))}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    });
    let partners = p.partners.filter(|s| !s.is_empty()).map(|list| {
        view! {
            <section id="partners" aria-labelledby="partners-h">
                <h2 id="partners-h">"Partners serving this place"</h2>
                <ul>
                    {list.into_iter().map(|e| view! {
                        <li data-service=e.id.clone()>
                            <strong>{e.name}</strong>" — "{e.organization_name}" ("{e.sector.as_str()}")"
                            {e.stale.then_some(" · due for review")}
                        </li>
                    }).collect_view()}
                </ul>
                <p><a href=routes::DIRECTORY.path()>"The whole partner directory"</a></p>
            </section>
        }
    });
    let place_id = p.place.id.clone();
    view! {
        <article id="place-profile" data-place=place_id>
            <h1>{p.place.name.clone()}{p.place.demo.then_some(" (demo data)")}</h1>
            <p class="lead">{kind}</p>
            {p.flash.map(|m| view! { <p id="flash" class="flash" role="status">{m}</p> })}
            {p.can_log.then(|| view! { <p><a class="button" href=routes::LOG_ENGAGEMENT.path()>"Log an engagement"</a></p> })}
            {demand}
            {concentration}
            {priorities}
            {cases}
            {hubs}
            {partners}
        </article>
    }
}

#[component]
pub fn EngagementNewPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_engagement_form());
    view! {
        <h1>"Log an engagement"</h1>
        {loading(page, |p| engagement_form(p).into_any())}
    }
}

fn engagement_form(p: data::EngagementFormPage) -> impl IntoView {
    let o = p.form;
    let f = o.values.clone();
    let summary = (!o.errors.is_empty()).then(|| {
        let items = o.errors.clone();
        view! {
            <div id="error-summary" class="error-summary" role="alert" tabindex="-1">
                <h2>"There is a problem"</h2>
                <ul>
                    {items.into_iter().map(|e| view! {
                        <li><a href=format!("#{}", e.field)>{e.message}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        }
    });
    let kind = f.kind.clone();
    let place = f.place_id.clone();
    view! {
        {summary}
        {o.general_message().map(|m| view! { <p id="form-message" class="error" role="alert">{m}</p> })}
        <form id="engagement-form" method="post" action=routes::LOG_ENGAGEMENT.path() class="stack" novalidate>
            <label for=field::KIND>"Kind of engagement"</label>
            {field_error(field::KIND, o.error(field::KIND))}
            <select id=field::KIND name=field::KIND>
                {EngagementKind::ALL.into_iter().map(|k| view! {
                    <option value=k.as_str() selected=kind == k.as_str()>{k.label()}</option>
                }).collect_view()}
            </select>

            <label for=field::PLACE_ID>"Place"</label>
            {field_error(field::PLACE_ID, o.error(field::PLACE_ID))}
            <select id=field::PLACE_ID name=field::PLACE_ID>
                {p.places.into_iter().map(|(id, label)| {
                    let selected = id == place;
                    view! { <option value=id selected=selected>{label}</option> }
                }).collect_view()}
            </select>

            <label for=field::HELD_ON>"Date held (YYYY-MM-DD)"</label>
            {field_error(field::HELD_ON, o.error(field::HELD_ON))}
            <input id=field::HELD_ON name=field::HELD_ON type="date" value=f.held_on.clone() />

            <label for=field::ATTENDANCE>"How many took part"</label>
            {field_error(field::ATTENDANCE, o.error(field::ATTENDANCE))}
            <input id=field::ATTENDANCE name=field::ATTENDANCE type="number" min="0" inputmode="numeric"
                value=f.attendance.clone() />

            <label for=field::GROUPS_REACHED>"Groups reached (one per line)"</label>
            {field_error(field::GROUPS_REACHED, o.error(field::GROUPS_REACHED))}
            <textarea id=field::GROUPS_REACHED name=field::GROUPS_REACHED rows="3">{f.groups_reached.clone()}</textarea>

            <label class="check" for=field::SELDOM_HEARD>
                <input id=field::SELDOM_HEARD name=field::SELDOM_HEARD type="checkbox" value=field::YES
                    checked=f.seldom_heard />
                "We reached under-represented or seldom-heard groups"
            </label>

            <label for=field::ISSUES_RAISED>"Issues people raised (one per line)"</label>
            {field_error(field::ISSUES_RAISED, o.error(field::ISSUES_RAISED))}
            <textarea id=field::ISSUES_RAISED name=field::ISSUES_RAISED rows="4">{f.issues_raised.clone()}</textarea>

            <button id="engagement-submit" type="submit">"Log the engagement"</button>
        </form>
    }
}

#[component]
pub fn DemandPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_demand_lists());
    view! {
        <h1>"Repeat and hidden demand"</h1>
        <p class="hint">
            "Flags and this worklist prompt a person to review and, where it helps, open a support "
            "path: a problem-solving case or a referral suggestion. They are never a marker against anyone."
        </p>
        {loading(page, |d| demand_lists(d).into_any())}
    }
}

fn demand_lists(d: data::DemandLists) -> impl IntoView {
    let no_flags = d.flags.is_empty().then(|| {
        view! { <p id="no-flags">"No repeat-demand flags in your areas. Run a rule above to look for them."</p> }
    });
    let no_hidden = d.hidden.is_empty().then(|| {
        view! { <p id="no-hidden-demand">"Nothing recurring without a support path in your areas."</p> }
    });
    let rules = d
        .rules
        .into_iter()
        .map(|(id, name)| view! { <option value=id>{name}</option> })
        .collect_view();
    let flags = d
        .flags
        .into_iter()
        .map(|f| {
            let path = match (&f.support_path, &f.case_id) {
                (_, Some(case)) => {
                    view! { <a href=routes::CASE.at([case])>"Problem-solving case"</a> }.into_any()
                }
                (Some(_), None) => view! { <span>"Referral suggested"</span> }.into_any(),
                (None, None) => view! {
                    <form method="post" action=routes::FLAG_SUPPORT.at([&f.id]) class="inline">
                        {support_buttons(format!("case-from-{}", f.id), format!("referral-from-{}", f.id), f.subject_ref.clone())}
                    </form>
                }
                .into_any(),
            };
            view! {
                <tr data-flag=f.id.clone() data-place=f.place_id.clone()>
                    <td data-label="Reference"><code>{f.subject_ref}</code></td>
                    <td data-label="Ward"><a href=routes::PLACE.at([&f.place_id])>{f.place_id.clone()}</a></td>
                    <td data-label="Contacts">{f.contacts}</td>
                    <td data-label="Between">{f.first_contact}" – "{f.last_contact}</td>
                    <td data-label="Rule">{f.rule_id}" v"{f.rule_version}</td>
                    <td data-label="Support path">{path}</td>
                </tr>
            }
            .into_any()
        })
        .collect_view();
    let hidden = d
        .hidden
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let (reference, rule) = (h.subject_ref, h.rule_id);
            let buttons = support_buttons(
                format!("hidden-case-{i}"),
                format!("hidden-referral-{i}"),
                reference.clone(),
            );
            view! {
                <tr data-ref=reference.clone() data-rule=rule.clone()>
                    <td data-label="Reference"><code>{reference.clone()}</code></td>
                    <td data-label="Kind">{h.subject.as_str()}</td>
                    <td data-label="Qualifier">{h.qualifier.replace('_', " ")}</td>
                    <td data-label="Incidents">{h.incidents}</td>
                    <td data-label="Between">{h.first_contact}" – "{h.last_contact}</td>
                    <td data-label="Rule">{rule.clone()}" v"{h.rule_version}</td>
                    <td data-label="Support path">
                        <form method="post" action=routes::HIDDEN_SUPPORT.path() class="inline">
                            <input type="hidden" name=demand_field::RULE_ID value=rule.clone() />
                            <input type="hidden" name=demand_field::SUBJECT_REF value=reference.clone() />
                            {buttons}
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {d.flash.map(|m| view! { <p id="flash" class="flash" role="status">{m}</p> })}
        <form id="run-rule-form" method="post" action=routes::RUN_RULE.path() class="inline">
            <label for="run-rule">"Run a rule over your areas now"</label>
            <select id="run-rule" name=demand_field::RULE_ID>{rules}</select>
            <button id="run-rule-submit" type="submit">"Run"</button>
        </form>
        <h2>"Repeat demand (top flags)"</h2>
        <table id="repeat-flags" class="stacked">
            <thead><tr><th>"Reference"</th><th>"Ward"</th><th>"Contacts"</th><th>"Between"</th><th>"Rule"</th><th>"Support path"</th></tr></thead>
            <tbody>{flags}</tbody>
        </table>
        {no_flags}
        <h2>"Hidden demand (no support path open)"</h2>
        <table id="hidden-demand" class="stacked">
            <thead><tr><th>"Reference"</th><th>"Kind"</th><th>"Qualifier"</th><th>"Incidents"</th><th>"Between"</th><th>"Rule"</th><th>"Support path"</th></tr></thead>
            <tbody>{hidden}</tbody>
        </table>
        {no_hidden}
    }
}

/// The two support paths a demand row can open: the button pressed names
/// the path; `about` names the row's reference to screen readers. Never a
/// marker: these are the only actions on a row.
fn support_buttons(case_id: String, referral_id: String, about: String) -> impl IntoView {
    let about = format!(": {about}");
    view! {
        <button id=case_id type="submit" name=demand_field::PATH value=SupportPath::ProblemSolvingCase.as_str() class="secondary">
            "Open a problem-solving case"<span class="visually-hidden">{about.clone()}</span>
        </button>
        <button id=referral_id type="submit" name=demand_field::PATH value=SupportPath::ReferralSuggestion.as_str() class="secondary">
            "Suggest a referral"<span class="visually-hidden">{about}</span>
        </button>
    }
}

#[component]
pub fn ImportsPage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(
        move || query.read().get(import_field::JOB),
        data::load_imports,
    );
    view! {
        <h1>"Imports"</h1>
        {loading(page, |p| view! {
                        {upload_form(p.upload)}
                        {p.selected.map(|j| import_progress(j, p.errors))}
                        <h2>"Recent imports"</h2>
                        <table id="imports">
                            <caption class="visually-hidden">"Recent imports, newest first"</caption>
                            <thead><tr><th>"Started"</th><th>"Kind"</th><th>"Status"</th><th>"Read"</th><th>"Imported"</th><th>"Refused"</th></tr></thead>
                            <tbody>
                                {p.jobs.into_iter().map(|j| view! {
                                    <tr>
                                        <td><a href=routes::IMPORTS.with_query([], &[(import_field::JOB, &j.id)])>{j.created_at.get(..16).unwrap_or("").replace('T', " ")}</a></td>
                                        <td>{j.kind.label()}</td>
                                        <td>{status_label(j.status)}</td>
                                        <td>{j.rows_read}</td>
                                        <td>{j.rows_imported}</td>
                                        <td>{j.rows_rejected}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any())}
    }
}

fn status_label(s: ImportStatus) -> &'static str {
    match s {
        ImportStatus::AwaitingData => "Waiting for the file",
        ImportStatus::Running => "Running",
        ImportStatus::Completed => "Completed",
        ImportStatus::Failed => "Failed",
    }
}

/// Sends a file from the browser: a plain multipart form, so it works
/// without JavaScript; the portal hands the file to the engagement service
/// and shows the job's progress.
fn upload_form(u: data::ImportUpload) -> impl IntoView {
    let f = u.form;
    let kind = f.values.value(import_field::KIND);
    let has_errors = !f.errors.is_empty();
    view! {
        <section id="import-upload" aria-labelledby="import-upload-title">
            <h2 id="import-upload-title">"Import a file"</h2>
            {f.general_message().map(|m| view! { <p id="import-upload-message" class="error" role="alert">{m}</p> })}
            {has_errors.then(|| view! {
                <div class="error-summary" role="alert" aria-labelledby="import-error-summary-title">
                    <h3 id="import-error-summary-title">"The file was not sent"</h3>
                    <ul>
                        {f.errors.iter().map(|e| view! {
                            <li><a href=format!("#import-{}", e.field)>{e.message.clone()}</a></li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            <form id="import-form" method="post" action=routes::IMPORTS.path() enctype="multipart/form-data" class="stack">
                <label for="import-kind">"Kind of file"</label>
                {field_error("import-kind", f.error(import_field::KIND))}
                <select id="import-kind" name=import_field::KIND required
                    aria-describedby=f.error(import_field::KIND).map(|_| "import-kind-error")>
                    {u.kinds.into_iter().map(|(value, label)| {
                        let selected = value == kind;
                        view! { <option value=value selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
                <label for="import-lookup_version">"Lookup version (census area lookups and street-level crime only)"</label>
                {field_error("import-lookup_version", f.error(import_field::LOOKUP_VERSION))}
                <input id="import-lookup_version" name=import_field::LOOKUP_VERSION type="text" maxlength="40"
                    value=f.values.value(import_field::LOOKUP_VERSION)
                    aria-describedby=f.error(import_field::LOOKUP_VERSION).map(|_| "import-lookup_version-error") />
                <label for="import-file">"CSV file"</label>
                <p class="hint" id="import-file-hint">
                    "Incidents: incident_number, opened_at, closed_at, opening_category, closing_category, "
                    "qualifiers, grade, place, caller_ref, address_ref. Caller and address references must "
                    "be the force's pseudonyms (c: or a: and 16 to 64 hexadecimal digits). Up to 64 MB here; "
                    "larger files go through the import API."
                </p>
                {field_error("import-file", f.error(import_field::FILE))}
                <input id="import-file" name=import_field::FILE type="file" accept=".csv,text/csv" required
                    aria-describedby="import-file-hint" />
                <button id="import-submit" type="submit">"Import"</button>
            </form>
        </section>
    }
}

/// One job: its progress while it runs (the page refreshes itself every two
/// seconds until it ends) and the rows it refused, by line.
fn import_progress(
    j: eip_types::engagement::ImportJob,
    errors: Vec<eip_types::engagement::RowError>,
) -> impl IntoView {
    let running = matches!(j.status, ImportStatus::AwaitingData | ImportStatus::Running);
    view! {
        {running.then(|| view! { <leptos_meta::Meta http_equiv="refresh" content="2" /> })}
        <section id="import-progress" aria-labelledby="import-progress-title">
            <h2 id="import-progress-title">{j.kind.label()}</h2>
            <p id="import-status" role="status" aria-live="polite" data-status=j.status.as_str()>
                <strong>{status_label(j.status)}</strong>
                {format!(": {} rows read, {} imported, {} refused.", j.rows_read, j.rows_imported, j.rows_rejected)}
                {running.then(|| view! { " This page updates itself every two seconds; " <a href=routes::IMPORTS.with_query([], &[(import_field::JOB, &j.id)])>"refresh now"</a> "." })}
            </p>
            {j.failure.map(|f| view! { <p class="error" role="alert">{f}</p> })}
        </section>
        <section id="import-errors" aria-labelledby="import-errors-title">
            <h2 id="import-errors-title">"Refused rows"</h2>
            {if errors.is_empty() {
                view! { <p>"No rows refused so far."</p> }.into_any()
            } else {
                view! {
                    <table>
                        <caption class="visually-hidden">"Rows the import refused, by line of the file"</caption>
                        <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Problem"</th></tr></thead>
                        <tbody>
                            {errors.into_iter().map(|e| view! {
                                <tr><td>{e.line}</td><td>{e.field.unwrap_or_default()}</td><td>{e.message}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
