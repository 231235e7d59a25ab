//! Application profiles: which keys mean host, port, security and credentials, and how their values
//! map to a mode. The data is in `profiles/*.toml` (compiled in); adding an application is a data
//! change plus a test. The schema is described at the top of `profiles/README.md`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::vocab::{Format, Protocol, Security};

/// The data files, in priority order: a more specific profile comes before a more general one.
const SOURCES: &[(&str, &str)] = &[
    // Profiles that read only the formats of issue 3 (XML, rc files, Postfix, program source) come
    // first: in those formats they are more specific than the environment-name profiles (a
    // `gitlab_rails['smtp_port']` is GitLab's, not Mastodon's `SMTP_PORT`).
    (
        "python-apps.toml",
        include_str!("profiles/python-apps.toml"),
    ),
    ("autoconfig.toml", include_str!("profiles/autoconfig.toml")),
    (
        "mail-clients.toml",
        include_str!("profiles/mail-clients.toml"),
    ),
    ("postfix.toml", include_str!("profiles/postfix.toml")),
    ("php-apps.toml", include_str!("profiles/php-apps.toml")),
    ("ruby-apps.toml", include_str!("profiles/ruby-apps.toml")),
    ("javascript.toml", include_str!("profiles/javascript.toml")),
    // Applications told apart by their own prefixes, sections and keys: before the environment
    // names of web-frameworks.toml (Odoo's `smtp_server` is not Mastodon's `SMTP_SERVER`).
    ("more-apps.toml", include_str!("profiles/more-apps.toml")),
    (
        "web-frameworks.toml",
        include_str!("profiles/web-frameworks.toml"),
    ),
    (
        "self-hosted.toml",
        include_str!("profiles/self-hosted.toml"),
    ),
    ("clients.toml", include_str!("profiles/clients.toml")),
    ("generic.toml", include_str!("profiles/generic.toml")),
];

/// What a security key's value means.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecurityKey {
    /// Key pattern (see [`Profile::keys`]).
    pub key: String,
    /// Normalised value → mode. Values are lowercased and trimmed; booleans are normalised to
    /// `true`/`false` (`yes`, `on`, `1`, `True` …). `*` matches any other non-empty literal.
    /// A value mapped to nothing contributes nothing (e.g. `EMAIL_USE_TLS=False`).
    pub values: BTreeMap<String, Security>,
}

/// A combination of key values that decides the mode (msmtp `tls on` + `tls_starttls off`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Combo {
    /// Key pattern → what the key must be; every condition holds.
    pub when: When,
    /// Written as a mode, `conflict` or `port`.
    pub mode: ComboMode,
}

/// Conditions on keys, by key pattern: each must hold.
pub type When = BTreeMap<String, Condition>;

/// What a condition asks of one key, written in the data as `absent`, `present`, `!value` or a
/// value (read at load, not compared as words at each use).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(from = "String")]
pub enum Condition {
    /// The document lacks the key.
    Absent,
    /// The document has the key, whatever its value.
    Present,
    /// The key is set to this value (compared normalised: `true` and `yes` alike).
    Is(String),
    /// `!value`: the key is set to any other value the document names (not a reference, which
    /// may hold that value), or absent.
    IsNot(String),
}

impl From<String> for Condition {
    fn from(word: String) -> Self {
        match word.as_str() {
            "absent" => Condition::Absent,
            "present" => Condition::Present,
            _ => match word.strip_prefix('!') {
                Some(other) => Condition::IsNot(other.to_string()),
                None => Condition::Is(word),
            },
        }
    }
}

impl Condition {
    /// Whether the condition asks for a value (so a value from elsewhere may or may not meet it).
    pub fn names_a_value(&self) -> bool {
        matches!(self, Condition::Is(_) | Condition::IsNot(_))
    }
}

/// What a combination decides (read from the data's words at load; another word is an error
/// that names the profile).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum ComboMode {
    /// The application's TLS mode.
    Mode(Security),
    /// Two modes asked for at once (MP010).
    Conflict,
    /// The combination tells the application's generation, and in it the port decides, as
    /// `port_decides` says (a Laravel `config/mail.php` with the `local_domain` of the Symfony
    /// Mailer skeletons ignores `encryption`).
    Port,
}

impl TryFrom<String> for ComboMode {
    type Error = String;

