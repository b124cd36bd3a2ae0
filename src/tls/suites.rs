//! The cipher-suite dimension: every IANA suite (from `tls-parser`'s table,
//! itself derived from the IANA registry), the SSLv2 cipher kinds, the
//! non-IANA codes 2015 servers still negotiated, and the signalling values
//! that are never negotiated — with derived flags and the classifications
//! analysts use, as data.

use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherEncMode, TlsCipherKx, TlsCipherMac, CIPHERS};

/// One row of the `cipher_suites` table.
#[derive(Clone, Debug)]
pub struct CipherSuite {
    /// Numeric code: the 16-bit TLS value, or the 24-bit SSLv2 cipher kind.
    pub id: u32,
    /// Registered (or customary) name.
    pub name: String,
    /// `iana`, `sslv2`, `draft`, `fips`, `gost`, `scsv` or `unknown`.
    pub source: &'static str,
    /// Key exchange: `rsa`, `dh`, `dhe`, `ecdh`, `ecdhe`, `psk`, `srp`, `krb5`, `tls13`, `gost`, `null`.
    pub kx: &'static str,
    /// The key exchange as analysts class it (see [`kex_class`]): `rsa`,
    /// `rsa_export`, `dhe`, `dhe_export`, `ecdhe`, `anon_dh`, `anon_ecdh`,
    /// or `kx` itself for the rest; `n/a` for signalling values.
    pub kex_class: &'static str,
    /// Authentication: `rsa`, `dss`, `ecdsa`, `psk`, `null` (anonymous), …
    pub au: &'static str,
    /// Bulk cipher: `null`, `des`, `3des`, `rc2`, `rc4`, `idea`, `seed`, `aes`, `camellia`, `aria`, `chacha20`, `sm4`, `gost28147`.
    pub enc: &'static str,
    /// Mode: `cbc`, `gcm`, `ccm`, `aead` (ChaCha20-Poly1305), `stream`, `null`.
    pub mode: &'static str,
    /// Effective key bits of the bulk cipher (export suites: 40 or 56).
    pub bits: u16,
    /// MAC: `md5`, `sha1`, `sha256`, `sha384`, `aead`, `gost`, `null`.
    pub mac: &'static str,
    /// Lowest protocol version that can negotiate it (wire value).
    pub min_version: u16,
    /// No encryption.
    pub null: bool,
    /// No authentication.
    pub anon: bool,
    /// Export-grade.
    pub export: bool,
    /// RC4.
    pub rc4: bool,
    /// Single DES.
    pub des: bool,
    /// Triple DES.
    pub triple_des: bool,
    /// IDEA.
    pub idea: bool,
    /// SEED.
    pub seed: bool,
    /// Camellia.
    pub camellia: bool,
    /// CBC mode.
    pub cbc: bool,
    /// Authenticated encryption (GCM, CCM, ChaCha20-Poly1305).
    pub aead: bool,
    /// Forward secrecy (ephemeral key exchange).
    pub pfs: bool,
    /// HMAC-MD5.
    pub md5_mac: bool,
    /// HMAC-SHA1.
    pub sha1_mac: bool,
    /// A signalling value that is never negotiated.
    pub scsv: bool,
    /// Not in this table: a code seen in data but unknown here.
    pub unknown: bool,
    /// OpenSSL 1.0.2 (2015) strength class: `HIGH`, `MEDIUM`, `LOW`, `EXPORT`, `NULL`; `n/a` for signalling and unknown codes.
    pub openssl_strength: &'static str,
    /// testssl.sh 3.0 cipher-list category (see [`TESTSSL_BUCKETS`]).
    pub testssl_bucket: &'static str,
    /// OpenSSL's name (`ECDHE-RSA-AES128-GCM-SHA256`), where OpenSSL has one
    /// (`data/openssl-names.csv`).
    pub openssl_name: Option<String>,
    /// The family cipherscan's survey scripts count suites under: `AES-GCM`,
    /// `AES` (other AES modes), `3DES`, `CAMELLIA`, `RC4`, `CHACHA20`, or
    /// `other`; `n/a` for signalling and unknown codes.
    pub cipherscan_family: &'static str,
}

