//! The ingest run: files in parallel, chunks of each file in parallel,
//! certificates deduplicated across all of them, one atomic commit.

pub mod certs;
pub mod chunk;
pub mod file;
pub mod merge;
mod progress;
pub mod summary;
pub mod whole;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::dataset::commit::Staging;
use crate::dataset::manifest::{FailedInput, InputEntry, Manifest, Part, Piece, Run, FORMAT};
use crate::dataset::read::read_columns;
use crate::dataset::writer::path_safe;
use crate::formats::{mail, Context};
use crate::input::decompress::hash_file;
use crate::input::discover::discover;
use crate::input::filename::SeriesName;
use crate::input::framing::Limits;
use crate::record::TlsMode;
use crate::trust::table::SeenChains;
use crate::trust::TrustSetting;
use certs::CertStore;
use chunk::FileInfo;
use file::{ingest_file, FileResult, Progress, RunSettings};
pub use summary::Summary;

/// What to ingest and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Files or folders.
    pub inputs: Vec<PathBuf>,
    /// Dataset folder.
    pub out: PathBuf,
    /// Add to an existing dataset.
    pub append: bool,
    /// Stop at the first bad record or stream error.
    pub strict: bool,
    /// Worker threads (0: one per core).
    pub jobs: usize,
    /// Port for records and file names that do not say.
    pub port: Option<u16>,
    /// Protocol for records and file names that do not say.
    pub protocol: Option<String>,
    /// TLS mode for records and file names that do not say.
    pub tls_mode: Option<TlsMode>,
    /// No progress display.
    pub quiet: bool,
    /// Chunk and record limits.
    pub limits: Limits,
    /// Map plain files into memory (else read them like compressed ones).
    pub map_plain: bool,
    /// `--roots`: `mozilla`, a built-in snapshot name, or a PEM file.
    pub roots: Option<String>,
    /// `--as-of`: `scan` or a date `YYYY-MM-DD`.
    pub as_of: Option<String>,
    /// Compute the `trust_agreement` table for the summary: a query over
    /// every handshake after the commit, which the command skips with
    /// `--quiet`, where it prints no summary.
    pub agreement: bool,
    /// `--shard K/N`: ingest only the files of shard K (1-based) of N.
    pub shard: Option<(u32, u32)>,
    /// With `shard`: plain line-framed files at least this large are split
    /// among the shards by byte range rather than given whole to one.
    pub split_bytes: u64,
}

/// The shard (0-based) a file belongs to among `n`: decided by its name
/// alone (XXH3 of the file name), so every machine splits an archive the
/// same way whatever folder it is kept in.
pub fn shard_of(path: &std::path::Path, n: u32) -> u32 {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    (twox_hash::XxHash3_128::oneshot(name.as_bytes()) % u128::from(n.max(1))) as u32
}

/// Reads `K/N` (1 ≤ K ≤ N).
pub fn parse_shard(text: &str) -> Result<(u32, u32)> {
    let parsed = text
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?)));
    match parsed {
        Some((k, n)) if k >= 1 && k <= n => Ok((k, n)),
        _ => anyhow::bail!("--shard {text:?}: give K/N with 1 ≤ K ≤ N, e.g. 2/4"),
    }
}

/// Chunks parsed or waiting to be written per worker. The file's thread
/// writes each finished Parquet part itself, and the workers go on with the
/// chunks in flight meanwhile; with four per worker they could run dry
/// during a part's compression. Measured on a 1 GB plain ZGrab 1 file: four
/// per worker 0.92 s and 150 MiB peak, sixteen 0.82–0.88 s and 270 MiB.
/// Mapped chunks cost no memory; read ones are 2 MB buffers each.
const CHUNKS_IN_FLIGHT_PER_JOB: usize = 16;

/// `mailtls <version>`.
pub fn tool_version() -> String {
    format!("mailtls {}", env!("CARGO_PKG_VERSION"))
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path_safe(name.split('.').next().unwrap_or(&name))
}

fn base_context(opts: &Options) -> Context {
    let (protocol, implied) = match &opts.protocol {
        Some(p) => {
            let (name, mode) = mail::resolve(p);
            (Some(name.to_owned()), mode)
        }
        None => (None, None),
    };
    Context {
        series: None,
        port: opts.port,
        protocol,
        mode: opts.tls_mode.or(implied),
        csv_columns: None,
        policy_domain: None,
        sonar: None,
    }
}

