//! The synthetic PKI: two trusted roots (one a version-1 legacy root), their
//! issuing CAs, a private CA, and the certificate populations servers present.
//!
//! A certificate is identified by its population and an index in that
//! population's pool; everything about it is drawn from a stream of its own,
//! so it is the same bytes whichever thread or series first needs it.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use anyhow::{bail, Context as _, Result};
use base64::Engine;
use rsa::pkcs8::DecodePrivateKey;
use rsa::RsaPrivateKey;
use sha2::Digest;

use super::profile::{CertPopulation, Shares};
use super::rng::Rng;
use super::x509::{issue, signature_algorithm, CertSpec, Dn, Extras, Hash, Key};
use crate::x509::signed_decimal;

const DAY: i64 = 86_400;
const YEAR: i64 = 365 * DAY;

/// A certificate population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Population {
    /// Chain to a trusted root, valid, names as expected.
    Trusted,
    /// Trusted chain, but issued to other names (shared hosting).
    WrongName,
    /// CA-issued, expired at the scan date.
    Expired,
    /// CA-issued, not yet valid at the scan date.
    NotYetValid,
    /// CA-issued, intermediate not presented.
    IncompleteChain,
    /// Issued by a private CA no store trusts.
    PrivateCa,
    /// Self-signed device default, shared by many hosts.
    DeviceDefault,
    /// Self-signed, one per host.
    SelfSigned,
    /// Self-signed, one per host, all with one vendor key.
    SharedKey,
    /// Bytes that are not a certificate.
    Unparsable,
}

/// Every population with its profile name.
pub const POPULATIONS: &[(Population, &str)] = &[
    (Population::Trusted, "trusted"),
    (Population::WrongName, "wrong_name"),
    (Population::Expired, "expired"),
    (Population::NotYetValid, "not_yet_valid"),
    (Population::IncompleteChain, "incomplete_chain"),
    (Population::PrivateCa, "private_ca"),
    (Population::DeviceDefault, "device_default"),
    (Population::SelfSigned, "self_signed"),
    (Population::SharedKey, "shared_key"),
    (Population::Unparsable, "unparsable"),
];

impl Population {
    /// Profile name.
    pub fn name(self) -> &'static str {
        POPULATIONS
            .iter()
            .find(|(p, _)| *p == self)
            .map_or("", |(_, n)| n)
    }

    fn index(self) -> usize {
        POPULATIONS
            .iter()
            .position(|(p, _)| *p == self)
            .unwrap_or(0)
    }

    fn self_signed(self) -> bool {
        matches!(
            self,
            Population::DeviceDefault | Population::SelfSigned | Population::SharedKey
        )
    }

    /// What a 2015 scanner (Go's verifier, as in ZGrab) recorded.
    fn scanner_verdict(self) -> (bool, Option<&'static str>) {
        match self {
            Population::Trusted | Population::WrongName => (true, None),
            Population::Expired | Population::NotYetValid => (
                false,
                Some("x509: certificate has expired or is not yet valid"),
            ),
            Population::Unparsable => (false, Some("x509: malformed certificate")),
            _ => (false, Some("x509: certificate signed by unknown authority")),
        }
    }
}

const KEY_NAMES: &[&str] = &["rsa512", "rsa1024", "rsa2048", "rsa4096", "ecdsa_p256"];

/// Checks one population of a profile.
pub fn check_population(name: &str, pop: &CertPopulation) -> Result<()> {
    let Some((population, _)) = POPULATIONS.iter().find(|(_, n)| *n == name) else {
        let known: Vec<&str> = POPULATIONS.iter().map(|(_, n)| *n).collect();
        bail!("unknown population; known: {}", known.join(", "));
    };
    super::profile::check_names(&pop.keys, KEY_NAMES, name, "key")?;
    let hashes: &[&str] = if population.self_signed() {
        &["sha256", "sha1", "md5"]
    } else {
        // CA-issued certificates come from the SHA-256 or the SHA-1 issuing CA.
        &["sha256", "sha1"]
    };
    super::profile::check_names(&pop.signatures, hashes, name, "signature")?;
    if *population != Population::Unparsable && (pop.keys.is_empty() || pop.signatures.is_empty()) {
        bail!("needs `keys` and `signatures` tables");
    }
    if pop.distinct.is_none() && pop.pool.is_none() {
        bail!("needs `distinct` or `pool`");
    }
    Ok(())
}

