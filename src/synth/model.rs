//! One endpoint scan as the generator decides it: the server behind the
//! port, what the scanner saw, and what the dataset must say about it.

use std::net::Ipv4Addr;
use std::sync::Arc;

use anyhow::{Context as _, Result};

use super::kex::{KexMaterial, CURVES};
use super::pki::{Pki, Population, Presented};
use super::profile::{SeriesProfile, Shares, OUTCOMES};
use super::rng::Rng;
use super::suites::{self, Auth, Kx, Suite, VERSIONS};
use crate::record::TlsMode;

/// Software families per protocol whose texts a server speaks
/// (`render::text`).
pub const SOFTWARE_FAMILIES: u64 = 4;

/// What happened, from the server's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No TCP connection.
    ConnectFailed,
    /// Connected, then silence.
    Timeout,
    /// Connected, then closed without a greeting.
    BannerFailed,
    /// The server does not offer STARTTLS.
    NoStarttls,
    /// A middlebox masked STARTTLS (`250-XXXXXXXA`).
    Stripped,
    /// Offered, then refused.
    StarttlsRefused,
    /// The handshake failed.
    HandshakeFailed,
    /// The handshake completed.
    Ok,
}

const OUTCOME_VALUES: [Outcome; 8] = [
    Outcome::ConnectFailed,
    Outcome::Timeout,
    Outcome::BannerFailed,
    Outcome::NoStarttls,
    Outcome::Stripped,
    Outcome::StarttlsRefused,
    Outcome::HandshakeFailed,
    Outcome::Ok,
];

impl Outcome {
    /// Profile name.
    pub fn name(self) -> &'static str {
        OUTCOMES[OUTCOME_VALUES.iter().position(|o| *o == self).unwrap_or(0)]
    }

    fn parse(name: &str) -> Option<Outcome> {
        OUTCOMES
            .iter()
            .position(|n| *n == name)
            .map(|i| OUTCOME_VALUES[i])
    }

    /// The greeting was received.
    pub fn greeted(self) -> bool {
        !matches!(
            self,
            Outcome::ConnectFailed | Outcome::Timeout | Outcome::BannerFailed
        )
    }
}

/// Key-exchange parameters the server sent.
pub enum KexParams<'a> {
    /// None (RSA key transport).
    None,
    /// DHE group.
    Dhe {
        /// Group name (`oakley_group2_1024`, `pool_1024`).
        group: &'static str,
        /// Prime, big-endian.
        prime: &'a [u8],
    },
    /// ECDHE curve: name and TLS id.
    Ecdhe(&'static str, u16),
    /// Export RSA key modulus.
    RsaExport(Vec<u8>),
}

/// The TLS part of an endpoint scan.
pub struct Session<'a> {
    /// Wire version and ZGrab name.
    pub version: (u16, &'static str),
    /// Negotiated suite.
    pub suite: &'static Suite,
    /// Completed; otherwise only a server hello was logged.
    pub complete: bool,
    /// Key exchange.
    pub kex: KexParams<'a>,
    /// Presented chain (absent for anonymous suites and partial hellos).
    pub certs: Option<Arc<Presented>>,
    /// Pool slot of the chain.
    pub cert_slot: Option<(Population, u64)>,
    /// Server hello flags.
    pub ocsp_stapling: bool,
    /// Secure renegotiation.
    pub secure_renegotiation: bool,
}

/// One endpoint scan.
pub struct Endpoint<'a> {
    /// Address.
    pub ip: Ipv4Addr,
    /// Scan time, seconds since the epoch.
    pub time: i64,
    /// Server-side outcome.
    pub outcome: Outcome,
    /// Software family, index into the protocol's templates.
    pub software: usize,
    /// Host name the server announces.
    pub host: String,
    /// TLS session, when one was attempted far enough to log.
    pub tls: Option<Session<'a>>,
    /// A completed scan that failed afterwards (QUIT).
    pub late_error: bool,
}

