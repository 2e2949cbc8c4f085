//! What the portal tells browsers on every response, over HTTP without a
//! browser: the whole platform with demo data, a home page per role, the
//! downloads, the sign-in page and the bundle; each response's
//! Content-Security-Policy nonce is fresh and is the one the page's scripts
//! carry. And the runner refuses to serve demo mode on a public address.

use eip_platform::CancellationToken;
use eip_test_support::{RunningService, TestDb, free_port, keys};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A folder removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("eip-{name}-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&path).expect("scratch folder");
        Self(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Platform {
    base: String,
    http: reqwest::Client,
    shutdown: CancellationToken,
    _data: Scratch,
    _site: Scratch,
}

impl Drop for Platform {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The all-in-one platform with demo data on a loopback port, its bundle a
/// stand-in stylesheet.
async fn platform() -> Platform {
    let data = Scratch::new("headers-data");
    let site = Scratch::new("headers-site");
    std::fs::create_dir_all(site.0.join("pkg")).expect("pkg folder");
    std::fs::write(site.0.join("pkg/eip_portal.css"), "body { margin: 0 }").expect("css");
    let port = free_port();
    let config = eip_allinone::Config {
        bind: format!("127.0.0.1:{port}"),
        data_dir: data.0.clone(),
        site_root: site.0.clone(),
        demo: true,
        ..Default::default()
    };
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(eip_allinone::run(config, shutdown.clone()));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(!task.is_finished(), "the platform stopped while starting");
        if let Ok(res) = http.get(format!("{base}/health/ready")).send().await
            && res.status().is_success()
        {
            break;
        }
        assert!(Instant::now() < deadline, "the platform never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Platform {
        base,
        http,
        shutdown,
        _data: data,
        _site: site,
    }
}

impl Platform {
    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        req.send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    async fn sign_in(&self, username: &str) -> String {
        let res = self
            .http
            .post(format!("{}/sign-in", self.base))
            .form(&[("username", username), ("password", "demo-password")])
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{username}");
        assert_eq!(res.headers()[LOCATION], "/", "{username}");
        check_headers("the sign-in answer", res.headers(), Caching::NoStore);
        session_cookie(res.headers()).expect("a session cookie")
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("eip_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Caching {
    /// Pages, form answers and downloads.
    NoStore,
    /// The bundle.
    Revalidate,
}

/// Checks the headers every response carries; returns the policy's nonce.
fn check_headers(what: &str, headers: &HeaderMap, caching: Caching) -> String {
    let csp = header(headers, "content-security-policy");
    let nonce = csp
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("script-src "))
        .and_then(|sources| {
            sources
                .split_whitespace()
                .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        })
        .unwrap_or_else(|| panic!("{what}: no script nonce in the policy {csp:?}"))
        .to_owned();
    assert!(nonce.len() >= 22, "{what}: a short nonce {nonce:?}");
    assert!(
        csp.contains(&format!(
            "script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"
        )),
        "{what}: {csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    for directive in [
        "default-src 'none'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {directive} not in {csp}");
    }
    assert_eq!(
        header(headers, "x-content-type-options"),
        "nosniff",
        "{what}"
    );
    assert_eq!(header(headers, "referrer-policy"), "same-origin", "{what}");
    assert_eq!(
        header(headers, "cross-origin-opener-policy"),
        "same-origin",
        "{what}"
    );
    let permissions = header(headers, "permissions-policy");
    for feature in [
        "camera=()",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
    ] {
        assert!(
            permissions.contains(feature),
            "{what}: {feature} not in {permissions:?}"
        );
    }
    assert!(
        headers.get("strict-transport-security").is_none(),
        "{what}: HSTS over plain http"
    );
    let cache = header(headers, "cache-control");
    match caching {
        Caching::NoStore => assert_eq!(cache, "no-store", "{what}"),
        Caching::Revalidate => assert_eq!(cache, "no-cache", "{what}"),
    }
    nonce
}

/// Every `<script>` tag of `html` carries `nonce`; returns how many there are.
fn scripts_carry(what: &str, html: &str, nonce: &str) -> usize {
    let tags: Vec<&str> = html
        .match_indices("<script")
        .map(|(at, _)| {
            let rest = &html[at..];
            &rest[..rest.find('>').unwrap_or(rest.len())]
        })
        .collect();
    for tag in &tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{what}: a script without the response's nonce: {tag}"
        );
    }
    assert!(
        !html.contains(" style="),
        "{what}: an inline style attribute, which the policy refuses"
    );
    tags.len()
}

/// A home page per role, the downloads, the sign-in page, a 404 and the
/// bundle: every one carries the headers, each nonce is new, and each
/// page's scripts carry its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_browser_policy_with_a_fresh_nonce() {
    let p = platform().await;
    let mut nonces = HashSet::new();
    let mut fresh = |what: &str, nonce: String| {
        assert!(nonces.insert(nonce.clone()), "{what}: nonce {nonce} reused");
    };

    let sign_in = p.get("/sign-in", None).await;
    assert_eq!(sign_in.status(), StatusCode::OK);
    let nonce = check_headers("/sign-in", sign_in.headers(), Caching::NoStore);
    let html = sign_in.text().await.expect("page");
    assert!(
        scripts_carry("/sign-in", &html, &nonce) >= 1,
        "no hydration script"
    );
    fresh("/sign-in", nonce);

    for user in [
        "frontline.hull",
        "coordinator.hull",
        "partner.cfs",
        "trainer",
        "board",
        "analyst",
        "admin",
        "dpo",
    ] {
        let cookie = p.sign_in(user).await;
        let home = p.get("/", Some(&cookie)).await;
        assert_eq!(home.status(), StatusCode::OK, "{user}");
        let what = format!("{user}'s home page");
        let nonce = check_headers(&what, home.headers(), Caching::NoStore);
        let html = home.text().await.expect("page");
        assert!(
            html.contains("id=\"current-user\""),
            "{what} is not signed in"
        );
        assert!(
            scripts_carry(&what, &html, &nonce) >= 1,
            "{what}: no scripts"
        );
        fresh(&what, nonce);
    }

    // Downloads: the trainer's skills matrix, the board's current pack.
    let trainer = p.sign_in("trainer").await;
    let csv = p.get("/training/matrix.csv", Some(&trainer)).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(header(csv.headers(), "content-type").starts_with("text/csv"));
    fresh(
        "matrix CSV",
        check_headers("matrix CSV", csv.headers(), Caching::NoStore),
    );

    let board = p.sign_in("board").await;
    let packs = p
        .get("/governance/packs", Some(&board))
        .await
        .text()
        .await
        .expect("packs page");
    let pack = packs
        .match_indices("href=\"/governance/packs/")
        .map(|(at, _)| &packs[at + 6..])
        .map(|rest| &rest[..rest.find('"').unwrap_or(0)])
        .find(|href| {
            href.strip_prefix("/governance/packs/")
                .is_some_and(|id| !id.is_empty() && !id.contains('/'))
        })
        .unwrap_or_else(|| panic!("no pack on the packs page"))
        .to_owned();
    let pdf = p.get(&format!("{pack}/pdf"), Some(&board)).await;
    assert_eq!(pdf.status(), StatusCode::OK, "{pack}/pdf");
    assert_eq!(header(pdf.headers(), "content-type"), "application/pdf");
    fresh(
        "pack PDF",
        check_headers("pack PDF", pdf.headers(), Caching::NoStore),
    );
    let table = p
        .get(&format!("{pack}/csv/referrals-submitted"), Some(&board))
        .await;
    assert_eq!(table.status(), StatusCode::OK, "{pack}/csv");
    fresh(
        "pack CSV",
        check_headers("pack CSV", table.headers(), Caching::NoStore),
    );

    // A refused download and an unknown page are not stored either.
    let refused = p.get("/training/matrix.csv", Some(&board)).await;
    assert!(refused.status().is_client_error(), "{}", refused.status());
    fresh(
        "a refusal",
        check_headers("a refusal", refused.headers(), Caching::NoStore),
    );
    let missing = p.get("/no-such-page", Some(&board)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let nonce = check_headers("404", missing.headers(), Caching::NoStore);
    let html = missing.text().await.expect("page");
    scripts_carry("404", &html, &nonce);
    fresh("404", nonce);

    // The bundle is stored and revalidated, still under the policy.
    let css = p.get("/pkg/eip_portal.css", None).await;
    assert_eq!(css.status(), StatusCode::OK);
    fresh(
        "bundle",
        check_headers("bundle", css.headers(), Caching::Revalidate),
    );
}

/// Behind HTTPS (a `Secure` cookie) the portal also asks browsers to use
/// HTTPS only.
#[tokio::test]
async fn strict_transport_security_comes_with_secure_cookies() {
    let db = TestDb::sqlite();
    let mut config = eip_portal::Config {
        database_url: db.url.clone(),
        ..Default::default()
    };
    config.sessions.secure_cookie = true;
    let keys = keys();
    let portal = RunningService::start(|listener, shutdown| {
        eip_portal::launch(
            config,
            keys.part(eip_platform::identity::PORTAL),
            listener,
            shutdown,
        )
    })
    .await;
    let res = reqwest::get(format!("{}/sign-in", portal.base))
        .await
        .expect("sign-in page");
    assert_eq!(
        header(res.headers(), "strict-transport-security"),
        "max-age=31536000"
    );
    assert!(header(res.headers(), "content-security-policy").contains("'nonce-"));
}

/// The runner, asked for demo mode or plain-http cookies on every
/// interface, exits at once with a message naming the setting that would
/// allow it, before touching its data folder.
#[test]
fn the_runner_refuses_demo_mode_on_a_public_address() {
    let data = Scratch::new("refuse-data");
    let run = |extra: &[(&str, &str)]| -> (bool, String) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_eip"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("EIP_BIND", format!("0.0.0.0:{}", free_port()))
            .env("EIP_DATA_DIR", &data.0)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run eip");
        let deadline = Instant::now() + Duration::from_secs(20);
        while child.try_wait().expect("wait").is_none() {
            if Instant::now() > deadline {
                // Only the child this test started.
                let _ = child.kill();
                let _ = child.wait();
                panic!("eip {extra:?} was still running after 20 s: it did not refuse");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = child.wait_with_output().expect("output");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    // Demo mode is the runner's default.
    let (ok, stderr) = run(&[]);
    assert!(!ok, "it exited successfully: {stderr}");
    assert!(
        stderr.contains("EIP_ALLOW_INSECURE_PUBLIC") && stderr.contains("demo mode"),
        "{stderr}"
    );
    let (ok, stderr) = run(&[("EIP_DEMO", "false")]);
    assert!(!ok, "it exited successfully: {stderr}");
    assert!(
        stderr.contains("EIP_ALLOW_INSECURE_PUBLIC")
            && stderr.contains("not Secure")
            && !stderr.contains("demo mode"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(&data.0).expect("data").next().is_none(),
        "it wrote to its data folder before refusing"
    );
}
