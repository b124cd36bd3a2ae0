//! The dataset's tables and how one normalized record becomes a row.
//! `docs/dataset.md` documents every column.

use super::columns::{table, AsText, Micros, StrLists, Strs};
use crate::record::{
    Banner, Discovery, DnsAnswer, EnumTarget, Handshake, Ranked, SonarRow, StsPolicy,
};
use crate::trust::table::chain_digest;
use crate::x509::{hex32, CertFacts, Sha256Digest};

table! {
    /// `handshakes`: one row per endpoint scan (partitioned by `scan_id`).
    pub struct HandshakeRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        ip: Strs,
        domain: Strs,
        port: Vec<u16>,
        port_source: Vec<&'static str>,
        protocol: Strs,
        tls_mode: Vec<&'static str>,
        timestamp: Micros,
        status: Vec<&'static str>,
        scanner_status: Strs,
        error: Strs,
        banner: Strs,
        ehlo: Strs,
        starttls_reply: Strs,
        starttls_offered: Vec<Option<bool>>,
        starttls_accepted: Vec<Option<bool>>,
        starttls_stripped: Vec<bool>,
        tls_version: Vec<Option<u16>>,
        cipher_id: Vec<Option<u16>>,
        kex: Vec<Option<&'static str>>,
        server_kex: Vec<Option<&'static str>>,
        dh_prime_bits: Vec<Option<u32>>,
        dh_prime_sha256: Strs,
        ecdh_curve: Strs,
        rsa_export_bits: Vec<Option<u32>>,
        ocsp_stapling: Vec<Option<bool>>,
        secure_renegotiation: Vec<Option<bool>>,
        heartbeat: Vec<Option<bool>>,
        leaf_sha256: Strs,
        chain_sha256: StrLists<[u8; 64]>,
        chain_hash: Strs,
        browser_trusted: Vec<Option<bool>>,
        browser_error: Strs,
        matches_domain: Vec<Option<bool>>,
    }
}

fn owned(s: &Option<std::borrow::Cow<'_, str>>) -> Option<String> {
    s.as_deref().map(str::to_owned)
}

impl HandshakeRows {
    /// Appends one handshake; `chain` holds the SHA-256 of each presented certificate, leaf first.
    /// Returns the chain's hash (see [`chain_digest`]), if it has certificates.
    pub fn push(
        &mut self,
        input_id: u32,
        line: u64,
        h: Handshake<'_>,
        chain: &[Sha256Digest],
    ) -> Option<Sha256Digest> {
        self.rows += 1;
        self.input_id.push(input_id);
        self.line.push(line);
        self.ip.push(h.ip.as_deref());
        self.domain.push(h.domain.as_deref());
        self.port.push(h.port);
        self.port_source.push(h.port_source.name());
        self.protocol.push(Some(&h.protocol));
        self.tls_mode.push(h.tls_mode.name());
        self.timestamp.0.push(h.timestamp_us);
        self.status.push(h.status.name());
        self.scanner_status.push(h.scanner_status.as_deref());
        self.error.push(h.error.as_deref());
        self.banner.push(h.banner.as_deref());
        self.ehlo.push(h.ehlo.as_deref());
        self.starttls_reply.push(h.starttls_reply.as_deref());
        self.starttls_offered.push(h.starttls_offered);
        self.starttls_accepted.push(h.starttls_accepted);
        self.starttls_stripped.push(h.starttls_stripped);
        let t = h.tls.unwrap_or_default();
        self.tls_version.push(t.version);
        self.cipher_id.push(t.cipher_id);
        self.kex.push(
            t.cipher_id.map(|id| {
                crate::tls::suites::find(u32::from(id)).map_or("unknown", |s| s.kex_class)
            }),
        );
        self.server_kex.push(t.server_kex);
        self.dh_prime_bits.push(t.dh_prime_bits);
        self.dh_prime_sha256.push(t.dh_prime_sha256.as_deref());
        self.ecdh_curve.push(t.ecdh_curve.as_deref());
        self.rsa_export_bits.push(t.rsa_export_bits);
        self.ocsp_stapling.push(t.ocsp_stapling);
        self.secure_renegotiation.push(t.secure_renegotiation);
        self.heartbeat.push(t.heartbeat);
        self.chain_sha256.push(chain.iter().map(hex32));
        let chain_hex = self.chain_sha256.last();
        self.leaf_sha256
            .push(chain_hex.first().map(AsText::as_text));
        let chain_hash = chain_digest(chain_hex);
        let chain_hash_hex = chain_hash.as_ref().map(hex32);
        self.chain_hash
            .push(chain_hash_hex.as_ref().map(AsText::as_text));
        self.browser_trusted.push(t.browser_trusted);
        self.browser_error.push(t.browser_error.as_deref());
        self.matches_domain.push(t.matches_domain);
        chain_hash
    }
}