    fn try_from(word: String) -> Result<Self, String> {
        match word.as_str() {
            "conflict" => Ok(ComboMode::Conflict),
            "port" => Ok(ComboMode::Port),
            _ => Security::try_from(word).map(ComboMode::Mode),
        }
    }
}

/// What a URL with a plain scheme means to an application (see [`Profile::plain_scheme`]).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub enum PlainScheme {
    /// This mode.
    Mode(Security),
    /// The port decides: implicit TLS on 465, opportunistic STARTTLS on others.
    Port,
}

impl TryFrom<String> for PlainScheme {
    type Error = String;

    fn try_from(word: String) -> Result<Self, String> {
        match word.as_str() {
            "port" => Ok(PlainScheme::Port),
            _ => Security::try_from(word).map(PlainScheme::Mode),
        }
    }
}

/// A port the application uses without a port key when some keys say so (Jenkins `useTls` → 587,
/// Alpine `/submit` → 587).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DefaultPort {
    /// As in [`Combo::when`].
    pub when: When,
    pub port: u16,
}

/// One key set to a value by a fix.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WriteKey {
    /// The key as it is written when inserted (relative to the endpoint's root).
    pub key: String,
    /// The value: `true`, `false`, a number, or text.
    pub value: String,
    /// Insert the key when the document lacks it (otherwise only an existing key is changed).
    #[serde(default)]
    pub insert: bool,
    /// Not inserted when the endpoint has one of these keys: an older spelling the application
    /// refuses beside this key (isync's `UseIMAPS` beside `SSLType`), which its own write
    /// changes instead.
    #[serde(default)]
    pub unless_present: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Default, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Keys {
    pub host: Vec<String>,
    pub port: Vec<String>,
    /// `host:port` in one value (Grafana `host`, Alertmanager `smarthost`, Postfix `relayhost`).
    pub hostport: Vec<String>,
    /// A URL value (`MAILER_DSN`, aerc `outgoing`, himalaya `smtp.server`).
    pub url: Vec<String>,
    pub user: Vec<String>,
    pub password: Vec<String>,
    /// A boolean "authenticate" switch (`mail.smtp.auth`, `smtp_sasl_auth_enable`).
    pub auth: Vec<String>,
    /// A value naming the protocol (`type = IMAP`, Spring `protocol = smtps`).
    pub protocol: Vec<String>,
    /// A port that replaces `port` when present (Jakarta Mail `mail.smtp.socketFactory.port`).
    pub port_override: Vec<String>,
    /// A well-known service name (nodemailer `service`) looked up in the profile's `services`.
    pub service: Vec<String>,
}

