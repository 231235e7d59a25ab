//! The fuzz targets' checks on the stable toolchain, so CI catches regressions without nightly:
//! every input kept under `fuzz/regressions/<target>/`, every example, and a few thousand
//! deterministic mutations of the examples run through the same functions the cargo-fuzz
//! targets call (`fuzz/src/checks.rs`, included here by path). See docs/fuzzing.md.

#[path = "../fuzz/src/checks.rs"]
#[allow(dead_code)]
mod checks;

use std::path::{Path, PathBuf};

use mailport::analysis::syntax::detect_format;
use mailport::vocab::Format;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs one input through the check of the target it was kept for.
fn replay(target: &str, data: &[u8]) {
    match target {
        "analysis" => checks::check_analysis(data),
        "completion" => checks::check_completion(data),
        "incremental_edits" => checks::check_incremental(data),
        _ => {
            let format = target
                .strip_prefix("syntax_")
                .and_then(|name| {
                    Format::ALL
                        .iter()
                        .find(|f| f.name().replace('-', "_") == name)
                })
                .unwrap_or_else(|| panic!("fuzz/regressions/{target}: no such fuzz target"));
            checks::check_syntax(*format, data)
        }
    }
}

/// Inputs whose fix has not landed yet (`fuzz/regressions/OPEN`, one path a line).
fn open_findings() -> Vec<String> {
    std::fs::read_to_string(root().join("fuzz/regressions/OPEN"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn kept_fuzz_inputs_pass_their_checks() {
    let open = open_findings();
    let regressions = root().join("fuzz/regressions");
    let mut replayed = 0;
    for dir in std::fs::read_dir(&regressions).expect("fuzz/regressions") {
        let dir = dir.expect("fuzz/regressions entry").path();
        if !dir.is_dir() {
            continue;
        }
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        for file in files_under(&dir) {
            let shown = format!(
                "fuzz/regressions/{target}/{}",
                file.file_name().unwrap().to_string_lossy()
            );
            if open.contains(&shown) {
                eprintln!("skipped (open finding): {shown}");
                continue;
            }
            let data = std::fs::read(&file).expect("readable regression input");
            eprintln!("replaying {shown}");
            replay(&target, &data);
            replayed += 1;
        }
    }
    eprintln!("{replayed} kept inputs replayed");
}

/// The examples as the targets see them: `(file name, text)`.
fn examples() -> Vec<(String, Vec<u8>)> {
    let mut docs: Vec<(String, Vec<u8>)> = files_under(&root().join("examples"))
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("readable example"))
        })
        .collect();
    assert!(docs.len() >= 20, "only {} examples found", docs.len());
    docs.sort();
    docs
}

fn named(name: &str, text: &[u8]) -> Vec<u8> {
    let mut data = format!("{name}\n").into_bytes();
    data.extend_from_slice(text);
    data
}

#[test]
fn examples_pass_every_target_check() {
    for (name, text) in examples() {
        let shown = String::from_utf8_lossy(&text);
        if let Some(format) = detect_format(&name, None, &shown) {
            checks::check_syntax(format, &text);
        }
        checks::check_analysis(&named(&name, &text));
        checks::check_completion(&named(&name, &text));
        // Edits at the start, a quarter, the middle and the end.
        let mut edits = named(&name, &text);
        for (at, remove, insert) in [
            (0u16, 0u8, "# x\n"),
            (0x4000, 3, "465"),
            (0x8000, 1, ":"),
            (0x8000, 0, "\n"),
            (0xFFFF, 0, "\nport: 25\n"),
        ] {
            edits.push(checks::EDIT_MARK);
            edits.extend_from_slice(&at.to_le_bytes());
            edits.push(remove);
            edits.extend_from_slice(insert.as_bytes());
        }
        checks::check_incremental(&edits);
    }
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes a mutation inserts: structure of every format, invalid UTF-8, odd line breaks.
const PIECES: &[&[u8]] = &[
    b"\n",
    b"\r",
    b"\r\n",
    b" ",
    b"\t",
    b"\0",
    b"\xFF",
    b"\xC3",
    b"\xE2\x82",
    b"\xF0\x9F\x98\x80",
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b"<",
    b">",
    b"\"",
    b"'",
    b"`",
    b"#",
    b";",
    b":",
    b"=",
    b",",
    b"\\",
    b"$",
    b"-",
    b"- ",
    b"  ",
    b"port = 465",
    b"port: 587",
    b"SMTP_PORT=25",
    b"<?php",
    b"<!--",
    b"]]>",
    b"'''",
    b"\"\"\"",
    b"${",
    b"#{",
    b"/*",
    b"*/",
    b"//",
];

/// One to four mutations: bytes flipped, spans deleted or repeated, pieces inserted.
fn mutate(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(5) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + rng.below(64)).min(len);
                out.drain(at..end);
            }
            2 => {
                // A span repeated: deep nesting and long lines come from here.
                let end = (at + 1 + rng.below(16)).min(len);
                let span = out[at..end].to_vec();
                let times = 1 + rng.below(200);
                let repeated: Vec<u8> = span
                    .iter()
                    .copied()
                    .cycle()
                    .take(span.len() * times)
                    .collect();
                out.splice(at..at, repeated);
            }
            _ => {
                let piece = PIECES[rng.below(PIECES.len())];
                out.splice(at..at, piece.iter().copied());
            }
        }
    }
    out
}