impl Endpoint<'_> {
    /// The endpoint as a Censys host record shows it (ztag's flattening):
    /// a handshake that failed after the server hello keeps a `tls` object
    /// with its version and suite and no certificates, which reads as a
    /// completed handshake; a certificate it cannot parse is left out.
    /// The record is dated `delay` seconds later.
    pub fn ztag_view(self, delay: i64) -> Self {
        let partial = self.outcome == Outcome::HandshakeFailed && self.tls.is_some();
        Endpoint {
            time: self.time + delay,
            outcome: if partial { Outcome::Ok } else { self.outcome },
            tls: self.tls.map(|s| {
                let junk = s
                    .certs
                    .as_ref()
                    .is_some_and(|p| p.population == Population::Unparsable);
                Session {
                    complete: true,
                    certs: if junk { None } else { s.certs },
                    cert_slot: if junk { None } else { s.cert_slot },
                    ..s
                }
            }),
            late_error: false,
            ..self
        }
    }
}

/// Maps host numbers to public-looking IPv4 addresses, one to one.
pub fn address(seed: u64, host: u64) -> Ipv4Addr {
    // 1.0.0.0 – 223.255.255.255; the multiplier is odd and prime to 3 and 37.
    const SPAN: u64 = 222 << 24;
    const MULT: u64 = 2_654_435_761;
    let offset = Rng::new(seed, 0x1b, 0).below(SPAN);
    let x = ((host % SPAN) as u128 * MULT as u128 + offset as u128) % SPAN as u128;
    Ipv4Addr::from((1u32 << 24) + x as u32)
}

fn pick<'s>(shares: &'s Shares, rng: &mut Rng) -> Option<&'s str> {
    let i = rng.weighted(shares.values().copied());
    shares.keys().nth(i).map(String::as_str)
}

/// Everything a series needs to draw its endpoints.
#[derive(Clone)]
pub struct Drawer<'a> {
    /// The run's seed.
    pub seed: u64,
    /// The series' profile.
    pub profile: &'a SeriesProfile,
    /// Series number, for the random streams.
    pub series: u64,
    /// First scan time and spacing.
    pub start: i64,
    /// Seconds the series takes.
    pub duration: i64,
    /// Endpoints in the series.
    pub count: u64,
    /// PKI.
    pub pki: &'a Pki,
    /// Only parsed certificates are written (Censys), so junk DER cannot be.
    pub parsed_only: bool,
    /// DH primes.
    pub kex: &'a KexMaterial,
    /// Export RSA moduli.
    pub export_moduli: &'a [Vec<u8>],
}

impl<'a> Drawer<'a> {
    /// Scan time of endpoint `index`: the series' endpoints spread over its duration.
    pub fn time_of(&self, index: u64) -> i64 {
        self.start + (index as i128 * self.duration as i128 / self.count.max(1) as i128) as i64
    }

    /// Draws endpoint `index` of the series.
    pub fn draw(&self, index: u64) -> Result<Endpoint<'a>> {
        let p = self.profile;
        let mut rng = Rng::new(self.seed, self.series, index);
        let outcome = pick(&p.outcomes, &mut rng)
            .and_then(Outcome::parse)
            .context("empty outcome table")?;
        let software = rng.below(SOFTWARE_FAMILIES) as usize;
        let host = format!("mx{}.d{:x}.example", rng.below(4), index ^ 0x5a5a);
        let time =
            self.start + (index as i128 * self.duration as i128 / self.count.max(1) as i128) as i64;
        let partial = outcome == Outcome::HandshakeFailed && rng.chance(p.partial_hello_share);
        let tls = if outcome == Outcome::Ok || partial {
            Some(self.session(&mut rng, outcome == Outcome::Ok)?)
        } else {
            None
        };
        let late_error = outcome == Outcome::Ok && rng.chance(p.late_error_share);
        Ok(Endpoint {
            ip: address(self.seed, index),
            time,
            outcome,
            software,
            host,
            tls,
            late_error,
        })
    }

    fn session(&self, rng: &mut Rng, complete: bool) -> Result<Session<'a>> {
        let p = self.profile;
        let version_name = pick(&p.versions, rng).context("empty version table")?;
        let drawn = VERSIONS
            .iter()
            .position(|(n, _, _)| *n == version_name)
            .context("unknown version")?;
        let (mut version, mut suite) =
            draw_suite(&p.ciphers, drawn, rng).context("the suite table is empty")?;
        let mut certs = None;
        let mut slot = None;
        if complete && suite.auth != Auth::Anon {
            let mut population = Pki::draw_population(&certificate_shares(p), rng)
                .context("empty certificate table")?;
            if self.parsed_only && population == Population::Unparsable {
                population = Population::SelfSigned;
            }
            let size = self.pki.pool_size(population);
            let index = rng.below(size);
            let presented = self.pki.presented(population, index)?;
            if presented.ecdsa {
                (version, suite) = draw_suite(&p.ciphers_ecdsa, version, rng)
                    .context("an ECDSA certificate was drawn but the ECDSA suite table is empty")?;
            }
            certs = Some(presented);
            slot = Some((population, index));
        }
        let kex = match suite.kx {
            Kx::Rsa => KexParams::None,
            Kx::Dhe | Kx::AnonDh => {
                let name = pick(&p.dh_groups, rng).context("empty DH group table")?;
                let g = self.kex.group(name, rng).context("unknown DH group")?;
                KexParams::Dhe {
                    group: g.name,
                    prime: g.prime,
                }
            }
            Kx::DheExport => {
                let g = self
                    .kex
                    .group("pool_512", rng)
                    .context("no 512-bit primes")?;
                KexParams::Dhe {
                    group: g.name,
                    prime: g.prime,
                }
            }
            Kx::Ecdhe | Kx::AnonEcdh => {
                let name = pick(&p.curves, rng).context("empty curve table")?;
                let (name, id) = CURVES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .context("unknown curve")?;
                KexParams::Ecdhe(name, *id)
            }
            Kx::RsaExport => {
                let m = &self.export_moduli[rng.below(self.export_moduli.len() as u64) as usize];
                KexParams::RsaExport(m.clone())
            }
        };
        Ok(Session {
            version: (VERSIONS[version].1, VERSIONS[version].2),
            suite,
            complete,
            kex,
            certs,
            cert_slot: slot,
            ocsp_stapling: rng.chance(0.05),
            secure_renegotiation: rng.chance(0.9),
        })
    }
}

