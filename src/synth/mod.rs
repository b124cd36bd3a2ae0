//! `mailtls synth`: synthetic scan archives whose right answer is known.
//!
//! A profile ([`profile`]) sets the shares; [`model`] draws each endpoint
//! from its own random stream ([`rng`]); [`pki`] issues the certificates
//! servers present; [`render`] writes them in a scanner's layout; [`truth`]
//! counts what the dataset must then contain. Chunks of records are drawn,
//! written and compressed in parallel and appended in order, so the files
//! are the same bytes whatever the number of threads.

pub mod churn;
pub mod dns;
pub mod enumeration;
pub mod kex;
pub mod masscan;
pub mod model;
pub mod output;
pub mod pki;
pub mod profile;
pub mod render;
pub mod rng;
pub mod suites;
pub mod truth;
pub mod x509;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;
use serde::Serialize;

use crate::input::decompress::Codec;
use kex::KexMaterial;
use model::Drawer;
use pki::{Pki, Population, POPULATIONS};
use profile::{Profile, SeriesProfile};
use render::{Layout, SeriesInfo};
use rng::Rng;
use truth::{FileTruth, SeriesTruth, Tally};

/// Records per chunk: the unit of parallel work and of compression.
const CHUNK: u64 = 2_000;

/// What to generate.
pub struct Options {
    /// Output folder (created; must be empty).
    pub out: PathBuf,
    /// Endpoint scans in all, over every series.
    pub records: u64,
    /// Seed.
    pub seed: u64,
    /// Layouts, used in turn by the series.
    pub layouts: Vec<Layout>,
    /// Codecs, used in turn by the files.
    pub codecs: Vec<Codec>,
    /// Profile.
    pub profile: Profile,
    /// Share of lines to damage.
    pub bad_lines: f64,
    /// Write each series' ZMap CSV too.
    pub discovery: bool,
    /// Threads (0: one per core).
    pub jobs: usize,
    /// No progress display.
    pub quiet: bool,
    /// Most distinct certificates per population.
    pub max_certs: u64,
    /// Write DNS lookups, a top list and MTA-STS policies for the port-25
    /// endpoints (when exactly one port-25 series is written in a ZGrab layout).
    pub dns: bool,
    /// Write that port-25 series a second time, as Censys host records show
    /// it (a scan of its own, one second later), to measure how Censys'
    /// flattening overstates completed STARTTLS.
    pub censys_view: bool,
    /// Write sslyze XML and JSON enumerating the port-25 endpoints that
    /// completed a handshake (same conditions as `dns`).
    pub enumeration: bool,
}

/// What was written.
pub struct Summary {
    /// Files written.
    pub files: Vec<FileTruth>,
    /// Records written (good and bad).
    pub records: u64,
    /// Distinct certificates.
    pub certificates: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Wall time.
    pub seconds: f64,
    /// Output folder.
    pub out: PathBuf,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let bad: u64 = self.files.iter().map(|t| t.bad_lines).sum();
        writeln!(
            f,
            "wrote {} files to {}",
            self.files.len(),
            self.out.display()
        )?;
        writeln!(
            f,
            "  {} records ({} damaged on purpose), {} distinct certificates, {:.1} MB",
            self.records,
            bad,
            self.certificates,
            self.bytes as f64 / 1e6
        )?;
        write!(
            f,
            "  {:.1} s, {:.0} records/s; expected dataset contents: {}",
            self.seconds,
            self.records as f64 / self.seconds.max(1e-9),
            self.out.join("truth.json").display()
        )
    }
}

#[derive(Serialize)]
struct TruthFile<'a> {
    generator: Generator<'a>,
    files: &'a [FileTruth],
    series: &'a [SeriesTruth],
    handshakes: Totals,
    discovery: Totals,
    certificates: CertTotals,
    quarantine: u64,
    /// What the domain tables must hold, when DNS data was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    dns: Option<dns::DnsTruth>,
    /// What the enumeration tables must hold, when sslyze output was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    enumeration: Option<enumeration::EnumTruth>,
    /// What masscan's file of the port-25 endpoints gives, when written.
    #[serde(skip_serializing_if = "Option::is_none")]
    masscan: Option<masscan::MasscanTruth>,
}

#[derive(Serialize)]
struct Generator<'a> {
    tool: String,
    seed: u64,
    records: u64,
    profile: &'a str,
    layouts: Vec<&'static str>,
    bad_lines: f64,
    note: &'static str,
}

