//! Emacs Lisp (`init.el`, `.emacs`, `.gnus.el`, Doom `config.el`): the variables a file sets.
//!
//! Read: `setq` and its kin (`setq-default`, `setopt`, Doom's `setq!` …) pair by pair;
//! `set`, `customize-set-variable` and their kin with a quoted name; `custom-set-variables`
//! entries `'(NAME VALUE)`; `use-package … :custom (NAME VALUE)`; `(NAME . VALUE)` pairs of a
//! quoted alist (mu4e contexts' `:vars`, Doom's `set-email-account!`); and `(NAME VALUE)` lists in
//! a quoted list headed by a symbol (a Gnus select method `(nnimap "work" (nnimap-address …))`).
//!
//! Each setting's path is its scope, then its name. What the file sets at top level is
//! `["top level", NAME]`; a `defun` or `lambda` that sets variables when it runs, an alist and a
//! select method are configurations of their own (`["defun my/use-work", NAME]`,
//! `["alist \"Work\"", NAME]`), which profiles read over the top level's.
//!
//! The reader keeps a flat list of forms and walks it in order: nothing recurses, whatever the
//! nesting.

use super::literal::{indent_at, line_end, line_start, reference, setting, unescape};
use super::{EntryShape, EntryStyle, Parsed, Setting, ValueKind, TOP_LEVEL};
use crate::vocab::Span;

/// Forms that set variables pair by pair: `(setq NAME VALUE NAME VALUE …)`.
const SETQ: &[&str] = &[
    "setq",
    "setq-default",
    "setq-local",
    "setopt",
    "setf",
    "csetq",
    "setq!",
];

/// Forms that set one variable named by a quoted symbol: `(set 'NAME VALUE)`.
const SET_QUOTED: &[&str] = &[
    "set",
    "set-default",
    "customize-set-variable",
    "customize-set-value",
    "custom-set-default",
];

/// How many forms around an alist may hold its name.
const NAME_WITHIN: usize = 8;

/// Forms whose body runs later, on a call: what they set is a configuration of its own.
const FUNCTIONS: &[&str] = &["defun", "cl-defun", "defmacro", "defsubst", "lambda"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Str,
    Atom,
}

/// How a form is prefixed: `'x`, `` `x ``, `,x`, `#'x`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prefix {
    None,
    Quote,
    Unquote,
}

struct Form {
    kind: Kind,
    /// The form as written, prefix excluded (a list from `(` to `)`, a string with its quotes).
    span: Span,
    /// Where its prefix starts (`span.start` without one).
    start: usize,
    prefix: Prefix,
    parent: Option<usize>,
    children: Vec<usize>,
}

pub fn parse(text: &str) -> Parsed {
    let forms = read_forms(text);
    let mut reader = Reader {
        text,
        forms: &forms,
        settings: Vec::new(),
        scope_names: vec![TOP_LEVEL.to_string()],
        scopes: vec![0; forms.len()],
        quoted: vec![false; forms.len()],
        functions: 0,
        alists: 0,
    };
    reader.read();
    Parsed::new(reader.settings, Vec::new())
}

