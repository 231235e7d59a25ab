//! The benchmarks' generated inputs (`benches/inputs/mod.rs`) are the inputs the published figures
//! were measured on: same bytes on every run, exactly the lines asked for, with the port lines the
//! benchmarks toggle near the middle, and mistakes for mailport to find. A change to the generator
//! changes the digests below, and so asks for the figures in docs/performance.md to be measured
//! again.

#[path = "../benches/inputs/mod.rs"]
mod inputs;

use expect_test::expect;
use inputs::{generate, generate_seeded, Kind, PUBLISHED};
use mailport::vocab::Format;

/// FNV-1a, 64 bits: a digest with no dependency.
fn digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn published_inputs_are_stable_and_have_the_promised_shape() {
    let mut summary = String::new();
    for &(name, kind, lines) in PUBLISHED {
        let text = generate(kind, lines);
        assert_eq!(text, generate(kind, lines), "{name}: not deterministic");
        assert_eq!(text.lines().count(), lines, "{name}");
        assert!(text.ends_with('\n'), "{name}");
        let toggled = match kind {
            Kind::Yaml => "port: 587",
            Kind::Toml => "port = 587",
            Kind::Env => "_PORT=587",
        };
        let middle = text.len() / 2;
        assert!(
            text[middle..middle + text.len() / 10].contains(toggled),
            "{name}: no '{toggled}' just after the middle"
        );
        summary.push_str(&format!(
            "{name}: {} bytes, fnv1a {:016x}\n",
            text.len(),
            digest(&text)
        ));
    }
    expect![[r#"
        config-5k.yaml: 136721 bytes, fnv1a 6fbf66eea287384d
        config-50k.yaml: 1368415 bytes, fnv1a e5180ef56efc4208
        config-5k.toml: 127630 bytes, fnv1a aa10fbd655517b1f
        config-50k.toml: 1281147 bytes, fnv1a 0d058c922a507c9b
        app.env: 34947 bytes, fnv1a b73e56177863ea8b
        app-5k.env: 175306 bytes, fnv1a f0a62774bd8e3dc1
        app-50k.env: 1753854 bytes, fnv1a 8bf7edb6ddb2c4f3
    "#]]
    .assert_eq(&summary);
    assert_ne!(
        generate_seeded(Kind::Yaml, 500, 1),
        generate_seeded(Kind::Yaml, 500, 2),
        "the seed matters"
    );
}

#[test]
fn generated_inputs_hold_mistakes_for_mailport_to_find() {
    let config = mailport::config::Config::default();
    for (kind, format) in [
        (Kind::Yaml, Format::Yaml),
        (Kind::Toml, Format::Toml),
        (Kind::Env, Format::Env),
    ] {
        let text = generate(kind, 5_000);
        let findings = mailport::analysis::analyze(&text, format, &config).findings;
        let count = |code: &str| findings.iter().filter(|f| f.code.as_str() == code).count();
        let name = kind.name();
        assert!(findings.len() >= 15, "{name}: {} findings", findings.len());
        assert!(
            count("MP003") >= 3,
            "{name}: TLS modes that contradict the port"
        );
        assert!(count("MP002") >= 3, "{name}: ports of another protocol");
        assert_eq!(
            count("MP000"),
            0,
            "{name}: the generated file does not parse"
        );
    }
}