/// The facts of one generated certificate that the dataset must show.
#[derive(Clone, Debug)]
pub struct CertFacts {
    /// SHA-256 of the DER, hex.
    pub sha256: String,
    /// Parses as X.509.
    pub parses: bool,
    /// X.509 version.
    pub version: u8,
    /// The serial number is negative.
    pub negative_serial: bool,
    /// `RSA-2048`, `ECDSA-P256`.
    pub key: String,
    /// OpenSSL name of the signature algorithm.
    pub sig_alg: &'static str,
    /// Issuer equals subject.
    pub self_signed: bool,
    /// A CA certificate.
    pub is_ca: bool,
    /// Population (`ca` for roots and issuing CAs).
    pub population: &'static str,
    /// What a scanner's parsed JSON says of it (absent for junk).
    pub summary: Option<Box<Summary>>,
}

/// The parsed view of a certificate, as Censys' records carry it.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Serial number, signed decimal.
    pub serial: String,
    /// Subject.
    pub subject: Dn,
    /// Issuer.
    pub issuer: Dn,
    /// Validity start, seconds since the epoch.
    pub not_before: i64,
    /// Validity end.
    pub not_after: i64,
    /// subjectAltName DNS names.
    pub dns_names: Vec<String>,
    /// Key size in bits.
    pub key_bits: usize,
    /// ECDSA (else RSA) key.
    pub ecdsa: bool,
}

/// One certificate, ready to write.
#[derive(Debug)]
pub struct Cert {
    /// DER, base64.
    pub base64: String,
    /// Its facts.
    pub facts: CertFacts,
}

impl Cert {
    fn new(der: &[u8], facts: CertFacts) -> Arc<Cert> {
        Arc::new(Cert {
            base64: base64::engine::general_purpose::STANDARD.encode(der),
            facts: CertFacts {
                sha256: hex::encode(sha2::Sha256::digest(der)),
                ..facts
            },
        })
    }
}

/// What a server presents: its chain and how a scanner judged it.
#[derive(Debug)]
pub struct Presented {
    /// Population.
    pub population: Population,
    /// Leaf first.
    pub chain: Vec<Arc<Cert>>,
    /// The leaf's key is ECDSA.
    pub ecdsa: bool,
    /// `browser_trusted` as the scanner recorded it.
    pub browser_trusted: bool,
    /// `browser_error` as the scanner recorded it.
    pub browser_error: Option<&'static str>,
}

/// A certificate authority of the synthetic PKI.
pub(super) struct Ca {
    /// Its name.
    pub(super) dn: Dn,
    /// Its signing key.
    pub(super) key: Key,
    /// Its certificate.
    pub(super) cert: Arc<Cert>,
}

type Slot = OnceLock<Result<Arc<Presented>, String>>;

/// The PKI of one synthetic run.
pub struct Pki {
    seed: u64,
    scan_start: i64,
    keys: BTreeMap<u32, Vec<RsaPrivateKey>>,
    trust_root: Ca,
    legacy_root: Ca,
    trust_ca: Ca,
    legacy_ca: Ca,
    private_root: Ca,
    populations: BTreeMap<String, CertPopulation>,
    pools: Vec<Vec<Slot>>,
}

const RSA_POOLS: &[(u32, &str)] = &[
    (512, include_str!("../../data/synth/rsa-512.pem")),
    (1024, include_str!("../../data/synth/rsa-1024.pem")),
    (2048, include_str!("../../data/synth/rsa-2048.pem")),
    (4096, include_str!("../../data/synth/rsa-4096.pem")),
];

pub(super) fn load_keys() -> Result<BTreeMap<u32, Vec<RsaPrivateKey>>> {
    let mut out = BTreeMap::new();
    for (bits, pem) in RSA_POOLS {
        let keys = pem
            .split_inclusive("-----END PRIVATE KEY-----")
            .filter(|b| b.contains("BEGIN"))
            .map(|b| RsaPrivateKey::from_pkcs8_pem(b.trim()).context("synthetic key pool"))
            .collect::<Result<Vec<_>>>()?;
        out.insert(*bits, keys);
    }
    Ok(out)
}

/// Indices into the 2048-bit pool reserved for CAs; leaves use the rest.
const CA_KEYS: usize = 5;

pub(super) fn dn(cn: &str, org: &str) -> Dn {
    Dn {
        country: Some("XX"),
        org: Some(org.to_owned()),
        cn: cn.to_owned(),
    }
}

