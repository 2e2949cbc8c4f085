//! Referral form posts: raising a referral (checking first for records
//! that may be the same child), a lifecycle step on a referral's page, and
//! a retention review's decision.

use super::{Reply, SignedIn, done, see_other};
use crate::PortalState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use eip_portal_app::data::ReferralValues;
use eip_portal_app::kit::fields::step::{self as step_field, Step};
use eip_portal_app::kit::fields::{referral as field, retention as decision_field};
use eip_portal_app::kit::ids::Reference;
use eip_portal_app::kit::{Fields, FormOutcome, Service, Then, keys, routes};
use eip_types::person::{MatchQuery, PersonMatch};
use eip_types::referral::{
    ConsentStatus, FollowUpResult, LawfulBasis, NewReferral, Outcome, Pathway, Priority, Referral,
    RetentionChoice, RetentionDecision, SharedField, Transition, TransitionRequest,
};

pub fn routes() -> Router<PortalState> {
    Router::new()
        .route(routes::NEW_REFERRAL.template(), post(create_referral))
        .route(routes::REFERRAL_STEP.template(), post(referral_step))
        .route(routes::REFERRAL_REASON.template(), post(referral_reason))
        .route(routes::SHARE_WITHDRAWAL.template(), post(withdraw_share))
        .route(
            routes::RETENTION_DECISION.template(),
            post(retention_decision),
        )
}

/// Keeps the reason for viewing a referral, posted from its page, and
/// opens the page again (without the reason in its URL).
async fn referral_reason(
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = Reference::parse(&id) else {
        return see_other(routes::REFERRALS.path());
    };
    let back = routes::REFERRAL.at([id.as_str()]);
    super::keep_view_reason(&me, keys::RecordKind::Referral, id.as_str(), &form, &back).await
}

async fn create_referral(
    State(state): State<PortalState>,
    me: SignedIn,
    Form(form): Form<Fields>,
) -> Response {
    let submit = form.value(field::ACTION) == field::SUBMIT;
    let choice = form.value(field::PERSON_CHOICE);
    let typed = ReferralValues {
        child_name: form.value(field::CHILD_NAME),
        date_of_birth: form.value(field::DATE_OF_BIRTH),
        area_id: form.value(field::AREA_ID),
        reason: form.value(field::REASON),
        risk_factors: form.all(field::RISK_FACTORS),
        gender: form.value(field::GENDER),
        school: form.value(field::SCHOOL),
        person_choice: choice.clone(),
        candidates: Vec::new(),
    };
    let body = NewReferral {
        child_name: typed.child_name.clone(),
        date_of_birth: typed.date_of_birth.clone(),
        area_id: typed.area_id.clone(),
        reason: typed.reason.clone(),
        risk_factors: typed.risk_factors.clone(),
        submit,
        person_id: (!choice.is_empty() && choice != field::NEW_PERSON).then(|| choice.clone()),
        gender: typed.gender.clone(),
        school: typed.school.clone(),
    };
    let mut reply = Reply::new(
        keys::REFERRAL_FORM,
        FormOutcome::new(typed),
        routes::NEW_REFERRAL.path(),
        Service::Referrals.outage(Then::KeptBelow),
    );
    // Before a new record is made, the officer sees any record that may be
    // the same child and chooses.
    if choice.is_empty() {
        let query = MatchQuery {
            name: body.child_name.clone(),
            date_of_birth: body.date_of_birth.clone(),
            area_id: body.area_id.clone(),
        };
        let found = state
            .ctx
            .referrals
            .post::<_, Vec<PersonMatch>>("/people/matches", &me.principal(), &query)
            .await;
        if let Ok(candidates) = found
            && !candidates.is_empty()
        {
            reply.form().values.candidates = candidates;
            return reply
                .refuse_because(
                    &me.session,
                    "We may already know this child. Choose their record, or say none of these is them.",
                )
                .await;
        }
    }
    reply
        .post(
            &me,
            &state.ctx.referrals,
            "/referrals",
            &body,
            |_: Referral| {
                let message = if submit {
                    "Referral submitted. The hub will triage it."
                } else {
                    "Draft saved. Submit it when it is ready."
                };
                done(message, routes::REFERRALS.path())
            },
        )
        .await
}

/// A coordinator withdraws the referral's standing share from its page.
async fn withdraw_share(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    use eip_portal_app::kit::fields::share_withdrawal as withdrawal;
    use eip_types::referral::{ShareEnd, ShareRecord, WithdrawShare};
    let Some(id) = Reference::parse(&id) else {
        return see_other(routes::REFERRALS.path());
    };
    let back = routes::REFERRAL.at([id.as_str()]);
    let body = WithdrawShare {
        why: ShareEnd::parse(&form.value(withdrawal::WHY)),
        note: form.value(withdrawal::NOTE),
    };
    Reply::new(
        keys::REFERRAL_STEP,
        FormOutcome::of(withdrawal::FORM, form.only(&[withdrawal::NOTE])),
        back.clone(),
        Service::Referrals.outage(Then::TryAgain),
    )
    .post(
        &me,
        &state.ctx.referrals,
        &format!("/referrals/{id}/share/withdrawal"),
        &body,
        |_: ShareRecord| {
            done(
                "Share withdrawn: the agency no longer sees this referral.",
                back,
            )
        },
    )
    .await
}

