//! The normalized record types every layout parser emits.
//!
//! Parsers turn one input record (a JSON line, a Censys host document, a CSV
//! row) into these plain values; they know nothing of Parquet. The dataset
//! writer turns them into columns; it knows nothing of ZGrab.

use std::borrow::Cow;

/// The source layout a record was written in (see `docs/input-formats.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    /// ZGrab 1 event-log layout with integer versions (up to Feb 2015).
    Zgrab1EraA,
    /// ZGrab 1 event-log layout with object versions (Mar to Jul 2015).
    Zgrab1EraB,
    /// ZGrab 1 flat layout `{ip,timestamp,data:{…}}` (eras C and D, Jul 2015 on).
    Zgrab1Flat,
    /// ZGrab2 `{ip,data:{<scan>:{status,protocol,result}}}`.
    Zgrab2,
    /// Censys IPv4 host record (ztag output), keys `"25"` or `p25`.
    Censys,
    /// ZMap host-discovery CSV (bare IPs or with a header row).
    ZmapCsv,
    /// A top list of popular domains, `rank,domain` (Alexa, Tranco, Umbrella).
    TopList,
    /// A ZDNS lookup (versions 1 and 2).
    Zdns,
    /// A Rapid7 Sonar forward-DNS answer.
    SonarDns,
    /// A fetched MTA-STS policy (the file, a JSON line, or a ZGrab2 HTTP scan).
    MtaSts,
    /// sslyze `--xml_out` (0.10 to 2.x).
    SslyzeXml,
    /// sslyze's text output (0.11 era).
    SslyzeText,
    /// sslyze `--json_out` (5.x, 6.x).
    SslyzeJson,
    /// Mozilla cipherscan `-j`.
    Cipherscan,
    /// masscan `-oL`, `-oJ`, `-oD` or `-oX` (status and banner records).
    Masscan,
    /// A Rapid7 Sonar SSL certificates, hosts or names line.
    SonarSsl,
}

impl Layout {
    /// Stable name used in the dataset and the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Zgrab1EraA => "zgrab1_era_a",
            Layout::Zgrab1EraB => "zgrab1_era_b",
            Layout::Zgrab1Flat => "zgrab1_flat",
            Layout::Zgrab2 => "zgrab2",
            Layout::Censys => "censys",
            Layout::ZmapCsv => "zmap_csv",
            Layout::TopList => "toplist",
            Layout::Zdns => "zdns",
            Layout::SonarDns => "sonar_dns",
            Layout::MtaSts => "mta_sts",
            Layout::SslyzeXml => "sslyze_xml",
            Layout::SslyzeText => "sslyze_text",
            Layout::SslyzeJson => "sslyze_json",
            Layout::Cipherscan => "cipherscan",
            Layout::Masscan => "masscan",
            Layout::SonarSsl => "sonar_ssl",
        }
    }
}

/// How TLS was reached on the endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsMode {
    /// Plain-text protocol upgraded in band (SMTP/IMAP/POP3 STARTTLS, FTP AUTH TLS).
    Starttls,
    /// TLS from the first byte (SMTPS 465, IMAPS 993, POP3S 995, HTTPS).
    Implicit,
}

impl TlsMode {
    /// Stable name used in the dataset.
    pub fn name(self) -> &'static str {
        match self {
            TlsMode::Starttls => "starttls",
            TlsMode::Implicit => "implicit",
        }
    }

    /// Parses `starttls`/`implicit` and the scans.io sub-protocol `tls`.
    pub fn parse(text: &str) -> Option<TlsMode> {
        match text {
            "starttls" => Some(TlsMode::Starttls),
            "implicit" | "tls" => Some(TlsMode::Implicit),
            _ => None,
        }
    }
}

/// The outcome of one endpoint scan, one enum shared by every layout.
///
/// Decided by [`crate::formats::outcome::classify`] from what the record shows,
/// never from a single error field. The scanner's own words are kept beside it
/// (`scanner_status`, `error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// The TLS handshake completed (later failures, e.g. at QUIT, do not matter).
    Ok,
    /// No TCP connection (refused, unreachable, timed out while connecting).
    ConnectFailed,
    /// Connected, but no usable greeting arrived.
    BannerFailed,
    /// The server does not offer STARTTLS (EHLO/CAPABILITY lacks it, or it was stripped).
    NoStarttls,
    /// STARTTLS was offered (or not known to be absent) but the command was rejected.
    StarttlsRefused,
    /// A TLS handshake was attempted and did not complete.
    HandshakeFailed,
    /// The connection stalled after it was established, before TLS completed.
    Timeout,
    /// The server spoke, but not in a way the protocol allows.
    ProtocolError,
    /// The scanner did not probe the target (blocklisted, invalid input).
    Skipped,
}

