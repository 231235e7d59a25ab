//! The format table: one row per file format, with everything mailport needs to know about it
//! besides its adapter — how to read it, how its files are named, what editors call it and how its
//! comments and values are written. Adding a format is its adapter module, its word in
//! `vocab::Format` and one row here; detection (`detect.rs`) and every other layer read the row.

use super::{
    claws, dockerfile, elisp, env, esmtp, fetchmail, hjson, ini, java, javascript, json, mailrc,
    mbsync, msmtp, muttrc, nix, nullmailer, php, pinerc, postfix, properties, python, ruby, toml,
    xml, yaml, Parsed,
};
use crate::vocab::Format;

/// How a file's basename (lowercased) is matched.
pub enum NamePattern {
    /// The whole name.
    Exact(&'static str),
    /// A name ending with this, longer than it (`.yml`, `.msmtprc`).
    Suffix(&'static str),
    /// A name starting with this, longer than it (`.env.` for `.env.production`).
    Prefix(&'static str),
}

use NamePattern::{Exact, Prefix, Suffix};

/// What a file's content must show before an extension or a language id that many other files
/// share (`.py`, `.xml`, `python`) is taken to mean this format: the rest of a project's files are
/// never guessed into noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// The extension or language id is enough.
    Open,
    /// Program source: only when it mentions mail settings.
    MentionsMail,
    /// XML: only a Mozilla autoconfig document (`<clientConfig>`).
    ClientConfig,
    /// PHP: program source that mentions mail settings and has a PHP tag. PHP prints the text
    /// outside `<?php … ?>` as it is, so a `.php` file without a tag is a template of some other
    /// file (a Blade `env.blade.php` that renders a `.env`): its content decides.
    PhpCode,
}

/// How a format writes a value, which is what a fix writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Literals {
    /// Every value is text, written as it is (`.env`, INI, rc files, Lisp as profiles write it).
    Text,
    /// Numbers and booleans bare, text quoted (JSON, TOML, program source).
    Typed,
    /// As `Typed`, and a word of plain characters is bare too (YAML).
    TypedBareWords,
    /// As `Typed`, booleans written `True`/`False` (Python).
    TypedCapitalBooleans,
    /// As `Typed` over an existing value, but a new entry's value is a string: Jakarta Mail's
    /// `Properties.setProperty` takes nothing else, and `getProperty` reads nothing else.
    TypedNewStrings,
}

impl Literals {
    /// Numbers and booleans are written bare.
    pub fn typed(self) -> bool {
        self != Literals::Text
    }
}

/// One format's row.
pub struct FormatSpec {
    pub format: Format,
    /// The adapter: text in, settings out. Never panics.
    pub read: fn(&str) -> Parsed,
    /// File names that decide the format whatever the content, in order.
    pub names: &'static [NamePattern],
    /// Extensions (without the dot) that mean this format once the [`Gate`] agrees.
    pub extensions: &'static [&'static str],
    /// Editor language ids that mean this format once the [`Gate`] agrees.
    pub language_ids: &'static [&'static str],
    pub gate: Gate,
    /// Names in a vim (`ft=`) or Emacs (`mode:`) modeline that mean this format.
    pub modelines: &'static [&'static str],
    /// Shell scripts (by extension or language id) that count when they write this format in a
    /// heredoc (`cat > ~/.mailrc <<EOF`, [`super::heredoc`]).
    pub heredoc_scripts: &'static [&'static str],
    /// The line-comment marker a suppression comment is written with (`None`: no line comments).
    pub comment: Option<&'static str>,
    /// How a value is written: what a fix writes.
    pub literals: Literals,
    /// Program source: settings are variables and calls of a program.
    pub program: bool,
}

/// A row with no names, extensions, language ids or modelines, for the struct update syntax.
const NONE: FormatSpec = FormatSpec {
    format: Format::Env,
    read: env::parse,
    names: &[],
    extensions: &[],
    language_ids: &[],
    gate: Gate::Open,
    modelines: &[],
    heredoc_scripts: &[],
    comment: Some("#"),
    literals: Literals::Text,
    program: false,
};

