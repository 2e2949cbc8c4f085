//! Engagement and place in a real browser: an analyst imports a small
//! incident file through the portal (without JavaScript) and sees its
//! progress and the rows it refused; a coordinator logs an engagement,
//! agrees a priority and says what was done about it, opens a
//! problem-solving case from a repeat-demand flag, is refused closing it
//! before the assessment, closes it and downloads its summary; a priority
//! ward's profile shows its demand; a coordinator's pages fit a tablet held
//! upright.

use eip_e2e::{Browser, EmbeddedPlatform, JavaScript, TempDir, pages, poll_until};
use std::time::Duration;

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
async fn an_analyst_uploads_incidents_and_sees_progress_and_refused_rows() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Disabled).await;
    must(upload_incidents(&browser).await);
    must(browser.quit().await);
}

/// The header of a calls-for-service file.
const INCIDENTS_HEADER: &str = "incident_number,opened_at,closed_at,opening_category,closing_category,qualifiers,grade,place,caller_ref,address_ref\n";

/// Sends `csv` as an incidents file from `/imports` (as the signed-in
/// analyst, without JavaScript) and waits for the job's page to say it
/// ended; returns what its status line says.
async fn upload_incidents_file(browser: &Browser, csv: &str) -> anyhow::Result<String> {
    let folder = TempDir::new("eip-e2e-import")?;
    let file = folder.path().join("incidents.csv");
    std::fs::write(&file, csv)?;
    browser.open("/imports").await?;
    browser.choose("import-kind", "incidents").await?;
    let input = browser.element("#import-file").await?;
    input.send_keys(file.to_string_lossy().as_ref()).await?;
    browser.click("import-submit").await?;
    // The job's page follows the import until it ends.
    poll_until(
        "the import to finish",
        Duration::from_secs(60),
        Duration::from_millis(500),
        || async {
            let status = browser.element("#import-status").await?;
            let done = status.attr("data-status").await?.unwrap_or_default();
            Ok((done == "completed" || done == "failed").then_some(status.text().await?))
        },
    )
    .await
}

async fn upload_incidents(browser: &Browser) -> anyhow::Result<()> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    pages::sign_in_as(browser, "analyst").await?;
    let status = upload_incidents_file(
        browser,
        &format!(
            "{INCIDENTS_HEADER}\
             E2E-{run}-1,2026-10-01 10:00,,crime,,,1,myton,,\n\
             E2E-{run}-2,not a time,,crime,,,1,myton,,\n\
             E2E-{run}-3,2026-10-02 11:00,,anti-social behaviour,,domestic,2,myton,c:0123456789abcdef,\n\
             E2E-{run}-4,2026-10-03 12:00,,crime,,,1,atlantis,,\n"
        ),
    )
    .await?;
    anyhow::ensure!(
        status.contains("4 rows read, 2 imported, 2 refused"),
        "the import's progress says {status:?}"
    );
    let refused = browser.text("#import-errors table").await?;
    anyhow::ensure!(
        refused.contains("opened_at") && refused.contains("place"),
        "the refused rows read {refused:?}"
    );
    let lines: Vec<String> = {
        let cells = browser
            .driver()
            .find_all(thirtyfour::By::Css(
                "#import-errors tbody tr td:first-child",
            ))
            .await?;
        let mut out = Vec::new();
        for c in cells {
            out.push(c.text().await?);
        }
        out
    };
    anyhow::ensure!(lines == ["3", "5"], "refused lines {lines:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinator_engages_agrees_a_priority_and_closes_a_case_from_a_flag() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Disabled).await;
    must(work_a_case(&browser).await);
    must(browser.quit().await);
}

/// A caller who rang about Myton six times in the last fortnight: more than
/// five contacts in 30 days.
async fn import_a_frequent_caller(browser: &Browser, caller: &str) -> anyhow::Result<()> {
    let run = uuid::Uuid::new_v4().simple().to_string();
    let today = chrono::Utc::now().date_naive();
    let mut csv = String::from(INCIDENTS_HEADER);
    for day in 1..=6u64 {
        let on = today - chrono::Days::new(day * 2);
        csv.push_str(&format!(
            "E2E-{run}-{day},{on} 21:00,,anti-social behaviour,,youth,3,myton,{caller},\n"
        ));
    }
    pages::sign_in_as(browser, "analyst").await?;
    let status = upload_incidents_file(browser, &csv).await?;
    anyhow::ensure!(status.contains("6 imported"), "the import says {status:?}");
    pages::sign_out(browser).await
}