fn certificate_shares(p: &SeriesProfile) -> Shares {
    p.certificates
        .iter()
        .map(|(k, v)| (k.clone(), v.share))
        .collect()
}

/// Draws a suite the version `VERSIONS[version]` can negotiate; when the
/// table has none, the server negotiates the lowest newer version that has
/// one. Returns the version index and the suite.
fn draw_suite(table: &Shares, version: usize, rng: &mut Rng) -> Option<(usize, &'static Suite)> {
    let suites: Vec<(&'static Suite, f64)> = table
        .iter()
        .filter_map(|(code, w)| Some((suites::parse_code(code).and_then(suites::by_code)?, *w)))
        .filter(|(_, w)| *w > 0.0)
        .collect();
    (version..VERSIONS.len()).find_map(|v| {
        let fitting: Vec<&(&'static Suite, f64)> = suites
            .iter()
            .filter(|(s, _)| s.min_version <= VERSIONS[v].1)
            .collect();
        if fitting.is_empty() {
            return None;
        }
        let i = rng.weighted(fitting.iter().map(|(_, w)| *w));
        Some((v, fitting[i].0))
    })
}

/// The status the dataset must give this endpoint: a server without
/// STARTTLS is `no_starttls` whether or not the record shows its
/// capabilities (POP3 scanners send STLS without asking CAPA, and some IMAP
/// greetings list none), since its reply names an unknown command.
pub fn expected_status(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::ConnectFailed => "connect_failed",
        Outcome::Timeout => "timeout",
        Outcome::BannerFailed => "banner_failed",
        Outcome::NoStarttls | Outcome::Stripped => "no_starttls",
        Outcome::StarttlsRefused => "starttls_refused",
        Outcome::HandshakeFailed => "handshake_failed",
        Outcome::Ok => "ok",
    }
}

/// `starttls_offered` as the dataset must give it: `true`, `false` or
/// `null`; `capabilities_shown` says whether the server's texts list its
/// capabilities at all.
pub fn expected_offered(outcome: Outcome, mode: TlsMode, capabilities_shown: bool) -> &'static str {
    if mode == TlsMode::Implicit || !outcome.greeted() || !capabilities_shown {
        return "null";
    }
    match outcome {
        Outcome::NoStarttls | Outcome::Stripped => "false",
        _ => "true",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_distinct_and_public_range() {
        let mut seen = std::collections::HashSet::new();
        for h in 0..10_000 {
            let ip = address(9, h);
            assert!((1..=223).contains(&ip.octets()[0]), "{ip}");
            assert!(seen.insert(ip));
        }
        assert_ne!(2_654_435_761u64 % 3, 0);
        assert_ne!(2_654_435_761u64 % 37, 0);
    }
}
