//! Turning one chunk of records into table rows (runs on the worker pool).

use std::collections::BTreeMap;

use polars::prelude::{DataFrame, PolarsResult};

use super::certs::CertStore;
use crate::dataset::manifest::ScanEntry;
use crate::dataset::tables::{
    push_target, BannerRows, CertificateRows, CipherSupportRows, DiscoveryRows, DnsRows,
    EnumTargetRows, HandshakeRows, SonarRows, StsPolicyRows, TopListRows,
};
use crate::dataset::writer::path_safe;
use crate::formats::{parse_record, Context, RecordError};
use crate::input::framing::Chunk;
use crate::record::{Handshake, Layout, TlsMode};
use crate::trust::table::SeenChains;
use crate::x509::Sha256Digest;

/// One input file as the workers see it.
pub struct FileInfo {
    /// `input_id` in the tables.
    pub input_id: u32,
    /// Facts from the file name and the command line.
    pub ctx: Context,
    /// File name without extensions, path-safe, for scan ids of unnamed series.
    pub stem: String,
}

impl FileInfo {
    /// The scan series a record belongs to: the file's scans.io series when
    /// the record matches it, else `<port>-<protocol>-<mode>-<file stem>`.
    pub fn scan_id(&self, port: u16, protocol: &str, mode: TlsMode) -> String {
        if let Some(s) = &self.ctx.series {
            if s.port == port && s.protocol == protocol && s.mode == mode {
                return path_safe(&s.id);
            }
        }
        path_safe(&format!("{port}-{protocol}-{}-{}", mode.name(), self.stem))
    }

    fn scan_entry(&self, port: u16, protocol: &str, mode: TlsMode) -> ScanEntry {
        let series = self
            .ctx
            .series
            .as_ref()
            .filter(|s| s.port == port && s.protocol == protocol && s.mode == mode);
        ScanEntry {
            port,
            protocol: protocol.to_owned(),
            tls_mode: mode.name().to_owned(),
            subprotocol: series.map(|s| s.subprotocol.clone()),
            destination: series.map(|s| s.destination.clone()),
            run_start_us: series.map(|s| s.run_us),
            input_ids: vec![self.input_id],
            ..ScanEntry::default()
        }
    }
}

/// A rejected record.
#[derive(Debug, Clone)]
pub struct BadRecord {
    /// 1-based line of the record's start.
    pub line: u64,
    /// Decompressed byte offset of the record's start.
    pub offset: u64,
    /// What is wrong.
    pub reason: RecordError,
    /// The record as read (only its start for over-long records).
    pub text: Vec<u8>,
}

/// Everything one chunk yields, as rows being built.
#[derive(Default)]
struct ChunkRows {
    handshakes: BTreeMap<String, HandshakeRows>,
    discoveries: BTreeMap<String, DiscoveryRows>,
    certs: CertificateRows,
    toplist: TopListRows,
    dns: DnsRows,
    policies: StsPolicyRows,
    targets: EnumTargetRows,
    support: CipherSupportRows,
    banners: BannerRows,
    sonar: SonarRows,
}

/// Everything one chunk yields, with its tables already columnar (built on
/// the worker, not in the writer).
#[derive(Default)]
pub struct ChunkOutput {
    /// Handshake rows per scan id.
    pub handshakes: BTreeMap<String, DataFrame>,
    /// Discovery rows per scan id.
    pub discoveries: BTreeMap<String, DataFrame>,
    /// Certificates first seen in this chunk.
    pub certs: DataFrame,
    /// Domains of a top list.
    pub toplist: DataFrame,
    /// Answers of DNS lookups.
    pub dns: DataFrame,
    /// Fetched MTA-STS policies.
    pub policies: DataFrame,
    /// Enumerated endpoints.
    pub targets: DataFrame,
    /// Their handshakes.
    pub support: DataFrame,
    /// Banners a port scanner grabbed.
    pub banners: DataFrame,
    /// Rapid7 Sonar SSL lines.
    pub sonar: DataFrame,
    /// Rejected records, in input order.
    pub bad: Vec<BadRecord>,
    /// Records read per layout.
    pub layouts: BTreeMap<Layout, u64>,
    /// Non-TLS services counted but not kept.
    pub ignored_services: u64,
    /// Partial statistics per scan id.
    pub scans: BTreeMap<String, ScanEntry>,
    /// The distinct chains of `handshakes`, for judging them at commit.
    pub chains: SeenChains,
    /// 1 when parsing the chunk failed inside mailtls ([`failed`]).
    pub internal_errors: u64,
}

