//! The per-run certificate authority: a CA made in memory when capture starts, and a
//! leaf certificate for each host the workload connects to, signed by it on first use.
//!
//! Only the CA certificate (public) ever leaves memory: it is handed to the child in a
//! file ([`super::child`]). The keys stay in this process and die with it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;

/// A certificate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// rcgen refused the parameters or failed to sign.
    #[error("cannot make a certificate: {0}")]
    Cert(#[from] rcgen::Error),
    /// rustls refused the key.
    #[error("cannot load the leaf key: {0}")]
    Key(#[from] rustls::Error),
}

/// The per-run CA and its cache of leaf certificates.
pub struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// One key for every leaf: making a key costs more than signing a certificate, and
    /// the leaves only ever serve this run.
    leaf_key: KeyPair,
    leaf_signer: Arc<dyn rustls::sign::SigningKey>,
    leaves: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

/// Validity: from a day back (clock skew) to a few weeks ahead (a run is short; clients
/// reject leaves valid for more than 398 days).
fn validity(params: &mut CertificateParams) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(30);
}

impl Authority {
    /// Makes a fresh CA (ECDSA P-256) and the leaf key.
    pub fn new() -> Result<Authority, CaError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "iamtrail capture CA (one run)");
        dn.push(DnType::OrganizationName, "iamtrail");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity(&mut params);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate()?)?;
        let leaf_key = KeyPair::generate()?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let leaf_signer = rustls::crypto::aws_lc_rs::sign::any_supported_type(&der)?;
        Ok(Authority {
            issuer,
            leaf_key,
            leaf_signer,
            leaves: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// The certificate and key to present as `host` (a DNS name or an IP address),
    /// made on first use.
    pub fn leaf(&self, host: &str) -> Result<Arc<CertifiedKey>, CaError> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = host.to_ascii_lowercase();
        if let Some(k) = self
            .leaves
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&host)
        {
            return Ok(k.clone());
        }
        let mut params = CertificateParams::new(vec![host.clone()])?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, host.as_str());
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params);
        let cert = params.signed_by(&self.leaf_key, &self.issuer)?;
        let key = Arc::new(CertifiedKey::new(
            vec![cert.der().clone(), self.cert_der()],
            self.leaf_signer.clone(),
        ));
        self.leaves
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(host, key.clone());
        Ok(key)
    }

    /// A TLS server configuration that presents the leaf for the client's SNI, else for
    /// `fallback` (the CONNECT host: clients send no SNI for an IP address). HTTP/1.1
    /// only.
    pub fn server_config(self: &Arc<Self>, fallback: &str) -> Arc<rustls::ServerConfig> {
        let mut cfg = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver {
                ca: self.clone(),
                fallback: fallback.to_string(),
            }));
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(cfg)
    }
}

#[derive(Debug)]
struct Resolver {
    ca: Arc<Authority>,
    fallback: String,
}

impl rustls::server::ResolvesServerCert for Resolver {
    fn resolve(&self, hello: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let host = hello.server_name().unwrap_or(&self.fallback);
        self.ca.leaf(host).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_cached_and_signed_for_names_and_addresses() {
        let ca = Authority::new().unwrap();
        assert!(ca.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let a = ca.leaf("Example.COM").unwrap();
        let b = ca.leaf("example.com").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(ca.leaf("127.0.0.1").is_ok());
        assert!(ca.leaf("[::1]").is_ok());
    }
}
