//! A headless Chromium of the test's own, driven through a chromedriver the
//! harness starts on a free loopback port and stops when dropped.

use crate::support::{TempDir, poll_until};
use crate::{POLL_INTERVAL, WAIT};
use anyhow::{Context, anyhow};
use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use thirtyfour::ChromiumLikeCapabilities;
use thirtyfour::components::SelectElement;
use thirtyfour::extensions::query::ElementPollerWithTimeout;
use thirtyfour::prelude::*;

/// Flags that keep Chromium quiet, offline and sized alike on every machine.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--disable-component-update",
    "--window-size=1024,768",
];

/// Whether the browser runs the page's scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JavaScript {
    Enabled,
    Disabled,
}

impl JavaScript {
    /// What the portal's `#js-status` says once a page is ready.
    fn status_text(self) -> &'static str {
        match self {
            Self::Enabled => "live",
            Self::Disabled => "static",
        }
    }
}

/// One browser session against one portal.
pub struct Browser {
    driver: Option<WebDriver>,
    chromedriver: Child,
    javascript: JavaScript,
    base_url: String,
    /// The Chromium profile and chromedriver's log; removed last.
    scratch: TempDir,
}

impl Browser {
    /// Starts chromedriver and a fresh headless Chromium that opens pages of
    /// the portal at `base_url` (such as `http://127.0.0.1:8080`).
    pub async fn start(base_url: &str, javascript: JavaScript) -> anyhow::Result<Self> {
        let chromium = std::env::var("EIP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let chromedriver_bin =
            std::env::var("EIP_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let scratch = TempDir::new("eip-e2e-browser")?;
        let profile = scratch.path().join("profile");
        std::fs::create_dir_all(&profile)?;
        let log = File::create(scratch.path().join("chromedriver.log"))?;

        let port = eip_test_support::free_port();
        let chromedriver = Command::new(&chromedriver_bin)
            .arg(format!("--port={port}"))
            .stdout(log.try_clone()?)
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {chromedriver_bin}"))?;
        let mut browser = Self {
            driver: None,
            chromedriver,
            javascript,
            base_url: base_url.trim_end_matches('/').to_owned(),
            scratch,
        };

        let server = format!("http://127.0.0.1:{port}");
        browser.wait_for_chromedriver(&server).await?;

        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&chromium)?;
        for flag in CHROMIUM_FLAGS {
            caps.add_arg(flag)?;
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
        // The console log, for Content-Security-Policy violations.
        caps.set_browser_log_level(thirtyfour::LoggingPrefsLogLevel::All)?;
        if javascript == JavaScript::Disabled {
            caps.add_experimental_option(
                "prefs",
                serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 }),
            )?;
        }
        let driver = WebDriver::builder(&server, caps)
            .poller(Arc::new(ElementPollerWithTimeout::new(WAIT, POLL_INTERVAL)))
            .request_timeout(Duration::from_secs(60))
            .connect()
            .await
            .with_context(|| format!("cannot open a session of {chromium}"))?;
        driver
            .set_page_load_timeout(Duration::from_secs(30))
            .await?;
        browser.driver = Some(driver);
        browser.check_javascript().await?;
        Ok(browser)
    }

    /// Proves the browser runs page scripts exactly when asked to: an inline
    /// script runs while the page is parsed, so once the page has loaded its
    /// title says whether it ran.
    async fn check_javascript(&self) -> anyhow::Result<()> {
        self.driver()
            .goto("data:text/html,<title>off</title><script>document.title='on'</script>")
            .await?;
        let title = self.driver().title().await?;
        let expected = match self.javascript {
            JavaScript::Enabled => "on",
            JavaScript::Disabled => "off",
        };
        anyhow::ensure!(
            title == expected,
            "asked for JavaScript {:?} but a page script {}",
            self.javascript,
            if title == "on" { "ran" } else { "did not run" }
        );
        Ok(())
    }

