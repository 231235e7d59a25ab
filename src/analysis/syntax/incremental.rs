//! A document kept between edits: the language server applies each edit here and gets the settings
//! back without re-reading what the edit did not touch.

use std::ops::Range;
use std::sync::Arc;

use tree_sitter::{InputEdit, Parser, Point, Tree};

use super::reuse::{shift_setting, Reuse};
use super::{env, ini, properties, toml, yaml, Chunk, Parsed, Setting};

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

/// One open document's text and what was read from it.
pub struct IncrementalDoc {
    format: Format,
    text: String,
    parsed: Parsed,
    /// Which settings are kept, and how.
    keeper: Keeper,
    /// Byte offset of the start of every line (tree-sitter edits need row/column points).
    line_starts: Vec<usize>,
    /// YAML: the parser and the tree(s) of the current text, for incremental re-parsing.
    yaml: Option<YamlState>,
    /// `.env`: the entries that span more than one line (`start..start of the next entry`); only
    /// they can hold the start of a later line.
    env_extents: Vec<Span>,
    /// `.env`: starts of the entries whose quote is not closed (they depend on all text after).
    env_unclosed: Vec<usize>,
    /// TOML, INI, `.properties`: a big document's chunks (`None` for a small one, read whole).
    chunked: Option<Chunked>,
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
        let mut doc = IncrementalDoc {
            format,
            keeper: Keeper {
                keep,
                names: HashSet::new(),
            },
            line_starts: line_starts(&text),
            text,
            parsed: Parsed::default(),
            yaml: None,
            env_extents: Vec::new(),
            env_unclosed: Vec::new(),
            chunked: None,
        };
        doc.read_all();
        doc
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
        let len = self.text.len();
        let mut start = start.min(len);
        let mut end = old_end.clamp(start, len);
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
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
        match self.format {
            Format::Env => self.edit_env(start, end, new_end),
            Format::Yaml => self.edit_yaml(&edit),
            Format::Toml | Format::Ini | Format::Properties => {
                self.edit_chunked(start, end, new_end)
            }
            _ => self.parsed = self.kept(super::parse(self.format, &self.text)),
        }
    }

    fn kept(&mut self, parsed: Parsed) -> Parsed {
        self.keeper.admit(self.format, parsed)
    }

    /// Reads the whole text (first read, or when an incremental step cannot be trusted).
    fn read_all(&mut self) {
        // Everything is read again: names of settings that are gone go too.
        self.keeper.names.clear();
        match self.format {
            Format::Env => {
                let (parsed, extents, unclosed) = read_env(&self.text, &mut self.keeper);
                self.parsed = parsed;
                self.env_extents = extents;
                self.env_unclosed = unclosed;
            }
            Format::Yaml => {
                self.yaml = None;
                self.parsed = Parsed::default();
                let Some(mut parser) = yaml::parser() else {
                    return;
                };
                if let Some(chunks) = yaml::chunks(&self.text) {
                    let mut live = Vec::with_capacity(chunks.len());
                    for chunk in chunks {
                        let wanted = self.keeper.wanted(Format::Yaml);
                        let (read, _) = yaml::parse_chunk(&mut parser, &self.text, &chunk, &wanted);
                        let read = self.kept(read);
                        live.push(LiveChunk {
                            chunk,
                            settings: read.settings.len(),
                            errors: read.errors.len(),
                        });
                        self.parsed.settings.extend(read.settings);
                        self.parsed.errors.extend(read.errors);
                    }
                    self.yaml = Some(YamlState::Chunked {
                        parser,
                        chunks: live,
                    });
                } else {
                    let read = yaml::parse_within_limits(&mut parser, &self.text, None);
                    self.parsed = self.kept(yaml::extract(&read, &self.text, None, &[]));
                    // a document read only in part is read whole again on every edit
                    if let Some(tree) = read.tree.filter(|_| read.limit.is_none()) {
                        self.yaml = Some(YamlState::Whole { parser, tree });
                    }
                }
            }
            Format::Toml | Format::Ini | Format::Properties => self.read_chunked(),
            _ => self.parsed = self.kept(super::parse(self.format, &self.text)),
        }
        self.parsed.settings.shrink_to_fit();
        self.line_starts.shrink_to_fit();
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

    /// `.env`: re-lexes from the entry that holds the edit until the lines line up with the old
    /// ones again; the settings before and after are kept (those after are moved).
    fn edit_env(&mut self, start: usize, old_end: usize, new_end: usize) {
        let text = &self.text;
        let wanted = self.keeper.wanted(Format::Env);
        // Text before `start` did not change, so neither did the entries that end before it.
        let mut from = super::line_start(text, start);
        let holder = self.env_extents.partition_point(|e| e.start < from);
        if let Some(extent) = holder.checked_sub(1).and_then(|i| self.env_extents.get(i)) {
            if extent.end > from {
                from = extent.start;
            }
        }
        // An entry with an unclosed quote looked at everything after it.
        if let Some(&open) = self.env_unclosed.first() {
            from = from.min(open);
        }
        let mut fresh = Parsed::default();
        let mut fresh_extents = Vec::new();
        let mut fresh_unclosed = Vec::new();
        let mut pos = from;
        let old_resume = loop {
            if pos >= text.len() {
                break usize::MAX; // to the end: everything after `from` was read again
            }
            if pos > new_end {
                // The same bytes as old `old_pos`: in step if no old entry spans that line.
                let old_pos = old_end + (pos - new_end);
                let i = self.env_extents.partition_point(|e| e.start < old_pos);
                let inside = i
                    .checked_sub(1)
                    .and_then(|i| self.env_extents.get(i))
                    .is_some_and(|e| e.end > old_pos);
                if !inside {
                    break old_pos;
                }
            }
            let line = env::lex_line_wanted(text, pos, &wanted);
            if spans_lines(text, pos, line.next) {
                fresh_extents.push(pos..line.next);
            }
            fresh
                .settings
                .extend(line.setting.and_then(|s| self.keeper.one(Format::Env, s)));
            if line.unclosed {
                fresh_unclosed.push(pos);
            }
            fresh.errors.extend(line.error);
            if line.next <= pos {
                break usize::MAX; // to the end: everything after `from` was read again
            }
            pos = line.next;
        };
        let shift = |at: usize| at - old_end + new_end;
        // Settings: replace those that started in `from..old_resume`, move the rest.
        let first = self
            .parsed
            .settings
            .partition_point(|s| s.key_span.start < from);
        let last = self
            .parsed
            .settings
            .partition_point(|s| s.key_span.start < old_resume);
        let inserted = fresh.settings.len();
        self.parsed.settings.splice(first..last, fresh.settings);
        for setting in self.parsed.settings.iter_mut().skip(first + inserted) {
            shift_setting(setting, old_end, new_end);
        }
        let first = self.env_extents.partition_point(|e| e.start < from);
        let last = self.env_extents.partition_point(|e| e.start < old_resume);
        let inserted = fresh_extents.len();
        self.env_extents.splice(first..last, fresh_extents);
        for extent in self.env_extents.iter_mut().skip(first + inserted) {
            *extent = shift(extent.start)..shift(extent.end);
        }
        let first = self.env_unclosed.partition_point(|&s| s < from);
        let last = self.env_unclosed.partition_point(|&s| s < old_resume);
        let inserted = fresh_unclosed.len();
        self.env_unclosed.splice(first..last, fresh_unclosed);
        for open in self.env_unclosed.iter_mut().skip(first + inserted) {
            *open = shift(*open);
        }
        let first = self.parsed.errors.partition_point(|e| e.span.start < from);
        let last = self
            .parsed
            .errors
            .partition_point(|e| e.span.start < old_resume);
        let inserted = fresh.errors.len();
        self.parsed.errors.splice(first..last, fresh.errors);
        for error in self.parsed.errors.iter_mut().skip(first + inserted) {
            error.span = shift(error.span.start)..shift(error.span.end);
        }
    }

    /// YAML: incremental tree-sitter re-parse, then re-read only the entries (or, in a big
    /// document, the chunk) the edit or a structural change touched.
    fn edit_yaml(&mut self, edit: &InputEdit) {
        let chunked = self.line_starts.len() > yaml::CHUNK_ABOVE_LINES;
        match self.yaml.take() {
            Some(YamlState::Whole { parser, tree }) if !chunked => {
                self.edit_yaml_tree(parser, tree, edit)
            }
            Some(YamlState::Chunked {
                mut parser,
                mut chunks,
            }) if chunked => {
                if self.edit_yaml_chunk(&mut parser, &mut chunks, edit) {
                    self.yaml = Some(YamlState::Chunked { parser, chunks });
                } else {
                    self.rechunk_yaml(parser, chunks, edit);
                }
            }
            _ => self.read_all(),
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
        let Some(tree) = read.tree.clone().filter(|_| read.complete()) else {
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
                self.yaml = Some(YamlState::Whole { parser, tree });
            }
            None => self.read_all(),
        }
    }

    /// A big YAML document: when the edit stays inside one chunk and leaves every chunk
    /// boundary as it was, only that chunk is parsed again (incrementally). False when the
    /// chunks must be recomputed.
    fn edit_yaml_chunk(
        &mut self,
        parser: &mut Parser,
        chunks: &mut [LiveChunk],
        edit: &InputEdit,
    ) -> bool {
        let (start, old_end, new_end) = (edit.start_byte, edit.old_end_byte, edit.new_end_byte);
        let Some(i) = chunks
            .partition_point(|c| c.chunk.start <= start)
            .checked_sub(1)
        else {
            return false;
        };
        let Some(live) = chunks.get(i) else {
            return false;
        };
        let chunk = &live.chunk;
        let is_last = i + 1 == chunks.len();
        // The chunk's own final line break must stay, or the next chunk's first line moves.
        if chunk.header || (!is_last && old_end >= chunk.end) {
            return false;
        }
        let new_chunk_end = chunk.end - old_end + new_end;
        if !self.chunk_boundaries_kept(chunk, start, new_end, new_chunk_end) {
            return false;
        }
        let new_chunk = yaml::Chunk {
            end: new_chunk_end,
            ..chunk.clone()
        };
        // A chunk is small: parsed again from scratch (its tree is not kept, see LiveChunk).
        let wanted = self.keeper.wanted(Format::Yaml);
        let (fresh, _) = yaml::parse_chunk(parser, &self.text, &new_chunk, &wanted);
        let fresh = self.kept(fresh);
        // Splice the chunk's settings and errors; move everything after it.
        let first_setting: usize = chunks[..i].iter().map(|c| c.settings).sum();
        let first_error: usize = chunks[..i].iter().map(|c| c.errors).sum();
        let (settings, errors) = (fresh.settings.len(), fresh.errors.len());
        let old_settings = first_setting..first_setting + live.settings;
        let old_errors = first_error..first_error + live.errors;
        if old_settings.end > self.parsed.settings.len()
            || old_errors.end > self.parsed.errors.len()
        {
            return false;
        }
        self.parsed.settings.splice(old_settings, fresh.settings);
        self.parsed.errors.splice(old_errors, fresh.errors);
        for setting in self
            .parsed
            .settings
            .iter_mut()
            .skip(first_setting + settings)
        {
            shift_setting(setting, old_end, new_end);
        }
        for error in self.parsed.errors.iter_mut().skip(first_error + errors) {
            error.span = error.span.start - old_end + new_end..error.span.end - old_end + new_end;
        }
        chunks[i] = LiveChunk {
            chunk: new_chunk,
            settings,
            errors,
        };
        for later in chunks.iter_mut().skip(i + 1) {
            later.chunk.start = later.chunk.start - old_end + new_end;
            later.chunk.end = later.chunk.end - old_end + new_end;
        }
        true
    }

    /// A big YAML document whose chunk boundaries an edit changed: the chunks are computed
    /// again; those the edit did not touch keep their tree and settings (moved), the others are
    /// parsed.
    fn rechunk_yaml(&mut self, mut parser: Parser, old_chunks: Vec<LiveChunk>, edit: &InputEdit) {
        let (start, old_end, new_end) = (edit.start_byte, edit.old_end_byte, edit.new_end_byte);
        let Some(specs) = yaml::chunks(&self.text) else {
            self.read_all();
            return;
        };
        // Old chunks the edit did not touch, by where they start now.
        let mut kept = std::collections::HashMap::new();
        let mut first_setting = 0;
        let mut first_error = 0;
        for live in old_chunks.iter() {
            let moved = if live.chunk.end <= start {
                Some(0)
            } else if live.chunk.start >= old_end && live.chunk.start > start {
                Some(1)
            } else {
                None
            };
            if let Some(moved) = moved {
                let shift = |at: usize| {
                    if moved == 1 {
                        at - old_end + new_end
                    } else {
                        at
                    }
                };
                let now = yaml::Chunk {
                    start: shift(live.chunk.start),
                    end: shift(live.chunk.end),
                    ..live.chunk.clone()
                };
                let settings = first_setting..first_setting + live.settings;
                let errors = first_error..first_error + live.errors;
                kept.insert(now.start, (now, settings, errors, moved == 1));
            }
            first_setting += live.settings;
            first_error += live.errors;
        }
        let mut old_settings = std::mem::take(&mut self.parsed.settings)
            .into_iter()
            .enumerate();
        let mut old_errors = std::mem::take(&mut self.parsed.errors)
            .into_iter()
            .enumerate();
        let mut live = Vec::with_capacity(specs.len());
        for spec in specs {
            let reusable = kept.remove(&spec.start).filter(|(now, ..)| *now == spec);
            if let Some((_, settings, errors, moved)) = reusable {
                let before = self.parsed.settings.len();
                for (_, mut setting) in take_run(&mut old_settings, settings) {
                    if moved {
                        shift_setting(&mut setting, old_end, new_end);
                    }
                    self.parsed.settings.push(setting);
                }
                let taken = self.parsed.settings.len() - before;
                let before = self.parsed.errors.len();
                for (_, mut error) in take_run(&mut old_errors, errors) {
                    if moved {
                        error.span = error.span.start - old_end + new_end
                            ..error.span.end - old_end + new_end;
                    }
                    self.parsed.errors.push(error);
                }
                let taken_errors = self.parsed.errors.len() - before;
                live.push(LiveChunk {
                    chunk: spec,
                    settings: taken,
                    errors: taken_errors,
                });
            } else {
                let wanted = self.keeper.wanted(Format::Yaml);
                let (read, _) = yaml::parse_chunk(&mut parser, &self.text, &spec, &wanted);
                let read = self.kept(read);
                live.push(LiveChunk {
                    chunk: spec,
                    settings: read.settings.len(),
                    errors: read.errors.len(),
                });
                self.parsed.settings.extend(read.settings);
                self.parsed.errors.extend(read.errors);
            }
        }
        self.parsed.settings.shrink_to_fit();
        self.yaml = Some(YamlState::Chunked {
            parser,
            chunks: live,
        });
    }

    /// After an edit of `start..new_end` inside `chunk` (which now ends at `new_chunk_end`), the
    /// lines it touched still start (or do not start) chunks exactly as before.
    fn chunk_boundaries_kept(
        &self,
        chunk: &yaml::Chunk,
        start: usize,
        new_end: usize,
        new_chunk_end: usize,
    ) -> bool {
        let text = &self.text;
        let mut pos = super::line_start(text, start);
        while pos < text.len() && pos <= new_end {
            let line = yaml::line_at(text, pos);
            if pos == chunk.start {
                if !yaml::starts_entry(text, &line, chunk.level) {
                    return false;
                }
            } else if line.content && line.indent <= chunk.level {
                return false;
            }
            pos = line.next;
        }
        if chunk.level == 0 {
            // A top-level chunk: it must still end where it did and still not be split.
            let end = yaml::top_chunk_end(text, chunk.start);
            if end != new_chunk_end {
                return false;
            }
            let split = yaml::split_top_chunk(text, chunk.start, end);
            if split.len() != 1 {
                return false;
            }
        }
        true
    }
}