table! {
    /// `certificates`: one row per distinct certificate (SHA-256 of the DER).
    pub struct CertificateRows {
        sha256: Vec<String>,
        sha1: Vec<Option<String>>,
        spki_sha256: Vec<Option<String>>,
        der: Vec<Option<Vec<u8>>>,
        parse_status: Vec<&'static str>,
        parse_error: Vec<Option<String>>,
        version: Vec<Option<u16>>,
        serial: Vec<Option<String>>,
        subject_dn: Vec<Option<String>>,
        subject_cn: Vec<Option<String>>,
        issuer_dn: Vec<Option<String>>,
        issuer_cn: Vec<Option<String>>,
        san_dns: StrLists,
        san_ip: StrLists,
        eku: StrLists,
        not_before: Micros,
        not_after: Micros,
        key_alg: Vec<Option<String>>,
        key_bits: Vec<Option<u32>>,
        curve: Vec<Option<String>>,
        sig_alg: Vec<Option<String>>,
        is_ca: Vec<Option<bool>>,
        path_len: Vec<Option<u32>>,
        key_cert_sign: Vec<Option<bool>>,
        self_signed: Vec<Option<bool>>,
        self_signature_valid: Vec<Option<bool>>,
        first_input_id: Vec<u32>,
    }
}

impl CertificateRows {
    /// Appends one distinct certificate, first seen in input `input_id`.
    pub fn push(&mut self, f: CertFacts, input_id: u32) {
        self.rows += 1;
        self.sha256.push(f.sha256);
        self.sha1.push(f.sha1);
        self.spki_sha256.push(f.spki_sha256);
        self.der.push(f.der);
        self.parse_status.push(f.parse_status);
        self.parse_error.push(f.parse_error);
        self.version.push(f.version.map(u16::from));
        self.serial.push(f.serial);
        self.subject_dn.push(f.subject_dn);
        self.subject_cn.push(f.subject_cn);
        self.issuer_dn.push(f.issuer_dn);
        self.issuer_cn.push(f.issuer_cn);
        self.san_dns.push(f.san_dns);
        self.san_ip.push(f.san_ip);
        self.eku.push(f.eku);
        self.not_before.0.push(f.not_before_us);
        self.not_after.0.push(f.not_after_us);
        self.key_alg.push(f.key_alg);
        self.key_bits.push(f.key_bits);
        self.curve.push(f.curve);
        self.sig_alg.push(f.sig_alg);
        self.is_ca.push(f.is_ca);
        self.path_len.push(f.path_len);
        self.key_cert_sign.push(f.key_cert_sign);
        self.self_signed.push(f.self_signed);
        self.self_signature_valid.push(f.self_signature_valid);
        self.first_input_id.push(input_id);
    }
}

table! {
    /// `discovery`: one row per host answering a port scan (ZMap).
    pub struct DiscoveryRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        ip: Vec<String>,
        port: Vec<u16>,
        port_source: Vec<&'static str>,
        classification: Vec<Option<String>>,
        success: Vec<Option<bool>>,
        timestamp: Micros,
    }
}

impl DiscoveryRows {
    /// Appends one discovered host.
    pub fn push(&mut self, input_id: u32, line: u64, d: &Discovery<'_>) {
        self.rows += 1;
        self.input_id.push(input_id);
        self.line.push(line);
        self.ip.push(d.ip.to_string());
        self.port.push(d.port);
        self.port_source.push(d.port_source.name());
        self.classification.push(owned(&d.classification));
        self.success.push(d.success);
        self.timestamp.0.push(d.timestamp_us);
    }
}

table! {
    /// `scans`: one row per scan series (rewritten at every commit from the manifest).
    pub struct ScanRows {
        scan_id: Vec<String>,
        port: Vec<u16>,
        protocol: Vec<String>,
        tls_mode: Vec<String>,
        layouts: Vec<String>,
        subprotocol: Vec<Option<String>>,
        destination: Vec<Option<String>>,
        run_start: Micros,
        first_seen: Micros,
        last_seen: Micros,
        handshakes: Vec<u64>,
        discoveries: Vec<u64>,
        input_ids: Vec<String>,
        series: Vec<Option<String>>,
        scan_time: Micros,
        scan_date: Vec<Option<String>>,
        scan_day: Vec<Option<i64>>,
        series_seq: Vec<Option<u32>>,
        previous_scan_id: Vec<Option<String>>,
    }
}

