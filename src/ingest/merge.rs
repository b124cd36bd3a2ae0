//! `mailtls dataset merge`: several datasets (typically the shards of one
//! archive, ingested on several machines with `--shard K/N`) become one,
//! equal to a one-machine ingest of the same inputs.
//!
//! * Runs and inputs are renumbered one source after the other, and every
//!   row's `input_id` with them, so rows still name the file they came from.
//! * `certificates` keeps one row per certificate: the first source's, or
//!   the first that holds the DER where another held only a scanner's
//!   parsed JSON (as an ingest upgrades such a row).
//! * The pieces of a file that `--shard` split by byte range are put back
//!   together when the sources hold all of them: one input, its rows'
//!   line numbers counted from the file's start again.
//! * Quarantine files and root-store files come along.
//! * The whole tables (chain trust, name checks, mail routes, DNS, MTA-STS)
//!   are derived afresh from the merged rows by the same code an ingest ends
//!   with, since a chain's verdict may rest on a certificate another shard saw.
//!
//! Two sources that ingested the same input (same size and content hash)
//! are refused: their rows would count twice.

use std::collections::{BTreeMap, HashMap};
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
            "  {:<20} {} ({} row-table parts rewritten)",
            "inputs", self.inputs, self.parts
        )?;
        for (table, rows) in self.rows.iter().filter(|(_, rows)| *rows > 0) {
            writeln!(f, "  {table:<20} {rows} rows")?;
        }
        writeln!(
            f,
            "  {:<20} {} certificate rows dropped as held by an earlier source",
            "duplicates", self.duplicate_certificates
        )?;
        write!(
            f,
            "  {:<20} {} distinct chains judged again over the merged certificates, {} validations",
            "trust", self.trust.chains, self.trust.validations
        )
    }
}

/// How a source's runs and inputs are numbered in the merged dataset.
struct Numbering {
    /// Added to each run number.
    run_offset: u32,
    /// New input id, by the source's input id.
    ids: Vec<u32>,
    /// Lines before the piece each input holds (0 for a whole file), by
    /// the source's input id.
    line_shift: Vec<u64>,
}

impl Numbering {
    fn id(&self, old: u32) -> u32 {
        self.ids.get(old as usize).copied().unwrap_or(old)
    }

    fn line_shift(&self, old: u32) -> u64 {
        self.line_shift.get(old as usize).copied().unwrap_or(0)
    }
}

/// A row-table part to copy: its source dataset, its entry there, and the
/// numbering of that source.
struct SourcePart<'a> {
    dataset: &'a Path,
    part: &'a Part,
    numbering: &'a Numbering,
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
    if out.join(crate::dataset::MANIFEST).exists() {
        bail!(
            "{} is already a dataset; a merge writes a new one: choose another --out",
            out.display()
        );
    }
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

/// What identifies an input's content: its hash, or its pieces' hashes.
fn content_key(input: &InputEntry) -> String {
    if input.pieces.is_empty() {
        return input.xxh3_128.clone();
    }
    let pieces: Vec<String> = input
        .pieces
        .iter()
        .map(|p| format!("{}-{}:{}", p.start, p.end, p.xxh3_128))
        .collect();
    pieces.join(",")
}

