//! Administration and data-protection form posts: agencies and programmes,
//! data-sharing agreements, timeliness targets, retention periods, the
//! competency a gated action needs, and the data protection officer's
//! search by name. Each answers with a redirect,
//! carrying what happened (or what was wrong, and what was typed) in the
//! session.

use crate::PortalState;
use crate::forms::{Fields, FormFields, field, see_other, signed_in};
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use eip_platform::client::{ClientError, ServiceClient};
use eip_portal_app::data::{
    ADMIN_OUTCOME, AdminOutcome, GATING_SERVICES, PERSON_SEARCH, PersonSearchOutcome,
};
use eip_types::FieldError;
use eip_types::person::{PersonFound, PersonSearch};
use eip_types::referral::{
    Agency, AgencyChange, AgreementChange, RetentionPeriods, SharingAgreement, TimelinessTargets,
};
use eip_types::training::{GatedAction, SkillRequirementChange};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route("/admin/agencies", post(add_agency))
        .route("/admin/agencies/{id}", post(change_agency))
        .route("/admin/agreements", post(record_agreement))
        .route("/admin/agreements/{id}", post(change_agreement))
        .route("/admin/timeliness", post(set_targets))
        .route("/admin/retention-periods", post(set_periods))
        .route("/access-report/search", post(search_people))
        .route("/admin/skills/{service}/{action}", post(set_skill))
        .route("/admin/skills/{service}/{action}/clear", post(clear_skill))
}

const BACK: &str = "/admin/sharing";

/// Ids the referrals service makes: lower-case letters, digits, hyphens.
fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What a refused call says, for the page.
fn refusal(err: ClientError) -> (Option<String>, Vec<FieldError>) {
    match err {
        ClientError::Problem(p) if !p.errors.is_empty() => (None, p.errors),
        ClientError::Problem(p) => (Some(p.detail.unwrap_or(p.title)), Vec::new()),
        ClientError::Unavailable(why) => {
            tracing::warn!(error = %why, "service unavailable");
            (
                Some("The service is not answering; please try again in a moment.".into()),
                Vec::new(),
            )
        }
    }
}

/// Sends `body` to the referrals service and keeps the outcome for the
/// sharing administration page.
async fn send<B: Serialize, T: DeserializeOwned>(
    state: &PortalState,
    session: &Session,
    form: &str,
    typed: FormFields,
    call: Call<'_, B>,
    done: impl FnOnce(T) -> String,
) -> Response {
    send_to(&state.ctx.referrals, BACK, session, form, typed, call, done).await
}

/// Sends `body` to the service behind `client` and keeps the outcome for
/// the administration page at `back`.
async fn send_to<B: Serialize, T: DeserializeOwned>(
    client: &ServiceClient,
    back: &str,
    session: &Session,
    form: &str,
    typed: FormFields,
    call: Call<'_, B>,
    done: impl FnOnce(T) -> String,
) -> Response {
    let Some(user) = signed_in(session).await else {
        return see_other("/sign-in");
    };
    let who = user.principal();
    let result = match call {
        Call::Post(path, body) => client.post::<B, T>(path, &who, body).await,
        Call::Put(path, body) => client.put::<B, T>(path, &who, body).await,
    };
    let outcome = match result {
        Ok(v) => AdminOutcome {
            done: Some(done(v)),
            ..AdminOutcome::default()
        },
        Err(e) => {
            let (error, errors) = refusal(e);
            AdminOutcome {
                error,
                errors,
                form: form.to_owned(),
                values: typed,
                ..AdminOutcome::default()
            }
        }
    };
    let _ = session.insert(ADMIN_OUTCOME, outcome).await;
    see_other(back)
}

enum Call<'a, B> {
    Post(&'a str, &'a B),
    Put(&'a str, &'a B),
}

fn agency_change(form: &FormFields) -> AgencyChange {
    AgencyChange {
        name: field(form, "name"),
        kind: field(form, "kind"),
        active: field(form, "active") == "true",
    }
}

async fn add_agency(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let body = AgencyChange {
        active: true,
        ..agency_change(&form)
    };
    let call = Call::Post("/agencies", &body);
    send(&state, &session, "agency-new", form, call, |a: Agency| {
        format!(
            "{} added; record its data-sharing agreement before sharing.",
            a.name
        )
    })
    .await
}