/// One application profile.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Stable id shown in output (`django`).
    pub id: String,
    /// Human name (`Django`).
    pub name: String,
    /// The protocol when keys or values do not say (`smtp` for a web framework's mailer).
    #[serde(default)]
    pub protocol: Option<Protocol>,
    /// Formats the profile reads (names from `Format::name`); empty = every format.
    #[serde(default)]
    pub formats: Vec<String>,
    /// Flat profiles read environment-variable names: every key pattern is a whole variable name,
    /// optionally behind one of `prefixes`. Other profiles read key paths relative to a root.
    #[serde(default)]
    pub flat: bool,
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// The root's last segments must match (case-insensitive, `*` any): `["smtp"]` for Grafana's
    /// `[smtp]` section, `["spring", "mail"]` for Spring; with `^` first, the whole root must
    /// (`["^", "*"]`: an item of the top-level list).
    #[serde(default)]
    pub context: Vec<String>,
    /// At least one of these keys must be present for the profile to apply (default: any key).
    #[serde(default)]
    pub identify: Vec<String>,
    #[serde(default)]
    pub keys: Keys,
    #[serde(default)]
    pub security: Vec<SecurityKey>,
    #[serde(default)]
    pub combos: Vec<Combo>,
    /// Boolean keys that make STARTTLS required when true (`requireTLS`).
    #[serde(default)]
    pub require: Vec<String>,
    /// Key → values that switch certificate checks off (`rejectUnauthorized` → `false`).
    #[serde(default)]
    pub verify_off: BTreeMap<String, Vec<String>>,
    /// Keys whose value lists or bounds TLS versions.
    #[serde(default)]
    pub tls_versions: Vec<String>,
    /// The application derives the mode from the port: implicit TLS on these ports…
    #[serde(default)]
    pub implicit_ports: Vec<u16>,
    /// The implicit ports win over the security keys (Alertmanager, Grafana).
    #[serde(default)]
    pub port_overrides: bool,
    /// …and on the others this mode (`starttls-opportunistic` for Symfony); security keys are then
    /// ignored unless they are in `explicit`.
    #[serde(default)]
    pub port_decides: Option<Security>,
    /// The mode the application infers from the port when no security key says it (Gitea:
    /// 25 → plaintext, 587 → STARTTLS, 465 and any other → implicit TLS): port → mode, `*` for
    /// any other port.
    #[serde(default)]
    pub port_modes: BTreeMap<String, Security>,
    /// Security keys that still count when the port decides (Laravel 11 `MAIL_SCHEME`).
    #[serde(default)]
    pub explicit: Vec<String>,
    /// What a URL with a plain scheme (`smtp://`, `imap://`) means here: a mode, or `port` (the
    /// port decides, as in Symfony). Unset: unknown. `smtps://`-style schemes are always implicit.
    #[serde(default)]
    pub plain_scheme: Option<PlainScheme>,
    /// Mode when security keys are present but none maps to a mode (Django both false → none).
    #[serde(default)]
    pub otherwise: Option<Security>,
    /// Mode when the document has no security key at all (only where the document is the
    /// application's own configuration, so its defaults apply).
    #[serde(default)]
    pub default_security: Option<Security>,
    #[serde(default)]
    pub default_port: Option<u16>,
    /// The port the application uses instead when the document gives none and the mode is
    /// implicit TLS (msmtp: 465 with `tls_starttls off`, else 25).
    #[serde(default)]
    pub implicit_default_port: Option<u16>,
    /// Ports the application uses instead of `default_port` when keys say so; the first that
    /// holds applies (`implicit_default_port` still wins for implicit TLS).
    #[serde(default)]
    pub default_ports: Vec<DefaultPort>,
    /// Key values that switch the application's mail off (Gitea `[mailer] ENABLED = false`):
    /// when every one holds (as in [`Combo::when`]), the group is no endpoint at all.
    #[serde(default)]
    pub disabled_when: When,
    /// A boolean key without which the application ignores the port key and uses its default
    /// port (Claws Mail `set_smtpport=1` before `smtp_port`). A port fix switches it on.
    #[serde(default)]
    pub port_switch: Option<String>,
    /// Values of a `keys.protocol` key that name a protocol in the application's own words,
    /// normalised (getmail `type = SimpleIMAPRetriever` → `imap`).
    #[serde(default)]
    pub protocol_values: BTreeMap<String, Protocol>,
    /// The table of well-known services (`knowledge::services`) a `keys.service` value names; the
    /// application merges the service's host, port and TLS settings last, over the document's.
    #[serde(default)]
    pub services: Option<String>,
    /// The user name and password are sent only when an `auth` key switches authentication on
    /// (msmtp `auth on`/a method, Nextcloud `mail_smtpauth`): without it they are unused.
    #[serde(default)]
    pub credentials_need_auth: bool,
    /// The application logs in only when both a user name and a password are set (Django's
    /// and Flask-Mail's `if username and password: login(…)`): one alone sends nothing.
    #[serde(default)]
    pub login_needs_both: bool,
    /// With [`Self::credentials_need_auth`], authentication also needs a user name: without one
    /// the application stops before it sends anything (msmtp `smtp.c`: "authentication method
    /// … needs a user name").
    #[serde(default)]
    pub auth_needs_user: bool,
    /// The host the application connects to when the document names none (`localhost` for
    /// Django), or [`HOST_REQUIRED`] where the application needs one (set elsewhere, so it may
    /// be any host). Unset: not known, and the security rules stay silent on a missing host.
    #[serde(default)]
    pub default_host: Option<String>,
    /// A host key set to an empty value is a placeholder filled in elsewhere (the application
    /// rejects an empty host rather than fall back to `default_host`: PHPMailer's
    /// `isValidHost('')`), so it may be any host.
    #[serde(default)]
    pub blank_host_is_placeholder: bool,
    /// A host value written `scheme://host` whose scheme the application reads as the mode: scheme
    /// → mode (PHPMailer's `ssl://host` is implicit TLS and `tls://host` STARTTLS; CodeIgniter
    /// hands the host to `fsockopen`, for which both are TLS from the first byte). The scheme
    /// then decides the mode over the security keys.
    #[serde(default)]
    pub host_schemes: BTreeMap<String, Security>,
    /// Without a host the document names no connection, unless the client authenticates: then
    /// the credentials go to a host set elsewhere (Postfix with an empty `relayhost` and
    /// `smtp_sasl_auth_enable`: the relays and MX hosts of `smtp_sasl_password_maps`).
    #[serde(default)]
    pub authenticated_host_elsewhere: bool,
    /// The documents of one YAML stream are read as layers of one configuration, a later one
    /// over an earlier one (Spring Boot's multi-document `application.yml`). Unset: each
    /// document stands alone (Kubernetes manifests, as the YAML spec has it).
    #[serde(default)]
    pub layered_documents: bool,
    /// Keys (dotted paths from the document root) that make a document of a layered stream apply
    /// only under a condition (Spring's `spring.config.activate.on-profile`): such a document is
    /// a configuration of its own, over the unconditional documents, not a layer under the next.
    #[serde(default)]
    pub conditional_documents: Vec<String>,
    /// Settings the application's connections take from a defaults block (Alertmanager's
    /// `email_configs` from `global`): each other group of this profile takes, from the group
    /// rooted at `from`, every setting it does not set itself.
    #[serde(default)]
    pub inherit: Option<Inherit>,
    /// The settings are statements run in order (mailx and mutt `set` lines): a later setting of
    /// a connection variable replaces an earlier one, which is dead (MP012).
    #[serde(default)]
    pub later_replaces: bool,
    /// A URL without a port goes to its scheme's registered port (`smtp://` 25, `smtps://` 465,
    /// `imap://` 143, `imaps://` 993, `pop://` 110, `pops://` 995), whatever protocol the profile
    /// names: mutt asks `getservbyname` for the scheme's service.
    #[serde(default)]
    pub url_scheme_ports: bool,
    /// How each mode is written by a fix: mode → keys.
    #[serde(default)]
    pub write: BTreeMap<Security, Vec<WriteKey>>,
    /// The URL scheme a fix writes for a mode where the application does not take the usual one
    /// (Authelia knows `submissions://`, not `smtps://`): mode → scheme.
    #[serde(default)]
    pub url_schemes: BTreeMap<Security, String>,
    /// Hover text for security keys: key pattern → what it means for this application.
    #[serde(default)]
    pub docs: BTreeMap<String, String>,
}