/// An input to ingest.
struct Planned {
    path: PathBuf,
    /// Stored size of the file.
    size: u64,
    /// Content hash when it was needed up front (empty otherwise; computed
    /// while reading).
    hash: String,
    /// The byte range this shard reads, when the file is split among shards.
    piece: Option<(u64, u64)>,
}

impl Planned {
    /// Stored bytes this run reads of it.
    fn bytes(&self) -> u64 {
        self.piece.map_or(self.size, |(start, end)| end - start)
    }
}

/// The files of shard `k` of `n`, and the piece each reads: a large plain
/// line-framed file is split among all shards by byte range (see
/// [`crate::input::split`]); any other file goes whole to the shard its
/// name hashes to.
fn shard_files(
    files: Vec<PathBuf>,
    (k, n): (u32, u32),
    split_bytes: u64,
    unreadable: &mut Vec<(PathBuf, String)>,
) -> Vec<(PathBuf, Option<(u64, u64)>)> {
    let mut mine = Vec::new();
    for path in files {
        let split = std::fs::metadata(&path).and_then(|meta| {
            let size = meta.len();
            if n > 1 && crate::input::split::splittable(&path, size, split_bytes)? {
                crate::input::split::piece(&path, size, k, n).map(Some)
            } else {
                Ok(None)
            }
        });
        match split {
            Ok(Some(piece)) => mine.push((path, Some(piece))),
            Ok(None) if shard_of(&path, n) == k - 1 => mine.push((path, None)),
            Ok(None) => {}
            Err(e) => unreadable.push((path, format!("cannot read it: {e}"))),
        }
    }
    mine
}

