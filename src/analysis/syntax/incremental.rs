//! A document kept between edits: the language server applies each edit here and gets the settings
//! back without re-reading what the edit did not touch.

use tree_sitter::{InputEdit, Parser, Point, Tree};

use super::chunked::{Admit, ChunkFormat, ChunkedDoc};
use super::reuse::Reuse;
use super::{env, ini, properties, toml, yaml, Parsed, Setting};

use crate::vocab::{Format, Span};
use std::collections::HashSet;

/// Which settings a long-lived document keeps (see [`IncrementalDoc::keeping`]).
#[derive(Clone, Copy)]
pub struct Keep {
    /// The settings kept; the others are dropped.
    pub setting: fn(Format, &Setting) -> bool,
    /// False for a last key no kept setting has (asked before a setting is built, to skip it).
    pub key: fn(Format, &str) -> bool,
}

/// `start..end` clamped to `text` and widened to char boundaries: the bytes an edit there
/// replaces.
pub fn clamped(text: &str, start: usize, end: usize) -> Span {
    let len = text.len();
    let mut start = start.min(len);
    let mut end = end.clamp(start, len);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// An edit whose text is in place and whose reading is still to do.
pub struct Spliced(InputEdit);

/// One open document's text and what was read from it.
pub struct IncrementalDoc {
    format: Format,
    text: String,
    parsed: Parsed,
    /// Which settings are kept, and how.
    keeper: Keeper,
    /// Byte offset of the start of every line (tree-sitter edits need row/column points).
    line_starts: Vec<usize>,
    /// A small YAML document: the parser and the tree of the current text, for incremental
    /// re-parsing.
    yaml: Option<(Parser, Tree)>,
    /// A document read in chunks (`None` when it is read whole).
    chunked: Option<Box<dyn Chunked>>,
}

impl IncrementalDoc {
    pub fn new(format: Format, text: String) -> IncrementalDoc {
        IncrementalDoc::build(format, text, None)
    }

    /// A document that may drop the settings `keep` rejects: a long-lived document (the language
    /// server's) holds only what analysis can use, which keeps a 50,000-line file small.
    pub fn keeping(format: Format, text: String, keep: Keep) -> IncrementalDoc {
        IncrementalDoc::build(format, text, Some(keep))
    }

    fn build(format: Format, text: String, keep: Option<Keep>) -> IncrementalDoc {
        let mut doc = IncrementalDoc::not_read(format, text, keep);
        doc.read_all();
        doc
    }

    /// A document that is not read yet: [`IncrementalDoc::read_all`] reads it. Making one cannot
    /// fail, so a caller that guards the read against a panic still has the text afterwards.
    pub fn unread(format: Format, text: String, keep: Keep) -> IncrementalDoc {
        IncrementalDoc::not_read(format, text, Some(keep))
    }

    fn not_read(format: Format, text: String, keep: Option<Keep>) -> IncrementalDoc {
        IncrementalDoc {
            format,
            keeper: Keeper {
                format,
                keep,
                names: HashSet::new(),
                shapes: HashSet::new(),
            },
            line_starts: line_starts(&text),
            text,
            parsed: Parsed::default(),
            yaml: None,
            chunked: None,
        }
    }

    /// The text, given back (what was read from it goes).
    pub fn into_text(self) -> String {
        self.text
    }

    /// Byte offset of the start of every line, counting `\n` alone.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// Replaces the bytes `start..old_end` with `new_text`. Offsets are clamped to the text and to
    /// character boundaries. Only what the edit touched is read again.
    pub fn edit(&mut self, start: usize, old_end: usize, new_text: &str) {
        let spliced = self.splice(start, old_end, new_text);
        self.read_again(spliced);
    }

    /// The first half of [`IncrementalDoc::edit`]: changes the text and its line starts only
    /// (string operations on clamped offsets, which cannot fail). The text is right from here on,
    /// whatever becomes of [`IncrementalDoc::read_again`].
    pub fn splice(&mut self, start: usize, old_end: usize, new_text: &str) -> Spliced {
        let Span { start, end } = clamped(&self.text, start, old_end);
        let start_point = self.point(start);
        let old_end_point = self.point(end);
        self.text.replace_range(start..end, new_text);
        let new_end = start + new_text.len();
        self.update_line_starts(start, end, new_end);
        let edit = InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: new_end,
            start_position: start_point,
            old_end_position: old_end_point,
            new_end_position: self.point(new_end),
        };
        Spliced(edit)
    }

    /// The second half of [`IncrementalDoc::edit`]: reads again what the splice touched.
    pub fn read_again(&mut self, Spliced(edit): Spliced) {
        let (start, end, new_end) = (edit.start_byte, edit.old_end_byte, edit.new_end_byte);
        if let Some(chunked) = &mut self.chunked {
            let edited = chunked.edit(
                &self.text,
                &mut self.parsed,
                &mut self.keeper,
                (start, end, new_end),
                self.line_starts.len().saturating_sub(1),
            );
            if !edited {
                self.read_all();
            }
            return;
        }
        // A template action line made by the edit is read as a comment, and quotes inside an
        // action become the other quote: read whole (see
        // `yaml::mask_template_lines`; a document that already has one keeps no tree and is read
        // whole anyway).
        if self.format == Format::Yaml
            && self
                .text
                .get(super::line_start(&self.text, start)..super::line_end(&self.text, new_end))
                .is_some_and(|touched| touched.lines().any(yaml::is_masked_line))
        {
            self.read_all();
            return;
        }
        match self.yaml.take() {
            Some((parser, tree)) if !super::chunked::read_in_chunks(self.line_starts.len() - 1) => {
                self.edit_yaml_tree(parser, tree, &edit)
            }
            _ => self.read_all(),
        }
    }

    fn kept(&mut self, parsed: Parsed) -> Parsed {
        self.keeper.admit(self.format, parsed)
    }

    /// Reads the whole text (first read, or when an incremental step cannot be trusted).
    pub fn read_all(&mut self) {
        // Everything is read again: names of settings that are gone go too.
        self.keeper.names.clear();
        self.keeper.shapes.clear();
        self.yaml = None;
        self.parsed = Parsed::default();
        self.chunked = open_chunked(self.format, &self.text, &mut self.keeper, &mut self.parsed);
        if self.chunked.is_some() {
        } else if self.format == Format::Yaml {
            self.read_yaml();
        } else {
            self.parsed = self.kept(super::parse(self.format, &self.text));
        }
        self.parsed.settings.shrink_to_fit();
        self.line_starts.shrink_to_fit();
    }

    /// A YAML document read whole: plain block YAML by the fast reader (read whole again on every
    /// edit: it reads a document below the chunk threshold in well under a millisecond), the rest
    /// by tree-sitter, whose tree is kept for incremental re-parsing.
    fn read_yaml(&mut self) {
        let masked = yaml::mask_template_lines(&self.text);
        if let Some(parsed) = yaml::read_plain(&masked, &self.keeper.wanted(self.format)) {
            self.parsed = self.kept(parsed);
            return;
        }
        let Some(mut parser) = yaml::parser() else {
            return;
        };
        let read = yaml::parse_within_limits(&mut parser, &masked, None);
        let parsed = yaml::extract(&read, &masked, None, &[]);
        // a template's masked lines can change outside an edit's bytes (a closing `}}`
        // typed makes its line a comment), so such a document, like one read only in part,
        // is read whole again on every edit
        let templated = matches!(masked, std::borrow::Cow::Owned(_));
        self.parsed = self.kept(parsed);
        if let Some(tree) = read.tree.filter(|_| read.limit.is_none() && !templated) {
            self.yaml = Some((parser, tree));
        }
    }

    /// Row and byte column of `offset` in the current text.
    fn point(&self, offset: usize) -> Point {
        let row = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(row).copied().unwrap_or(0);
        Point {
            row,
            column: offset.saturating_sub(line_start),
        }
    }

    /// Keeps `line_starts` in step with an edit of `start..old_end` into `start..new_end`.
    fn update_line_starts(&mut self, start: usize, old_end: usize, new_end: usize) {
        // Lines that start inside the replaced bytes go; those after move.
        let first = self.line_starts.partition_point(|&s| s <= start);
        let after = self.line_starts.partition_point(|&s| s <= old_end);
        let inserted: Vec<usize> = self
            .text
            .get(start..new_end)
            .unwrap_or("")
            .match_indices('\n')
            .map(|(i, _)| start + i + 1)
            .collect();
        self.line_starts
            .splice(first..after, inserted.iter().copied());
        let moved = first + inserted.len();
        for line in self.line_starts.iter_mut().skip(moved) {
            *line = *line - old_end + new_end;
        }
    }

    fn edit_yaml_tree(&mut self, mut parser: Parser, mut old_tree: Tree, edit: &InputEdit) {
        // Top-level pairs are read at the indentation of the first line with content: an edit up
        // to the end of that line may move it, and with it what every other line gives
        // (fuzz/regressions/incremental_edits/yaml-comment-split).
        if yaml::base_line_end(&self.text).is_none_or(|end| edit.start_byte < end) {
            self.read_all();
            return;
        }
        old_tree.edit(edit);
        let read = yaml::parse_within_limits(&mut parser, &self.text, Some(&old_tree));
        // Error recovery on an edited tree may place an error elsewhere than a fresh parse does
        // (`unexpected '---'` at the start instead of a quote further on): a tree with errors is
        // read whole (fuzz/regressions/incremental_edits/yaml-error-recovered-elsewhere).
        let Some(tree) = read
            .tree
            .clone()
            .filter(|t| read.complete() && !t.root_node().has_error())
        else {
            self.read_all();
            return;
        };
        let mut dirty: Vec<Span> = old_tree
            .changed_ranges(&tree)
            .map(|r| r.start_byte..r.end_byte)
            .collect();
        dirty.push(edit.start_byte..edit.new_end_byte);
        let mut reuse = Reuse::new(
            std::mem::take(&mut self.parsed.settings),
            dirty,
            edit.start_byte..edit.old_end_byte,
            edit.new_end_byte,
        );
        let fresh = yaml::extract(&read, &self.text, Some(&mut reuse), &[]);
        self.parsed.errors = fresh.errors;
        match reuse.assemble(fresh.settings) {
            Some(settings) => {
                self.parsed.settings = self.keeper.admit_all(Format::Yaml, settings);
                self.yaml = Some((parser, tree));
            }
            None => self.read_all(),
        }
    }
}