/// Logs an engagement in Myton, agrees a priority from it and records
/// what was done, refused first without saying what.
async fn engage_and_agree(browser: &Browser) -> anyhow::Result<()> {
    browser.open("/engagement/new").await?;
    browser.choose("kind", "youth_session").await?;
    browser.choose("place_id", "myton").await?;
    browser.fill("attendance", "18").await?;
    browser
        .fill("groups_reached", "Young people at the youth club")
        .await?;
    browser.click("seldom_heard").await?;
    browser
        .fill("issues_raised", "Nowhere to go in the evenings")
        .await?;
    browser.click("engagement-submit").await?;
    let flash = browser.text("#flash").await?;
    anyhow::ensure!(flash.contains("Engagement logged"), "{flash:?}");

    browser.open("/priorities").await?;
    let title = format!("Somewhere to go, {}", uuid::Uuid::new_v4().simple());
    browser.choose("priority-place_id", "myton").await?;
    browser.fill("priority-period", "2026-Q4").await?;
    browser.fill("priority-title", &title).await?;
    browser
        .fill("priority-you_said", "Nowhere to go in the evenings")
        .await?;
    browser.click("priority-submit").await?;
    // The board, once the post has come back to it, lists the new priority.
    let id = poll_until(
        "the agreed priority to be listed",
        Duration::from_secs(10),
        Duration::from_millis(250),
        || async {
            let cards = browser
                .driver()
                .find_all(thirtyfour::By::XPath(format!(
                    "//article[contains(@class,'priority')][h3[normalize-space()='{title}']]"
                )))
                .await?;
            match cards.first() {
                Some(card) => Ok(card.attr("data-priority").await?),
                None => Ok(None),
            }
        },
    )
    .await?;
    let prefix = format!("wedid-{id}");
    browser.click(&format!("{prefix}-open")).await?;
    browser.click(&format!("{prefix}-submit")).await?;
    let error = browser.text(&format!("#{prefix}-we_did-error")).await?;
    anyhow::ensure!(error.contains("Say what was done"), "{error:?}");
    browser
        .fill(&format!("{prefix}-we_did"), "Friday youth club reopened")
        .await?;
    browser.choose(&format!("{prefix}-status"), "done").await?;
    browser.click(&format!("{prefix}-submit")).await?;
    let flash = browser.text("#flash").await?;
    anyhow::ensure!(flash.starts_with("Recorded against"), "{flash:?}");
    let card = browser
        .text(&format!("article[data-priority='{id}']"))
        .await?;
    anyhow::ensure!(card.contains("Friday youth club reopened"), "{card:?}");
    browser.click(&format!("resolve-{id}")).await?;
    poll_until(
        "the priority to show as resolved",
        Duration::from_secs(10),
        Duration::from_millis(250),
        || async {
            let card = browser
                .text(&format!("article[data-priority='{id}']"))
                .await?;
            Ok(card.contains("Resolved").then_some(()))
        },
    )
    .await
}

