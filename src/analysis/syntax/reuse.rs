//! Re-reading only what an edit touched: the old settings an adapter may take over, and the
//! new settings list built from them and the freshly read ones.

use std::ops::Range;

use super::{clip_segment, segment, Segment as PathSegment, Setting};
use crate::vocab::Span;

fn shift_setting(setting: &mut Setting, old_end: usize, new_end: usize) {
    setting.shift(new_end as isize - old_end as isize);
}

/// What a re-read may take from the previous parse: the old settings, and where the text changed.
/// Adapters call [`Reuse::take`] for each entry; untouched entries become a [`Segment::Old`] in
/// the plan instead of being read again.
pub(crate) struct Reuse {
    /// The previous settings, in document order (old offsets).
    old: Vec<Setting>,
    /// Ranges of the new text whose content or structure changed (new offsets).
    dirty: Vec<Span>,
    /// The edit: `start..old_end` in the old text became `start..new_end`.
    start: usize,
    old_end: usize,
    new_end: usize,
    plan: Vec<Segment>,
}

/// One run of the rebuilt settings list.
#[derive(Debug)]
enum Segment {
    /// Old settings `old`, placed after the first `fresh_before` newly read settings; `shift`
    /// when they lie after the edit; `prefix` replaces the start of their paths (a list index
    /// moved).
    Old {
        old: Range<usize>,
        fresh_before: usize,
        shift: bool,
        prefix: Option<Vec<PathSegment>>,
    },
}

impl Reuse {
    /// True when `span` (new offsets) touches a changed range.
    pub(crate) fn touches(&self, span: Span) -> bool {
        self.dirty
            .iter()
            .any(|d| span.start <= d.end && d.start <= span.end)
    }

    /// Takes the old settings of the entry whose lines are `extent` (new offsets) if the edit did
    /// not touch it. `prefix` is the entry's key path now; `fresh_len` how many settings were read
    /// anew so far. Returns false when the entry must be read again.
    pub(crate) fn take(&mut self, extent: Span, prefix: &[String], fresh_len: usize) -> bool {
        if self.touches(extent.clone()) {
            return false;
        }
        let (old_extent, shift) = if extent.end < self.start {
            (extent, false)
        } else if extent.start > self.new_end {
            let back = |at: usize| at - self.new_end + self.old_end;
            (back(extent.start)..back(extent.end), true)
        } else {
            return false;
        };
        let first = self
            .old
            .partition_point(|s| s.key_span.start < old_extent.start);
        let last = self
            .old
            .partition_point(|s| s.key_span.start <= old_extent.end);
        if first >= last {
            return true; // the entry held no settings before and still holds none
        }
        // A setting whose key starts in the entry but whose value ends past it (a plain key
        // folded over lines, `// note\n pass: …`) is read with the next entry too: read again.
        if self.old[first..last]
            .iter()
            .any(|s| s.value_span.end > old_extent.end || s.key_span.end > old_extent.end)
        {
            return false;
        }
        let Some(head) = self.old.get(first) else {
            return false;
        };
        let Some(old_prefix) = head.path.get(..prefix.len()) else {
            return false;
        };
        // Paths hold names clipped as every adapter clips them.
        let same = old_prefix
            .iter()
            .map(|s| &**s)
            .eq(prefix.iter().map(|p| clip_segment(p)));
        let prefix = (!same).then(|| prefix.iter().map(|p| segment(p)).collect());
        if let Some(Segment::Old {
            old,
            fresh_before,
            shift: last_shift,
            prefix: None,
        }) = self.plan.last_mut()
        {
            if old.end == first
                && *fresh_before == fresh_len
                && *last_shift == shift
                && prefix.is_none()
            {
                old.end = last;
                return true;
            }
        }
        self.plan.push(Segment::Old {
            old: first..last,
            fresh_before: fresh_len,
            shift,
            prefix,
        });
        true
    }
}

impl Reuse {
    /// The new settings list: the plan's old runs (moved and re-prefixed as needed) with the
    /// freshly read settings between them. `None` if the plan is not in document order.
    pub(crate) fn assemble(self, mut fresh: Vec<Setting>) -> Option<Vec<Setting>> {
        let Reuse {
            mut old,
            plan,
            old_end,
            new_end,
            ..
        } = self;
        // Forward: check the order and find where each old run lands.
        let mut placed = Vec::with_capacity(plan.len());
        let mut old_cursor = 0;
        let mut fresh_cursor = 0;
        let mut growth: isize = 0;
        let mut gaps = Vec::with_capacity(plan.len() + 1);
        for Segment::Old {
            old: run,
            fresh_before,
            shift,
            prefix,
        } in plan
        {
            if run.start < old_cursor || fresh_before < fresh_cursor || fresh_before > fresh.len() {
                return None;
            }
            gaps.push((old_cursor..run.start, fresh_cursor..fresh_before));
            growth += (fresh_before - fresh_cursor) as isize - (run.start - old_cursor) as isize;
            let new_start = (run.start as isize + growth) as usize;
            placed.push((new_start..new_start + run.len(), shift, prefix));
            old_cursor = run.end;
            fresh_cursor = fresh_before;
        }
        if old_cursor > old.len() {
            return None;
        }
        gaps.push((old_cursor..old.len(), fresh_cursor..fresh.len()));
        // Backward: replace each gap of old settings with its fresh run.
        for (old_gap, fresh_run) in gaps.into_iter().rev() {
            let run: Vec<Setting> = fresh.drain(fresh_run).collect();
            if old_gap.is_empty() && run.is_empty() {
                continue;
            }
            old.splice(old_gap, run);
        }
        for (range, shift, prefix) in placed {
            for setting in old.get_mut(range)?.iter_mut() {
                if shift {
                    shift_setting(setting, old_end, new_end);
                }
                if let Some(prefix) = &prefix {
                    setting.path.splice(..prefix.len(), prefix.iter().cloned());
                }
            }
        }
        Some(old)
    }
}

impl Reuse {
    /// `old`: the previous settings; `dirty`: the changed ranges of the new text; the edit turned
    /// `edited` of the old text into `edited.start..new_end`.
    pub(crate) fn new(old: Vec<Setting>, dirty: Vec<Span>, edited: Span, new_end: usize) -> Reuse {
        Reuse {
            old,
            dirty,
            start: edited.start,
            old_end: edited.end,
            new_end,
            plan: Vec::new(),
        }
    }
}
