//! `mailtls dataset merge`: several datasets (typically the shards of one
//! archive, ingested on several machines with `--shard K/N`) become one,
//! equal to a one-machine ingest of the same inputs.
//!
//! * Runs and inputs are renumbered one source after the other, and every
//!   row's `input_id` with them, so rows still name the file they came from.
//! * `certificates` keeps one row per certificate: the first source's, or
//!   the first that holds the DER where another held only a scanner's
//!   parsed JSON (as an ingest upgrades such a row).
//! * Quarantine files and root-store files come along.
//! * The whole tables (chain trust, name checks, mail routes, DNS, MTA-STS)
//!   are derived afresh from the merged rows by the same code an ingest ends
//!   with, since a chain's verdict may rest on a certificate another shard saw.
//!
//! Two sources that ingested the same input (same size and content hash)
//! are refused: their rows would count twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use polars::prelude::{BooleanChunked, Column, DataFrame, ParquetReader, SerReader};
use rayon::prelude::*;

use super::{now_rfc3339, progress, tool_version, whole};
use crate::dataset::commit::Staging;
use crate::dataset::manifest::{InputEntry, Manifest, Part, Run, FORMAT};
use crate::dataset::read::read_columns;
use crate::dataset::tables::ROW_TABLES;
use crate::dataset::writer::write_part;
use crate::trust::table::{SeenChains, TrustWork, ROOTS_DIR};
use crate::x509::{digest_from_hex, Sha256Digest};

/// What a merge did.
#[derive(Debug)]
pub struct MergeSummary {
    /// The merged dataset.
    pub dataset: PathBuf,
    /// Source datasets, in the order merged.
    pub sources: usize,
    /// Inputs in the merged dataset.
    pub inputs: usize,
    /// Row-table parts rewritten.
    pub parts: usize,
    /// Rows per row table in the merged dataset.
    pub rows: Vec<(String, u64)>,
    /// Certificate rows dropped because an earlier source held them.
    pub duplicate_certificates: u64,
    /// Chain validation done for `chain_trust`.
    pub trust: TrustWork,
    /// Wall time.
    pub elapsed: std::time::Duration,
}

impl std::fmt::Display for MergeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "merged {} datasets into {} in {:.1} s",
            self.sources,
            self.dataset.display(),
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  inputs         {} ({} row-table parts rewritten)",
            self.inputs, self.parts
        )?;
        for (table, rows) in self.rows.iter().filter(|(_, rows)| *rows > 0) {
            writeln!(f, "  {table:<14} {rows} rows")?;
        }
        writeln!(
            f,
            "  certificates   {} rows dropped as held by an earlier source",
            self.duplicate_certificates
        )?;
        write!(
            f,
            "  trust          {} distinct chains judged again over the merged certificates, {} validations",
            self.trust.chains, self.trust.validations
        )
    }
}

/// Where a source's numbering starts in the merged dataset.
#[derive(Clone, Copy)]
struct Offsets {
    run: u32,
    input: u32,
}

/// A row-table part to copy: its source dataset, its entry there, and the
/// numbering shift of that source.
struct SourcePart<'a> {
    dataset: &'a Path,
    part: &'a Part,
    offsets: Offsets,
}

/// Merges `sources` into the new dataset `out`.
pub fn run(sources: &[PathBuf], out: &Path, quiet: bool) -> Result<MergeSummary> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    if sources.is_empty() {
        bail!("give the datasets to merge, e.g. `mailtls dataset merge shard1 shard2 --out all`");
    }
    let manifests = sources
        .iter()
        .map(|s| Manifest::load(s))
        .collect::<Result<Vec<_>>>()?;
    for (source, m) in sources.iter().zip(&manifests) {
        if m.format != FORMAT {
            bail!(
                "{} has dataset layout {} (written by {}); this {} merges layout {FORMAT} only: \
                 ingest its inputs again with this version",
                source.display(),
                m.format,
                m.tool,
                tool_version()
            );
        }
    }
    refuse_shared_inputs(sources, &manifests)?;
    let staging = Staging::open(out, false)?;
    let result = merge_into(&staging, sources, &manifests, &started_at, quiet);
    let (manifest, summary) = match result {
        Ok(done) => done,
        Err(e) => {
            staging.abandon();
            return Err(e.context("nothing was written"));
        }
    };
    staging.commit(&manifest)?;
    Ok(MergeSummary {
        elapsed: started.elapsed(),
        ..summary
    })
}

/// Fails when two sources hold the same input content.
fn refuse_shared_inputs(sources: &[PathBuf], manifests: &[Manifest]) -> Result<()> {
    let mut seen: HashMap<(u64, &str), (usize, &str)> = HashMap::new();
    for (s, m) in manifests.iter().enumerate() {
        for input in m.inputs.iter().filter(|i| i.failed.is_none()) {
            let key = (input.size, input.xxh3_128.as_str());
            if let Some((first, path)) = seen.insert(key, (s, &input.path)) {
                if first != s {
                    bail!(
                        "{} and {} both hold the same input ({} and {}): merged, its rows \
                         would count twice; merge datasets of different inputs, such as the \
                         shards of one `--shard K/N` split",
                        sources[first].display(),
                        sources[s].display(),
                        path,
                        input.path
                    );
                }
            }
        }
    }
    Ok(())
}

