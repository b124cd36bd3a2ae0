//! Certificate facts from DER, the verifier's view of the same bytes, and
//! the name keys issuers are found by.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let facts = mailtls::x509::facts_from_der(data.to_vec());
    if let Some(dn) = facts.subject_dn.as_deref() {
        let _ = mailtls::x509::dn::text_key(dn);
    }
    let cert = mailtls::trust::ChainCert::from_der(data);
    let _ = (cert.subject_key(), cert.issuer_key(), cert.validity());
});