#[derive(Serialize)]
struct Totals {
    rows: u64,
    by_port: BTreeMap<u16, u64>,
}

#[derive(Serialize)]
struct CertTotals {
    rows: u64,
    counts: Tally,
}

/// Splits `total` by `shares`, largest remainders first, so the parts add up.
fn split(total: u64, shares: &[f64]) -> Vec<u64> {
    let sum: f64 = shares.iter().sum();
    if sum <= 0.0 {
        return vec![0; shares.len()];
    }
    let exact: Vec<f64> = shares.iter().map(|s| total as f64 * s / sum).collect();
    let mut parts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    let short = total - parts.iter().sum::<u64>();
    for &i in order.iter().take(short as usize) {
        parts[i] += 1;
    }
    parts
}

fn share_of(shares: &profile::Shares, name: &str) -> f64 {
    let sum: f64 = shares.values().sum();
    if sum <= 0.0 {
        0.0
    } else {
        shares.get(name).copied().unwrap_or(0.0) / sum
    }
}

/// Pool size per population: enough distinct certificates for the expected
/// number of endpoints presenting one, within `max`.
fn pool_sizes(profile: &Profile, counts: &[u64], max: u64) -> BTreeMap<Population, u64> {
    let mut sizes = BTreeMap::new();
    for (population, name) in POPULATIONS {
        let mut expected = 0.0;
        let mut spec = None;
        for (s, n) in profile.series.iter().zip(counts) {
            let Some(pop) = s.certificates.get(*name) else {
                continue;
            };
            let shares: profile::Shares = s
                .certificates
                .iter()
                .map(|(k, v)| (k.clone(), v.share))
                .collect();
            expected += *n as f64 * share_of(&s.outcomes, "ok") * share_of(&shares, name);
            spec = Some(pop);
        }
        let Some(spec) = spec else { continue };
        let size = match spec.pool {
            Some(p) => p,
            None => (expected * spec.distinct.unwrap_or(1.0)).ceil() as u64,
        };
        sizes.insert(*population, size.clamp(1, max.max(1)));
    }
    sizes
}

/// Certificates of ZGrab layouts and of Censys records come from two PKIs,
/// so the Censys ones (parsed JSON, with DER in most records) are a
/// population of their own.
const PARSED_NAMESPACE: u64 = 0xce05_5000;

/// Damage stream of Censys host files.
const CENSYS_STREAM: u64 = 0xce05;

