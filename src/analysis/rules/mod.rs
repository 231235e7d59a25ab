//! Rules: one function per rule family over endpoints; each returns findings with fixes.

use super::endpoints::Endpoint;
use super::findings::Finding;
use super::syntax::{Format, Setting};
use crate::config::Config;

/// Runs every rule over the endpoints of one document.
pub fn check(
    text: &str,
    format: Format,
    settings: &[Setting],
    endpoints: &[Endpoint],
    config: &Config,
) -> Vec<Finding> {
    let _ = (text, format, settings, endpoints, config);
    Vec::new()
}
