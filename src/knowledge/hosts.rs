//! Hosts that never leave the machine or belong to a local mail catcher: exempt from the security
//! rules (a development setup is not a leak).

/// Local catcher names as compose service names or host names.
const CATCHERS: &[&str] = &[
    "mailhog",
    "mailpit",
    "mailcatcher",
    "maildev",
    "smtp4dev",
    "mailtrap",
    "mailserver-dev",
    "fake-smtp",
    "smtp-sink",
    // Penpot's shipped compose file: a mailcatcher service on port 1025.
    "penpot-mailcatch",
];

/// Loopback (`localhost`, `127.0.0.0/8`, `::1`, `0.0.0.0`) or a local mail catcher.
pub fn is_local(host: &str) -> bool {
    let h = host
        .trim()
        .trim_matches(|c| c == '[' || c == ']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if h.is_empty() {
        return false;
    }
    if h == "localhost"
        || h.ends_with(".localhost")
        || h == "::1"
        || h == "0.0.0.0"
        || h == "host.docker.internal"
    {
        return true;
    }
    if let Ok(ip) = h.parse::<std::net::Ipv4Addr>() {
        return ip.is_loopback();
    }
    // A bare name (no dot) of a catcher, as in `MAIL_HOST=mailpit` (a compose service name).
    // Mailtrap's own hosts (`mailtrap.io`, `sandbox.smtp.mailtrap.io`) are on the Internet.
    let first = h.split('.').next().unwrap_or("");
    let mailtrap_internet = h == "mailtrap.io" || h.ends_with(".mailtrap.io");
    CATCHERS
        .iter()
        .any(|c| h == *c || (first == *c && !mailtrap_internet))
}

#[cfg(test)]
mod tests {
    use super::is_local;

    #[test]
    fn local_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "mailpit",
            "mailhog",
            "mailcatcher.local",
            "maildev",
        ] {
            assert!(is_local(h), "{h}");
        }
        for h in [
            "smtp.gmail.com",
            "10.0.0.5",
            "sandbox.smtp.mailtrap.io",
            "live.smtp.mailtrap.io",
            "mailtrap.io",
            "",
            "mail.example.com",
        ] {
            assert!(!is_local(h), "{h}");
        }
    }
}
