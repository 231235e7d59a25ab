//! Is any of a few ASCII words in a text, ASCII case aside? The question whole-tree checks ask of
//! every file (`prefilter`, and `detect` of program source), so it is answered fast: a SIMD search
//! (aho-corasick's packed searcher) for every case spelling of the words' first three bytes, each
//! hit checked against the whole words; an automaton where the packed searcher is not available
//! (other CPUs) or the openings have too many spellings for it.

use aho_corasick::packed;
use aho_corasick::{AhoCorasick, AhoCorasickKind};

/// Bytes of each word the packed search looks for.
const OPENING: usize = 3;
/// The packed searcher's limit on patterns.
const MAX_PACKED: usize = 64;

pub struct AnyWord {
    /// Lowercase.
    words: Vec<Vec<u8>>,
    /// The packed searcher and, per pattern, the words that start with it.
    packed: Option<(packed::Searcher, Vec<Vec<usize>>)>,
    /// `None` only if it could not be built (then every text matches).
    automaton: Option<AhoCorasick>,
}

impl AnyWord {
    pub fn new<S: AsRef<str>>(words: &[S]) -> AnyWord {
        let words: Vec<Vec<u8>> = words
            .iter()
            .map(|w| w.as_ref().to_ascii_lowercase().into_bytes())
            .filter(|w| !w.is_empty())
            .collect();
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&words)
            .ok();
        AnyWord {
            packed: packed_search(&words),
            words,
            automaton,
        }
    }

    pub fn is_match(&self, text: &[u8]) -> bool {
        let Some((searcher, by_pattern)) = &self.packed else {
            return self.automaton.as_ref().is_none_or(|a| a.is_match(text));
        };
        let mut from = 0;
        while from < text.len() {
            let Some(hit) = searcher.find_in(text, aho_corasick::Span::from(from..text.len()))
            else {
                return false;
            };
            let rest = &text[hit.start()..];
            let whole = by_pattern
                .get(hit.pattern().as_usize())
                .into_iter()
                .flatten()
                .any(|&w| {
                    let word = &self.words[w];
                    rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word)
                });
            if whole {
                return true;
            }
            from = hit.start() + 1;
        }
        false
    }
}

/// Every case spelling of each word's opening, for the packed searcher; `None` when there are
/// too many, a word is shorter than the opening, or the CPU has no packed search.
fn packed_search(words: &[Vec<u8>]) -> Option<(packed::Searcher, Vec<Vec<usize>>)> {
    let mut openings: Vec<Vec<u8>> = Vec::new();
    let mut by_opening: Vec<Vec<usize>> = Vec::new();
    for (w, word) in words.iter().enumerate() {
        let opening = word.get(..OPENING)?.to_vec();
        match openings.iter().position(|o| *o == opening) {
            Some(i) => by_opening[i].push(w),
            None => {
                openings.push(opening);
                by_opening.push(vec![w]);
            }
        }
    }
    let mut patterns: Vec<Vec<u8>> = Vec::new();
    let mut by_pattern: Vec<Vec<usize>> = Vec::new();
    for (opening, words) in openings.iter().zip(&by_opening) {
        for spelling in spellings(opening) {
            if !patterns.contains(&spelling) {
                patterns.push(spelling);
                by_pattern.push(words.clone());
            }
        }
    }
    if patterns.len() > MAX_PACKED {
        return None;
    }
    let searcher = packed::Config::new().builder().extend(&patterns).build()?;
    Some((searcher, by_pattern))
}

/// Every ASCII case spelling of `bytes` (at most 2^OPENING).
fn spellings(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    for &b in bytes {
        let mut next = Vec::new();
        for prefix in &out {
            let mut variants = vec![b.to_ascii_lowercase()];
            if b.to_ascii_uppercase() != b.to_ascii_lowercase() {
                variants.push(b.to_ascii_uppercase());
            }
            for v in variants {
                let mut p = prefix.clone();
                p.push(v);
                next.push(p);
            }
        }
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_in_any_case_and_nothing_else() {
        let words = AnyWord::new(&["smtp", "mail_host", "createtransport"]);
        assert!(words.is_match(b"x = SMTP_PORT"));
        assert!(words.is_match(b"nodemailer.createTransport({"));
        assert!(words.is_match(b"MAIL_HOST=x"));
        assert!(!words.is_match(b"mail_port=1 smt create"));
        assert!(!words.is_match(b""));
        assert!(words.is_match(b"sMtP"));
    }

    #[test]
    fn many_openings_fall_back_to_the_automaton() {
        let list: Vec<String> = (b'a'..=b'z').map(|c| format!("{}xy", c as char)).collect();
        let words = AnyWord::new(&list);
        assert!(words.packed.is_none());
        assert!(words.is_match(b"..QXY.."));
        assert!(!words.is_match(b"..xq.."));
    }
}
