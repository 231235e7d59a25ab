//! The fast reader against tree-sitter: snapshots on small snippets, and a differential test over
//! the repository's YAML files, generated configs, random documents and mutated variants of all
//! of them (whenever the reader answers, its answer must equal the tree-sitter path's).

use super::{plain_kind, read};
use crate::analysis::syntax::yaml::{self, split_top_chunk, top_chunk_end, Chunk};
use crate::analysis::syntax::{first_difference, parse_tree, show_parsed, Parsed, ValueKind};
use expect_test::{expect, Expect};

/// What the tree-sitter path reads from `source` under `base` (as `parse_chunk` does).
fn tree_sitter_read(source: &str, base: &[String]) -> Parsed {
    yaml::extract(
        &parse_tree(&tree_sitter_yaml::LANGUAGE.into(), source),
        source,
        None,
        base,
    )
}

fn check(text: &str, expect: Expect) {
    let shown = match read(text, &[]) {
        Some(parsed) => {
            let reference = tree_sitter_read(text, &[]);
            assert_eq!(first_difference(&parsed, &reference), None, "{text}");
            show_parsed(text, &parsed)
        }
        None => "None\n".to_string(),
    };
    expect.assert_eq(&shown);
}

#[test]
fn nested_mappings_and_comments() {
    check(
        "# mail\nmail:\n  smtp:   # outgoing\n    host: smtp.example.com  # relay\n    port: 587\n\n    secure: false\n  from:\n",
        expect![[r#"
            mail/smtp/host = "smtp.example.com" Plain value@44..60 "smtp.example.com" style(at 69, lead "\n    ", prefix "" "", sep ": ")
            mail/smtp/port = "587" Number value@80..83 "587" style(at 83, lead "\n    ", prefix "" "", sep ": ")
            mail/smtp/secure = "false" Bool value@97..102 "false" style(at 102, lead "\n    ", prefix "" "", sep ": ")
            mail/from = "" Null value@110..110 "" style(at 110, lead "\n  ", prefix "" "", sep ": ")
        "#]],
    );
}

#[test]
fn sequences_env_items_and_compact_lists() {
    check(
        "app:\n  environment:\n    - SMTP_PORT=465\n    - \"SMTP_HOST=smtp.example.com\"\n    - plain item\n    -\n  receivers:\n  - name: ops\n    to: [a@example.com, 'b@example.com']\n  - {name: dev, port: 25}\n",
        expect![[r#"
            app/environment/SMTP_PORT = "465" Plain value@36..39 "465" style(at 39, lead "\n    ", prefix "- " "", sep "=")
                env_in_string true key_quote None
            app/environment/SMTP_HOST = "smtp.example.com" Quoted value@57..73 "smtp.example.com" style(at 74, lead "\n    ", prefix "- " "", sep "=")
                env_in_string true key_quote None
            app/environment/2 = "plain item" Plain value@81..91 "plain item" style(at 91, lead "\n    ", prefix "- " "", sep "")
                key written "plain item"
            app/environment/3 = "" Null value@97..97 "" style(at 97, lead "\n    ", prefix "- " "", sep "")
                key written ""
            app/receivers/0/name = "ops" Plain value@121..124 "ops" style(at 124, lead "\n    ", prefix "" "", sep ": ")
            app/receivers/0/to/0 = "a@example.com" Plain value@134..147 "a@example.com" style(at 147, lead ", ", prefix "" "", sep "")
                key written "a@example.com"
            app/receivers/0/to/1 = "b@example.com" Quoted value@150..163 "b@example.com" style(at 164, lead ", ", prefix "" "", sep "")
                key written "b@example.com"
            app/receivers/1/name = "dev" Plain value@177..180 "dev" style(at 180, lead ", ", prefix "" "", sep ": ")
            app/receivers/1/port = "25" Number value@188..190 "25" style(at 190, lead ", ", prefix "" "", sep ": ")
        "#]],
    );
}

#[test]
fn kubernetes_env_items_are_one_setting_each() {
    check(
        "env:\n  - name: MAIL_HOST\n    value: smtp.example.com\n  - value: \"465\"\n    name: MAIL_PORT\n  - name: MAIL_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: mail\n        key: password\n  - name: lower.case\n    value: x\n  - name: EXTRA\n    value: y\n    other: z\n",
        expect![[r#"
            env/MAIL_HOST = "smtp.example.com" Plain value@36..52 "smtp.example.com" style(at 52, lead "\n  ", prefix "- name: " "", sep "\n    value: ")
            env/MAIL_PORT = "465" Quoted value@65..68 "465" style(at 89, lead "\n  ", prefix "- name: " "", sep "\n    value: ")
            env/MAIL_PASSWORD = "${valueFrom}" Plain value@118..127 "valueFrom" style(at 189, lead "\n  ", prefix "- name: " "", sep "\n    value: ")
            env/lower.case = "x" Plain value@222..223 "x" style(at 223, lead "\n  ", prefix "- name: " "", sep "\n    value: ")
            env/4/name = "EXTRA" Plain value@234..239 "EXTRA" style(at 239, lead "\n    ", prefix "" "", sep ": ")
            env/4/value = "y" Plain value@251..252 "y" style(at 252, lead "\n    ", prefix "" "", sep ": ")
            env/4/other = "z" Plain value@264..265 "z" style(at 265, lead "\n    ", prefix "" "", sep ": ")
        "#]],
    );
}

#[test]
fn scalars_typed_like_the_grammar() {
    check(
        "t:\n  a: 0x1F\n  b: 0o17\n  c: 1.\n  d: -.inf\n  e: .NaN\n  f: ~\n  g: Null\n  h: yes\n  i: 1 2\n  j: 'it''s'\n  k: \"\\u00e9\\t\"\n  l: 1e5\n  m: 1_000\n",
        expect![[r#"
            t/a = "0x1F" Number value@8..12 "0x1F" style(at 12, lead "\n  ", prefix "" "", sep ": ")
            t/b = "0o17" Number value@18..22 "0o17" style(at 22, lead "\n  ", prefix "" "", sep ": ")
            t/c = "1." Number value@28..30 "1." style(at 30, lead "\n  ", prefix "" "", sep ": ")
            t/d = "-.inf" Number value@36..41 "-.inf" style(at 41, lead "\n  ", prefix "" "", sep ": ")
            t/e = ".NaN" Number value@47..51 ".NaN" style(at 51, lead "\n  ", prefix "" "", sep ": ")
            t/f = "~" Null value@57..58 "~" style(at 58, lead "\n  ", prefix "" "", sep ": ")
            t/g = "Null" Null value@64..68 "Null" style(at 68, lead "\n  ", prefix "" "", sep ": ")
            t/h = "yes" Plain value@74..77 "yes" style(at 77, lead "\n  ", prefix "" "", sep ": ")
            t/i = "1 2" Plain value@83..86 "1 2" style(at 86, lead "\n  ", prefix "" "", sep ": ")
            t/j = "it's" Quoted value@93..98 "it''s" style(at 99, lead "\n  ", prefix "" "", sep ": ")
            t/k = "é\t" Quoted value@106..114 "\\u00e9\\t" style(at 115, lead "\n  ", prefix "" "", sep ": ")
            t/l = "1e5" Number value@121..124 "1e5" style(at 124, lead "\n  ", prefix "" "", sep ": ")
            t/m = "1_000" Plain value@130..135 "1_000" style(at 135, lead "\n  ", prefix "" "", sep ": ")
        "#]],
    );
}

#[test]
fn dotted_and_quoted_keys_and_separators() {
    check(
        "spring:\n  mail.smtp.auth:  true\n  \"quoted.key\": 1\n  'single': x\n  spaced key : v\n",
        expect![[r#"
            spring/mail/smtp/auth = "true" Bool value@27..31 "true" style(at 31, lead "\n  ", prefix "" "mail.smtp.", sep ":  ")
                key written "mail.smtp.auth"
            spring/quoted/key = "1" Number value@48..49 "1" style(at 49, lead "\n  ", prefix "" "quoted.", sep ": ")
                key written "quoted.key"
            spring/single = "x" Plain value@62..63 "x" style(at 63, lead "\n  ", prefix "" "", sep ": ")
            spring/spaced key = "v" Plain value@79..80 "v" style(at 80, lead "\n  ", prefix "" "", sep ": ")
        "#]],
    );
}

#[test]
fn windows_line_breaks() {
    check(
        "mail:\r\n  port: 465\r\n  empty:\r\n  list:\r\n  - x\r\n",
        expect![[r#"
            mail/port = "465" Number value@15..18 "465" style(at 18, lead "\r\n  ", prefix "" "", sep ": ")
            mail/empty = "" Null value@28..28 "" style(at 28, lead "\r\n  ", prefix "" "", sep ": ")
            mail/list/0 = "x" Plain value@43..44 "x" style(at 44, lead "\r\n  ", prefix "- " "", sep "")
                key written "x"
        "#]],
    );
}

#[test]
fn bails_out_on_what_it_does_not_read() {
    let mut out = String::new();
    for text in [
        "a: &x 1\n",
        "a: *x\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: >-\n  text\n",
        "a: plain\n  continued\n",
        "a: \"two\n  lines\"\n",
        "a: {b: 1,\n  c: 2}\n",
        "? complex\n: key\n",
        "---\na: 1\n",
        "%YAML 1.2\n---\na: 1\n",
        "a:\n\tb: 1\n",
        "a: 1\r\n",
        "a: 1\rb: 2\n",
        "- root\n- list\n",
        "a: b: c\n",
        "a: \"bad \\q escape\"\n",
        "a:\n  b: 1\n c: 2\n",
        "a: {b: 1,}\n",
        "a: [1, [2, 3]\n",
        "a: 'x' y\n",
        "- - nested\n",
        "\u{feff}a: 1\n",
        "a: 1\n... \n",
    ] {
        out.push_str(&format!("{text:?} -> {}\n", read(text, &[]).is_some()));
    }
    expect![[r#"
        "a: &x 1\n" -> false
        "a: *x\n" -> false
        "a: !!str 1\n" -> false
        "a: |\n  text\n" -> false
        "a: >-\n  text\n" -> false
        "a: plain\n  continued\n" -> false
        "a: \"two\n  lines\"\n" -> false
        "a: {b: 1,\n  c: 2}\n" -> false
        "? complex\n: key\n" -> false
        "---\na: 1\n" -> false
        "%YAML 1.2\n---\na: 1\n" -> false
        "a:\n\tb: 1\n" -> false
        "a: 1\r\n" -> true
        "a: 1\rb: 2\n" -> false
        "- root\n- list\n" -> false
        "a: b: c\n" -> false
        "a: \"bad \\q escape\"\n" -> false
        "a:\n  b: 1\n c: 2\n" -> false
        "a: {b: 1,}\n" -> false
        "a: [1, [2, 3]\n" -> false
        "a: 'x' y\n" -> false
        "- - nested\n" -> false
        "\u{feff}a: 1\n" -> false
        "a: 1\n... \n" -> false
    "#]]
    .assert_eq(&out);
}

// ---------------------------------------------------------------------------------------------
// Differential test.

/// How many chunks were compared and how many the fast reader answered.
#[derive(Default, Debug)]
struct Tally {
    chunks: usize,
    fast: usize,
}

impl Tally {
    fn share(&self) -> f64 {
        self.fast as f64 / self.chunks.max(1) as f64
    }
}

/// The chunks `parse` would read `text` in, whatever its length.
fn all_chunks(text: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let end = top_chunk_end(text, pos);
        chunks.extend(split_top_chunk(text, pos, end));
        pos = end;
    }
    chunks
}

/// Compares the fast reader with tree-sitter on one source; panics with the first difference.
fn compare(source: &str, base: &[String], tally: &mut Tally, what: &str) {
    tally.chunks += 1;
    let Some(fast) = read(source, base) else {
        return;
    };
    tally.fast += 1;
    let reference = tree_sitter_read(source, base);
    if let Some(difference) = first_difference(&fast, &reference) {
        panic!("fast reader differs from tree-sitter ({what}): {difference}\n--- source ---\n{source}--- end ---");
    }
}

/// Compares on the whole document and on each of its chunks, with its own line breaks and with
/// `\r\n` ones.
fn compare_document(text: &str, tally: &mut Tally, what: &str) {
    compare_line_breaks(text, tally, what);
    if !text.contains('\r') {
        compare_line_breaks(&text.replace('\n', "\r\n"), tally, what);
    }
}

fn compare_line_breaks(text: &str, tally: &mut Tally, what: &str) {
    compare(text, &[], tally, what);
    for chunk in all_chunks(text) {
        if chunk.place.header {
            continue;
        }
        let source = text.get(chunk.start..chunk.end).unwrap_or("");
        compare(source, &chunk.place.prefix, tally, what);
    }
}

/// A tiny xorshift PRNG (no dependency, same sequence on every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Services with mail settings in block and flow form, shaped like the benchmark's YAML input
/// (`benches/inputs/mod.rs`, the budget's input).
pub(crate) fn generated_config(lines: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let teams = [
        "identity",
        "growth",
        "platform",
        "catalog",
        "notifications",
        "billing",
    ];
    let words = [
        "orders", "tokens", "shipping", "invoices", "events", "users", "ledger",
    ];
    let regions = ["eu-west-1", "eu-central-1", "us-east-1", "ap-south-1"];
    let mut out: Vec<String> = [
        "# Application configuration (generated for benchmarks)",
        "version: 3",
        "app:",
        "  name: example-platform",
        "  owner: platform-team@example.com",
        "mail:",
        "  smtp:",
        "    host: smtp.example.com",
        "    port: 587",
        "    secure: false",
        "  imap: {host: imap.example.com, port: 993, tls: true}",
        "services:",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut i = 0;
    while out.len() < lines.saturating_sub(6) {
        i += 1;
        let name = format!("{}-{}-{i:04}", rng.pick(&teams), rng.pick(&words));
        out.push(format!("  {name}:"));
        out.push(format!(
            "    image: registry.example.com/{name}:{}.{}.{}",
            rng.below(10),
            rng.below(30),
            rng.below(100)
        ));
        out.push(format!("    replicas: {}", 1 + rng.below(12)));
        out.push(format!("    region: {}", rng.pick(&regions)));
        out.push(format!(
            "    resources: {{cpu: \"{}m\", memory: \"{}Mi\"}}",
            rng.pick(&[100, 250, 500]),
            rng.pick(&[128, 256, 512])
        ));
        out.push("    env:".into());
        out.push("      LOG_LEVEL: info".into());
        out.push(format!(
            "      FEATURE_{}: \"{}\"",
            rng.pick(&words).to_uppercase(),
            rng.chance(50)
        ));
        if rng.chance(60) {
            out.push("    database:".into());
            out.push(format!("      host: db-{i:04}.internal.example.com"));
            out.push("      port: 5432".into());
            out.push(format!(
                "      pool: {{min: 2, max: {}, idle_timeout: 30s}}",
                rng.pick(&[10, 20, 50])
            ));
        }
        if i % 4 == 0 {
            let (port, secure) = *rng.pick(&[(587, false), (465, true), (25, false)]);
            if rng.chance(50) {
                out.push("    mail:".into());
                out.push(format!(
                    "      smtp: {{host: smtp.example.com, port: {port}, secure: {secure}}}"
                ));
                out.push(format!("      from: \"noreply+{name}@example.com\""));
            } else {
                out.push("    notifications:".into());
                out.push("      smtp:".into());
                out.push("        host: smtp.example.com".into());
                out.push(format!("        port: {port}"));
                out.push(format!("        secure: {secure}"));
                out.push(
                    "        auth: {user: \"noreply@example.com\", pass: \"${SMTP_PASSWORD}\"}"
                        .into(),
                );
            }
        }
        if i % 5 == 0 {
            out.push("    environment:".into());
            out.push(format!("      - SMTP_PORT={}", rng.pick(&[25, 465, 587])));
            out.push("      - \"SMTP_HOST=smtp.example.com\"".into());
        }
        out.push("    healthcheck:".into());
        out.push(format!(
            "      interval: {}s # probe",
            rng.pick(&[5, 10, 30])
        ));
        out.push(format!(
            "    labels: [{}, {}, tier-{}]",
            rng.pick(&teams),
            rng.pick(&words),
            1 + rng.below(3)
        ));
    }
    out.push("feature_flags:".into());
    out.push("  new_checkout: true".into());
    out.push("observability:".into());
    out.push("  metrics: {enabled: true, port: 9090}".into());
    out.push("  tracing: {enabled: true, sample_rate: 0.1}".into());
    out.truncate(lines.max(1));
    out.join("\n") + "\n"
}

const KEYS: &[&str] = &[
    // Kubernetes `env:` items (folded into one setting by both readers).
    "name",
    "value",
    "valueFrom",
    "name",
    "value",
    "host",
    "port",
    "smtp.port",
    "mail.smtp.",
    ".a",
    "..",
    "a b",
    "x-y",
    "k_1",
    "k:v",
    "a/b",
    "0",
    "true",
    "~",
    "ключ",
    "\"quoted key\"",
    "\"dot.ted\"",
    "'single key'",
    "\"esc\\\"aped\"",
    "key ",
    "a#b",
    "-x",
    "...",
    "A=B",
    "\"\"",
    "a.",
    "'it''s.key'",
    "\"\\u0041.b\"",
];

const SCALARS: &[&str] = &[
    "MAIL_PORT",
    "\"SMTP_HOST\"",
    "smtp.example.com",
    "smtp.example.com:465",
    "587",
    "-1",
    "+1",
    "-",
    "0x1F",
    "0x",
    "0o17",
    "0o8",
    "1.5",
    "1.",
    ".5",
    "-.5",
    "1e5",
    "1e+5",
    "1.5e-3",
    "1e",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    ".NAN",
    ".Nan",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "FALSE",
    "FAlse",
    "null",
    "Null",
    "NULL",
    "nULL",
    "~",
    "1 2",
    "~ x",
    "true x",
    "a:b",
    "a :b",
    "http://x:8080/p?q=1#frag",
    "a#b",
    "a,b",
    "a]b",
    "-x",
    "--x",
    "é",
    "1_000",
    "0",
    "00",
    "012",
    "-0x1",
    "yes",
    "'single'",
    "'it''s'",
    "''",
    "\"\"",
    "\"dq \\\" esc\"",
    "\"\\u00e9\\x41\\t\\N\"",
    "\"\\x4\"",
    "\"a=b\"",
    "A=1",
    "A_B=x=y",
    "a.b=c",
    "1A=2",
    "=x",
    "A=",
    "\"SMTP_HOST=smtp.example.com\"",
    "'K=V'",
    "[]",
    "{}",
    "[a, b]",
    "[ 1 , 'two' , \"3\" ]",
    "{host: x, port: 587}",
    "{ a: 1 }",
    "{a: [1, 2], b: {c: d}}",
    "[{a: 1}, {a: 2}]",
    "{a:1}",
    "{\"a\": 1}",
    "{a: b c}",
    "[a, b,]",
    "&anchor x",
    "*alias",
    "!!str 25",
    "|",
    "? x",
    "x # comment",
    "x#y",
    "@x",
    "`x`",
    "%x",
    "x: y",
    "{a: 1} trailing",
    "'x' y",
    "\"x\"y",
    "\u{a0}nbsp",
    "a\u{85}b",
    "\"a #b\"",
    "'x: y'",
    "\"[a]\"",
    "'{a}'",
    "[-1, -x, - y]",
    "[a:, b]",
    "{a: -1, b: 'c d'}",
    "{'q': \"w\"}",
    "[\"x\"y]",
];

/// A random block YAML document built from tricky keys and scalars, nested with random
/// indentation, compact and indented sequences, comments and blank lines.
fn random_document(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.chance(30) {
        out.push_str("# header comment\n");
    }
    let top = 1 + rng.below(4);
    for _ in 0..top {
        random_entry(rng, &mut out, 0, 0);
    }
    if rng.chance(20) {
        out.push_str("\n# trailing\n");
    }
    if rng.chance(10) {
        out.pop(); // no line break at the end
    }
    out
}

fn random_entry(rng: &mut Rng, out: &mut String, indent: usize, depth: usize) {
    let pad = " ".repeat(indent);
    let key = *rng.pick(KEYS);
    let sep = *rng.pick(&[": ", ": ", ": ", ":  ", " : ", ":   "]);
    match rng.below(if depth > 3 { 2 } else { 5 }) {
        0 | 1 => {
            let value = *rng.pick(SCALARS);
            out.push_str(&format!("{pad}{key}{sep}{value}"));
            if rng.chance(15) {
                out.push_str("  # note");
            } else if rng.chance(10) {
                out.push_str("   ");
            }
            out.push('\n');
        }
        2 => {
            out.push_str(&format!("{pad}{key}:"));
            if rng.chance(20) {
                out.push_str(" # empty or nested");
            }
            out.push('\n');
            if rng.chance(80) {
                let child = indent + 1 + rng.below(4);
                for _ in 0..1 + rng.below(3) {
                    if rng.chance(10) {
                        out.push('\n');
                    }
                    if rng.chance(10) {
                        out.push_str(&format!("{}# inside\n", " ".repeat(rng.below(8))));
                    }
                    random_entry(rng, out, child, depth + 1);
                }
            }
        }
        _ => {
            out.push_str(&format!("{pad}{key}:\n"));
            let col = if rng.chance(30) {
                indent
            } else {
                indent + 1 + rng.below(3)
            };
            for _ in 0..1 + rng.below(4) {
                random_item(rng, out, col, depth + 1);
            }
        }
    }
}

fn random_item(rng: &mut Rng, out: &mut String, col: usize, depth: usize) {
    let pad = " ".repeat(col);
    match rng.below(if depth > 3 { 2 } else { 4 }) {
        0 | 1 => {
            let value = *rng.pick(SCALARS);
            let gap = *rng.pick(&[" ", " ", "  "]);
            if rng.chance(5) {
                out.push_str(&format!("{pad}-\n"));
            } else {
                out.push_str(&format!("{pad}-{gap}{value}\n"));
            }
        }
        2 => {
            // `- key: value` and more keys at the key's column.
            let gap = 1 + rng.below(2);
            let mut first = String::new();
            random_entry(rng, &mut first, col + 1 + gap, depth + 1);
            let first = first.get(col + 1 + gap..).unwrap_or("");
            out.push_str(&format!("{pad}-{}{first}", " ".repeat(gap)));
            for _ in 0..rng.below(3) {
                random_entry(rng, out, col + 1 + gap, depth + 1);
            }
        }
        _ => {
            out.push_str(&format!("{pad}- - nested\n"));
        }
    }
}

/// `text` with a few random characters deleted, duplicated or inserted.
fn mutate(rng: &mut Rng, text: &str) -> String {
    const INSERTS: &[&str] = &[
        ":", "#", "'", "\"", "{", "}", "[", "]", ",", "-", " ", " ", "  ", "\n", "\t", "&", "*",
        "!", "|", ">", "?", "%", "\\", "=", ".", "~", "0", "é", "- ", ": ", " #", "\r",
    ];
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => {
                let c = chars[at];
                chars.insert(at, c);
            }
            _ => {
                let insert = *rng.pick(INSERTS);
                for (i, c) in insert.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// The YAML files of the repository (tests and examples) and of the shared corpus when present.
fn repository_yaml_files() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        root.join("examples"),
        root.join("tests"),
        root.join("../../shared/corpus/realworld"),
    ];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    files.push((path.display().to_string(), text));
                }
            }
        }
    }
    files.sort();
    files
}

/// Snippets of the YAML adapter's own tests.
fn adapter_snippets() -> Vec<String> {
    vec![
        "global:\n  smtp_smarthost: 'smtp.example.com:587'\n  smtp_require_tls: true\nreceivers:\n  - name: ops\n    email_configs:\n      - to: ops@example.com\n        smarthost: smtp.example.com:465 # implicit\n        require_tls: false\n".into(),
        "spring:\n  mail:\n    host: \"smtp.example.com\"\n    port: 465\n    properties:\n      mail.smtp.auth: true\n      mail.smtp.ssl.enable: yes\n    empty:\n    nothing: ~\n".into(),
        "services:\n  gitea:\n    environment:\n      - GITEA__mailer__PROTOCOL=smtps\n      - \"GITEA__mailer__SMTP_PORT=465\"\n      - not an env item\n  grafana:\n    environment: {GF_SMTP_HOST: \"smtp.example.com:587\", SMTP_PORT: 587}\n    ports: [\"3000:3000\", 25]\n".into(),
        "mail:\n  host: smtp.example.com\n  port: 587\nbroken: {a: 1\nother: [1, 2\n".into(),
        yaml::tests::big_yaml(3),
    ]
}

#[test]
fn agrees_with_tree_sitter_on_repository_files() {
    let files = repository_yaml_files();
    assert!(files.len() >= 4, "{} YAML files found", files.len());
    let mut tally = Tally::default();
    for (name, text) in &files {
        compare_document(text, &mut tally, name);
    }
    for (i, text) in adapter_snippets().iter().enumerate() {
        compare_document(text, &mut tally, &format!("adapter snippet {i}"));
    }
    eprintln!("repository files: {tally:?}");
    assert!(tally.fast * 2 > tally.chunks, "{tally:?}");
}

#[test]
fn agrees_with_tree_sitter_on_generated_configs_and_reads_most_of_them() {
    let mut tally = Tally::default();
    for seed in 1..4 {
        compare_document(
            &generated_config(1500, seed),
            &mut tally,
            "generated config",
        );
    }
    eprintln!("generated configs: {tally:?}");
    // The fast path must stay the common case, or it silently stops saving anything.
    assert!(tally.share() >= 0.95, "{tally:?}");
}

#[test]
fn agrees_with_tree_sitter_on_random_documents() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tally = Tally::default();
    for i in 0..3000 {
        let text = random_document(&mut rng);
        compare_document(&text, &mut tally, &format!("random document {i}"));
    }
    eprintln!("random documents: {tally:?}");
    // The generator is built to hit the subset often, and its bail-outs just as often.
    assert!(tally.share() > 0.2 && tally.share() < 0.95, "{tally:?}");
}

#[test]
fn agrees_with_tree_sitter_on_mutated_documents() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut sources: Vec<String> = repository_yaml_files()
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    sources.extend(adapter_snippets());
    sources.push(generated_config(120, 7));
    for _ in 0..40 {
        sources.push(random_document(&mut rng));
    }
    let mut tally = Tally::default();
    for (i, source) in sources.iter().enumerate() {
        for round in 0..60 {
            let text = mutate(&mut rng, source);
            compare_document(&text, &mut tally, &format!("source {i} mutation {round}"));
        }
    }
    eprintln!("mutated documents: {tally:?}");
    assert!(tally.fast > 1000, "{tally:?}");
}

#[test]
fn plain_scalars_typed_like_the_grammar() {
    let mut out = String::new();
    for scalar in SCALARS {
        let text = format!("k: {scalar}\n");
        let reference = tree_sitter_read(&text, &[]);
        if let [setting] = reference.settings.as_slice() {
            let whole = setting.value == *scalar;
            if whole && setting.kind != ValueKind::Quoted && reference.errors.is_empty() {
                assert_eq!(plain_kind(&setting.value), setting.kind, "{scalar}");
                out.push_str(&format!("{scalar} {:?}, ", setting.kind));
            }
        }
    }
    expect!["MAIL_PORT Plain, smtp.example.com Plain, smtp.example.com:465 Plain, 587 Number, -1 Number, +1 Number, 0x1F Number, 0x Plain, 0o17 Number, 0o8 Plain, 1.5 Number, 1. Number, .5 Number, -.5 Number, 1e5 Number, 1e+5 Number, 1.5e-3 Number, 1e Plain, .inf Number, -.Inf Number, +.INF Number, .nan Number, .NaN Number, .NAN Number, .Nan Plain, true Bool, True Bool, TRUE Bool, tRUE Plain, false Bool, FALSE Bool, FAlse Plain, null Null, Null Null, NULL Null, nULL Plain, ~ Null, 1 2 Plain, ~ x Plain, true x Plain, a:b Plain, a :b Plain, http://x:8080/p?q=1#frag Plain, a#b Plain, a,b Plain, a]b Plain, -x Plain, --x Plain, é Plain, 1_000 Plain, 0 Number, 00 Number, 012 Number, -0x1 Plain, yes Plain, A=1 Plain, A_B=x=y Plain, a.b=c Plain, 1A=2 Plain, =x Plain, A= Plain, *alias Plain, x#y Plain,  nbsp Plain, ab Plain, "]
    .assert_eq(&out);
}

/// The share of chunks the fast reader takes in a YAML file named by `MAILPORT_YAML_SAMPLE`
/// (`cargo test --lib yaml::plain -- --ignored --nocapture`).
#[test]
#[ignore]
fn fast_path_share_on_a_sample_file() {
    let Ok(path) = std::env::var("MAILPORT_YAML_SAMPLE") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let chunks =
        crate::analysis::syntax::chunked::chunks::<yaml::Chunks>(&text).unwrap_or_default();
    let mut tally = Tally::default();
    for chunk in chunks.iter().filter(|c| !c.place.header) {
        let source = text.get(chunk.start..chunk.end).unwrap_or("");
        compare(source, &chunk.place.prefix, &mut tally, &path);
    }
    println!(
        "{path}: {tally:?}, {:.1} % read by the fast reader",
        tally.share() * 100.0
    );
}

#[test]
fn grammar_row_and_column_limits_are_left_to_tree_sitter() {
    let mut many = String::from("top:\n");
    for i in 0..33_000 {
        many.push_str(&format!("  k{i}: {i}\n"));
    }
    // One tree of this is a single ERROR (16-bit rows in the grammar's scanner).
    assert!(!tree_sitter_read(&many, &[]).errors.is_empty());
    assert_eq!(read(&many, &[]), None);
    let long_line = format!("k: {}\nj: 1\n", "x".repeat(40_000));
    assert_eq!(read(&long_line, &[]), None);
    let mut tally = Tally::default();
    let wide_flow = format!("k: [{}]\nj: 1\n", vec!["ab"; 5_000].join(", "));
    compare(&wide_flow, &[], &mut tally, "wide flow sequence");
    assert_eq!(tally.fast, 1);
}