impl IncrementalDoc {
    /// TOML, INI, `.properties`: reads a big document chunk by chunk (see [`Chunking`]), a small
    /// one whole.
    fn read_chunked(&mut self) {
        self.chunked = None;
        let chunking = Chunking::of(self.format);
        let (Some(chunking), Some(chunks)) =
            (chunking, chunking.and_then(|c| c.chunks(&self.text)))
        else {
            self.parsed = self.kept(super::parse(self.format, &self.text));
            return;
        };
        let Some(mut parser) = chunking.parser() else {
            self.parsed = Parsed::default();
            return;
        };
        let mut parsed = Parsed::default();
        let mut live = Vec::with_capacity(chunks.len());
        let mut tables = Arc::default();
        for chunk in chunks {
            let read = self.read_chunk(chunking, &mut parser, chunk, tables, &mut parsed);
            tables = read.tables_after.clone();
            live.push(read);
        }
        self.parsed = parsed;
        self.chunked = Some(Chunked {
            chunking,
            parser,
            chunks: live,
        });
    }

    /// Reads `chunk`, which starts from the array-of-tables counts `tables`: what it keeps goes
    /// to `out`, the chunk's record comes back.
    fn read_chunk(
        &mut self,
        chunking: Chunking,
        parser: &mut Parser,
        chunk: Chunk,
        tables: Arc<toml::ArrayTables>,
        out: &mut Parsed,
    ) -> ReadChunk {
        let (read, tables_after) = chunking.parse(parser, &self.text, &chunk, &tables);
        let read = self.kept(read);
        let record = ReadChunk {
            chunk,
            tables_before: tables,
            tables_after,
            settings: read.settings.len(),
            errors: read.errors.len(),
        };
        out.settings.extend(read.settings);
        out.errors.extend(read.errors);
        record
    }

