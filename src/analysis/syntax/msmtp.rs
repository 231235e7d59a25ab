//! msmtprc (`~/.msmtprc`, `/etc/msmtprc`): `key value` lines in `defaults` and `account` blocks.
//!
//! msmtp resolves inheritance itself, so the adapter does too: each account's *effective* settings
//! come out as `["account NAME", key]`, in this order: the `defaults` written before the account,
//! then its parents (`account NAME : PARENT[, PARENT…]`), then its own lines. An inherited value
//! keeps the span where it is written (in `defaults` or the parent), so a fix edits that line; new
//! keys for the account are inserted after the account's own last line. `account default : NAME`
//! (a pure alias with no lines of its own) adds no endpoint: it is the same connection as NAME.

use std::collections::HashMap;
use std::rc::Rc;

use super::literal::{line_end, line_style, setting, word_value};
use super::{EntryShape, EntryStyle, Parsed, Setting, SyntaxError, ValueKind};
use crate::vocab::Span;

/// One `key value` line as written.
#[derive(Clone)]
struct Line {
    key: String,
    value: String,
    kind: ValueKind,
    key_span: Span,
    value_span: Span,
    line_start: usize,
    line_end: usize,
}

struct Account {
    name: String,
    /// Byte range of the `account …` line.
    header: Span,
    parents: Vec<String>,
    /// `defaults` lines in force when the account starts (shared by the accounts between two
    /// changes of the defaults: 90,000 accounts each with its own copy took 320 MB).
    defaults: Rc<Effective>,
    own: Vec<Rc<Line>>,
}

/// Keys inherited at most (from `defaults` or a parent): msmtp has about fifty commands, and a
/// bound keeps a mangled file with thousands of keys and accounts linear to read.
const MAX_INHERITED_KEYS: usize = 128;
/// Parents of one account read at most.
const MAX_PARENTS: usize = 16;
/// Inherited values are repeated in every account that inherits them: their long parts all
/// together at most this many times the document's size (and 1 MiB for any document), so that
/// ten thousand accounts inheriting one long value stay linear in memory (it took 2.9 GB).
const INHERITED_BYTES_PER_BYTE: usize = 4;
/// msmtp's commands are words of at most about twenty letters: a longer first word is no command,
/// and is not read (every account would copy and hash it).
const MAX_KEY_LEN: usize = 64;
/// Values up to this long are not counted (a host, a port, a path: a key's worth).
const SHORT_VALUE: usize = 256;
const INHERITED_BYTES_AT_LEAST: usize = 1 << 20;
/// Inherited settings repeated in all accounts together, at most one per this many bytes of the
/// document (and 65,536 for any document): `account a` written 90,000 times after 45 loose lines
/// made four million settings and 2 GB from 1 MB (tests/robustness).
const BYTES_PER_INHERITED_SETTING: usize = 16;
const INHERITED_SETTINGS_AT_LEAST: usize = 1 << 16;

/// Lines by key, a later line replacing an earlier one, in the order keys first appear. Lines are
/// shared: every account starts from a copy of the defaults.
#[derive(Clone, Default)]
struct Effective {
    lines: Vec<Rc<Line>>,
    index: HashMap<String, usize>,
}

impl Effective {
    fn set(&mut self, line: Rc<Line>) {
        match self.index.get(&line.key) {
            Some(&i) => self.lines[i] = line,
            None => {
                self.index.insert(line.key.clone(), self.lines.len());
                self.lines.push(line);
            }
        }
    }

    /// Sets `line` unless that would be a new key past the inheritance bound.
    fn inherit(&mut self, line: &Rc<Line>) {
        if self.lines.len() < MAX_INHERITED_KEYS || self.index.contains_key(&line.key) {
            self.set(Rc::clone(line));
        }
    }

    /// What a child account inherits: the first keys up to the bound.
    fn inheritable(mut self) -> Effective {
        if self.lines.len() > MAX_INHERITED_KEYS {
            self.lines.truncate(MAX_INHERITED_KEYS);
            self.index.retain(|_, i| *i < MAX_INHERITED_KEYS);
        }
        self
    }
}