/// Where a profile's groups take the settings they do not set (see [`Profile::inherit`]).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Inherit {
    /// The key of the defaults block (`global`).
    pub from: String,
    /// The prefix its keys carry that the groups' keys lack (`smtp_` of `smtp_smarthost`).
    #[serde(default)]
    pub prefix: String,
    /// The defaults block only holds defaults: once a group takes from it, it is no connection
    /// of its own (msmtp's `defaults` section; Alertmanager's `global` is read as one, too).
    #[serde(default)]
    pub only_defaults: bool,
}

impl Profile {
    pub fn reads(&self, format: Format) -> bool {
        self.formats.is_empty() || self.formats.iter().any(|f| f == format.name())
    }
}

/// Tables whose entries a profile that `extends` another replaces one by one (`keys.port`,
/// `docs.tls`); any other field it sets replaces the base's field whole.
const MERGED_TABLES: &[&str] = &[
    "keys",
    "docs",
    "write",
    "verify_off",
    "port_modes",
    "url_schemes",
];

/// Reads the data files in order. A profile with `extends = "<id>"` starts from that profile (one
/// defined before it, in this file or an earlier one) and replaces what it sets itself. A file
/// that cannot be read is reported by name, and the files after it are still read.
fn read_sources() -> Vec<(&'static str, Result<Vec<Profile>, String>)> {
    let mut resolved: BTreeMap<String, toml::Table> = BTreeMap::new();
    SOURCES
        .iter()
        .map(|&(file, text)| {
            (
                file,
                read_file(text, &mut resolved).map_err(|e| format!("{file}: {e}")),
            )
        })
        .collect()
}

