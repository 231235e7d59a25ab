//! Where an XML document stops being well-formed. tree-sitter-xml recovers from a broken tag and
//! reports the error where it gives up (often at the root's end tag, lines below), but Thunderbird
//! reads an autoconfig file with a strict XML parser: one broken tag and the whole file is
//! rejected. This scan finds the first place a strict parser stops at, for MP000 to point at.
//!
//! It checks what a mistyped file gets wrong (XML 1.0 §2–4, without a DTD): tag names, attribute
//! syntax and quoting, end tags matching their start tags, references (`&amp;`, `&#38;`), one root
//! element with only comments, processing instructions and white space around it. One pass, no
//! recursion: the open elements are a stack of names.

use std::collections::HashSet;

use super::SyntaxError;

type Scan<T> = Result<T, SyntaxError>;

/// The first place `text` is not well-formed XML, if there is one.
pub fn first_malformation(text: &str) -> Option<SyntaxError> {
    scan(text).err()
}

fn scan(text: &str) -> Scan<()> {
    let bytes = text.as_bytes();
    let mut at = if text.starts_with('\u{feff}') { 3 } else { 0 };
    // The open elements, innermost last: name and where its start tag is.
    let mut open: Vec<(&str, usize)> = Vec::new();
    let mut root_seen = false;
    while at < bytes.len() {
        let lt = find(bytes, at, b'<').unwrap_or(bytes.len());
        check_text(text, at, lt, open.is_empty())?;
        if lt == bytes.len() {
            break;
        }
        let rest = &text[lt..];
        at = if rest.starts_with("<?") {
            past(
                text,
                lt + 2,
                "?>",
                lt,
                "a processing instruction (`<?…?>`) is not closed",
            )?
        } else if rest.starts_with("<!--") {
            past(
                text,
                lt + 4,
                "-->",
                lt,
                "a comment (`<!--…-->`) is not closed",
            )?
        } else if rest.starts_with("<![CDATA[") {
            if open.is_empty() {
                return Err(error(text, lt, "a CDATA section outside the root element"));
            }
            past(
                text,
                lt + 9,
                "]]>",
                lt,
                "a CDATA section (`<![CDATA[…]]>`) is not closed",
            )?
        } else if rest.starts_with("<!DOCTYPE") {
            if root_seen || !open.is_empty() {
                return Err(error(text, lt, "a DOCTYPE after the root element"));
            }
            doctype_end(text, lt)?
        } else if let Some(after) = rest.strip_prefix("</") {
            let name = name_at(after).ok_or_else(|| error(text, lt, &not_a_name("`</`", after)))?;
            let end = skip_space(bytes, lt + 2 + name.len());
            if bytes.get(end) != Some(&b'>') {
                let why = format!("the end tag `</{name}` is not closed by `>`");
                return Err(error(text, lt, &why));
            }
            match open.pop() {
                Some((opened, _)) if opened == name => {}
                Some((opened, _)) => {
                    let why = format!("`</{name}>` where `</{opened}>` is expected");
                    return Err(error(text, lt, &why));
                }
                None => return Err(error(text, lt, &format!("`</{name}>` closes no element"))),
            }
            end + 1
        } else {
            let after = &rest[1..];
            let name = name_at(after).ok_or_else(|| error(text, lt, &not_a_name("`<`", after)))?;
            if open.is_empty() && root_seen {
                return Err(error(text, lt, "a second root element"));
            }
            let (end, closes_itself) = start_tag_end(text, lt, name)?;
            if !closes_itself {
                open.push((name, lt));
            }
            root_seen = true;
            end
        };
    }
    if let Some(&(name, start)) = open.last() {
        return Err(error(text, start, &format!("`<{name}>` is never closed")));
    }
    if !root_seen {
        return Err(error(text, 0, "no root element"));
    }
    Ok(())
}