async fn change_agency(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
    Form(mut form): Fields,
) -> Response {
    if !is_id(&id) {
        return see_other(BACK);
    }
    let body = agency_change(&form);
    // An unticked box sends nothing: keep its state for the form.
    form.push(("active".into(), body.active.to_string()));
    let path = format!("/agencies/{id}");
    let call = Call::Put(&path, &body);
    send(
        &state,
        &session,
        &format!("agency-{id}"),
        form,
        call,
        |a: Agency| {
            if a.active {
                format!("{} saved; it takes new shares.", a.name)
            } else {
                format!("{} saved; it takes no new shares.", a.name)
            }
        },
    )
    .await
}

fn agreement_change(form: &FormFields) -> AgreementChange {
    AgreementChange {
        name: field(form, "name"),
        agency_id: field(form, "agency_id"),
        starts_on: field(form, "starts_on").trim().to_owned(),
        ends_on: field(form, "ends_on").trim().to_owned(),
    }
}

fn agreement_saved(a: SharingAgreement) -> String {
    format!(
        "{} saved: it can be relied on until {}.",
        a.name,
        a.ends_on.format("%d %B %Y")
    )
}

async fn record_agreement(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let body = agreement_change(&form);
    let call = Call::Post("/agreements", &body);
    send(
        &state,
        &session,
        "agreement-new",
        form,
        call,
        agreement_saved,
    )
    .await
}

async fn change_agreement(
    State(state): State<PortalState>,
    session: Session,
    Path(id): Path<String>,
    Form(form): Fields,
) -> Response {
    if !is_id(&id) {
        return see_other(BACK);
    }
    let body = agreement_change(&form);
    let path = format!("/agreements/{id}");
    let call = Call::Put(&path, &body);
    let key = format!("agreement-{id}");
    send(&state, &session, &key, form, call, agreement_saved).await
}

/// The whole numbers typed into `fields`, or a message for each that is
/// not one (the service then judges the range).
fn whole_numbers(form: &FormFields, fields: &[&'static str]) -> Result<Vec<u32>, Vec<FieldError>> {
    let parsed: Vec<Option<u32>> = fields
        .iter()
        .map(|f| field(form, f).trim().parse().ok())
        .collect();
    if parsed.iter().all(Option::is_some) {
        return Ok(parsed.into_iter().flatten().collect());
    }
    Err(fields
        .iter()
        .zip(&parsed)
        .filter(|(_, n)| n.is_none())
        .map(|(f, _)| FieldError::new(*f, "Enter a whole number."))
        .collect())
}

/// Keeps a refusal made here, before any call, for the form `form`.
async fn refuse(
    session: &Session,
    form: &str,
    errors: Vec<FieldError>,
    typed: FormFields,
) -> Response {
    refuse_at(session, BACK, form, errors, typed).await
}

/// [`refuse`] for the administration page at `back`.
async fn refuse_at(
    session: &Session,
    back: &str,
    form: &str,
    errors: Vec<FieldError>,
    typed: FormFields,
) -> Response {
    if signed_in(session).await.is_none() {
        return see_other("/sign-in");
    }
    let outcome = AdminOutcome {
        errors,
        form: form.to_owned(),
        values: typed,
        ..AdminOutcome::default()
    };
    let _ = session.insert(ADMIN_OUTCOME, outcome).await;
    see_other(back)
}

async fn set_targets(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    match whole_numbers(
        &form,
        &[
            "triage_hours",
            "urgent_hours",
            "high_hours",
            "routine_hours",
        ],
    )
    .as_deref()
    {
        Ok(&[triage, urgent, high, routine]) => {
            let body = TimelinessTargets {
                triage_hours: triage,
                urgent_hours: urgent,
                high_hours: high,
                routine_hours: routine,
            };
            let call = Call::Put("/timeliness-targets", &body);
            send(
                &state,
                &session,
                "targets",
                form,
                call,
                |_: TimelinessTargets| {
                    "Timeliness targets saved; worklists use them now.".to_owned()
                },
            )
            .await
        }
        Ok(_) => see_other(BACK),
        Err(errors) => refuse(&session, "targets", errors.clone(), form).await,
    }
}

async fn set_periods(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let names = RetentionPeriods::default().fields().map(|(name, _)| name);
    match whole_numbers(&form, &names).as_deref() {
        Ok(
            &[
                open,
                withdrawn,
                completed,
                partly,
                disengaged,
                escalated,
                no_longer,
            ],
        ) => {
            let body = RetentionPeriods {
                open_months: open,
                withdrawn_months: withdrawn,
                support_completed_months: completed,
                partly_met_months: partly,
                disengaged_months: disengaged,
                escalated_months: escalated,
                no_longer_needed_months: no_longer,
            };
            let call = Call::Put("/retention-periods", &body);
            send(
                &state,
                &session,
                "periods",
                form,
                call,
                |_: RetentionPeriods| {
                    "Retention periods saved; new review dates use them.".to_owned()
                },
            )
            .await
        }
        Ok(_) => see_other(BACK),
        Err(errors) => refuse(&session, "periods", errors.clone(), form).await,
    }
}

/// The data protection officer's search by name. The name goes to the
/// service in a body and comes back through the session, never in a URL.
async fn search_people(
    State(state): State<PortalState>,
    session: Session,
    Form(form): Fields,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    let body = PersonSearch {
        name: field(&form, "name"),
        date_of_birth: field(&form, "date_of_birth").trim().to_owned(),
    };
    let mut outcome = PersonSearchOutcome {
        name: body.name.clone(),
        date_of_birth: body.date_of_birth.clone(),
        ..PersonSearchOutcome::default()
    };
    match state
        .ctx
        .referrals
        .post::<_, Vec<PersonFound>>("/people/search", &user.principal(), &body)
        .await
    {
        Ok(found) => outcome.found = Some(found),
        Err(e) => (outcome.error, outcome.errors) = refusal(e),
    }
    let _ = session.insert(PERSON_SEARCH, outcome).await;
    see_other("/access-report")
}

const SKILLS: &str = "/admin/skills";

/// The gating service `service` names, and the action id when it looks
/// like one (`referral.triage`).
fn gate<'a>(state: &'a PortalState, service: &str, action: &str) -> Option<&'a ServiceClient> {
    let well_formed = !action.is_empty()
        && action.len() <= 80
        && action
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
    if !well_formed || !GATING_SERVICES.contains(&service) {
        return None;
    }
    Some(match service {
        "referrals" => &state.ctx.referrals,
        _ => &state.ctx.engagement,
    })
}

