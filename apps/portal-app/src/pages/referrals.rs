//! Referral pages: lists, worklist, the form, a referral's detail, retention.

use super::{field_error, loading};
use crate::data;
use crate::kit::fields::step::{self as step_field, Step};
use crate::kit::fields::{referral as field, retention as decision_field};
use crate::kit::{Fields, FormOutcome, routes};
use eip_types::person::{Gender, PersonMatch};
use eip_types::place::local_authority_name;
use eip_types::referral::{
    ConsentStatus, LawfulBasis, MAX_REASON_CHARS, RetentionChoice, ShareRecord, SharedField,
    SharingAgreement,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ReferralList() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_referrals());
    view! {
        <h1>"Referrals"</h1>
        {loading(page, |p| {
                        view! {
                            {p.flash.map(|m| view! { <p id="flash" class="flash" role="status">{m}</p> })}
                            {p.can_raise.then(|| view! {
                                <p><a class="button" href=routes::NEW_REFERRAL.path()>"Raise a referral"</a></p>
                            })}
                            {if p.referrals.is_empty() {
                                view! { <p id="no-referrals">"No referrals to show."</p> }.into_any()
                            } else {
                                ().into_any()
                            }}
                            <table id="referrals">
                                <thead>
                                    <tr><th>"Child"</th><th>"Area"</th><th>"Status"</th><th>"Priority"</th><th>"ACEs"</th><th>"Shared with"</th><th>"Raised"</th></tr>
                                </thead>
                                <tbody>
                                    {p.referrals.into_iter().map(|r| {
                                        let href = routes::REFERRAL.at([&r.id]);
                                        view! {
                                            <tr>
                                                <td class="child-name"><a href=href>{r.child_name}</a></td>
                                                <td>{local_authority_name(&r.area_id).unwrap_or("Unknown")}</td>
                                                <td class="status">{r.status.label()}</td>
                                                <td class="priority">{r.priority.map_or("—", |p| p.label())}</td>
                                                <td class=aces_class(r.ace_count)>{aces_text(r.ace_count)}</td>
                                                <td class="agency">{r.agency_id.as_deref().map_or_else(|| "—".to_owned(), |a| data::agency_name(&p.agencies, a))}</td>
                                                <td>{r.created_at.format("%d %b %Y %H:%M").to_string()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    })}
    }
}

/// Open work, overdue first: the hub's triage and sharing queue, or an
/// agency's referrals awaiting its answer.
#[component]
pub fn Worklist() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_worklist());
    view! {
        <h1>"Worklist"</h1>
        {loading(page, |items| {
                        let overdue = items.iter().filter(|i| i.overdue).count();
                        view! {
                            <p id="overdue-count" class={if overdue > 0 { "flag" } else { "hint" }}>
                                {match overdue {
                                    0 => "Nothing is overdue.".to_owned(),
                                    1 => "1 referral is overdue.".to_owned(),
                                    n => format!("{n} referrals are overdue."),
                                }}
                            </p>
                            <table id="worklist">
                                <thead>
                                    <tr><th>"Child"</th><th>"Status"</th><th>"Priority"</th><th>"ACEs"</th><th>"Due"</th></tr>
                                </thead>
                                <tbody>
                                    {items.into_iter().map(|r| {
                                        let href = routes::REFERRAL.at([&r.id]);
                                        let due = r.due_at.map(|d| d.format("%d %b %H:%M").to_string());
                                        view! {
                                            <tr class={if r.overdue { "overdue" } else { "" }} data-overdue=r.overdue.to_string()>
                                                <td class="child-name"><a href=href>{r.child_name}</a></td>
                                                <td class="status">{r.status.label()}</td>
                                                <td>{r.priority.map_or("—", |p| p.label())}</td>
                                                <td class=aces_class(r.ace_count)>{aces_text(r.ace_count)}</td>
                                                <td class="due">
                                                    {r.overdue.then(|| view! { <strong class="flag">"Overdue "</strong> })}
                                                    {due.unwrap_or_else(|| "—".into())}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any()
                    })}
    }
}

/// Records due for a retention review, each with a retain or dispose form.
#[component]
pub fn Retention() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_retention());
    view! {
        <h1>"Retention review"</h1>
        <p class="hint">
            "Each record is kept only while a policing purpose continues. Record why it is retained, \
             or dispose of its personal data (an anonymised record stays for statistics)."
        </p>
        {loading(page, |p| {
                        let message = p.flash.map(|text| ("flash", "flash", text)).or_else(|| {
                            p.outcome
                                .and_then(|o| o.headline())
                                .map(|text| ("action-error", "error", text))
                        });
                        let message = message.map(|(id, class, text)| {
                            view! { <p id=id class=class role="status">{text}</p> }
                        });
                        let empty = p.due.is_empty();
                        view! {
                            {message}
                            {empty.then(|| view! { <p id="nothing-due">"Nothing is due for review."</p> })}
                            <ul id="retention-due" class="cards">
                                {p.due.into_iter().map(|d| {
                                    let action = routes::RETENTION_DECISION.at([&d.id]);
                                    view! {
                                        <li class="card" data-referral=d.id.clone()>
                                            <strong>{d.child_name}</strong>
                                            <p class="hint">
                                                {format!("{} · {} · raised {} · review due {}",
                                                    local_authority_name(&d.area_id).unwrap_or("Unknown"),
                                                    d.status.label(),
                                                    d.created_at.format("%d %b %Y"),
                                                    d.review_on.format("%d %b %Y"))}
                                            </p>
                                            <form class="stack" method="post" action=action>
                                                <label>"Reason" <textarea name=decision_field::REASON rows="2" maxlength="1000" required></textarea></label>
                                                <label>"Next review if retained (YYYY-MM-DD)" <input name=decision_field::NEXT_REVIEW_ON type="text" inputmode="numeric" /></label>
                                                <div class="actions">
                                                    <button type="submit" name=decision_field::DECISION value=RetentionChoice::Retain.as_str()>"Retain"</button>
                                                    <button class="secondary" type="submit" name=decision_field::DECISION value=RetentionChoice::Dispose.as_str()>"Dispose"</button>
                                                </div>
                                            </form>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                        .into_any()
                    })}
    }
}

#[component]
pub fn ReferralDetail() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        data::load_referral,
    );
    view! {
        {loading(page, |p| referral_page(p).into_any())}
    }
}

fn referral_page(p: data::ReferralPage) -> impl IntoView {
    let r = p.detail.referral;
    let facts = referral_facts(&r, &p.agencies, p.detail.share, &p.detail.withheld);
    let outcome = p.outcome.unwrap_or_default();
    let forms = p
        .detail
        .allowed_actions
        .iter()
        .map(|action| action_form(action, &r, &p.agencies, &p.agreements, &outcome))
        .collect_view();
    let has_actions = !p.detail.allowed_actions.is_empty();
    view! {
        <h1>{r.child_name.clone()}</h1>
        {p.flash.map(|m| view! { <p id="flash" class="flash" role="status">{m}</p> })}
        {outcome.message.clone().map(|m| view! { <p id="action-error" class="error" role="alert">{m}</p> })}
        {facts}
        {has_actions.then(|| view! { <h2>"Next steps"</h2> })}
        <div class="actions-list">{forms}</div>
        {p.can_withdraw_share.then(|| withdraw_share_form(&r.id, &outcome))}
        <h2>"Timeline"</h2>
        <ol id="timeline" class="timeline">
            {p.timeline.into_iter().map(|step| {
                let e = step.entry;
                view! {
                    <li data-action=e.action.clone()>
                        <strong>{e.to_status.label()}</strong>
                        " · " {e.at.format("%d %b %Y %H:%M").to_string()}
                        " · " {step.actor_name}
                        {e.note.map(|n| view! { <p class="note">{n}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
        <p><a href=routes::REFERRALS.path()>"Back to referrals"</a></p>
    }
}

fn referral_facts(
    r: &eip_types::referral::Referral,
    agencies: &[eip_types::referral::Agency],
    share: Option<ShareRecord>,
    withheld: &[SharedField],
) -> impl IntoView + use<> {
    let withheld = withheld.to_vec();
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.format("%d %b %Y %H:%M").to_string())
    };
    view! {
        <dl class="facts">
            <dt>"Status"</dt><dd id="status">{r.status.label()}</dd>
            {r.person_id.clone().filter(|_| withheld.is_empty()).map(|id| view! {
                <dt>"Person"</dt><dd><a id="person-link" href=routes::PERSON.at([&id])>"Record, household and other referrals"</a></dd>
            })}
            <dt>"Date of birth"</dt>
            <dd id="date-of-birth">{r.date_of_birth.map_or_else(|| NOT_SHARED.to_owned(), |d| d.format("%d %B %Y").to_string())}</dd>
            <dt>"Area"</dt><dd>{local_authority_name(&r.area_id).unwrap_or("Unknown")}</dd>
            <dt>"Raised"</dt><dd>{r.created_at.format("%d %b %Y %H:%M").to_string()}</dd>
            {when(r.submitted_at).map(|t| view! { <dt>"Submitted"</dt><dd>{t}</dd> })}
            {r.priority.map(|p| view! { <dt>"Priority"</dt><dd id="priority">{p.label()}</dd> })}
            {r.pathway.map(|p| view! { <dt>"Pathway"</dt><dd>{p.label()}</dd> })}
            {r.agency_id.as_deref().map(|a| view! { <dt>"Shared with"</dt><dd id="agency">{data::agency_name(agencies, a)}</dd> })}
            {r.outcome.map(|o| view! { <dt>"Outcome"</dt><dd id="outcome">{o.label()}</dd> })}
            <dt>"Reason"</dt>
            <dd class="reason">{if withheld.contains(&SharedField::Reason) { NOT_SHARED.to_owned() } else { r.reason.clone() }}</dd>
            {r.review_on.map(|d| view! { <dt>"Retention review"</dt><dd id="review-on">{d.format("%d %B %Y").to_string()}</dd> })}
            {r.disposed_at.map(|_| view! { <dt>"Personal data"</dt><dd id="disposed">"Disposed of after a retention review"</dd> })}
            <dt>"Screening"</dt>
            <dd id="screening-result">
                {if withheld.contains(&SharedField::Screening) {
                    view! { <p>{NOT_SHARED}</p> }.into_any()
                } else {
                    screening_summary(&r.risk_factors).into_any()
                }}
            </dd>
            {r.follow_up_due_on.map(|d| view! {
                <dt>"Follow-up check"</dt>
                <dd id="follow-up">
                    {match r.follow_up {
                        Some(result) => result.label().to_owned(),
                        None => format!("Due {}", d.format("%d %B %Y")),
                    }}
                </dd>
            })}
        </dl>
        {share.map(|s| view! {
            <h2>"Sharing"</h2>
            <dl id="share-record" class="facts">
                <dt>"Lawful basis"</dt><dd>{s.lawful_basis.label()}</dd>
                <dt>"Consent"</dt><dd id="share-consent">{s.consent.label()}</dd>
                {s.consent_note.map(|n| view! { <dt>"Shared without consent because"</dt><dd>{n}</dd> })}
                <dt>"Agreement"</dt><dd>{s.agreement_id}</dd>
                {s.withdrawn.map(|w| view! {
                    <dt>"Withdrawn"</dt>
                    <dd id="share-withdrawn">{format!("{} — {}: {}", w.at.format("%d %b %Y %H:%M"), w.why.label(), w.note)}</dd>
                })}
                <dt>"Disclosed"</dt>
                <dd id="share-fields">
                    {std::iter::once("Name and area".to_owned())
                        .chain(s.fields.iter().map(|f| f.label().to_owned()))
                        .collect::<Vec<_>>()
                        .join(", ")}
                </dd>
            </dl>
        })}
    }
}

const NOT_SHARED: &str = "Not shared with your agency";

/// A coordinator withdraws the standing share: the agency loses access at
/// once (the family withdrew consent, say).
fn withdraw_share_form(id: &str, outcome: &FormOutcome<Fields>) -> impl IntoView + use<> {
    use crate::kit::fields::share_withdrawal as field;
    use eip_types::referral::ShareEnd;
    let why_error = outcome.error_on(field::FORM, field::WHY);
    let note_error = outcome.error_on(field::FORM, field::NOTE);
    view! {
        <form id="withdraw-share-form" method="post" action=routes::SHARE_WITHDRAWAL.at([id]) class="stack">
            <h2>"Withdraw the share"</h2>
            <p class="hint">"The agency loses access to this referral at once. The note stays with the police."</p>
            <fieldset>
                <legend>"Why"</legend>
                {why_error.map(|m| view! { <p id="withdraw-share-why-error" class="field-error" role="alert">{m}</p> })}
                {ShareEnd::ALL.iter().map(|w| {
                    let id = format!("withdraw-share-{}", w.as_str());
                    let label_for = id.clone();
                    view! {
                        <label for=label_for>
                            <input type="radio" id=id name=field::WHY value=w.as_str() required />
                            {w.label()}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <label for="withdraw-share-note">"What happened"</label>
            {note_error.map(|m| view! { <p id="withdraw-share-note-error" class="field-error" role="alert">{m}</p> })}
            <textarea id="withdraw-share-note" name=field::NOTE rows="2" required maxlength="500"></textarea>
            <button id="withdraw-share-submit" type="submit" class="secondary">"Withdraw the share"</button>
        </form>
    }
}

/// The ACE count as a list shows it: a dash where screening was not shared.
fn aces_text(count: Option<usize>) -> String {
    count.map_or_else(|| "—".to_owned(), |n| n.to_string())
}

fn aces_class(count: Option<usize>) -> &'static str {
    if count.is_some_and(|n| n >= eip_types::referral::ACE_FLAG_AT) {
        "aces flag"
    } else {
        "aces"
    }
}

fn screening_summary(factors: &[eip_types::referral::RiskFactor]) -> impl IntoView + use<> {
    use eip_types::referral::{ACE_FLAG_AT, RiskFactor, ace_count};
    let aces = ace_count(factors);
    let slavery = factors.contains(&RiskFactor::ModernSlavery);
    view! {
        <p>
            <span id="ace-total">{format!("{aces} ACEs")}</span>
            {(aces >= ACE_FLAG_AT).then(|| view! { " " <strong id="ace-flag" class="flag">"4 or more ACEs"</strong> })}
        </p>
        {(!factors.is_empty()).then(|| view! {
            <ul class="factors">
                {factors.iter().map(|f| view! { <li>{f.label()}</li> }).collect_view()}
            </ul>
        })}
        {slavery.then(|| view! {
            <p id="nrm-prompt" class="flag">
                "Modern slavery or trafficking indicators: consider a National Referral Mechanism \
                 referral, and the duty to notify for adults."
            </p>
        })}
    }
}

/// A select of labelled values, named `name`, with an empty first choice.
fn choice<T: Copy + 'static>(
    name: &'static str,
    values: &'static [T],
    id_of: fn(T) -> &'static str,
    label_of: fn(T) -> &'static str,
) -> impl IntoView {
    view! {
        <select id=format!("{name}-choice") name=name required>
            <option value="">"Choose…"</option>
            {values.iter().map(|v| view! { <option value=id_of(*v)>{label_of(*v)}</option> }).collect_view()}
        </select>
    }
}

fn action_form(
    action: &str,
    r: &eip_types::referral::Referral,
    agencies: &[eip_types::referral::Agency],
    agreements: &[SharingAgreement],
    last: &FormOutcome<Fields>,
) -> impl IntoView + use<> {
    use eip_types::referral::{FollowUpResult, Outcome, Pathway, Priority};
    let target = routes::REFERRAL_STEP.at([&r.id]);
    let Some(step) = Step::parse(action) else {
        return ().into_any();
    };
    let refused = last.is(action);
    let kept_text = if refused {
        last.values.value(step.text_field())
    } else {
        String::new()
    };
    let reason_error = last.error_on(action, step_field::REASON);
    let (title, button, fields): (&str, &str, AnyView) = match step {
        Step::Submit => ("Submit", "Submit referral", ().into_any()),
        Step::Triage => (
            "Triage",
            "Save triage",
            view! {
                <label for="priority-choice">"Priority"</label>
                {choice(step_field::PRIORITY, Priority::ALL, Priority::as_str, Priority::label)}
                <label for="pathway-choice">"Pathway"</label>
                {choice(step_field::PATHWAY, Pathway::ALL, Pathway::as_str, Pathway::label)}
            }
            .into_any(),
        ),
        Step::Share => (
            "Share with an agency or programme",
            "Share",
            share_fields(agencies, agreements, last, kept_text.clone()).into_any(),
        ),
        Step::FollowUp => (
            "Follow-up check",
            "Record the follow-up",
            view! {
                <p class="hint">"Six months after closure: has the outcome lasted?"</p>
                <label for="result-choice">"What the check found"</label>
                {choice(step_field::RESULT, FollowUpResult::ALL, FollowUpResult::as_str, FollowUpResult::label)}
            }
            .into_any(),
        ),
        Step::Accept => ("Accept", "Accept referral", ().into_any()),
        Step::Start => ("Start work", "Mark in progress", ().into_any()),
        Step::Close => (
            "Close with an outcome",
            "Close referral",
            view! {
                <label for="outcome-choice">"Outcome"</label>
                {choice(step_field::OUTCOME, Outcome::ALL, Outcome::as_str, Outcome::label)}
            }
            .into_any(),
        ),
        Step::Decline | Step::Withdraw => {
            let id = format!("{action}-reason");
            let decline = step == Step::Decline;
            (
                if decline { "Decline" } else { "Withdraw" },
                if decline { "Decline referral" } else { "Withdraw referral" },
                view! {
                    <label for=id.clone()>"Reason"</label>
                    {reason_error.map(|m| view! { <p id=format!("{action}-reason-error") class="field-error" role="alert">{m}</p> })}
                    <textarea id=id name=step_field::REASON rows="2" maxlength="1000">{kept_text}</textarea>
                }
                .into_any(),
            )
        }
    };
    view! {
        <form id=format!("{action}-form") class="stack action" method="post" action=target>
            <h3>{title}</h3>
            <input type="hidden" name=step_field::ACTION value=step.as_str() />
            <input type="hidden" name=step_field::VERSION value=r.version.to_string() />
            {fields}
            <button id=format!("{action}-submit") type="submit">{button}</button>
        </form>
    }
    .into_any()
}

/// The share form's fields: recipient, lawful basis, consent, agreement and
/// what to disclose, each with its error when the last try was refused.
fn share_fields(
    agencies: &[eip_types::referral::Agency],
    agreements: &[SharingAgreement],
    last: &FormOutcome<Fields>,
    kept_note: String,
) -> impl IntoView + use<> {
    let error =
        |field: &'static str| field_error(field, last.error_on(Step::Share.as_str(), field));
    let agency_name = |id: &str| data::agency_name(agencies, id);
    view! {
        <label for="agency_id-choice">"Agency or programme"</label>
        {error(step_field::AGENCY_ID)}
        <select id="agency_id-choice" name=step_field::AGENCY_ID required>
            <option value="">"Choose…"</option>
            {agencies.iter().map(|a| view! { <option value=a.id.clone()>{a.name.clone()}</option> }).collect_view()}
        </select>
        <label for="lawful_basis-choice">"Lawful basis"</label>
        {error(step_field::LAWFUL_BASIS)}
        {choice(step_field::LAWFUL_BASIS, LawfulBasis::ALL, LawfulBasis::as_str, LawfulBasis::label)}
        <fieldset id="consent-choice">
            <legend>"Consent"</legend>
            {error(step_field::CONSENT)}
            {ConsentStatus::ALL.iter().map(|c| {
                let id = format!("consent-{}", c.as_str());
                view! {
                    <label class="check">
                        <input type="radio" id=id name=step_field::CONSENT value=c.as_str() required />
                        {c.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
        <label for="consent-note">"If shared without consent, why"</label>
        {error(step_field::CONSENT_NOTE)}
        <textarea id="consent-note" name=step_field::CONSENT_NOTE rows="2" maxlength="1000">{kept_note}</textarea>
        <label for="agreement_id-choice">"Data-sharing agreement"</label>
        {error(step_field::AGREEMENT_ID)}
        <select id="agreement_id-choice" name=step_field::AGREEMENT_ID required>
            <option value="">"Choose…"</option>
            {agreements.iter().map(|a| view! {
                <option value=a.id.clone()>
                    {format!("{} ({}, until {})", a.name, agency_name(&a.agency_id), a.ends_on.format("%d %b %Y"))}
                </option>
            }).collect_view()}
        </select>
        <fieldset id="fields-choice">
            <legend>"Disclose, beyond the name and area"</legend>
            {SharedField::ALL.iter().map(|f| {
                let id = format!("field-{}", f.as_str());
                view! {
                    <label class="check">
                        <input type="checkbox" id=id name=step_field::FIELDS value=f.as_str() checked />
                        {f.label()}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

#[component]
pub fn NewReferralPage() -> impl IntoView {
    let page = Resource::new(|| (), |_| data::load_referral_form());
    view! {
        <h1>"Raise an early-help referral"</h1>
        {loading(page, |p| referral_form(p).into_any())}
    }
}

/// The screening checklist: ACEs first, then the other risk factors, with a
/// live ACE count once the page has hydrated.
fn screening(ticked: &[String], error: Option<String>) -> impl IntoView + use<> {
    use eip_types::referral::{ACE_FLAG_AT, RiskFactor};
    let is_ticked = |f: RiskFactor| ticked.iter().any(|t| t == f.as_str());
    let (aces, set_aces) = signal(
        RiskFactor::ALL
            .iter()
            .filter(|f| f.is_ace() && is_ticked(**f))
            .count(),
    );
    let checkbox = move |f: RiskFactor, checked: bool| {
        let id = format!("risk-{}", f.as_str());
        let label_for = id.clone();
        let on_change = move |ev: leptos::ev::Event| {
            if f.is_ace() {
                let delta = if event_target_checked(&ev) { 1 } else { -1 };
                set_aces.update(|n| *n = n.saturating_add_signed(delta));
            }
        };
        view! {
            <label class="check" for=label_for>
                <input type="checkbox" id=id name=field::RISK_FACTORS value=f.as_str() checked=checked
                    on:change=on_change />
                {f.label()}
            </label>
        }
    };
    let group = move |ace: bool| {
        RiskFactor::ALL
            .iter()
            .filter(|f| f.is_ace() == ace)
            .map(|f| checkbox(*f, is_ticked(*f)))
            .collect_view()
    };
    view! {
        <fieldset id="screening" class="screening">
            <legend>"Screening (tick what you know of)"</legend>
            {field_error(field::RISK_FACTORS, error)}
            <p class="group">"Adverse childhood experiences"</p>
            {group(true)}
            <p id="ace-count" class="hint" role="status">
                {move || {
                    let n = aces.get();
                    if n >= ACE_FLAG_AT {
                        format!("{n} ACEs ticked: four or more sharply raise later risk.")
                    } else {
                        format!("{n} ACEs ticked")
                    }
                }}
            </p>
            <p class="group">"Other risk factors"</p>
            {group(false)}
        </fieldset>
    }
}

/// Records that may be the child being entered: the officer picks one, or
/// says none of them is this child.
fn candidates(found: &[PersonMatch], chosen: &str, error: Option<String>) -> impl IntoView + use<> {
    (!found.is_empty() || error.is_some()).then(|| {
        let options = found
            .iter()
            .map(|m| {
                let id = format!("person-{}", m.person.id);
                let checked = chosen == m.person.id;
                let p = &m.person;
                view! {
                    <label class="check candidate">
                        <input type="radio" id=id name=field::PERSON_CHOICE value=p.id.clone() checked=checked />
                        <span>
                            <strong>{p.full_name()}</strong>
                            {format!(
                                ", born {}, {}",
                                p.date_of_birth.format("%d %B %Y"),
                                local_authority_name(&p.area_id).unwrap_or("Unknown")
                            )}
                            <span class="hint">{format!(" — {}% alike: {}", m.score, m.reasons.join(", "))}</span>
                        </span>
                    </label>
                }
            })
            .collect_view();
        view! {
            <fieldset id="person-candidates">
                <legend>"Is this child already known?"</legend>
                {field_error(field::PERSON_ID, error)}
                {options}
                <label class="check">
                    <input type="radio" id="person-new" name=field::PERSON_CHOICE value=field::NEW_PERSON checked={chosen == field::NEW_PERSON} />
                    "None of these: make a new record"
                </label>
            </fieldset>
        }
    })
}

fn referral_form(p: data::ReferralFormPage) -> impl IntoView {
    let o = p.form;
    let f = o.values.clone();
    let (reason_len, set_reason_len) = signal(f.reason.chars().count());
    let selected = f.area_id.clone();
    view! {
        {o.general_message().map(|m| view! { <p id="form-message" class="error" role="alert">{m}</p> })}
        <form id="referral-form" method="post" action=routes::NEW_REFERRAL.path() class="stack" novalidate>
            <label for=field::CHILD_NAME>"Child's full name"</label>
            {field_error(field::CHILD_NAME, o.error(field::CHILD_NAME))}
            <input id=field::CHILD_NAME name=field::CHILD_NAME type="text" autocomplete="off"
                maxlength="100" value=f.child_name.clone() />

            <label for=field::DATE_OF_BIRTH>"Date of birth (YYYY-MM-DD)"</label>
            {field_error(field::DATE_OF_BIRTH, o.error(field::DATE_OF_BIRTH))}
            <input id=field::DATE_OF_BIRTH name=field::DATE_OF_BIRTH type="text" inputmode="numeric"
                placeholder="2015-04-30" autocomplete="off" value=f.date_of_birth.clone() />

            <label for=field::AREA_ID>"Area"</label>
            {field_error(field::AREA_ID, o.error(field::AREA_ID))}
            <select id=field::AREA_ID name=field::AREA_ID>
                {p.areas.into_iter().map(|(id, name)| {
                    let is_selected = id == selected;
                    view! { <option value=id selected=is_selected>{name}</option> }
                }).collect_view()}
            </select>

            <label for=field::REASON>"Why does the child need early help?"</label>
            {field_error(field::REASON, o.error(field::REASON))}
            <textarea id=field::REASON name=field::REASON rows="5" maxlength=MAX_REASON_CHARS.to_string()
                on:input=move |ev| set_reason_len.set(event_target_value(&ev).chars().count())
            >{f.reason.clone()}</textarea>
            <p class="hint" id="reason-count">
                {move || format!("{} of {} characters", reason_len.get(), MAX_REASON_CHARS)}
            </p>

            <details id="more-about-child" open={!f.gender.is_empty() || !f.school.is_empty()}>
                <summary>"More about the child (optional)"</summary>
                <label for=field::GENDER>"Gender"</label>
                {field_error(field::GENDER, o.error(field::GENDER))}
                <select id=field::GENDER name=field::GENDER>
                    <option value="">"Not given"</option>
                    {Gender::ALL.iter().map(|g| {
                        let chosen = f.gender == g.as_str();
                        view! { <option value=g.as_str() selected=chosen>{g.label()}</option> }
                    }).collect_view()}
                </select>
                <label for=field::SCHOOL>"School"</label>
                {field_error(field::SCHOOL, o.error(field::SCHOOL))}
                <input id=field::SCHOOL name=field::SCHOOL type="text" maxlength="100" autocomplete="off"
                    value=f.school.clone() />
            </details>

            {screening(&f.risk_factors, o.error(field::RISK_FACTORS))}

            {candidates(&f.candidates, &f.person_choice, o.error(field::PERSON_ID))}

            <div class="actions">
                <button id="submit-referral" type="submit" name=field::ACTION value=field::SUBMIT>
                    "Submit referral"
                </button>
                <button id="save-draft" class="secondary" type="submit" name=field::ACTION value=field::DRAFT>
                    "Save as draft"
                </button>
            </div>
        </form>
    }
}