/// Generates the archive.
pub fn run(opts: &Options) -> Result<Summary> {
    let started = Instant::now();
    if opts.layouts.is_empty() || opts.codecs.is_empty() {
        bail!("give at least one layout and one codec");
    }
    if !(0.0..=1.0).contains(&opts.bad_lines) {
        bail!(
            "--bad-lines is a fraction between 0 and 1, not {}",
            opts.bad_lines
        );
    }
    prepare_out(&opts.out)?;
    let profile = &opts.profile;
    let shares: Vec<f64> = profile.series.iter().map(|s| s.spec.share).collect();
    let counts = split(opts.records, &shares);
    let sizes = pool_sizes(profile, &counts, opts.max_certs);
    // How each population's certificates are made: a certificate is the same
    // whichever series presents it, so the first series to describe a
    // population describes it for all (series may still weigh it differently).
    let mut defaults = BTreeMap::new();
    for spec in &profile.series {
        for (name, population) in &spec.certificates {
            defaults
                .entry(name.clone())
                .or_insert_with(|| population.clone());
        }
    }
    // Index 0 issues DER certificates; index 1, made only when a series is
    // written as Censys records, the parsed-JSON ones.
    let mut pkis = vec![Pki::new(
        opts.seed,
        profile.scan_start,
        defaults.clone(),
        &sizes,
    )?];
    if (0..profile.series.len()).any(|k| opts.layouts[k % opts.layouts.len()] == Layout::Censys) {
        pkis.push(Pki::new(
            opts.seed ^ PARSED_NAMESPACE,
            profile.scan_start,
            defaults,
            &sizes,
        )?);
    }
    let kex = KexMaterial::load()?;
    let export_moduli = pkis[0].export_moduli();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .thread_name(|i| format!("synth-{i}"))
        .build()
        .context("starting worker threads")?;
    let bar = progress_bar(opts.records, opts.quiet);
    let run_id = format!("{:016x}", Rng::new(opts.seed, 0x1d, 0).next_u64());
    let layout_of = |k: usize| opts.layouts[k % opts.layouts.len()];
    let mut series = Vec::new();
    for (k, (spec, &count)) in profile.series.iter().zip(&counts).enumerate() {
        let start = profile.scan_start + k as i64 * profile.series_gap;
        let parsed = layout_of(k) == Layout::Censys;
        series.push(SeriesJob {
            opts,
            drawer: Drawer {
                seed: opts.seed,
                profile: spec,
                series: k as u64,
                start,
                duration: profile.series_duration,
                count,
                pki: &pkis[usize::from(parsed)],
                parsed_only: parsed,
                kex: &kex,
                export_moduli: &export_moduli,
            },
            info: SeriesInfo {
                port: spec.spec.port,
                protocol: spec.protocol,
                mode: spec.mode,
            },
            layout: layout_of(k),
            codec: opts.codecs[k % opts.codecs.len()],
            index: k,
            stem: series_stem(&run_id, spec, start),
        });
    }
    let mut files = Vec::new();
    let mut truths: Vec<(u64, Tally)> = vec![(0, Tally::default()); series.len()];
    let mut used_certs = BTreeSet::new();
    let mut der_certs = BTreeSet::new();
    let mut bytes = 0;
    for job in series.iter().filter(|j| j.layout != Layout::Censys) {
        let name = format!(
            "{}-{}-results.json{}",
            job.stem,
            job.layout.file_token(),
            output::extension(job.codec)
        );
        let out = pool.install(|| job.write_records(&opts.out.join(&name), bar.as_ref()))?;
        files.push(out.file_truth(name, job.layout.name(), job.codec, Some(job.info.port)));
        bytes += out.bytes;
        used_certs.extend(out.certs);
        der_certs.extend(out.der_certs);
        for (k, t) in out.series {
            truths[k] = t;
        }
    }
    let mut censys_stem = None;
    let censys: Vec<&SeriesJob> = series
        .iter()
        .filter(|j| j.layout == Layout::Censys)
        .collect();
    if let Some(first) = censys.first() {
        let date = chrono::DateTime::from_timestamp(profile.scan_start, 0).unwrap_or_default();
        let name = format!(
            "{run_id}-ipv4-hosts-{}.json{}",
            date.format("%Y%m%d"),
            output::extension(first.codec)
        );
        let out = pool.install(|| {
            write_censys_hosts(opts, &censys, &opts.out.join(&name), bar.as_ref(), None)
        })?;
        files.push(out.file_truth(name.clone(), Layout::Censys.name(), first.codec, None));
        bytes += out.bytes;
        used_certs.extend(out.certs);
        der_certs.extend(out.der_certs);
        censys_stem = name.split('.').next().map(str::to_owned);
        for (k, t) in out.series {
            truths[k] = t;
        }
    }
    let mut series_truth = Vec::new();
    for (job, (rows, counts)) in series.iter().zip(truths) {
        let mut discovery = 0;
        if opts.discovery {
            let codec = opts.codecs[(job.index + 1) % opts.codecs.len()];
            let name = format!("{}-zmap-results.csv{}", job.stem, output::extension(codec));
            bytes += pool.install(|| job.write_discovery(&opts.out.join(&name), codec))?;
            discovery = job.drawer.count;
            files.push(FileTruth {
                file: name,
                layout: "zmap".into(),
                codec: codec.name().into(),
                port: Some(job.info.port),
                records: discovery,
                bad_lines: 0,
            });
        }
        series_truth.push(SeriesTruth {
            scan_id: job.scan_id(censys_stem.as_deref()),
            port: job.info.port,
            protocol: job.info.protocol.into(),
            tls_mode: job.info.mode.name().into(),
            handshakes: rows,
            discovery,
            counts,
        });
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let smtp: Vec<&SeriesJob> = series.iter().filter(|j| j.info.port == 25).collect();
    let mut dns_truth = None;
    if let ([job], true) = (smtp.as_slice(), opts.dns) {
        if job.layout != Layout::Censys {
            let damaged = |i: u64| job.damaged(job.index as u64, i);
            let dns_job = dns::DnsJob {
                seed: opts.seed,
                drawer: &job.drawer,
                damaged: &damaged,
                run_id: &run_id,
                codec: opts.codecs[0],
                lookup_time: job.drawer.start,
            };
            let (dns_files, dns_bytes, truth) = pool.install(|| dns_job.write(&opts.out))?;
            files.extend(dns_files);
            bytes += dns_bytes;
            dns_truth = Some(truth);
        }
    }
    let mut enum_truth = None;
    let mut masscan_truth: Option<masscan::MasscanTruth> = None;
    if let ([job], true) = (smtp.as_slice(), opts.enumeration) {
        if job.layout != Layout::Censys {
            let damaged = |i: u64| job.damaged(job.index as u64, i);
            // The raw record, and the Censys view's unless its line was damaged.
            let rows = |i: u64| 1 + u64::from(opts.censys_view && !job.damaged(CENSYS_STREAM, i));
            let (enum_files, enum_bytes, truth) = pool.install(|| {
                enumeration::write(opts.seed, &run_id, &job.drawer, &damaged, &rows, &opts.out)
            })?;
            files.extend(enum_files);
            bytes += enum_bytes;
            enum_truth = Some(truth);
            let (file, masscan_bytes, truth) =
                pool.install(|| masscan::write(&run_id, &job.drawer, &damaged, &opts.out))?;
            files.push(file);
            bytes += masscan_bytes;
            masscan_truth = Some(truth);
        }
    }
    if let ([job], true) = (smtp.as_slice(), opts.censys_view) {
        if job.layout != Layout::Censys {
            let date = chrono::DateTime::from_timestamp(job.drawer.start, 0).unwrap_or_default();
            let name = format!(
                "{run_id}-censys-view-{}.json{}",
                date.format("%Y%m%d"),
                output::extension(job.codec)
            );
            let twin = SeriesJob {
                opts,
                drawer: job.drawer.clone(),
                info: job.info.clone(),
                layout: Layout::Censys,
                codec: job.codec,
                index: series.len(),
                stem: name.split('.').next().unwrap_or_default().to_owned(),
            };
            let raw_damaged = |i: u64| job.damaged(job.index as u64, i);
            let out = pool.install(|| {
                write_censys_hosts(
                    opts,
                    &[&twin],
                    &opts.out.join(&name),
                    None,
                    Some(&raw_damaged),
                )
            })?;
            files.push(out.file_truth(name, Layout::Censys.name(), job.codec, None));
            bytes += out.bytes;
            used_certs.extend(out.certs);
            der_certs.extend(out.der_certs);
            let (rows, counts) = out.series.into_values().next().unwrap_or_default();
            series_truth.push(SeriesTruth {
                scan_id: twin.scan_id(Some(&twin.stem)),
                port: twin.info.port,
                protocol: twin.info.protocol.into(),
                tls_mode: twin.info.mode.name().into(),
                handshakes: rows,
                discovery: 0,
                counts,
            });
        }
    }
    // A certificate's row holds its DER if any record gave it (the dataset
    // upgrades a parsed-only row), else the parsed JSON.
    let mut with_der = BTreeSet::new();
    for &(namespace, population, index) in &der_certs {
        for cert in &pkis[namespace].presented(population, index)?.chain {
            with_der.insert(cert.facts.sha256.clone());
        }
    }
    let mut distinct: BTreeMap<String, (pki::CertFacts, bool)> = BTreeMap::new();
    for (namespace, population, index) in used_certs {
        for cert in &pkis[namespace].presented(population, index)?.chain {
            let sha = &cert.facts.sha256;
            distinct
                .entry(sha.clone())
                .or_insert_with(|| (cert.facts.clone(), !with_der.contains(sha)));
        }
    }
    let (cert_rows, cert_counts) = truth::certificate_tally(distinct.values());
    let totals = |f: &dyn Fn(&SeriesTruth) -> u64| Totals {
        rows: series_truth.iter().map(f).sum(),
        by_port: series_truth.iter().fold(BTreeMap::new(), |mut m, s| {
            *m.entry(s.port).or_default() += f(s);
            m
        }),
    };
    let truth = TruthFile {
        generator: Generator {
            tool: format!("mailtls {}", env!("CARGO_PKG_VERSION")),
            seed: opts.seed,
            records: opts.records,
            profile: &profile.name,
            layouts: opts.layouts.iter().map(|l| l.name()).collect(),
            bad_lines: opts.bad_lines,
            note: "synthetic data: every host, name, key and certificate is made up",
        },
        files: &files,
        series: &series_truth,
        handshakes: totals(&|s| s.handshakes),
        discovery: {
            // masscan's status records are port-25 discoveries too.
            let mut d = totals(&|s| s.discovery);
            if let Some(m) = &masscan_truth {
                d.rows += m.status;
                *d.by_port.entry(25).or_default() += m.status;
            }
            d
        },
        certificates: CertTotals {
            rows: cert_rows,
            counts: cert_counts,
        },
        quarantine: files.iter().map(|f| f.bad_lines).sum(),
        dns: dns_truth,
        enumeration: enum_truth,
        masscan: masscan_truth,
    };
    let text = serde_json::to_string_pretty(&truth)?;
    std::fs::write(opts.out.join("truth.json"), text + "\n")?;
    let roots: String = pkis.iter().map(Pki::roots_pem).collect();
    std::fs::write(opts.out.join("roots.pem"), roots)?;
    Ok(Summary {
        files,
        records: opts.records,
        certificates: cert_rows,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        out: opts.out.clone(),
    })
}

pub(crate) fn prepare_out(out: &Path) -> Result<()> {
    if out.exists() {
        let mut entries =
            std::fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?;
        if entries.next().is_some() {
            bail!("{} is not empty; give a new or empty folder", out.display());
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))
}

/// `<run>-<port>-<protocol>-<subprotocol>-full_ipv4-<start>`, as scans.io named series.
fn series_stem(run_id: &str, s: &SeriesProfile, start: i64) -> String {
    let t = chrono::DateTime::from_timestamp(start, 0).unwrap_or_default();
    format!(
        "{run_id}-{}-{}-{}-full_ipv4-{}",
        s.spec.port,
        s.spec.protocol,
        s.spec.subprotocol,
        t.format("%Y%m%dT%H%M%S")
    )
}

fn progress_bar(total: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} records {per_sec} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    Some(bar)
}