/// Every form of the text, parents before their children. Unbalanced text still gives forms:
/// a list left open ends with the text, a stray `)` is skipped.
fn read_forms(text: &str) -> Vec<Form> {
    let bytes = text.as_bytes();
    let mut forms: Vec<Form> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut prefix: Option<(usize, Prefix)> = None;
    let mut at = 0;
    let push = |forms: &mut Vec<Form>,
                open: &[usize],
                prefix: &mut Option<(usize, Prefix)>,
                kind: Kind,
                span: Span| {
        let (start, p) = prefix.take().unwrap_or((span.start, Prefix::None));
        let parent = open.last().copied();
        let index = forms.len();
        forms.push(Form {
            kind,
            span,
            start,
            prefix: p,
            parent,
            children: Vec::new(),
        });
        if let Some(parent) = parent.and_then(|p| forms.get_mut(p)) {
            parent.children.push(index);
        }
        index
    };
    while let Some(&b) = bytes.get(at) {
        match b {
            b';' => at = line_end(text, at),
            b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' => at += 1,
            b'(' | b'[' => {
                let index = push(&mut forms, &open, &mut prefix, Kind::List, at..at + 1);
                open.push(index);
                at += 1;
            }
            b')' | b']' => {
                if let Some(index) = open.pop() {
                    if let Some(form) = forms.get_mut(index) {
                        form.span.end = at + 1;
                    }
                }
                prefix = None;
                at += 1;
            }
            b'"' => {
                let end = string_end(bytes, at);
                push(&mut forms, &open, &mut prefix, Kind::Str, at..end);
                at = end;
            }
            b'\'' | b'`' => {
                prefix.get_or_insert((at, Prefix::Quote));
                at += 1;
            }
            b',' => {
                prefix.get_or_insert((at, Prefix::Unquote));
                at += if bytes.get(at + 1) == Some(&b'@') {
                    2
                } else {
                    1
                };
            }
            b'#' if bytes.get(at + 1) == Some(&b'\'') => {
                prefix.get_or_insert((at, Prefix::Quote));
                at += 2;
            }
            b'?' => {
                // A character: `?a`, `?\(`, `?\C-x` — never a parenthesis of the structure.
                let mut end = at + 1;
                if bytes.get(end) == Some(&b'\\') {
                    end += 1;
                }
                end = next_char_boundary(text, end);
                end = atom_end(bytes, end);
                push(&mut forms, &open, &mut prefix, Kind::Atom, at..end);
                at = end;
            }
            _ => {
                let end = atom_end(bytes, at).max(next_char_boundary(text, at));
                push(&mut forms, &open, &mut prefix, Kind::Atom, at..end);
                at = end;
            }
        }
    }
    for index in open {
        if let Some(form) = forms.get_mut(index) {
            form.span.end = text.len();
        }
    }
    forms
}

/// The end of a string literal starting at `start` (after its closing quote, or the text's end).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start + 1;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\\' => at += 2,
            b'"' => return at + 1,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// The end of a symbol or number: up to a blank, a parenthesis, a quote or a comment; a
/// backslash escapes the next character (`foo\ bar`).
fn atom_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    while let Some(&b) = bytes.get(at) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'(' | b')' | b'[' | b']' | b'"' | b';'
            | b'\'' | b'`' | b',' => break,
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    at.min(bytes.len())
}

/// The first character boundary after `at` (one past `at` for ASCII).
fn next_char_boundary(text: &str, at: usize) -> usize {
    let mut end = (at + 1).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    end
}

struct Reader<'a> {
    text: &'a str,
    forms: &'a [Form],
    settings: Vec<Setting>,
    /// The scopes' names (the top level first); per form, its scope's place in them.
    scope_names: Vec<String>,
    scopes: Vec<usize>,
    /// Per form, whether it is data (inside a quote) rather than code.
    quoted: Vec<bool>,
    functions: usize,
    alists: usize,
}

impl<'a> Reader<'a> {
    fn read(&mut self) {
        // Parents come before their children: one pass in order gives every form its scope.
        for index in 0..self.forms.len() {
            let Some(form) = self.forms.get(index) else {
                continue;
            };
            let parent = form.parent;
            let inherited_scope = parent
                .and_then(|p| self.scopes.get(p).copied())
                .unwrap_or(0);
            let parent_quoted = parent.is_some_and(|p| self.quoted.get(p) == Some(&true));
            let quoted = match form.prefix {
                Prefix::Quote => true,
                Prefix::Unquote => false,
                Prefix::None => parent_quoted,
            };
            let scope = match self.scope_of(index, quoted) {
                Some(name) => {
                    self.scope_names.push(name);
                    self.scope_names.len() - 1
                }
                None => inherited_scope,
            };
            if let Some(slot) = self.quoted.get_mut(index) {
                *slot = quoted;
            }
            if let Some(slot) = self.scopes.get_mut(index) {
                *slot = scope;
            }
            if form.kind == Kind::List {
                self.read_list(index, quoted);
            }
        }
    }