fn read_file(
    text: &str,
    resolved: &mut BTreeMap<String, toml::Table>,
) -> Result<Vec<Profile>, String> {
    let mut file: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let tables = match file.remove("profile") {
        Some(toml::Value::Array(tables)) => tables,
        None => Vec::new(),
        Some(_) => return Err("`profile` must be an array of tables ([[profile]])".into()),
    };
    if let Some(key) = file.keys().next() {
        return Err(format!("unknown top-level key `{key}`"));
    }
    let mut out = Vec::with_capacity(tables.len());
    for table in tables {
        let toml::Value::Table(mut table) = table else {
            return Err("a profile must be a table".into());
        };
        let id = table
            .get("id")
            .and_then(toml::Value::as_str)
            .unwrap_or("?")
            .to_string();
        if let Some(base) = table.remove("extends") {
            let base = base.as_str().unwrap_or("");
            let Some(mut merged) = resolved.get(base).cloned() else {
                return Err(format!(
                    "{id}: extends `{base}`, which no earlier profile is"
                ));
            };
            for required in ["id", "name"] {
                if !table.contains_key(required) {
                    return Err(format!(
                        "{id}: a profile that extends another sets its own `{required}`"
                    ));
                }
            }
            for (key, value) in table {
                match (merged.get_mut(&key), value) {
                    (Some(toml::Value::Table(into)), toml::Value::Table(entries))
                        if MERGED_TABLES.contains(&key.as_str()) =>
                    {
                        into.extend(entries);
                    }
                    (_, value) => {
                        merged.insert(key, value);
                    }
                }
            }
            table = merged;
        }
        let profile: Profile = toml::Value::Table(table.clone())
            .try_into()
            .map_err(|e| format!("{id}: {e}"))?;
        resolved.insert(profile.id.clone(), table);
        out.push(profile);
    }
    Ok(out)
}

/// `default_host` of an application that has no default host: one is set elsewhere.
pub const HOST_REQUIRED: &str = "required";

/// Every profile, in priority order. The data is checked by a test; a bad file leaves the
/// profiles it could read (never a panic at run time).
pub fn all() -> &'static [Profile] {
    static PROFILES: OnceLock<Vec<Profile>> = OnceLock::new();
    PROFILES.get_or_init(|| {
        read_sources()
            .into_iter()
            .filter_map(|(_, profiles)| profiles.ok())
            .flatten()
            .collect()
    })
}

pub fn by_id(id: &str) -> Option<&'static Profile> {
    all().iter().find(|p| p.id == id)
}