struct SeriesJob<'a> {
    opts: &'a Options,
    drawer: Drawer<'a>,
    info: SeriesInfo,
    layout: Layout,
    codec: Codec,
    index: usize,
    stem: String,
}

/// A certificate as a pool slot: namespace (0 DER, 1 parsed), population, index.
type CertSlot = (usize, Population, u64);

/// One chunk's output.
#[derive(Default)]
struct ChunkOut {
    /// Compressed bytes.
    bytes: Vec<u8>,
    /// Per series: rows and expected dataset counts of its good records.
    series: BTreeMap<usize, (u64, Tally)>,
    /// Lines written.
    lines: u64,
    /// Lines damaged on purpose.
    damaged: u64,
    /// Certificates its good records present.
    certs: BTreeSet<CertSlot>,
    /// Of those, the ones some record presents with their DER.
    der_certs: BTreeSet<CertSlot>,
}

impl ChunkOut {
    fn absorb(&mut self, other: ChunkOut) {
        for (k, (rows, tally)) in other.series {
            let mine = self.series.entry(k).or_default();
            mine.0 += rows;
            mine.1.merge(tally);
        }
        self.lines += other.lines;
        self.damaged += other.damaged;
        self.certs.extend(other.certs);
        self.der_certs.extend(other.der_certs);
    }