    async fn wait_for_chromedriver(&mut self, server: &str) -> anyhow::Result<()> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{server}/status");
        let child = &mut self.chromedriver;
        poll_until("chromedriver to be ready", WAIT, POLL_INTERVAL, || {
            let exited = child.try_wait();
            let request = client.get(&url).send();
            async move {
                if let Some(status) = exited? {
                    return Ok(Some(Err(anyhow!("chromedriver exited: {status}"))));
                }
                let body: serde_json::Value = request.await?.json().await?;
                Ok((body["value"]["ready"] == true).then_some(Ok(())))
            }
        })
        .await?
    }

    /// The WebDriver session, for anything the helpers do not cover.
    pub fn driver(&self) -> &WebDriver {
        self.driver
            .as_ref()
            .unwrap_or_else(|| unreachable!("the session lives as long as the browser"))
    }

    pub fn javascript(&self) -> JavaScript {
        self.javascript
    }

    /// The portal address this browser opens pages of.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Opens `path` of the portal and waits until the page is ready.
    pub async fn open(&self, path: &str) -> anyhow::Result<()> {
        self.driver()
            .goto(format!("{}{path}", self.base_url))
            .await
            .with_context(|| format!("cannot open {path}"))?;
        self.wait_until_ready().await
    }

    /// Reloads the current page and waits until it is ready.
    pub async fn reload(&self) -> anyhow::Result<()> {
        self.driver().refresh().await?;
        self.wait_until_ready().await
    }

    /// Waits until `#js-status` says the page is ready: `live` once it has
    /// hydrated with JavaScript on, `static` with JavaScript off.
    pub async fn wait_until_ready(&self) -> anyhow::Result<()> {
        let expected = self.javascript.status_text();
        let found = self
            .driver()
            .query(By::Id("js-status"))
            .with_text(expected)
            .desc(&format!("#js-status saying {expected:?}"))
            .first()
            .await;
        if let Err(e) = found {
            return Err(anyhow!(e).context(format!(
                "the page never became ready (#js-status {expected:?}) on {}",
                self.describe_page().await
            )));
        }
        Ok(())
    }

    /// The path of the page the browser is on, such as `/referrals`.
    pub async fn path(&self) -> anyhow::Result<String> {
        Ok(self.driver().current_url().await?.path().to_owned())
    }

    /// Waits until the browser is on `expected` (query string ignored).
    pub async fn wait_for_path(&self, expected: &str) -> anyhow::Result<()> {
        poll_until(
            &format!("the browser to reach {expected}"),
            WAIT,
            POLL_INTERVAL,
            || async {
                let path = self.path().await?;
                anyhow::ensure!(path == expected, "on {path}");
                Ok(Some(()))
            },
        )
        .await
    }

    /// Waits for the element `css` and returns it.
    pub async fn element(&self, css: &str) -> anyhow::Result<WebElement> {
        match self.driver().query(By::Css(css)).desc(css).first().await {
            Ok(element) => Ok(element),
            Err(e) => {
                Err(anyhow!(e).context(format!("no {css} on {}", self.describe_page().await)))
            }
        }
    }

    /// Waits for the element `css` and returns its visible text, trimmed.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        let element = self.element(css).await?;
        Ok(element.text().await?.trim().to_owned())
    }

    /// The current value of the form field with id `id`.
    pub async fn value(&self, id: &str) -> anyhow::Result<String> {
        let element = self.element(&format!("#{id}")).await?;
        Ok(element.value().await?.unwrap_or_default())
    }

    /// Replaces the content of the field with id `id` by `text`.
    pub async fn fill(&self, id: &str, text: &str) -> anyhow::Result<()> {
        let field = self.element(&format!("#{id}")).await?;
        field.clear().await?;
        if !text.is_empty() {
            field.send_keys(text).await?;
        }
        Ok(())
    }

    /// Picks the option with value `value` of the `<select>` with id `id`.
    pub async fn choose(&self, id: &str, value: &str) -> anyhow::Result<()> {
        let select = self.element(&format!("#{id}")).await?;
        SelectElement::new(&select)
            .await?
            .select_by_value(value)
            .await
            .with_context(|| format!("#{id} has no option {value:?}"))
    }

    /// Clicks the element with id `id`.
    pub async fn click(&self, id: &str) -> anyhow::Result<()> {
        let element = self.element(&format!("#{id}")).await?;
        element.click().await?;
        Ok(())
    }

    /// The browser console's entries since the last call (the log is
    /// drained as it is read), each as `LEVEL message`.
    pub async fn console(&self) -> anyhow::Result<Vec<String>> {
        let entries = self.driver().browser_log().await?;
        Ok(entries
            .into_iter()
            .map(|e| format!("{} {}", e.level, e.message))
            .collect())
    }

    /// The session's cookies as a `Cookie` header, to fetch what the
    /// browser would with the same session.
    pub async fn cookie_header(&self) -> anyhow::Result<String> {
        let cookies = self.driver().get_all_cookies().await?;
        Ok(cookies
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect::<Vec<_>>()
            .join("; "))
    }

    /// Where the browser is and what the page says, for failure messages.
    pub async fn describe_page(&self) -> String {
        let url = match self.driver().current_url().await {
            Ok(url) => url.to_string(),
            Err(e) => format!("(no url: {e})"),
        };
        let text = match self.driver().find(By::Tag("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let text: String = text.chars().take(600).collect();
        format!("{url} showing {text:?}")
    }

    /// Ends the session cleanly; dropping the browser also ends it.
    pub async fn quit(mut self) -> anyhow::Result<()> {
        if let Some(driver) = self.driver.take() {
            driver.quit().await?;
        }
        Ok(())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; thirtyfour does it on drop.
        drop(self.driver.take());
        // Then chromedriver, by its own process id only.
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
        if std::thread::panicking() {
            let log = self.scratch.path().join("chromedriver.log");
            if let Ok(text) = std::fs::read_to_string(&log) {
                eprintln!("--- chromedriver log (tail) ---\n{}", tail(&text, 20));
            }
        }
    }
}

/// The last `lines` lines of `text`.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
