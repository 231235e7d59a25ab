#![no_main]
//! `Java` text → settings (see `mailport_fuzz::check_syntax`).

use mailport::vocab::Format;

libfuzzer_sys::fuzz_target!(|data: &[u8]| mailport_fuzz::check_syntax(Format::Java, data));