/// The lifecycle form on a referral's page: one step, named by its action.
async fn referral_step(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let Some(id) = Reference::parse(&id) else {
        return see_other(routes::REFERRALS.path());
    };
    let back = routes::REFERRAL.at([id.as_str()]);
    let action = form.value(step_field::ACTION);
    // The text typed, kept for the form when the step is refused.
    let text = Step::parse(&action).map_or(step_field::REASON, Step::text_field);
    let reply = Reply::new(
        keys::REFERRAL_STEP,
        FormOutcome::of(action, form.only(&[text])),
        back.clone(),
        Service::Referrals.outage(Then::TryAgain),
    );
    let request = transition_from_form(&form).and_then(|transition| {
        let version = form
            .value(step_field::VERSION)
            .parse::<i64>()
            .map_err(|_| "The page was out of date; reload it and try again.".to_owned())?;
        Ok(TransitionRequest {
            version,
            transition,
        })
    });
    let request = match request {
        Ok(request) => request,
        Err(message) => return reply.refuse_because(&me.session, message).await,
    };
    reply
        .post(
            &me,
            &state.ctx.referrals,
            &format!("/referrals/{id}/transitions"),
            &request,
            |after: Referral| {
                let now = after.status.label().to_lowercase();
                // An agency that declines it no longer holds it: back to
                // its list, not to a page it may no longer open.
                let to = if me.user.has_role(eip_types::Role::Partner)
                    && after.status == eip_types::referral::ReferralStatus::Declined
                {
                    routes::REFERRALS.path().to_owned()
                } else {
                    back
                };
                done(format!("Done: the referral is now {now}."), to)
            },
        )
        .await
}

/// Reads one lifecycle step from the form's fields.
fn transition_from_form(form: &Fields) -> Result<Transition, String> {
    let choose = |name: &str, what: &str| {
        let value = form.value(name);
        if value.is_empty() {
            Err(format!("Choose {what}."))
        } else {
            Ok(value)
        }
    };
    let Some(step) = Step::parse(&form.value(step_field::ACTION)) else {
        return Err("That step is not known.".into());
    };
    Ok(match step {
        Step::Submit => Transition::Submit {},
        Step::Triage => Transition::Triage {
            priority: Priority::parse(&choose(step_field::PRIORITY, "a priority")?)
                .ok_or("Choose one of the listed priorities.")?,
            pathway: Pathway::parse(&choose(step_field::PATHWAY, "a pathway")?)
                .ok_or("Choose one of the listed pathways.")?,
        },
        // Every share field goes to the service as typed, so that all that
        // is wrong comes back at once, field by field.
        Step::Share => Transition::Share {
            agency_id: form.value(step_field::AGENCY_ID),
            lawful_basis: LawfulBasis::parse(&form.value(step_field::LAWFUL_BASIS)),
            consent: ConsentStatus::parse(&form.value(step_field::CONSENT)),
            consent_note: form.value(step_field::CONSENT_NOTE),
            agreement_id: form.value(step_field::AGREEMENT_ID),
            fields: form
                .all(step_field::FIELDS)
                .iter()
                .filter_map(|f| SharedField::parse(f))
                .collect(),
        },
        Step::FollowUp => Transition::FollowUp {
            result: FollowUpResult::parse(&choose(step_field::RESULT, "what the check found")?)
                .ok_or("Choose one of the listed results.")?,
        },
        Step::Accept => Transition::Accept {},
        Step::Decline => Transition::Decline {
            reason: form.value(step_field::REASON),
        },
        Step::Start => Transition::Start {},
        Step::Close => Transition::Close {
            outcome: Outcome::parse(&choose(step_field::OUTCOME, "an outcome")?)
                .ok_or("Choose one of the listed outcomes.")?,
        },
        Step::Withdraw => Transition::Withdraw {
            reason: form.value(step_field::REASON),
        },
    })
}

/// A retention review's decision on one record (administrators).
async fn retention_decision(
    State(state): State<PortalState>,
    me: SignedIn,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let back = routes::RETENTION.path();
    let Some(id) = Reference::parse(&id) else {
        return see_other(back);
    };
    let reply = Reply::new(
        keys::RETENTION,
        FormOutcome::new(()),
        back,
        Service::Referrals.outage(Then::TryAgain),
    );
    let Some(decision) = RetentionChoice::parse(&form.value(decision_field::DECISION)) else {
        return reply
            .refuse_because(&me.session, "Choose to retain or to dispose.")
            .await;
    };
    let next = form.value(decision_field::NEXT_REVIEW_ON);
    let body = RetentionDecision {
        decision,
        reason: form.value(decision_field::REASON),
        next_review_on: (!next.trim().is_empty()).then_some(next),
    };
    reply
        .post(
            &me,
            &state.ctx.referrals,
            &format!("/referrals/{id}/retention"),
            &body,
            |_: Referral| {
                let what = decision.label().to_lowercase();
                done(format!("Recorded: {what}."), back)
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Fields {
        Fields(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn a_step_reads_its_own_fields() {
        let triage = form(&[
            ("action", "triage"),
            ("priority", "routine"),
            ("pathway", "early_help"),
        ]);
        assert!(matches!(
            transition_from_form(&triage),
            Ok(Transition::Triage { .. })
        ));
        let declined = form(&[("action", "decline"), ("reason", "Not ours")]);
        assert!(matches!(
            transition_from_form(&declined),
            Ok(Transition::Decline { reason }) if reason == "Not ours"
        ));
    }

    #[test]
    fn a_step_missing_a_choice_or_unknown_is_refused_here() {
        let triage = form(&[("action", "triage"), ("pathway", "early_help")]);
        assert_eq!(
            transition_from_form(&triage).err().as_deref(),
            Some("Choose a priority.")
        );
        let odd = form(&[("action", "teleport")]);
        assert_eq!(
            transition_from_form(&odd).err().as_deref(),
            Some("That step is not known.")
        );
    }
}
