//! Whether the portal may start as configured: demo accounts (one known
//! password) and cookies without `Secure` are for a machine's own loopback
//! interface. On any other address the portal refuses them unless
//! `allow_insecure_public` (`EIP_ALLOW_INSECURE_PUBLIC=true`) says the risk
//! is understood.

use std::net::IpAddr;

/// The setting that lets an insecure portal start on a public address.
pub const OVERRIDE: &str = "EIP_ALLOW_INSECURE_PUBLIC";

/// What the check looks at.
#[derive(Debug, Clone, Copy)]
pub struct Exposure<'a> {
    /// Where the portal can be reached: its bind address, or the address a
    /// container's port is published on (`host:port`, or a bare port for
    /// every interface).
    pub address: &'a str,
    pub demo: bool,
    pub secure_cookie: bool,
    pub allow_insecure_public: bool,
}

/// Whether `address` (`host:port`, `[v6]:port`, a host alone, or a bare
/// port) is reachable only from the machine itself. Unknown host names and
/// a bare port (every interface) count as public.
pub fn is_loopback(address: &str) -> bool {
    let address = address.trim();
    let host = if let Some(rest) = address.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(host, _)| host)
    } else if address.matches(':').count() > 1 {
        // An IPv6 address without brackets or port.
        address
    } else {
        address.split_once(':').map_or(address, |(host, _)| host)
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `Ok` when the portal may start; else the message that says why not and
/// which setting would allow it.
pub fn check(e: Exposure<'_>) -> Result<(), String> {
    if e.allow_insecure_public || is_loopback(e.address) {
        return Ok(());
    }
    let mut problems = Vec::new();
    if e.demo {
        problems
            .push("demo mode is on (demo accounts share one known password; set EIP_DEMO=false)");
    }
    if !e.secure_cookie {
        problems.push(
            "the session cookie is not Secure (serve over HTTPS and set EIP_SESSIONS__SECURE_COOKIE=true)",
        );
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "refusing to serve the portal on {}, which is not a loopback address: {}. \
         Bind to 127.0.0.1, or set {OVERRIDE}=true to start anyway.",
        e.address,
        problems.join("; and ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposure(address: &str, demo: bool, secure_cookie: bool) -> Exposure<'_> {
        Exposure {
            address,
            demo,
            secure_cookie,
            allow_insecure_public: false,
        }
    }

    #[test]
    fn loopback_addresses_are_recognised() {
        for a in [
            "127.0.0.1:3000",
            "127.0.0.2:80",
            "localhost:3000",
            "LOCALHOST",
            "[::1]:3000",
            "::1",
            "127.0.0.1",
        ] {
            assert!(is_loopback(a), "{a}");
        }
        for a in [
            "0.0.0.0:3000",
            "[::]:3000",
            "10.1.2.3:3000",
            "192.168.0.4",
            "portal.example.org:443",
            "3000",
            "",
            "::",
        ] {
            assert!(!is_loopback(a), "{a}");
        }
    }

    #[test]
    fn anything_goes_on_loopback() {
        assert!(check(exposure("127.0.0.1:3000", true, false)).is_ok());
    }

    #[test]
    fn a_public_address_needs_secure_cookies_and_no_demo() {
        assert!(check(exposure("0.0.0.0:3000", false, true)).is_ok());
        let demo = check(exposure("0.0.0.0:3000", true, true)).expect_err("demo refused");
        assert!(demo.contains("demo mode"), "{demo}");
        assert!(demo.contains(OVERRIDE), "{demo}");
        assert!(!demo.contains("Secure"), "{demo}");
        let cookie = check(exposure("10.0.0.5:3000", false, false)).expect_err("cookie refused");
        assert!(cookie.contains("not Secure"), "{cookie}");
        assert!(cookie.contains(OVERRIDE), "{cookie}");
        let both = check(exposure("[::]:3000", true, false)).expect_err("both refused");
        assert!(
            both.contains("demo mode") && both.contains("not Secure"),
            "{both}"
        );
    }

    #[test]
    fn the_override_allows_it() {
        let e = Exposure {
            allow_insecure_public: true,
            ..exposure("0.0.0.0:3000", true, false)
        };
        assert!(check(e).is_ok());
    }
}
