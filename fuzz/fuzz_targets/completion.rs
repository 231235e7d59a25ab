#![no_main]
//! Inlay hints and completion in a named document, as the language server answers them (see
//! `mailport_fuzz::check_completion`).

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailport_fuzz::check_completion(data));
