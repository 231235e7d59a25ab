//! Settings: the editor's `mailport` section (initializationOptions, `workspace/configuration`,
//! `didChangeConfiguration`) over `.mailport.toml` at each workspace root. The editor wins:
//! its `prefer` replaces the file's, its `rules` override the file's per code, its `allow`
//! entries are added to the file's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::config::{Allow, Config, Prefer};

/// Analyses cheaper than this (CPU time) are not debounced by default: at typing speed, one key
/// every 100 ms or so, running them all costs a small part of one core.
pub const ADAPTIVE_DEBOUNCE_ABOVE: Duration = Duration::from_millis(20);
/// The longest adaptive wait: a very slow document still gets diagnostics soon after typing stops.
pub const ADAPTIVE_DEBOUNCE_MAX: Duration = Duration::from_millis(250);

/// The editor's `mailport` settings.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct EditorSettings {
    pub prefer: Option<Prefer>,
    pub rules: BTreeMap<String, String>,
    pub allow: Vec<Allow>,
    /// How long the document must be quiet after an edit before diagnostics are computed; 0
    /// publishes right away. Unset (`None`, the default): adaptive, see [`CheckedSettings::debounce`].
    pub debounce_ms: Option<u64>,
    /// "Test connection" code lenses above endpoints.
    pub code_lens: bool,
    /// What each connection really is (`SMTP · implicit TLS`), after its port.
    pub inlay_hints: bool,
    pub probe: ProbeSettings,
    pub workspace: WorkspaceSettings,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ProbeSettings {
    pub timeout_secs: u64,
}

impl Default for EditorSettings {
    fn default() -> Self {
        EditorSettings {
            prefer: None,
            rules: BTreeMap::new(),
            allow: Vec::new(),
            debounce_ms: None,
            code_lens: true,
            inlay_hints: true,
            probe: ProbeSettings::default(),
            workspace: WorkspaceSettings::default(),
        }
    }
}

/// The scan's settings (`mailport.workspace`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// Read the workspace folders' mail configs and report problems in files that are not open.
    pub scan: bool,
    /// At most this many files are looked at (the rest of the tree is left out).
    pub max_files: usize,
    /// At most this many bytes are read in one scan.
    pub max_bytes: u64,
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        WorkspaceSettings {
            scan: true,
            max_files: 50_000,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings { timeout_secs: 10 }
    }
}

/// Editor settings that were read and checked, with the configuration they amount to.
#[derive(Clone, Debug, Default)]
pub struct CheckedSettings {
    pub settings: EditorSettings,
    /// `prefer`, `rules`, `allow` of the editor alone.
    config: Config,
}

impl CheckedSettings {
    /// Reads settings sent by the client: either `{ "mailport": {…} }` or the `mailport` object
    /// itself; `null` means defaults.
    pub fn from_value(value: &Value) -> Result<CheckedSettings, String> {
        let section = match value {
            Value::Null => return Ok(CheckedSettings::default()),
            Value::Object(map) => map.get("mailport").unwrap_or(value),
            _ => value,
        };
        let settings: EditorSettings = match section {
            Value::Null => EditorSettings::default(),
            other => {
                EditorSettings::deserialize(other).map_err(|e| format!("mailport settings: {e}"))?
            }
        };
        let config = Config::from_parts(settings.prefer, &settings.rules, settings.allow.clone())
            .map_err(|e| format!("mailport settings: {e}"))?;
        Ok(CheckedSettings { settings, config })
    }

    /// Whether `value` carries a `mailport` section (rather than `null`, which tells a client
    /// that supports it to pull with `workspace/configuration`).
    pub fn has_section(value: &Value) -> bool {
        match value {
            Value::Object(map) => map.contains_key("mailport"),
            _ => false,
        }
    }

    /// How long to wait for quiet after an edit, for a document whose analysis takes about
    /// `analysis_cost`. A `debounceMs` the user set is taken as it is. Unset, the wait adapts:
    /// an analysis cheaper than [`ADAPTIVE_DEBOUNCE_ABOVE`] costs less than any wait would save,
    /// so diagnostics go out as soon as it is done; a slower one waits about as long as one
    /// analysis takes (at most [`ADAPTIVE_DEBOUNCE_MAX`]), so a burst of keystrokes costs one
    /// analysis rather than one per key.
    pub fn debounce(&self, analysis_cost: Duration) -> Duration {
        match self.settings.debounce_ms {
            Some(ms) => Duration::from_millis(ms),
            None if analysis_cost < ADAPTIVE_DEBOUNCE_ABOVE => Duration::ZERO,
            None => analysis_cost.min(ADAPTIVE_DEBOUNCE_MAX),
        }
    }

    pub fn probe_timeout(&self) -> Duration {
        Duration::from_secs(self.settings.probe.timeout_secs.clamp(1, 600))
    }
}

/// Combines a workspace's `.mailport.toml` with the editor's settings.
pub fn merge(file: Option<&Config>, editor: &CheckedSettings) -> Config {
    let mut out = file.cloned().unwrap_or_default();
    if let Some(prefer) = editor.settings.prefer {
        out.prefer = prefer;
    }
    out.rules
        .extend(editor.config.rules.iter().map(|(k, v)| (*k, *v)));
    out.allow.extend(editor.config.allow.iter().cloned());
    out
}