async fn work_a_case(browser: &Browser) -> anyhow::Result<()> {
    let caller = format!("c:{:016x}", rand_suffix());
    import_a_frequent_caller(browser, &caller).await?;
    pages::sign_in_as(browser, "coordinator.hull").await?;
    engage_and_agree(browser).await?;

    // The flag, then a case opened from it.
    browser.open("/demand").await?;
    browser.choose("run-rule", "more-than-5-in-30-days").await?;
    browser.click("run-rule-submit").await?;
    let flash = browser.text("#flash").await?;
    anyhow::ensure!(flash.contains("flagged"), "running the rule said {flash:?}");
    let row = browser
        .driver()
        .find(thirtyfour::By::XPath(format!(
            "//table[@id='repeat-flags']//tr[td/code[normalize-space()='{caller}']]"
        )))
        .await?;
    let flag = row.attr("data-flag").await?.unwrap_or_default();
    browser.click(&format!("case-from-{flag}")).await?;
    let title = browser.text("#case-title").await?;
    anyhow::ensure!(title.contains("myton"), "case page titled {title:?}");
    let case_path = browser.path().await?;

    browser
        .fill(
            "scanning-community_view",
            "Residents feel unsafe after dark",
        )
        .await?;
    browser
        .fill(
            "scanning-data_view",
            "Anti-social behaviour calls peak on Fridays",
        )
        .await?;
    browser.click("scanning-submit").await?;
    stage_done(browser, "scanning").await?;

    // Closing now is refused, with the reason given.
    browser.click("close-submit").await?;
    let refusal = browser.text("#close-errors").await?;
    anyhow::ensure!(
        refusal.contains("cannot close without its assessment"),
        "closing early said {refusal:?}"
    );
    let status = browser.text("#case-status").await?;
    anyhow::ensure!(
        status == "Open",
        "the case is {status:?} after a refused close"
    );

    browser.fill("assessment-before_from", "2026-01-01").await?;
    browser.fill("assessment-before_to", "2026-03-31").await?;
    browser.fill("assessment-after_from", "2026-04-01").await?;
    browser.fill("assessment-after_to", "2026-06-30").await?;
    browser.click("assessment-delivered_as_planned").await?;
    browser
        .fill(
            "assessment-learning",
            "Joint patrols with the youth service worked",
        )
        .await?;
    browser.click("assessment-submit").await?;
    stage_done(browser, "assessment").await?;
    let result = browser.text("#assessment-result").await?;
    anyhow::ensure!(result.contains("before"), "assessment shows {result:?}");

    browser.click("close-submit").await?;
    poll_until(
        "the case to close",
        Duration::from_secs(10),
        Duration::from_millis(250),
        || async { Ok((browser.text("#case-status").await? == "Closed").then_some(())) },
    )
    .await?;

    // The one-page summary, to share good practice.
    let summary = pages::download(browser, &format!("{case_path}/summary.md")).await?;
    anyhow::ensure!(summary.status == 200, "summary answered {}", summary.status);
    let text = String::from_utf8(summary.bytes)?;
    anyhow::ensure!(
        text.contains("Joint patrols with the youth service worked") && !text.contains(&caller),
        "the summary reads {text:?}"
    );
    Ok(())
}

/// A random 64-bit number, so each run's caller pseudonym is its own.
fn rand_suffix() -> u64 {
    let id = uuid::Uuid::new_v4();
    let bytes = id.as_bytes();
    u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ])
}

async fn stage_done(browser: &Browser, stage: &str) -> anyhow::Result<()> {
    poll_until(
        &format!("the {stage} stage to show as done"),
        Duration::from_secs(10),
        Duration::from_millis(250),
        || async {
            let item = browser
                .element(&format!("#stage-checklist li[data-stage='{stage}']"))
                .await?;
            Ok((item.attr("data-done").await?.as_deref() == Some("yes")).then_some(()))
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_priority_wards_profile_shows_its_demand() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Disabled).await;
    must(profile_demand(&browser).await);
    must(browser.quit().await);
}

async fn profile_demand(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "analyst").await?;
    browser.open("/places/myton").await?;
    let chart = browser.element("#demand-chart").await?;
    let label = chart.attr("aria-label").await?.unwrap_or_default();
    anyhow::ensure!(
        label.starts_with("Calls for service by month:") && !label.contains(": 0 in all"),
        "the demand chart says {label:?}"
    );
    let rows = browser
        .driver()
        .find_all(thirtyfour::By::Css("#demand-table tbody tr"))
        .await?;
    anyhow::ensure!(!rows.is_empty(), "the demand table is empty");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coordinators_pages_fit_a_tablet_held_upright() {
    let platform = embedded().await;
    let browser = browser(platform.base_url(), JavaScript::Enabled).await;
    must(fit_a_tablet(&browser).await);
    must(browser.quit().await);
}

/// A tablet held upright (768 CSS pixels wide): no engagement page scrolls
/// sideways, so nothing on it (a row's support buttons, say) is cut off.
/// The demo's worklist and directory rows are what would overflow.
async fn fit_a_tablet(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "coordinator.hull").await?;
    browser.driver().set_window_rect(0, 0, 768, 1024).await?;
    for path in [
        "/places",
        "/places/myton",
        "/engagement/new",
        "/priorities",
        "/cases",
        "/directory",
        "/demand",
    ] {
        browser.open(path).await?;
        let (content, window) = browser
            .driver()
            .execute(
                "const page = document.documentElement; \
                 return [page.scrollWidth, page.clientWidth];",
                Vec::new(),
            )
            .await?
            .convert::<(u32, u32)>()?;
        anyhow::ensure!(
            window <= 768 && content <= window,
            "{path} is {content} pixels wide in a {window} pixel window"
        );
    }
    // The last page, the worklist: its first row's support path shows.
    let support = browser.element("#hidden-case-0").await?;
    anyhow::ensure!(
        support.is_displayed().await?,
        "the worklist's support button is hidden"
    );
    Ok(())
}