impl Status {
    /// Stable name used in the dataset.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::ConnectFailed => "connect_failed",
            Status::BannerFailed => "banner_failed",
            Status::NoStarttls => "no_starttls",
            Status::StarttlsRefused => "starttls_refused",
            Status::HandshakeFailed => "handshake_failed",
            Status::Timeout => "timeout",
            Status::ProtocolError => "protocol_error",
            Status::Skipped => "skipped",
        }
    }
}

/// Where a record's port, protocol or TLS mode came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FactSource {
    /// Written in the record itself.
    Record,
    /// Taken from the scans.io file-name convention.
    FileName,
    /// Given on the command line (`--port`, `--protocol`, `--tls-mode`).
    Option,
}

impl FactSource {
    /// Stable name used in the dataset.
    pub fn name(self) -> &'static str {
        match self {
            FactSource::Record => "record",
            FactSource::FileName => "file_name",
            FactSource::Option => "option",
        }
    }
}

/// A certificate as a scanner presented it, before decoding and deduplication.
#[derive(Debug)]
pub enum CertInput<'a> {
    /// Standard base64 of the DER, as ZGrab writes `raw`.
    Base64Der(Cow<'a, str>),
    /// Only the scanner's parsed JSON is present (Censys host records): the
    /// facts are taken from it, keyed by its recorded SHA-256 fingerprint.
    ScannerParsed(Box<crate::x509::CertFacts>),
}

/// TLS facts of one handshake, as recorded by the scanner.
#[derive(Debug, Default)]
pub struct TlsFacts<'a> {
    /// Negotiated version as its wire value (0x0303 = TLS 1.2).
    pub version: Option<u16>,
    /// Negotiated cipher suite as its 16-bit code.
    pub cipher_id: Option<u16>,
    /// Which ServerKeyExchange parameters were sent: `ecdhe`, `dhe`, `rsa_export`.
    pub server_kex: Option<&'static str>,
    /// Size of the DH prime in bits.
    pub dh_prime_bits: Option<u32>,
    /// SHA-256 (hex) of the DH prime's big-endian bytes, to spot shared primes.
    pub dh_prime_sha256: Option<String>,
    /// Named curve of the ECDHE exchange (or TLS 1.3 key share).
    pub ecdh_curve: Option<String>,
    /// Size in bits of an ephemeral (export) RSA key.
    pub rsa_export_bits: Option<u32>,
    /// Server hello flags.
    pub ocsp_stapling: Option<bool>,
    /// Server hello flags.
    pub secure_renegotiation: Option<bool>,
    /// Server hello flags.
    pub heartbeat: Option<bool>,
    /// The presented chain, leaf first.
    pub chain: Vec<CertInput<'a>>,
    /// Scanner-recorded trust: `validation.browser_trusted`.
    pub browser_trusted: Option<bool>,
    /// Scanner-recorded trust: `validation.browser_error`.
    pub browser_error: Option<String>,
    /// Scanner-recorded trust: `validation.matches_domain` (missing means not true).
    pub matches_domain: Option<bool>,
}

/// One endpoint scan, normalized across layouts.
#[derive(Debug)]
pub struct Handshake<'a> {
    /// Scanned address (absent in some Censys exports).
    pub ip: Option<Cow<'a, str>>,
    /// Name the scanner was given with the address, if any.
    pub domain: Option<Cow<'a, str>>,
    /// TCP port.
    pub port: u16,
    /// Where the port came from.
    pub port_source: FactSource,
    /// Application protocol (`smtp`, `imap`, `pop3`, or another module's name).
    pub protocol: Cow<'a, str>,
    /// STARTTLS-style upgrade or implicit TLS.
    pub tls_mode: TlsMode,
    /// Scan time in microseconds since the epoch, UTC.
    pub timestamp_us: Option<i64>,
    /// The outcome, one enum for all layouts.
    pub status: Status,
    /// The scanner's own status words (ZGrab2 `status`, ZGrab 1 `error_component`).
    pub scanner_status: Option<Cow<'a, str>>,
    /// The scanner's error text.
    pub error: Option<Cow<'a, str>>,
    /// Greeting as received.
    pub banner: Option<Cow<'a, str>>,
    /// EHLO (SMTP) or capability reply as received.
    pub ehlo: Option<Cow<'a, str>>,
    /// Reply to the STARTTLS/STLS command.
    pub starttls_reply: Option<Cow<'a, str>>,
    /// Did the server advertise STARTTLS? `None`: not known from the record.
    pub starttls_offered: Option<bool>,
    /// Did the server accept the STARTTLS command? `None`: not sent or not applicable.
    pub starttls_accepted: Option<bool>,
    /// The advertisement was overwritten by a middlebox (`250-XXXXXXXA`).
    pub starttls_stripped: bool,
    /// TLS facts when a handshake (complete or partial) was recorded.
    pub tls: Option<TlsFacts<'a>>,
}

