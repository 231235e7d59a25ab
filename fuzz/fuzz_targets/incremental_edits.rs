#![no_main]
//! Edits applied incrementally read and analyse exactly as a fresh read of the final text (see
//! `mailport_fuzz::check_incremental`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailport_fuzz::check_incremental(data));