/// A document read in chunks, whatever its format.
trait Chunked: Send {
    fn edit(
        &mut self,
        text: &str,
        parsed: &mut Parsed,
        keeper: &mut Keeper,
        edit: (usize, usize, usize),
        line_breaks: usize,
    ) -> bool;
}

impl<F: ChunkFormat> Chunked for ChunkedDoc<F> {
    fn edit(
        &mut self,
        text: &str,
        parsed: &mut Parsed,
        keeper: &mut Keeper,
        edit: (usize, usize, usize),
        line_breaks: usize,
    ) -> bool {
        ChunkedDoc::edit(self, text, parsed, keeper, edit, line_breaks)
    }
}

/// Reads `text` in chunks when its format and size say so.
fn open_chunked(
    format: Format,
    text: &str,
    keeper: &mut Keeper,
    out: &mut Parsed,
) -> Option<Box<dyn Chunked>> {
    fn open<F: ChunkFormat + 'static>(
        text: &str,
        keeper: &mut Keeper,
        out: &mut Parsed,
    ) -> Option<Box<dyn Chunked>> {
        ChunkedDoc::<F>::open(text, keeper, out).map(|doc| Box::new(doc) as Box<dyn Chunked>)
    }
    keeper.format = format;
    match format {
        Format::Env => open::<env::Chunks>(text, keeper, out),
        Format::Yaml => open::<yaml::Chunks>(text, keeper, out),
        Format::Toml => open::<toml::Chunks>(text, keeper, out),
        Format::Ini => open::<ini::Chunks>(text, keeper, out),
        Format::Properties => open::<properties::Chunks>(text, keeper, out),
        _ => None,
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// What a document keeps of the settings it reads: those its `keep` accepts (all without one),
/// each stored small, with its key names and entry shapes shared.
struct Keeper {
    format: Format,
    /// Settings this rejects are dropped (never the others).
    keep: Option<Keep>,
    /// One copy of each key name the kept settings use.
    names: HashSet<super::Segment>,
    /// One copy of each entry shape.
    shapes: HashSet<std::sync::Arc<super::EntryShape>>,
}

impl Keeper {
    fn one(&mut self, format: Format, mut setting: Setting) -> Option<Setting> {
        let Some(keep) = self.keep else {
            return Some(setting);
        };
        if !(keep.setting)(format, &setting) {
            return None;
        }
        setting.shrink();
        for text in &mut setting.path {
            self.share(text);
        }
        let shape = &mut setting.style.shape;
        match self.shapes.get(shape) {
            Some(shared) => *shape = shared.clone(),
            None => {
                self.shapes.insert(shape.clone());
            }
        }
        Some(setting)
    }

    /// Points `text` at the document's copy of it.
    fn share(&mut self, text: &mut super::Segment) {
        match self.names.get(&**text) {
            Some(shared) => *text = shared.clone(),
            None => {
                self.names.insert(text.clone());
            }
        }
    }

    /// Whether a setting with this last key may be kept.
    fn wanted(&self, format: Format) -> impl Fn(&str) -> bool {
        let keep = self.keep;
        move |key| keep.is_none_or(|k| (k.key)(format, key))
    }

    fn admit_all(&mut self, format: Format, settings: Vec<Setting>) -> Vec<Setting> {
        if self.keep.is_none() {
            return settings;
        }
        settings
            .into_iter()
            .filter_map(|s| self.one(format, s))
            .collect()
    }

    fn admit(&mut self, format: Format, parsed: Parsed) -> Parsed {
        Parsed {
            settings: self.admit_all(format, parsed.settings),
            errors: parsed.errors,
            branches: parsed.branches,
        }
    }
}

impl Admit for Keeper {
    fn wanted(&self) -> impl Fn(&str) -> bool + 'static {
        Keeper::wanted(self, self.format)
    }

    fn admit(&mut self, parsed: Parsed) -> Parsed {
        Keeper::admit(self, self.format, parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), so failures replay.
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

    const YAML: &str = "# mail\nglobal:\n  smtp_smarthost: 'smtp.example.com:587'\n  smtp_require_tls: true\nreceivers:\n  - name: ops\n    email_configs:\n      - to: ops@example.com\n        smarthost: smtp.example.com:465 # implicit\n      - to: dev@example.com\n        require_tls: false\nservices:\n  app:\n    environment:\n      - SMTP_PORT=465\n      - \"SMTP_HOST=smtp.example.com\"\n    ports: [\"25:25\", 587]\n  grafana:\n    environment: {GF_SMTP_HOST: \"smtp.example.com:587\", X: 1}\nspring:\n  mail:\n    properties:\n      mail.smtp.auth: true\n    text: |\n      a\n      b\n---\nsecond: {a: [1, 2, {b: c}]}\n";

    const ENV: &str = "# Laravel\nAPP_NAME=Laravel\nexport MAIL_HOST=smtp.example.com # relay\nMAIL_PORT = 465\nMAIL_PASSWORD=\"se\\\"cret\nstill the password\"\nMAIL_FROM='a@b'\n\nBROKEN LINE\nLAST=${APP_NAME}\n";

    const PIECES: &[&str] = &[
        "\n",
        " ",
        "  ",
        "- ",
        ":",
        ": ",
        "port: 465\n",
        "  host: x\n",
        "- A=1\n",
        "\"",
        "'",
        "{",
        "}",
        "[",
        "]",
        ",",
        "#",
        "---\n",
        "x",
        "=",
        "export ",
        "KEY=v\n",
        "é",
        "\r\n",
        "|\n",
        "\\",
    ];

    /// Keeps what a mail profile might read and drops the rest (the language server keeps by
    /// profile; any predicate on the setting alone must give the same result).
    fn mail_words(_: Format, key: &str) -> bool {
        let key = key.to_ascii_lowercase();
        ["port", "host", "smtp", "tls"]
            .iter()
            .any(|w| key.contains(w))
    }

    const MAIL_WORDS: Keep = Keep {
        setting: |format, s| mail_words(format, s.key()),
        key: mail_words,
    };

    fn random_edits(format: Format, text: &str, seed: u64, rounds: usize) {
        random_edits_with(format, text, seed, rounds, PIECES);
    }

    /// TOML edits: the characters that open and close strings, arrays and headers.
    const TOML_PIECES: &[&str] = &[
        "\n",
        " ",
        "[",
        "]",
        "[[",
        "]]",
        "\"",
        "'",
        "\"\"\"",
        "'''",
        "=",
        " = ",
        "#",
        ".",
        ",",
        "{",
        "}",
        "\\",
        "x",
        "port = 587\n",
        "[servers]\n",
        "[[servers]]\n",
        "[mail.smtp]\n",
        "rows = [\n",
        "\"\"\"\n[x]\n",
        "\r\n",
        "é",
    ];

    /// How many seeds a random-edit test runs: `default`, or `RANDOM_EDIT_SEEDS` for a longer run.
    fn seeds(default: u64) -> u64 {
        std::env::var("RANDOM_EDIT_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    }

    /// Random edits to a document that keeps every setting, and to one that drops some.
    fn random_edits_with(format: Format, text: &str, seed: u64, rounds: usize, pieces: &[&str]) {
        random_edits_keeping(format, text, seed, rounds, pieces, None);
        random_edits_keeping(format, text, seed + 1, rounds, pieces, Some(MAIL_WORDS));
    }

    fn random_edits_keeping(
        format: Format,
        text: &str,
        seed: u64,
        rounds: usize,
        pieces: &[&str],
        keep: Option<Keep>,
    ) {
        let mut rng = Rng(seed);
        let open = |text: &str| match keep {
            Some(keep) => IncrementalDoc::keeping(format, text.to_string(), keep),
            None => IncrementalDoc::new(format, text.to_string()),
        };
        let mut doc = open(text);
        for round in 0..rounds {
            let len = doc.text().len();
            let start = rng.below(len + 1);
            let old_end = match rng.below(3) {
                0 => start,
                1 => start + rng.below(4),
                _ => start + rng.below(40),
            };
            let new_text = match rng.below(3) {
                0 => String::new(),
                _ => (0..1 + rng.below(3))
                    .map(|_| pieces[rng.below(pieces.len())])
                    .collect(),
            };
            let before = doc.text().to_string();
            doc.edit(start, old_end, &new_text);
            let mut fresh = super::super::parse(format, doc.text());
            if let Some(keep) = keep {
                fresh.settings.retain(|s| (keep.setting)(format, s));
            }
            assert!(
                *doc.parsed() == fresh,
                "round {round} seed {seed}: edit {start}..{old_end} -> {new_text:?}\nbefore:\n{before:?}\nafter:\n{:?}\n{}",
                doc.text(),
                first_difference(doc.parsed(), &fresh)
            );
            let whole = match format {
                Format::Toml => Some(toml::parse_whole(doc.text())),
                Format::Ini => Some(ini::parse_whole(doc.text())),
                _ => None,
            };
            if let Some(mut whole) = whole {
                if let Some(keep) = keep {
                    whole.settings.retain(|s| (keep.setting)(format, s));
                }
                // A valid big document reads in chunks exactly as one tree reads it.
                assert!(
                    !whole.errors.is_empty() || fresh == whole,
                    "round {round} seed {seed}: chunks differ from one tree\n{:?}\n{}",
                    doc.text(),
                    first_difference(&fresh, &whole)
                );
            }
            // Keep the document from drifting into noise: now and then start over.
            if doc.text().len() > 4 * text.len() || rng.below(50) == 0 {
                doc = open(text);
            }
        }
    }

    fn first_difference(incremental: &Parsed, fresh: &Parsed) -> String {
        let settings = incremental
            .settings
            .iter()
            .zip(&fresh.settings)
            .position(|(a, b)| a != b);
        if let Some(i) = settings {
            return format!(
                "setting {i}: {:#?}\nvs fresh {:#?}",
                incremental.settings[i], fresh.settings[i]
            );
        }
        if incremental.settings.len() != fresh.settings.len() {
            return format!(
                "{} settings vs {} fresh",
                incremental.settings.len(),
                fresh.settings.len()
            );
        }
        format!(
            "errors: {:?}\nvs fresh {:?}",
            incremental.errors, fresh.errors
        )
    }

    #[test]
    fn yaml_random_edits_match_a_fresh_parse() {
        let seeds = seeds(8);
        for seed in 1..=seeds {
            random_edits(Format::Yaml, YAML, seed * 7919, 300);
        }
    }

    /// A Jinja/Helm template: edits that make, unmake and move template actions and their quotes,
    /// which change how a whole line is masked (`yaml::mask_template_lines`).
    #[test]
    fn yaml_template_random_edits_match_a_fresh_parse() {
        const TEMPLATE: &str = "{% if smtp %}\nemail:\n  smtp_host: \"{{ HOST or \"mx\" }}\"\n  smtp_port: {{ PORT or \"25\" }}\n{% for u in us %}  - \"{{ u }}\"\n{% endfor %}\n  require_transport_security: False\n  tag: '{{ x | default('y') }}' # {{ \"c\" }}\n{{- end }}\n";
        const TEMPLATE_PIECES: &[&str] = &[
            "{{", "}}", "{%", "%}", "{#", "#}", "\"", "'", " ", "\n", ":", "# ", "x", "\\",
        ];
        // Untemplated at first: the document keeps its tree until an edit masks a line.
        const PLAIN: &str = "email:\n  smtp_host: \"mx {{ h }}\"\n  smtp_port: 25\n  tag: 'a \"b\"'\n  x: {a: \"b\"}\n";
        let seeds = seeds(8);
        for seed in 1..=seeds {
            random_edits_with(Format::Yaml, TEMPLATE, seed * 6151, 300, TEMPLATE_PIECES);
            random_edits_with(Format::Yaml, PLAIN, seed * 7723, 300, TEMPLATE_PIECES);
        }
    }

    #[test]
    fn big_yaml_random_edits_match_a_fresh_parse() {
        // Over the chunking threshold: edits go to one chunk's tree, or recompute the chunks.
        let text = crate::analysis::syntax::yaml::tests::big_yaml(75);
        assert!(super::super::chunked::read_in_chunks(text.lines().count()));
        let seeds = seeds(2);
        for seed in 1..=seeds {
            random_edits(Format::Yaml, &text, seed * 15485863, 150);
        }
    }

    #[test]
    fn env_random_edits_match_a_fresh_parse() {
        let seeds = seeds(8);
        for seed in 1..=seeds {
            random_edits(Format::Env, ENV, seed * 104729, 400);
        }
    }

    #[test]
    fn toml_random_edits_match_a_fresh_parse() {
        let text = "title = 'x'\n[mail.smtp]\nport = 587\nrows = [\n[1],\n]\n[[servers]]\nname = \"a\"\n[servers.tls]\nverify = true\n";
        let seeds = seeds(8);
        for seed in 1..=seeds {
            random_edits_with(Format::Toml, text, seed * 6151, 200, TOML_PIECES);
        }
    }

    #[test]
    fn big_toml_random_edits_match_a_fresh_parse() {
        // Over the chunking threshold: an edit re-parses one chunk, or the chunks are recomputed.
        let text = crate::analysis::syntax::toml::tests::big_toml(90);
        assert!(super::super::chunked::read_in_chunks(
            text.matches('\n').count()
        ));
        let seeds = seeds(2);
        for seed in 1..=seeds {
            random_edits_with(Format::Toml, &text, seed * 49157, 100, TOML_PIECES);
        }
    }

    /// INI and `.properties` edits: section brackets, separators, comments, continuations.
    const LINE_PIECES: &[&str] = &[
        "\n",
        " ",
        "[",
        "]",
        "=",
        ":",
        "#",
        ";",
        "!",
        "\\",
        "\\\n",
        "x",
        "\"",
        "`",
        "SMTP_PORT = 465\n",
        "[mailer]\n",
        "  [sub]\n",
        "a.b=c \\\n",
        "\r\n",
        "é",
    ];

    #[test]
    fn big_ini_random_edits_match_a_fresh_parse() {
        let text = crate::analysis::syntax::ini::tests::big_ini(110);
        assert!(super::super::chunked::read_in_chunks(
            text.matches('\n').count()
        ));
        let seeds = seeds(2);
        for seed in 1..=seeds {
            random_edits_with(Format::Ini, &text, seed * 7237, 100, LINE_PIECES);
        }
    }

    #[test]
    fn big_properties_random_edits_match_a_fresh_parse() {
        let text = crate::analysis::syntax::properties::tests::big_properties(150);
        assert!(super::super::chunked::read_in_chunks(
            text.matches('\n').count()
        ));
        let seeds = seeds(2);
        for seed in 1..=seeds {
            random_edits_with(Format::Properties, &text, seed * 9973, 100, LINE_PIECES);
        }
    }

    #[test]
    fn yaml_edit_that_indents_the_first_line_reads_everything_again() {
        // A line break typed into the leading comment leaves ` on the network.` as the first
        // line with content: indented by one, it moves the column top-level pairs are read at
        // (fuzz/regressions/incremental_edits/yaml-comment-split).
        let text = "# a mail catcher on the network.\n# fine\nservices:\n  app:\n    environment:\n      MAIL_HOST: mailpit\n      MAIL_PORT: \"1025\"\n  mailpit:\n    ports:\n      - \"8025:8025\"\n";
        let mut doc = IncrementalDoc::new(Format::Yaml, text.to_string());
        assert_eq!(doc.parsed().settings.len(), 3);
        doc.edit(10, 16, "\n");
        assert!(doc.text().starts_with("# a mail c\n on the network.\n"));
        assert_eq!(*doc.parsed(), super::super::parse(Format::Yaml, doc.text()));
        // And back.
        doc.edit(10, 11, "");
        assert_eq!(*doc.parsed(), super::super::parse(Format::Yaml, doc.text()));
    }

    #[test]
    fn other_formats_follow_edits() {
        let mut doc = IncrementalDoc::new(Format::Toml, "[smtp]\nport = 25\n".to_string());
        doc.edit(14, 16, "465");
        assert_eq!(doc.parsed().settings[0].value, "465");
        assert_eq!(doc.text(), "[smtp]\nport = 465\n");
    }

    #[test]
    fn edits_are_clamped_to_the_text_and_char_boundaries() {
        let mut doc = IncrementalDoc::new(Format::Yaml, "a: é\n".to_string());
        doc.edit(4, 100, "x"); // inside 'é' (bytes 3..5)
        assert_eq!(doc.text(), "a: x");
        assert_eq!(*doc.parsed(), super::super::parse(Format::Yaml, doc.text()));
    }
}