/// Port, protocol and TLS mode: what identifies a series within a file.
type SeriesKey<'k> = (u16, &'k str, TlsMode);

/// The scan id of the last series seen: records of a file nearly always
/// share one, so its id is made once, not per record.
#[derive(Default)]
struct LastSeries {
    key: Option<(u16, String, TlsMode)>,
    id: String,
}

impl LastSeries {
    fn id(&mut self, file: &FileInfo, (port, protocol, mode): SeriesKey<'_>) -> &str {
        let same = self
            .key
            .as_ref()
            .is_some_and(|(p, proto, m)| (*p, proto.as_str(), *m) == (port, protocol, mode));
        if !same {
            self.id = file.scan_id(port, protocol, mode);
            self.key = Some((port, protocol.to_owned(), mode));
        }
        &self.id
    }
}

/// The value under `key`, made first if missing. Unlike `entry`, the key is
/// only copied when it is new: this runs for every record.
fn slot<'m, V>(map: &'m mut BTreeMap<String, V>, key: &str, make: impl FnOnce() -> V) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), make());
    }
    map.get_mut(key)
        .unwrap_or_else(|| unreachable!("the key was inserted above"))
}

fn touch_scan<'m>(
    scans: &'m mut BTreeMap<String, ScanEntry>,
    file: &FileInfo,
    id: &str,
    (port, protocol, mode): SeriesKey<'_>,
    layout: Layout,
    timestamp: Option<i64>,
) -> &'m mut ScanEntry {
    let entry = slot(scans, id, || file.scan_entry(port, protocol, mode));
    let name = layout.name();
    if !entry.layouts.iter().any(|l| l == name) {
        entry.layouts.push(name.to_owned());
    }
    if let Some(t) = timestamp {
        entry.first_seen_us = Some(entry.first_seen_us.map_or(t, |f| f.min(t)));
        entry.last_seen_us = Some(entry.last_seen_us.map_or(t, |l| l.max(t)));
    }
    entry
}

fn resolve_chain(
    h: &mut Handshake<'_>,
    certs: &CertStore,
    input_id: u32,
    rows: &mut CertificateRows,
) -> Result<Vec<Sha256Digest>, RecordError> {
    let Some(tls) = h.tls.as_mut() else {
        return Ok(Vec::new());
    };
    std::mem::take(&mut tls.chain)
        .into_iter()
        .map(|c| certs.resolve(c, input_id, rows))
        .collect()
}

/// The output of a chunk whose parsing failed inside mailtls (`message`):
/// every record is quarantined with that reason.
pub fn failed(chunk: &Chunk, message: &str) -> ChunkOutput {
    let reason =
        format!("internal error while parsing this part of the file (please report it): {message}");
    let mut out = ChunkOutput {
        internal_errors: 1,
        ..ChunkOutput::default()
    };
    for span in &chunk.spans {
        out.bad.push(BadRecord {
            line: span.line,
            offset: chunk.offset + span.start as u64,
            reason: RecordError::new(reason.clone()),
            text: chunk
                .data
                .get(span.start..span.end)
                .unwrap_or_default()
                .to_vec(),
        });
    }
    out
}