/// Reads the attributes of the start tag at `lt` named `name`: where the tag ends, and whether it
/// closes itself (`/>`).
fn start_tag_end(text: &str, lt: usize, name: &str) -> Scan<(usize, bool)> {
    let bytes = text.as_bytes();
    let mut at = lt + 1 + name.len();
    let mut seen: HashSet<&str> = HashSet::new();
    loop {
        let spaced = skip_space(bytes, at);
        match bytes.get(spaced) {
            Some(b'>') => return Ok((spaced + 1, false)),
            Some(b'/') if bytes.get(spaced + 1) == Some(&b'>') => return Ok((spaced + 2, true)),
            None => {
                let why = format!("the start tag `<{name}` is not closed by `>`");
                return Err(error(text, lt, &why));
            }
            Some(_) if spaced == at => {
                let why =
                    format!("`<{name}`: a space, then an attribute or `>`, must follow the name");
                return Err(error(text, at, &why));
            }
            Some(_) => {}
        }
        let here = &text[spaced..];
        let attribute = name_at(here).ok_or_else(|| {
            error(
                text,
                spaced,
                &format!("`<{name}`: {}", not_a_name("an attribute", here)),
            )
        })?;
        if !seen.insert(attribute) {
            let why = format!("`<{name}`: the attribute `{attribute}` is given twice");
            return Err(error(text, spaced, &why));
        }
        let equals = skip_space(bytes, spaced + attribute.len());
        if bytes.get(equals) != Some(&b'=') {
            let why = format!("`<{name}`: the attribute `{attribute}` has no `=\"…\"` value");
            return Err(error(text, spaced, &why));
        }
        let open_quote = skip_space(bytes, equals + 1);
        let quote = match bytes.get(open_quote) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                let why = format!("`<{name}`: the value of `{attribute}` must be in quotes");
                return Err(error(text, spaced, &why));
            }
        };
        let value_start = open_quote + 1;
        let Some(close) = find(bytes, value_start, quote) else {
            let why = format!("`<{name}`: the value of `{attribute}` is not closed");
            return Err(error(text, spaced, &why));
        };
        if let Some(inner) = find(&bytes[..close], value_start, b'<') {
            let why = format!("`<{name}`: `<` inside the value of `{attribute}`");
            return Err(error(text, inner, &why));
        }
        check_references(text, value_start, close)?;
        at = close + 1;
    }
}

/// Text between markup: references must be well-formed; outside the root element only white
/// space may stand.
fn check_text(text: &str, from: usize, to: usize, outside_root: bool) -> Scan<()> {
    if outside_root {
        let part = &text[from..to];
        let blank = part.len() - part.trim_start_matches(is_space).len();
        if blank < part.len() {
            return Err(error(text, from + blank, "text outside the root element"));
        }
        return Ok(());
    }
    check_references(text, from, to)
}

/// Every `&` in `text[from..to]` starts a reference: `&name;`, `&#digits;` or `&#xhex;`.
fn check_references(text: &str, from: usize, to: usize) -> Scan<()> {
    let bytes = &text.as_bytes()[..to];
    let mut at = from;
    while let Some(amp) = find(bytes, at, b'&') {
        let after = &text[amp + 1..to];
        let body_len = if let Some(hex) = after.strip_prefix("#x") {
            2 + hex.bytes().take_while(u8::is_ascii_hexdigit).count()
        } else if let Some(decimal) = after.strip_prefix('#') {
            1 + decimal.bytes().take_while(u8::is_ascii_digit).count()
        } else {
            name_at(after).map_or(0, str::len)
        };
        let digits_missing = matches!(after.as_bytes().first(), Some(b'#'))
            && body_len <= if after.starts_with("#x") { 2 } else { 1 };
        if body_len == 0 || digits_missing || after.as_bytes().get(body_len) != Some(&b';') {
            return Err(error(
                text,
                amp,
                "`&` must start a reference such as `&amp;` (write a lone `&` as `&amp;`)",
            ));
        }
        at = amp + 1 + body_len + 1;
    }
    Ok(())
}

/// Past the end of the DOCTYPE at `lt`, an internal subset (`[…]`) included.
fn doctype_end(text: &str, lt: usize) -> Scan<usize> {
    let bytes = text.as_bytes();
    let mut quote = None;
    let mut in_subset = false;
    for (i, &b) in bytes.iter().enumerate().skip(lt + 9) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => in_subset = true,
            (None, b']') => in_subset = false,
            (None, b'>') if !in_subset => return Ok(i + 1),
            _ => {}
        }
    }
    Err(error(text, lt, "the DOCTYPE is not closed by `>`"))
}

/// Past the first `end` at or after `from`; `why` at `start` when there is none.
fn past(text: &str, from: usize, end: &str, start: usize, why: &str) -> Scan<usize> {
    match text.get(from..).and_then(|rest| rest.find(end)) {
        Some(found) => Ok(from + found + end.len()),
        None => Err(error(text, start, why)),
    }
}