    /// A big document re-reads only the chunks around the edit; a small one is parsed whole.
    fn edit_chunked(&mut self, start: usize, old_end: usize, new_end: usize) {
        let big = super::read_in_chunks(self.line_starts.len().saturating_sub(1));
        match self.chunked.take() {
            Some(mut chunked) if big => {
                if self.edit_chunks(&mut chunked, start, old_end, new_end) {
                    self.chunked = Some(chunked);
                } else {
                    self.read_all();
                }
            }
            None if !big => self.parsed = self.kept(super::parse(self.format, &self.text)),
            _ => self.read_all(),
        }
    }

    /// Finds the chunks again from the chunk before the one the edit starts in (its end may
    /// move) until a chunk starts where an old one after the edit started: from there on the
    /// text and so the chunks are the same as before. Those new chunks are parsed (the one
    /// before the edit is kept if it did not change), then old chunks as long as they now start
    /// from other array-of-tables counts (TOML); the rest keep their settings, moved. False when
    /// the old chunks do not add up (then everything is read again).
    fn edit_chunks(
        &mut self,
        chunked: &mut Chunked,
        start: usize,
        old_end: usize,
        new_end: usize,
    ) -> bool {
        let chunking = chunked.chunking;
        let old = &chunked.chunks;
        let first = old
            .partition_point(|c| c.chunk.start <= start)
            .saturating_sub(2);
        let Some(first_chunk) = old.get(first) else {
            return false;
        };
        // New chunk boundaries, up to the first that matches an old one after the edit.
        let mut specs = Vec::new();
        let mut pos = first_chunk.chunk.start;
        let mut after_open = first_chunk.chunk.after_open;
        let mut resume = old.len();
        while pos < self.text.len() {
            let (end, next_after_open) = chunking.chunk_end(&self.text, pos);
            specs.push(Chunk {
                start: pos,
                end,
                after_open,
            });
            after_open = next_after_open;
            pos = end;
            if end >= new_end && end < self.text.len() {
                let old_start = end - new_end + old_end;
                let k = old.partition_point(|c| c.chunk.start < old_start);
                if k > first && old.get(k).is_some_and(|c| c.chunk.start == old_start) {
                    resume = k;
                    break;
                }
            }
        }
        // The first one is kept when it lies before the edit and did not change.
        let mut first = first;
        let mut tables = first_chunk.tables_before.clone();
        if first_chunk.chunk.end <= start && specs.first() == Some(&first_chunk.chunk) {
            specs.remove(0);
            tables = first_chunk.tables_after.clone();
            first += 1;
        }
        let first_setting: usize = old[..first].iter().map(|c| c.settings).sum();
        let first_error: usize = old[..first].iter().map(|c| c.errors).sum();
        let mut fresh = Parsed::default();
        let mut fresh_chunks = Vec::with_capacity(specs.len());
        for spec in specs {
            let read = self.read_chunk(chunking, &mut chunked.parser, spec, tables, &mut fresh);
            tables = read.tables_after.clone();
            fresh_chunks.push(read);
        }
        // Old chunks after the edit that now start from other array-of-tables counts.
        let shift = |at: usize| at - old_end + new_end;
        let mut next_after_open = Some(after_open);
        while let Some(later) = old.get(resume) {
            if Arc::ptr_eq(&later.tables_before, &tables) || later.tables_before == tables {
                break;
            }
            let spec = Chunk {
                start: shift(later.chunk.start),
                end: shift(later.chunk.end),
                after_open: next_after_open.take().unwrap_or(later.chunk.after_open),
            };
            let read = self.read_chunk(chunking, &mut chunked.parser, spec, tables, &mut fresh);
            tables = read.tables_after.clone();
            fresh_chunks.push(read);
            resume += 1;
        }
        // Splice: the settings and errors of old chunks `first..resume` give way to the fresh
        // ones; everything after moves.
        let old_settings: usize = old[first..resume].iter().map(|c| c.settings).sum();
        let old_errors: usize = old[first..resume].iter().map(|c| c.errors).sum();
        let old_settings = first_setting..first_setting + old_settings;
        let old_errors = first_error..first_error + old_errors;
        if old_settings.end > self.parsed.settings.len()
            || old_errors.end > self.parsed.errors.len()
        {
            return false;
        }
        let (settings, errors) = (fresh.settings.len(), fresh.errors.len());
        self.parsed.settings.splice(old_settings, fresh.settings);
        self.parsed.errors.splice(old_errors, fresh.errors);
        for setting in self
            .parsed
            .settings
            .iter_mut()
            .skip(first_setting + settings)
        {
            shift_setting(setting, old_end, new_end);
        }
        for error in self.parsed.errors.iter_mut().skip(first_error + errors) {
            error.span = shift(error.span.start)..shift(error.span.end);
        }
        let inserted = fresh_chunks.len();
        chunked.chunks.splice(first..resume, fresh_chunks);
        for (k, later) in chunked.chunks.iter_mut().enumerate().skip(first + inserted) {
            later.chunk.start = shift(later.chunk.start);
            later.chunk.end = shift(later.chunk.end);
            if k == first + inserted {
                if let Some(after_open) = next_after_open {
                    later.chunk.after_open = after_open;
                }
            }
        }
        true
    }
}

