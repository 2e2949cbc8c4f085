//! Administration form posts: agencies and programmes, data-sharing
//! agreements, timeliness targets, retention periods, and the competency a
//! gated action needs; undoing a merge by its reference.

use super::{Reply, SignedIn, done, see_other};
use crate::PortalState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use eip_platform::client::ServiceClient;
use eip_portal_app::data::GATING_SERVICES;
use eip_portal_app::kit::fields::{sharing as field, skill as skill_field};
use eip_portal_app::kit::ids::{ActionId, Slug};
use eip_portal_app::kit::{Fields, FormOutcome, Outage, Then, keys, routes};
use eip_types::FieldError;
use eip_types::referral::{
    Agency, AgencyChange, AgreementChange, RetentionPeriods, SharingAgreement, TimelinessTargets,
};
use eip_types::training::{Framework, GatedAction, SkillRequirementChange};

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::AGENCIES.template(), post(add_agency))
        .route(routes::AGENCY.template(), post(change_agency))
        .route(routes::AGREEMENTS.template(), post(record_agreement))
        .route(routes::AGREEMENT.template(), post(change_agreement))
        .route(routes::TIMELINESS.template(), post(set_targets))
        .route(routes::RETENTION_PERIODS.template(), post(set_periods))
        .route(routes::SKILL.template(), post(set_skill))
        .route(routes::CLEAR_SKILL.template(), post(clear_skill))
        .route(routes::UNDO_MERGE.template(), post(undo_merge))
}

/// Undoes a merge by its reference (given by the coordinator who asks):
/// administrators do no casework, so they open no person page to do it.
async fn undo_merge(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    use eip_portal_app::kit::fields::merge as field;
    use eip_portal_app::kit::ids::Reference;
    use eip_types::person::{MergeRecord, UndoMerge};
    let reply = reply(field::UNDO, form.clone(), SHARING);
    let Some(id) = Reference::parse(&form.value(field::MERGE_ID)) else {
        return reply
            .refuse_with(
                &me.session,
                vec![FieldError::new(
                    field::MERGE_ID,
                    "Enter the merge reference shown on the person's page.",
                )],
            )
            .await;
    };
    let body = UndoMerge {
        reason: form.value(field::REASON),
    };
    reply
        .post(
            &me,
            &state.ctx.referrals,
            &format!("/merges/{id}/undo"),
            &body,
            |_: MergeRecord| {
                done(
                    "Merge undone: the referrals are back on their own record.",
                    SHARING,
                )
            },
        )
        .await
}

const SHARING: &str = routes::SHARING_ADMIN.path();
const SKILLS: &str = routes::SKILLS_ADMIN.path();

/// Form `form` of the administration page at `back`, as `typed`.
fn reply(form: impl Into<String>, typed: Fields, back: &str) -> Reply<Fields> {
    Reply::new(
        keys::ADMIN,
        FormOutcome::of(form, typed),
        back,
        Outage::unnamed(Then::TryAgain),
    )
}

fn agency_change(form: &Fields) -> AgencyChange {
    AgencyChange {
        name: form.value(field::NAME),
        kind: form.value(field::KIND),
        active: form.value(field::ACTIVE) == "true",
    }
}

async fn add_agency(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let body = AgencyChange {
        active: true,
        ..agency_change(&form)
    };
    reply(field::NEW_AGENCY, form, SHARING)
        .post(
            &me,
            &state.ctx.referrals,
            "/agencies",
            &body,
            |a: Agency| {
                done(
                    format!(
                        "{} added; record its data-sharing agreement before sharing.",
                        a.name
                    ),
                    SHARING,
                )
            },
        )
        .await
}

async fn change_agency(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(mut form): Form<Fields>,
) -> Response {
    let Some(id) = Slug::parse(&id) else {
        return see_other(SHARING);
    };
    let body = agency_change(&form);
    // An unticked box sends nothing: keep its state for the form.
    form.push(field::ACTIVE, body.active.to_string());
    reply(field::agency(id.as_str()), form, SHARING)
        .put(
            &me,
            &state.ctx.referrals,
            &format!("/agencies/{id}"),
            &body,
            |a: Agency| {
                let takes = if a.active { "takes" } else { "takes no" };
                done(format!("{} saved; it {takes} new shares.", a.name), SHARING)
            },
        )
        .await
}

fn agreement_change(form: &Fields) -> AgreementChange {
    AgreementChange {
        name: form.value(field::NAME),
        agency_id: form.value(field::AGENCY_ID),
        starts_on: form.trimmed(field::STARTS_ON),
        ends_on: form.trimmed(field::ENDS_ON),
    }
}

fn agreement_saved(a: SharingAgreement) -> super::Done {
    done(
        format!(
            "{} saved: it can be relied on until {}.",
            a.name,
            a.ends_on.format("%d %B %Y")
        ),
        SHARING,
    )
}

async fn record_agreement(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let body = agreement_change(&form);
    reply(field::NEW_AGREEMENT, form, SHARING)
        .post(
            &me,
            &state.ctx.referrals,
            "/agreements",
            &body,
            agreement_saved,
        )
        .await
}

async fn change_agreement(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = Slug::parse(&id) else {
        return see_other(SHARING);
    };
    let body = agreement_change(&form);
    reply(field::agreement(id.as_str()), form, SHARING)
        .put(
            &me,
            &state.ctx.referrals,
            &format!("/agreements/{id}"),
            &body,
            agreement_saved,
        )
        .await
}

