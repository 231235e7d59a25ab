//! Documents read in chunks. A format that implements [`ChunkFormat`] says where its chunks end,
//! how one chunk is read and what one chunk hands to the next; [`ChunkedDoc`] does the rest for
//! every such format: it reads a document chunk by chunk, and after an edit it finds the chunks
//! again around the edit, re-reads only those that changed and moves the others.
//!
//! Chunks come in units: a unit starts where the text before it cannot change how the text after
//! it reads, and where it ends depends only on the text from its start on. A unit is read as one
//! chunk or split into several (a big YAML `key:` into one chunk per child). After an edit the
//! units are found again from the unit before the edit until one ends where an old unit started
//! after the edit: from there on the text, and so the chunks, are the same as before.

use tree_sitter::Parser;

use super::Parsed;

/// Documents with at least this many line breaks are read in chunks (smaller ones are read
/// whole, unless their format reads chunks exactly as a whole read, see
/// [`ChunkFormat::AT_ANY_SIZE`]).
pub(crate) const CHUNKS_FROM_LINES: usize = 1000;

/// True when a document with this many line breaks is read in chunks.
pub(crate) fn read_in_chunks(line_breaks: usize) -> bool {
    line_breaks >= CHUNKS_FROM_LINES
}

/// A run of whole lines read on its own. `place` is what the format needs to know about where
/// the chunk sits (YAML: the key path above it); `()` for most.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Chunk<P> {
    pub start: usize,
    /// Start of the next chunk (or the end of the text).
    pub end: usize,
    pub place: P,
}

/// How a format is read in chunks.
pub(crate) trait ChunkFormat: Send + 'static {
    /// Where a chunk sits, beyond its offsets.
    type Place: Clone + PartialEq + Default + Send;
    /// What reading one chunk hands to the next (TOML: the array-of-tables counts so far).
    type Carry: Clone + PartialEq + Default + Send;
    /// The chunks read exactly as one pass over the whole text would: read in chunks at any size.
    const AT_ANY_SIZE: bool = false;

    /// The parser `read` is given (one per document).
    fn parser() -> Option<Parser>;
    /// Where the unit that starts at `start` ends (after `start`, unless the text ends there).
    fn unit_end(text: &str, start: usize) -> usize;
    /// The chunks of the unit `start..end`: one by default.
    fn split(_text: &str, start: usize, end: usize) -> Vec<Chunk<Self::Place>> {
        vec![Chunk {
            start,
            end,
            place: Self::Place::default(),
        }]
    }
    /// Reads one chunk after the chunks that handed on `carry`: settings and errors in document
    /// offsets, and what it hands on. Settings whose last key `wanted` rejects may be left out.
    fn read(
        parser: &mut Parser,
        text: &str,
        chunk: &Chunk<Self::Place>,
        carry: &Self::Carry,
        wanted: &dyn Fn(&str) -> bool,
    ) -> (Parsed, Self::Carry);
    /// True when an edit of `start..new_end` inside `chunk` (which now ends at `new_end_of_chunk`)
    /// leaves every chunk boundary where it was, so that only this chunk is read again. False
    /// (the default) finds the units around the edit again.
    fn keeps_boundaries(
        _text: &str,
        _chunk: &Chunk<Self::Place>,
        _start: usize,
        _new_end: usize,
        _new_end_of_chunk: usize,
    ) -> bool {
        false
    }
}

/// What a document keeps of what it reads.
pub(crate) trait Admit {
    /// False for a last key no kept setting has (the reader may skip building it).
    fn wanted(&self) -> impl Fn(&str) -> bool + 'static;
    /// What is kept of a read.
    fn admit(&mut self, parsed: Parsed) -> Parsed;
}

/// The chunks of `text` (`None` when it is read whole).
pub(crate) fn chunks<F: ChunkFormat>(text: &str) -> Option<Vec<Chunk<F::Place>>> {
    if !F::AT_ANY_SIZE && !read_in_chunks(line_breaks(text)) {
        return None;
    }
    let mut chunks = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let end = unit_end::<F>(text, pos);
        chunks.extend(F::split(text, pos, end));
        pos = end;
    }
    Some(chunks)
}

/// Reads `text` chunk by chunk; `None` when it is read whole.
pub(crate) fn parse<F: ChunkFormat>(text: &str) -> Option<Parsed> {
    let chunks = chunks::<F>(text)?;
    let mut parsed = Parsed::default();
    let Some(mut parser) = F::parser() else {
        return Some(parsed);
    };
    let mut carry = F::Carry::default();
    for chunk in &chunks {
        let (read, after) = F::read(&mut parser, text, chunk, &carry, &|_| true);
        parsed.settings.extend(read.settings);
        parsed.errors.extend(read.errors);
        carry = after;
    }
    Some(parsed)
}