/// How many mutations a run makes: `FUZZ_REPLAY_MUTATIONS`, else a few seconds' worth in a debug
/// build (2,000 take about 8 s on the shared 2-core machine).
fn mutation_count() -> usize {
    std::env::var("FUZZ_REPLAY_MUTATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

#[test]
fn mutated_examples_pass_every_target_check() {
    let examples = examples();
    // FUZZ_REPLAY_SEED picks another sequence (a longer local run); CI always runs the same one.
    let seed = std::env::var("FUZZ_REPLAY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed);
    for round in 0..mutation_count() {
        let (name, text) = &examples[rng.below(examples.len())];
        let mutated = mutate(&mut rng, text);
        let format = detect_format(name, None, &String::from_utf8_lossy(&mutated));
        // Random edits to the original, applied incrementally.
        let mut edits = named(name, text);
        for _ in 0..1 + rng.below(3) {
            edits.push(checks::EDIT_MARK);
            edits.extend_from_slice(&(rng.next() as u16).to_le_bytes());
            edits.push(rng.below(8) as u8);
            let piece = PIECES[rng.below(PIECES.len())];
            edits.extend(piece.iter().copied().filter(|&b| b != checks::EDIT_MARK));
        }
        let mut inputs = vec![
            ("analysis".to_string(), named(name, &mutated)),
            ("completion".to_string(), named(name, &mutated)),
            ("incremental_edits".to_string(), edits),
        ];
        if let Some(format) = format {
            let target = format!("syntax_{}", format.name().replace('-', "_"));
            inputs.insert(0, (target, mutated));
        }
        for (target, data) in inputs {
            let result = std::panic::catch_unwind(|| replay(&target, &data));
            if let Err(panic) = result {
                // The failing input, ready to be kept under fuzz/regressions/<target>/.
                let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
                    .join(format!("fuzz_replay-{target}-round-{round}"));
                let _ = std::fs::write(&path, &data);
                eprintln!(
                    "round {round}: {target} failed on a mutation of {name}; input written to {}",
                    path.display()
                );
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// The worst cases `fuzz/seed.sh` generates (`seeds/stress/`): deep nesting, deep indentation,
/// one very long line, many lines of words, a broken line repeated. Each is read under every
/// format (syntax targets) and under a name of every format (analysis), and must finish: no stack
/// overflow, no abort, no input that takes seconds.
fn worst_cases() -> Vec<(&'static str, String)> {
    let nested = |open: &str, inner: &str, close: &str, depth: usize| {
        format!("x = {}{inner}{}\n", open.repeat(depth), close.repeat(depth))
    };
    let indent: String = (0..300).map(|i| format!("{:i$}k{i}:\n", "")).collect();
    let words: String = "word "
        .repeat(8000)
        .as_bytes()
        .chunks(60)
        .map(|line| format!("{}\n", String::from_utf8_lossy(line)))
        .collect();
    vec![
        ("nested-brackets", nested("[", "", "]", 30000)),
        ("nested-parens", nested("(", "", ")", 30000)),
        ("nested-maps", nested("{a:", "1", "}", 10000)),
        ("nested-sets", nested("{a = ", "1;", "};", 8000)),
        ("open-brackets", "[".repeat(10000)),
        ("open-braces", "{".repeat(10000)),
        ("commas", "a,".repeat(25000)),
        ("words", words),
        ("broken-lines", "port = 587 465 \"x\n".repeat(2000)),
        ("indent", indent),
    ]
}

/// A file name of each format, for the analysis.
const NAMES: &[&str] = &[
    "x.php",
    "x.rb",
    "x.js",
    "x.py",
    "x.nix",
    "x.yml",
    "x.toml",
    "x.json",
    "x.ini",
    "app.properties",
    "config-v1.1.xml",
    ".env",
    ".msmtprc",
    ".muttrc",
    "main.cf",
    "master.cf",
    ".fetchmailrc",
    ".mbsyncrc",
    ".mailrc",
];

#[test]
fn generated_worst_cases_pass_every_target_check() {
    let open = open_findings();
    for (case, text) in worst_cases() {
        for format in Format::ALL {
            let shown = format!(
                "generated/{case}/syntax_{}",
                format.name().replace('-', "_")
            );
            if open.contains(&shown) {
                eprintln!("skipped (open finding): {shown}");
                continue;
            }
            let started = std::time::Instant::now();
            checks::check_syntax(*format, text.as_bytes());
            eprintln!("{shown}: {:?}", started.elapsed());
        }
        for name in NAMES {
            let shown = format!("generated/{case}/analysis/{name}");
            if open.contains(&shown) {
                eprintln!("skipped (open finding): {shown}");
                continue;
            }
            let started = std::time::Instant::now();
            checks::check_analysis(&named(name, text.as_bytes()));
            eprintln!("{shown}: {:?}", started.elapsed());
        }
    }
}