fn merge_into(
    staging: &Staging,
    sources: &[PathBuf],
    manifests: &[Manifest],
    started_at: &str,
    quiet: bool,
) -> Result<(Manifest, MergeSummary)> {
    let mut manifest = Manifest {
        format: FORMAT,
        tool: tool_version(),
        ..Manifest::default()
    };
    let mut copies = Vec::new();
    for ((dataset, m), offsets) in sources.iter().zip(manifests).zip(offsets_of(manifests)) {
        for run in &m.runs {
            manifest.runs.push(Run {
                id: run.id + offsets.run,
                ..run.clone()
            });
        }
        for input in &m.inputs {
            manifest.inputs.push(InputEntry {
                id: input.id + offsets.input,
                run: input.run + offsets.run,
                ..input.clone()
            });
        }
        for (id, scan) in &m.scans {
            let mut shifted = scan.clone();
            for i in &mut shifted.input_ids {
                *i += offsets.input;
            }
            manifest
                .scans
                .entry(id.clone())
                .or_insert_with(|| scan.identity())
                .merge(&shifted);
        }
        for setting in &m.trust {
            if !manifest.trust.contains(setting) {
                manifest.trust.push(setting.clone());
            }
        }
        copy_side_files(dataset, &staging.root, offsets)?;
        let is_row_table = |t: &str| ROW_TABLES.iter().any(|(name, _)| *name == t);
        copies.extend(
            m.parts
                .iter()
                .filter(|p| is_row_table(&p.table) && !p.path.ends_with(whole::EMPTY_PART))
                .map(|part| SourcePart {
                    dataset,
                    part,
                    offsets,
                }),
        );
    }
    let run_id = manifest.runs.len() as u32 + 1;
    let winners = certificate_winners(&copies)?;
    let bar = progress::stage("merging parts", copies.len() as u64, quiet);
    let copied = copies
        .par_iter()
        .enumerate()
        .map(|(n, source)| {
            let part = copy_part(source, n, &winners, &staging.root);
            bar.inc(1);
            part
        })
        .collect::<Result<Vec<_>>>()?;
    bar.finish_and_clear();
    let mut duplicate_certificates = 0;
    for (source, part) in copies.iter().zip(copied) {
        duplicate_certificates += source.part.rows - part.as_ref().map_or(0, |p| p.rows);
        manifest.parts.extend(part);
    }
    whole::keep_every_row_table(&mut manifest, &staging.root, run_id)?;
    let trust = whole::derive(&mut manifest, staging, run_id, SeenChains::default(), quiet)?;
    manifest.runs.push(Run {
        id: run_id,
        started: started_at.to_owned(),
        committed: now_rfc3339(),
        tool: tool_version(),
        jobs: rayon::current_num_threads(),
        ..Run::default()
    });
    let rows = ROW_TABLES
        .iter()
        .map(|(t, _)| ((*t).to_owned(), manifest.rows(t)))
        .collect();
    let summary = MergeSummary {
        dataset: staging.dataset.clone(),
        sources: sources.len(),
        inputs: manifest.inputs.len(),
        parts: copies.len(),
        rows,
        duplicate_certificates,
        trust,
        elapsed: std::time::Duration::ZERO,
    };
    Ok((manifest, summary))
}

/// Each source's numbering shift: after all runs and inputs of the ones before.
fn offsets_of(manifests: &[Manifest]) -> Vec<Offsets> {
    let mut next = Offsets { run: 0, input: 0 };
    manifests
        .iter()
        .map(|m| {
            let this = next;
            next.run += m.runs.len() as u32;
            next.input += m.inputs.len() as u32;
            this
        })
        .collect()
}

/// For every certificate, the index (into `copies`) of the part whose row
/// the merged dataset keeps: the first holding its DER, else the first.
fn certificate_winners(copies: &[SourcePart]) -> Result<HashMap<Sha256Digest, (usize, bool)>> {
    let mut winners: HashMap<Sha256Digest, (usize, bool)> = HashMap::new();
    for (n, source) in copies.iter().enumerate() {
        if source.part.table != "certificates" {
            continue;
        }
        let df = read_columns(
            &source.dataset.join(&source.part.path),
            &["sha256", "parse_status"],
        )?;
        let status = df.column("parse_status")?.str()?;
        for (sha, status) in df.column("sha256")?.str()?.iter().zip(status.iter()) {
            let Some(digest) = sha.and_then(digest_from_hex) else {
                continue;
            };
            let has_der = status != Some("scanner_json");
            winners
                .entry(digest)
                .and_modify(|w| {
                    if has_der && !w.1 {
                        *w = (n, true);
                    }
                })
                .or_insert((n, has_der));
        }
    }
    Ok(winners)
}