/// The formats whose big documents are read in chunks of lines, and how each finds and reads
/// its chunks (TOML: [`toml::chunks`]; INI and `.properties`: [`super::line_chunks`]).
#[derive(Clone, Copy)]
enum Chunking {
    Toml,
    Ini,
    Properties,
}

impl Chunking {
    fn of(format: Format) -> Option<Chunking> {
        match format {
            Format::Toml => Some(Chunking::Toml),
            Format::Ini => Some(Chunking::Ini),
            Format::Properties => Some(Chunking::Properties),
            _ => None,
        }
    }

    fn parser(self) -> Option<Parser> {
        match self {
            Chunking::Toml => toml::parser(),
            Chunking::Ini => ini::parser(),
            Chunking::Properties => properties::parser(),
        }
    }

    /// The chunks of the text, `None` when it is small enough to read whole.
    fn chunks(self, text: &str) -> Option<Vec<Chunk>> {
        match self {
            Chunking::Toml => toml::chunks(text),
            Chunking::Ini => super::line_chunks(text, ini::starts_chunk),
            Chunking::Properties => super::line_chunks(text, properties::starts_chunk),
        }
    }

    /// Where the chunk that starts at `start` ends (and the `after_open` of the next one).
    fn chunk_end(self, text: &str, start: usize) -> (usize, bool) {
        match self {
            Chunking::Toml => toml::chunk_end(text, start),
            Chunking::Ini => (super::line_chunk_end(text, start, ini::starts_chunk), false),
            Chunking::Properties => (
                super::line_chunk_end(text, start, properties::starts_chunk),
                false,
            ),
        }
    }

