//! mailport: catches wrong and insecure mail-server settings (SMTP, IMAP, POP3 ports and TLS modes)
//! in config files.
//!
//! Layers (imports only go downwards): `cli` and `lsp` are thin faces over `analysis` (pure: text in,
//! findings out) and `probe` (network, only on an explicit user command); both read `knowledge`.

pub mod analysis;
pub mod cli;
pub mod config;
pub mod files;
pub mod knowledge;
pub mod lsp;
pub mod probe;
pub mod vocab;
