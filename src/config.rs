//! Configuration: `.mailport.toml` and the language server's `mailport` settings share these keys.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::files::{self, ReadError};
use crate::vocab::{RuleCode, Severity};

/// The configuration file: `mailport check` takes the nearest one from the current folder up, the
/// language server the one in each workspace root.
pub const FILE_NAME: &str = ".mailport.toml";

/// Largest configuration file read (a real one is a few hundred bytes).
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Why a configuration file was not taken.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {0}: {1}")]
    Unreadable(String, ReadError),
    #[error("invalid {0}: {1}")]
    Invalid(String, ConfigError),
}

/// Reads the configuration file at `path`: `Ok(None)` when there is none. A symlink to
/// `/dev/zero` or a FIFO in a repository is refused, not read ([`files::read_regular_text`]).
pub fn read_file(path: &Path) -> Result<Option<Config>, FileError> {
    let shown = || path.display().to_string();
    let text = match files::read_regular_text(path, MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(ReadError::NotFound) => return Ok(None),
        Err(e) => return Err(FileError::Unreadable(shown(), e)),
    };
    Config::from_toml(&text)
        .map(Some)
        .map_err(|e| FileError::Invalid(shown(), e))
}

/// Which fix is preferred where both directions are valid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Prefer {
    #[default]
    ImplicitTls,
    Starttls,
}

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    On(Severity),
}

/// `[[allow]]`: a host (and optionally ports) the team uses on purpose; no finding is reported
/// for its endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    pub host: String,
    #[serde(default)]
    pub ports: Vec<u32>,
    /// Only these rules are allowed; empty = every rule.
    #[serde(default)]
    pub rules: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub prefer: Prefer,
    pub rules: BTreeMap<RuleCode, RuleLevel>,
    pub allow: Vec<Allow>,
}

/// Why a configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Toml(String),
    #[error("unknown rule code '{0}' in [rules]")]
    UnknownRule(String),
    #[error("rule {0}: level must be off, hint, info, warning or error (got '{1}')")]
    BadLevel(String, String),
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    prefer: Option<Prefer>,
    rules: BTreeMap<String, String>,
    allow: Vec<Allow>,
}

impl Config {
    /// Reads `.mailport.toml` text.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::Toml(e.message().to_string()))?;
        Config::from_parts(raw.prefer, &raw.rules, raw.allow)
    }

    /// Builds a configuration from already-deserialized parts (the LSP settings use this too).
    pub fn from_parts(
        prefer: Option<Prefer>,
        rules: &BTreeMap<String, String>,
        allow: Vec<Allow>,
    ) -> Result<Config, ConfigError> {
        let mut out = Config {
            prefer: prefer.unwrap_or_default(),
            rules: BTreeMap::new(),
            allow,
        };
        for (code, level) in rules {
            let rule =
                RuleCode::parse(code).ok_or_else(|| ConfigError::UnknownRule(code.clone()))?;
            let level = if level.trim().eq_ignore_ascii_case("off") {
                RuleLevel::Off
            } else {
                RuleLevel::On(
                    Severity::parse(level)
                        .ok_or_else(|| ConfigError::BadLevel(code.clone(), level.clone()))?,
                )
            };
            out.rules.insert(rule, level);
        }
        Ok(out)
    }

    /// The severity a rule reports with, or `None` when it is off.
    pub fn severity(&self, rule: RuleCode) -> Option<Severity> {
        match self.rules.get(&rule) {
            Some(RuleLevel::Off) => None,
            Some(RuleLevel::On(s)) => Some(*s),
            None => Some(rule.default_severity()),
        }
    }
}