    /// Reads one chunk; TOML starts from the array-of-tables counts `tables` and returns those
    /// after the chunk (the others return `tables`).
    fn parse(
        self,
        parser: &mut Parser,
        text: &str,
        chunk: &Chunk,
        tables: &Arc<toml::ArrayTables>,
    ) -> (Parsed, Arc<toml::ArrayTables>) {
        match self {
            Chunking::Toml => toml::parse_chunk(parser, text, chunk, tables),
            Chunking::Ini => (ini::parse_chunk(parser, text, chunk), tables.clone()),
            Chunking::Properties => (properties::parse_chunk(parser, text, chunk), tables.clone()),
        }
    }
}

/// A big TOML, INI or `.properties` document between edits.
struct Chunked {
    chunking: Chunking,
    parser: Parser,
    chunks: Vec<ReadChunk>,
}

/// A chunk of a big TOML, INI or `.properties` document: the TOML array-of-tables counts before
/// and after it, and how many settings and errors it holds (they sit in the document's lists in
/// chunk order). Its tree is not kept: a chunk is parsed again from scratch.
struct ReadChunk {
    chunk: Chunk,
    tables_before: Arc<toml::ArrayTables>,
    tables_after: Arc<toml::ArrayTables>,
    settings: usize,
    errors: usize,
}

