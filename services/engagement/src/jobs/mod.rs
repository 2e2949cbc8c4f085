//! The work the service does beside answering requests: the import
//! pipeline, the worker that publishes repeat-demand levels, and reading
//! the directory's coverage at start-up.

pub mod directory_coverage;
pub mod import;
pub mod repeat_levels;
