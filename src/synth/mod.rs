//! `mailtls synth`: synthetic scan archives whose right answer is known.
//!
//! A profile ([`profile`]) sets the shares; [`model`] draws each endpoint
//! from its own random stream ([`rng`]); [`pki`] issues the certificates
//! servers present; [`render`] writes them in a scanner's layout; [`truth`]
//! counts what the dataset must then contain. Chunks of records are drawn,
//! written and compressed in parallel and appended in order, so the files
//! are the same bytes whatever the number of threads.

pub mod der;
pub mod kex;
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

/// Generates the archive.
pub fn run(opts: &Options) -> Result<Summary> {
    let started = Instant::now();
    prepare_out(&opts.out)?;
    if opts.layouts.is_empty() || opts.codecs.is_empty() {
        bail!("give at least one layout and one codec");
    }
    if !(0.0..=1.0).contains(&opts.bad_lines) {
        bail!(
            "--bad-lines is a fraction between 0 and 1, not {}",
            opts.bad_lines
        );
    }
    let profile = &opts.profile;
    let shares: Vec<f64> = profile.series.iter().map(|s| s.spec.share).collect();
    let counts = split(opts.records, &shares);
    let defaults = profile
        .series
        .first()
        .map(|s| s.certificates.clone())
        .unwrap_or_default();
    let pki = Pki::new(
        opts.seed,
        profile.scan_start,
        defaults,
        &pool_sizes(profile, &counts, opts.max_certs),
    )?;
    let kex = KexMaterial::load()?;
    let export_moduli = pki.export_moduli();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .thread_name(|i| format!("synth-{i}"))
        .build()
        .context("starting worker threads")?;
    let bar = progress_bar(opts.records, opts.quiet);
    let run_id = format!("{:016x}", Rng::new(opts.seed, 0x1d, 0).next_u64());
    let mut files = Vec::new();
    let mut series_truth = Vec::new();
    let mut bytes = 0;
    let mut used_certs = BTreeSet::new();
    for (k, (series, &count)) in profile.series.iter().zip(&counts).enumerate() {
        let start = profile.scan_start + k as i64 * profile.series_gap;
        let layout = opts.layouts[k % opts.layouts.len()];
        let codec = opts.codecs[k % opts.codecs.len()];
        let stem = series_stem(&run_id, series, start);
        let drawer = Drawer {
            seed: opts.seed,
            profile: series,
            series: k as u64,
            start,
            duration: profile.series_duration,
            count,
            pki: &pki,
            kex: &kex,
            export_moduli: &export_moduli,
        };
        let info = SeriesInfo {
            port: series.spec.port,
            protocol: series.protocol,
            mode: series.mode,
        };
        let name = format!(
            "{stem}-{}-results.json{}",
            layout.file_token(),
            output::extension(codec)
        );
        let job = SeriesJob {
            opts,
            drawer: &drawer,
            info: &info,
            layout,
            codec,
            index: k as u64,
        };
        let records = pool
            .install(|| job.write_records(&opts.out.join(&name), bar.as_ref(), &mut used_certs))?;
        let (tally, bad) = (records.tally, records.damaged);
        bytes += records.bytes;
        files.push(FileTruth {
            file: name,
            layout: layout.name().into(),
            codec: codec.name().into(),
            port: info.port,
            records: count - bad,
            bad_lines: bad,
        });
        let mut discovery = 0;
        if opts.discovery {
            let codec = opts.codecs[(k + 1) % opts.codecs.len()];
            let name = format!("{stem}-zmap-results.csv{}", output::extension(codec));
            bytes += pool.install(|| job.write_discovery(&opts.out.join(&name), codec, start))?;
            discovery = count;
            files.push(FileTruth {
                file: name,
                layout: "zmap".into(),
                codec: codec.name().into(),
                port: info.port,
                records: count,
                bad_lines: 0,
            });
        }
        series_truth.push(SeriesTruth {
            scan_id: stem
                .split_once('-')
                .map(|(_, id)| id.to_owned())
                .unwrap_or_default(),
            port: info.port,
            protocol: info.protocol.into(),
            tls_mode: info.mode.name().into(),
            handshakes: count - bad,
            discovery,
            bad_lines: bad,
            counts: tally,
        });
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut distinct: BTreeMap<String, pki::CertFacts> = BTreeMap::new();
    for (population, index) in used_certs {
        for cert in &pki.presented(population, index)?.chain {
            distinct
                .entry(cert.facts.sha256.clone())
                .or_insert_with(|| cert.facts.clone());
        }
    }
    let (cert_rows, cert_counts) = truth::certificate_tally(distinct.values());
    let totals = |f: &dyn Fn(&SeriesTruth) -> u64| Totals {
        rows: series_truth.iter().map(f).sum(),
        by_port: series_truth.iter().map(|s| (s.port, f(s))).collect(),
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
        discovery: totals(&|s| s.discovery),
        certificates: CertTotals {
            rows: cert_rows,
            counts: cert_counts,
        },
        quarantine: series_truth.iter().map(|s| s.bad_lines).sum(),
    };
    let text = serde_json::to_string_pretty(&truth)?;
    std::fs::write(opts.out.join("truth.json"), text + "\n")?;
    std::fs::write(opts.out.join("roots.pem"), pki.roots_pem())?;
    Ok(Summary {
        files,
        records: opts.records,
        certificates: cert_rows,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        out: opts.out.clone(),
    })
}

fn prepare_out(out: &Path) -> Result<()> {
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
    drawer: &'a Drawer<'a>,
    info: &'a SeriesInfo,
    layout: Layout,
    codec: Codec,
    index: u64,
}

/// One chunk's output.
#[derive(Default)]
struct ChunkOut {
    /// Compressed bytes.
    bytes: Vec<u8>,
    /// Expected dataset counts of its good records.
    tally: Tally,
    /// Lines damaged on purpose.
    damaged: u64,
    /// Certificates its good records present.
    certs: BTreeSet<(Population, u64)>,
}

/// What a series' scan file holds.
struct RecordsOut {
    bytes: u64,
    tally: Tally,
    damaged: u64,
}

impl SeriesJob<'_> {
    /// Writes the series' scan records; returns bytes, counts and damaged lines.
    fn write_records(
        &self,
        path: &Path,
        bar: Option<&indicatif::ProgressBar>,
        certs: &mut BTreeSet<(Population, u64)>,
    ) -> Result<RecordsOut> {
        let mut tally = Tally::default();
        let mut bad = 0;
        let bytes = self.write_chunks(
            path,
            bar,
            |range| {
                let mut out = Vec::with_capacity((range.end - range.start) as usize * 4096);
                let mut chunk = ChunkOut::default();
                for i in range {
                    let ep = self.drawer.draw(i)?;
                    let mut rng = Rng::new(self.opts.seed, 0x2000 + self.index, i);
                    let line_start = out.len();
                    self.layout.write(&ep, self.info, &mut rng, &mut out)?;
                    if Rng::new(self.opts.seed, 0xbad0 + self.index, i).chance(self.opts.bad_lines)
                    {
                        damage(&mut out, line_start, i, self.layout);
                        chunk.damaged += 1;
                    } else {
                        truth::count_endpoint(
                            &mut chunk.tally,
                            &ep,
                            self.info.protocol,
                            self.info.mode,
                            self.layout,
                        );
                        chunk
                            .certs
                            .extend(ep.tls.as_ref().and_then(|s| s.cert_slot));
                    }
                }
                chunk.bytes = output::compress(self.codec, &out)?;
                Ok(chunk)
            },
            |chunk| {
                tally.merge(chunk.tally);
                bad += chunk.damaged;
                certs.extend(chunk.certs);
            },
        )?;
        Ok(RecordsOut {
            bytes,
            tally,
            damaged: bad,
        })
    }

    /// Writes the series' ZMap CSV; returns bytes written.
    fn write_discovery(&self, path: &Path, codec: Codec, start: i64) -> Result<u64> {
        self.write_chunks(
            path,
            None,
            |range| {
                let mut out = String::new();
                if range.start == 0 {
                    out.push_str(&render::zmap::header(start));
                }
                for i in range {
                    let mut rng = Rng::new(self.opts.seed, 0x3000 + self.index, i);
                    let ip = model::address(self.opts.seed, i);
                    let t = self.drawer.start
                        + (i as i128 * self.drawer.duration as i128
                            / self.drawer.count.max(1) as i128) as i64;
                    render::zmap::row(&mut out, ip, self.info.port, t - 60, &mut rng);
                }
                Ok(ChunkOut {
                    bytes: output::compress(codec, out.as_bytes())?,
                    ..ChunkOut::default()
                })
            },
            |_| {},
        )
    }

    /// Runs `make` over chunks in parallel, writes their bytes in order and
    /// hands each result to `absorb`. Works in waves to bound memory.
    fn write_chunks(
        &self,
        path: &Path,
        bar: Option<&indicatif::ProgressBar>,
        make: impl Fn(std::ops::Range<u64>) -> Result<ChunkOut> + Sync,
        mut absorb: impl FnMut(ChunkOut),
    ) -> Result<u64> {
        let count = self.drawer.count;
        let mut file = BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        );
        let chunks = count.div_ceil(CHUNK);
        let wave = (rayon::current_num_threads() as u64 * 2).max(1);
        let mut written = 0;
        let mut next = 0;
        while next < chunks {
            let ids: Vec<u64> = (next..(next + wave).min(chunks)).collect();
            let outs: Vec<Result<ChunkOut>> = ids
                .par_iter()
                .map(|&c| make(c * CHUNK..((c + 1) * CHUNK).min(count)))
                .collect();
            for out in outs {
                let out = out?;
                file.write_all(&out.bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
                written += out.bytes.len() as u64;
                absorb(out);
            }
            if let Some(bar) = bar {
                bar.inc(((next + wave).min(chunks) - next) * CHUNK);
            }
            next += wave;
        }
        file.flush()
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(written)
    }
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
