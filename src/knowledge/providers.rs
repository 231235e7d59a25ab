//! Providers and their documented endpoints, from `providers.json` (compiled in; each entry keeps
//! its sources in the file).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::vocab::{Protocol, Security};

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ProviderEndpoint {
    pub protocol: String,
    /// May contain `{region}`, standing for any region name.
    pub host: String,
    pub port: u16,
    /// `implicit-tls` or `starttls`.
    pub security: String,
}

impl ProviderEndpoint {
    pub fn protocol(&self) -> Option<Protocol> {
        Protocol::parse(&self.protocol)
    }

    pub fn implicit(&self) -> bool {
        self.security == "implicit-tls"
    }

    /// Whether a configured mode is what this endpoint speaks.
    pub fn accepts(&self, security: Security) -> bool {
        match security {
            Security::ImplicitTls => self.implicit(),
            Security::StarttlsRequired | Security::StarttlsOpportunistic | Security::None => {
                !self.implicit()
            }
            Security::Unknown => true,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Provider {
    pub name: String,
    #[serde(default)]
    pub domains: Vec<String>,
    pub endpoints: Vec<ProviderEndpoint>,
    /// Protocols whose endpoint list is all the provider offers.
    #[serde(default)]
    pub exhaustive: Vec<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub sources: Vec<String>,
}

impl Provider {
    pub fn is_exhaustive(&self, protocol: Protocol) -> bool {
        self.exhaustive.iter().any(|p| p == protocol.as_str())
    }

    /// The provider's endpoints for `protocol` on `host`.
    pub fn endpoints_for<'a>(
        &'a self,
        protocol: Protocol,
        host: &'a str,
    ) -> impl Iterator<Item = &'a ProviderEndpoint> + 'a {
        self.endpoints
            .iter()
            .filter(move |e| e.protocol() == Some(protocol) && host_matches(&e.host, host))
    }

    /// The protocols `host` serves at this provider.
    pub fn protocols_of(&self, host: &str) -> Vec<Protocol> {
        let mut out: Vec<Protocol> = self
            .endpoints
            .iter()
            .filter(|e| host_matches(&e.host, host))
            .filter_map(ProviderEndpoint::protocol)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether the provider documents `port` with `security` for `protocol` on `host`.
    pub fn documents(&self, protocol: Protocol, host: &str, port: u32, security: Security) -> bool {
        self.endpoints_for(protocol, host)
            .any(|e| u32::from(e.port) == port && e.accepts(security))
    }

    pub fn documents_port(&self, protocol: Protocol, host: &str, port: u32) -> bool {
        self.endpoints_for(protocol, host)
            .any(|e| u32::from(e.port) == port)
    }
}

#[derive(Deserialize)]
struct ProviderFile {
    providers: Vec<Provider>,
}

const DATA: &str = include_str!("providers.json");

pub fn all() -> &'static [Provider] {
    static PROVIDERS: OnceLock<Vec<Provider>> = OnceLock::new();
    PROVIDERS.get_or_init(|| {
        serde_json::from_str::<ProviderFile>(DATA)
            .map(|f| f.providers)
            .unwrap_or_default()
    })
}

/// `pattern` may hold `{region}` (one DNS label); both sides are already lowercase and trimmed.
fn host_matches_lower(pattern: &str, host: &str) -> bool {
    match pattern.split_once("{region}") {
        None => pattern == host,
        Some((before, after)) => {
            host.len() > before.len() + after.len()
                && host.starts_with(before)
                && host.ends_with(after)
                && !host[before.len()..host.len() - after.len()].contains('.')
        }
    }
}

/// Lowercase, trimmed, without a trailing dot.
fn normal_host(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn host_matches(pattern: &str, host: &str) -> bool {
    host_matches_lower(&pattern.to_ascii_lowercase(), &normal_host(host))
}

/// Host → provider, built once: exact hosts in a map, `{region}` patterns in a short list.
struct HostIndex {
    exact: std::collections::HashMap<String, usize>,
    patterns: Vec<(String, usize)>,
}

fn host_index() -> &'static HostIndex {
    static INDEX: OnceLock<HostIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut idx = HostIndex {
            exact: Default::default(),
            patterns: Vec::new(),
        };
        for (i, p) in all().iter().enumerate() {
            for e in &p.endpoints {
                let h = e.host.to_ascii_lowercase();
                if h.contains("{region}") {
                    idx.patterns.push((h, i));
                } else {
                    idx.exact.entry(h).or_insert(i);
                }
            }
        }
        idx
    })
}

/// The provider whose documented endpoints use `host` (loopback hosts never match).
pub fn for_host(host: &str) -> Option<&'static Provider> {
    if crate::knowledge::hosts::is_local(host) {
        return None;
    }
    let host = normal_host(host);
    let idx = host_index();
    let i = idx.exact.get(&host).copied().or_else(|| {
        idx.patterns
            .iter()
            .find(|(p, _)| host_matches_lower(p, &host))
            .map(|&(_, i)| i)
    })?;
    all().get(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_loads_with_sources() {
        let all = all();
        assert!(all.len() >= 30, "{} providers", all.len());
        assert!(all.iter().all(|p| !p.sources.is_empty()));
    }

    #[test]
    fn hosts_match_with_regions_and_case() {
        assert_eq!(
            for_host("SMTP.Gmail.com").map(|p| p.name.as_str()),
            Some("Gmail / Google Workspace")
        );
        let ses = for_host("email-smtp.eu-west-1.amazonaws.com").map(|p| p.name.as_str());
        assert_eq!(ses, Some("Amazon SES"));
        assert_eq!(for_host("email-smtp.a.b.amazonaws.com"), None);
        assert_eq!(for_host("127.0.0.1"), None);
        assert_eq!(for_host("smtp.example.com"), None);
    }

    #[test]
    fn office365_has_no_implicit_smtp() {
        let p = for_host("smtp.office365.com").map(|p| p.name.clone());
        let p = p.and_then(|n| all().iter().find(|x| x.name == n));
        let p = p.expect("provider");
        assert!(p.is_exhaustive(Protocol::Smtp));
        assert!(!p.documents(
            Protocol::Smtp,
            "smtp.office365.com",
            465,
            Security::ImplicitTls
        ));
        assert!(p.documents(
            Protocol::Smtp,
            "smtp.office365.com",
            587,
            Security::StarttlsRequired
        ));
    }
}