/// testssl.sh 3.0's eight categories, worst first, with its headings.
pub const TESTSSL_BUCKETS: &[(&str, &str)] = &[
    ("null", "NULL ciphers (no encryption)"),
    ("anon", "Anonymous NULL Ciphers (no authentication)"),
    ("export", "Export ciphers (w/o ADH+NULL)"),
    ("low", "LOW: 64 Bit + DES, RC[2,4], MD5 (w/o export)"),
    ("3des_idea", "Triple DES Ciphers / IDEA"),
    ("cbc", "Obsoleted CBC ciphers (AES, ARIA etc.)"),
    ("aead_no_fs", "Strong encryption (AEAD ciphers) with no FS"),
    (
        "aead_fs",
        "Forward Secrecy strong encryption (AEAD ciphers)",
    ),
];

/// Codes outside the IANA registry: (code, name, source, kx, au, enc, mode, bits, mac).
type Extra = (
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u16,
    &'static str,
);

const EXTRAS: &[Extra] = &[
    // SSLv2 cipher kinds (3-byte codes).
    (
        0x010080,
        "SSL_CK_RC4_128_WITH_MD5",
        "sslv2",
        "rsa",
        "rsa",
        "rc4",
        "stream",
        128,
        "md5",
    ),
    (
        0x020080,
        "SSL_CK_RC4_128_EXPORT40_WITH_MD5",
        "sslv2",
        "rsa",
        "rsa",
        "rc4",
        "stream",
        40,
        "md5",
    ),
    (
        0x030080,
        "SSL_CK_RC2_128_CBC_WITH_MD5",
        "sslv2",
        "rsa",
        "rsa",
        "rc2",
        "cbc",
        128,
        "md5",
    ),
    (
        0x040080,
        "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5",
        "sslv2",
        "rsa",
        "rsa",
        "rc2",
        "cbc",
        40,
        "md5",
    ),
    (
        0x050080,
        "SSL_CK_IDEA_128_CBC_WITH_MD5",
        "sslv2",
        "rsa",
        "rsa",
        "idea",
        "cbc",
        128,
        "md5",
    ),
    (
        0x060040,
        "SSL_CK_DES_64_CBC_WITH_MD5",
        "sslv2",
        "rsa",
        "rsa",
        "des",
        "cbc",
        56,
        "md5",
    ),
    (
        0x0700C0,
        "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
        "sslv2",
        "rsa",
        "rsa",
        "3des",
        "cbc",
        168,
        "md5",
    ),
    // ChaCha20-Poly1305 before RFC 7905 (draft-agl-tls-chacha20poly1305), as Chrome and Cloudflare ran it.
    (
        0xCC13,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
        "draft",
        "ecdhe",
        "rsa",
        "chacha20",
        "aead",
        256,
        "aead",
    ),
    (
        0xCC14,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
        "draft",
        "ecdhe",
        "ecdsa",
        "chacha20",
        "aead",
        256,
        "aead",
    ),
    (
        0xCC15,
        "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
        "draft",
        "dhe",
        "rsa",
        "chacha20",
        "aead",
        256,
        "aead",
    ),
    // Netscape's FIPS suites.
    (
        0xFEFE,
        "SSL_RSA_FIPS_WITH_DES_CBC_SHA",
        "fips",
        "rsa",
        "rsa",
        "des",
        "cbc",
        56,
        "sha1",
    ),
    (
        0xFEFF,
        "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA",
        "fips",
        "rsa",
        "rsa",
        "3des",
        "cbc",
        168,
        "sha1",
    ),
    (
        0xFFE0,
        "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA_OLD",
        "fips",
        "rsa",
        "rsa",
        "3des",
        "cbc",
        168,
        "sha1",
    ),
    (
        0xFFE1,
        "SSL_RSA_FIPS_WITH_DES_CBC_SHA_OLD",
        "fips",
        "rsa",
        "rsa",
        "des",
        "cbc",
        56,
        "sha1",
    ),
    // GOST suites (draft-chudov-cryptopro-cptls), never IANA-registered.
    (
        0x0080,
        "TLS_GOSTR341094_WITH_28147_CNT_IMIT",
        "gost",
        "gost",
        "gost",
        "gost28147",
        "stream",
        256,
        "gost",
    ),
    (
        0x0081,
        "TLS_GOSTR341001_WITH_28147_CNT_IMIT",
        "gost",
        "gost",
        "gost",
        "gost28147",
        "stream",
        256,
        "gost",
    ),
    (
        0x0082,
        "TLS_GOSTR341094_WITH_NULL_GOSTR3411",
        "gost",
        "gost",
        "gost",
        "null",
        "null",
        0,
        "gost",
    ),
    (
        0x0083,
        "TLS_GOSTR341001_WITH_NULL_GOSTR3411",
        "gost",
        "gost",
        "gost",
        "null",
        "null",
        0,
        "gost",
    ),
];