/// Checks every data file: parses, known modes, known protocols. Used by tests.
pub fn validate() -> Result<usize, String> {
    let mut n = 0;
    for (file, profiles) in read_sources() {
        for p in &profiles? {
            for c in &p.combos {
                if c.mode == ComboMode::Port && p.port_decides.is_none() {
                    return Err(format!(
                        "{file}: {}: combo mode port needs port_decides",
                        p.id
                    ));
                }
            }
            if let Some(t) = &p.services {
                if crate::knowledge::services::lookup(t, "gmail").is_none() {
                    return Err(format!("{file}: {}: unknown services table {t}", p.id));
                }
            }
            for f in &p.formats {
                if !Format::ALL.iter().any(|x| x.name() == f) {
                    return Err(format!("{file}: {}: unknown format {f}", p.id));
                }
            }
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{ComboMode, Condition, PlainScheme, Protocol, Security};

    #[test]
    fn profile_data_is_valid() {
        let n = super::validate().unwrap_or_else(|e| panic!("{e}"));
        assert!(n >= 15, "only {n} profiles");
        assert_eq!(super::all().len(), n);
        let mut ids: Vec<&str> = super::all().iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "two profiles share an id");
    }

    #[test]
    fn a_profile_that_extends_another_replaces_only_what_it_sets() {
        let (rails, redmine) = (super::by_id("rails"), super::by_id("redmine"));
        let (Some(rails), Some(redmine)) = (rails, redmine) else {
            panic!("rails and redmine profiles");
        };
        assert_eq!(redmine.keys, rails.keys);
        assert_eq!(redmine.combos, rails.combos);
        assert_eq!(redmine.write, rails.write);
        assert_eq!(redmine.default_security, rails.default_security);
        assert_eq!(redmine.formats, ["yaml"]);
        assert_eq!(redmine.context, ["email_delivery", "smtp_settings"]);
        assert!(redmine.docs["tls"].starts_with("Redmine"));
        assert_eq!(redmine.docs.len(), rails.docs.len());

        let mut read = BTreeMap::new();
        let base =
            "[[profile]]\nid = \"b\"\nname = \"B\"\nkeys.host = [\"h\"]\nkeys.port = [\"p\"]\n";
        let err = super::read_file(
            "[[profile]]\nid = \"a\"\nname = \"A\"\nextends = \"b\"\n",
            &mut read,
        );
        assert_eq!(
            err.err().as_deref(),
            Some("a: extends `b`, which no earlier profile is")
        );
        assert!(super::read_file(base, &mut read).is_ok());
        let err = super::read_file("[[profile]]\nname = \"C\"\nextends = \"b\"\n", &mut read);
        assert_eq!(
            err.err().as_deref(),
            Some("?: a profile that extends another sets its own `id`")
        );
        let c = "[[profile]]\nid = \"c\"\nname = \"C\"\nextends = \"b\"\nkeys.port = [\"q\"]\n";
        let c = super::read_file(c, &mut read).unwrap_or_default();
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].keys.host.as_slice(), c[0].keys.port.as_slice()),
            (&["h".to_string()][..], &["q".to_string()][..])
        );
    }

    #[test]
    fn combination_modes_are_read_at_load() {
        let mut read = BTreeMap::new();
        let profile = |mode: &str| {
            format!("[[profile]]\nid = \"x\"\nname = \"X\"\ncombos = [{{ when = {{ tls = \"true\" }}, mode = \"{mode}\" }}]\n")
        };
        let modes: Vec<ComboMode> = ["implicit-tls", "conflict", "port", "unknown"]
            .iter()
            .filter_map(|m| super::read_file(&profile(m), &mut read).ok())
            .map(|p| p[0].combos[0].mode)
            .collect();
        assert_eq!(
            modes,
            [
                ComboMode::Mode(Security::ImplicitTls),
                ComboMode::Conflict,
                ComboMode::Port,
                ComboMode::Mode(Security::Unknown)
            ]
        );
        let err = super::read_file(&profile("starttls-maybe"), &mut read).err();
        assert!(
            err.as_deref().is_some_and(
                |e| e.starts_with("x: ") && e.contains("unknown mode `starttls-maybe`")
            ),
            "{err:?}"
        );
    }

    #[test]
    fn conditions_modes_and_protocols_are_read_at_load() {
        let mut read = BTreeMap::new();
        let text = "[[profile]]\nid = \"x\"\nname = \"X\"\nprotocol = \"pop\"\n\
            plain_scheme = \"port\"\nport_modes = { 25 = \"none\", \"*\" = \"implicit-tls\" }\n\
            protocol_values = { simpleimapretriever = \"imap\" }\n\
            default_ports = [{ when = { a = \"absent\", b = \"present\", c = \"!off\", d = \"yes\" }, port = 587 }]\n";
        let p = super::read_file(text, &mut read).map(|mut p| p.remove(0));
        let p = p.as_ref().map_err(String::as_str);
        assert_eq!(p.map(|p| p.protocol), Ok(Some(Protocol::Pop3)));
        assert_eq!(p.map(|p| p.plain_scheme), Ok(Some(PlainScheme::Port)));
        assert_eq!(
            p.map(|p| p.port_modes.values().copied().collect::<Vec<_>>()),
            Ok(vec![Security::ImplicitTls, Security::None])
        );
        assert_eq!(
            p.map(|p| p.protocol_values.get("simpleimapretriever").copied()),
            Ok(Some(Protocol::Imap))
        );
        assert_eq!(
            p.map(|p| p.default_ports[0]
                .when
                .values()
                .cloned()
                .collect::<Vec<_>>()),
            Ok(vec![
                Condition::Absent,
                Condition::Present,
                Condition::IsNot("off".into()),
                Condition::Is("yes".into())
            ])
        );

        // A word that names nothing fails the load, with the profile named.
        for (bad, says) in [
            ("port_modes = { 25 = \"tls\" }", "unknown mode `tls`"),
            ("protocol = \"smtps\"", "unknown protocol `smtps`"),
            ("plain_scheme = \"maybe\"", "unknown mode `maybe`"),
            (
                "[profile.write]\nstarttls-sometimes = []",
                "unknown mode `starttls-sometimes`",
            ),
        ] {
            let text = format!("[[profile]]\nid = \"x\"\nname = \"X\"\n{bad}\n");
            let err = super::read_file(&text, &mut read).err();
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.starts_with("x: ") && e.contains(says)),
                "{bad}: {err:?}"
            );
        }
    }
}
