//! Calls for service: the sources they come from, each counted apart.
//! Imports write them (see `jobs::import`); analysis, cases and repeat
//! demand read them.

/// Command-and-control incidents, imported from the force's own system.
pub const SOURCE_INCIDENTS: &str = "command_and_control";
/// Public street-level crime, placed through the census area lookup.
pub const SOURCE_STREET_CRIME: &str = "street_crime";
