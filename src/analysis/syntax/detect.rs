//! Format detection: by file name, then by extension or the editor's language id (for program
//! source and XML only when the content holds mail settings), then by content. Unknown files are
//! left alone, never guessed into noise. What each format is called lives in its row of
//! [`super::formats::FORMATS`].

use super::formats::{FormatSpec, Gate, NamePattern, FORMATS};
use super::heredoc;
use crate::analysis::words::AnyWord;
use crate::vocab::Format;

/// Suffixes of template and example copies of a config file (`gitlab.rb.j2` in an Ansible role,
/// `application.yml.tpl` rendered by a generator, `config.php.dist`, `offlineimaprc.m4` expanded
/// by m4, `app.ini.in` by autoconf's `configure`): the name under the suffix
/// decides the format. Their placeholders are templates, which the rules already leave alone.
const TEMPLATE_SUFFIXES: &[&str] = &[
    ".j2",
    ".jinja",
    ".jinja2",
    ".tpl",
    ".tmpl",
    ".template",
    ".dist",
    ".example",
    ".sample",
    ".m4",
    ".in",
];

/// The format of a file, or `None` when mailport does not read it. `file_name` may be a path or
/// a URI path; only its last component counts. A template or example copy (`main.cf.j2`) is read
/// as the file it stands for.
pub fn detect_format(file_name: &str, language_id: Option<&str>, text: &str) -> Option<Format> {
    detect_as_named(file_name, language_id, text).or_else(|| {
        let target = chezmoi_target(file_name)?;
        detect_as_named(&target, language_id, text)
    })
}

/// Attribute prefixes of a chezmoi source file name, in the order chezmoi strips them
/// (`private_dot_msmtprc.tmpl` is `~/.msmtprc`; `dot_` becomes the leading dot).
const CHEZMOI_PREFIXES: &[&str] = &[
    "after_",
    "before_",
    "create_",
    "modify_",
    "remove_",
    "run_",
    "symlink_",
    "once_",
    "onchange_",
    "encrypted_",
    "private_",
    "readonly_",
    "empty_",
    "executable_",
    "exact_",
    "literal_",
];

/// The target name of a dotfile kept in a chezmoi source directory, when `file_name`'s last
/// component is one (`private_accounts.conf.tmpl` → `accounts.conf.tmpl`, `dot_muttrc` →
/// `.muttrc`); `None` when no prefix is there.
fn chezmoi_target(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let mut name = base;
    for prefix in CHEZMOI_PREFIXES {
        name = name.strip_prefix(prefix).unwrap_or(name);
    }
    let target = match name.strip_prefix("dot_") {
        Some(rest) => format!(".{rest}"),
        None => name.to_string(),
    };
    (target.len() != base.len() && !name.is_empty()).then_some(target)
}

fn detect_as_named(file_name: &str, language_id: Option<&str>, text: &str) -> Option<Format> {
    detect_by_name(file_name, language_id, text).or_else(|| {
        let lower = file_name.to_ascii_lowercase();
        let suffix = TEMPLATE_SUFFIXES.iter().find(|s| lower.ends_with(*s))?;
        let stem = file_name.get(..file_name.len() - suffix.len())?;
        // `.j2` alone, or a directory: nothing left to name a format.
        let base = stem.rsplit(['/', '\\']).next().unwrap_or(stem);
        if base.is_empty() {
            return None;
        }
        detect_by_name(stem, language_id, text)
    })
}

