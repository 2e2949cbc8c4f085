//! One trace spans portal → referrals → event bus → governance, and no span
//! or log line carries the child's name. (Its own test binary: it installs the process's
//! global tracing subscriber.)

use eip_platform::CancellationToken;
use eip_platform::config::TelemetryConfig;
use eip_test_support::free_port;
use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use reqwest::header::{COOKIE, SET_COOKIE};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every log line the platform writes during the test.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Logs {
    type Writer = Logs;

    fn make_writer(&'w self) -> Self::Writer {
        self.clone()
    }
}

fn find<'a>(spans: &'a [SpanData], name: &str) -> Option<&'a SpanData> {
    spans.iter().find(|s| s.name == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_follows_a_referral_from_the_portal_to_governance_without_personal_data() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let cfg = TelemetryConfig {
        filter: Some("info".into()),
        ..Default::default()
    };
    let logs = Logs::default();
    let _telemetry =
        eip_platform::telemetry::init_with(&cfg, Some(provider), logs.clone()).expect("telemetry");

    let data = std::env::temp_dir().join(format!("eip-trace-{}", free_port()));
    let port = free_port();
    let config = eip_allinone::Config {
        bind: format!("127.0.0.1:{port}"),
        data_dir: data.clone(),
        demo: true,
        ..Default::default()
    };
    let shutdown = CancellationToken::new();
    let platform = tokio::spawn(eip_allinone::run(config, shutdown.clone()));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(!platform.is_finished(), "the platform stopped");
        assert!(Instant::now() < deadline, "the platform never became ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let signed_in = http
        .post(format!("{base}/sign-in"))
        .form(&[
            ("username", "frontline.hull"),
            ("password", "demo-password"),
        ])
        .send()
        .await
        .expect("sign in");
    let cookie = signed_in
        .headers()
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned();
    let child = format!("Traceable Child {port}");
    let created = http
        .post(format!("{base}/referrals/new"))
        .header(COOKIE, &cookie)
        .form(&[
            ("child_name", child.as_str()),
            ("date_of_birth", "2016-05-01"),
            ("area_id", "hull"),
            ("reason", "Seen with older youths late at night"),
            ("action", "submit"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(created.headers()["location"], "/referrals");

    // Wait until governance has consumed an event in the portal's trace.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (portal, referrals, governance) = loop {
        let spans = exporter.get_finished_spans().expect("spans");
        if let Some(portal) = find(&spans, "POST /referrals/new") {
            let trace: TraceId = portal.span_context.trace_id();
            let in_trace = |name: &str| {
                spans
                    .iter()
                    .find(|s| s.name == name && s.span_context.trace_id() == trace)
                    .cloned()
            };
            if let (Some(r), Some(g)) = (
                in_trace("POST /referrals"),
                in_trace("consume referral.submitted"),
            ) {
                break (portal.clone(), r, g);
            }
        }
        assert!(
            Instant::now() < deadline,
            "no single trace reached governance; spans: {:?}",
            spans.iter().map(|s| s.name.to_string()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The referrals request descends from the portal's (a library may put a
    // span of its own between them).
    let spans = exporter.get_finished_spans().expect("spans");
    let mut ancestor = referrals.parent_span_id;
    let mut hops = 0;
    while ancestor != portal.span_context.span_id() {
        ancestor = spans
            .iter()
            .find(|s| s.span_context.span_id() == ancestor)
            .map(|s| s.parent_span_id)
            .unwrap_or_else(|| panic!("the referrals request does not descend from the portal's"));
        hops += 1;
        assert!(
            hops < 10,
            "no path from the referrals request to the portal's"
        );
    }
    assert_ne!(
        governance.parent_span_id,
        opentelemetry::trace::SpanId::INVALID
    );

    // Spans carry route templates and ids, never the child's name or the reason.
    for span in exporter.get_finished_spans().expect("spans") {
        let text = format!("{} {:?}", span.name, span.attributes);
        assert!(
            !text.contains("Traceable"),
            "a span names the child: {text}"
        );
        assert!(
            !text.contains("older youths"),
            "a span carries the reason: {text}"
        );
    }

    // Nor do the log lines, though they record the referral being raised.
    let logs = logs.text();
    assert!(
        logs.contains("referral raised"),
        "the logs say what happened"
    );
    assert!(!logs.contains("Traceable"), "a log line names the child");
    assert!(
        !logs.contains("older youths"),
        "a log line carries the reason"
    );

    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), platform).await;
    let _ = std::fs::remove_dir_all(data);
}