    fn text_of(&self, index: usize) -> &'a str {
        self.forms
            .get(index)
            .and_then(|f| self.text.get(f.span.clone()))
            .unwrap_or("")
    }

    fn head(&self, index: usize) -> Option<&'a str> {
        let form = self.forms.get(index)?;
        let first = *form.children.first()?;
        let head = self.forms.get(first)?;
        (head.kind == Kind::Atom && head.prefix == Prefix::None).then(|| self.text_of(first))
    }

    /// A new scope for what a form holds: a function body, an alist, a select method.
    fn scope_of(&mut self, index: usize, quoted: bool) -> Option<String> {
        let form = self.forms.get(index)?;
        if form.kind != Kind::List {
            return None;
        }
        if !quoted {
            let head = self.head(index)?;
            if !FUNCTIONS.contains(&head) {
                return None;
            }
            self.functions += 1;
            let name = form
                .children
                .get(1)
                .filter(|&&c| {
                    head != "lambda" && self.forms.get(c).map(|f| f.kind) == Some(Kind::Atom)
                })
                .map(|&c| self.text_of(c));
            return Some(match name {
                Some(name) => format!("{head} {}", clip(name)),
                None => format!("{head} {}", self.functions),
            });
        }
        let is_alist = form.children.iter().any(|&c| self.dotted_pair(c).is_some());
        let is_select_method = self.head(index).is_some()
            && form
                .children
                .iter()
                .skip(1)
                .any(|&c| self.named_pair(c).is_some());
        if !is_alist && !is_select_method {
            return None;
        }
        self.alists += 1;
        // The name a caller gives it: the first string beside it (`(set-email-account! "163"
        // '(…))`, `:name "Work" … :vars '(…)`), or the select method's own.
        let around = if is_alist { form.parent } else { Some(index) };
        let name = around
            .and_then(|p| self.forms.get(p))
            .and_then(|p| {
                // Only the first few: a caller names what it passes before it.
                p.children
                    .iter()
                    .take(NAME_WITHIN)
                    .find(|&&c| self.forms.get(c).map(|f| f.kind) == Some(Kind::Str))
            })
            .and_then(|&c| {
                let f = self.forms.get(c)?;
                Some(unescape(self.text.get(
                    f.span.start + 1..f.span.end.saturating_sub(1).max(f.span.start + 1),
                )?))
            });
        let kind = if is_alist {
            "alist".to_string()
        } else {
            clip(self.head(index).unwrap_or("list")).to_string()
        };
        Some(match name {
            Some(name) => format!("{kind} {:?}", clip(&name)),
            None => format!("{kind} {}", self.alists),
        })
    }

    /// `(NAME . VALUE)`: the name and the value's form.
    fn dotted_pair(&self, index: usize) -> Option<(usize, usize)> {
        let form = self.forms.get(index)?;
        if form.kind != Kind::List || form.children.len() != 3 {
            return None;
        }
        let (name, dot, value) = (form.children[0], form.children[1], form.children[2]);
        (self.is_symbol(name) && self.text_of(dot) == ".").then_some((name, value))
    }

    /// `(NAME VALUE)` inside data: the name and the value's form.
    fn named_pair(&self, index: usize) -> Option<(usize, usize)> {
        let form = self.forms.get(index)?;
        if form.kind != Kind::List || form.children.len() != 2 {
            return None;
        }
        let (name, value) = (form.children[0], form.children[1]);
        self.is_symbol(name).then_some((name, value))
    }

    fn is_symbol(&self, index: usize) -> bool {
        let Some(form) = self.forms.get(index) else {
            return false;
        };
        let text = self.text_of(index);
        form.kind == Kind::Atom
            && form.prefix == Prefix::None
            && !text.is_empty()
            && text != "."
            && !text.starts_with(['?', ':', '#'])
            && text.parse::<f64>().is_err()
    }

    fn read_list(&mut self, index: usize, quoted: bool) {
        let Some(form) = self.forms.get(index) else {
            return;
        };
        let children = &form.children;
        let name_of = |scope: Option<usize>| {
            scope
                .and_then(|s| self.scope_names.get(s))
                .cloned()
                .unwrap_or_default()
        };
        let scope = name_of(self.scopes.get(index).copied());
        if quoted {
            // Data: alist pairs and select-method entries, read as written (not evaluated). The
            // scope is the enclosing list's.
            let scope = name_of(form.parent.and_then(|p| self.scopes.get(p).copied()));
            if let Some((name, value)) = self.dotted_pair(index) {
                let style = self.member_style(index, "(", " . ", ")", true);
                self.push(&scope, name, value, false, style);
            } else if let Some((name, value)) = self.named_pair(index) {
                let parent_is_code = form
                    .parent
                    .is_some_and(|p| self.head(p) == Some("custom-set-variables"));
                if !parent_is_code && form.parent.is_some_and(|p| self.head(p).is_some()) {
                    let style = self.member_style(index, "(", " ", ")", true);
                    self.push(&scope, name, value, false, style);
                }
            }
            return;
        }
        let Some(head) = self.head(index) else {
            return;
        };
        if SETQ.contains(&head) {
            for pair in children.get(1..).unwrap_or(&[]).chunks(2) {
                if let [name, value] = *pair {
                    if self.is_symbol(name) {
                        let style = self.setq_style(name, value);
                        self.push(&scope, name, value, true, style);
                    }
                }
            }
        } else if SET_QUOTED.contains(&head) {
            if let (Some(&name), Some(&value)) = (children.get(1), children.get(2)) {
                let quoted_name = self.forms.get(name).is_some_and(|f| {
                    f.prefix == Prefix::Quote && self.text.get(f.start..f.start + 1) == Some("'")
                });
                if quoted_name && self.is_symbol_text(name) {
                    let style = self.setq_style(name, value);
                    self.push(&scope, name, value, true, style);
                }
            }
        } else if head == "custom-set-variables" {
            for &entry in children.get(1..).unwrap_or(&[]) {
                self.read_entry(&scope, entry, "'(");
            }
        } else if head == "use-package" {
            let mut in_custom = false;
            for &arg in children.get(1..).unwrap_or(&[]) {
                let text = self.text_of(arg);
                if self.forms.get(arg).map(|f| f.kind) == Some(Kind::Atom) && text.starts_with(':')
                {
                    in_custom = text == ":custom";
                    continue;
                }
                if !in_custom {
                    continue;
                }
                // `:custom (NAME VALUE) …` or `:custom ((NAME VALUE) …)`.
                let nested = self.forms.get(arg).is_some_and(|f| {
                    f.children
                        .first()
                        .is_some_and(|&c| self.forms.get(c).map(|f| f.kind) == Some(Kind::List))
                });
                if nested {
                    let entries = self
                        .forms
                        .get(arg)
                        .map(|f| f.children.clone())
                        .unwrap_or_default();
                    for entry in entries {
                        self.read_entry(&scope, entry, "(");
                    }
                } else {
                    self.read_entry(&scope, arg, "(");
                }
            }
        }
    }

    /// A symbol written with a quote (`'smtpmail-smtp-server` of `set`).
    fn is_symbol_text(&self, index: usize) -> bool {
        let text = self.text_of(index);
        !text.is_empty() && text.parse::<f64>().is_err() && !text.starts_with([':', '?'])
    }

    /// `(NAME VALUE [COMMENT])` whose value is evaluated (Custom, use-package `:custom`).
    fn read_entry(&mut self, scope: &str, entry: usize, key_prefix: &str) {
        let Some(form) = self.forms.get(entry) else {
            return;
        };
        if form.kind != Kind::List {
            return;
        }
        if let (Some(&name), Some(&value)) = (form.children.first(), form.children.get(1)) {
            if self.is_symbol(name) {
                let style = self.member_style(entry, key_prefix, " ", ")", false);
                self.push(scope, name, value, true, style);
            }
        }
    }

    /// A sibling of a `setq` pair: on a line of its own when the pair is, else after it.
    fn setq_style(&self, name: usize, value: usize) -> EntryStyle {
        let (Some(name), Some(value)) = (self.forms.get(name), self.forms.get(value)) else {
            return EntryStyle::default();
        };
        EntryStyle::new(
            value.span.end,
            EntryShape {
                lead: self.lead_before(name.span.start).into(),
                separator: " ".into(),
                ..EntryShape::default()
            },
        )
    }

    /// A sibling of a list entry (`(NAME . VALUE)`, `'(NAME VALUE)`): written the same way after it.
    fn member_style(
        &self,
        entry: usize,
        key_prefix: &str,
        separator: &str,
        suffix: &str,
        quoted: bool,
    ) -> EntryStyle {
        let Some(form) = self.forms.get(entry) else {
            return EntryStyle::default();
        };
        EntryStyle::new(
            form.span.end,
            EntryShape {
                lead: self.lead_before(form.start).into(),
                key_prefix: key_prefix.to_string(),
                separator: separator.into(),
                suffix: suffix.to_string(),
                quoted_values: quoted,
                ..EntryShape::default()
            },
        )
    }

    /// What goes before a new sibling of the form at `start`: a new line at its indent when the
    /// form begins its line, else a space.
    fn lead_before(&self, start: usize) -> String {
        let own_line = self
            .text
            .get(line_start(self.text, start)..start)
            .is_some_and(|before| before.trim().is_empty());
        if own_line {
            format!("\n{}", indent_at(self.text, start))
        } else {
            " ".to_string()
        }
    }

    /// One setting: `name`'s symbol, `value`'s form read as code (`evaluated`) or as data.
    fn push(&mut self, scope: &str, name: usize, value: usize, evaluated: bool, style: EntryStyle) {
        let (Some(name_form), Some(value_form)) = (self.forms.get(name), self.forms.get(value))
        else {
            return;
        };
        let key = self.text_of(name).to_string();
        let (text, kind, span) = self.value_of(value_form, evaluated);
        self.settings.push(setting(
            vec![scope.to_string(), key],
            text,
            kind,
            name_form.span.clone(),
            span,
            style,
        ));
    }

    /// The value a form gives, how it is written, and its span: a string's text (inside the
    /// quotes), a number, a symbol's name (a quoted symbol's span includes the quote, so a fix
    /// writes `'ssl` over it), or a reference for anything computed.
    fn value_of(&self, form: &Form, evaluated: bool) -> (String, ValueKind, Span) {
        let written = self.text.get(form.span.clone()).unwrap_or("");
        let whole = form.start..form.span.end;
        match form.kind {
            Kind::Str => {
                let inner_end = if written.len() >= 2 && written.ends_with('"') {
                    form.span.end - 1
                } else {
                    form.span.end
                };
                let inner = (form.span.start + 1).min(inner_end)..inner_end;
                let value = unescape(self.text.get(inner.clone()).unwrap_or(""));
                if form.prefix == Prefix::Unquote {
                    return (reference(written), ValueKind::Plain, whole);
                }
                (value, ValueKind::Quoted, inner)
            }
            Kind::Atom => {
                let literal = written.parse::<f64>().is_ok()
                    || matches!(written, "nil" | "t")
                    || written.starts_with([':', '?']);
                match form.prefix {
                    Prefix::Quote => (written.to_string(), ValueKind::Plain, whole),
                    Prefix::None if literal || !evaluated => {
                        (written.to_string(), ValueKind::Plain, form.span.clone())
                    }
                    // A variable (`my-smtp-server`) or `,expr` in a backquoted alist.
                    _ => (reference(written), ValueKind::Plain, whole),
                }
            }
            Kind::List => (
                reference(self.text.get(whole.clone()).unwrap_or("")),
                ValueKind::Plain,
                whole,
            ),
        }
    }
}

