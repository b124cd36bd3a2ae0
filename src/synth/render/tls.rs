//! The TLS handshake as ZGrab logs it: the ztls/zcrypto `ServerHandshake`
//! of eras C/D and ZGrab2, and the older era-A form.

use base64::Engine;
use serde::Serialize;

use crate::synth::model::{KexParams, Session};
use crate::synth::rng::Rng;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn random_b64(rng: &mut Rng, len: usize) -> String {
    let mut buf = vec![0u8; len];
    rng.fill(&mut buf);
    b64(&buf)
}

#[derive(Serialize)]
struct Named {
    name: &'static str,
    value: u16,
}

#[derive(Serialize)]
struct CipherSuite {
    hex: String,
    name: &'static str,
    value: u16,
}

/// The server hello; eras C/D write version and suite as objects, era A
/// as a bare number and a hex string.
#[derive(Serialize)]
struct Hello<V, C> {
    version: V,
    random: String,
    session_id: String,
    cipher_suite: C,
    compression_method: u8,
    ocsp_stapling: bool,
    ticket: bool,
    secure_renegotiation: bool,
    heartbeat: bool,
}

type ServerHello = Hello<Named, CipherSuite>;
type EraAHello = Hello<u16, String>;

#[derive(Serialize)]
struct Raw<'a> {
    raw: &'a str,
}

#[derive(Serialize)]
pub(super) struct Validation {
    pub(super) browser_trusted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) browser_error: Option<&'static str>,
}

#[derive(Serialize)]
struct ServerCertificates<'a> {
    certificate: Raw<'a>,
    chain: Vec<Raw<'a>>,
    validation: Validation,
}

#[derive(Serialize)]
struct Param {
    value: String,
    length: usize,
}

impl Param {
    fn of(bytes: &[u8]) -> Param {
        Param {
            value: b64(bytes),
            length: bytes.len() * 8,
        }
    }
    fn random(rng: &mut Rng, len: usize) -> Param {
        let mut buf = vec![0u8; len];
        rng.fill(&mut buf);
        Param::of(&buf)
    }
}

#[derive(Serialize)]
struct DhParams {
    prime: Param,
    generator: Param,
    server_public: Param,
}

#[derive(Serialize)]
struct CurveId {
    name: &'static str,
    id: u16,
}

#[derive(Serialize)]
struct Point {
    x: Param,
    y: Param,
}

#[derive(Serialize)]
struct EcdhParams {
    curve_id: CurveId,
    server_public: Point,
}

#[derive(Serialize)]
struct RsaParams {
    exponent: u32,
    modulus: String,
    length: usize,
}

#[derive(Serialize, Default)]
pub(super) struct ServerKeyExchange {
    #[serde(skip_serializing_if = "Option::is_none")]
    dh_params: Option<DhParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ecdh_params: Option<EcdhParams>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rsa_params: Option<RsaParams>,
}

#[derive(Serialize)]
struct Finished {
    verify_data: String,
}

/// `data.tls` (eras C/D) and ZGrab2's `handshake_log`.
#[derive(Serialize)]
pub struct ServerHandshake<'a> {
    server_hello: ServerHello,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_certificates: Option<ServerCertificates<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_key_exchange: Option<ServerKeyExchange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_finished: Option<Finished>,
}

fn hello(s: &Session, rng: &mut Rng) -> ServerHello {
    ServerHello {
        version: Named {
            name: s.version.1,
            value: s.version.0,
        },
        random: random_b64(rng, 32),
        session_id: random_b64(rng, 32),
        cipher_suite: CipherSuite {
            hex: format!("0x{:04X}", s.suite.code),
            name: s.suite.name,
            value: s.suite.code,
        },
        compression_method: 0,
        ocsp_stapling: s.ocsp_stapling,
        ticket: false,
        secure_renegotiation: s.secure_renegotiation,
        heartbeat: false,
    }
}

fn curve_bytes(name: &str) -> usize {
    match name {
        "secp384r1" => 48,
        "secp521r1" => 66,
        "sect571r1" => 72,
        "brainpoolP512r1" => 64,
        _ => 32,
    }
}

pub(super) fn key_exchange(s: &Session, rng: &mut Rng) -> Option<ServerKeyExchange> {
    let mut kx = ServerKeyExchange::default();
    match &s.kex {
        KexParams::None => return None,
        KexParams::Dhe { prime, .. } => {
            kx.dh_params = Some(DhParams {
                prime: Param::of(prime),
                generator: Param {
                    value: b64(&[2]),
                    length: 2,
                },
                server_public: Param::random(rng, prime.len()),
            })
        }
        KexParams::Ecdhe(name, id) => {
            let n = curve_bytes(name);
            kx.ecdh_params = Some(EcdhParams {
                curve_id: CurveId { name, id: *id },
                server_public: Point {
                    x: Param::random(rng, n),
                    y: Param::random(rng, n),
                },
            })
        }
        KexParams::RsaExport(modulus) => {
            kx.rsa_params = Some(RsaParams {
                exponent: 65537,
                modulus: b64(modulus),
                length: modulus.len() * 8,
            })
        }
    }
    Some(kx)
}

/// The handshake of eras C/D and ZGrab2; a partial one has only the hello.
pub fn server_handshake<'a>(s: &'a Session, rng: &mut Rng) -> ServerHandshake<'a> {
    let server_hello = hello(s, rng);
    if !s.complete {
        return ServerHandshake {
            server_hello,
            server_certificates: None,
            server_key_exchange: None,
            server_finished: None,
        };
    }
    let server_certificates = s.certs.as_ref().map(|p| ServerCertificates {
        certificate: Raw {
            raw: &p.chain[0].base64,
        },
        chain: p.chain[1..]
            .iter()
            .map(|c| Raw { raw: &c.base64 })
            .collect(),
        validation: Validation {
            browser_trusted: p.browser_trusted,
            browser_error: p.browser_error,
        },
    });
    ServerHandshake {
        server_hello,
        server_certificates,
        server_key_exchange: key_exchange(s, rng),
        server_finished: Some(Finished {
            verify_data: random_b64(rng, 12),
        }),
    }
}

#[derive(Serialize)]
struct EraACertificates<'a> {
    raw: Vec<&'a str>,
}

/// The era-A `tls_handshake` data: bare version number and hex suite,
/// every certificate in `raw`, no validation, and no key-exchange
/// parameters (`server_key_exchange: null`), as ZGrab 1 logged them then.
#[derive(Serialize)]
pub struct EraAHandshake<'a> {
    server_hello: EraAHello,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_certificates: Option<EraACertificates<'a>>,
    server_key_exchange: Option<ServerKeyExchange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_finished: Option<Finished>,
}

/// The era-A form of a session.
pub fn era_a_handshake<'a>(s: &'a Session, rng: &mut Rng) -> EraAHandshake<'a> {
    let h = hello(s, rng);
    let server_hello = EraAHello {
        version: h.version.value,
        random: h.random,
        session_id: h.session_id,
        cipher_suite: h.cipher_suite.hex,
        compression_method: 0,
        ocsp_stapling: h.ocsp_stapling,
        ticket: false,
        secure_renegotiation: h.secure_renegotiation,
        heartbeat: false,
    };
    let mut out = EraAHandshake {
        server_hello,
        server_certificates: None,
        server_key_exchange: None,
        server_finished: None,
    };
    if !s.complete {
        return out;
    }
    out.server_certificates = s.certs.as_ref().map(|p| EraACertificates {
        raw: p.chain.iter().map(|c| c.base64.as_str()).collect(),
    });
    out.server_finished = Some(Finished {
        verify_data: random_b64(rng, 12),
    });
    out
}
