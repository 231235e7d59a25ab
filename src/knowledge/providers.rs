//! Providers and their documented endpoints, from `providers.json` (compiled in; its sources are kept
//! in the file).