/// Whether `candidate` (a whole file of `size` bytes, or a piece of it)
/// holds what the committed `entry` holds: the same content, hashed over
/// the bytes both read.
fn same_content(
    entry: &InputEntry,
    candidate: &Path,
    size: u64,
    piece: Option<(u64, u64)>,
) -> std::io::Result<bool> {
    use crate::input::split::hash_range;
    if entry.failed.is_some() || entry.size != size {
        return Ok(false);
    }
    match (piece, entry.pieces.is_empty()) {
        (_, true) => Ok(hash_file(candidate)? == entry.xxh3_128),
        (None, false) if entry.pieces_cover_the_file() => {
            for p in &entry.pieces {
                if hash_range(candidate, p.start, p.end)? != p.xxh3_128 {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (None, false) => Ok(false),
        (Some((start, end)), false) => match entry
            .pieces
            .iter()
            .find(|p| p.start == start && p.end == end)
        {
            Some(p) => Ok(hash_range(candidate, start, end)? == p.xxh3_128),
            None => Ok(false),
        },
    }
}

/// Inputs whose content is already in the dataset (or earlier in this run),
/// found by size first and confirmed by hash. Inputs that cannot be read
/// go to `unreadable`.
fn find_duplicates(
    files: Vec<(PathBuf, Option<(u64, u64)>)>,
    base: &Manifest,
    unreadable: &mut Vec<(PathBuf, String)>,
) -> (Vec<Planned>, Vec<String>) {
    let mut sizes: HashMap<u64, usize> = HashMap::new();
    let mut metas = Vec::with_capacity(files.len());
    for (f, piece) in files {
        match std::fs::metadata(&f) {
            Ok(meta) => {
                *sizes.entry(meta.len()).or_default() += 1;
                metas.push((f, meta.len(), piece));
            }
            Err(e) => unreadable.push((f, format!("cannot read it: {e}"))),
        }
    }
    let complete = base
        .inputs
        .iter()
        .filter(|i| i.failed.is_none() && i.pieces.is_empty());
    let mut seen_hashes: Vec<String> = complete.map(|i| i.xxh3_128.clone()).collect();
    let mut keep = Vec::new();
    let mut skipped = Vec::new();
    'files: for (path, size, piece) in metas {
        // Files read in pieces are compared piece by piece with what the
        // dataset holds of them.
        let pieced = base
            .inputs
            .iter()
            .filter(|i| !i.pieces.is_empty() || piece.is_some());
        for entry in pieced {
            match same_content(entry, &path, size, piece) {
                Ok(false) => {}
                Ok(true) => {
                    skipped.push(path.display().to_string());
                    continue 'files;
                }
                Err(e) => {
                    unreadable.push((path, format!("{e:#}")));
                    continue 'files;
                }
            }
        }
        if piece.is_some() {
            keep.push(Planned {
                path,
                size,
                hash: String::new(),
                piece,
            });
            continue;
        }
        let collides = sizes[&size] > 1 || base.inputs.iter().any(|i| i.size == size);
        let hash = if collides {
            match hash_file(&path) {
                Ok(hash) => hash,
                Err(e) => {
                    unreadable.push((path, format!("{e:#}")));
                    continue;
                }
            }
        } else {
            String::new()
        };
        if collides && seen_hashes.contains(&hash) {
            skipped.push(path.display().to_string());
            continue;
        }
        if collides {
            seen_hashes.push(hash.clone());
        }
        keep.push(Planned {
            path,
            size,
            hash,
            piece: None,
        });
    }
    (keep, skipped)
}

/// Runs an ingest and commits it.
pub fn run(opts: &Options) -> Result<Summary> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let (files, mut unreadable) = discover(&opts.inputs)?;
    let files = match opts.shard {
        Some(shard) => shard_files(files, shard, opts.split_bytes, &mut unreadable),
        None => files.into_iter().map(|f| (f, None)).collect(),
    };
    let staging = Staging::open(&opts.out, opts.append)?;
    if staging.append && staging.base.format != FORMAT {
        let (format, tool) = (staging.base.format, staging.base.tool.clone());
        staging.abandon();
        anyhow::bail!(
            "{} has dataset layout {format} (written by {tool}); this {} writes layout {FORMAT} \
             and cannot add to it: ingest its inputs into a new dataset",
            opts.out.display(),
            tool_version()
        );
    }
    let (todo, skipped) = find_duplicates(files, &staging.base, &mut unreadable);
    if opts.strict {
        if let Some((path, error)) = unreadable.first() {
            staging.abandon();
            anyhow::bail!(
                "{}: {error}; --strict stops at the first problem",
                path.display()
            );
        }
    }
    for (path, error) in &unreadable {
        eprintln!(
            "mailtls: error: {}: {error}; going on with the other inputs",
            path.display()
        );
    }
    let run_id = staging.base.runs.len() as u32 + 1;
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        opts.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("mailtls-parse-{i}"))
        .build()?;
    let certs = CertStore::default();
    preload_certificates(&staging, &certs)?;
    let progress = std::sync::Arc::new(Progress::default());
    let total_stored: u64 = todo.iter().map(Planned::bytes).sum();
    let settings = RunSettings {
        root: &staging.root,
        run: run_id,
        pool: &pool,
        batch: jobs * CHUNKS_IN_FLIGHT_PER_JOB,
        limits: opts.limits,
        map_plain: opts.map_plain,
        strict: opts.strict,
        certs: &certs,
        progress: &progress,
    };
    let first_id = staging.base.inputs.len() as u32;
    let ctx = base_context(opts);
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let results: Mutex<Vec<(InputEntry, Result<FileResult>)>> = Mutex::new(Vec::new());
    let display =
        progress::Display::start(total_stored, opts.quiet, std::sync::Arc::clone(&progress));
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(todo.len()).max(1) {
            let spawned = std::thread::Builder::new()
                .name("mailtls-file".into())
                .spawn_scoped(scope, || loop {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(planned) = todo.get(i) else {
                        break;
                    };
                    let path = &planned.path;
                    let name = path.file_name().map(|n| n.to_string_lossy());
                    let series = name.as_deref().and_then(SeriesName::parse);
                    let sonar = name
                        .as_deref()
                        .and_then(crate::formats::sonar_ssl::file_name);
                    let info = FileInfo {
                        input_id: first_id + i as u32,
                        ctx: Context {
                            series,
                            sonar,
                            ..ctx.clone()
                        },
                        stem: file_stem(path),
                    };
                    let entry = InputEntry {
                        id: info.input_id,
                        run: run_id,
                        path: crate::dataset::writer::absolute(path).display().to_string(),
                        size: planned.size,
                        xxh3_128: planned.hash.clone(),
                        pieces: planned
                            .piece
                            .iter()
                            .map(|&(start, end)| Piece {
                                start,
                                end,
                                ..Piece::default()
                            })
                            .collect(),
                        ..InputEntry::default()
                    };
                    let planned = entry.clone();
                    let result = ingest_file(path, entry, info, &settings);
                    if let Err(e) = &result {
                        if opts.strict {
                            // The run will not commit; the other files need not finish.
                            stop.store(true, Ordering::Relaxed);
                        } else {
                            // Reported now, named in the run's entry, and
                            // nothing of it committed; the others go on.
                            remove_staged_rows(&staging.root, run_id, planned.id);
                            display.suspend(|| {
                                eprintln!("mailtls: error: {e:#}; going on with the other inputs")
                            });
                        }
                    }
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((planned, result));
                });
            if let Err(e) = spawned {
                stop.store(true, Ordering::Relaxed);
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((
                        InputEntry::default(),
                        Err(anyhow::Error::from(e).context("cannot start a worker thread")),
                    ));
            }
        }
    });
    display.finish();
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let fatal =
        |(entry, _): &(InputEntry, Result<FileResult>)| opts.strict || entry.path.is_empty();
    if let Some(pos) = results.iter().position(|r| r.1.is_err() && fatal(r)) {
        let err = results
            .swap_remove(pos)
            .1
            .err()
            .unwrap_or_else(|| anyhow::anyhow!("ingest failed"));
        staging.abandon();
        return Err(err.context("nothing was committed; the dataset is unchanged"));
    }
    let mut failed_inputs: Vec<FailedInput> = unreadable
        .iter()
        .map(|(path, error)| FailedInput {
            path: crate::dataset::writer::absolute(path).display().to_string(),
            error: error.clone(),
        })
        .collect();
    let mut results: Vec<FileResult> = results
        .into_iter()
        .map(|(mut entry, r)| {
            r.or_else(|e| {
                // What a failed input leaves: its entry, marked failed (so
                // its id is never reused and a rerun tries it again), and
                // the certificate rows it decoded (others may refer to them).
                let error = format!("{e:#}");
                failed_inputs.push(FailedInput {
                    path: entry.path.clone(),
                    error: error.clone(),
                });
                entry.failed = Some(error);
                let parts = staged_certificate_parts(&staging.root, run_id, entry.id)?;
                Ok::<_, anyhow::Error>(FileResult {
                    input: entry,
                    parts,
                    scans: BTreeMap::new(),
                    chains: SeenChains::default(),
                })
            })
        })
        .collect::<Result<_>>()?;
    failed_inputs.sort_by(|a, b| a.path.cmp(&b.path));
    results.sort_by_key(|r| r.input.id);
    let mut chains = SeenChains::default();
    for r in &mut results {
        chains.merge(std::mem::take(&mut r.chains));
    }
    let mut manifest = staging.base.clone();
    manifest.format = FORMAT;
    manifest.tool = tool_version();
    let rewritten = |t: &str| whole::WHOLE_TABLES.contains(&t);
    let old_whole_parts: Vec<String> = manifest
        .parts
        .iter()
        .filter(|p| rewritten(&p.table))
        .map(|p| p.path.clone())
        .collect();
    manifest.parts.retain(|p| !rewritten(&p.table));
    for r in &results {
        manifest.inputs.push(r.input.clone());
        manifest.parts.extend(r.parts.iter().cloned());
        for (id, scan) in &r.scans {
            manifest
                .scans
                .entry(id.clone())
                .or_insert_with(|| scan.identity())
                .merge(scan);
        }
    }
    let mut superseded_parts =
        certs::drop_superseded_rows(&mut manifest, &staging, run_id, &certs.upgraded())?;
    superseded_parts.extend(whole::keep_every_row_table(
        &mut manifest,
        &staging.root,
        run_id,
    )?);
    if let Some(setting) = requested_trust(opts, &staging.root)? {
        if !manifest.trust.contains(&setting) {
            manifest.trust.push(setting);
        }
    }
    if manifest.trust.is_empty() {
        manifest.trust.push(TrustSetting::default());
    }
    crate::checkpoint::reached("judging");
    let trust_work = whole::derive(&mut manifest, &staging, run_id, chains, opts.quiet)?;
    manifest.runs.push(Run {
        id: run_id,
        started: started_at,
        committed: now_rfc3339(),
        tool: tool_version(),
        jobs,
        skipped_inputs: skipped.clone(),
        failed_inputs: failed_inputs.clone(),
    });
    let dataset = staging.dataset.clone();
    staging.commit(&manifest)?;
    for old in old_whole_parts.into_iter().chain(superseded_parts) {
        std::fs::remove_file(dataset.join(old)).ok();
    }
    let has_handshakes = manifest
        .parts
        .iter()
        .any(|p| p.table == "handshakes" && p.rows > 0);
    let agreement = if !opts.agreement || !has_handshakes {
        None
    } else {
        match crate::catalogue::run(&dataset, "trust_agreement") {
            Ok(df) => Some(df),
            // The run is committed; a failed summary table must not hide that.
            Err(e) => {
                eprintln!("mailtls: note: the trust_agreement table could not be computed: {e:#}");
                None
            }
        }
    };
    let mut summary = Summary::new(
        &manifest,
        run_id,
        &results,
        skipped,
        certs.len(),
        started.elapsed(),
        &dataset,
    );
    summary.trust = trust_work;
    summary.failed_inputs = failed_inputs;
    summary.agreement = agreement;
    Ok(summary)
}