    /// Counts one endpoint written in a good record; `with_der` says whether
    /// its certificates were written with their DER.
    fn count(&mut self, job: &SeriesJob, ep: &model::Endpoint, with_der: bool) {
        let entry = self.series.entry(job.index).or_default();
        entry.0 += 1;
        truth::count_endpoint(
            &mut entry.1,
            ep,
            job.info.protocol,
            job.info.mode,
            job.layout,
        );
        let namespace = usize::from(job.drawer.parsed_only);
        if let Some((p, i)) = ep.tls.as_ref().and_then(|s| s.cert_slot) {
            self.certs.insert((namespace, p, i));
            if with_der {
                self.der_certs.insert((namespace, p, i));
            }
        }
    }
}

/// A whole file's output: bytes written and the merged chunk results.
struct FileOut {
    bytes: u64,
    series: BTreeMap<usize, (u64, Tally)>,
    lines: u64,
    damaged: u64,
    certs: BTreeSet<CertSlot>,
    der_certs: BTreeSet<CertSlot>,
}

impl FileOut {
    fn file_truth(&self, file: String, layout: &str, codec: Codec, port: Option<u16>) -> FileTruth {
        FileTruth {
            file,
            layout: layout.into(),
            codec: codec.name().into(),
            port,
            records: self.lines - self.damaged,
            bad_lines: self.damaged,
        }
    }
}