/// The form's key on the page for `action`.
fn skill_form(action: &str) -> String {
    format!("skill-{}", action.replace('.', "-"))
}

async fn set_skill(
    State(state): State<PortalState>,
    session: Session,
    Path((service, action)): Path<(String, String)>,
    Form(form): Fields,
) -> Response {
    let Some(client) = gate(&state, &service, &action) else {
        return see_other(SKILLS);
    };
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    let key = skill_form(&action);
    let competency_id = field(&form, "competency_id");
    // The name shown to someone refused is the framework's, looked up here
    // so the form only chooses.
    let framework = match state
        .ctx
        .training
        .get::<eip_types::training::Framework>("/framework", &user.principal())
        .await
    {
        Ok(f) => f,
        Err(e) => {
            let (error, errors) = refusal(e);
            let outcome = AdminOutcome {
                error,
                errors,
                form: key,
                values: form,
                ..AdminOutcome::default()
            };
            let _ = session.insert(ADMIN_OUTCOME, outcome).await;
            return see_other(SKILLS);
        }
    };
    let Some(competency_name) = framework
        .competencies
        .into_iter()
        .find(|c| c.id == competency_id)
        .map(|c| c.name)
    else {
        let errors = vec![FieldError::new(
            "competency_id",
            "Choose a competency from the training framework.",
        )];
        return refuse_at(&session, SKILLS, &key, errors, form).await;
    };
    let body = SkillRequirementChange {
        competency_id,
        competency_name,
        help: field(&form, "help"),
    };
    let path = format!("/skill-requirements/{action}");
    let call = Call::Put(&path, &body);
    send_to(
        client,
        SKILLS,
        &session,
        &key,
        form,
        call,
        |g: GatedAction| {
            let needs = g.requirement.map(|r| r.competency_name).unwrap_or_default();
            format!("{} now needs a current {needs}.", g.label)
        },
    )
    .await
}

async fn clear_skill(
    State(state): State<PortalState>,
    session: Session,
    Path((service, action)): Path<(String, String)>,
) -> Response {
    let Some(user) = signed_in(&session).await else {
        return see_other("/sign-in");
    };
    let Some(client) = gate(&state, &service, &action) else {
        return see_other(SKILLS);
    };
    let outcome = match client
        .delete(&format!("/skill-requirements/{action}"), &user.principal())
        .await
    {
        Ok(()) => AdminOutcome {
            done: Some("Requirement removed: anyone allowed may do it again.".into()),
            ..AdminOutcome::default()
        },
        Err(e) => {
            let (error, errors) = refusal(e);
            AdminOutcome {
                error,
                errors,
                form: skill_form(&action),
                ..AdminOutcome::default()
            }
        }
    };
    let _ = session.insert(ADMIN_OUTCOME, outcome).await;
    see_other(SKILLS)
}