/// A workspace root and its `.mailport.toml` (the last one that could be read).
#[derive(Clone, Debug)]
pub struct Root {
    pub path: PathBuf,
    pub file: Option<Config>,
}

/// Everything configuration: the editor's settings, the roots' files, and the merged result per
/// root. `epoch` changes whenever any of it does (cached analyses are keyed by it).
#[derive(Debug, Default)]
pub struct SettingsState {
    pub editor: CheckedSettings,
    pub roots: Vec<Root>,
    pub epoch: u64,
    merged_per_root: Vec<Arc<Config>>,
    merged_outside: Arc<Config>,
}

impl SettingsState {
    /// Recomputes the merged configurations; call after changing `editor` or `roots`.
    pub fn changed(&mut self) {
        self.epoch += 1;
        self.merged_per_root = self
            .roots
            .iter()
            .map(|root| Arc::new(merge(root.file.as_ref(), &self.editor)))
            .collect();
        self.merged_outside = Arc::new(merge(None, &self.editor));
    }

    /// The configuration for a document: that of the innermost root containing it.
    pub fn config_for(&self, path: Option<&Path>) -> Arc<Config> {
        let best = path.and_then(|path| {
            self.roots
                .iter()
                .enumerate()
                .filter(|(_, root)| path.starts_with(&root.path))
                .max_by_key(|(_, root)| root.path.components().count())
                .map(|(i, _)| i)
        });
        match best.and_then(|i| self.merged_per_root.get(i)) {
            Some(config) => config.clone(),
            None => self.merged_outside.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleLevel;
    use crate::vocab::RuleCode;
    use serde_json::json;

    #[test]
    fn defaults_when_nothing_is_sent() {
        let s = CheckedSettings::from_value(&Value::Null).unwrap();
        assert_eq!(s.settings.debounce_ms, None);
        assert!(s.settings.code_lens);
        assert_eq!(s.settings.probe.timeout_secs, 10);
    }

    #[test]
    fn reads_wrapped_and_bare_sections() {
        let wrapped = json!({"mailport": {"debounceMs": 0, "rules": {"MP011": "off"}}});
        let bare = json!({"debounceMs": 0, "rules": {"MP011": "off"}});
        for v in [wrapped, bare] {
            let s = CheckedSettings::from_value(&v).unwrap();
            assert_eq!(s.settings.debounce_ms, Some(0));
            assert_eq!(s.config.rules.get(&RuleCode::Mp011), Some(&RuleLevel::Off));
        }
    }

    #[test]
    fn debounce_adapts_only_when_unset() {
        let fast = Duration::from_millis(2);
        let slow = Duration::from_millis(80);
        let very_slow = Duration::from_secs(3);
        let adaptive = CheckedSettings::from_value(&json!({"debounceMs": null})).unwrap();
        assert_eq!(adaptive.debounce(fast), Duration::ZERO);
        assert_eq!(adaptive.debounce(slow), slow);
        assert_eq!(adaptive.debounce(very_slow), ADAPTIVE_DEBOUNCE_MAX);
        for ms in [0, 50] {
            let fixed = CheckedSettings::from_value(&json!({"debounceMs": ms})).unwrap();
            for cost in [fast, slow, very_slow] {
                assert_eq!(fixed.debounce(cost), Duration::from_millis(ms));
            }
        }
    }

    #[test]
    fn rejects_bad_settings_with_a_message() {
        let err = CheckedSettings::from_value(&json!({"rules": {"MP999": "off"}})).unwrap_err();
        assert!(err.contains("MP999"), "{err}");
        let err = CheckedSettings::from_value(&json!({"debounceMs": "soon"})).unwrap_err();
        assert!(err.contains("mailport settings"), "{err}");
    }

    #[test]
    fn editor_overrides_file() {
        let file = Config::from_toml(
            "prefer = \"starttls\"\n[rules]\nMP011 = \"off\"\nMP006 = \"error\"\n[[allow]]\nhost = \"a\"\n",
        )
        .unwrap();
        let editor = CheckedSettings::from_value(&json!({
            "prefer": "implicit-tls",
            "rules": {"MP006": "off"},
            "allow": [{"host": "b", "ports": [25]}]
        }))
        .unwrap();
        let merged = merge(Some(&file), &editor);
        assert_eq!(merged.prefer, Prefer::ImplicitTls);
        assert_eq!(merged.rules.get(&RuleCode::Mp011), Some(&RuleLevel::Off));
        assert_eq!(merged.rules.get(&RuleCode::Mp006), Some(&RuleLevel::Off));
        assert_eq!(merged.allow.len(), 2);
    }

    #[test]
    fn innermost_root_wins() {
        let mut state = SettingsState {
            roots: vec![
                Root {
                    path: "/w".into(),
                    file: None,
                },
                Root {
                    path: "/w/inner".into(),
                    file: Some(Config::from_toml("prefer = \"starttls\"").unwrap()),
                },
            ],
            ..Default::default()
        };
        state.changed();
        assert_eq!(
            state.config_for(Some(Path::new("/w/inner/a.env"))).prefer,
            Prefer::Starttls
        );
        assert_eq!(
            state.config_for(Some(Path::new("/w/a.env"))).prefer,
            Prefer::ImplicitTls
        );
        assert_eq!(state.config_for(None).prefer, Prefer::ImplicitTls);
    }
}