/// A part's new file name: the run and input numbers of its name shifted.
fn renamed(rel: &str, offsets: Offsets) -> String {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let number = |text: &str, width: usize| -> Option<u32> {
        let digits = text.get(..width)?;
        digits
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let run = name.strip_prefix("part-r").and_then(|r| number(r, 4));
    let out = match run {
        Some(run) => {
            let mut out = format!("part-r{:04}", run + offsets.run);
            let mut rest = &name["part-r0000".len()..];
            if let Some(input) = rest.strip_prefix("-i").and_then(|r| number(r, 5)) {
                out.push_str(&format!("-i{:05}", input + offsets.input));
                rest = &rest["-i00000".len()..];
            }
            out + rest
        }
        // Not a name mailtls writes; kept apart from other sources' files.
        None => format!("merged-r{:04}-i{:05}-{name}", offsets.run, offsets.input),
    };
    if dir.is_empty() {
        out
    } else {
        format!("{dir}/{out}")
    }
}

/// Writes one source part into the merged dataset with its `input_id`s
/// (and `first_input_id`s) shifted; a `certificates` part keeps only the
/// rows it won. `None` when nothing of it is kept.
fn copy_part(
    source: &SourcePart,
    n: usize,
    winners: &HashMap<Sha256Digest, (usize, bool)>,
    root: &Path,
) -> Result<Option<Part>> {
    let path = source.dataset.join(&source.part.path);
    let file =
        std::fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut df: DataFrame = ParquetReader::new(file)
        .finish()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if source.part.table == "certificates" {
        let keep: BooleanChunked = df
            .column("sha256")?
            .str()?
            .iter()
            .map(|sha| {
                let digest = sha.and_then(digest_from_hex);
                Some(digest.is_none_or(|d| winners.get(&d).is_some_and(|w| w.0 == n)))
            })
            .collect();
        if !keep.all() {
            df = df.filter(&keep)?;
        }
        if df.height() == 0 {
            return Ok(None);
        }
    }
    for column in ["input_id", "first_input_id"] {
        if let Ok(ids) = df.column(column) {
            let shifted: Vec<Option<u32>> = ids
                .u32()?
                .iter()
                .map(|id| id.map(|id| id + source.offsets.input))
                .collect();
            df.with_column(Column::new(column.into(), shifted))?;
        }
    }
    let rel = renamed(&source.part.path, source.offsets);
    let run = source.part.run + source.offsets.run;
    write_part(root, &rel, &source.part.table, run, &mut df).map(Some)
}

/// Copies a source's quarantine files (renumbered like its parts) and its
/// root-store files.
fn copy_side_files(dataset: &Path, root: &Path, offsets: Offsets) -> Result<()> {
    let quarantine = dataset.join("_quarantine");
    for run_dir in std::fs::read_dir(&quarantine)
        .into_iter()
        .flatten()
        .flatten()
    {
        let run_name = run_dir.file_name().to_string_lossy().into_owned();
        let Some(run) = run_name
            .strip_prefix('r')
            .and_then(|r| r.parse::<u32>().ok())
        else {
            continue;
        };
        let target = root.join(format!("_quarantine/r{:04}", run + offsets.run));
        for file in std::fs::read_dir(run_dir.path())?.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let name = match name
                .strip_prefix('i')
                .and_then(|r| Some((r.get(..5)?.parse::<u32>().ok()?, r.get(5..)?)))
            {
                Some((input, rest)) => format!("i{:05}{rest}", input + offsets.input),
                None => name,
            };
            std::fs::create_dir_all(&target)?;
            std::fs::copy(file.path(), target.join(&name))
                .with_context(|| format!("cannot copy {}", file.path().display()))?;
        }
    }
    let roots = dataset.join(ROOTS_DIR);
    for file in std::fs::read_dir(&roots).into_iter().flatten().flatten() {
        let target = root.join(ROOTS_DIR).join(file.file_name());
        if target.exists() {
            let same = std::fs::read(&target)? == std::fs::read(file.path())?;
            if !same {
                bail!(
                    "two sources hold different root-store files named {}: rename one \
                     (and its --roots setting) before merging",
                    file.file_name().to_string_lossy()
                );
            }
            continue;
        }
        std::fs::create_dir_all(root.join(ROOTS_DIR))?;
        std::fs::copy(file.path(), &target)
            .with_context(|| format!("cannot copy {}", file.path().display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_shift_their_run_and_input() {
        let shift = Offsets { run: 2, input: 10 };
        assert_eq!(
            renamed(
                "handshakes/scan_id=x/part-r0001-i00003-00007.parquet",
                shift
            ),
            "handshakes/scan_id=x/part-r0003-i00013-00007.parquet"
        );
        assert_eq!(
            renamed("certificates/part-r0002-upgraded-00005.parquet", shift),
            "certificates/part-r0004-upgraded-00005.parquet"
        );
        assert_eq!(
            renamed("dns/odd.parquet", shift),
            "dns/merged-r0002-i00010-odd.parquet"
        );
    }
}