table! {
    /// `cipher_suites`: the cipher-suite dimension (rewritten at every commit
    /// from the table built into the tool; `id` joins `handshakes.cipher_id`).
    pub struct CipherSuiteRows {
        id: Vec<u32>,
        name: Vec<String>,
        source: Vec<&'static str>,
        kx: Vec<&'static str>,
        kex_class: Vec<&'static str>,
        au: Vec<&'static str>,
        enc: Vec<&'static str>,
        mode: Vec<&'static str>,
        bits: Vec<u16>,
        mac: Vec<&'static str>,
        min_version: Vec<u16>,
        null: Vec<bool>,
        anon: Vec<bool>,
        export: Vec<bool>,
        rc4: Vec<bool>,
        des: Vec<bool>,
        triple_des: Vec<bool>,
        idea: Vec<bool>,
        seed: Vec<bool>,
        camellia: Vec<bool>,
        cbc: Vec<bool>,
        aead: Vec<bool>,
        pfs: Vec<bool>,
        md5_mac: Vec<bool>,
        sha1_mac: Vec<bool>,
        scsv: Vec<bool>,
        unknown: Vec<bool>,
        openssl_strength: Vec<&'static str>,
        testssl_bucket: Vec<&'static str>,
        openssl_name: Vec<Option<String>>,
        cipherscan_family: Vec<&'static str>,
    }
}

impl CipherSuiteRows {
    /// The whole built-in table.
    pub fn built_in() -> CipherSuiteRows {
        let mut t = CipherSuiteRows::default();
        for s in crate::tls::suites::table() {
            t.rows += 1;
            t.id.push(s.id);
            t.name.push(s.name.clone());
            t.source.push(s.source);
            t.kx.push(s.kx);
            t.kex_class.push(s.kex_class);
            t.au.push(s.au);
            t.enc.push(s.enc);
            t.mode.push(s.mode);
            t.bits.push(s.bits);
            t.mac.push(s.mac);
            t.min_version.push(s.min_version);
            t.null.push(s.null);
            t.anon.push(s.anon);
            t.export.push(s.export);
            t.rc4.push(s.rc4);
            t.des.push(s.des);
            t.triple_des.push(s.triple_des);
            t.idea.push(s.idea);
            t.seed.push(s.seed);
            t.camellia.push(s.camellia);
            t.cbc.push(s.cbc);
            t.aead.push(s.aead);
            t.pfs.push(s.pfs);
            t.md5_mac.push(s.md5_mac);
            t.sha1_mac.push(s.sha1_mac);
            t.scsv.push(s.scsv);
            t.unknown.push(s.unknown);
            t.openssl_strength.push(s.openssl_strength);
            t.testssl_bucket.push(s.testssl_bucket);
            t.openssl_name.push(s.openssl_name.clone());
            t.cipherscan_family.push(s.cipherscan_family);
        }
        t
    }
}

table! {
    /// `mozilla_levels`: each suite's level in each version of Mozilla's
    /// Server Side TLS guidelines (rewritten at every commit; `cipher_id`
    /// joins `handshakes.cipher_id`). A suite a version does not list has no row.
    pub struct MozillaLevelRows {
        cipher_id: Vec<u32>,
        guideline: Vec<String>,
        released: Vec<String>,
        level: Vec<&'static str>,
    }
}

impl MozillaLevelRows {
    /// The whole built-in table.
    pub fn built_in() -> MozillaLevelRows {
        let mut t = MozillaLevelRows::default();
        for m in crate::tls::mozilla::levels() {
            t.rows += 1;
            t.cipher_id.push(m.cipher_id);
            t.guideline.push(m.guideline.clone());
            t.released.push(m.released.clone());
            t.level.push(m.level);
        }
        t
    }
}

table! {
    /// `client_offers`: the named clients' offers (rewritten at every
    /// commit; `cipher_id` joins `cipher_suites.id`).
    pub struct ClientOfferRows {
        client: Vec<String>,
        label: Vec<String>,
        client_order: Vec<u32>,
        min_version: Vec<u16>,
        max_version: Vec<u16>,
        offer_rank: Vec<u32>,
        cipher_id: Vec<u32>,
    }
}