/// Fails when two sources hold the same input content.
fn refuse_shared_inputs(sources: &[PathBuf], manifests: &[Manifest]) -> Result<()> {
    let mut seen: HashMap<(u64, String), (usize, &str)> = HashMap::new();
    for (s, m) in manifests.iter().enumerate() {
        for input in m.inputs.iter().filter(|i| i.failed.is_none()) {
            let key = (input.size, content_key(input));
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

/// A file read in pieces: the sources' entries for it, as (source, input id).
type PieceGroup = Vec<(usize, u32)>;

/// The files whose pieces the sources hold all of, each with its pieces in
/// file order. A file is known by its name and size: its path may differ
/// from machine to machine.
fn complete_files(manifests: &[Manifest]) -> Vec<PieceGroup> {
    let mut groups: BTreeMap<(String, u64), PieceGroup> = BTreeMap::new();
    for (s, m) in manifests.iter().enumerate() {
        for input in &m.inputs {
            if input.pieces.len() == 1 && input.failed.is_none() {
                let name = Path::new(&input.path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                groups
                    .entry((name, input.size))
                    .or_default()
                    .push((s, input.id));
            }
        }
    }
    let entry = |&(s, id): &(usize, u32)| &manifests[s].inputs[id as usize];
    groups
        .into_values()
        .filter_map(|mut group| {
            group.sort_by_key(|member| entry(member).pieces[0].start);
            let combined = InputEntry {
                size: entry(&group[0]).size,
                pieces: group.iter().map(|m| entry(m).pieces[0].clone()).collect(),
                ..InputEntry::default()
            };
            combined.pieces_cover_the_file().then_some(group)
        })
        .collect()
}

/// Numbers every source's runs and inputs, and lists the merged inputs.
fn number(manifests: &[Manifest]) -> (Vec<Numbering>, Vec<InputEntry>) {
    let mut numberings: Vec<Numbering> = Vec::new();
    let mut run_offsets = Vec::new();
    let mut run_offset = 0;
    for m in manifests {
        run_offsets.push(run_offset);
        numberings.push(Numbering {
            run_offset,
            ids: vec![u32::MAX; m.inputs.len()],
            line_shift: vec![0; m.inputs.len()],
        });
        run_offset += m.runs.len() as u32;
    }
    let groups = complete_files(manifests);
    let group_of: HashMap<(usize, u32), usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, members)| members.iter().map(move |&m| (m, g)))
        .collect();
    let mut inputs: Vec<InputEntry> = Vec::new();
    for (s, m) in manifests.iter().enumerate() {
        for input in &m.inputs {
            if numberings[s].ids[input.id as usize] != u32::MAX {
                continue;
            }
            let new_id = inputs.len() as u32;
            let shifted = |input: &InputEntry, source: usize| InputEntry {
                id: new_id,
                run: input.run + run_offsets[source],
                ..input.clone()
            };
            let Some(&g) = group_of.get(&(s, input.id)) else {
                numberings[s].ids[input.id as usize] = new_id;
                inputs.push(shifted(input, s));
                continue;
            };
            let mut combined: Option<InputEntry> = None;
            let mut lines_before = 0;
            for &(source, id) in &groups[g] {
                let piece = &manifests[source].inputs[id as usize];
                numberings[source].ids[id as usize] = new_id;
                numberings[source].line_shift[id as usize] = lines_before;
                lines_before += piece.pieces[0].line_breaks;
                match combined.as_mut() {
                    None => combined = Some(shifted(piece, source)),
                    Some(whole) => add_piece(whole, piece),
                }
            }
            inputs.extend(combined);
        }
    }
    (numberings, inputs)
}

/// Folds one more piece of a file into the entry that holds the others.
fn add_piece(whole: &mut InputEntry, piece: &InputEntry) {
    whole.pieces.extend(piece.pieces.iter().cloned());
    whole.decompressed += piece.decompressed;
    for (layout, n) in &piece.records {
        *whole.records.entry(layout.clone()).or_default() += n;
    }
    for (reason, n) in &piece.bad_records {
        *whole.bad_records.entry(reason.clone()).or_default() += n;
    }
    whole.handshakes += piece.handshakes;
    whole.discoveries += piece.discoveries;
    whole.ignored_services += piece.ignored_services;
    whole.internal_errors += piece.internal_errors;
    if whole.stream_error.is_none() {
        whole.stream_error.clone_from(&piece.stream_error);
    }
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
    let (numberings, inputs) = number(manifests);
    manifest.inputs = inputs;
    let mut copies = Vec::new();
    for ((dataset, m), numbering) in sources.iter().zip(manifests).zip(&numberings) {
        for run in &m.runs {
            manifest.runs.push(Run {
                id: run.id + numbering.run_offset,
                ..run.clone()
            });
        }
        for (id, scan) in &m.scans {
            let mut renumbered = scan.clone();
            for i in &mut renumbered.input_ids {
                *i = numbering.id(*i);
            }
            manifest
                .scans
                .entry(id.clone())
                .or_insert_with(|| scan.identity())
                .merge(&renumbered);
        }
        for setting in &m.trust {
            if !manifest.trust.contains(setting) {
                manifest.trust.push(setting.clone());
            }
        }
        copy_side_files(dataset, &staging.root, numbering)?;
        let is_row_table = |t: &str| ROW_TABLES.iter().any(|(name, _)| *name == t);
        copies.extend(
            m.parts
                .iter()
                .filter(|p| is_row_table(&p.table) && !p.path.ends_with(whole::EMPTY_PART))
                .map(|part| SourcePart {
                    dataset,
                    part,
                    numbering,
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

/// A part's new file name: the run and input numbers of its name replaced.
fn renamed(rel: &str, numbering: &Numbering) -> String {
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
            let mut out = format!("part-r{:04}", run + numbering.run_offset);
            let mut rest = &name["part-r0000".len()..];
            if let Some(input) = rest.strip_prefix("-i").and_then(|r| number(r, 5)) {
                out.push_str(&format!("-i{:05}", numbering.id(input)));
                rest = &rest["-i00000".len()..];
            }
            out + rest
        }
        // Not a name mailtls writes; kept apart from other sources' files.
        None => format!("merged-r{:04}-{name}", numbering.run_offset),
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
    let numbering = source.numbering;
    if numbering.line_shift.iter().any(|&n| n > 0) {
        if let (Ok(ids), Ok(lines)) = (df.column("input_id"), df.column("line")) {
            let shifted: Vec<Option<u64>> = ids
                .u32()?
                .iter()
                .zip(lines.u64()?.iter())
                .map(|(id, line)| Some(line? + id.map_or(0, |id| numbering.line_shift(id))))
                .collect();
            df.with_column(Column::new("line".into(), shifted))?;
        }
    }
    for column in ["input_id", "first_input_id"] {
        if let Ok(ids) = df.column(column) {
            let renumbered: Vec<Option<u32>> = ids
                .u32()?
                .iter()
                .map(|id| id.map(|id| numbering.id(id)))
                .collect();
            df.with_column(Column::new(column.into(), renumbered))?;
        }
    }
    let rel = renamed(&source.part.path, numbering);
    let run = source.part.run + numbering.run_offset;
    write_part(root, &rel, &source.part.table, run, &mut df).map(Some)
}

/// Copies a source's quarantine files (renumbered like its parts, the
/// lines of a file's later pieces counted from the file's start) and its
/// root-store files.
fn copy_side_files(dataset: &Path, root: &Path, numbering: &Numbering) -> Result<()> {
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
        let target = root.join(format!("_quarantine/r{:04}", run + numbering.run_offset));
        std::fs::create_dir_all(&target)?;
        for file in std::fs::read_dir(run_dir.path())?.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            let input = name
                .strip_prefix('i')
                .and_then(|r| Some((r.get(..5)?.parse::<u32>().ok()?, r.get(5..)?)));
            let Some((input, rest)) = input else {
                std::fs::copy(file.path(), target.join(&name))?;
                continue;
            };
            let to = target.join(format!("i{:05}{rest}", numbering.id(input)));
            match numbering.line_shift(input) {
                0 => std::fs::copy(file.path(), &to).map(drop),
                shift => shift_quarantined_lines(&file.path(), &to, shift),
            }
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

/// Copies a quarantine file, adding `shift` to each record's line number.
fn shift_quarantined_lines(from: &Path, to: &Path, shift: u64) -> std::io::Result<()> {
    use std::io::{BufRead, Write};
    let mut out = std::io::BufWriter::new(std::fs::File::create(to)?);
    for line in std::io::BufReader::new(std::fs::File::open(from)?).lines() {
        let line = line?;
        let mut record: serde_json::Value = serde_json::from_str(&line)?;
        if let Some(n) = record.get("line").and_then(serde_json::Value::as_u64) {
            record["line"] = (n + shift).into();
        }
        serde_json::to_writer(&mut out, &record)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_take_the_merged_numbers() {
        let numbering = Numbering {
            run_offset: 2,
            ids: vec![10, 11, 12, 13],
            line_shift: vec![0; 4],
        };
        assert_eq!(
            renamed(
                "handshakes/scan_id=x/part-r0001-i00003-00007.parquet",
                &numbering
            ),
            "handshakes/scan_id=x/part-r0003-i00013-00007.parquet"
        );
        assert_eq!(
            renamed("certificates/part-r0002-upgraded-00005.parquet", &numbering),
            "certificates/part-r0004-upgraded-00005.parquet"
        );
        assert_eq!(
            renamed("dns/odd.parquet", &numbering),
            "dns/merged-r0002-odd.parquet"
        );
    }
}
