//! The portal under its Content-Security-Policy in a real browser: for each
//! role, every page reachable by links from the home page (one page per
//! route shape, so `/referrals/{id}` is opened once) carries the security
//! headers, hydrates with the policy enforced, and leaves nothing in the
//! console; an injected inline script is refused. The referral form's ACE
//! count still follows the ticks.

use anyhow::{Context, anyhow, ensure};
use eip_e2e::{Browser, EmbeddedPlatform, JavaScript, POLL_INTERVAL, WAIT, pages, poll_until};
use std::collections::{BTreeSet, HashSet, VecDeque};
use thirtyfour::By;

/// At most this many pages per role: a bound on a portal that grows.
const PAGES_PER_ROLE: usize = 40;

/// One account per role.
const ROLES: [&str; 8] = [
    "frontline.hull",
    "coordinator.hull",
    "partner.cfs",
    "trainer",
    "board",
    "analyst",
    "admin",
    "dpo",
];

fn must<T>(result: anyhow::Result<T>) -> T {
    result.unwrap_or_else(|e| panic!("{e:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_of_every_role_hydrates_under_the_content_security_policy() {
    let platform = must(EmbeddedPlatform::start().await);
    let browser = must(Browser::start(platform.base_url(), JavaScript::Enabled).await);
    let mut nonces = HashSet::new();
    let mut report = Vec::new();
    for user in ROLES {
        let crawled = must(
            crawl(&browser, user, &mut nonces)
                .await
                .with_context(|| format!("crawling as {user}")),
        );
        report.push(format!(
            "{user}: {} pages, {} downloads",
            crawled.0, crawled.1
        ));
    }
    must(ace_count_follows_the_ticks(&browser).await);
    eprintln!("crawled {}", report.join("; "));
    must(browser.quit().await);
}

/// Opens every page reachable from `user`'s home page; returns how many
/// pages and downloads were checked.
async fn crawl(
    browser: &Browser,
    user: &str,
    nonces: &mut HashSet<String>,
) -> anyhow::Result<(usize, usize)> {
    pages::sign_in_as(browser, user).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let cookie = browser.cookie_header().await?;
    let mut shapes = BTreeSet::from([shape("/")]);
    let mut queue = VecDeque::from(["/".to_owned()]);
    let mut downloads = BTreeSet::new();
    let mut pages_seen = 0;
    while let Some(path) = queue.pop_front() {
        if pages_seen == PAGES_PER_ROLE {
            eprintln!(
                "{user}: stopped at {PAGES_PER_ROLE} pages, {} left: {queue:?}",
                queue.len() + 1
            );
            break;
        }
        pages_seen += 1;
        browser.console().await?;
        // Hydration under the policy: `#js-status` turns "live".
        browser
            .open(&path)
            .await
            .with_context(|| format!("{path} did not hydrate"))?;
        let console = browser.console().await?;
        ensure!(
            console.iter().all(|line| !is_policy_complaint(line)),
            "{path}: the browser complained: {console:#?}"
        );
        probe_inline_script(browser, &path).await?;

        let nonce = fetch_and_check(&http, browser.base_url(), &path, &cookie, true).await?;
        ensure!(nonces.insert(nonce), "{path}: a nonce seen before");

        for href in links(browser).await? {
            if is_download(&href) {
                downloads.insert(href);
            } else if shapes.insert(shape(&href)) {
                queue.push_back(href);
            }
        }
    }
    for href in &downloads {
        fetch_and_check(&http, browser.base_url(), href, &cookie, false).await?;
    }
    pages::sign_out(browser).await?;
    Ok((pages_seen, downloads.len()))
}

/// The portal's own links on the page, without fragment; signing out and
/// signing in are left alone.
async fn links(browser: &Browser) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for a in browser.driver().find_all(By::Css("a[href]")).await? {
        let Some(href) = a.attr("href").await? else {
            continue;
        };
        let href = href.split('#').next().unwrap_or_default();
        if !href.starts_with('/') || href.starts_with("//") || href.starts_with("/sign-") {
            continue;
        }
        found.push(href.to_owned());
    }
    Ok(found)
}

fn is_download(href: &str) -> bool {
    let path = href.split('?').next().unwrap_or_default();
    path.ends_with(".csv")
        || path.ends_with(".md")
        || path.ends_with("/pdf")
        || path.contains("/csv/")
        || path.starts_with("/directory/export")
}

/// The portal's pages with an id in their path (its router's templates).
const WITH_ID: [&str; 7] = [
    "/referrals/:id",
    "/people/:id",
    "/governance/packs/:id",
    "/training/staff/:id",
    "/training/sessions/:id",
    "/places/:id",
    "/cases/:id",
];

/// Pages of the same shape as one of [`WITH_ID`] but without an id.
const WITHOUT_ID: [&str; 2] = ["/referrals/new", "/training/renewals"];

/// A link's route and the names of its query's parameters: pages of one
/// shape are opened once.
fn shape(href: &str) -> String {
    let (path, query) = href.split_once('?').unwrap_or((href, ""));
    let route = WITH_ID
        .iter()
        .find(|template| {
            let (t, p): (Vec<&str>, Vec<&str>) =
                (template.split('/').collect(), path.split('/').collect());
            t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t == p || *t == ":id")
        })
        .filter(|_| !WITHOUT_ID.contains(&path))
        .map_or(path, |template| template);
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_unstable();
    format!("{route}?{}", keys.join("&"))
}