/// The XML name at the start of `text` (XML 1.0 §2.3, with every non-ASCII char allowed).
fn name_at(text: &str) -> Option<&str> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_' || first == ':' || !first.is_ascii()) {
        return None;
    }
    let end = chars
        .find(|&(_, c)| {
            !(c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '-' | '.') || !c.is_ascii())
        })
        .map_or(text.len(), |(i, _)| i);
    Some(&text[..end])
}

fn not_a_name(after: &str, text: &str) -> String {
    match text.chars().next() {
        Some(c) if !c.is_whitespace() => {
            format!("after {after} a name must start with a letter, `_` or `:`, not `{c}`")
        }
        _ => format!("after {after} a name must follow"),
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|&b| is_space(char::from(b))) {
        at += 1;
    }
    at
}

fn find(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == byte)
        .map(|i| from + i)
}

/// The error at byte `at`, to the end of its line.
fn error(text: &str, at: usize, why: &str) -> SyntaxError {
    let at = at.min(text.len());
    let line = text.as_bytes()[..at]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1;
    SyntaxError {
        span: at..super::line_end(text, at),
        message: format!("not well-formed XML at line {line}: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<String> {
        first_malformation(text).map(|e| format!("{}: {}", e.span.start, e.message))
    }

    #[test]
    fn well_formed_documents_pass() {
        let autoconfig = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE clientConfig [<!ENTITY x \"y\">]>\n<!-- a comment -->\n<clientConfig version='1.1'>\n  <emailProvider id=\"example.com\">\n    <domain>example.com</domain>\n    <displayName>A &amp; B &#38; C &#x26;</displayName>\n    <incomingServer type=\"imap\"><port>993</port><x/><y a=\"1\" b = '2' /></incomingServer>\n    <documentation url=\"https://example.com/?a=1&amp;b=2\"><descr lang=\"en\"><![CDATA[<not a tag>]]></descr></documentation>\n  </emailProvider>\n</clientConfig>\n<!-- trailing -->\n";
        assert_eq!(first(autoconfig), None);
        assert_eq!(first("<a:b-c.d_e é=\"1\"/>"), None);
    }

    #[test]
    fn the_first_broken_place_is_reported() {
        let text = "<clientConfig>\n  <incomingServer>\n    <port><993/port>\n  </incomingServer>\n</clientConfig>\n";
        let at = text.find("<993").unwrap();
        assert_eq!(
            first(text),
            Some(format!("{at}: not well-formed XML at line 3: after `<` a name must start with a letter, `_` or `:`, not `9`"))
        );
        let cases = [
            ("<a><b></a>", "`</a>` where `</b>` is expected"),
            ("<a>x</a></b>", "`</b>` closes no element"),
            ("<a><b>", "`<b>` is never closed"),
            ("<a></a><a></a>", "a second root element"),
            ("<a>&</a>", "`&` must start a reference"),
            ("<a>&#;</a>", "`&` must start a reference"),
            ("<a>&#x;</a>", "`&` must start a reference"),
            ("<a>&amp</a>", "`&` must start a reference"),
            ("<a b=1></a>", "must be in quotes"),
            ("<a b=\"1\" b=\"2\"></a>", "is given twice"),
            ("<a b=\"1\"c=\"2\"></a>", "a space, then an attribute"),
            ("<a b=\"<\"></a>", "`<` inside the value"),
            ("<a b=\"1></a>", "is not closed"),
            ("<a", "is not closed by `>`"),
            ("<a></a", "is not closed by `>`"),
            ("<a><!-- x </a>", "comment"),
            ("x<a></a>", "text outside the root element"),
            ("<a></a>x", "text outside the root element"),
            ("<a>< b></a>", "a name must follow"),
            ("", "no root element"),
            ("<?xml version=\"1.0\"?>", "no root element"),
        ];
        for (text, why) in cases {
            let found = first(text).unwrap_or_default();
            assert!(found.contains(why), "{text:?}: {found}");
        }
    }

    #[test]
    fn linear_and_without_recursion_on_deep_or_long_input() {
        let deep = format!("{}{}", "<a>".repeat(200_000), "</a>".repeat(200_000));
        assert_eq!(first(&deep), None);
        let attributes: String = (0..2_000).map(|i| format!(" a{i}=\"&amp;\"")).collect();
        assert_eq!(first(&format!("<a{attributes}/>")), None);
    }
}
