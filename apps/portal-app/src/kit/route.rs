//! A URL path of the portal, with the number of ids it takes in its type.

/// A path as axum's router writes it, with `N` holes (`{id}`) filled in
/// order by [`Route::at`]. A template whose holes do not number `N` fails
/// to compile where the constant is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route<const N: usize>(&'static str);

impl<const N: usize> Route<N> {
    pub const fn new(template: &'static str) -> Self {
        assert!(
            holes(template) == N,
            "a route's holes must number its arity"
        );
        Self(template)
    }

    /// The template, as the router registers it.
    pub const fn template(self) -> &'static str {
        self.0
    }

    /// The path with its holes filled by `args`, in order.
    pub fn at(self, args: [&str; N]) -> String {
        let mut path = String::with_capacity(self.0.len() + 40);
        let mut args = args.iter();
        let mut rest = self.0;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            path.push_str(args.next().copied().unwrap_or_default());
            rest = rest[open..]
                .find('}')
                .map_or("", |close| &rest[open + close + 1..]);
        }
        path.push_str(rest);
        path
    }

    /// [`Route::at`] with a query string of `query`'s pairs.
    pub fn with_query(self, args: [&str; N], query: &[(&str, &str)]) -> String {
        let mut path = self.at(args);
        for (i, (name, value)) in query.iter().enumerate() {
            path.push(if i == 0 { '?' } else { '&' });
            path.push_str(name);
            path.push('=');
            path.push_str(value);
        }
        path
    }
}

impl Route<0> {
    /// A path without holes.
    pub const fn path(self) -> &'static str {
        self.0
    }
}

const fn holes(template: &str) -> usize {
    let bytes = template.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < bytes.len() {
        if bytes[i] == b'{' {
            n += 1;
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_are_filled_in_order() {
        const SKILL: Route<2> = Route::new("/admin/skills/{service}/{action}/clear");
        assert_eq!(
            SKILL.at(["referrals", "referral.triage"]),
            "/admin/skills/referrals/referral.triage/clear"
        );
        assert_eq!(SKILL.template(), "/admin/skills/{service}/{action}/clear");
        const CASE: Route<1> = Route::new("/cases/{id}");
        assert_eq!(CASE.at(["c-1"]), "/cases/c-1");
        assert_eq!(Route::<0>::new("/demand").path(), "/demand");
    }

    #[test]
    fn a_query_follows_the_path() {
        const UNDO: Route<1> = Route::new("/merges/{id}/undo");
        assert_eq!(
            UNDO.with_query(["m1"], &[("person", "p1")]),
            "/merges/m1/undo?person=p1"
        );
        assert_eq!(
            Route::<0>::new("/imports").with_query([], &[("job", "j"), ("x", "y")]),
            "/imports?job=j&x=y"
        );
    }

    #[test]
    fn every_route_has_the_holes_it_declares() {
        assert_eq!(holes("/"), 0);
        assert_eq!(holes("/cases/{id}/{stage}"), 2);
    }
}