fn detect_by_name(file_name: &str, language_id: Option<&str>, text: &str) -> Option<Format> {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_ascii_lowercase();
    let base = base.as_str();
    let extension = match base.rsplit_once('.') {
        Some(("", _)) | None => None, // no extension, or a dot file such as `.bashrc`
        Some((_, extension)) => Some(extension),
    };
    // 1. A name that decides it, whatever the content (`main.cf`, `x.yml`, `.env.production`). A
    //    prefix decides last: `.env.yml` is YAML and `.env.json` JSON, by the extension that
    //    names a format; `.env.staging` is dotenv.
    let named = |prefixed: bool| {
        FORMATS.iter().find(|row| {
            row.names.iter().any(|name| {
                matches!(name, NamePattern::Prefix(_)) == prefixed && name.matches(base)
            })
        })
    };
    if let Some(row) = named(false) {
        return Some(row.format);
    }
    if let Some(row) = named(true) {
        let by_extension =
            extension.and_then(|word| FORMATS.iter().find_map(|row| claims(row, word, text)));
        return Some(by_extension.unwrap_or(row.format));
    }
    // 2. The extension, then the editor's language id, each once the content agrees.
    let language_id = language_id.map(str::to_ascii_lowercase);
    for word in [extension, language_id.as_deref()].into_iter().flatten() {
        if let Some(format) = FORMATS.iter().find_map(|row| claims(row, word, text)) {
            return Some(format);
        }
    }
    if let Some(row) = extension.and_then(|word| {
        FORMATS
            .iter()
            .find(|row| row.heredoc_scripts.contains(&word) && prints_heredoc(row, base, text))
    }) {
        return Some(row.format);
    }
    // 3. The content: an rc file without a telling name by its first statement, an autoconfig
    //    document named after its domain, a modeline.
    if extension.is_none_or(rc_sniff_allowed) {
        if let Some(format) = sniff_rc_file(text) {
            return Some(format);
        }
    } else if extension.is_some_and(is_script_extension) && is_client_rc(text) {
        // A mutt or mailx rc file kept under a script's name (a test container copies
        // `user (internal).sh` to `~/.muttrc`): its statements are client settings, not shell.
        return sniff_rc_file(text);
    }
    sniff_content(text)
}

fn is_script_extension(extension: &str) -> bool {
    FORMATS
        .iter()
        .any(|row| row.heredoc_scripts.contains(&extension))
}

/// Whether the opening is a mutt or mailx rc file: at least three statements set mail variables
/// (`set smtp_url = …`, `set imap_user = …`, `set smtp=…`) and four in five statements are rc
/// commands. A shell script's `set -e`, assignments and control flow never pass.
fn is_client_rc(text: &str) -> bool {
    let (mut mail_sets, mut commands, mut others) = (0usize, 0usize, 0usize);
    for line in opening(text).lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        match words.next() {
            Some(word) if RC_COMMANDS.contains(&word) => commands += 1,
            Some("set" | "unset") => {
                commands += 1;
                let var = words.next().unwrap_or("").split('=').next().unwrap_or("");
                if MUTT_VARS.contains(&var) || var.starts_with("smtp") || var.starts_with("imap") {
                    mail_sets += 1;
                }
            }
            _ => others += 1,
        }
    }
    mail_sets >= 3 && others * 5 <= commands + others
}

/// mutt and mailx commands besides `set`, as account files use them.
const RC_COMMANDS: &[&str] = &[
    "source",
    "mailboxes",
    "unmailboxes",
    "bind",
    "macro",
    "color",
    "my_hdr",
    "alias",
    "account",
    "account-hook",
    "folder-hook",
    "send-hook",
    "ignore",
    "unignore",
    "hdr_order",
    "alternative_order",
    "auto_view",
    "mime_lookup",
    "lists",
    "subscribe",
    "reset",
];

/// mutt variables that open an account file (a mailx file sets `smtp…` variables instead).
const MUTT_VARS: &[&str] = &[
    "smtp_url",
    "smtp_pass",
    "smtp_authenticators",
    "folder",
    "spoolfile",
    "imap_user",
    "imap_pass",
    "imap_login",
    "ssl_starttls",
    "ssl_force_tls",
    "realname",
    "from",
    "record",
    "postponed",
    "mbox_type",
    "header_cache",
    "message_cachedir",
    "sendmail",
];

/// Prose and markup, whose opening may quote a config without being one.
const PROSE_EXTENSIONS: &[&str] = &[
    "md", "markdown", "rst", "txt", "html", "htm", "adoc", "org", "tex",
];

/// Whether a file with this extension may be an rc file told by its first statement. Mail-client
/// account files are often named after the account (`profile.naver`, `dr.juniorf@gmail.com`,
/// `account.work`), so the part after the last dot is a domain or a word, not a format: every
/// extension no format claims is sniffed, except prose. An extension a format does claim (`.py`,
/// `.sh` …) was decided in step 2.
fn rc_sniff_allowed(extension: &str) -> bool {
    extension == "conf"
        || extension == "rc"
        || !(PROSE_EXTENSIONS.contains(&extension)
            || FORMATS.iter().any(|row| {
                row.extensions.contains(&extension) || row.heredoc_scripts.contains(&extension)
            }))
}

