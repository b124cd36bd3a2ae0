//! The tables a commit writes whole: the built-in dimensions, the series,
//! and everything derived from all of a dataset's rows (chain trust, name
//! checks, mail routes, DNS and MTA-STS states). An ingest and a merge
//! both end here, so a merged dataset is derived exactly as an ingested one.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use polars::prelude::DataFrame;

use super::progress;
use crate::dataset::commit::Staging;
use crate::dataset::manifest::{Manifest, Part};
use crate::dataset::tables::{
    empty_frame, CipherSuiteRows, ClientOfferRows, DhGroupRows, MozillaLevelRows, ScanRows,
    ROW_TABLES,
};
use crate::dataset::writer::write_part;
use crate::trust::table::{RunChains, SeenChains, TrustWork};

/// Tables rewritten whole at every commit: the series, the built-in
/// dimensions, and the tables derived from the whole dataset.
pub const WHOLE_TABLES: &[&str] = &[
    "scans",
    "cipher_suites",
    "mozilla_levels",
    "client_offers",
    "dh_groups",
    "chain_trust",
    "name_checks",
    "mail_routes",
    "dns_mx",
    "dns_addr",
    "dns_tlsa",
    "mta_sts",
    "sonar_chains",
];

/// Writes every whole table of `manifest` (whose rows are committed or
/// staged in `staging`) as run `run_id`'s parts and names them in it.
/// `chains` are the chains of run `run_id`'s own `handshakes` parts,
/// gathered while they were written; every other part's are read back.
pub fn derive(
    manifest: &mut Manifest,
    staging: &Staging,
    run_id: u32,
    mut chains: SeenChains,
    quiet: bool,
) -> Result<TrustWork> {
    let locate = |rel: &str| {
        let staged = staging.root.join(rel);
        if staged.exists() {
            staged
        } else {
            staging.dataset.join(rel)
        }
    };
    let bar = progress::stage("judging certificate chains", 0, quiet);
    // Sonar hosts' chains span lines and files: put together from every
    // run's rows, and judged with this run's chains.
    let sonar = crate::trust::sonar::assemble(manifest, &locate)?;
    crate::trust::sonar::register(&sonar, &mut chains);
    let this_run = RunChains {
        run: run_id,
        chains,
    };
    // The two derived tables read different columns and share nothing:
    // name checks are made while the chains are judged.
    let (trust, names) = std::thread::scope(|scope| {
        let names = scope.spawn(|| crate::trust::names::compute(&*manifest, &locate));
        let trust = crate::trust::table::compute(&*manifest, &locate, this_run, &bar);
        let names = names
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the name checks failed")));
        (trust, names)
    });
    let (trust_df, trust_work) = trust?;
    bar.finish_and_clear();
    let answers = crate::dane::records::load(&*manifest, &locate)?;
    let sts = crate::dane::records::read_sts(&*manifest, &locate, &answers)?;
    let routes = crate::dane::routes::compute(&*manifest, &locate, &answers, &sts, &trust_df)?;
    let [mx, addr, tlsa] = crate::dane::records::typed_tables(&answers)?;
    drop(answers);
    let whole = [
        ("scans", scans_frame(manifest)?),
        ("cipher_suites", CipherSuiteRows::built_in().into_frame()?),
        ("mozilla_levels", MozillaLevelRows::built_in().into_frame()?),
        ("client_offers", ClientOfferRows::built_in().into_frame()?),
        ("dh_groups", DhGroupRows::built_in().into_frame()?),
        ("chain_trust", trust_df),
        ("name_checks", names?),
        ("mail_routes", routes),
        mx,
        addr,
        tlsa,
        ("mta_sts", crate::dane::records::sts_table(&sts)?),
        ("sonar_chains", crate::trust::sonar::table(&sonar)?),
    ];
    for (table, mut df) in whole {
        debug_assert!(WHOLE_TABLES.contains(&table));
        manifest.parts.push(write_part(
            &staging.root,
            &format!("{table}/part-r{run_id:04}.parquet"),
            table,
            run_id,
            &mut df,
        )?);
    }
    Ok(trust_work)
}

/// The file-name ending of an empty part that stands for a table without rows.
pub const EMPTY_PART: &str = "-empty.parquet";

/// Gives every row table at least an empty part, so a dataset whose inputs
/// held no handshakes (or no ZMap output) still has the table; drops the
/// empty part once the table has rows. Returns the committed empty parts
/// so dropped, to delete after the commit.
pub fn keep_every_row_table(manifest: &mut Manifest, root: &Path, run: u32) -> Result<Vec<String>> {
    let mut dropped = Vec::new();
    for &(table, _) in ROW_TABLES {
        let empty = |p: &Part| p.table == table && p.path.ends_with(EMPTY_PART);
        let has_rows = manifest.parts.iter().any(|p| p.table == table && !empty(p));
        if has_rows {
            dropped.extend(
                manifest
                    .parts
                    .iter()
                    .filter(|p| empty(p))
                    .map(|p| p.path.clone()),
            );
            manifest.parts.retain(|p| !empty(p));
        } else if !manifest.parts.iter().any(empty) {
            let rel = format!("{table}/part-r{run:04}{EMPTY_PART}");
            let mut df = empty_frame(table)?;
            manifest
                .parts
                .push(write_part(root, &rel, table, run, &mut df)?);
        }
    }
    Ok(dropped)
}

/// The `scans` table from the manifest's scan entries, with each scan's
/// place in its series ([`crate::dataset::series`]).
fn scans_frame(manifest: &Manifest) -> Result<DataFrame> {
    let mut rows = ScanRows::default();
    let order = crate::dataset::series::order(&manifest.scans);
    let scans: BTreeMap<_, _> = manifest.scans.iter().collect();
    for (id, s) in scans {
        rows.rows += 1;
        rows.scan_id.push(id.clone());
        rows.port.push(s.port);
        rows.protocol.push(s.protocol.clone());
        rows.tls_mode.push(s.tls_mode.clone());
        rows.layouts.push(s.layouts.join(","));
        rows.subprotocol.push(s.subprotocol.clone());
        rows.destination.push(s.destination.clone());
        rows.run_start.0.push(s.run_start_us);
        rows.first_seen.0.push(s.first_seen_us);
        rows.last_seen.0.push(s.last_seen_us);
        rows.handshakes.push(s.handshakes);
        rows.discoveries.push(s.discoveries);
        rows.input_ids.push(
            s.input_ids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
        let time = crate::dataset::series::scan_time_us(s);
        rows.scan_time.0.push(time);
        rows.scan_date
            .push(time.map(crate::dataset::series::date_of));
        rows.scan_day
            .push(time.map(|us| us.div_euclid(86_400_000_000)));
        let place = order.get(id.as_str());
        rows.series.push(place.map(|p| p.series.clone()));
        rows.series_seq.push(place.map(|p| p.seq));
        rows.previous_scan_id
            .push(place.and_then(|p| p.previous.clone()));
    }
    Ok(rows.into_frame()?)
}
