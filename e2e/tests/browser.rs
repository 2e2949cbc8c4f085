//! The portal in a real browser: signing in, referring a child with and
//! without JavaScript, area scoping, and the board's report catching up,
//! against the embedded platform and against separate processes.
//!
//! Each test starts a platform and a browser of its own. Platforms and
//! browsers are created in the test function itself, so that when a check
//! fails the panic happens while they are alive and their logs are printed.

use eip_e2e::pages::{self, FormButton, Referral};
use eip_e2e::{
    Browser, DEMO_PASSWORD, DEMO_USERS, DistributedPlatform, EmbeddedPlatform, JavaScript,
};
use std::time::Duration;

/// How long the board's report may take to count a new submission.
const REPORT_CATCH_UP: Duration = Duration::from_secs(20);

/// Unwraps a step's result, panicking with the whole error chain.
fn must<T>(result: anyhow::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{e:#}"))
}

async fn embedded() -> EmbeddedPlatform {
    must(EmbeddedPlatform::start().await)
}

async fn browser(base_url: &str, javascript: JavaScript) -> Browser {
    must(Browser::start(base_url, javascript).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_user_signs_in_to_the_home_page_of_their_role() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(sign_in_each_demo_user(&browser).await);
    must(browser.quit().await);
}

async fn sign_in_each_demo_user(browser: &Browser) -> anyhow::Result<()> {
    for user in DEMO_USERS {
        pages::sign_in(browser, user.username, DEMO_PASSWORD).await?;
        let role = pages::home_role(browser).await?;
        anyhow::ensure!(
            role == user.role,
            "{} landed on the home page of role {role:?}, not {:?}",
            user.username,
            user.role
        );
        let current_user = browser.text("#current-user").await?;
        anyhow::ensure!(
            !current_user.is_empty(),
            "#current-user is empty for {}",
            user.username
        );
        pages::sign_out(browser).await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_refused_and_the_username_kept() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(wrong_password(&browser).await);
    must(browser.quit().await);
}

async fn wrong_password(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in(browser, "frontline.hull", "not-the-password").await?;
    let error = browser.text("#sign-in-error").await?;
    anyhow::ensure!(!error.is_empty(), "#sign-in-error is empty");
    let kept = browser.value("username").await?;
    anyhow::ensure!(
        kept == "frontline.hull",
        "the username field holds {kept:?} after a failed sign-in"
    );
    let home = browser
        .driver()
        .find_all(thirtyfour::By::Id("home"))
        .await?;
    anyhow::ensure!(home.is_empty(), "a wrong password reached the home page");
    // Still signed out: a protected page sends the browser back.
    browser.open("/referrals").await?;
    browser.wait_for_path("/sign-in").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_out_visitor_is_sent_to_sign_in() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(signed_out_referrals(&browser).await);
    must(browser.quit().await);
}

async fn signed_out_referrals(browser: &Browser) -> anyhow::Result<()> {
    browser.open("/referrals").await?;
    browser.wait_for_path("/sign-in").await?;
    browser.element("form#sign-in").await?;
    let tables = browser
        .driver()
        .find_all(thirtyfour::By::Id("referrals"))
        .await?;
    anyhow::ensure!(tables.is_empty(), "a signed-out visitor sees referrals");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_javascript_a_submitted_referral_is_listed_by_area_and_counted() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(submitted_referral_is_scoped_and_counted(&browser).await);
    must(browser.quit().await);
}

async fn submitted_referral_is_scoped_and_counted(browser: &Browser) -> anyhow::Result<()> {
    // The demo data as the board sees it before anything happens. (East
    // Riding's 7 is hidden too, by secondary suppression: with the total
    // shown it would give away North Lincolnshire's 3.)
    pages::sign_in_as(browser, "board").await?;
    let counts = pages::submitted_per_area(browser).await?;
    for (area, expected) in [
        ("hull", "12"),
        ("north-lincolnshire", "*"),
        ("north-east-lincolnshire", "9"),
    ] {
        anyhow::ensure!(
            counts.get(area).map(String::as_str) == Some(expected),
            "before: {area} should show {expected}; the report shows {counts:?}"
        );
    }
    pages::sign_out(browser).await?;

    let child = eip_e2e::unique_child_name();
    pages::sign_in_as(browser, "frontline.hull").await?;
    pages::create_referral(browser, &Referral::in_hull(&child), FormButton::Submit).await?;
    let js_status = browser.text("#js-status").await?;
    anyhow::ensure!(js_status == "live", "#js-status says {js_status:?}");
    let status = pages::status_of(browser, &child).await?;
    anyhow::ensure!(status == "Submitted", "{child} is listed as {status:?}");
    pages::sign_out(browser).await?;

    // Coordinators see their own area's referrals only.
    pages::sign_in_as(browser, "coordinator.eastriding").await?;
    let rows = pages::list_referrals(browser).await?;
    anyhow::ensure!(
        rows.iter().all(|r| r.child_name != child),
        "the East Riding coordinator sees Hull's {child}"
    );
    pages::sign_out(browser).await?;
    pages::sign_in_as(browser, "coordinator.hull").await?;
    let status = pages::status_of(browser, &child).await?;
    anyhow::ensure!(
        status == "Submitted",
        "the Hull coordinator sees {child} as {status:?}"
    );
    pages::sign_out(browser).await?;

    pages::sign_in_as(browser, "board").await?;
    pages::wait_for_area_count(browser, "hull", "13", REPORT_CATCH_UP).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_a_referral_is_checked_and_saved_as_draft() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Disabled).await;
    must(draft_without_javascript(&browser).await);
    must(browser.quit().await);
}

async fn draft_without_javascript(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "frontline.hull").await?;

    let child = eip_e2e::unique_child_name();
    let bad = Referral {
        child_name: String::new(),
        date_of_birth: "2015-02-30".into(),
        risk_factors: vec!["missing_episodes"],
        ..Referral::in_hull(&child)
    };
    pages::fill_and_send_referral(browser, &bad, FormButton::Submit).await?;
    browser.element("#child_name-error").await?;
    let kept = browser
        .element("#risk-missing_episodes")
        .await?
        .is_selected()
        .await?;
    anyhow::ensure!(kept, "the ticked screening box was not kept");
    browser.element("#date_of_birth-error").await?;
    let reason = browser.value("reason").await?;
    anyhow::ensure!(reason == bad.reason, "the reason was not kept: {reason:?}");
    let date = browser.value("date_of_birth").await?;
    anyhow::ensure!(
        date == bad.date_of_birth,
        "the date of birth was not kept: {date:?}"
    );

    pages::fill_referral(browser, &Referral::in_hull(&child)).await?;
    browser.click("save-draft").await?;
    pages::wait_for_confirmation(browser).await?;
    let status = pages::status_of(browser, &child).await?;
    anyhow::ensure!(status == "Draft", "{child} is listed as {status:?}");

    // Every page above was served whole: nothing ever hydrated.
    let js_status = browser.text("#js-status").await?;
    anyhow::ensure!(js_status == "static", "#js-status says {js_status:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_a_submitted_referral_is_counted_for_the_board() {
    let platform = must(DistributedPlatform::start().await);
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(submitted_referral_is_counted(&browser).await);
    must(browser.quit().await);
}

async fn submitted_referral_is_counted(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "board").await?;
    let counts = pages::submitted_per_area(browser).await?;
    anyhow::ensure!(
        counts.get("hull").map(String::as_str) == Some("12"),
        "before: Hull should show 12; the report shows {counts:?}"
    );
    pages::sign_out(browser).await?;

    let child = eip_e2e::unique_child_name();
    pages::sign_in_as(browser, "frontline.hull").await?;
    pages::create_referral(browser, &Referral::in_hull(&child), FormButton::Submit).await?;
    let status = pages::status_of(browser, &child).await?;
    anyhow::ensure!(status == "Submitted", "{child} is listed as {status:?}");
    pages::sign_out(browser).await?;

    pages::sign_in_as(browser, "board").await?;
    pages::wait_for_area_count(browser, "hull", "13", REPORT_CATCH_UP).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_referral_goes_from_officer_to_hub_to_partner_and_back() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(referral_lifecycle(&browser).await);
    must(browser.quit().await);
}

async fn referral_lifecycle(browser: &Browser) -> anyhow::Result<()> {
    let child = eip_e2e::unique_child_name();
    pages::sign_in_as(browser, "frontline.hull").await?;
    let mut referral = Referral::in_hull(&child);
    referral.risk_factors = vec![
        "domestic_abuse",
        "parental_substance_misuse",
        "parental_mental_ill_health",
        "emotional_neglect",
        "missing_episodes",
    ];
    browser.open("/referrals/new").await?;
    pages::fill_referral(browser, &referral).await?;
    // The hydrated form counts the ACEs as they are ticked.
    let counted = browser.text("#ace-count").await?;
    anyhow::ensure!(counted.starts_with("4 ACEs"), "the form says {counted:?}");
    browser.click("submit-referral").await?;
    pages::wait_for_confirmation(browser).await?;
    pages::sign_out(browser).await?;

    // The hub sees it in its worklist, then triages it and shares it with
    // Children's & Family Services.
    pages::sign_in_as(browser, "coordinator.hull").await?;
    browser.open("/worklist").await?;
    let listed = browser
        .driver()
        .find_all(thirtyfour::By::XPath(format!(
            "//table[@id='worklist']//td[contains(@class,'child-name')]/a[normalize-space()='{child}']"
        )))
        .await?;
    anyhow::ensure!(listed.len() == 1, "{child} is not on the hub's worklist");
    let opened = pages::open_referral(browser, &child).await?;
    anyhow::ensure!(
        !opened.asked_reason,
        "the area's coordinator needs no reason"
    );
    pages::take_step(
        browser,
        "triage",
        &[
            ("priority-choice", "urgent"),
            ("pathway-choice", "early_help"),
        ],
        "Triaged",
    )
    .await?;
    // Shared with consent, under the agency's standing agreement.
    browser.click("consent-given").await?;
    pages::take_step(
        browser,
        "share",
        &[
            ("agency_id-choice", "childrens-family-services"),
            ("lawful_basis-choice", "public_task"),
            ("agreement_id-choice", "isa-childrens-family-services"),
        ],
        "Shared",
    )
    .await?;
    pages::sign_out(browser).await?;

    // Another area's coordinator is refused the record itself.
    pages::sign_in_as(browser, "coordinator.eastriding").await?;
    browser.open(&opened.path).await?;
    browser.element("#denied").await?;
    pages::sign_out(browser).await?;

    // The agency accepts it, works it and closes it with an outcome.
    pages::sign_in_as(browser, "partner.cfs").await?;
    let opened = pages::open_referral(browser, &child).await?;
    anyhow::ensure!(
        opened.asked_reason,
        "the partner is asked why they open the record"
    );
    pages::take_step(browser, "accept", &[], "Accepted").await?;
    pages::take_step(browser, "start", &[], "In progress").await?;
    pages::take_step(
        browser,
        "close",
        &[("outcome-choice", "support_completed")],
        "Closed",
    )
    .await?;
    let steps = browser
        .driver()
        .find_all(thirtyfour::By::Css("#timeline li"))
        .await?
        .len();
    anyhow::ensure!(steps == 6, "the timeline shows {steps} steps, not 6");
    pages::sign_out(browser).await?;

    // The officer who noticed sees what became of it.
    pages::sign_in_as(browser, "frontline.hull").await?;
    let status = pages::status_of(browser, &child).await?;
    anyhow::ensure!(status == "Closed", "the officer sees {status:?}");
    pages::sign_out(browser).await?;

    pages::sign_in_as(browser, "board").await?;
    pages::wait_for_area_count(browser, "hull", "13", REPORT_CATCH_UP).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_child_is_found_again_the_partner_sees_only_what_was_shared_and_the_dpo_sees_it_all()
 {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(known_child_and_limited_share(&browser).await);
    must(browser.quit().await);
}

async fn known_child_and_limited_share(browser: &Browser) -> anyhow::Result<()> {
    use thirtyfour::By;
    let child = eip_e2e::unique_child_name();
    pages::sign_in_as(browser, "frontline.hull").await?;
    pages::create_referral(browser, &Referral::in_hull(&child), FormButton::Submit).await?;

    // The same child a second time: the form offers the record already
    // known, and the officer uses it rather than making a duplicate.
    let mut again = Referral::in_hull(&child);
    again.reason = format!("Seen again out late: {child}.");
    pages::fill_and_send_referral(browser, &again, FormButton::Submit).await?;
    browser.element("#person-candidates").await?;
    let known = browser
        .driver()
        .find(By::XPath(format!(
            "//fieldset[@id='person-candidates']//label[contains(normalize-space(), '{child}')]/input"
        )))
        .await?;
    known.click().await?;
    browser.click("submit-referral").await?;
    pages::wait_for_confirmation(browser).await?;
    pages::open_referral(browser, &child).await?;
    browser.click("person-link").await?;
    browser.element("#person-referrals").await?;
    let on_record = browser
        .driver()
        .find_all(By::Css("#person-referrals li"))
        .await?
        .len();
    anyhow::ensure!(
        on_record == 2,
        "the person record lists {on_record} referrals, not 2"
    );
    pages::sign_out(browser).await?;

    // The hub shares one of them without the date of birth or the screening.
    pages::sign_in_as(browser, "coordinator.hull").await?;
    pages::open_referral(browser, &child).await?;
    pages::take_step(
        browser,
        "triage",
        &[
            ("priority-choice", "high"),
            ("pathway-choice", "early_help"),
        ],
        "Triaged",
    )
    .await?;
    browser.click("consent-given").await?;
    browser.click("field-date_of_birth").await?;
    browser.click("field-screening").await?;
    pages::take_step(
        browser,
        "share",
        &[
            ("agency_id-choice", "childrens-family-services"),
            ("lawful_basis-choice", "public_task"),
            ("agreement_id-choice", "isa-childrens-family-services"),
        ],
        "Shared",
    )
    .await?;
    let dob = browser.text("#date-of-birth").await?;
    anyhow::ensure!(
        dob == "14 May 2016",
        "the hub sees the date of birth as {dob:?}"
    );
    pages::sign_out(browser).await?;

    pages::sign_in_as(browser, "partner.cfs").await?;
    pages::open_referral(browser, &child).await?;
    let dob = browser.text("#date-of-birth").await?;
    anyhow::ensure!(
        dob == "Not shared with your agency",
        "the partner sees the date of birth as {dob:?}"
    );
    let screening = browser.text("#screening-result").await?;
    anyhow::ensure!(
        screening.contains("Not shared"),
        "the partner sees the screening: {screening:?}"
    );
    let links = browser.driver().find_all(By::Id("person-link")).await?;
    anyhow::ensure!(links.is_empty(), "the partner is offered the person record");
    pages::sign_out(browser).await?;

    // The data protection officer finds the child by name and reads who
    // has seen the record, and why.
    pages::sign_in_as(browser, "dpo").await?;
    browser.open("/access-report").await?;
    browser.fill("name", &child).await?;
    browser.click("person-search-submit").await?;
    // The results replace the form's page: wait for them before counting.
    browser.element("table#people-found a.report-link").await?;
    // One report per referral about the child: between them they show the
    // duplicate check, the share and the partner's reason.
    let mut reports = Vec::new();
    for link in browser
        .driver()
        .find_all(By::Css("#people-found a.report-link"))
        .await?
    {
        reports.push(link.attr("href").await?.unwrap_or_default());
    }
    anyhow::ensure!(
        reports.len() == 2,
        "{} referrals found, not 2",
        reports.len()
    );
    let mut entries = String::new();
    for href in reports {
        browser.open(&href).await?;
        entries.push_str(&browser.text("#access-entries").await?);
    }
    for expected in [
        "Shared with",
        "Working this referral",
        "Offered as a possible duplicate",
        "Found in a search by name",
        "Opened the person record",
    ] {
        anyhow::ensure!(
            entries.contains(expected),
            "the access reports lack {expected:?}:\n{entries}"
        );
    }
    let chain = browser.text("#chain-status").await?;
    anyhow::ensure!(chain.starts_with("Intact"), "the chain is {chain:?}");
    pages::sign_out(browser).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_records_an_agreement_and_sets_targets_with_field_errors() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Disabled).await;
    must(sharing_administration(&browser).await);
    must(browser.quit().await);
}

async fn sharing_administration(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "admin").await?;
    browser.open("/admin/sharing").await?;
    let state = browser
        .text("#agreement-isa-rock-challenge-2023 .agreement-state")
        .await?;
    anyhow::ensure!(state == "Lapsed", "Rock Challenge's agreement is {state:?}");

    // A new agreement ending before it starts is refused with the field
    // named, and what was typed stays.
    let today = chrono::Utc::now().date_naive();
    let until = today + chrono::Days::new(365);
    browser
        .fill("agreement-new-name", "Rock Challenge agreement 2026–27")
        .await?;
    browser
        .choose("agreement-new-agency_id", "rock-challenge")
        .await?;
    browser
        .fill("agreement-new-starts_on", &today.to_string())
        .await?;
    browser.fill("agreement-new-ends_on", "2001-01-01").await?;
    browser.click("agreement-new-submit").await?;
    browser.element("#error-summary").await?;
    browser.element("#agreement-new-ends_on-error").await?;
    let kept = browser.value("agreement-new-name").await?;
    anyhow::ensure!(kept.starts_with("Rock Challenge"), "the form kept {kept:?}");

    browser
        .fill("agreement-new-ends_on", &until.to_string())
        .await?;
    browser.click("agreement-new-submit").await?;
    browser.element("#admin-done").await?;
    let listed = browser.text("#agreement-table").await?;
    anyhow::ensure!(
        listed.contains("Rock Challenge agreement 2026–27"),
        "the new agreement is not listed: {listed:?}"
    );

    browser.fill("targets-triage_hours", "two days").await?;
    browser.click("targets-submit").await?;
    browser.element("#targets-triage_hours-error").await?;
    browser.fill("targets-triage_hours", "36").await?;
    browser.click("targets-submit").await?;
    browser.element("#admin-done").await?;
    let saved = browser.value("targets-triage_hours").await?;
    anyhow::ensure!(saved == "36", "the triage target reads {saved:?}");
    pages::sign_out(browser).await
}