fn kx_name(kx: TlsCipherKx) -> &'static str {
    match kx {
        TlsCipherKx::Null => "null",
        TlsCipherKx::Psk => "psk",
        TlsCipherKx::Krb5 => "krb5",
        TlsCipherKx::Srp => "srp",
        TlsCipherKx::Rsa => "rsa",
        TlsCipherKx::Dh => "dh",
        TlsCipherKx::Dhe => "dhe",
        TlsCipherKx::Ecdh => "ecdh",
        TlsCipherKx::Ecdhe => "ecdhe",
        TlsCipherKx::Aecdh => "ecdhe",
        TlsCipherKx::Eccpwd => "eccpwd",
        TlsCipherKx::Tls13 => "tls13",
    }
}

fn au_name(au: TlsCipherAu, kx: TlsCipherKx) -> &'static str {
    if kx == TlsCipherKx::Aecdh {
        return "null";
    }
    match au {
        TlsCipherAu::Null => "null",
        TlsCipherAu::Psk => "psk",
        TlsCipherAu::Krb5 => "krb5",
        TlsCipherAu::Srp => "srp",
        TlsCipherAu::Srp_Dss => "srp_dss",
        TlsCipherAu::Srp_Rsa => "srp_rsa",
        TlsCipherAu::Dss => "dss",
        TlsCipherAu::Rsa => "rsa",
        TlsCipherAu::Dhe => "dhe",
        TlsCipherAu::Ecdsa => "ecdsa",
        TlsCipherAu::Eccpwd => "eccpwd",
        TlsCipherAu::Tls13 => "tls13",
    }
}

fn enc_name(enc: TlsCipherEnc) -> &'static str {
    match enc {
        TlsCipherEnc::Null => "null",
        TlsCipherEnc::Des => "des",
        TlsCipherEnc::TripleDes => "3des",
        TlsCipherEnc::Rc2 => "rc2",
        TlsCipherEnc::Rc4 => "rc4",
        TlsCipherEnc::Aria => "aria",
        TlsCipherEnc::Idea => "idea",
        TlsCipherEnc::Seed => "seed",
        TlsCipherEnc::Aes => "aes",
        TlsCipherEnc::Camellia => "camellia",
        TlsCipherEnc::Chacha20_Poly1305 => "chacha20",
        TlsCipherEnc::Sm4 => "sm4",
        TlsCipherEnc::Aegis => "aegis",
    }
}

fn mode_name(mode: TlsCipherEncMode, enc: &str) -> &'static str {
    match (mode, enc) {
        (_, "chacha20" | "aegis") => "aead",
        (_, "rc4") => "stream",
        (TlsCipherEncMode::Cbc, _) => "cbc",
        (TlsCipherEncMode::Gcm, _) => "gcm",
        (TlsCipherEncMode::Ccm, _) => "ccm",
        (TlsCipherEncMode::Null, "null") => "null",
        (TlsCipherEncMode::Null, _) => "cbc",
    }
}