pub fn parse(text: &str) -> Parsed {
    let mut defaults = Effective::default();
    let mut defaults_now: Option<Rc<Effective>> = None;
    let mut accounts: Vec<Account> = Vec::new();
    // false while inside `defaults` (or before any block), true inside an account.
    let mut in_account = false;
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let start = offset;
        offset += raw_line.len();
        let Some(line) = read_line(text, start, raw_line) else {
            continue;
        };
        match line.key.as_str() {
            "defaults" => in_account = false,
            "account" => {
                in_account = true;
                let (name, parents) = match line.value.split_once(':') {
                    Some((name, parents)) => (
                        name.trim().to_string(),
                        parents
                            .split(',')
                            .map(|p| p.trim().to_string())
                            .filter(|p| !p.is_empty())
                            .take(MAX_PARENTS)
                            .collect(),
                    ),
                    None => (line.value.trim().to_string(), Vec::new()),
                };
                accounts.push(Account {
                    name,
                    header: line.line_start..line.line_end,
                    parents,
                    defaults: Rc::clone(
                        defaults_now.get_or_insert_with(|| Rc::new(defaults.clone())),
                    ),
                    own: Vec::new(),
                });
            }
            _ if in_account => {
                if let Some(account) = accounts.last_mut() {
                    account.own.push(Rc::new(line));
                }
            }
            _ => {
                defaults.inherit(&Rc::new(line));
                defaults_now = None;
            }
        }
    }

    let mut settings = Vec::new();
    if accounts.is_empty() {
        // A snippet with settings but no account: read it as the defaults block it is.
        for line in &defaults.lines {
            settings.push(to_setting(text, "defaults", line, None));
        }
    }
    // msmtp copies a parent's settings when it reads `account NAME : PARENT`, so a parent is an
    // account defined before; the last of that name wins.
    let mut defined: HashMap<&str, Effective> = HashMap::new();
    let mut inherited_left = text
        .len()
        .saturating_mul(INHERITED_BYTES_PER_BYTE)
        .max(INHERITED_BYTES_AT_LEAST);
    let mut inherited_settings_left =
        (text.len() / BYTES_PER_INHERITED_SETTING).max(INHERITED_SETTINGS_AT_LEAST);
    let mut errors = Vec::new();
    for account in &accounts {
        let mut effective = Effective::clone(&account.defaults);
        for parent in &account.parents {
            if let Some(inherited) = defined.get(parent.as_str()) {
                for line in &inherited.lines {
                    effective.inherit(line);
                }
            }
        }
        for line in &account.own {
            effective.set(Rc::clone(line));
        }
        if !account.own.is_empty() || account.parents.is_empty() {
            let own_end = account
                .own
                .last()
                .map_or(account.header.end, |l| l.line_end);
            let group = format!("account {}", account.name);
            for line in &effective.lines {
                // inherited lines are all written before the account
                let own = line.key_span.start > account.header.start;
                if !own {
                    // short values are bounded by the number of keys; long ones are counted
                    let cost = line.value.len().saturating_sub(SHORT_VALUE);
                    if cost > inherited_left || inherited_settings_left == 0 {
                        if errors.is_empty() {
                            errors.push(SyntaxError {
                                span: account.header.clone(),
                                message: "too many inherited settings to repeat in every account: \
                                          from this account on, only an account's own lines are \
                                          checked"
                                    .to_string(),
                            });
                        }
                        continue;
                    }
                    inherited_left -= cost;
                    inherited_settings_left -= 1;
                }
                settings.push(to_setting(text, &group, line, (!own).then_some(own_end)));
            }
        }
        defined.insert(&account.name, effective.inheritable());
    }
    Parsed::new(settings, errors)
}

fn to_setting(text: &str, group: &str, line: &Line, insert_after: Option<usize>) -> Setting {
    let style = match insert_after {
        Some(at) => EntryStyle::new(
            at,
            EntryShape {
                lead: "\n".into(),
                separator: " ".into(),
                inherited: true,
                ..EntryShape::default()
            },
        ),
        None => line_style(text, line.line_start, line.line_end, " "),
    };
    setting(
        vec![group.to_string(), line.key.clone()],
        line.value.clone(),
        line.kind,
        line.key_span.clone(),
        line.value_span.clone(),
        style,
    )
}