/// Parses every record of `chunk`.
pub fn process(chunk: &Chunk, file: &FileInfo, certs: &CertStore) -> PolarsResult<ChunkOutput> {
    let mut out = ChunkOutput::default();
    let mut rows = ChunkRows::default();
    for o in &chunk.oversized {
        out.bad.push(BadRecord {
            line: o.line,
            offset: o.offset,
            reason: RecordError::new(
                "record longer than the limit (--max-record-mb); only its start is kept",
            ),
            text: o.preview.clone(),
        });
    }
    let mut series = LastSeries::default();
    for span in &chunk.spans {
        let Some(text) = chunk.data.get(span.start..span.end) else {
            out.bad.push(BadRecord {
                line: span.line,
                offset: chunk.offset + span.start as u64,
                reason: RecordError::new(
                    "internal error: the record's span lies outside its chunk",
                ),
                text: Vec::new(),
            });
            continue;
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let offset = chunk.offset + span.start as u64;
        let result = parse_record(text, &file.ctx).and_then(|(layout, mut parsed)| {
            let mut chains = Vec::with_capacity(parsed.handshakes.len());
            for h in &mut parsed.handshakes {
                chains.push(resolve_chain(h, certs, file.input_id, &mut rows.certs)?);
            }
            for c in std::mem::take(&mut parsed.certificates) {
                certs.resolve(c, file.input_id, &mut rows.certs)?;
            }
            Ok((layout, parsed, chains))
        });
        match result {
            Ok((layout, parsed, chains)) => {
                *out.layouts.entry(layout).or_default() += 1;
                out.ignored_services += u64::from(parsed.ignored_services);
                for (h, chain) in parsed.handshakes.into_iter().zip(chains) {
                    let id = series.id(file, (h.port, &h.protocol, h.tls_mode));
                    touch_scan(
                        &mut out.scans,
                        file,
                        id,
                        (h.port, &h.protocol, h.tls_mode),
                        layout,
                        h.timestamp_us,
                    )
                    .handshakes += 1;
                    let table = slot(&mut rows.handshakes, id, HandshakeRows::default);
                    let time = h.timestamp_us;
                    if let Some(hash) = table.push(file.input_id, span.line, h, &chain) {
                        out.chains.add(id, hash, &chain, time);
                    }
                }
                for r in &parsed.ranked {
                    rows.toplist.push(file.input_id, span.line, &file.stem, r);
                }
                for a in parsed.dns {
                    rows.dns.push(file.input_id, span.line, a);
                }
                for p in parsed.policies {
                    rows.policies.push(file.input_id, span.line, p);
                }
                for mut t in parsed.targets {
                    let mut chain = Vec::with_capacity(t.chain.len());
                    for c in std::mem::take(&mut t.chain) {
                        match certs.resolve(c, file.input_id, &mut rows.certs) {
                            Ok(digest) => chain.push(digest),
                            Err(e) => {
                                t.plugin_errors.push(format!("certificate chain: {e}"));
                                chain.clear();
                                break;
                            }
                        }
                    }
                    let at = (file.input_id, span.line, file.stem.as_str());
                    let time = t.timestamp_us;
                    let hash = push_target(&mut rows.targets, &mut rows.support, at, t, &chain);
                    if let Some(hash) = hash {
                        out.chains.add(&file.stem, hash, &chain, time);
                    }
                }
                for r in parsed.sonar {
                    let at = (file.input_id, span.line, file.stem.as_str());
                    rows.sonar.push(at, file.ctx.sonar.as_ref(), r);
                }
                for b in parsed.banners {
                    let mut b = b;
                    let cert = match b.cert.take() {
                        Some(c) => match certs.resolve(c, file.input_id, &mut rows.certs) {
                            Ok(digest) => Some(digest),
                            Err(reason) => {
                                out.bad.push(BadRecord {
                                    line: span.line,
                                    offset,
                                    reason,
                                    text: text.to_vec(),
                                });
                                continue;
                            }
                        },
                        None => None,
                    };
                    let at = (file.input_id, span.line, file.stem.as_str());
                    rows.banners.push(at, b, cert);
                }
                if let Some(reason) = parsed.broken_off {
                    out.bad.push(BadRecord {
                        line: span.line,
                        offset,
                        reason,
                        text: text.to_vec(),
                    });
                }
                for d in &parsed.discoveries {
                    let mode = file.ctx.mode().unwrap_or(TlsMode::Starttls);
                    let protocol = file.ctx.protocol().unwrap_or("tcp").to_owned();
                    let id = file.scan_id(d.port, &protocol, mode);
                    touch_scan(
                        &mut out.scans,
                        file,
                        &id,
                        (d.port, &protocol, mode),
                        layout,
                        d.timestamp_us,
                    )
                    .discoveries += 1;
                    rows.discoveries
                        .entry(id)
                        .or_default()
                        .push(file.input_id, span.line, d);
                }
            }
            Err(reason) => out.bad.push(BadRecord {
                line: span.line,
                offset,
                reason,
                text: text.to_vec(),
            }),
        }
    }
    for (id, r) in rows.handshakes {
        out.handshakes.insert(id, r.into_frame()?);
    }
    for (id, r) in rows.discoveries {
        out.discoveries.insert(id, r.into_frame()?);
    }
    out.certs = rows.certs.into_frame()?;
    out.toplist = rows.toplist.into_frame()?;
    out.dns = rows.dns.into_frame()?;
    out.policies = rows.policies.into_frame()?;
    out.targets = rows.targets.into_frame()?;
    out.support = rows.support.into_frame()?;
    out.banners = rows.banners.into_frame()?;
    out.sonar = rows.sonar.into_frame()?;
    Ok(out)
}