pub(super) fn positive_serial(rng: &mut Rng) -> Vec<u8> {
    let mut serial = vec![0u8; 8 + rng.below(9) as usize];
    rng.fill(&mut serial);
    serial[0] = (serial[0] & 0x7f).max(1);
    serial
}

impl Pki {
    /// Builds the CAs; `pool_sizes` gives each population's number of certificates.
    pub fn new(
        seed: u64,
        scan_start: i64,
        populations: BTreeMap<String, CertPopulation>,
        pool_sizes: &BTreeMap<Population, u64>,
    ) -> Result<Pki> {
        let keys = load_keys()?;
        let ca_key = |i: usize| -> Result<Key> {
            let key = keys
                .get(&2048)
                .and_then(|k| k.get(i))
                .context("CA key pool")?;
            Ok(Key::Rsa(Box::new(key.clone())))
        };
        let mut rng = Rng::new(seed, 0xca, 0);
        let root = |dn: Dn, key: Key, version: u8, hash: Hash, rng: &mut Rng| {
            issue_ca(
                dn,
                key,
                None,
                version,
                hash,
                (scan_start - 12 * YEAR, scan_start + 20 * YEAR),
                rng,
            )
        };
        let sub = |dn: Dn, key: Key, parent: &Ca, hash: Hash, rng: &mut Rng| {
            issue_ca(
                dn,
                key,
                Some(parent),
                3,
                hash,
                (scan_start - 4 * YEAR, scan_start + 8 * YEAR),
                rng,
            )
        };
        let org = "mailtls Synthetic Trust Services";
        let trust_root = root(
            dn("Synthetic Trust Root CA", org),
            ca_key(0)?,
            3,
            Hash::Sha256,
            &mut rng,
        )?;
        let legacy_root = root(
            dn("Synthetic Legacy Root CA - G1", org),
            ca_key(1)?,
            1,
            Hash::Sha1,
            &mut rng,
        )?;
        let trust_ca = sub(
            dn("Synthetic Trust RSA CA 2014", org),
            ca_key(2)?,
            &trust_root,
            Hash::Sha256,
            &mut rng,
        )?;
        let legacy_ca = sub(
            dn("Synthetic Legacy Server CA - G2", org),
            ca_key(3)?,
            &legacy_root,
            Hash::Sha1,
            &mut rng,
        )?;
        let private_root = root(
            dn("Corp Internal Root CA", "mailtls Synthetic Corp"),
            ca_key(4)?,
            3,
            Hash::Sha256,
            &mut rng,
        )?;
        let pools = POPULATIONS
            .iter()
            .map(|(p, _)| {
                let n = pool_sizes.get(p).copied().unwrap_or(0);
                (0..n).map(|_| OnceLock::new()).collect()
            })
            .collect();
        Ok(Pki {
            seed,
            scan_start,
            keys,
            trust_root,
            legacy_root,
            trust_ca,
            legacy_ca,
            private_root,
            populations,
            pools,
        })
    }

    /// The trusted roots, PEM, as `ingest --roots` and `openssl verify -CAfile` take them.
    pub fn roots_pem(&self) -> String {
        [&self.trust_root, &self.legacy_root]
            .iter()
            .map(|ca| pem(&ca.cert.base64))
            .collect()
    }

    /// The private CA's root, PEM (trusted by no store; for tests).
    pub fn private_root_pem(&self) -> String {
        pem(&self.private_root.cert.base64)
    }

    /// Moduli of the 512-bit keys, which servers offering export RSA share.
    pub fn export_moduli(&self) -> Vec<Vec<u8>> {
        use rsa::traits::PublicKeyParts;
        self.keys
            .get(&512)
            .map(|keys| keys.iter().map(|k| k.n().to_bytes_be()).collect())
            .unwrap_or_default()
    }

    /// Number of certificates in a population's pool.
    pub fn pool_size(&self, population: Population) -> u64 {
        self.pools[population.index()].len() as u64
    }