/// The trust setting `--roots`/`--as-of` ask for, if any. A PEM file is
/// copied into the dataset so the table can be recomputed from it later.
fn requested_trust(opts: &Options, staging_root: &Path) -> Result<Option<TrustSetting>> {
    if opts.roots.is_none() && opts.as_of.is_none() {
        return Ok(None);
    }
    let mut setting = TrustSetting::default();
    if let Some(as_of) = &opts.as_of {
        setting.as_of = as_of.clone();
    }
    if let Some(roots) = &opts.roots {
        let path = Path::new(roots);
        setting.roots = if path.is_file() {
            // Validate it now: a bad file should fail before anything is committed.
            crate::trust::RootStore::from_file(path)?;
            let name = path_safe(&path.file_name().unwrap_or_default().to_string_lossy());
            let dir = staging_root.join(crate::trust::table::ROOTS_DIR);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::copy(path, dir.join(&name))
                .with_context(|| format!("cannot copy {}", path.display()))?;
            format!("file:{name}")
        } else {
            roots.clone()
        };
    }
    setting.check()?;
    Ok(Some(setting))
}

/// Deletes the rows a failed input wrote into the staging folder (its
/// `handshakes` and `discovery` parts and its quarantine file), so none of
/// them is committed as if the input were complete.
fn remove_staged_rows(root: &Path, run: u32, input_id: u32) {
    let part = format!("part-r{run:04}-i{input_id:05}-");
    let quarantine = root.join(format!("_quarantine/r{run:04}"));
    let quarantined = format!("i{input_id:05}-");
    for table in ["handshakes", "discovery", "toplist", "dns"] {
        let mut dirs = vec![root.join(table)];
        while let Some(dir) = dirs.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if e.file_name().to_string_lossy().starts_with(&part) {
                    std::fs::remove_file(&path).ok();
                }
            }
        }
    }
    for e in std::fs::read_dir(quarantine)
        .into_iter()
        .flatten()
        .flatten()
    {
        if e.file_name().to_string_lossy().starts_with(&quarantined) {
            std::fs::remove_file(e.path()).ok();
        }
    }
}

/// The `certificates` parts a failed input left in the staging folder.
fn staged_certificate_parts(root: &Path, run: u32, input_id: u32) -> Result<Vec<Part>> {
    let prefix = format!("part-r{run:04}-i{input_id:05}-");
    let mut parts = Vec::new();
    for e in std::fs::read_dir(root.join("certificates"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) {
            let rows = read_columns(&e.path(), &["sha256"])?.height() as u64;
            parts.push(Part {
                table: "certificates".into(),
                path: format!("certificates/{name}"),
                rows,
                run,
            });
        }
    }
    parts.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(parts)
}

/// Marks the certificates an existing dataset already has, and in which
/// form, so appending does not add them twice but does upgrade a
/// parsed-only row when the DER arrives.
fn preload_certificates(staging: &Staging, certs: &CertStore) -> Result<()> {
    for rel in staging.base.part_paths("certificates") {
        let df = read_columns(&staging.dataset.join(rel), &["sha256", "parse_status"])?;
        let status = df.column("parse_status")?.str()?;
        for (sha, status) in df.column("sha256")?.str()?.iter().zip(status.iter()) {
            if let Some(sha) = sha {
                certs.preload(sha, status == Some("scanner_json"));
            }
        }
    }
    Ok(())
}
