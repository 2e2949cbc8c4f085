//! Training in a real browser: a trainer takes a session's register, the
//! attendee's restorative practice turns current in the matrix, the trainer
//! assesses them, the matrix looked at on later days turns amber then red,
//! a lapsed person's reminder shows, the renewal list and CSV are one click
//! away, and a line manager sees the reminder about their report.
//! And a skill that unlocks work: once an administrator makes triage need a
//! current restorative practice, a coordinator whose practice lapsed is told
//! why and who can help, while one who is current triages.

use eip_e2e::pages;
use eip_e2e::{Browser, EmbeddedPlatform, JavaScript};

/// Unwraps a step's result, panicking with the whole error chain.
fn must<T>(result: anyhow::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{e:#}"))
}

/// A demo Hull constable who has never been trained in restorative practice.
const NEVER_TRAINED: &str = "demo-staff-06";

fn rp_cell(staff_id: &str) -> String {
    format!("#matrix tr[data-staff='{staff_id}'] td[data-competency='restorative-practice']")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_makes_a_competency_current_and_a_lapse_is_reminded() {
    let platform = must(EmbeddedPlatform::start().await);
    let browser = must(Browser::start(platform.base_url(), JavaScript::Enabled).await);
    must(register_then_matrix(&browser).await);
    must(browser.quit().await);
}

async fn status_of(browser: &Browser, staff_id: &str) -> anyhow::Result<String> {
    let cell = browser.element(&rp_cell(staff_id)).await?;
    Ok(cell.attr("data-status").await?.unwrap_or_default())
}

async fn register_then_matrix(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "trainer").await?;
    browser.open("/training?team=hull-north-eh").await?;
    // The trainer's own restorative practice lapsed: their reminder shows.
    let reminder = browser.text("#reminders li[data-stage='lapsed']").await?;
    anyhow::ensure!(
        reminder.contains("Restorative practice") && reminder.contains("has lapsed"),
        "the lapse reminder reads {reminder:?}"
    );
    let before = status_of(browser, NEVER_TRAINED).await?;
    anyhow::ensure!(before == "grey", "before the session: {before:?}");

    // The register: one attendee marked, saved with a plain form post.
    browser.open("/training/sessions/demo-session-1").await?;
    browser.click(&format!("att-{NEVER_TRAINED}-yes")).await?;
    browser.click("register-submit").await?;
    browser.element("#flash").await?;
    let line = browser
        .element(&format!("#register li[data-staff='{NEVER_TRAINED}']"))
        .await?;
    anyhow::ensure!(
        line.attr("data-attended").await?.as_deref() == Some("true"),
        "the register does not show the attendance"
    );

    // The matrix turns that person green.
    browser.open("/training?team=hull-north-eh").await?;
    let after = status_of(browser, NEVER_TRAINED).await?;
    anyhow::ensure!(after == "green", "after the session: {after:?}");

    // The trainer assesses the attendee's observed practice.
    browser
        .open(&format!("/training/staff/{NEVER_TRAINED}"))
        .await?;
    browser
        .choose("competency_id", "restorative-practice")
        .await?;
    let today = chrono::Utc::now().date_naive();
    browser
        .driver()
        .execute(
            &format!("document.getElementById('assessed_on').value = '{today}';"),
            Vec::new(),
        )
        .await?;
    browser.choose("level", "foundation").await?;
    browser.click("standard-0").await?;
    browser
        .fill("notes", "Balanced, calm restorative conversation")
        .await?;
    browser.click("assessment-submit").await?;
    browser.element("#flash").await?;

    // Moving the clock (the matrix looks ahead from any day): green until
    // 60 days before the lapse a year on, amber from then, red on the day.
    let lapse = today
        .checked_add_months(chrono::Months::new(12))
        .ok_or_else(|| anyhow::anyhow!("no date a year on"))?;
    for (days_before, expected) in [(61, "green"), (60, "amber"), (1, "amber"), (0, "red")] {
        let day = lapse - chrono::Days::new(days_before);
        browser
            .open(&format!("/training?team=hull-north-eh&as_of={day}"))
            .await?;
        let status = status_of(browser, NEVER_TRAINED).await?;
        anyhow::ensure!(status == expected, "on {day}: {status:?}, not {expected}");
    }
    browser.open("/training?team=hull-north-eh").await?;

    // Who is due a refresher, and the CSV, from the matrix page.
    let csv = browser.element("#matrix-csv").await?;
    let href = csv.attr("href").await?.unwrap_or_default();
    anyhow::ensure!(
        href == "/training/matrix.csv?team=hull-north-eh",
        "the CSV link is {href:?}"
    );
    browser.click("renewals-link").await?;
    browser.wait_for_path("/training/renewals").await?;
    let due: usize = browser.text("#renewals-count").await?.parse()?;
    anyhow::ensure!(due > 0, "no one is due a refresher in the demo team");
    browser
        .element(".renewal-team[data-team='hull-north-eh'] tr[data-status='red']")
        .await?;
    pages::sign_out(browser).await?;

    // A line manager sees the reminder about their report, who lapses
    // within the month.
    pages::sign_in_as(browser, "coordinator.hull").await?;
    browser.open("/training").await?;
    let reminder = browser
        .text("#reminders li[data-subject='demo-frontline-hull']")
        .await?;
    anyhow::ensure!(
        reminder.contains("Restorative practice") && reminder.contains("lapses within 30 days"),
        "the manager's reminder reads {reminder:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_coordinator_is_told_why_triage_is_refused() {
    let platform = must(EmbeddedPlatform::start().await);
    let browser = must(Browser::start(platform.base_url(), JavaScript::Enabled).await);
    must(gate_triage(&browser).await);
    must(browser.quit().await);
}

/// Opens the first submitted referral the signed-in coordinator can see.
async fn open_a_submitted_referral(browser: &Browser) -> anyhow::Result<()> {
    let rows = pages::list_referrals(browser).await?;
    let row = rows
        .iter()
        .find(|r| r.status == "Submitted")
        .ok_or_else(|| anyhow::anyhow!("no submitted referral among {rows:?}"))?;
    pages::open_referral(browser, &row.child_name).await?;
    Ok(())
}

const TRIAGE_CHOICES: [(&str, &str); 2] = [
    ("priority-choice", "routine"),
    ("pathway-choice", "early_help"),
];

async fn gate_triage(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "admin").await?;
    browser.open("/admin/skills").await?;
    let before = browser.text("#skill-referral-triage .skill-needs").await?;
    anyhow::ensure!(before.starts_with("Nothing"), "triage needs {before:?}");
    // Saved without a choice: refused at the field, the form left open.
    browser.click("skill-referral-triage-open").await?;
    browser.click("skill-referral-triage-submit").await?;
    let error = browser
        .text("#skill-referral-triage-competency_id-error")
        .await?;
    anyhow::ensure!(error.contains("Choose a competency"), "{error:?}");
    browser
        .choose(
            "skill-referral-triage-competency_id",
            "restorative-practice",
        )
        .await?;
    browser.click("skill-referral-triage-submit").await?;
    let done = browser.text("#admin-done").await?;
    anyhow::ensure!(
        done.contains("now needs a current Restorative practice"),
        "{done:?}"
    );
    pages::sign_out(browser).await?;

    // East Riding's coordinator trained 380 days ago: lapsed, and told so.
    pages::sign_in_as(browser, "coordinator.eastriding").await?;
    open_a_submitted_referral(browser).await?;
    for (select, value) in TRIAGE_CHOICES {
        browser.choose(select, value).await?;
    }
    browser.click("triage-submit").await?;
    let refused = browser.text("#action-error").await?;
    anyhow::ensure!(
        refused.starts_with("Leading a referral's triage needs a current Restorative practice.")
            && refused.contains("lapsed on")
            && refused.contains("line manager or a trainer"),
        "the refusal reads {refused:?}"
    );
    let status = browser.text("#status").await?;
    anyhow::ensure!(
        status == "Submitted",
        "refused, yet the status is {status:?}"
    );
    pages::sign_out(browser).await?;

    // Hull's coordinator is current: triage goes ahead.
    pages::sign_in_as(browser, "coordinator.hull").await?;
    open_a_submitted_referral(browser).await?;
    pages::take_step(browser, "triage", &TRIAGE_CHOICES, "Triaged").await?;
    Ok(())
}