fn mac_name(mac: TlsCipherMac) -> &'static str {
    match mac {
        TlsCipherMac::Null => "null",
        TlsCipherMac::HmacMd5 => "md5",
        TlsCipherMac::HmacSha1 => "sha1",
        TlsCipherMac::HmacSha256 => "sha256",
        TlsCipherMac::HmacSha384 => "sha384",
        TlsCipherMac::HmacSha512 => "sha512",
        TlsCipherMac::Aead => "aead",
    }
}

/// The key exchange of a suite as the key-exchange table reports it:
/// anonymous (unsigned) DH and ECDH apart from the signed ephemeral kinds,
/// export RSA and export DHE apart from their full-strength kinds.
pub fn kex_class(kx: &'static str, anon: bool, export: bool) -> &'static str {
    match (kx, anon, export) {
        ("dh" | "dhe", true, _) => "anon_dh",
        ("ecdh" | "ecdhe", true, _) => "anon_ecdh",
        ("rsa", false, true) => "rsa_export",
        ("dhe", false, true) => "dhe_export",
        (kx, _, _) => kx,
    }
}

/// Builds a row from its basic facts, deriving flags and classes.
#[allow(clippy::too_many_arguments)]
fn row(
    id: u32,
    name: &str,
    source: &'static str,
    kx: &'static str,
    au: &'static str,
    enc: &'static str,
    mode: &'static str,
    bits: u16,
    mac: &'static str,
) -> CipherSuite {
    let scsv = name.ends_with("_SCSV");
    let export = name.contains("EXPORT");
    let aead = matches!(mode, "gcm" | "ccm" | "aead");
    let min_version = if id > 0xFFFF {
        0x0002
    } else if kx == "tls13" {
        0x0304
    } else if aead || matches!(mac, "sha256" | "sha384" | "sha512") {
        0x0303
    } else {
        0x0300
    };
    let mut s = CipherSuite {
        id,
        name: name.to_owned(),
        source: if scsv { "scsv" } else { source },
        kx,
        kex_class: "n/a",
        au,
        enc,
        mode,
        bits,
        mac,
        min_version,
        null: enc == "null" && !scsv,
        anon: au == "null" && kx != "null" && kx != "tls13" && !scsv,
        export,
        rc4: enc == "rc4",
        des: enc == "des",
        triple_des: enc == "3des",
        idea: enc == "idea",
        seed: enc == "seed",
        camellia: enc == "camellia",
        cbc: mode == "cbc",
        aead,
        // Anonymous DH/ECDH suites use ephemeral keys too (unsigned).
        pfs: matches!(kx, "dhe" | "ecdhe" | "tls13")
            || (kx == "psk" && name.contains("DHE_PSK"))
            || (au == "null" && matches!(kx, "dh" | "ecdh")),
        md5_mac: mac == "md5",
        sha1_mac: mac == "sha1",
        scsv,
        unknown: false,
        openssl_strength: "n/a",
        testssl_bucket: "n/a",
        openssl_name: None,
        cipherscan_family: "n/a",
    };
    if !scsv {
        s.kex_class = kex_class(kx, s.anon, export);
        s.openssl_strength = openssl_strength(&s);
        s.testssl_bucket = testssl_bucket(&s);
        s.cipherscan_family = cipherscan_family(&s);
    }
    s
}

/// cipherscan's `top1m/parse_results.py` tests OpenSSL names in this order:
/// AES-GCM, then other AES, 3DES, Camellia, RC4, ChaCha20; the rest are counted
/// one by one ("other" here).
fn cipherscan_family(s: &CipherSuite) -> &'static str {
    match (s.enc, s.mode) {
        ("aes", "gcm") => "AES-GCM",
        ("aes", _) => "AES",
        ("3des", _) => "3DES",
        ("camellia", _) => "CAMELLIA",
        ("rc4", _) => "RC4",
        ("chacha20", _) => "CHACHA20",
        _ => "other",
    }
}