/// The tree(s) of a YAML document between edits.
enum YamlState {
    /// One tree for the whole text.
    Whole { parser: Parser, tree: Tree },
    /// A big document: one tree per chunk (see [`yaml::chunks`]).
    Chunked {
        parser: Parser,
        chunks: Vec<LiveChunk>,
    },
}

/// A chunk of a big YAML document, and how many settings and errors it holds (they sit in the
/// document's lists in chunk order). Its tree is not kept: a chunk is a few dozen lines, parsed
/// again from scratch in well under a millisecond, while the trees of every chunk of a 50k-line
/// file weigh tens of megabytes.
struct LiveChunk {
    chunk: yaml::Chunk,
    settings: usize,
    errors: usize,
}

/// The items of `items` (numbered in order) whose number is in `run`; earlier ones are dropped.
fn take_run<T>(items: &mut impl Iterator<Item = (usize, T)>, run: Range<usize>) -> Vec<(usize, T)> {
    let mut out = Vec::with_capacity(run.len());
    if run.is_empty() {
        return out;
    }
    for (at, item) in items.by_ref() {
        if at >= run.start {
            out.push((at, item));
        }
        if at + 1 >= run.end {
            break;
        }
    }
    out
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Lexes a whole `.env` text from `from`; also returns each setting's entry lines and the starts
/// of entries with an unclosed quote.
/// What a document keeps of the settings it reads: those its `keep` accepts (all without one),
/// each stored small, with its key names shared.
struct Keeper {
    /// Settings this rejects are dropped (never the others).
    keep: Option<Keep>,
    /// One copy of each key name (and entry lead and separator) the kept settings use.
    names: HashSet<super::Segment>,
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
        let style = &mut setting.style;
        for text in setting
            .path
            .iter_mut()
            .chain([&mut style.lead, &mut style.separator])
        {
            self.share(text);
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
        }
    }
}