/// The whole numbers typed into `fields`, or a message for each that is
/// not one (the service then judges the range).
fn whole_numbers<const N: usize>(
    form: &Fields,
    fields: [&'static str; N],
) -> Result<[u32; N], Vec<FieldError>> {
    let parsed = fields.map(|f| form.trimmed(f).parse::<u32>().ok());
    let errors: Vec<FieldError> = fields
        .iter()
        .zip(&parsed)
        .filter(|(_, n)| n.is_none())
        .map(|(f, _)| FieldError::new(*f, "Enter a whole number."))
        .collect();
    if errors.is_empty() {
        Ok(parsed.map(Option::unwrap_or_default))
    } else {
        Err(errors)
    }
}

async fn set_targets(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let hours = whole_numbers(&form, field::TARGET_HOURS);
    let reply = reply(field::TARGETS, form, SHARING);
    let [triage, urgent, high, routine] = match hours {
        Ok(hours) => hours,
        Err(errors) => return reply.refuse_with(&me.session, errors).await,
    };
    let body = TimelinessTargets {
        triage_hours: triage,
        urgent_hours: urgent,
        high_hours: high,
        routine_hours: routine,
    };
    reply
        .put(
            &me,
            &state.ctx.referrals,
            "/timeliness-targets",
            &body,
            |_: TimelinessTargets| {
                done("Timeliness targets saved; worklists use them now.", SHARING)
            },
        )
        .await
}

async fn set_periods(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let names = RetentionPeriods::default().fields().map(|(name, _)| name);
    let months = whole_numbers(&form, names);
    let reply = reply(field::PERIODS, form, SHARING);
    let [
        open,
        withdrawn,
        completed,
        partly,
        disengaged,
        escalated,
        no_longer,
    ] = match months {
        Ok(months) => months,
        Err(errors) => return reply.refuse_with(&me.session, errors).await,
    };
    let body = RetentionPeriods {
        open_months: open,
        withdrawn_months: withdrawn,
        support_completed_months: completed,
        partly_met_months: partly,
        disengaged_months: disengaged,
        escalated_months: escalated,
        no_longer_needed_months: no_longer,
    };
    reply
        .put(
            &me,
            &state.ctx.referrals,
            "/retention-periods",
            &body,
            |_: RetentionPeriods| {
                done(
                    "Retention periods saved; new review dates use them.",
                    SHARING,
                )
            },
        )
        .await
}

/// The gating service `service` names, and the action's id when it is one.
fn gate<'a>(
    state: &'a PortalState,
    service: &str,
    action: &str,
) -> Option<(&'a ServiceClient, ActionId)> {
    let action = ActionId::parse(action)?;
    let client = match service {
        s if !GATING_SERVICES.contains(&s) => return None,
        "referrals" => &state.ctx.referrals,
        _ => &state.ctx.engagement,
    };
    Some((client, action))
}

async fn set_skill(
    State(state): State<PortalState>,
    me: SignedIn,
    Path((service, action)): Path<(String, String)>,
    Form(form): Form<Fields>,
) -> Response {
    let Some((client, action)) = gate(&state, &service, &action) else {
        return see_other(SKILLS);
    };
    let competency_id = form.value(skill_field::COMPETENCY_ID);
    let help = form.value(skill_field::HELP);
    let reply = reply(skill_field::form(action.as_str()), form, SKILLS);
    // The name shown to someone refused is the framework's, looked up here
    // so the form only chooses.
    let framework = match state
        .ctx
        .training
        .get::<Framework>("/framework", &me.principal())
        .await
    {
        Ok(f) => f,
        Err(e) => return reply.refused_by(&me.session, e).await,
    };
    let Some(competency_name) = framework
        .competencies
        .into_iter()
        .find(|c| c.id == competency_id)
        .map(|c| c.name)
    else {
        let errors = vec![FieldError::new(
            skill_field::COMPETENCY_ID,
            "Choose a competency from the training framework.",
        )];
        return reply.refuse_with(&me.session, errors).await;
    };
    let body = SkillRequirementChange {
        competency_id,
        competency_name,
        help,
    };
    reply
        .put(
            &me,
            client,
            &format!("/skill-requirements/{action}"),
            &body,
            |g: GatedAction| {
                let needs = g.requirement.map(|r| r.competency_name).unwrap_or_default();
                done(format!("{} now needs a current {needs}.", g.label), SKILLS)
            },
        )
        .await
}

async fn clear_skill(
    State(state): State<PortalState>,
    me: SignedIn,
    Path((service, action)): Path<(String, String)>,
) -> Response {
    let Some((client, action)) = gate(&state, &service, &action) else {
        return see_other(SKILLS);
    };
    let answer = client
        .delete(&format!("/skill-requirements/{action}"), &me.principal())
        .await;
    reply(
        skill_field::form(action.as_str()),
        Fields::default(),
        SKILLS,
    )
    .settle(&me.session, answer, |()| {
        done(
            "Requirement removed: anyone allowed may do it again.",
            SKILLS,
        )
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_are_read_or_each_wrong_field_named() {
        let form = Fields::from([("a", " 36 "), ("b", "two days"), ("c", "")]);
        assert_eq!(whole_numbers(&form, ["a"]), Ok([36]));
        let errors = whole_numbers(&form, ["a", "b", "c"]).expect_err("two are wrong");
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["b", "c"]);
    }
}
