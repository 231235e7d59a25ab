//! MP000 unreadable-document: not an endpoint rule, but a finding about the document itself,
//! made from the places the syntax adapters could not read.

use crate::analysis::findings::Finding;
use crate::analysis::syntax::SyntaxError;
use crate::vocab::{RuleCode, RuleDoc};

pub(super) const DOC: RuleDoc = RuleDoc {
    code: RuleCode::Mp000,
    summary: "The document could not be parsed; mailport checked what it could read.",
    body: r#"
## What it does

Reports the first place where the file could not be read as its format (YAML, JSON, TOML, XML, a
source file …). mailport still checks every setting it could read; this diagnostic says that the
check may be incomplete.

## Why is this bad?

Mail settings after the broken place may be missed, so a clean result means less than usual. The
application that reads the file will usually fail on it too.

## Example

```yaml
smtp:
  host: smtp.example.com
  port: [587
```

## When it stays silent

The file parses. Only the first unreadable place is reported: what follows it is usually fallout of
the same mistake. A `.env`, YAML, JSON, TOML, INI or `.properties` file that says nothing about
mail (no protocol word such as `smtp`, `imap` or `mail`, no key of an application profile that
sends mail) is not reported either: it cannot hold mail settings, and its syntax is another tool's
business.

## Fix

None is offered, not even the suppression comment (an unreadable document is not silenced line by
line): correct the syntax at the place shown, or turn the rule off in `.mailport.toml`
(`MP000 = "off"`).
"#,
};

/// MP000 for the first place a parser could not read.
pub fn syntax_errors(errors: &[SyntaxError]) -> Vec<Finding> {
    errors
        .iter()
        .take(1) // one root cause: the first unreadable place; the rest is usually fallout
        .map(|e| Finding {
            code: RuleCode::Mp000,
            severity: RuleCode::Mp000.default_severity(),
            message: format!(
                "the document could not be fully parsed ({}); mail settings after this point may be missed",
                e.message
            ),
            span: e.span.clone(),
            endpoint: None,
            fixes: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::codes;
    use crate::vocab::RuleCode;

    #[test]
    fn fires_once_on_broken_yaml_and_still_checks_what_it_read() {
        let text =
            "smtp:\n  host: smtp.example.com\n  port: 587\n  secure: true\nbroken: [\nagain: [\n";
        let found = codes("config.yml", text);
        assert_eq!(
            found.iter().filter(|c| **c == RuleCode::Mp000).count(),
            1,
            "{found:?}"
        );
    }

    #[test]
    fn silent_on_a_file_that_parses() {
        assert!(codes(
            "config.yml",
            "smtp:\n  host: smtp.example.com\n  port: 465\n"
        )
        .is_empty());
    }
}