/// `row`'s format, when `word` (an extension or a language id) is one of its own and the
/// content agrees.
fn claims(row: &FormatSpec, word: &str, text: &str) -> Option<Format> {
    let confirmed = if row.extensions.contains(&word) || row.language_ids.contains(&word) {
        match row.gate {
            Gate::Open => true,
            Gate::MentionsMail => mentions_mail(text),
            Gate::ClientConfig => text.contains("<clientConfig"),
            Gate::PhpCode => text.contains("<?") && mentions_mail(text),
        }
    } else {
        // A shell script: only for a heredoc that writes this format's file.
        row.heredoc_scripts.contains(&word) && writes_heredoc(row, text)
    };
    confirmed.then_some(row.format)
}

/// A line such as `cat > ~/.mailrc <<EOF` that writes a file the row names.
fn writes_heredoc(row: &FormatSpec, text: &str) -> bool {
    text.lines().filter(|line| line.contains("<<")).any(|line| {
        let line = line.to_ascii_lowercase();
        row.heredoc_names().any(|name| line.contains(name))
    })
}

/// A script named after the format (`generate-msmtp.conf.sh`, by a modeline name of its row)
/// that prints the file in a heredoc ([`heredoc::script_bodies`] reads every body then).
fn prints_heredoc(row: &FormatSpec, base: &str, text: &str) -> bool {
    let stem = base.rsplit_once('.').map_or(base, |(stem, _)| stem);
    text.starts_with("#!")
        && row.modelines.iter().any(|name| stem.contains(name))
        && heredoc::has_heredoc(opening(text))
}

/// How much of a file the content sniff looks at: its opening is enough to be sure.
const SNIFF_BYTES: usize = 4096;

/// The opening of `text`, at most [`SNIFF_BYTES`] (cut at a character boundary).
fn opening(text: &str) -> &str {
    let mut end = text.len().min(SNIFF_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Strong signals only, in the opening of a file whose name decides nothing: an XML document
/// whose root is `<clientConfig>` (Mozilla autoconfig), an editor modeline naming a mail
/// format (`# vim: ft=muttrc`), or a list of environment variables with mail settings (a `.env`
/// under another name: `env.blade.php`, `production.vars`). Prose that merely mentions SMTP never
/// matches.
fn sniff_content(text: &str) -> Option<Format> {
    let head = opening(text);
    if let Some(format) = modeline_format(head) {
        return Some(format);
    }
    if is_env_list(head) && mentions_mail(text) {
        return Some(Format::Env);
    }
    let body = head.trim_start_matches('\u{feff}').trim_start();
    // A JSON object that names mail servers (goimapnotify's `gmail.conf`): its first member's key
    // is quoted, as Hjson's and JavaScript's need not be, and the whole text is that one object
    // (a JSON-lines log or data file, one object a line, is not a configuration).
    if body
        .strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with('"'))
        && mentions_mail(text)
        && serde_json::from_str::<serde::de::IgnoredAny>(text.trim_start_matches('\u{feff}'))
            .is_ok()
    {
        return Some(Format::Json);
    }
    if !body.starts_with('<') {
        return None;
    }
    // The first element after the prolog, comments and doctype is the root.
    let mut rest = body;
    loop {
        rest = rest.trim_start();
        let skip_to = if rest.starts_with("<?") {
            "?>"
        } else if rest.starts_with("<!--") {
            "-->"
        } else if rest.starts_with("<!") {
            ">"
        } else {
            break;
        };
        let end = rest.find(skip_to)?;
        rest = &rest[end + skip_to.len()..];
    }
    let root = rest.strip_prefix("<clientConfig")?;
    root.starts_with(|c: char| c.is_whitespace() || c == '>')
        .then_some(Format::Xml)
}

/// A vim or Emacs modeline in the first or last lines of the opening that names a mail format:
/// `# vim: filetype=muttrc`, `# vim: set ft=neomuttrc :`, `# -*- mode: muttrc -*-`.
fn modeline_format(head: &str) -> Option<Format> {
    // The first and the last five lines, without splitting the lines between.
    let last = head.trim_end_matches(['\n', '\r']).rsplit('\n').take(5);
    let candidates = head.lines().take(5).chain(last);
    for line in candidates {
        let line = line.trim();
        if !line.starts_with('#') {
            continue;
        }
        let lower = line.to_ascii_lowercase();
        let name = if lower.contains("vim:") || lower.contains("vi:") {
            lower
                .split(|c: char| c.is_whitespace() || c == ':')
                .find_map(|w| {
                    w.strip_prefix("filetype=")
                        .or_else(|| w.strip_prefix("ft="))
                })
        } else if lower.contains("-*-") {
            lower
                .split(';')
                .flat_map(|part| part.split("-*-"))
                .find_map(|part| part.trim().strip_prefix("mode:").map(str::trim))
        } else {
            None
        };
        let name = name.unwrap_or("");
        if let Some(row) = FORMATS.iter().find(|row| row.modelines.contains(&name)) {
            return Some(row.format);
        }
    }
    None
}

/// Whether the opening is a list of environment variables: at least three `NAME=value` lines
/// (`NAME` in capitals, as variables are named; `export` allowed), and nine lines in ten of those
/// that are not blank or comments. A shell script, an INI file with sections or prose is not.
fn is_env_list(head: &str) -> bool {
    let (mut assignments, mut others) = (0usize, 0usize);
    for line in head.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let name = line.split_once('=').map_or("", |(name, _)| name);
        let is_variable = name.starts_with(|c: char| c.is_ascii_uppercase())
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if is_variable {
            assignments += 1;
        } else {
            others += 1;
        }
    }
    assignments >= 3 && others * 10 <= assignments + others
}

