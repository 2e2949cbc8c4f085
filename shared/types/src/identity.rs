//! Who a user is, as far as the services are concerned.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The roles a platform user can hold. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Frontline officer, PCSO or hub staff.
    Frontline,
    /// Hub coordinator or Community Policing Inspector.
    Coordinator,
    /// Partner agency worker.
    Partner,
    Trainer,
    /// Governance board member: aggregates only.
    Board,
    Analyst,
    Admin,
    /// Data protection officer: reads the access audit, never a record.
    Dpo,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Frontline,
        Role::Coordinator,
        Role::Partner,
        Role::Trainer,
        Role::Board,
        Role::Analyst,
        Role::Admin,
        Role::Dpo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Frontline => "frontline",
            Role::Coordinator => "coordinator",
            Role::Partner => "partner",
            Role::Trainer => "trainer",
            Role::Board => "board",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::Dpo => "dpo",
        }
    }

    /// How the role is named to a person.
    pub fn label(self) -> &'static str {
        match self {
            Role::Frontline => "Frontline officer",
            Role::Coordinator => "Hub coordinator",
            Role::Partner => "Partner agency worker",
            Role::Trainer => "Trainer",
            Role::Board => "Governance board member",
            Role::Analyst => "Analyst",
            Role::Admin => "Administrator",
            Role::Dpo => "Data protection officer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown role `{}`", self.0)
    }
}

impl std::error::Error for UnknownRole {}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The authenticated user a request acts for, as asserted by the portal and
/// checked by every service. It carries no name: services need only the
/// user's id, roles, areas and agency to decide what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Principal {
    pub user_id: String,
    pub roles: Vec<Role>,
    /// Ids of the local authority areas the user works in.
    pub areas: Vec<String>,
    /// For partner agency workers, the agency they belong to.
    pub agency: Option<String>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    pub fn works_in(&self, area_id: &str) -> bool {
        self.areas.iter().any(|a| a == area_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn principal_checks_roles_and_areas() {
        let p = Principal {
            user_id: "u1".into(),
            roles: vec![Role::Frontline],
            areas: vec!["hull".into()],
            agency: None,
        };
        assert!(p.has_role(Role::Frontline));
        assert!(!p.has_role(Role::Admin));
        assert!(p.has_any_role(&[Role::Admin, Role::Frontline]));
        assert!(p.works_in("hull"));
        assert!(!p.works_in("east-riding"));
    }
}