/// `data/openssl-names.csv`: code → OpenSSL name.
fn openssl_names() -> impl Iterator<Item = (u32, String)> {
    crate::csv::records(include_str!("../../data/openssl-names.csv"))
        .into_iter()
        .filter_map(|mut r| {
            let id = u32::from_str_radix(r.get("id")?.trim_start_matches("0x"), 16).ok()?;
            Some((id, r.remove("openssl_name")?))
        })
}

/// The suite OpenSSL calls `name`. SSLv2 kinds share names with TLS suites
/// (`RC4-MD5`); the TLS suite is returned.
pub fn by_openssl_name(name: &str) -> Option<&'static CipherSuite> {
    table()
        .iter()
        .find(|s| s.id <= 0xFFFF && s.openssl_name.as_deref() == Some(name))
}

/// OpenSSL 1.0.2's class: 3DES was still HIGH then (MEDIUM from 1.1.0).
fn openssl_strength(s: &CipherSuite) -> &'static str {
    if s.null {
        "NULL"
    } else if s.export {
        "EXPORT"
    } else if s.bits < 112 {
        "LOW"
    } else if matches!(s.enc, "rc4" | "idea" | "seed" | "rc2") {
        "MEDIUM"
    } else {
        "HIGH"
    }
}

fn testssl_bucket(s: &CipherSuite) -> &'static str {
    if s.null {
        "null"
    } else if s.anon {
        "anon"
    } else if s.export {
        "export"
    } else if s.des || s.rc4 || s.enc == "rc2" || s.bits < 112 || s.md5_mac {
        "low"
    } else if s.triple_des || s.idea {
        "3des_idea"
    } else if !s.aead {
        "cbc"
    } else if s.pfs {
        "aead_fs"
    } else {
        "aead_no_fs"
    }
}

/// The table, built once, ordered by `id`, each code once.
pub fn table() -> &'static [CipherSuite] {
    static TABLE: std::sync::OnceLock<Vec<CipherSuite>> = std::sync::OnceLock::new();
    TABLE.get_or_init(build)
}

/// The row of a known code.
pub fn find(id: u32) -> Option<&'static CipherSuite> {
    let t = table();
    t.binary_search_by_key(&id, |r| r.id).ok().map(|i| &t[i])
}

fn build() -> Vec<CipherSuite> {
    let mut rows: Vec<CipherSuite> = CIPHERS
        .values()
        .map(|c| {
            let enc = enc_name(c.enc);
            let bits = if enc == "chacha20" { 256 } else { c.enc_size };
            row(
                u32::from(c.id.0),
                c.name,
                "iana",
                kx_name(c.kx),
                au_name(c.au, c.kx),
                enc,
                mode_name(c.enc_mode, enc),
                bits,
                mac_name(c.mac),
            )
        })
        .collect();
    for &(id, name, source, kx, au, enc, mode, bits, mac) in EXTRAS {
        if !rows.iter().any(|r| r.id == id) {
            rows.push(row(id, name, source, kx, au, enc, mode, bits, mac));
        }
    }
    for (id, name) in openssl_names() {
        if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
            r.openssl_name = Some(name);
        }
    }
    rows.sort_by_key(|r| r.id);
    rows
}

