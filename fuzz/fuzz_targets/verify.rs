//! The verifier on random chains: the input is certificates, each behind a
//! two-byte length, judged against the first of them as the only root and
//! at a time taken from the input. Never a panic, never a stall.
#![no_main]

use std::sync::Arc;

use mailtls::trust::{ChainCert, IssuerIndex, RootStore, SignatureMemo, Verifier};

fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n")
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let at = i64::from(u32::from_be_bytes([data[0], data[1], data[2], data[3]])) * 2;
    let mut rest = &data[4..];
    let mut certs = Vec::new();
    while rest.len() >= 2 && certs.len() < 32 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        certs.push(rest[2..2 + len].to_vec());
        rest = &rest[2 + len..];
    }
    let Some((root, chain)) = certs.split_first() else {
        return;
    };
    let Ok(store) = RootStore::from_pem("fuzz", None, pem(root).as_bytes()) else {
        return;
    };
    let chain: Vec<Arc<ChainCert>> = chain.iter().map(|d| Arc::new(ChainCert::from_der(d))).collect();
    let mut elsewhere = IssuerIndex::default();
    for c in chain.iter().skip(1) {
        elsewhere.add(c.clone());
    }
    let verifier = Verifier {
        store: &store,
        as_of: at,
    };
    let _ = verifier.verify(&chain, &elsewhere, &mut SignatureMemo::default());
});