pub(crate) fn line_breaks(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// `F::unit_end`, never short of the next line (a unit holds at least one line).
fn unit_end<F: ChunkFormat>(text: &str, start: usize) -> usize {
    let end = F::unit_end(text, start);
    if end > start || start >= text.len() {
        end.min(text.len())
    } else {
        text.len()
    }
}

/// A document read in chunks, between edits. Its settings and errors sit in the caller's
/// [`Parsed`], chunk after chunk; a chunk's tree is not kept (a chunk is parsed again from
/// scratch in well under a millisecond, while the trees of every chunk of a 50k-line file weigh
/// tens of megabytes).
pub(crate) struct ChunkedDoc<F: ChunkFormat> {
    parser: Parser,
    chunks: Vec<Record<F>>,
}

/// One chunk and what was read from it.
struct Record<F: ChunkFormat> {
    chunk: Chunk<F::Place>,
    /// The chunk starts a unit.
    unit: bool,
    /// What it handed on.
    carry: F::Carry,
    /// How many settings and errors it holds.
    settings: usize,
    errors: usize,
}

/// One chunk of the re-read part of a document: read again, or an old one kept.
enum Piece<F: ChunkFormat> {
    Read(Record<F>, Parsed),
    /// Old chunk `index`, now at `chunk`.
    Kept(usize, Chunk<F::Place>, bool),
}

impl<F: ChunkFormat> ChunkedDoc<F> {
    /// Reads `text` into `out` chunk by chunk; `None` (and nothing read) when it is read whole.
    pub(crate) fn open(text: &str, keeper: &mut impl Admit, out: &mut Parsed) -> Option<Self> {
        let chunks = chunks::<F>(text)?;
        let mut doc = ChunkedDoc {
            parser: F::parser()?,
            chunks: Vec::with_capacity(chunks.len()),
        };
        let mut carry = F::Carry::default();
        let mut unit_end = 0;
        for chunk in chunks {
            let unit = chunk.start >= unit_end;
            if unit {
                unit_end = self::unit_end::<F>(text, chunk.start);
            }
            let (record, read): (Record<F>, Parsed) = doc.read(text, chunk, unit, &carry, keeper);
            carry = record.carry.clone();
            out.settings.extend(read.settings);
            out.errors.extend(read.errors);
            doc.chunks.push(record);
        }
        Some(doc)
    }

    fn read(
        &mut self,
        text: &str,
        chunk: Chunk<F::Place>,
        unit: bool,
        carry: &F::Carry,
        keeper: &mut impl Admit,
    ) -> (Record<F>, Parsed) {
        let wanted = keeper.wanted();
        let (read, carry) = F::read(&mut self.parser, text, &chunk, carry, &wanted);
        let read = keeper.admit(read);
        let record = Record {
            chunk,
            unit,
            carry,
            settings: read.settings.len(),
            errors: read.errors.len(),
        };
        (record, read)
    }

    /// What chunk `i` was read after.
    fn carry_before(&self, i: usize) -> F::Carry {
        i.checked_sub(1)
            .and_then(|p| self.chunks.get(p))
            .map_or_else(F::Carry::default, |r| r.carry.clone())
    }

    /// Follows the edit that replaced `start..old_end` of the old text with `start..new_end` of
    /// `text`; `parsed` is what the chunks hold. False when the document must be read again
    /// (it is no longer read in chunks, or the records do not add up).
    pub(crate) fn edit(
        &mut self,
        text: &str,
        parsed: &mut Parsed,
        keeper: &mut impl Admit,
        (start, old_end, new_end): (usize, usize, usize),
        line_breaks: usize,
    ) -> bool {
        // The caller counts line breaks: counting them here would read the whole text per edit.
        if !F::AT_ANY_SIZE && !read_in_chunks(line_breaks) {
            return false;
        }
        let delta = new_end as isize - old_end as isize;
        let moved = |at: usize| at.wrapping_add_signed(delta);
        let Some(holder) = self
            .chunks
            .partition_point(|r| r.chunk.start <= start)
            .checked_sub(1)
        else {
            return false;
        };
        // The new chunks of the part read again, from old chunk `first`, and the old chunk
        // where the text is the same again (`resume`).
        let (first, specs, mut resume) =
            match self.inside_one_chunk(text, holder, start, old_end, new_end) {
                Some(chunk) => (holder, vec![(chunk, self.chunks[holder].unit)], holder + 1),
                None => self.find_again(text, holder, start, old_end, new_end),
            };
        // Read the new chunks, keeping old ones the edit did not touch.
        let mut carry = self.carry_before(first);
        let mut pieces: Vec<Piece<F>> = Vec::with_capacity(specs.len());
        let mut cursor = first;
        for (chunk, unit) in specs {
            let old = self.unchanged(cursor..resume, &chunk, start, old_end, delta);
            match old {
                Some(i) if self.carry_before(i) == carry => {
                    carry = self.chunks[i].carry.clone();
                    cursor = i + 1;
                    pieces.push(Piece::Kept(i, chunk, unit));
                }
                _ => {
                    let (record, read) = self.read(text, chunk, unit, &carry, keeper);
                    carry = record.carry.clone();
                    pieces.push(Piece::Read(record, read));
                }
            }
        }
        // Old chunks after them that now start from another carry are read again too.
        while let Some(later) = self.chunks.get(resume) {
            if self.carry_before(resume) == carry {
                break;
            }
            let chunk = Chunk {
                start: moved(later.chunk.start),
                end: moved(later.chunk.end),
                place: later.chunk.place.clone(),
            };
            let unit = later.unit;
            let (record, read) = self.read(text, chunk, unit, &carry, keeper);
            carry = record.carry.clone();
            pieces.push(Piece::Read(record, read));
            resume += 1;
        }
        self.splice(parsed, first..resume, pieces, old_end, delta)
    }

    /// The chunk `holder` as it is after an edit that stays inside it and leaves every boundary.
    fn inside_one_chunk(
        &self,
        text: &str,
        holder: usize,
        start: usize,
        old_end: usize,
        new_end: usize,
    ) -> Option<Chunk<F::Place>> {
        let record = self.chunks.get(holder)?;
        let last = holder + 1 == self.chunks.len();
        // The chunk's own final line break must stay, or the next chunk's first line moves.
        if !last && old_end >= record.chunk.end {
            return None;
        }
        let new_end_of_chunk = (record.chunk.end + new_end).checked_sub(old_end)?;
        let chunk = Chunk {
            end: new_end_of_chunk,
            ..record.chunk.clone()
        };
        F::keeps_boundaries(text, &record.chunk, start, new_end, new_end_of_chunk).then_some(chunk)
    }

    /// Finds the units again from the one before the unit that holds the edit (its end may move)
    /// until one ends where an old unit started after the edit. Returns the first old chunk
    /// replaced, the new chunks (and whether each starts a unit), and the old chunk the text is
    /// the same from (the number of chunks when that is the end).
    #[allow(clippy::type_complexity)] // (first unit, its chunks with "kept" flags, end), used once
    fn find_again(
        &self,
        text: &str,
        holder: usize,
        start: usize,
        old_end: usize,
        new_end: usize,
    ) -> (usize, Vec<(Chunk<F::Place>, bool)>, usize) {
        let unit_start = |mut i: usize| {
            while i > 0 && !self.chunks[i].unit {
                i -= 1;
            }
            i
        };
        let mut first = unit_start(holder);
        if first > 0 {
            first = unit_start(first - 1);
        }
        let mut specs = Vec::new();
        let mut pos = self.chunks.get(first).map_or(0, |r| r.chunk.start);
        let mut resume = self.chunks.len();
        while pos < text.len() {
            let end = unit_end::<F>(text, pos);
            specs.extend(
                F::split(text, pos, end)
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| (c, i == 0)),
            );
            pos = end;
            if end >= new_end && end < text.len() {
                let old_start = end - new_end + old_end;
                let k = self.chunks.partition_point(|r| r.chunk.start < old_start);
                if k > first
                    && self
                        .chunks
                        .get(k)
                        .is_some_and(|r| r.chunk.start == old_start && r.unit)
                {
                    resume = k;
                    break;
                }
            }
        }
        let _ = start;
        (first, specs, resume)
    }

    /// The old chunk among `range` that reads exactly as `chunk` now: the same place, and
    /// untouched by the edit (wholly before it, or wholly after it and moved by `delta`).
    fn unchanged(
        &self,
        range: std::ops::Range<usize>,
        chunk: &Chunk<F::Place>,
        start: usize,
        old_end: usize,
        delta: isize,
    ) -> Option<usize> {
        let old_start = if chunk.end <= start {
            chunk.start
        } else {
            let back = chunk.start.wrapping_add_signed(-delta);
            if chunk.start <= start || back < old_end {
                return None;
            }
            back
        };
        let region = self.chunks.get(range.clone())?;
        let i = range.start + region.partition_point(|r| r.chunk.start < old_start);
        let old = &self.chunks.get(i).filter(|_| i < range.end)?.chunk;
        let before = old.end <= start && old.start == chunk.start && old.end == chunk.end;
        let after = old.start >= old_end
            && old.start > start
            && old.start.wrapping_add_signed(delta) == chunk.start
            && old.end.wrapping_add_signed(delta) == chunk.end;
        ((before || after) && old.place == chunk.place).then_some(i)
    }

    /// Puts `pieces` in place of old chunks `replaced`, in the records and in `parsed`, and moves
    /// everything after them by `delta`. False when the records do not add up.
    fn splice(
        &mut self,
        parsed: &mut Parsed,
        replaced: std::ops::Range<usize>,
        mut pieces: Vec<Piece<F>>,
        old_end: usize,
        delta: isize,
    ) -> bool {
        let mut replaced = replaced;
        // Old chunks kept at either end of the replaced ones simply stay.
        while let Some(Piece::Kept(i, ..)) = pieces.first() {
            if *i != replaced.start || self.chunks[*i].chunk.start >= old_end {
                break;
            }
            pieces.remove(0);
            replaced.start += 1;
        }
        while let Some(Piece::Kept(i, ..)) = pieces.last() {
            if *i + 1 != replaced.end {
                break;
            }
            pieces.pop();
            replaced.end -= 1;
        }
        let count = |range: std::ops::Range<usize>| {
            self.chunks.get(range).map_or((0, 0), |rs| {
                rs.iter()
                    .fold((0, 0), |(s, e), r| (s + r.settings, e + r.errors))
            })
        };
        let (first_setting, first_error) = count(0..replaced.start);
        let (old_settings, old_errors) = count(replaced.clone());
        let old_settings = first_setting..first_setting + old_settings;
        let old_errors = first_error..first_error + old_errors;
        if old_settings.end > parsed.settings.len() || old_errors.end > parsed.errors.len() {
            return false;
        }
        let any_kept = pieces.iter().any(|p| matches!(p, Piece::Kept(..)));
        // Where each old chunk's settings and errors begin (only needed to keep some).
        let mut starts = Vec::new();
        if any_kept {
            let (mut s, mut e) = (old_settings.start, old_errors.start);
            for r in &self.chunks[replaced.clone()] {
                starts.push((s, e));
                s += r.settings;
                e += r.errors;
            }
        }
        let mut old_parsed = Parsed::default();
        if any_kept {
            old_parsed.settings = parsed.settings.drain(old_settings.clone()).collect();
            old_parsed.errors = parsed.errors.drain(old_errors.clone()).collect();
        }
        let mut old_settings_left = old_parsed.settings.into_iter().enumerate();
        let mut old_errors_left = old_parsed.errors.into_iter().enumerate();
        let mut fresh = Parsed::default();
        let mut records = Vec::with_capacity(pieces.len());
        for piece in pieces {
            match piece {
                Piece::Read(record, read) => {
                    fresh.settings.extend(read.settings);
                    fresh.errors.extend(read.errors);
                    records.push(record);
                }
                Piece::Kept(i, chunk, unit) => {
                    let old = &self.chunks[i];
                    let shift = if old.chunk.start >= old_end { delta } else { 0 };
                    let (s, e) = starts[i - replaced.start];
                    let base = (old_settings.start, old_errors.start);
                    let mut kept = Parsed::new(
                        take_run(&mut old_settings_left, s - base.0, old.settings),
                        take_run(&mut old_errors_left, e - base.1, old.errors),
                    );
                    if kept.settings.len() != old.settings || kept.errors.len() != old.errors {
                        return false;
                    }
                    kept.shift(shift);
                    fresh.settings.extend(kept.settings);
                    fresh.errors.extend(kept.errors);
                    records.push(Record {
                        chunk,
                        unit,
                        carry: old.carry.clone(),
                        settings: old.settings,
                        errors: old.errors,
                    });
                }
            }
        }
        let (settings, errors) = (fresh.settings.len(), fresh.errors.len());
        if any_kept {
            let at = (old_settings.start, old_errors.start);
            parsed.settings.splice(at.0..at.0, fresh.settings);
            parsed.errors.splice(at.1..at.1, fresh.errors);
        } else {
            parsed.settings.splice(old_settings.clone(), fresh.settings);
            parsed.errors.splice(old_errors.clone(), fresh.errors);
        }
        if delta != 0 {
            for setting in parsed.settings.iter_mut().skip(first_setting + settings) {
                setting.shift(delta);
            }
            for error in parsed.errors.iter_mut().skip(first_error + errors) {
                error.shift(delta);
            }
        }
        let inserted = records.len();
        self.chunks.splice(replaced.clone(), records);
        if delta != 0 {
            for later in self.chunks.iter_mut().skip(replaced.start + inserted) {
                later.chunk.start = later.chunk.start.wrapping_add_signed(delta);
                later.chunk.end = later.chunk.end.wrapping_add_signed(delta);
            }
        }
        true
    }
}

/// `count` items of `items` (numbered in order) from number `from`; earlier ones are dropped.
fn take_run<T>(items: &mut impl Iterator<Item = (usize, T)>, from: usize, count: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(count);
    if count == 0 {
        return out;
    }
    for (at, item) in items.by_ref() {
        if at >= from {
            out.push(item);
        }
        if at + 1 >= from + count {
            break;
        }
    }
    out
}