/// Every format, in the order of [`Format::ALL`]. Names are matched across rows in this order.
pub const FORMATS: &[FormatSpec] = &[
    FormatSpec {
        format: Format::Env,
        read: env::parse,
        names: &[Exact(".env"), Prefix(".env."), Suffix(".env")],
        language_ids: &["dotenv"],
        ..NONE
    },
    FormatSpec {
        format: Format::Yaml,
        read: yaml::parse,
        names: &[Suffix(".yml"), Suffix(".yaml")],
        language_ids: &["yaml", "dockercompose"],
        literals: Literals::TypedBareWords,
        ..NONE
    },
    FormatSpec {
        format: Format::Json,
        read: json::parse,
        names: &[Suffix(".json"), Suffix(".jsonc")],
        language_ids: &["json", "jsonc"],
        // JSON with comments accepts `//`; plain JSON has none (no suppression fix there).
        comment: None,
        literals: Literals::Typed,
        ..NONE
    },
    FormatSpec {
        format: Format::Toml,
        read: toml::parse,
        names: &[Suffix(".toml")],
        language_ids: &["toml"],
        literals: Literals::Typed,
        ..NONE
    },
    FormatSpec {
        format: Format::Ini,
        read: ini::parse,
        names: &[
            Suffix(".ini"),
            Exact(".offlineimaprc"),
            Exact("offlineimaprc"),
            // getmail6 (configparser INI; `getmailrc` is its default name).
            Exact("getmailrc"),
            Exact("accounts.conf"),
            // Apache Airflow and Odoo (also under its OpenERP name): configparser INI files.
            Exact("airflow.cfg"),
            Exact("odoo.conf"),
            Exact("openerp-server.conf"),
            Exact(".odoorc"),
        ],
        language_ids: &["ini"],
        comment: Some(";"),
        ..NONE
    },
    FormatSpec {
        format: Format::Properties,
        read: properties::parse,
        names: &[Suffix(".properties")],
        language_ids: &["properties", "java-properties"],
        ..NONE
    },
    FormatSpec {
        format: Format::Xml,
        read: xml::parse,
        // Jenkins keeps its Mailer settings in `$JENKINS_HOME/hudson.tasks.Mailer.xml`.
        names: &[Exact("config-v1.1.xml"), Exact("hudson.tasks.mailer.xml")],
        extensions: &["xml"],
        language_ids: &["xml"],
        gate: Gate::ClientConfig,
        // XML comments are not line comments (`<!-- -->`).
        comment: None,
        ..NONE
    },
    FormatSpec {
        format: Format::Python,
        read: python::parse,
        extensions: &["py"],
        language_ids: &["python"],
        literals: Literals::TypedCapitalBooleans,
        ..PROGRAM
    },
    FormatSpec {
        format: Format::Php,
        read: php::parse,
        extensions: &["php"],
        language_ids: &["php"],
        comment: Some("//"),
        gate: Gate::PhpCode,
        ..PROGRAM
    },
    FormatSpec {
        format: Format::Ruby,
        read: ruby::parse,
        extensions: &["rb"],
        language_ids: &["ruby"],
        ..PROGRAM
    },
    FormatSpec {
        format: Format::JavaScript,
        read: javascript::parse,
        extensions: &["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"],
        language_ids: &[
            "javascript",
            "typescript",
            "javascriptreact",
            "typescriptreact",
        ],
        comment: Some("//"),
        ..PROGRAM
    },
    FormatSpec {
        format: Format::Nix,
        read: nix::parse,
        extensions: &["nix"],
        language_ids: &["nix"],
        ..PROGRAM
    },
    FormatSpec {
        format: Format::Msmtp,
        read: msmtp::parse,
        names: &[Exact(".msmtprc"), Exact("msmtprc"), Suffix(".msmtprc")],
        language_ids: &["msmtp", "msmtprc"],
        modelines: &["msmtp", "msmtprc"],
        heredoc_scripts: SHELL_SCRIPTS,
        ..NONE
    },
    FormatSpec {
        format: Format::Mbsync,
        read: mbsync::parse,
        names: &[
            Exact(".mbsyncrc"),
            Exact("mbsyncrc"),
            Exact(".isyncrc"),
            Exact("isyncrc"),
        ],
        language_ids: &["mbsync", "isync", "mbsyncrc"],
        modelines: &["mbsync", "isync", "mbsyncrc"],
        heredoc_scripts: SHELL_SCRIPTS,
        ..NONE
    },
    FormatSpec {
        format: Format::Muttrc,
        read: muttrc::parse,
        names: &[
            Exact(".muttrc"),
            Exact("muttrc"),
            Exact(".neomuttrc"),
            Exact("neomuttrc"),
            Suffix(".muttrc"),
            Suffix(".neomuttrc"),
        ],
        language_ids: &["muttrc", "neomuttrc"],
        modelines: &["muttrc", "neomuttrc"],
        ..NONE
    },
    FormatSpec {
        format: Format::Fetchmail,
        read: fetchmail::parse,
        names: &[Exact(".fetchmailrc"), Exact("fetchmailrc")],
        language_ids: &["fetchmail", "fetchmailrc"],
        modelines: &["fetchmail", "fetchmailrc"],
        heredoc_scripts: SHELL_SCRIPTS,
        ..NONE
    },
    FormatSpec {
        format: Format::PostfixMain,
        read: postfix::parse_main,
        names: &[Exact("main.cf")],
        language_ids: &["pfmain"],
        ..NONE
    },
    FormatSpec {
        format: Format::PostfixMaster,
        read: postfix::parse_master,
        names: &[Exact("master.cf")],
        ..NONE
    },
    FormatSpec {
        format: Format::Mailrc,
        read: mailrc::parse,
        names: &[
            Exact(".mailrc"),
            Exact("mailrc"),
            Exact(".nailrc"),
            Exact("nail.rc"),
            Exact("s-nail.rc"),
            Exact("mail.rc"),
        ],
        language_ids: &["mailrc"],
        modelines: &["mailrc"],
        heredoc_scripts: SHELL_SCRIPTS,
        ..NONE
    },
    FormatSpec {
        format: Format::Ssmtp,
        // `Key=Value` lines and `#` comments, as a `.env` file (sSMTP compares keys ignoring case).
        read: env::parse,
        names: &[Exact("ssmtp.conf")],
        language_ids: &["ssmtp"],
        ..NONE
    },
    FormatSpec {
        format: Format::Nullmailer,
        read: nullmailer::parse,
        // `/etc/nullmailer/remotes`: a line that names no mail protocol gives nothing.
        names: &[Exact("remotes")],
        language_ids: &["nullmailer"],
        ..NONE
    },
    FormatSpec {
        format: Format::Esmtp,
        read: esmtp::parse,
        names: &[Exact(".esmtprc"), Exact("esmtprc")],
        language_ids: &["esmtprc"],
        ..NONE
    },
    FormatSpec {
        format: Format::Dockerfile,
        read: dockerfile::parse,
        names: &[
            Exact("dockerfile"),
            Exact("containerfile"),
            Prefix("dockerfile."),
            Suffix(".dockerfile"),
        ],
        language_ids: &["dockerfile", "containerfile"],
        ..NONE
    },
    FormatSpec {
        format: Format::Claws,
        read: claws::parse,
        // `~/.claws-mail/accountrc` (no comments: prefs.c reads every `key=value` line).
        names: &[Exact("accountrc")],
        language_ids: &["claws-accountrc"],
        comment: None,
        ..NONE
    },
    FormatSpec {
        format: Format::Pinerc,
        read: pinerc::parse,
        // `~/.pinerc`, and the system-wide `pine.conf` / `pine.conf.fixed`.
        names: &[
            Exact(".pinerc"),
            Exact("pinerc"),
            Exact("pine.conf"),
            Exact("pine.conf.fixed"),
        ],
        language_ids: &["pinerc"],
        ..NONE
    },
    FormatSpec {
        format: Format::Elisp,
        read: elisp::parse,
        // An init file is always Lisp; any other `.el` file counts when it mentions mail.
        names: &[
            Exact(".emacs"),
            Exact("_emacs"),
            Exact(".gnus"),
            Exact(".gnus.el"),
            Exact("init.el"),
        ],
        extensions: &["el"],
        language_ids: &["emacs-lisp", "elisp"],
        modelines: &["emacs-lisp", "lisp-interaction"],
        comment: Some(";;"),
        // Values are written as Lisp: profiles write them as they are (`'ssl`, `465`).
        literals: Literals::Text,
        ..PROGRAM
    },
    FormatSpec {
        format: Format::Hjson,
        read: hjson::parse,
        names: &[Suffix(".hjson")],
        language_ids: &["hjson"],
        literals: Literals::Typed,
        ..NONE
    },
    FormatSpec {
        format: Format::Java,
        read: java::parse,
        extensions: &["java"],
        language_ids: &["java"],
        comment: Some("//"),
        literals: Literals::TypedNewStrings,
        ..PROGRAM
    },
];

