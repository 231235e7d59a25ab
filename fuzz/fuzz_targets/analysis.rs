#![no_main]
//! The whole analysis of a named document, as `mailport check --stdin --stdin-filename NAME` runs
//! it (see `mailport_fuzz::check_analysis`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailport_fuzz::check_analysis(data));