    /// The chain of certificate `index` of `population`, made on first use.
    pub fn presented(&self, population: Population, index: u64) -> Result<Arc<Presented>> {
        let slot = self.pools[population.index()]
            .get(index as usize)
            .context("certificate index outside its pool")?;
        slot.get_or_init(|| {
            self.make(population, index)
                .map(Arc::new)
                .map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(anyhow::Error::msg)
    }

    fn make(&self, population: Population, index: u64) -> Result<Presented> {
        let mut rng = Rng::new(self.seed, 0x1000 + population.index() as u64, index);
        let (browser_trusted, browser_error) = population.scanner_verdict();
        if population == Population::Unparsable {
            let mut junk = vec![0u8; 200 + rng.below(600) as usize];
            rng.fill(&mut junk);
            // A SEQUENCE header that promises more bytes than follow.
            junk[0] = 0x30;
            junk[1] = 0x82;
            junk[2] = 0x0f;
            let facts = CertFacts {
                sha256: String::new(),
                parses: false,
                version: 0,
                negative_serial: false,
                key: String::new(),
                sig_alg: "",
                self_signed: false,
                is_ca: false,
                population: population.name(),
                summary: None,
            };
            return Ok(Presented {
                population,
                chain: vec![Cert::new(&junk, facts)],
                ecdsa: false,
                browser_trusted,
                browser_error,
            });
        }
        let spec = self
            .populations
            .get(population.name())
            .context("population missing from the profile")?;
        let key = self.leaf_key(population, spec, &mut rng)?;
        let ecdsa = matches!(key, Key::EcP256(_));
        let hash = {
            let names: Vec<&String> = spec.signatures.keys().collect();
            let i = rng.weighted(spec.signatures.values().copied());
            Hash::parse(names[i]).unwrap_or(Hash::Sha256)
        };
        let s = self.scan_start;
        let lifetime = [YEAR, 2 * YEAR, 3 * YEAR][rng.below(3) as usize];
        let (not_before, not_after) = match population {
            Population::Expired => {
                let end = s - 30 * DAY - rng.below(1000) as i64 * DAY;
                (end - lifetime, end)
            }
            Population::NotYetValid => {
                let start = s + 40 * DAY + rng.below(360) as i64 * DAY;
                (start, start + lifetime)
            }
            p if p.self_signed() => {
                let start = s - 100 * DAY - rng.below(2900) as i64 * DAY;
                (start, start + [10, 20, 30][rng.below(3) as usize] * YEAR)
            }
            _ => {
                let start = s - 30 * DAY - rng.below(670) as i64 * DAY;
                (
                    start,
                    (start + lifetime).max(s + 60 * DAY + rng.below(300) as i64 * DAY),
                )
            }
        };
        let host = format!(
            "mail{index}.{}.example",
            population.name().replace('_', "-")
        );
        let (subject, dns_names) = match population {
            Population::WrongName => {
                let name = format!("*.hosting{index}.example");
                (dn(&name, "Synthetic Hosting Ltd"), vec![name])
            }
            Population::DeviceDefault => {
                let cn = DEVICE_NAMES[index as usize % DEVICE_NAMES.len()];
                (
                    Dn {
                        country: None,
                        org: None,
                        cn: cn.to_owned(),
                    },
                    Vec::new(),
                )
            }
            Population::SharedKey => (
                Dn {
                    country: None,
                    org: Some("Synthetic Appliances Inc".into()),
                    cn: format!("appliance-{index:06}"),
                },
                Vec::new(),
            ),
            Population::SelfSigned => (
                Dn {
                    country: None,
                    org: None,
                    cn: host.clone(),
                },
                vec![host],
            ),
            _ => (dn(&host, "Synthetic Mail Customer"), vec![host]),
        };
        let self_signed = population.self_signed();
        let version = if self_signed && rng.chance(spec.v1) {
            1
        } else {
            3
        };
        let mut serial = positive_serial(&mut rng);
        let negative = self_signed && rng.chance(spec.negative_serial);
        if negative {
            serial[0] |= 0x80;
        }
        let issuer: &Ca = match population {
            Population::PrivateCa => &self.private_root,
            _ if hash == Hash::Sha1 => &self.legacy_ca,
            _ => &self.trust_ca,
        };
        let (issuer_dn, issuer_key) = if self_signed {
            (&subject, &key)
        } else {
            (&issuer.dn, &issuer.key)
        };
        let no_names: &[String] = &[];
        let leaf = issue_cert(
            &CertSpec {
                version,
                serial,
                subject: &subject,
                subject_key: &key,
                issuer: issuer_dn,
                issuer_key,
                hash,
                not_before,
                not_after,
                is_ca: false,
                dns_names: if version == 3 { &dns_names } else { no_names },
                extras: &Extras::STANDARD,
            },
            population.name(),
            self_signed,
        )?;
        let mut chain = vec![leaf];
        match population {
            Population::IncompleteChain => {}
            Population::PrivateCa => chain.push(self.private_root.cert.clone()),
            _ if !self_signed => chain.push(issuer.cert.clone()),
            _ => {}
        }
        Ok(Presented {
            population,
            chain,
            ecdsa,
            browser_trusted,
            browser_error,
        })
    }

    fn leaf_key(
        &self,
        population: Population,
        spec: &CertPopulation,
        rng: &mut Rng,
    ) -> Result<Key> {
        let names: Vec<&String> = spec.keys.keys().collect();
        let kind = names[rng.weighted(spec.keys.values().copied())].as_str();
        if kind == "ecdsa_p256" {
            loop {
                let mut bytes = [0u8; 32];
                rng.fill(&mut bytes);
                if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&bytes) {
                    return Ok(Key::EcP256(Box::new(k)));
                }
            }
        }
        let bits: u32 = kind.trim_start_matches("rsa").parse().context("key size")?;
        let pool = self.keys.get(&bits).context("no key pool of that size")?;
        // The vendor key of `shared_key` and the CA keys are kept for their owners.
        let reserved = match bits {
            2048 => CA_KEYS,
            1024 => 1,
            _ => 0,
        };
        let key = if population == Population::SharedKey {
            pool.first()
        } else {
            pool.get(reserved + rng.below((pool.len() - reserved) as u64) as usize)
        };
        Ok(Key::Rsa(Box::new(key.context("empty key pool")?.clone())))
    }

    /// Draws a population for a certificate-bearing endpoint.
    pub fn draw_population(shares: &Shares, rng: &mut Rng) -> Option<Population> {
        let names: Vec<&String> = shares.keys().collect();
        let name = names.get(rng.weighted(shares.values().copied()))?;
        POPULATIONS.iter().find(|(_, n)| n == name).map(|(p, _)| *p)
    }
}

/// Signs `spec` and records the facts the dataset must show of it.
pub(super) fn issue_cert(
    spec: &CertSpec,
    population: &'static str,
    self_signed: bool,
) -> Result<Arc<Cert>> {
    let der = issue(spec)?;
    let facts = CertFacts {
        sha256: String::new(),
        parses: true,
        version: spec.version,
        negative_serial: spec.serial.first().is_some_and(|b| b & 0x80 != 0),
        key: spec.subject_key.label(),
        sig_alg: signature_algorithm(spec.issuer_key, spec.hash).1,
        self_signed,
        // Version-1 certificates carry no basicConstraints.
        is_ca: spec.is_ca && spec.version == 3,
        population,
        summary: Some(Box::new(Summary {
            serial: signed_decimal(&spec.serial),
            subject: spec.subject.clone(),
            issuer: spec.issuer.clone(),
            not_before: spec.not_before,
            not_after: spec.not_after,
            dns_names: spec.dns_names.to_vec(),
            key_bits: spec.subject_key.bits(),
            ecdsa: matches!(spec.subject_key, Key::EcP256(_)),
        })),
    };
    Ok(Cert::new(&der, facts))
}

/// A CA certificate: self-signed when `issuer` is `None`.
pub(super) fn issue_ca(
    dn: Dn,
    key: Key,
    issuer: Option<&Ca>,
    version: u8,
    hash: Hash,
    (not_before, not_after): (i64, i64),
    rng: &mut Rng,
) -> Result<Ca> {
    let serial = positive_serial(rng);
    let (issuer_dn, issuer_key) = match issuer {
        Some(ca) => (&ca.dn, &ca.key),
        None => (&dn, &key),
    };
    let cert = issue_cert(
        &CertSpec {
            version,
            serial,
            subject: &dn,
            subject_key: &key,
            issuer: issuer_dn,
            issuer_key,
            hash,
            not_before,
            not_after,
            is_ca: true,
            dns_names: &[],
            extras: &Extras::STANDARD,
        },
        "ca",
        issuer.is_none(),
    )?;
    Ok(Ca { cert, dn, key })
}

/// Device defaults seen on mail servers (names of the kind, not copies).
const DEVICE_NAMES: &[&str] = &[
    "localhost.localdomain",
    "localhost",
    "Parallels Panel",
    "Plesk",
    "mailserver",
    "Zimbra Collaboration Server",
    "ispconfig",
    "SonicWALL",
    "FortiGate",
    "ns1.example.com",
    "www.example.com",
    "mail.example.com",
];

pub(super) fn pem(base64_der: &str) -> String {
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in base64_der.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}