/// Lexes a whole `.env` text, keeping what `keeper` keeps.
fn read_env(text: &str, keeper: &mut Keeper) -> (Parsed, Vec<Span>, Vec<usize>) {
    let mut parsed = Parsed::default();
    let mut extents = Vec::new();
    let mut unclosed = Vec::new();
    let wanted = keeper.wanted(Format::Env);
    let mut pos = 0;
    while pos < text.len() {
        let line = env::lex_line_wanted(text, pos, &wanted);
        if spans_lines(text, pos, line.next) {
            extents.push(pos..line.next);
        }
        parsed
            .settings
            .extend(line.setting.and_then(|s| keeper.one(Format::Env, s)));
        if line.unclosed {
            unclosed.push(pos);
        }
        parsed.errors.extend(line.error);
        if line.next <= pos {
            break;
        }
        pos = line.next;
    }
    (parsed, extents, unclosed)
}

/// Moves a setting that lies after an edit of `..old_end` into `..new_end`.
/// The entry `start..next` goes on past its first line.
fn spans_lines(text: &str, start: usize, next: usize) -> bool {
    text.get(start..next)
        .and_then(|entry| entry.find('\n'))
        .is_some_and(|i| start + i + 1 < next)
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
                Format::Properties => Some(properties::parse_whole(doc.text())),
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

    #[test]
    fn big_yaml_random_edits_match_a_fresh_parse() {
        // Over the chunking threshold: edits go to one chunk's tree, or recompute the chunks.
        let text = crate::analysis::syntax::yaml::tests::big_yaml(75);
        assert!(text.lines().count() > yaml::CHUNK_ABOVE_LINES);
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
        assert!(super::super::read_in_chunks(text.matches('\n').count()));
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
        assert!(super::super::read_in_chunks(text.matches('\n').count()));
        let seeds = seeds(2);
        for seed in 1..=seeds {
            random_edits_with(Format::Ini, &text, seed * 7237, 100, LINE_PIECES);
        }
    }

    #[test]
    fn big_properties_random_edits_match_a_fresh_parse() {
        let text = crate::analysis::syntax::properties::tests::big_properties(150);
        assert!(super::super::read_in_chunks(text.matches('\n').count()));
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