/// Whether a console line is the browser refusing something under the
/// page's policies.
fn is_policy_complaint(line: &str) -> bool {
    [
        "Content Security Policy",
        "Content-Security-Policy",
        "Permissions-Policy",
        "Refused to",
    ]
    .iter()
    .any(|needle| line.contains(needle))
}

/// An inline script added to the live page must not run, and the browser
/// must say why: proof that the policy is in force on this page and that
/// the console check above would see a violation.
async fn probe_inline_script(browser: &Browser, path: &str) -> anyhow::Result<()> {
    let ran = browser
        .driver()
        .execute(
            "window.__eipProbe = false;
             const s = document.createElement('script');
             s.textContent = 'window.__eipProbe = true';
             document.head.appendChild(s);
             return window.__eipProbe;",
            Vec::new(),
        )
        .await?
        .json()
        .clone();
    ensure!(
        ran == serde_json::json!(false),
        "{path}: an inline script ran"
    );
    poll_until(
        "the refusal in the console",
        WAIT,
        POLL_INTERVAL,
        || async {
            let console = browser.console().await?;
            Ok(console
                .iter()
                .any(|line| line.contains("Content Security Policy"))
                .then_some(()))
        },
    )
    .await
    .with_context(|| format!("{path}: the refused inline script left no console entry"))
}

/// Fetches `href` with the browser's session and checks its headers;
/// returns its policy's nonce.
async fn fetch_and_check(
    http: &reqwest::Client,
    base: &str,
    href: &str,
    cookie: &str,
    page: bool,
) -> anyhow::Result<String> {
    let res = http
        .get(format!("{base}{href}"))
        .header("cookie", cookie)
        .send()
        .await
        .with_context(|| format!("cannot fetch {href}"))?;
    let status = res.status();
    // A page may answer a refusal of part of it with its status (403);
    // the headers are the same. A download must arrive.
    ensure!(
        if page {
            !status.is_server_error()
        } else {
            status.is_success()
        },
        "{href} answered {status}"
    );
    let headers = res.headers().clone();
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = get("content-security-policy");
    let nonce = csp
        .split(';')
        .find_map(|d| d.trim().strip_prefix("script-src 'self' 'nonce-"))
        .and_then(|rest| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_owned())
        .ok_or_else(|| anyhow!("{href}: no script nonce in {csp:?}"))?;
    ensure!(!csp.contains("unsafe-inline"), "{href}: {csp}");
    for directive in [
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ] {
        ensure!(csp.contains(directive), "{href}: {directive} not in {csp}");
    }
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        ensure!(get(name) == value, "{href}: {name} is {:?}", get(name));
    }
    ensure!(get("permissions-policy").contains("camera=()"), "{href}");
    if page {
        let html = res.text().await?;
        let carries = format!("nonce=\"{nonce}\"");
        let mut scripts = 0;
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..];
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            ensure!(
                tag.contains(&carries),
                "{href}: a script without the nonce: {tag}"
            );
            scripts += 1;
        }
        ensure!(scripts > 0, "{href}: no scripts");
    }
    Ok(nonce)
}

/// An interactive component still works: ticking two ACE risk factors on
/// the referral form updates its live count.
async fn ace_count_follows_the_ticks(browser: &Browser) -> anyhow::Result<()> {
    pages::sign_in_as(browser, "frontline.hull").await?;
    browser.open("/referrals/new").await?;
    browser.click("risk-domestic_abuse").await?;
    browser.click("risk-parental_mental_ill_health").await?;
    poll_until("the ACE count to say 2", WAIT, POLL_INTERVAL, || async {
        let said = browser.text("#ace-count").await?;
        Ok(said.starts_with("2 ACEs").then_some(()))
    })
    .await?;
    let console = browser.console().await?;
    ensure!(
        console.iter().all(|line| !is_policy_complaint(line)),
        "the referral form: {console:#?}"
    );
    pages::sign_out(browser).await
}

#[test]
fn links_to_one_route_share_a_shape() {
    assert_eq!(shape("/referrals/abc-123"), shape("/referrals/def-456"));
    assert_eq!(shape("/places/demo-trentvale"), "/places/:id?");
    assert_eq!(shape("/referrals/new"), "/referrals/new?");
    assert_eq!(shape("/training/renewals"), "/training/renewals?");
    assert_eq!(shape("/imports?job=1"), shape("/imports?job=2"));
    assert_ne!(shape("/imports?job=1"), shape("/imports"));
    assert_ne!(shape("/referrals"), shape("/referrals/1"));
}