impl SeriesJob<'_> {
    /// `scan_id` the dataset gives the series.
    fn scan_id(&self, censys_stem: Option<&str>) -> String {
        match (self.layout, censys_stem) {
            (Layout::Censys, Some(stem)) => {
                format!(
                    "{}-{}-{}-{stem}",
                    self.info.port,
                    self.info.protocol,
                    self.info.mode.name()
                )
            }
            _ => self
                .stem
                .split_once('-')
                .map(|(_, id)| id.to_owned())
                .unwrap_or_default(),
        }
    }

    /// Whether line `i` of a file with damage stream `stream` is damaged.
    fn damaged(&self, stream: u64, i: u64) -> bool {
        Rng::new(self.opts.seed, 0xbad0 + stream, i).chance(self.opts.bad_lines)
    }

    /// Writes the series' scan records.
    fn write_records(&self, path: &Path, bar: Option<&indicatif::ProgressBar>) -> Result<FileOut> {
        write_chunks(path, self.drawer.count, bar, |range| {
            let mut out = Vec::with_capacity((range.end - range.start) as usize * 4096);
            let mut chunk = ChunkOut::default();
            for i in range {
                let ep = self.drawer.draw(i)?;
                let mut rng = Rng::new(self.opts.seed, 0x2000 + self.index as u64, i);
                let line_start = out.len();
                self.layout.write(&ep, &self.info, &mut rng, &mut out)?;
                chunk.lines += 1;
                if self.damaged(self.index as u64, i) {
                    damage(&mut out, line_start, i, self.layout);
                    chunk.damaged += 1;
                } else {
                    chunk.count(self, &ep, true);
                }
            }
            chunk.bytes = output::compress(self.codec, &out)?;
            Ok(chunk)
        })
    }

    /// Writes the series' ZMap CSV; returns bytes written.
    fn write_discovery(&self, path: &Path, codec: Codec) -> Result<u64> {
        let d = &self.drawer;
        let out = write_chunks(path, d.count, None, |range| {
            let mut out = String::new();
            if range.start == 0 {
                out.push_str(&render::zmap::header(d.start));
            }
            for i in range {
                let mut rng = Rng::new(self.opts.seed, 0x3000 + self.index as u64, i);
                render::zmap::row(
                    &mut out,
                    model::address(self.opts.seed, i),
                    self.info.port,
                    d.time_of(i) - 60,
                    &mut rng,
                );
            }
            Ok(ChunkOut {
                bytes: output::compress(codec, out.as_bytes())?,
                ..ChunkOut::default()
            })
        })?;
        Ok(out.bytes)
    }
}

/// Writes Censys host records: host `h` carries endpoint `h` of every
/// Censys series that has one and where the service answered.
/// With `ztag_of`, the one series is another file's series shown as Censys
/// shows it ([`model::Endpoint::ztag_view`]); the function says which of
/// that file's records were damaged (and so have no counterpart).
fn write_censys_hosts(
    opts: &Options,
    series: &[&SeriesJob],
    path: &Path,
    bar: Option<&indicatif::ProgressBar>,
    ztag_of: Option<&(dyn Fn(u64) -> bool + Sync)>,
) -> Result<FileOut> {
    let hosts = series.iter().map(|j| j.drawer.count).max().unwrap_or(0);
    let codec = series.first().map_or(Codec::Plain, |j| j.codec);
    const STREAM: u64 = CENSYS_STREAM;
    write_chunks(path, hosts, bar, |range| {
        let mut out = Vec::new();
        let mut chunk = ChunkOut::default();
        for h in range {
            let mut services = Vec::new();
            let mut raw_status = None;
            for job in series.iter().filter(|j| h < j.drawer.count) {
                let mut ep = job.drawer.draw(h)?;
                if let Some(raw_damaged) = ztag_of {
                    if raw_damaged(h) {
                        continue;
                    }
                    raw_status = Some(model::expected_status(ep.outcome));
                    ep = ep.ztag_view(1);
                }
                if render::censys::answered(&ep, job.info.mode) {
                    services.push((*job, ep));
                }
            }
            if services.is_empty() {
                continue;
            }
            let mut rng = Rng::new(opts.seed, STREAM, h);
            let with_der = rng.below(render::censys::DER_ABSENT_ONE_IN) != 0;
            let line_start = out.len();
            let views: Vec<render::censys::Service> = services
                .iter()
                .map(|(job, ep)| render::censys::Service {
                    spec: &job.drawer.profile.spec,
                    info: &job.info,
                    ep,
                })
                .collect();
            let ip = model::address(opts.seed, h);
            render::censys::write_host(ip, &views, with_der, &mut rng, &mut out)?;
            chunk.lines += 1;
            if series[0].damaged(STREAM, h) {
                damage(&mut out, line_start, h, Layout::Censys);
                chunk.damaged += 1;
            } else {
                for (job, ep) in &services {
                    chunk.count(job, ep, with_der);
                    if let Some(raw) = raw_status {
                        let tally = &mut chunk.series.entry(job.index).or_default().1;
                        tally.add("view.raw_status", raw);
                        let shown = model::expected_status(ep.outcome);
                        tally.add(
                            "view.overstated",
                            (raw != "ok" && shown == "ok").to_string(),
                        );
                    }
                }
            }
        }
        chunk.bytes = output::compress(codec, &out)?;
        Ok(chunk)
    })
}

