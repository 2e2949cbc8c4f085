//! What every portal response tells the browser it may do with the page.
//!
//! A Content-Security-Policy with a fresh nonce per response: the page's
//! only scripts are the hydration script and the data scripts Leptos writes,
//! each carrying the nonce; the bundle loads from the portal itself and the
//! wasm compiles under `'wasm-unsafe-eval'`. Styles come from the stylesheet
//! only (the pages have no `style` attributes; the charts' SVG uses
//! presentation attributes, which the policy does not govern). No framing,
//! no `<base>`, forms post only to the portal, no plugins.
//!
//! Pages and downloads are never stored by the browser or a proxy
//! (`no-store`): they hold records about children. The bundle under `/pkg`
//! is stored but checked with the portal before each use (`no-cache`), since
//! its file names do not change from one build to the next.

use axum::extract::Request;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;
use leptos::prelude::*;
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy for a response whose scripts carry `nonce`.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'none'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; \
         img-src 'self'; \
         connect-src 'self'; \
         frame-ancestors 'none'; \
         base-uri 'none'; \
         form-action 'self'; \
         object-src 'none'"
    )
}

/// Powerful browser features the portal never uses, switched off for it and
/// anything it might embed.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), camera=(), \
     display-capture=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), \
     microphone=(), midi=(), payment=(), publickey-credentials-get=(), \
     screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()";

/// A year; sent only when the session cookie is `Secure`, i.e. the portal
/// is reached over HTTPS. Without `includeSubDomains`: the portal does not
/// speak for other hosts under its domain.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Whether `path` is part of the browser bundle (stored, revalidated)
/// rather than a page, a form's answer or a download (never stored).
fn is_bundle(path: &str) -> bool {
    path.starts_with("/pkg/")
}

/// Mints the response's nonce, hands it to the page renderer through the
/// request (see [`provide_request_nonce`]), and sets the headers that
/// depend on it or on the path.
pub async fn nonce_and_caching(mut req: Request, next: Next) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let bundle = is_bundle(req.uri().path());
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    if bundle {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-cache"));
    } else {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Gives the page being rendered the nonce [`nonce_and_caching`] put on its
/// request, so the hydration and data scripts carry the one the policy
/// names. Runs in the renderer's context, after Leptos provided its own.
pub fn provide_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    if let Some(nonce) = nonce {
        provide_context(nonce);
    }
}

/// The headers that are the same on every response.
pub fn fixed_headers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Not `no-referrer`: under it a browser sends `Origin: null` with
        // the portal's own form posts, which the same-origin guard then
        // refuses. `same-origin` still tells other sites nothing.
        (header::REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ]
    .into_iter()
    .map(|(name, value)| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value)))
    .collect()
}

/// `Strict-Transport-Security` when the portal is served over HTTPS (its
/// cookie is `Secure`), nothing otherwise.
pub fn transport_security(
    secure_cookie: bool,
) -> SetResponseHeaderLayer<impl FnMut(&Response) -> Option<HeaderValue> + Clone> {
    SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, move |_: &Response| {
        secure_cookie.then(|| HeaderValue::from_static(STRICT_TRANSPORT_SECURITY))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_nonce_and_allows_no_inline_script_or_style() {
        let csp = content_security_policy("abc123");
        assert!(
            csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        for directive in [
            "default-src 'none'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
    }

    #[test]
    fn only_the_bundle_is_stored() {
        assert!(is_bundle("/pkg/eip_portal_bg.wasm"));
        assert!(is_bundle("/pkg/eip_portal.css"));
        for page in [
            "/",
            "/referrals/1",
            "/governance/packs/1/csv",
            "/training/matrix.csv",
            "/pkgs",
        ] {
            assert!(!is_bundle(page), "{page}");
        }
    }

    #[test]
    fn every_feature_is_switched_off() {
        for feature in PERMISSIONS_POLICY.split(", ") {
            assert!(feature.ends_with("=()"), "{feature}");
        }
    }
}
