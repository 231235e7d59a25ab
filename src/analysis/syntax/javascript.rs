//! javascript adapter.

use super::Parsed;

pub fn parse(text: &str) -> Parsed {
    let _ = text;
    Parsed::default()
}
