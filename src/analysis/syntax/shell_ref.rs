//! Parameter references as the shell and Compose write them: `${NAME}`, `${NAME:-default}`,
//! `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`. One reader for every place mailport
//! meets them: a Compose value (`crossfile`), a heredoc the shell expands (`heredoc`), a document
//! inside a YAML value (`embedded`). And the placeholder of Java's configuration libraries,
//! `${name:default}` ([`placeholder_default`]).

use std::ops::Range;

/// How a reference picks its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `${NAME}`, `${NAME?message}`: the value when set.
    Value,
    /// `${NAME:?message}`: the value when set and not empty.
    NonEmptyValue,
    /// `${NAME:-default}`: the default when unset or empty.
    DefaultUnlessNonEmpty,
    /// `${NAME-default}`: the default when unset.
    DefaultUnlessSet,
}

/// One `${…}` reference, in byte offsets of the text it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// From `$` to the closing `}`, inclusive.
    pub span: Range<usize>,
    pub name: Range<usize>,
    pub op: Op,
    /// The default or message after the operator (empty for `${NAME}`).
    pub operand: Range<usize>,
}

impl Reference {
    /// The default's range, for the operators that have one.
    pub fn default(&self) -> Option<Range<usize>> {
        matches!(self.op, Op::DefaultUnlessNonEmpty | Op::DefaultUnlessSet)
            .then(|| self.operand.clone())
    }
}

pub fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The reference that starts at `at`, when it is one mailport reads: a name, then nothing or one
/// of `:-`, `-`, `:?`, `?` and an operand on one line without `$`, `{` or `}` (a nested
/// reference, or a brace the simple reading cannot place), then `}`. `:+`, `+` and the shell's
/// other operators are not read.
pub fn reference_at(text: &[u8], at: usize) -> Option<Reference> {
    if text.get(at..at.checked_add(2)?)? != b"${" {
        return None;
    }
    let name_start = at + 2;
    if !is_name_start(*text.get(name_start)?) {
        return None;
    }
    let name_end = name_start
        + text[name_start..]
            .iter()
            .take_while(|&&b| is_name_byte(b))
            .count();
    let rest = &text[name_end..];
    let (op, operator_len) = if rest.starts_with(b"}") {
        (Op::Value, 0)
    } else if rest.starts_with(b":-") {
        (Op::DefaultUnlessNonEmpty, 2)
    } else if rest.starts_with(b":?") {
        (Op::NonEmptyValue, 2)
    } else if rest.starts_with(b"-") {
        (Op::DefaultUnlessSet, 1)
    } else if rest.starts_with(b"?") {
        (Op::Value, 1)
    } else {
        return None;
    };
    let operand_start = name_end + operator_len;
    let operand_len = text[operand_start..]
        .iter()
        .take_while(|b| !matches!(b, b'}' | b'$' | b'{' | b'\n' | b'\r'))
        .count();
    let close = operand_start + operand_len;
    (text.get(close) == Some(&b'}')).then(|| Reference {
        span: at..close + 1,
        name: name_start..name_end,
        op,
        operand: operand_start..close,
    })
}

/// Every reference of `text`, left to right (a reference's operand is not searched again).
pub fn references(text: &[u8]) -> impl Iterator<Item = Reference> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        while at + 1 < text.len() {
            if let Some(found) = reference_at(text, at) {
                at = found.span.end;
                return Some(found);
            }
            at += 1;
        }
        None
    })
}

/// The default of a value that is one placeholder as Spring, Quarkus, Micronaut and Logstash
/// write it, `${MAIL_PORT:587}` (Spring's `PropertyPlaceholderHelper`: the text after the first
/// `:` is used when the name resolves to nothing), when the default is a literal: not empty, on
/// one line, without `$`, `{` or `}`. The shell's forms (`${NAME:-default}`, `${NAME:?message}`,
/// `${NAME:+word}`, `${NAME:=word}`) are not this one: a default starting with `-`, `?`, `+` or
/// `=` is not read. `rules.md` reads a literal default as the value ("configured elsewhere, and
/// else this"); mailport never sees the environment, so the default is what it can check.
pub fn placeholder_default(written: &str) -> Option<Range<usize>> {
    let inner = written.strip_prefix("${")?.strip_suffix('}')?;
    let (name, default) = inner.split_once(':')?;
    let name_ok = name.bytes().next().is_some_and(is_name_start)
        && name
            .bytes()
            .all(|b| is_name_byte(b) || matches!(b, b'.' | b'-'));
    let default_ok = !default.is_empty()
        && !default.starts_with(['-', '?', '+', '='])
        && !default.contains(['$', '{', '}', '\n', '\r']);
    (name_ok && default_ok).then(|| {
        let start = 2 + name.len() + 1;
        start..start + default.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_placeholders_read_their_literal_default() {
        let default = |w: &'static str| placeholder_default(w).map(|r| &w[r]);
        assert_eq!(default("${MAIL_PORT:587}"), Some("587"));
        assert_eq!(
            default("${spring.mail.host:smtp.example.com}"),
            Some("smtp.example.com")
        );
        assert_eq!(default("${MAIL_STARTTLS_ENABLE:true}"), Some("true"));
        // No default, an empty one, a nested one, the shell's operators, more than the
        // placeholder, a name that is not one.
        for w in [
            "${MAIL_PORT}",
            "${MAIL_PASSWORD:}",
            "${MAIL_FROM:${MAIL_USERNAME}}",
            "${SMTP_PORT:-587}",
            "${SMTP_PORT:?set it}",
            "${SMTP_PORT:+x}",
            "${SMTP_PORT:=587}",
            "smtp.${DOMAIN:example.com}",
            "${MAIL_PORT:587} ",
            "${:587}",
            "${1X:587}",
            "#{MAIL_PORT:587}",
        ] {
            assert_eq!(default(w), None, "{w:?}");
        }
    }

    fn read(text: &str) -> Vec<(&str, Op, &str)> {
        references(text.as_bytes())
            .map(|r| (&text[r.name.clone()], r.op, &text[r.operand.clone()]))
            .collect()
    }

    #[test]
    fn the_forms_mailport_reads() {
        assert_eq!(
            read("port ${SMTP_PORT:-25} ${A} ${B-x} ${C:?need C} ${D?set D}"),
            [
                ("SMTP_PORT", Op::DefaultUnlessNonEmpty, "25"),
                ("A", Op::Value, ""),
                ("B", Op::DefaultUnlessSet, "x"),
                ("C", Op::NonEmptyValue, "need C"),
                ("D", Op::Value, "set D"),
            ]
        );
        let r = reference_at(b"x ${P:-587}", 2);
        assert_eq!(r.as_ref().map(|r| r.span.clone()), Some(2..11));
        assert_eq!(r.and_then(|r| r.default()), Some(7..10));
    }

    #[test]
    fn forms_it_does_not_read() {
        // Another operator, a digit first, an operand across lines, no close, no braces.
        for text in ["${A:+x}", "${1}", "${A:-x\n}", "${A", "${}", "$A"] {
            assert_eq!(read(text), [], "{text:?}");
        }
        // A nested reference is not the outer one's operand: only the inner one is read.
        assert_eq!(read("${A:-${B}}"), [("B", Op::Value, "")]);
        assert_eq!(read("${A:-x ${B}"), [("B", Op::Value, "")]);
    }
}