/// The row for `id`, or a row flagged unknown (never a failure).
pub fn lookup(id: u32) -> CipherSuite {
    find(id).cloned().unwrap_or_else(|| {
        let mut r = row(
            id,
            &format!("UNKNOWN_0x{id:04X}"),
            "unknown",
            "unknown",
            "unknown",
            "unknown",
            "unknown",
            0,
            "unknown",
        );
        r.unknown = true;
        r.kex_class = "unknown";
        r.openssl_strength = "n/a";
        r.testssl_bucket = "n/a";
        r.cipherscan_family = "n/a";
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (code, IANA name, OpenSSL 1.0.2 class, testssl 3.0 bucket, min version).
    /// Names from the IANA registry; classes as `openssl ciphers -v` 1.0.2
    /// and testssl.sh 3.0 `--std` print them.
    const PINNED: &[(u32, &str, &str, &str, u16)] = &[
        (0x0001, "TLS_RSA_WITH_NULL_MD5", "NULL", "null", 0x0300),
        (0x0002, "TLS_RSA_WITH_NULL_SHA", "NULL", "null", 0x0300),
        (0x003B, "TLS_RSA_WITH_NULL_SHA256", "NULL", "null", 0x0303),
        (
            0xC006,
            "TLS_ECDHE_ECDSA_WITH_NULL_SHA",
            "NULL",
            "null",
            0x0300,
        ),
        (
            0x0003,
            "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
            "EXPORT",
            "export",
            0x0300,
        ),
        (
            0x0006,
            "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
            "EXPORT",
            "export",
            0x0300,
        ),
        (
            0x0008,
            "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
            "EXPORT",
            "export",
            0x0300,
        ),
        (
            0x0014,
            "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
            "EXPORT",
            "export",
            0x0300,
        ),
        (
            0x0017,
            "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5",
            "EXPORT",
            "anon",
            0x0300,
        ),
        (
            0x0018,
            "TLS_DH_anon_WITH_RC4_128_MD5",
            "MEDIUM",
            "anon",
            0x0300,
        ),
        (
            0x0034,
            "TLS_DH_anon_WITH_AES_128_CBC_SHA",
            "HIGH",
            "anon",
            0x0300,
        ),
        (
            0x003A,
            "TLS_DH_anon_WITH_AES_256_CBC_SHA",
            "HIGH",
            "anon",
            0x0300,
        ),
        (
            0xC018,
            "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
            "HIGH",
            "anon",
            0x0300,
        ),
        (0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "LOW", "low", 0x0300),
        (0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", "LOW", "low", 0x0300),
        (0x0004, "TLS_RSA_WITH_RC4_128_MD5", "MEDIUM", "low", 0x0300),
        (0x0005, "TLS_RSA_WITH_RC4_128_SHA", "MEDIUM", "low", 0x0300),
        (
            0xC011,
            "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            "MEDIUM",
            "low",
            0x0300,
        ),
        (
            0xC007,
            "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
            "MEDIUM",
            "low",
            0x0300,
        ),
        (
            0x000A,
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            "HIGH",
            "3des_idea",
            0x0300,
        ),
        (
            0x0016,
            "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
            "HIGH",
            "3des_idea",
            0x0300,
        ),
        (
            0xC012,
            "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
            "HIGH",
            "3des_idea",
            0x0300,
        ),
        (
            0x0007,
            "TLS_RSA_WITH_IDEA_CBC_SHA",
            "MEDIUM",
            "3des_idea",
            0x0300,
        ),
        (0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", "MEDIUM", "cbc", 0x0300),
        (
            0x002F,
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0x0035,
            "TLS_RSA_WITH_AES_256_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0x003C,
            "TLS_RSA_WITH_AES_128_CBC_SHA256",
            "HIGH",
            "cbc",
            0x0303,
        ),
        (
            0x0033,
            "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0x0039,
            "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0x0041,
            "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0x0088,
            "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0xC013,
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0xC014,
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0xC027,
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
            "HIGH",
            "cbc",
            0x0303,
        ),
        (
            0xC028,
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
            "HIGH",
            "cbc",
            0x0303,
        ),
        (
            0xC009,
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "HIGH",
            "cbc",
            0x0300,
        ),
        (
            0x009C,
            "TLS_RSA_WITH_AES_128_GCM_SHA256",
            "HIGH",
            "aead_no_fs",
            0x0303,
        ),
        (
            0x009D,
            "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "HIGH",
            "aead_no_fs",
            0x0303,
        ),
        (
            0x009E,
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0x009F,
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0xC02B,
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0xC02C,
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0xC02F,
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0xC030,
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0xCCA8,
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0xCCA9,
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (
            0xCC13,
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
            "HIGH",
            "aead_fs",
            0x0303,
        ),
        (0x1301, "TLS_AES_128_GCM_SHA256", "HIGH", "aead_fs", 0x0304),
        (
            0x1303,
            "TLS_CHACHA20_POLY1305_SHA256",
            "HIGH",
            "aead_fs",
            0x0304,
        ),
        (0x010080, "SSL_CK_RC4_128_WITH_MD5", "MEDIUM", "low", 0x0002),
        (
            0x0700C0,
            "SSL_CK_DES_192_EDE3_CBC_WITH_MD5",
            "HIGH",
            "low",
            0x0002,
        ),
        (
            0xFEFF,
            "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA",
            "HIGH",
            "3des_idea",
            0x0300,
        ),
    ];

    #[test]
    fn pinned_suites() {
        let table = table();
        for &(id, name, strength, bucket, min) in PINNED {
            let r = table
                .iter()
                .find(|r| r.id == id)
                .unwrap_or_else(|| panic!("0x{id:04X} missing"));
            assert_eq!(
                (
                    r.name.as_str(),
                    r.openssl_strength,
                    r.testssl_bucket,
                    r.min_version
                ),
                (name, strength, bucket, min),
                "0x{id:04X}"
            );
        }
        assert!(PINNED.len() >= 40);
    }

    #[test]
    fn table_is_complete_and_unique() {
        let table = table();
        assert!(table.len() > 350, "{}", table.len());
        for w in table.windows(2) {
            assert!(
                w[0].id < w[1].id,
                "duplicate or unordered 0x{:04X}",
                w[1].id
            );
        }
        assert!(table.iter().all(|r| !r.name.is_empty() && !r.unknown));
        let scsv: Vec<u32> = table.iter().filter(|r| r.scsv).map(|r| r.id).collect();
        assert_eq!(scsv, [0x00FF, 0x5600]);
        let flags = |id| find(id).unwrap().clone();
        let c = flags(0xC02F);
        assert!(
            c.pfs
                && c.aead
                && !c.cbc
                && !c.anon
                && c.kx == "ecdhe"
                && c.au == "rsa"
                && c.bits == 128
        );
        let r = flags(0x0004);
        assert!(r.rc4 && r.md5_mac && !r.pfs && r.mode == "stream");
        assert!(flags(0xCCA8).bits == 256);
    }

    #[test]
    fn unknown_codes_get_a_row() {
        let r = lookup(0x1234);
        assert!(r.unknown && r.name == "UNKNOWN_0x1234" && r.testssl_bucket == "n/a");
        assert_eq!(lookup(0xC030).name, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    }

    /// OpenSSL names as `openssl ciphers -V` prints them (1.0.2 for the
    /// legacy suites), and cipherscan's family of each.
    #[test]
    fn pinned_openssl_names_and_cipherscan_families() {
        let pinned: &[(u32, &str, &str)] = &[
            (0x0001, "NULL-MD5", "other"),
            (0x0002, "NULL-SHA", "other"),
            (0x0003, "EXP-RC4-MD5", "RC4"),
            (0x0004, "RC4-MD5", "RC4"),
            (0x0005, "RC4-SHA", "RC4"),
            (0x0006, "EXP-RC2-CBC-MD5", "other"),
            (0x0007, "IDEA-CBC-SHA", "other"),
            (0x0008, "EXP-DES-CBC-SHA", "other"),
            (0x0009, "DES-CBC-SHA", "other"),
            (0x000A, "DES-CBC3-SHA", "3DES"),
            (0x0013, "EDH-DSS-DES-CBC3-SHA", "3DES"),
            (0x0014, "EXP-EDH-RSA-DES-CBC-SHA", "other"),
            (0x0016, "EDH-RSA-DES-CBC3-SHA", "3DES"),
            (0x0018, "ADH-RC4-MD5", "RC4"),
            (0x001B, "ADH-DES-CBC3-SHA", "3DES"),
            (0x002F, "AES128-SHA", "AES"),
            (0x0032, "DHE-DSS-AES128-SHA", "AES"),
            (0x0033, "DHE-RSA-AES128-SHA", "AES"),
            (0x0034, "ADH-AES128-SHA", "AES"),
            (0x0035, "AES256-SHA", "AES"),
            (0x0039, "DHE-RSA-AES256-SHA", "AES"),
            (0x003C, "AES128-SHA256", "AES"),
            (0x003D, "AES256-SHA256", "AES"),
            (0x0041, "CAMELLIA128-SHA", "CAMELLIA"),
            (0x0067, "DHE-RSA-AES128-SHA256", "AES"),
            (0x006B, "DHE-RSA-AES256-SHA256", "AES"),
            (0x0084, "CAMELLIA256-SHA", "CAMELLIA"),
            (0x0088, "DHE-RSA-CAMELLIA256-SHA", "CAMELLIA"),
            (0x0096, "SEED-SHA", "other"),
            (0x009C, "AES128-GCM-SHA256", "AES-GCM"),
            (0x009D, "AES256-GCM-SHA384", "AES-GCM"),
            (0x009E, "DHE-RSA-AES128-GCM-SHA256", "AES-GCM"),
            (0x009F, "DHE-RSA-AES256-GCM-SHA384", "AES-GCM"),
            (0xC007, "ECDHE-ECDSA-RC4-SHA", "RC4"),
            (0xC009, "ECDHE-ECDSA-AES128-SHA", "AES"),
            (0xC00A, "ECDHE-ECDSA-AES256-SHA", "AES"),
            (0xC011, "ECDHE-RSA-RC4-SHA", "RC4"),
            (0xC012, "ECDHE-RSA-DES-CBC3-SHA", "3DES"),
            (0xC013, "ECDHE-RSA-AES128-SHA", "AES"),
            (0xC014, "ECDHE-RSA-AES256-SHA", "AES"),
            (0xC023, "ECDHE-ECDSA-AES128-SHA256", "AES"),
            (0xC027, "ECDHE-RSA-AES128-SHA256", "AES"),
            (0xC028, "ECDHE-RSA-AES256-SHA384", "AES"),
            (0xC02B, "ECDHE-ECDSA-AES128-GCM-SHA256", "AES-GCM"),
            (0xC02F, "ECDHE-RSA-AES128-GCM-SHA256", "AES-GCM"),
            (0xC030, "ECDHE-RSA-AES256-GCM-SHA384", "AES-GCM"),
            (0xCCA8, "ECDHE-RSA-CHACHA20-POLY1305", "CHACHA20"),
            (0xCCA9, "ECDHE-ECDSA-CHACHA20-POLY1305", "CHACHA20"),
            (0x1301, "TLS_AES_128_GCM_SHA256", "AES-GCM"),
            (0x1303, "TLS_CHACHA20_POLY1305_SHA256", "CHACHA20"),
        ];
        for &(id, name, family) in pinned {
            let s = find(id).unwrap_or_else(|| panic!("0x{id:04X} missing"));
            assert_eq!(s.openssl_name.as_deref(), Some(name), "0x{id:04X}");
            assert_eq!(s.cipherscan_family, family, "0x{id:04X}");
            assert_eq!(by_openssl_name(name).map(|s| s.id), Some(id), "{name}");
        }
        assert_eq!(
            find(0x0700C0).and_then(|s| s.openssl_name.as_deref()),
            Some("DES-CBC3-MD5")
        );
        assert_eq!(
            find(0x5600).map(|s| s.cipherscan_family),
            Some("n/a"),
            "SCSV"
        );
        assert_eq!(lookup(0x1234).cipherscan_family, "n/a");
    }
}