/// Runs `make` over chunks of `count` items in parallel, merges the results
/// and writes the bytes in order on a writer thread, so computing the next
/// wave of chunks overlaps writing this one. Waves bound memory.
fn write_chunks(
    path: &Path,
    count: u64,
    bar: Option<&indicatif::ProgressBar>,
    make: impl Fn(std::ops::Range<u64>) -> Result<ChunkOut> + Sync,
) -> Result<FileOut> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let chunks = count.div_ceil(CHUNK);
    let wave = (rayon::current_num_threads() as u64 * 4).max(1);
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
    let mut total = ChunkOut::default();
    let written = std::thread::scope(|scope| {
        let writer = scope.spawn(move || -> std::io::Result<u64> {
            let mut file = BufWriter::new(file);
            let mut written = 0;
            for wave in receive {
                for bytes in wave {
                    file.write_all(&bytes)?;
                    written += bytes.len() as u64;
                }
            }
            file.flush()?;
            Ok(written)
        });
        let mut next = 0;
        while next < chunks {
            let end = (next + wave).min(chunks);
            let outs: Vec<Result<ChunkOut>> = (next..end)
                .into_par_iter()
                .map(|c| make(c * CHUNK..((c + 1) * CHUNK).min(count)))
                .collect();
            let mut bytes = Vec::with_capacity(outs.len());
            for out in outs {
                let mut out = out?;
                bytes.push(std::mem::take(&mut out.bytes));
                total.absorb(out);
            }
            if send.send(bytes).is_err() {
                break; // the writer failed; its error is reported below
            }
            if let Some(bar) = bar {
                bar.inc(((end - next) * CHUNK).min(count - next * CHUNK));
            }
            next = end;
        }
        drop(send);
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread of {} failed", path.display()))?
            .with_context(|| format!("writing {}", path.display()))
    })?;
    Ok(FileOut {
        bytes: written,
        series: total.series,
        lines: total.lines,
        damaged: total.damaged,
        certs: total.certs,
        der_certs: total.der_certs,
    })
}

/// Replaces the line that starts at `start` with a malformed one of the
/// three kinds scans contain: cut short, binary junk, a field of the wrong type.
fn damage(out: &mut Vec<u8>, start: usize, index: u64, layout: Layout) {
    let line_len = out.len() - start - 1;
    match index % 3 {
        0 => {
            out.truncate(start + line_len / 2);
        }
        1 => {
            out.truncate(start);
            out.extend_from_slice(b"\xff\xfe\x00\x01 not a record \x80\x81");
        }
        _ => {
            out.truncate(start);
            let text: &[u8] = match layout {
                Layout::Zgrab1EventLog => {
                    br#"{"host":3232235777,"time":"2015-08-03T04:00:00-04:00","log":[]}"#
                }
                _ => br#"{"ip":3232235777,"timestamp":"2015-08-03T04:00:00-04:00","data":{}}"#,
            };
            out.extend_from_slice(text);
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_adds_up() {
        assert_eq!(split(10, &[0.5, 0.25, 0.25]), [5, 3, 2]);
        assert_eq!(split(7, &[1.0, 1.0, 1.0]).iter().sum::<u64>(), 7);
        assert_eq!(split(3, &[0.0]), [0]);
    }
}