/// One host seen answering a port scan (ZMap output).
#[derive(Debug)]
pub struct Discovery<'a> {
    /// Responding address.
    pub ip: Cow<'a, str>,
    /// Probed port.
    pub port: u16,
    /// Where the port came from.
    pub port_source: FactSource,
    /// `synack`, `rst`, … when the CSV has the column.
    pub classification: Option<Cow<'a, str>>,
    /// ZMap's `success` flag when the CSV has the column.
    pub success: Option<bool>,
    /// Response time in microseconds since the epoch, UTC.
    pub timestamp_us: Option<i64>,
}

/// One domain of a top list.
#[derive(Debug)]
pub struct Ranked<'a> {
    /// Its rank, 1 for the most popular.
    pub rank: u32,
    /// The domain, lower case, without a trailing dot.
    pub domain: Cow<'a, str>,
}

/// One answer of a DNS lookup (or the lookup itself, when it had none).
#[derive(Debug, Clone, Default)]
pub struct DnsAnswer {
    /// The name looked up, lower case, without the trailing dot.
    pub query: String,
    /// The ZDNS module (`MX`, `MXLOOKUP`, `TLSA`…), where the record names it.
    pub module: Option<String>,
    /// The lookup's status (`NOERROR`, `NXDOMAIN`, `TIMEOUT`…).
    pub status: Option<String>,
    /// Lookup time, µs since the epoch.
    pub timestamp_us: Option<i64>,
    /// The DNSSEC AD bit of the response, where recorded.
    pub authenticated: Option<bool>,
    /// The name's rank in the top list the lookup was run over (`--alexa`).
    pub rank: Option<u32>,
    /// The answer's owner name.
    pub owner: Option<String>,
    /// The answer's type (`MX`, `A`, `AAAA`, `TLSA`, `TXT`…); none without an answer.
    pub kind: Option<String>,
    /// The answer: an address, a host name, a text, or a TLSA record's data in hex.
    pub value: Option<String>,
    /// MX preference.
    pub preference: Option<u16>,
    /// TLSA certificate usage, selector and matching type.
    pub tlsa: Option<(u8, u8, u8)>,
}

/// Everything one input record yields.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    /// Endpoint scans (a Censys host record yields one per mail port).
    pub handshakes: Vec<Handshake<'a>>,
    /// Hosts found by a port scan.
    pub discoveries: Vec<Discovery<'a>>,
    /// Services in the record that are not TLS scans (SSH banners, HTTP GETs…), counted only.
    pub ignored_services: u32,
    /// Domains of a top list.
    pub ranked: Vec<Ranked<'a>>,
    /// Answers of a DNS lookup.
    pub dns: Vec<DnsAnswer>,
    /// Fetched MTA-STS policies.
    pub policies: Vec<StsPolicy>,
    /// Endpoints whose cipher suites a tool enumerated.
    pub targets: Vec<EnumTarget>,
    /// Banners a port scanner grabbed (masscan `--banners`).
    pub banners: Vec<Banner>,
    /// Certificates on their own, for the store (Sonar `_certs`).
    pub certificates: Vec<CertInput<'a>>,
    /// Rapid7 Sonar SSL lines.
    pub sonar: Vec<SonarRow>,
    /// Where a whole-document record broke off: what came before it is
    /// kept, and this is quarantined with the document.
    pub broken_off: Option<crate::formats::RecordError>,
}

/// One line of a Rapid7 Sonar SSL study.
#[derive(Debug, Default)]
pub struct SonarRow {
    /// `cert`, `host` or `name`.
    pub kind: &'static str,
    /// `host`: the address that presented the certificate.
    pub ip: Option<String>,
    /// The certificate's SHA-1, lower-case hex.
    pub sha1: String,
    /// `name`: a CN or SAN entry of the certificate.
    pub name: Option<String>,
}