/// Reads `key value` from one line (`start` = its offset in `text`); comments and blank lines give
/// `None`. A value in double quotes is unquoted.
fn read_line(text: &str, start: usize, raw_line: &str) -> Option<Line> {
    let content = raw_line.trim_end_matches(['\n', '\r']);
    let lead = content.len() - content.trim_start().len();
    let body = content.trim();
    if body.is_empty() || body.starts_with('#') {
        return None;
    }
    let key_len = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
    if key_len > MAX_KEY_LEN {
        return None; // no msmtp command: msmtp itself rejects the line
    }
    let key = body.get(..key_len)?.to_string();
    let key_start = start + lead;
    let rest = body.get(key_len..)?;
    let value_text = rest.trim_start();
    let value_start = key_start + key_len + (rest.len() - value_text.len());
    let (value, kind, value_span) = word_value(value_text, value_start);
    Some(Line {
        key,
        value,
        kind,
        key_span: key_start..key_start + key_len,
        value_span,
        line_start: start,
        line_end: line_end(text, start),
    })
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::{expect, Expect};

    fn check(text: &str, expect: Expect) {
        expect.assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }

    /// Ten thousand accounts inheriting one long value: the value is repeated only up to a
    /// bound linear in the document, the rest of the accounts get their own lines, and the
    /// document says where that starts. A word too long to be a command is not read at all.
    #[test]
    fn long_inherited_values_are_repeated_within_a_bound() {
        let mut text = format!(
            "defaults\npasswordeval {}\n{} x\n",
            "p".repeat(100_000),
            "k".repeat(1000)
        );
        for i in 0..10_000 {
            text.push_str(&format!("account a{i}\nhost smtp.example.com\n"));
        }
        let parsed = parse(&text);
        let repeated: usize = parsed.settings.iter().map(|s| s.value.len()).sum();
        let bound = text.len() * INHERITED_BYTES_PER_BYTE + INHERITED_BYTES_AT_LEAST;
        assert!(
            repeated <= bound + 10_000 * (SHORT_VALUE + 64),
            "{repeated} bytes"
        );
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0]
            .message
            .starts_with("too many inherited settings"));
        // every account still has its own host
        let hosts = parsed.settings.iter().filter(|s| s.key() == "host").count();
        assert_eq!(hosts, 10_000);
        assert!(!parsed.settings.iter().any(|s| s.key().starts_with("kkk")));
    }

    /// Many short inherited values in many empty accounts (`account a` 90,000 times after a
    /// mangled file's loose lines) stay within a count linear in the document.
    #[test]
    fn many_inherited_settings_are_repeated_within_a_bound() {
        let mut text: String = (0..45).map(|i| format!("key{i} value\n")).collect();
        text.push_str(&"account a\n".repeat(90_000));
        let parsed = parse(&text);
        let bound = (text.len() / BYTES_PER_INHERITED_SETTING).max(INHERITED_SETTINGS_AT_LEAST);
        assert!(
            parsed.settings.len() <= bound + 45,
            "{}",
            parsed.settings.len()
        );
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0]
            .message
            .starts_with("too many inherited settings"));
    }

    /// A long chain of accounts, each with keys of its own and inheriting the one before, reads
    /// in one pass: an account inherits at most a bounded number of keys.
    #[test]
    fn a_long_inheritance_chain_inherits_a_bounded_number_of_keys() {
        let mut text = String::from("defaults\nauth on\ntls on\n");
        // (within the bound on inherited settings of all accounts together)
        let accounts = 400;
        for i in 0..accounts {
            let parent = if i == 0 {
                String::new()
            } else {
                format!(" : a{}", i - 1)
            };
            text.push_str(&format!(
                "account a{i}{parent}\nhost smtp{i}.example.com\nkey{i} x\n"
            ));
        }
        let parsed = parse(&text);
        let last = format!("account a{}", accounts - 1);
        let of_last: Vec<&str> = parsed
            .settings
            .iter()
            .filter(|s| *s.path[0] == *last)
            .map(|s| s.key())
            .collect();
        assert_eq!(of_last.len(), MAX_INHERITED_KEYS + 1, "{of_last:?}");
        assert_eq!(of_last[..3], ["auth", "tls", "host"]);
        assert!(parsed.settings.len() <= accounts * (MAX_INHERITED_KEYS + 2));
    }

    #[test]
    fn defaults_and_parent_accounts_are_inherited() {
        check(
            r#"# msmtp configuration
defaults
auth           on
tls            on
tls_trust_file /etc/ssl/certs/ca-certificates.crt
logfile        ~/.msmtp.log

account        work
host           smtp.example.com
port           587
from           me@example.com
user           me@example.com
passwordeval   "pass show mail/work"

account        work-ssl : work
port           465
tls_starttls   off

account default : work
"#,
            expect![[r#"
                account work › auth = "on" (Plain, line 3)
                account work › tls = "on" (Plain, line 4)
                account work › tls_trust_file = "/etc/ssl/certs/ca-certificates.crt" (Plain, line 5)
                account work › logfile = "~/.msmtp.log" (Plain, line 6)
                account work › host = "smtp.example.com" (Plain, line 9)
                account work › port = "587" (Plain, line 10)
                account work › from = "me@example.com" (Plain, line 11)
                account work › user = "me@example.com" (Plain, line 12)
                account work › passwordeval = "pass show mail/work" (Quoted, line 13)
                account work-ssl › auth = "on" (Plain, line 3)
                account work-ssl › tls = "on" (Plain, line 4)
                account work-ssl › tls_trust_file = "/etc/ssl/certs/ca-certificates.crt" (Plain, line 5)
                account work-ssl › logfile = "~/.msmtp.log" (Plain, line 6)
                account work-ssl › host = "smtp.example.com" (Plain, line 9)
                account work-ssl › port = "465" (Plain, line 16)
                account work-ssl › from = "me@example.com" (Plain, line 11)
                account work-ssl › user = "me@example.com" (Plain, line 12)
                account work-ssl › passwordeval = "pass show mail/work" (Quoted, line 13)
                account work-ssl › tls_starttls = "off" (Plain, line 17)
            "#]],
        );
    }

    #[test]
    fn inherited_settings_insert_into_the_account_block() {
        let text = "defaults\ntls on\n\naccount a\nhost smtp.example.com\nport 465\n\naccount b\n";
        let parsed = parse(text);
        let tls = parsed
            .settings
            .iter()
            .find(|s| s.path_names() == ["account a", "tls"])
            .unwrap();
        assert_eq!(tls.style.insert_at, text.find("465").unwrap() + 3);
        let port = parsed
            .settings
            .iter()
            .find(|s| s.path_names() == ["account a", "port"])
            .unwrap();
        assert_eq!(port.style.insert_at, text.find("465").unwrap() + 3);
        assert_eq!(&*port.style.lead, "\n");
        assert_eq!(&*port.style.separator, " ");
        // `account b` has no lines: it still exists, with the defaults.
        assert!(parsed
            .settings
            .iter()
            .any(|s| s.path_names() == ["account b", "tls"]));
    }

    #[test]
    fn single_default_account_and_cycles() {
        check(
            "account default\nhost smtp.gmail.com\nport 587\ntls on\ntls_starttls on\ntls_certcheck off\n\naccount x : y\nport 1\naccount y : x\nport 2\n",
            expect![[r#"
                account default › host = "smtp.gmail.com" (Plain, line 2)
                account default › port = "587" (Plain, line 3)
                account default › tls = "on" (Plain, line 4)
                account default › tls_starttls = "on" (Plain, line 5)
                account default › tls_certcheck = "off" (Plain, line 6)
                account x › port = "1" (Plain, line 9)
                account y › port = "2" (Plain, line 11)
            "#]],
        );
    }

    #[test]
    fn settings_without_an_account_are_defaults() {
        check(
            "host mail.example.org\nport 25\n",
            expect![[r#"
                defaults › host = "mail.example.org" (Plain, line 1)
                defaults › port = "25" (Plain, line 2)
            "#]],
        );
    }
}
