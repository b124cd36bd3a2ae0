//! Chain-validation benchmark on one core: distinct certificates parsed per
//! second and distinct chains validated per second, over a dataset.
//!
//! Usage: trust_bench DATASET ROOTS.pem YYYY-MM-DD

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result};
use mailtls::dataset::read::read_table;
use mailtls::trust::store::parse_date;
use mailtls::trust::{ChainCert, IssuerIndex, RootStore, SignatureMemo, Verifier};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dataset, roots, date] = args.as_slice() else {
        anyhow::bail!("usage: trust_bench DATASET ROOTS.pem YYYY-MM-DD");
    };
    let dataset = Path::new(dataset);
    let store = RootStore::from_file(Path::new(roots))?;
    let as_of = parse_date(date).context("bad date")?;
    let certs = read_table(dataset, "certificates")?;
    let sha = certs.column("sha256")?.str()?;
    let der = certs.column("der")?.binary()?;
    let start = Instant::now();
    let mut parsed: HashMap<String, Arc<ChainCert>> = HashMap::new();
    for i in 0..certs.height() {
        if let (Some(s), Some(d)) = (sha.get(i), der.get(i)) {
            parsed.insert(s.to_owned(), Arc::new(ChainCert::from_der(d)));
        }
    }
    let parse_secs = start.elapsed().as_secs_f64();
    let handshakes = read_table(dataset, "handshakes")?;
    let lists = handshakes.column("chain_sha256")?.list()?;
    let mut chains: HashMap<Vec<String>, ()> = HashMap::new();
    for i in 0..lists.len() {
        if let Some(list) = lists.get_as_series(i) {
            let chain: Vec<String> = list.str()?.iter().flatten().map(str::to_owned).collect();
            if !chain.is_empty() && chain.iter().all(|c| parsed.contains_key(c)) {
                chains.insert(chain, ());
            }
        }
    }
    let mut elsewhere = IssuerIndex::default();
    for chain in chains.keys() {
        for c in &chain[1..] {
            elsewhere.add(parsed[c].clone());
        }
    }
    let verifier = Verifier {
        store: &store,
        as_of,
    };
    let mut memo = SignatureMemo::default();
    let start = Instant::now();
    let mut valid = 0usize;
    for chain in chains.keys() {
        let certs: Vec<Arc<ChainCert>> = chain.iter().map(|c| parsed[c].clone()).collect();
        valid += usize::from(verifier.verify(&certs, &elsewhere, &mut memo).valid);
    }
    let verify_secs = start.elapsed().as_secs_f64();
    println!(
        "certificates parsed: {} in {:.3} s = {:.0} per second (one core)",
        parsed.len(),
        parse_secs,
        parsed.len() as f64 / parse_secs.max(1e-9)
    );
    println!(
        "distinct chains validated: {} ({} valid) in {:.3} s = {:.0} per second (one core)",
        chains.len(),
        valid,
        verify_secs,
        chains.len() as f64 / verify_secs.max(1e-9)
    );
    Ok(())
}