fn mentions_mail(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "smtp",
        "imap",
        "pop3",
        "email_host",
        "email_port",
        "mail_host",
        "mail_port",
        "mail_server",
        "mailer",
        "createtransport",
        // Spring's sender set up in code (`JavaMailSenderImpl` with its setters and no `mail.`
        // property).
        "javamailsender",
        "accounts.email",
        // imapnotify's command keys: its configuration names no protocol.
        "onnotify",
    ];
    // One fast pass over the text for all markers (a tree of source files is read by every
    // whole-tree check).
    static MARKER_WORDS: std::sync::OnceLock<AnyWord> = std::sync::OnceLock::new();
    MARKER_WORDS
        .get_or_init(|| AnyWord::new(MARKERS))
        .is_match(text.as_bytes())
}

/// A file without a telling name, recognised by its first statement.
fn sniff_rc_file(text: &str) -> Option<Format> {
    // mutt commands that configure no account come first in many account files
    // (`unmailboxes *`, `source ~/.mutt/common`): the first statement after them decides.
    const MUTT_PREAMBLE: &[&str] = &[
        "unmailboxes",
        "mailboxes",
        "source",
        "unset",
        "reset",
        "unhook",
        "unmy_hdr",
        "color",
        "uncolor",
        "alternates",
        "unalternates",
        "alias",
        "unalias",
        "my_hdr",
        "lists",
        "subscribe",
        "bind",
        "macro",
        "ignore",
        "unignore",
        "hdr_order",
    ];
    // mbsync's global channel options (isync's `mbsync.1`: "may also appear outside a Channel
    // section"), often set before the first store; its keywords are case-insensitive.
    const MBSYNC_PREAMBLE: &[&str] = &[
        "sync",
        "create",
        "remove",
        "expunge",
        "syncstate",
        "copyarrivaldate",
        "maxmessages",
        "expireunread",
        "expireside",
        "fsync",
        "fielddelimiter",
        "bufferlimit",
    ];
    let first = opening(text)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(20)
        .find(|l| {
            let mut words = l.split_whitespace();
            let word = words.next().unwrap_or("");
            if MBSYNC_PREAMBLE.contains(&word.to_ascii_lowercase().as_str()) {
                return false;
            }
            // `set my_user = …`: a variable of the user's own (mutt's `my_` prefix), set
            // first so that the account's settings can use it.
            let own_variable = word == "set" && words.next().is_some_and(|v| v.starts_with("my_"));
            !MUTT_PREAMBLE.contains(&word) && !own_variable
        })?;
    let mut words = first.split_whitespace();
    let word = words.next()?;
    let second = words.next().unwrap_or("");
    let var = second.split('=').next().unwrap_or("");
    match word {
        "set" if MUTT_VARS.contains(&var) => Some(Format::Muttrc),
        // An account file that sets its account in hooks; no other format has these commands.
        "account-hook" | "folder-hook" | "send-hook" | "send2-hook" | "reply-hook"
        | "message-hook" => Some(Format::Muttrc),
        "set" if var.starts_with("smtp") || var == "mta" || var == "v15-compat" => {
            Some(Format::Mailrc)
        }
        "IMAPAccount" | "IMAPStore" | "MaildirStore" | "Channel" => Some(Format::Mbsync),
        "poll" | "skip" => Some(Format::Fetchmail),
        "defaults" | "account" if text.lines().any(|l| l.trim_start().starts_with("host ")) => {
            Some(Format::Msmtp)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_without_a_tag_is_read_by_its_content() {
        let env = "APP_NAME=\"{{ $app_name }}\"\nMAIL_MAILER=smtp\nMAIL_HOST=smtp.mailgun.org\nMAIL_PORT=25\n";
        assert_eq!(detect_format("env.blade.php", None, env), Some(Format::Env));
        let php = "<?php\nreturn ['mail_host' => 'smtp.example.com', 'mail_port' => 587];\n";
        assert_eq!(detect_format("settings.php", None, php), Some(Format::Php));
        // Stays silent: an HTML template, an INI file with sections, a shell script, prose.
        let html = "<html><body>Our SMTP relay is smtp.example.com</body></html>\n";
        assert_eq!(detect_format("mail.blade.php", None, html), None);
        let ini = "[mailer]\nHOST=smtp.example.com\nPORT=587\n[smtp]\nUSER=me\n";
        assert_eq!(detect_format("settings.vars", None, ini), None);
        let script = "SMTP_HOST=smtp.example.com\nSMTP_PORT=587\nMAIL_USER=me\nif [ -n \"$X\" ]; then\n  echo hi\nfi\n";
        assert_eq!(detect_format("deploy.vars", None, script), None);
        let no_mail = "A=1\nB=2\nC=3\n";
        assert_eq!(detect_format("values.vars", None, no_mail), None);
    }

    /// Account files named after the account: a mutt file that sets its account in hooks, a
    /// goimapnotify JSON object; a JSON-lines file that mentions mail is no configuration.
    #[test]
    fn account_files_by_their_content() {
        let mutt = "mailboxes imaps://imap.example.org\nalternates 'me@example.org'\n\nfolder-hook imaps://imap.example.org 'set smtp_url=smtps://me@smtp.example.org'\n";
        assert_eq!(
            detect_format("example.de", None, mutt),
            Some(Format::Muttrc)
        );
        let json = "{\n  \"host\": \"imap.example.org\",\n  \"port\": 993,\n  \"tls\": true\n}\n";
        assert_eq!(detect_format("gmail.conf", None, json), Some(Format::Json));
        assert_eq!(
            detect_format("work", None, &format!("\u{feff}{json}")),
            Some(Format::Json)
        );
        let lines =
            "{\"host\": \"imap.example.org\", \"port\": 143}\n{\"host\": \"smtp.example.org\"}\n";
        assert_eq!(detect_format("mail.jsonl", None, lines), None);
    }

    #[test]
    fn client_rc_under_a_script_name_is_read_by_its_content() {
        let mutt = "# IMAP\nset folder    = 'imap://imap:143/'\nset imap_user = 'me'\nset imap_pass = 'x'\nmailboxes = '+INBOX'\nunset ssl_starttls\nset smtp_url  = 'smtp://smtp:25'\n";
        assert_eq!(
            detect_format("me (internal).sh", None, mutt),
            Some(Format::Muttrc)
        );
        let mailx = "set smtp=smtps://smtp.example.com:465\nset smtp-auth=login\nset smtp-auth-user=me\nset from=me@example.com\n";
        assert_eq!(
            detect_format("mailrc.sh", None, mailx),
            Some(Format::Mailrc)
        );
        // Stays silent: shell scripts, even ones that mention SMTP variables.
        let script = "#!/bin/sh\nset -e\nunset SMTP_HOST\nSMTP_PORT=587\nexport SMTP_USER=me\nif [ -n \"$X\" ]; then\n  echo hi\nfi\n";
        assert_eq!(detect_format("deploy.sh", None, script), None);
        let few = "set smtp_url = 'smtp://x:25'\necho one\necho two\necho three\n";
        assert_eq!(detect_format("setup.sh", None, few), None);
    }

    #[test]
    fn by_file_name() {
        let cases = [
            (".env", Some(Format::Env)),
            ("/srv/app/.env.production", Some(Format::Env)),
            (".env.example", Some(Format::Env)),
            (".env.staging", Some(Format::Env)),
            ("mail.env", Some(Format::Env)),
            // The extension names the format: a `.env.` prefix decides only the rest.
            ("deploy/.env.yml", Some(Format::Yaml)),
            (".env.yaml", Some(Format::Yaml)),
            (".env.json", Some(Format::Json)),
            (".env.toml", Some(Format::Toml)),
            ("docker-compose.yml", Some(Format::Yaml)),
            ("alertmanager.YML", Some(Format::Yaml)),
            ("src/main/resources/application.yaml", Some(Format::Yaml)),
            (".github/workflows/notify.yml", Some(Format::Yaml)),
            ("config.production.json", Some(Format::Json)),
            ("settings.jsonc", Some(Format::Json)),
            ("config.toml", Some(Format::Toml)),
            ("custom/conf/app.ini", Some(Format::Ini)),
            ("grafana.ini", Some(Format::Ini)),
            ("C:\\Users\\me\\.offlineimaprc", Some(Format::Ini)),
            ("offlineimaprc", Some(Format::Ini)),
            ("~/.config/aerc/accounts.conf", Some(Format::Ini)),
            ("application.properties", Some(Format::Properties)),
            ("main.cf", Some(Format::PostfixMain)),
            (".msmtprc", Some(Format::Msmtp)),
            // Template and example copies read as the file they stand for.
            ("backend/templates/application.yml.tpl", Some(Format::Yaml)),
            ("templates/main.cf.j2", Some(Format::PostfixMain)),
            ("dotfiles/msmtprc.tmpl", Some(Format::Msmtp)),
            ("app.ini.sample", Some(Format::Ini)),
            ("dotfiles/offlineimaprc.m4", Some(Format::Ini)),
            ("etc/msmtprc.in", Some(Format::Msmtp)),
            // chezmoi source names: attribute prefixes and `dot_` stripped, then the suffix.
            (
                "dot_config/aerc/private_accounts.conf.tmpl",
                Some(Format::Ini),
            ),
            ("home/private_dot_msmtprc", Some(Format::Msmtp)),
            ("dot_muttrc", Some(Format::Muttrc)),
            ("private_notes.txt", None),
            ("requirements.in", None),
            ("configure.in", None),
            ("README.md.j2", None),
            ("templates/.j2", None),
            (".tpl", None),
            ("README.md", None),
            ("environment", None),
            (".envrc", None),
            (".json", None),
        ];
        for (name, expected) in cases {
            assert_eq!(detect_format(name, None, ""), expected, "{name}");
        }
    }

    #[test]
    fn program_source_templates_need_mail_content_like_the_source_itself() {
        let gitlab = "gitlab_rails['smtp_enable'] = true\ngitlab_rails['smtp_port'] = {{ gitlab_smtp_port }}\n";
        assert_eq!(
            detect_format("roles/gitlab/templates/gitlab.rb.j2", None, gitlab),
            Some(Format::Ruby)
        );
        let django = "EMAIL_HOST = '{{ email_host }}'\nEMAIL_PORT = 587\nEMAIL_USE_TLS = True\n";
        assert_eq!(
            detect_format("settings.py.example", None, django),
            Some(Format::Python)
        );
        assert_eq!(detect_format("tasks.py.j2", None, "print('hi')\n"), None);
    }

    #[test]
    fn by_language_id_when_the_name_says_nothing() {
        assert_eq!(
            detect_format("untitled-1", Some("dotenv"), ""),
            Some(Format::Env)
        );
        assert_eq!(
            detect_format("untitled-1", Some("java-properties"), ""),
            Some(Format::Properties)
        );
        assert_eq!(
            detect_format("untitled-1", Some("JSONC"), ""),
            Some(Format::Json)
        );
        assert_eq!(detect_format("untitled-1", Some("rust"), ""), None);
        // The name wins over the language id.
        assert_eq!(
            detect_format("app.ini", Some("properties"), ""),
            Some(Format::Ini)
        );
    }
}

#[cfg(test)]
mod mail_format_tests {
    use super::*;

    #[test]
    fn mail_formats_by_name() {
        let cases = [
            ("config-v1.1.xml", Some(Format::Xml)),
            ("/home/me/.msmtprc", Some(Format::Msmtp)),
            ("/etc/msmtprc", Some(Format::Msmtp)),
            ("work.msmtprc", Some(Format::Msmtp)),
            (".mbsyncrc", Some(Format::Mbsync)),
            ("isyncrc", Some(Format::Mbsync)),
            (".muttrc", Some(Format::Muttrc)),
            ("neomuttrc", Some(Format::Muttrc)),
            ("gmail.muttrc", Some(Format::Muttrc)),
            (".fetchmailrc", Some(Format::Fetchmail)),
            ("/etc/postfix/main.cf", Some(Format::PostfixMain)),
            ("master.cf", Some(Format::PostfixMaster)),
            (".mailrc", Some(Format::Mailrc)),
            (".nailrc", Some(Format::Mailrc)),
            ("/home/me/.emacs", Some(Format::Elisp)),
            ("/home/me/.emacs.d/init.el", Some(Format::Elisp)),
            (".gnus.el", Some(Format::Elisp)),
        ];
        for (name, expected) in cases {
            assert_eq!(detect_format(name, None, ""), expected, "{name}");
        }
    }

    #[test]
    fn program_source_only_when_it_mentions_mail() {
        let django = "EMAIL_HOST = 'smtp.example.com'\nEMAIL_PORT = 587\n";
        assert_eq!(
            detect_format("settings.py", None, django),
            Some(Format::Python)
        );
        assert_eq!(detect_format("views.py", None, "def index(): pass\n"), None);
        let nodemailer = "nodemailer.createTransport({ port: 465 })";
        assert_eq!(
            detect_format("mailer.ts", None, nodemailer),
            Some(Format::JavaScript)
        );
        assert_eq!(detect_format("server.js", None, "app.listen(3000)"), None);
        let smtpmail = "(setq smtpmail-smtp-server \"smtp.example.com\")\n";
        assert_eq!(
            detect_format("lisp/mail.el", None, smtpmail),
            Some(Format::Elisp)
        );
        assert_eq!(
            detect_format("lisp/ui.el", None, "(load-theme 'modus)\n"),
            None
        );
        let imapnotify = "exports.host = \"imap.example.com\";\nexports.onNotify = \"mbsync -a\";";
        assert_eq!(
            detect_format("posteo.js", None, imapnotify),
            Some(Format::JavaScript)
        );
        let nextcloud = "<?php\n$CONFIG = array('mail_smtpport' => 465);";
        assert_eq!(
            detect_format("config.php", None, nextcloud),
            Some(Format::Php)
        );
        assert_eq!(detect_format("index.php", None, "<?php echo 1;"), None);
        let gitlab = "gitlab_rails['smtp_port'] = 465";
        assert_eq!(detect_format("gitlab.rb", None, gitlab), Some(Format::Ruby));
        let hm = "{ accounts.email.accounts.me.smtp.port = 465; }";
        assert_eq!(detect_format("home.nix", None, hm), Some(Format::Nix));
        assert_eq!(detect_format("flake.nix", None, "{ inputs = {}; }"), None);
        let ispdb = "<clientConfig version=\"1.1\"></clientConfig>";
        assert_eq!(
            detect_format("gmail.com.xml", None, ispdb),
            Some(Format::Xml)
        );
        assert_eq!(detect_format("pom.xml", None, "<project/>"), None);
    }

    #[test]
    fn shell_script_with_a_mailrc_heredoc() {
        let script = "#!/bin/sh\ncat > ~/.mailrc <<EOF\nset smtp=smtp://x:587\nEOF\n";
        assert_eq!(
            detect_format("setup.sh", None, script),
            Some(Format::Mailrc)
        );
        assert_eq!(detect_format("build.sh", None, "make all\n"), None);
    }

    #[test]
    fn by_language_id() {
        let mutt = "set smtp_url = \"smtps://x@smtp.example.com\"";
        assert_eq!(
            detect_format("untitled", Some("muttrc"), mutt),
            Some(Format::Muttrc)
        );
        let py = "EMAIL_PORT = 587";
        assert_eq!(
            detect_format("untitled", Some("python"), py),
            Some(Format::Python)
        );
        assert_eq!(detect_format("untitled", Some("python"), "x = 1"), None);
        // The editor's word counts whatever the extension, after a name that decides.
        let mailrc = "set smtp=smtps://smtp.example.com:465\n";
        assert_eq!(
            detect_format("notes.txt", Some("mailrc"), mailrc),
            Some(Format::Mailrc)
        );
        assert_eq!(
            detect_format(".env", Some("python"), "EMAIL_PORT=587\n"),
            Some(Format::Env)
        );
        assert_eq!(
            detect_format("setup.txt", Some("shellscript"), "make\n"),
            None
        );
    }

    #[test]
    fn by_content_when_the_name_says_nothing() {
        let mutt = "# work account\nset smtp_url = \"smtps://me@smtp.example.com:465\"\n";
        assert_eq!(detect_format("config", None, mutt), Some(Format::Muttrc));
        assert_eq!(
            detect_format("work", None, "IMAPAccount work\nHost imap.example.com\n"),
            Some(Format::Mbsync)
        );
        assert_eq!(
            detect_format("fetch.conf", None, "poll pop.example.com proto pop3\n"),
            Some(Format::Fetchmail)
        );
        assert_eq!(
            detect_format("msmtp-work", None, "account work\nhost smtp.example.com\n"),
            Some(Format::Msmtp)
        );
        assert_eq!(
            detect_format("mail", None, "set smtp=smtps://smtp.example.com:465\n"),
            Some(Format::Mailrc)
        );
        assert_eq!(detect_format("config", None, "set -e\n"), None);
        assert_eq!(detect_format("Makefile", None, "all:\n\tcc x.c\n"), None);
    }

    /// Account files named after the account: the part after the last dot is a domain or a
    /// word. The first statement decides, as for a file without an extension; prose that quotes
    /// a config, and source files, do not.
    #[test]
    fn account_files_named_after_the_account() {
        let naver = "source $HOME/.mutt/auth.password\n\nset smtp_url = \"smtp://$imap_user@smtp.naver.com:587/\"\nset folder = 'imaps://imap.naver.com:993/'\n";
        assert_eq!(
            detect_format("profile.naver", None, naver),
            Some(Format::Muttrc)
        );
        let gmail = "# This account is gone\n\nset my_username=\"dr.juniorf\"\nset from=\"$my_address\"\nset smtp_url=\"smtps://$my_address@smtp.gmail.com\"\n";
        // `set my_…` variables of the user's own come first and decide nothing.
        assert_eq!(
            detect_format(".config/neomutt/accounts/dr.juniorf@gmail.com", None, gmail),
            Some(Format::Muttrc)
        );
        let gmail = "set from=\"me@gmail.com\"\nset smtp_url=\"smtps://me@smtp.gmail.com\"\n";
        assert_eq!(
            detect_format("accounts/me@gmail.com", None, gmail),
            Some(Format::Muttrc)
        );
        assert_eq!(
            detect_format(
                "work.account",
                None,
                "IMAPAccount work\nHost imap.example.com\n"
            ),
            Some(Format::Mbsync)
        );
        // Global channel options may come before the first store.
        let mbsync = "Expunge None\nCreate Near\nSyncState *\n\nIMAPAccount me@gmail.com\nHost imap.gmail.com\n";
        assert_eq!(
            detect_format("me@gmail.com", None, mbsync),
            Some(Format::Mbsync)
        );
        // Those options alone name no format.
        assert_eq!(
            detect_format("me@gmail.com", None, "Expunge None\nCreate Near\n"),
            None
        );
        // Prose quoting a config, a shell script and program source stay what they are.
        assert_eq!(
            detect_format("notes.md", None, "poll pop.example.com proto pop3\n"),
            None
        );
        assert_eq!(
            detect_format("README.txt", None, "set smtp_url = \"smtp://x\"\n"),
            None
        );
        assert_eq!(
            detect_format("setup.sh", None, "set -e\npoll() { :; }\n"),
            None
        );
        assert_eq!(detect_format("x.py", None, "poll = 1\n"), None);
        assert_eq!(detect_format("report.pdf", None, "%PDF-1.4\n"), None);
    }
}
