//! Logs and traces. Readable logs by default, JSON on request, and OpenTelemetry
//! export over OTLP/HTTP when an endpoint is configured. W3C trace context is
//! read from incoming requests and events and written into outgoing ones.
//!
//! Personal data never goes into a log line or a span: spans carry route
//! templates, ids and counts only.

use crate::config::{LogFormat, TelemetryConfig};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::collections::BTreeMap;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Flushes spans when dropped at the end of `main`.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take() {
            let _ = p.shutdown();
        }
    }
}

const DEFAULT_FILTER: &str = "info,sqlx=warn,hyper=warn,reqwest=warn,redis=warn";

/// Installs the global subscriber, exporting spans over OTLP/HTTP when an
/// endpoint is configured. Later calls in the same process (tests, the
/// all-in-one runner) leave the first one in place.
pub fn init(service_name: &str, cfg: &TelemetryConfig) -> anyhow::Result<Telemetry> {
    let provider = match &cfg.otlp_endpoint {
        Some(endpoint) => {
            use opentelemetry_otlp::WithExportConfig;
            // The batch processor exports from a thread of its own, outside
            // any async runtime: the exporter's default blocking client.
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
                .build()?;
            let resource = opentelemetry_sdk::Resource::builder()
                .with_service_name(service_name.to_owned())
                .build();
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(resource)
                    .build(),
            )
        }
        None => None,
    };
    init_with(cfg, provider, std::io::stdout)
}

/// As [`init`], with spans going to `provider` and log lines to `logs` (an
/// in-memory exporter and buffer in tests, say).
pub fn init_with<W>(
    cfg: &TelemetryConfig,
    provider: Option<SdkTracerProvider>,
    logs: W,
) -> anyhow::Result<Telemetry>
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let filter = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| cfg.filter.clone())
        .unwrap_or_else(|| DEFAULT_FILTER.into());
    let filter = EnvFilter::try_new(&filter)
        .map_err(|e| anyhow::anyhow!("telemetry.filter `{filter}` is not valid: {e}"))?;

    let fmt = match cfg.log_format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .compact()
            .with_writer(logs)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(logs)
            .boxed(),
    };
    let otel = provider.as_ref().map(|p| {
        opentelemetry::global::set_tracer_provider(p.clone());
        tracing_opentelemetry::layer().with_tracer(p.tracer("eip"))
    });
    // A second init in one process keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init();
    Ok(Telemetry { provider })
}

struct MapInjector<'a>(&'a mut BTreeMap<String, String>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

struct MapExtractor<'a>(&'a BTreeMap<String, String>);

impl Extractor for MapExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// The current span's trace context as `traceparent`/`tracestate` entries.
pub fn current_context_map() -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let cx = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&cx, &mut MapInjector(&mut map));
    map
}

/// Makes `span` a child of the trace context carried in `map`.
pub fn set_parent(span: &tracing::Span, map: &BTreeMap<String, String>) {
    if map.is_empty() {
        return;
    }
    let cx = TraceContextPropagator::new().extract(&MapExtractor(map));
    let _ = span.set_parent(cx);
}

/// Makes `span` a child of the trace context in request headers.
pub fn set_parent_from_headers(span: &tracing::Span, headers: &http::HeaderMap) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let cx = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    let _ = span.set_parent(cx);
}
