//! What a user does on the portal's pages, written against the page contract
//! (element ids and classes) rather than against layout or wording.

use crate::support::poll_until;
use crate::{Browser, POLL_INTERVAL, WAIT};
use anyhow::Context;
use std::collections::BTreeMap;
use std::time::Duration;
use thirtyfour::prelude::*;

/// Fills in and sends the sign-in form; does not wait for the outcome.
pub async fn sign_in(browser: &Browser, username: &str, password: &str) -> anyhow::Result<()> {
    browser.open("/sign-in").await?;
    browser.element("form#sign-in").await?;
    browser.fill("username", username).await?;
    browser.fill("password", password).await?;
    browser.click("sign-in-submit").await
}

/// Waits for the home page of a signed-in user and returns the role its
/// `section#home` announces.
pub async fn home_role(browser: &Browser) -> anyhow::Result<String> {
    // Fails with what the page shows when sign-in went elsewhere.
    browser.element("section#home").await?;
    browser.wait_for_path("/").await?;
    browser.wait_until_ready().await?;
    // Looked up again: hydration may have re-rendered the section.
    browser
        .element("section#home")
        .await?
        .attr("data-role")
        .await?
        .context("section#home has no data-role")
}

/// Signs in as `username` and waits for the home page.
pub async fn sign_in_as(browser: &Browser, username: &str) -> anyhow::Result<()> {
    sign_in(browser, username, crate::DEMO_PASSWORD).await?;
    home_role(browser)
        .await
        .with_context(|| format!("{username} did not reach the home page"))?;
    Ok(())
}

/// Signs out with the header's button and waits for the sign-in page.
pub async fn sign_out(browser: &Browser) -> anyhow::Result<()> {
    browser.click("sign-out-submit").await?;
    browser.wait_for_path("/sign-in").await?;
    browser.element("form#sign-in").await?;
    browser.wait_until_ready().await
}

/// What the referral form asks for. Empty strings leave a field empty.
#[derive(Debug, Clone)]
pub struct Referral {
    pub child_name: String,
    pub date_of_birth: String,
    pub area_id: String,
    pub reason: String,
    /// Screening boxes to tick, by risk factor id.
    pub risk_factors: Vec<&'static str>,
}

impl Referral {
    /// A valid referral in Hull for `child_name`.
    pub fn in_hull(child_name: &str) -> Self {
        Self {
            child_name: child_name.to_owned(),
            date_of_birth: "2016-05-14".into(),
            area_id: "hull".into(),
            reason: format!("School reports repeated absence for {child_name}."),
            risk_factors: Vec::new(),
        }
    }
}

/// Which button sends the referral form.
#[derive(Debug, Clone, Copy)]
pub enum FormButton {
    SaveDraft,
    Submit,
}

impl FormButton {
    fn button_id(self) -> &'static str {
        match self {
            Self::SaveDraft => "save-draft",
            Self::Submit => "submit-referral",
        }
    }
}

/// Opens `/referrals/new`, fills the form with `referral` and sends it with
/// `button`; does not wait for the outcome.
pub async fn fill_and_send_referral(
    browser: &Browser,
    referral: &Referral,
    button: FormButton,
) -> anyhow::Result<()> {
    browser.open("/referrals/new").await?;
    browser.element("form#referral-form").await?;
    fill_referral(browser, referral).await?;
    browser.click(button.button_id()).await
}

/// Fills the referral form already on screen.
pub async fn fill_referral(browser: &Browser, referral: &Referral) -> anyhow::Result<()> {
    browser.fill("child_name", &referral.child_name).await?;
    browser
        .fill("date_of_birth", &referral.date_of_birth)
        .await?;
    if !referral.area_id.is_empty() {
        browser.choose("area_id", &referral.area_id).await?;
    }
    for factor in &referral.risk_factors {
        browser.click(&format!("risk-{factor}")).await?;
    }
    browser.fill("reason", &referral.reason).await
}