/// Names and labels are kept short (see `syntax::MAX_SEGMENT`).
fn clip(name: &str) -> &str {
    super::clip_segment(name)
}

#[cfg(test)]
mod tests {
    use super::super::literal::{assert_prefixes_parse, render};
    use super::*;
    use expect_test::expect;

    #[test]
    fn setq_custom_and_use_package() {
        let text = r#";;; init.el
(setq send-mail-function 'smtpmail-send-it
      smtpmail-smtp-server "smtp.example.com"
      smtpmail-smtp-service 587
      smtpmail-stream-type 'starttls)
(setq-default smtpmail-smtp-user (getenv "MAIL_USER")) ; from the environment
(customize-set-variable 'smtpmail-debug-info t)
(custom-set-variables
 ;; custom-set-variables was added by Custom.
 '(smtpmail-smtp-service 465)
 '(smtpmail-stream-type 'ssl))
(use-package smtpmail
  :ensure nil
  :custom
  (smtpmail-smtp-server "mail.example.org")
  (smtpmail-queue-mail nil "Send at once."))
(message "?( is a character: %c" ?\()
"#;
        expect![[r#"
            top level › send-mail-function = "smtpmail-send-it" (Plain, line 2) written "'smtpmail-send-it"
            top level › smtpmail-smtp-server = "smtp.example.com" (Quoted, line 3)
            top level › smtpmail-smtp-service = "587" (Plain, line 4)
            top level › smtpmail-stream-type = "starttls" (Plain, line 5) written "'starttls"
            top level › smtpmail-smtp-user = "${(getenv \"MAIL_USER\")}" (Plain, line 6) written "(getenv \"MAIL_USER\")"
            top level › smtpmail-debug-info = "t" (Plain, line 7)
            top level › smtpmail-smtp-service = "465" (Plain, line 10)
            top level › smtpmail-stream-type = "ssl" (Plain, line 11) written "'ssl"
            top level › smtpmail-smtp-server = "mail.example.org" (Quoted, line 15)
            top level › smtpmail-queue-mail = "nil" (Plain, line 16)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }

    #[test]
    fn functions_alists_and_select_methods_are_scopes() {
        let text = r#"(defun my/use-work ()
  (interactive)
  (setq smtpmail-smtp-server "smtp.work.example"
        smtpmail-smtp-service 25))
(set-email-account! "163"
  '((smtpmail-smtp-user . "me@163.com")
    (smtpmail-smtp-server . "smtp.163.com")
    (smtpmail-stream-type . starttls))
  t)
(setq mu4e-contexts
      `(,(make-mu4e-context
          :name "Home"
          :vars `((smtpmail-smtp-server . ,(getenv "SMTP"))
                  (smtpmail-smtp-service . 465)))))
(setq gnus-select-method
      '(nnimap "mail"
               (nnimap-address "imap.example.com")
               (nnimap-server-port 993)
               (nnimap-stream ssl)))
"#;
        expect![[r#"
            defun my/use-work › smtpmail-smtp-server = "smtp.work.example" (Quoted, line 3)
            defun my/use-work › smtpmail-smtp-service = "25" (Plain, line 4)
            alist "163" › smtpmail-smtp-user = "me@163.com" (Quoted, line 6)
            alist "163" › smtpmail-smtp-server = "smtp.163.com" (Quoted, line 7)
            alist "163" › smtpmail-stream-type = "starttls" (Plain, line 8)
            top level › mu4e-contexts = "${`(,(make-mu4e-context          :name \"Home\"          :vars `((smtpmail-smtp-serv}" (Plain, line 11) written "`(,(make-mu4e-context\n          :name \"Home\"\n          :vars `((smtpmail-smtp-server . ,(getenv \"SMTP\"))\n                  (smtpmail-smtp-service . 465))))"
            alist "Home" › smtpmail-smtp-server = "${,(getenv \"SMTP\")}" (Plain, line 13) written ",(getenv \"SMTP\")"
            alist "Home" › smtpmail-smtp-service = "465" (Plain, line 14)
            top level › gnus-select-method = "${'(nnimap \"mail\"               (nnimap-address \"imap.example.com\")}" (Plain, line 16) written "'(nnimap \"mail\"\n               (nnimap-address \"imap.example.com\")\n               (nnimap-server-port 993)\n               (nnimap-stream ssl))"
            nnimap "mail" › nnimap-address = "imap.example.com" (Quoted, line 17)
            nnimap "mail" › nnimap-server-port = "993" (Plain, line 18)
            nnimap "mail" › nnimap-stream = "ssl" (Plain, line 19)
        "#]]
        .assert_eq(&render(text, &parse(text)));
        assert_prefixes_parse(text, parse);
    }

    #[test]
    fn deep_and_broken_text_is_read_without_recursion() {
        let deep = format!(
            "{}(setq smtpmail-smtp-service 25){}",
            "(".repeat(100_000),
            ")".repeat(3)
        );
        let parsed = parse(&deep);
        assert_eq!(parsed.settings.len(), 1);
        for broken in [
            "(setq smtpmail-smtp-server \"unterminated",
            ")))(setq a",
            "?",
            "'",
            "\"\\",
        ] {
            assert_prefixes_parse(broken, parse);
        }
    }
}
