//! Governance in a real browser: a board member opens the current report
//! pack, reads a chart with its icons and a hidden small number, downloads
//! a table as CSV and the whole pack as PDF, and signs it off as the
//! board's named approver.

use eip_e2e::pages;
use eip_e2e::{Browser, EmbeddedPlatform, JavaScript, poll_until};
use std::time::Duration;

/// How long the pack's figures may take to count the demo referrals.
const CATCH_UP: Duration = Duration::from_secs(30);

fn must<T>(result: anyhow::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{e:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_member_reads_downloads_and_signs_the_current_pack() {
    let platform = must(EmbeddedPlatform::start().await);
    let browser = must(Browser::start(platform.base_url(), JavaScript::Enabled).await);
    must(read_download_and_sign(&browser).await);
    must(browser.quit().await);
}

const SUBMITTED: &str = "section[data-measure='referrals-submitted']";

async fn read_download_and_sign(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "board").await?;
    let path = pages::open_current_pack(browser).await?;
    let id = path.rsplit('/').next().unwrap_or_default().to_owned();

    // North Lincolnshire's three demo referrals are hidden as [c].
    let hidden = format!("{SUBMITTED} tr[data-area='north-lincolnshire'] td.symbol");
    poll_until(
        "the pack to count the demo referrals",
        CATCH_UP,
        Duration::from_millis(500),
        || async {
            browser.reload().await?;
            let cells = browser
                .driver()
                .find_all(thirtyfour::By::Css(hidden.as_str()))
                .await?;
            for cell in cells {
                if cell.text().await?.trim() == "[c]" {
                    return Ok(Some(()));
                }
            }
            Ok(None)
        },
    )
    .await?;
    let footnote = browser.element("body").await?.text().await?;
    anyhow::ensure!(
        footnote.contains("[c]") && footnote.contains("Confidential"),
        "the symbol is not explained"
    );

    // The chart is an accessible image: a title and a description.
    let title = browser
        .element(&format!("{SUBMITTED} .chart svg title"))
        .await?
        .inner_html()
        .await?;
    anyhow::ensure!(title == "Referrals submitted", "chart title {title:?}");
    let desc = browser
        .element(&format!("{SUBMITTED} .chart svg desc"))
        .await?
        .inner_html()
        .await?;
    // The icon says in words what its picture shows, and so does the chart.
    let icon = browser
        .element(&format!("{SUBMITTED} .icon.variation"))
        .await?;
    let alt = icon.attr("aria-label").await?.unwrap_or_default();
    anyhow::ensure!(
        alt.starts_with("Common cause") || alt.starts_with("Special cause"),
        "variation icon text {alt:?}"
    );
    anyhow::ensure!(icon.attr("role").await?.as_deref() == Some("img"));
    anyhow::ensure!(
        desc.contains(&alt),
        "the chart's description {desc:?} lacks {alt:?}"
    );
    let words = browser.text(&format!("{SUBMITTED} .icon-text")).await?;
    anyhow::ensure!(
        words == alt,
        "visible icon text {words:?} differs from {alt:?}"
    );

    // CSV of one table, through the portal with the board member's session.
    let csv = pages::download(
        browser,
        &format!("/governance/packs/{id}/csv/referrals-submitted"),
    )
    .await?;
    anyhow::ensure!(csv.status == 200, "CSV answered {}", csv.status);
    anyhow::ensure!(csv.content_type.starts_with("text/csv"));
    anyhow::ensure!(csv.disposition.starts_with("attachment"));
    let text = String::from_utf8_lossy(&csv.bytes);
    let row = text
        .lines()
        .find(|l| l.starts_with("North Lincolnshire,"))
        .unwrap_or_default();
    anyhow::ensure!(
        row.contains("[c]") && !row.split(',').any(|c| c == "3"),
        "the CSV shows North Lincolnshire as {row:?}"
    );

    // The whole pack as PDF: the link on the page, fetched the same way.
    let pdf_link = browser
        .element("#pack-pdf")
        .await?
        .attr("href")
        .await?
        .unwrap_or_default();
    anyhow::ensure!(pdf_link.ends_with(&format!("/governance/packs/{id}/pdf")));
    let pdf = pages::download(browser, &format!("/governance/packs/{id}/pdf")).await?;
    anyhow::ensure!(pdf.status == 200, "PDF answered {}", pdf.status);
    anyhow::ensure!(pdf.content_type == "application/pdf");
    anyhow::ensure!(pdf.bytes.starts_with(b"%PDF-"), "not a PDF");

    // The demo board member is the board's named approver: sign it off.
    browser.click("sign-pack").await?;
    poll_until(
        "the pack to show as signed",
        Duration::from_secs(10),
        Duration::from_millis(250),
        || async {
            let status = browser.text("#pack-status").await?;
            Ok((status.to_lowercase().contains("signed")).then_some(()))
        },
    )
    .await?;
    let signed = browser.text("#signed").await?;
    anyhow::ensure!(
        signed.contains("Snapshot SHA-256") && signed.contains("(verified)"),
        "signature line {signed:?}"
    );
    anyhow::ensure!(
        browser
            .driver()
            .find_all(thirtyfour::By::Id("sign-pack"))
            .await?
            .is_empty(),
        "a signed pack cannot be signed again"
    );
    // The signed pack's PDF renders from its frozen snapshot.
    let frozen = pages::download(browser, &format!("/governance/packs/{id}/pdf")).await?;
    anyhow::ensure!(frozen.status == 200 && frozen.bytes.starts_with(b"%PDF-"));
    Ok(())
}