/// The shells whose scripts write mail clients' files in heredocs (container entrypoints).
const SHELL_SCRIPTS: &[&str] = &["sh", "bash", "shellscript"];

/// The common part of the program-source rows.
const PROGRAM: FormatSpec = FormatSpec {
    gate: Gate::MentionsMail,
    literals: Literals::Typed,
    program: true,
    ..NONE
};

/// The row of `format`.
pub fn spec(format: Format) -> &'static FormatSpec {
    // Every format has a row (a test checks it); the first row is never reached.
    FORMATS
        .iter()
        .find(|row| row.format == format)
        .unwrap_or(&FORMATS[0])
}

impl FormatSpec {
    /// What a heredoc's opening line says when it writes this format's file: its names without
    /// the leading dot (`cat > ~/.msmtprc <<EOF`).
    pub fn heredoc_names(&self) -> impl Iterator<Item = &'static str> + Clone {
        self.names
            .iter()
            .map(|name| name.text().trim_start_matches('.'))
    }
}

impl NamePattern {
    /// The name, suffix or prefix itself.
    pub fn text(&self) -> &'static str {
        match self {
            Exact(text) | Suffix(text) | Prefix(text) => text,
        }
    }

    /// Whether the lowercased basename `base` matches.
    pub fn matches(&self, base: &str) -> bool {
        match self {
            Exact(name) => base == *name,
            Suffix(suffix) => base.len() > suffix.len() && base.ends_with(suffix),
            Prefix(prefix) => base.len() > prefix.len() && base.starts_with(prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_format_in_vocabulary_order() {
        let rows: Vec<Format> = FORMATS.iter().map(|row| row.format).collect();
        assert_eq!(rows, Format::ALL);
        for &format in Format::ALL {
            assert_eq!(spec(format).format, format);
        }
    }

    #[test]
    fn every_row_can_be_found() {
        // A row that no name, extension, language id or modeline reaches would be dead.
        for row in FORMATS {
            let reachable = !row.names.is_empty()
                || !row.extensions.is_empty()
                || !row.language_ids.is_empty()
                || !row.modelines.is_empty();
            assert!(reachable, "{:?}", row.format);
        }
    }
}
