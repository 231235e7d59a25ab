//! The fuzz targets' checks. The code lives in `checks.rs`, which `tests/fuzz_replay.rs` includes
//! as well, so the stable test suite replays kept inputs through exactly these functions.

mod checks;

pub use checks::*;