/// Sends `referral` and waits for the referrals list with its confirmation.
pub async fn create_referral(
    browser: &Browser,
    referral: &Referral,
    button: FormButton,
) -> anyhow::Result<()> {
    fill_and_send_referral(browser, referral, button).await?;
    wait_for_confirmation(browser).await
}

/// Waits for the referrals list showing a `#flash` confirmation.
pub async fn wait_for_confirmation(browser: &Browser) -> anyhow::Result<()> {
    browser
        .element("#flash")
        .await
        .context("no confirmation after sending the referral")?;
    browser.wait_for_path("/referrals").await?;
    let text = browser.text("#flash").await?;
    anyhow::ensure!(!text.is_empty(), "#flash is empty");
    Ok(())
}

/// One row of `table#referrals`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRow {
    pub child_name: String,
    pub status: String,
}

/// Opens `/referrals` and reads every row the user may see.
pub async fn list_referrals(browser: &Browser) -> anyhow::Result<Vec<ReferralRow>> {
    browser.open("/referrals").await?;
    read_referrals(browser).await
}

/// Reads the rows of the referrals list on screen (none when the page shows
/// `#no-referrals`).
pub async fn read_referrals(browser: &Browser) -> anyhow::Result<Vec<ReferralRow>> {
    // The table or the empty-state message, whichever the page has.
    browser
        .driver()
        .query(By::Css("table#referrals"))
        .or(By::Css("#no-referrals"))
        .desc("table#referrals or #no-referrals")
        .first()
        .await
        .with_context(|| "no referrals list")?;
    poll_until(
        "the referrals table to read",
        WAIT,
        POLL_INTERVAL,
        || async {
            let mut rows = Vec::new();
            for row in browser
                .driver()
                .find_all(By::Css("table#referrals tbody tr"))
                .await?
            {
                let child_name = row.find(By::Css("td.child-name")).await?.text().await?;
                let status = row.find(By::Css("td.status")).await?.text().await?;
                rows.push(ReferralRow {
                    child_name: child_name.trim().to_owned(),
                    status: status.trim().to_owned(),
                });
            }
            Ok(Some(rows))
        },
    )
    .await
}

/// The status the referrals list shows for `child_name`, failing when the
/// child is not listed.
pub async fn status_of(browser: &Browser, child_name: &str) -> anyhow::Result<String> {
    let rows = list_referrals(browser).await?;
    let row = rows
        .iter()
        .find(|r| r.child_name == child_name)
        .with_context(|| format!("{child_name} is not on /referrals; rows: {rows:?}"))?;
    Ok(row.status.clone())
}

/// Opens `/reports` and reads `table#submitted-per-area`: area id to the
/// count cell's text, with the total under `"total"`.
pub async fn submitted_per_area(browser: &Browser) -> anyhow::Result<BTreeMap<String, String>> {
    browser.open("/reports").await?;
    read_submitted_per_area(browser).await
}

/// Reads `table#submitted-per-area` on screen.
pub async fn read_submitted_per_area(
    browser: &Browser,
) -> anyhow::Result<BTreeMap<String, String>> {
    browser.element("table#submitted-per-area").await?;
    poll_until("the report table to read", WAIT, POLL_INTERVAL, || async {
        let mut counts = BTreeMap::new();
        let table = browser
            .driver()
            .find(By::Css("table#submitted-per-area"))
            .await?;
        for row in table.find_all(By::Css("tr[data-area]")).await? {
            let area = row.attr("data-area").await?.unwrap_or_default();
            let count = row.find(By::Css("td.count")).await?.text().await?;
            counts.insert(area, count.trim().to_owned());
        }
        let total = table
            .find(By::Css("tr#total td.count"))
            .await?
            .text()
            .await?;
        counts.insert("total".to_owned(), total.trim().to_owned());
        Ok(Some(counts))
    })
    .await
}