impl ClientOfferRows {
    /// The whole built-in table.
    pub fn built_in() -> ClientOfferRows {
        let mut t = ClientOfferRows::default();
        for (order, c) in crate::tls::clients::clients().iter().enumerate() {
            for (rank, id) in c.suites.iter().enumerate() {
                t.rows += 1;
                t.client.push(c.client.clone());
                t.label.push(c.label.clone());
                t.client_order.push(order as u32 + 1);
                t.min_version.push(c.versions.0);
                t.max_version.push(c.versions.1);
                t.offer_rank.push(rank as u32 + 1);
                t.cipher_id.push(*id);
            }
        }
        t
    }
}

table! {
    /// `dh_groups`: well-known Diffie-Hellman primes (rewritten at every
    /// commit; `prime_sha256` joins `handshakes.dh_prime_sha256`).
    pub struct DhGroupRows {
        prime_sha256: Vec<String>,
        name: Vec<String>,
        bits: Vec<u32>,
        safe_prime: Vec<bool>,
        source: Vec<String>,
    }
}

impl DhGroupRows {
    /// The whole built-in list.
    pub fn built_in() -> DhGroupRows {
        let mut t = DhGroupRows::default();
        for g in crate::tls::dh_groups::table() {
            t.rows += 1;
            t.prime_sha256.push(g.prime_sha256.clone());
            t.name.push(g.name.clone());
            t.bits.push(g.bits);
            t.safe_prime.push(g.safe_prime);
            t.source.push(g.source.clone());
        }
        t
    }
}

table! {
    /// `toplist`: one row per domain of a top list.
    pub struct TopListRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        list: Vec<String>,
        rank: Vec<u32>,
        domain: Vec<String>,
    }
}

impl TopListRows {
    /// Appends one ranked domain of list `list` (its file's stem).
    pub fn push(&mut self, input_id: u32, line: u64, list: &str, r: &Ranked<'_>) {
        self.rows += 1;
        self.input_id.push(input_id);
        self.line.push(line);
        self.list.push(list.to_owned());
        self.rank.push(r.rank);
        self.domain.push(r.domain.to_string());
    }
}

table! {
    /// `dns`: one row per answer of a DNS lookup (one without an answer
    /// where the lookup had none).
    pub struct DnsRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        query: Vec<String>,
        module: Vec<Option<String>>,
        status: Vec<Option<String>>,
        timestamp: Micros,
        authenticated: Vec<Option<bool>>,
        rank: Vec<Option<u32>>,
        owner: Vec<Option<String>>,
        kind: Vec<Option<String>>,
        value: Vec<Option<String>>,
        preference: Vec<Option<u16>>,
        tlsa_usage: Vec<Option<u16>>,
        tlsa_selector: Vec<Option<u16>>,
        tlsa_matching: Vec<Option<u16>>,
    }
}

impl DnsRows {
    /// Appends one answer.
    pub fn push(&mut self, input_id: u32, line: u64, a: DnsAnswer) {
        self.rows += 1;
        self.input_id.push(input_id);
        self.line.push(line);
        self.query.push(a.query);
        self.module.push(a.module);
        self.status.push(a.status);
        self.timestamp.0.push(a.timestamp_us);
        self.authenticated.push(a.authenticated);
        self.rank.push(a.rank);
        self.owner.push(a.owner);
        self.kind.push(a.kind);
        self.value.push(a.value);
        self.preference.push(a.preference);
        self.tlsa_usage.push(a.tlsa.map(|t| u16::from(t.0)));
        self.tlsa_selector.push(a.tlsa.map(|t| u16::from(t.1)));
        self.tlsa_matching.push(a.tlsa.map(|t| u16::from(t.2)));
    }
}

table! {
    /// `mta_sts_policy`: one row per fetch of a domain's MTA-STS policy.
    pub struct StsPolicyRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        domain: Vec<String>,
        url: Vec<Option<String>>,
        timestamp: Micros,
        fetch_error: Vec<Option<String>>,
        version: Vec<Option<String>>,
        mode: Vec<Option<String>>,
        mx: StrLists,
        max_age: Vec<Option<u64>>,
        problems: StrLists,
        valid: Vec<bool>,
    }
}

impl StsPolicyRows {
    /// Appends one fetch.
    pub fn push(&mut self, input_id: u32, line: u64, p: StsPolicy) {
        self.rows += 1;
        self.input_id.push(input_id);
        self.line.push(line);
        self.domain.push(p.domain);
        self.url.push(p.url);
        self.timestamp.0.push(p.timestamp_us);
        self.valid
            .push(p.fetch_error.is_none() && p.problems.is_empty() && p.mode.is_some());
        self.fetch_error.push(p.fetch_error);
        self.version.push(p.version);
        self.mode.push(p.mode);
        self.mx.push(p.mx);
        self.max_age.push(p.max_age);
        self.problems.push(p.problems);
    }
}

