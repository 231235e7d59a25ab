//! TLS with rustls: the handshake is done with a verifier that *records* whether the certificate
//! chain and host name are valid instead of aborting, so that a bad certificate is reported with
//! its details (and makes the verdict insecure) rather than hiding behind a handshake error.

use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;

use super::report::{CertificateInfo, TlsInfo};

/// The trust anchors of one probe: webpki roots, the system store and `--ca-file`.
pub struct Trust {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
}

impl Trust {
    pub fn load(ca_file: Option<&std::path::Path>) -> Result<Trust, TrustError> {
        let base = public_roots();
        let roots = match ca_file {
            None => base,
            Some(path) => {
                let fail = |reason: String| TrustError::CaFile {
                    path: path.display().to_string(),
                    reason,
                };
                let mut roots = RootCertStore::clone(&base);
                // a CA bundle is a few hundred KB; a FIFO or a device is refused
                let pem = crate::files::read_regular(path, 16 * 1024 * 1024)
                    .map_err(|e| fail(e.to_string()))?;
                let mut added = 0;
                for cert in CertificateDer::pem_slice_iter(&pem) {
                    let cert = cert.map_err(|e| fail(e.to_string()))?;
                    roots.add(cert).map_err(|e| fail(e.to_string()))?;
                    added += 1;
                }
                if added == 0 {
                    return Err(fail("no PEM certificate in it".into()));
                }
                Arc::new(roots)
            }
        };
        Ok(Trust {
            roots,
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        })
    }
}

/// The webpki roots plus the system store, loaded once per process (parallel probes share it).
fn public_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    Arc::clone(ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // A broken system store still leaves the webpki roots; its errors are not fatal.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        Arc::new(roots)
    }))
}

/// What the recording verifier found about the server's certificate.
#[derive(Clone, Debug, Default)]
struct CertCheck {
    /// `None`: the chain validates to a trusted root and is in its validity period.
    chain_problem: Option<String>,
    hostname_ok: bool,
}

#[derive(Debug)]
struct RecordingVerifier {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    result: Mutex<Option<CertCheck>>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let check = match ParsedCertificate::try_from(end_entity) {
            Ok(parsed) => CertCheck {
                chain_problem: verify_server_cert_signed_by_trust_anchor(
                    &parsed,
                    &self.roots,
                    intermediates,
                    now,
                    self.provider.signature_verification_algorithms.all,
                )
                .err()
                .map(|e| describe_cert_error(&e)),
                hostname_ok: verify_server_name(&parsed, server_name).is_ok(),
            },
            Err(e) => CertCheck {
                chain_problem: Some(describe_cert_error(&e)),
                hostname_ok: false,
            },
        };
        if let Ok(mut slot) = self.result.lock() {
            *slot = Some(check);
        }
        // Recorded, not enforced: the probe reports the problem and never sends secrets.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn describe_cert_error(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InvalidCertificate(e) => match e {
            CertificateError::UnknownIssuer => {
                "issued by an unknown CA (not in the system or webpki roots; use --ca-file for a private CA)".into()
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".into(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "not valid yet".into()
            }
            CertificateError::BadSignature => "bad signature".into(),
            CertificateError::Revoked => "revoked".into(),
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "not issued for TLS servers".into()
            }
            other => format!("{other:?}"),
        },
        other => other.to_string(),
    }
}

/// Why a handshake failed, and what the server sent instead of a TLS reply.
pub struct HandshakeFailure {
    pub message: String,
    /// The server only offers TLS versions below 1.2 (or nothing rustls accepts).
    pub old_version: bool,
    /// The first bytes the server sent (an SMTP greeting, `HTTP/1.1 400`, …).
    pub seen: Vec<u8>,
}

/// TLS handshake over `stream`; the returned info already holds the certificate facts.
pub async fn handshake<S>(
    stream: super::lines::Recorder<S>,
    host: &str,
    trust: &Trust,
    deadline: Instant,
) -> Result<(TlsStream<super::lines::Recorder<S>>, TlsInfo), HandshakeFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let seen = stream.restart();
    let seen_bytes =
        |seen: &Arc<Mutex<Vec<u8>>>| seen.lock().map(|s| s.clone()).unwrap_or_default();
    let fail = |message: String, old_version: bool| HandshakeFailure {
        message,
        old_version,
        seen: seen_bytes(&seen),
    };
    let verifier = Arc::new(RecordingVerifier {
        roots: Arc::clone(&trust.roots),
        provider: Arc::clone(&trust.provider),
        result: Mutex::new(None),
    });
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&trust.provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.to_string(), false))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let name = ServerName::try_from(
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
    )
    .map_err(|e| fail(format!("{host} is not a valid TLS server name: {e}"), false))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tls = match tokio::time::timeout_at(deadline, connector.connect(name, stream)).await {
        Err(_) => return Err(fail("timed out during the TLS handshake".into(), false)),
        Ok(Err(e)) => {
            let old = is_version_problem(&e);
            let message = if old {
                format!("no TLS 1.2 or 1.3 ({e})")
            } else {
                format!("TLS handshake failed: {e}")
            };
            return Err(fail(message, old));
        }
        Ok(Ok(tls)) => tls,
    };
    let check = verifier
        .result
        .lock()
        .ok()
        .and_then(|r| r.clone())
        .unwrap_or_default();
    let connection = tls.get_ref().1;
    let version = connection.protocol_version().map(|v| match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        other => format!("{other:?}"),
    });
    let cipher = connection.negotiated_cipher_suite().map(|s| {
        let suite = s.suite();
        suite
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{suite:?}"))
    });
    let certificate = connection
        .peer_certificates()
        .and_then(|certs| certs.first())
        .map(|der| certificate_info(der.as_ref(), &check));
    Ok((
        tls,
        TlsInfo {
            version,
            cipher,
            certificate,
            chain_problem: check.chain_problem,
        },
    ))
}

fn is_version_problem(error: &std::io::Error) -> bool {
    let Some(inner) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    else {
        return false;
    };
    matches!(
        inner,
        rustls::Error::PeerIncompatible(_)
            | rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)
    )
}

fn certificate_info(der: &[u8], check: &CertCheck) -> CertificateInfo {
    let mut info = CertificateInfo {
        subject: None,
        issuer: None,
        not_after: None,
        names: Vec::new(),
        trusted: check.chain_problem.is_none(),
        hostname_ok: check.hostname_ok,
        expired: false,
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return info;
    };
    info.subject = Some(cert.subject().to_string());
    info.issuer = Some(cert.issuer().to_string());
    let not_after = cert.validity().not_after.timestamp();
    info.not_after = Some(rfc3339(not_after));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    info.expired = not_after < now;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                x509_parser::extensions::GeneralName::DNSName(dns) => {
                    info.names.push((*dns).to_string())
                }
                x509_parser::extensions::GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        info.names.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    if info.names.is_empty() {
        // Without SANs, only the CN says which name the certificate is for.
        for cn in cert.subject().iter_common_name() {
            if let Ok(cn) = cn.as_str() {
                info.names.push(cn.to_string());
            }
        }
    }
    info
}

fn ip_from_bytes(bytes: &[u8]) -> Option<std::net::IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(std::net::IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from)
}

/// `2027-01-30T12:00:00Z` from seconds since the Unix epoch (proleptic Gregorian, UTC).
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_801_310_400), "2027-01-30T12:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
