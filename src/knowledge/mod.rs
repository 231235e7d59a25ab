//! Knowledge: the facts, as data compiled in — well-known ports, providers, application profiles.

pub mod hosts;
pub mod ports;
pub mod profiles;
pub mod providers;
pub mod services;