table! {
    /// `enumerated_targets`: one row per endpoint an enumeration tool
    /// scanned or could not reach.
    pub struct EnumTargetRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        scan_id: Vec<String>,
        tool: Vec<String>,
        target: Vec<String>,
        host: Vec<Option<String>>,
        ip: Vec<Option<String>>,
        port: Vec<Option<u16>>,
        protocol: Vec<String>,
        tls_mode: Vec<Option<&'static str>>,
        timestamp: Micros,
        error: Vec<Option<String>>,
        plugin_errors: StrLists,
        probes: Vec<u32>,
        accepted: Vec<u32>,
        chain_sha256: StrLists<[u8; 64]>,
        chain_hash: Strs,
    }
}

table! {
    /// `cipher_support`: one row per protocol version × suite an
    /// enumeration tool tried on an endpoint.
    pub struct CipherSupportRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        scan_id: Vec<String>,
        target: Vec<String>,
        ip: Vec<Option<String>>,
        port: Vec<Option<u16>>,
        protocol: Vec<String>,
        tls_mode: Vec<Option<&'static str>>,
        version: Vec<u16>,
        suite: Vec<Option<String>>,
        cipher_id: Vec<Option<u32>>,
        result: Vec<&'static str>,
        preferred: Vec<bool>,
        detail: Vec<Option<String>>,
        key_bits: Vec<Option<u16>>,
        kex: Vec<Option<&'static str>>,
        kex_bits: Vec<Option<u32>>,
        curve: Vec<Option<String>>,
        dh_prime_sha256: Vec<Option<String>>,
    }
}

table! {
    /// `banners`: one row per banner a port scanner grabbed.
    pub struct BannerRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        scan_id: Vec<String>,
        ip: Vec<String>,
        port: Vec<u16>,
        timestamp: Micros,
        service: Vec<String>,
        banner: Vec<Option<String>>,
        tls_version: Vec<Option<u16>>,
        cipher_id: Vec<Option<u32>>,
        names: StrLists,
        cert_sha256: Strs,
    }
}

impl BannerRows {
    /// Appends one banner; `cert` is its certificate's digest, if any.
    pub fn push(
        &mut self,
        (input_id, line, scan_id): (u32, u64, &str),
        b: Banner,
        cert: Option<Sha256Digest>,
    ) {
        self.rows += 1;
        self.input_id.push(input_id);
        self.line.push(line);
        self.scan_id.push(scan_id.to_owned());
        self.ip.push(b.ip);
        self.port.push(b.port);
        self.timestamp.0.push(b.timestamp_us);
        self.service.push(b.service);
        self.banner.push(b.text);
        self.tls_version.push(b.tls_version);
        self.cipher_id.push(b.cipher_id);
        self.names.push(b.names);
        let hex = cert.as_ref().map(hex32);
        self.cert_sha256.push(hex.as_ref().map(AsText::as_text));
    }
}

table! {
    /// `sonar_ssl`: one row per line of a Rapid7 Sonar SSL study.
    pub struct SonarRows {
        input_id: Vec<u32>,
        line: Vec<u64>,
        scan_id: Vec<String>,
        kind: Vec<&'static str>,
        ip: Vec<Option<String>>,
        port: Vec<Option<u16>>,
        tls_mode: Vec<Option<&'static str>>,
        sha1: Vec<String>,
        name: Vec<Option<String>>,
        timestamp: Micros,
    }
}

impl SonarRows {
    /// Appends one line of the study whose file is `file` (none when the
    /// file name says nothing).
    pub fn push(
        &mut self,
        (input_id, line, stem): (u32, u64, &str),
        file: Option<&crate::formats::sonar_ssl::SonarFile>,
        r: SonarRow,
    ) {
        self.rows += 1;
        self.input_id.push(input_id);
        self.line.push(line);
        self.scan_id
            .push(file.map_or_else(|| stem.to_owned(), |f| f.scan.clone()));
        self.kind.push(r.kind);
        self.ip.push(r.ip);
        self.port.push(file.map(|f| f.port));
        self.tls_mode.push(file.map(|f| f.tls_mode.name()));
        self.sha1.push(r.sha1);
        self.name.push(r.name);
        self.timestamp.0.push(file.and_then(|f| f.date_us));
    }
}