/// Reloads `/reports` until `area` shows `expected`, for at most `timeout`:
/// the report is built from events and may lag the submission a little.
pub async fn wait_for_area_count(
    browser: &Browser,
    area: &str,
    expected: &str,
    timeout: Duration,
) -> anyhow::Result<()> {
    browser.open("/reports").await?;
    let mut first = true;
    poll_until(
        &format!("/reports to show {expected} for {area}"),
        timeout,
        Duration::from_millis(250),
        || {
            let reload = !std::mem::take(&mut first);
            async move {
                if reload {
                    browser.reload().await?;
                }
                let counts = read_submitted_per_area(browser).await?;
                let shown = counts.get(area).cloned().unwrap_or_default();
                anyhow::ensure!(shown == expected, "{area} shows {shown:?}; all: {counts:?}");
                Ok(Some(()))
            }
        },
    )
    .await
}

/// A referral's page, opened from the list.
#[derive(Debug, Clone)]
pub struct OpenedReferral {
    pub path: String,
    /// Whether the portal asked for a reason before showing the record.
    pub asked_reason: bool,
}

/// Opens the referral of `child_name` from `/referrals`, giving a reason
/// when the portal asks for one.
pub async fn open_referral(browser: &Browser, child_name: &str) -> anyhow::Result<OpenedReferral> {
    list_referrals(browser).await?;
    let link = browser
        .driver()
        .find(By::XPath(format!(
            "//table[@id='referrals']//td[contains(@class,'child-name')]/a[normalize-space()='{child_name}']"
        )))
        .await
        .with_context(|| format!("no link to {child_name} on /referrals"))?;
    let href = link
        .attr("href")
        .await?
        .with_context(|| format!("the link to {child_name} has no href"))?;
    browser.open(&href).await?;
    // Anyone but the raising officer and the area's coordinators says why.
    let asks = !browser
        .driver()
        .find_all(By::Id("view-reason-form"))
        .await?
        .is_empty();
    if asks {
        browser.fill("view-reason", "Working this referral").await?;
        browser.click("view-reason-submit").await?;
        browser.element("#status").await?;
    }
    Ok(OpenedReferral {
        path: href,
        asked_reason: asks,
    })
}

/// On a referral's page, takes the step `action` after choosing `choices`
/// (`(select id, option value)`), and waits until the page shows `expected`
/// as the referral's status, with the step's confirmation.
pub async fn take_step(
    browser: &Browser,
    action: &str,
    choices: &[(&str, &str)],
    expected: &str,
) -> anyhow::Result<()> {
    for (select, value) in choices {
        browser.choose(select, value).await?;
    }
    browser.click(&format!("{action}-submit")).await?;
    poll_until(
        &format!("the referral to show {expected} after {action}"),
        WAIT,
        POLL_INTERVAL,
        || async {
            let status = browser.text("#status").await?;
            let flash = browser.text("#flash").await?;
            Ok((status == expected && flash.starts_with("Done")).then_some(()))
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// Governance report packs
// ---------------------------------------------------------------------------

/// A file fetched with the browser's session, as a download would be.
pub struct Download {
    pub status: u16,
    pub content_type: String,
    pub disposition: String,
    pub bytes: Vec<u8>,
}

/// Fetches `path` of the portal with the browser's cookies: the same
/// request a click on a download link makes, with the response kept.
pub async fn download(browser: &Browser, path: &str) -> anyhow::Result<Download> {
    let cookie = browser.cookie_header().await?;
    let res = reqwest::Client::new()
        .get(format!("{}{path}", browser.base_url()))
        .header("cookie", cookie)
        .send()
        .await
        .with_context(|| format!("cannot fetch {path}"))?;
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let status = res.status().as_u16();
    let content_type = header("content-type");
    let disposition = header("content-disposition");
    let bytes = res.bytes().await?.to_vec();
    Ok(Download {
        status,
        content_type,
        disposition,
        bytes,
    })
}

/// Opens the newest pack listed on the packs page; returns its path.
pub async fn open_current_pack(browser: &Browser) -> anyhow::Result<String> {
    browser.open("/governance/packs").await?;
    let link = browser.element("#packs tbody tr a").await?;
    let href = link
        .attr("href")
        .await?
        .context("the pack link has no href")?;
    let path = href
        .strip_prefix(browser.base_url())
        .unwrap_or(&href)
        .to_owned();
    browser.open(&path).await?;
    Ok(path)
}