/// One banner a port scanner grabbed: the greeting, the TLS server hello
/// summary (`ssl`), or one certificate (`X509`, `X509CA`).
#[derive(Debug, Default)]
pub struct Banner {
    /// Address.
    pub ip: String,
    /// Port.
    pub port: u16,
    /// Time, µs since the epoch, where recorded.
    pub timestamp_us: Option<i64>,
    /// The scanner's service name (`smtp`, `ssl`, `X509`, …).
    pub service: String,
    /// The banner text (none for a certificate, which goes to the store).
    pub text: Option<String>,
    /// `ssl`: the negotiated version.
    pub tls_version: Option<u16>,
    /// `ssl`: the negotiated suite.
    pub cipher_id: Option<u32>,
    /// `ssl`: the first certificate's common name and DNS names.
    pub names: Vec<String>,
    /// `X509`/`X509CA`: the certificate.
    pub cert: Option<CertInput<'static>>,
}

/// What one enumeration handshake found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeResult {
    /// The server accepted the suite.
    Accepted,
    /// The server refused it.
    Rejected,
    /// The handshake failed for another reason (timeout, reset…).
    Error,
    /// The tool reports only that every suite of the version was refused.
    AllRejected,
}

impl ProbeResult {
    /// The name tables use.
    pub fn name(self) -> &'static str {
        match self {
            ProbeResult::Accepted => "accepted",
            ProbeResult::Rejected => "rejected",
            ProbeResult::Error => "error",
            ProbeResult::AllRejected => "all_rejected",
        }
    }
}

/// One suite tried with one protocol version.
#[derive(Debug, Clone)]
pub struct CipherProbe {
    /// Wire version (0x0002 SSLv2, 0x0300 SSLv3, 0x0301 TLS 1.0 …).
    pub version: u16,
    /// The suite as the tool names it (none for [`ProbeResult::AllRejected`]).
    pub suite: Option<String>,
    /// Its code in `cipher_suites` (SSLv2 kinds above 0xFFFF).
    pub cipher_id: Option<u32>,
    /// What the server did.
    pub result: ProbeResult,
    /// The server's preferred suite for this version, as the tool found it.
    pub preferred: bool,
    /// The tool's words: the rejection reason, the error, or the reply
    /// after the handshake.
    pub detail: Option<String>,
    /// Symmetric key bits.
    pub key_bits: Option<u16>,
    /// Ephemeral key exchange shown: `dh` or `ecdh`.
    pub kex: Option<&'static str>,
    /// Its group size in bits.
    pub kex_bits: Option<u32>,
    /// The named curve, where the parameters identify one.
    pub curve: Option<String>,
    /// SHA-256 of the DH prime, hex.
    pub dh_prime_sha256: Option<String>,
}

/// An endpoint a tool enumerated (or could not reach).
#[derive(Debug, Default)]
pub struct EnumTarget {
    /// Tool and version (`sslyze 0.12.0`).
    pub tool: String,
    /// Host name as given.
    pub host: Option<String>,
    /// Address connected to.
    pub ip: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// Protocol (`smtp`, `imap`, `pop3`, `https`, `tls`…).
    pub protocol: String,
    /// How TLS was reached.
    pub tls_mode: Option<TlsMode>,
    /// Why the tool could not scan it (none when scanned).
    pub error: Option<String>,
    /// Scan time, µs since the epoch, where recorded.
    pub timestamp_us: Option<i64>,
    /// What each plugin that failed said.
    pub plugin_errors: Vec<String>,
    /// The handshakes.
    pub probes: Vec<CipherProbe>,
    /// The chain the server presented, leaf first (where the tool kept it).
    pub chain: Vec<CertInput<'static>>,
}

/// One fetch of a domain's MTA-STS policy (RFC 8461 §3.2).
#[derive(Debug, Clone, Default)]
pub struct StsPolicy {
    /// The policy domain (the mail domain, without `mta-sts.`).
    pub domain: String,
    /// Where it was fetched from, when recorded.
    pub url: Option<String>,
    /// Fetch time, µs since the epoch.
    pub timestamp_us: Option<i64>,
    /// Why no policy was obtained (`HTTP 404`, a TLS error…); none when one was.
    pub fetch_error: Option<String>,
    /// `version` (`STSv1`).
    pub version: Option<String>,
    /// `mode`: enforce, testing or none, lower case.
    pub mode: Option<String>,
    /// `mx` patterns, lower case.
    pub mx: Vec<String>,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
    /// What breaks the policy syntax (empty for a valid policy).
    pub problems: Vec<String>,
}