/// How an enumerated endpoint is named in its rows: `host:port`, else
/// `ip:port`, else `:port` (a report that names only the port).
pub fn target_name(t: &EnumTarget) -> String {
    let who = t.host.as_deref().or(t.ip.as_deref()).unwrap_or_default();
    match t.port {
        Some(p) => format!("{who}:{p}"),
        None => who.to_owned(),
    }
}

/// Appends one enumerated endpoint (with its resolved chain) and its
/// handshakes to the two tables; returns the chain's hash.
pub fn push_target(
    targets: &mut EnumTargetRows,
    support: &mut CipherSupportRows,
    (input_id, line, scan_id): (u32, u64, &str),
    t: EnumTarget,
    chain: &[Sha256Digest],
) -> Option<Sha256Digest> {
    let name = target_name(&t);
    let mode = t.tls_mode.map(|m| m.name());
    targets.rows += 1;
    targets.input_id.push(input_id);
    targets.line.push(line);
    targets.scan_id.push(scan_id.to_owned());
    targets.tool.push(t.tool);
    targets.target.push(name.clone());
    targets.host.push(t.host);
    targets.ip.push(t.ip.clone());
    targets.port.push(t.port);
    targets.protocol.push(t.protocol.clone());
    targets.tls_mode.push(mode);
    targets.timestamp.0.push(t.timestamp_us);
    targets.error.push(t.error);
    targets.plugin_errors.push(t.plugin_errors);
    targets.probes.push(t.probes.len() as u32);
    targets.accepted.push(
        t.probes
            .iter()
            .filter(|p| p.result == crate::record::ProbeResult::Accepted)
            .count() as u32,
    );
    targets.chain_sha256.push(chain.iter().map(hex32));
    let chain_hash = chain_digest(targets.chain_sha256.last());
    let chain_hash_hex = chain_hash.as_ref().map(hex32);
    targets
        .chain_hash
        .push(chain_hash_hex.as_ref().map(AsText::as_text));
    for p in t.probes {
        support.rows += 1;
        support.input_id.push(input_id);
        support.line.push(line);
        support.scan_id.push(scan_id.to_owned());
        support.target.push(name.clone());
        support.ip.push(t.ip.clone());
        support.port.push(t.port);
        support.protocol.push(t.protocol.clone());
        support.tls_mode.push(mode);
        support.version.push(p.version);
        support.suite.push(p.suite);
        support.cipher_id.push(p.cipher_id);
        support.result.push(p.result.name());
        support.preferred.push(p.preferred);
        support.detail.push(p.detail);
        support.key_bits.push(p.key_bits);
        support.kex.push(p.kex);
        support.kex_bits.push(p.kex_bits);
        support.curve.push(p.curve);
        support.dh_prime_sha256.push(p.dh_prime_sha256);
    }
    chain_hash
}

/// The tables rows are added to run by run, and whether each is
/// partitioned by `scan_id`.
pub const ROW_TABLES: &[(&str, bool)] = &[
    ("handshakes", true),
    ("discovery", true),
    ("certificates", false),
    ("toplist", false),
    ("dns", false),
    ("mta_sts_policy", false),
    ("enumerated_targets", false),
    ("cipher_support", false),
    ("banners", false),
    ("sonar_ssl", false),
];

/// An empty frame with every column of a row table (and `scan_id` for a
/// partitioned one, whose value otherwise comes from the folder name), so
/// a dataset without such rows still has the table and queries answer 0.
pub fn empty_frame(table: &str) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::{Column, DataType};
    let mut df = match table {
        "handshakes" => HandshakeRows::default().into_frame()?,
        "discovery" => DiscoveryRows::default().into_frame()?,
        "toplist" => TopListRows::default().into_frame()?,
        "dns" => DnsRows::default().into_frame()?,
        "mta_sts_policy" => StsPolicyRows::default().into_frame()?,
        "enumerated_targets" => EnumTargetRows::default().into_frame()?,
        "cipher_support" => CipherSupportRows::default().into_frame()?,
        "banners" => BannerRows::default().into_frame()?,
        "sonar_ssl" => SonarRows::default().into_frame()?,
        _ => CertificateRows::default().into_frame()?,
    };
    if ROW_TABLES
        .iter()
        .any(|(t, partitioned)| *t == table && *partitioned)
    {
        df.with_column(Column::new_empty("scan_id".into(), &DataType::String))?;
    }
    Ok(df)
}
