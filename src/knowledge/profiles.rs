//! Application profiles: which keys mean host, port, security and credentials, and how values map
//! to a mode. Data in `profiles.toml`, compiled in.
