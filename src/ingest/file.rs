//! One input file through the pipeline: a reader thread decompresses and
//! frames it; batches of chunks are parsed in parallel on the worker pool;
//! outputs are written in chunk order, so results do not depend on `--jobs`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use base64::Engine;
use polars::prelude::DataFrame;

use super::certs::CertStore;
use super::chunk::{failed, process, BadRecord, ChunkOutput, FileInfo};
use crate::dataset::manifest::{InputEntry, Part, ScanEntry};
use crate::dataset::writer::{partition_dir, Pending};
use crate::formats::zmap;
use crate::input::decompress::{self, Stream};
use crate::input::framing::{self, ChunkBytes, Framing, Limits};
use crate::trust::table::SeenChains;

/// Counters the progress display reads while files are processed.
#[derive(Default)]
pub struct Progress {
    /// Stored bytes consumed, all files.
    pub stored: AtomicU64,
    /// Records parsed, all files.
    pub records: AtomicU64,
}

/// What ingesting one file produced.
pub struct FileResult {
    /// The manifest entry (counts filled in).
    pub input: InputEntry,
    /// Parts written to staging.
    pub parts: Vec<Part>,
    /// Scan statistics.
    pub scans: BTreeMap<String, ScanEntry>,
    /// The distinct chains of the `handshakes` rows written.
    pub chains: SeenChains,
}

/// Shared settings of a run.
pub struct RunSettings<'a> {
    /// Staging root.
    pub root: &'a Path,
    /// Run number.
    pub run: u32,
    /// Worker pool.
    pub pool: &'a rayon::ThreadPool,
    /// Chunks parsed per batch.
    pub batch: usize,
    /// Chunk and record size limits.
    pub limits: Limits,
    /// Map plain files into memory.
    pub map_plain: bool,
    /// Stop at the first problem.
    pub strict: bool,
    /// Certificate deduplication.
    pub certs: &'a CertStore,
    /// Progress counters.
    pub progress: &'a Progress,
}

struct Sink<'a> {
    settings: &'a RunSettings<'a>,
    input_id: u32,
    handshakes: BTreeMap<String, Pending>,
    discoveries: BTreeMap<String, Pending>,
    certs: Pending,
    /// The unpartitioned row tables (`toplist`, `dns`, …), by name.
    unpartitioned: BTreeMap<&'static str, Pending>,
    parts: Vec<Part>,
    quarantine: Option<BufWriter<File>>,
    quarantine_rel: String,
    path: String,
}

/// The tables partitioned by scan id.
#[derive(Clone, Copy)]
enum Table {
    Handshakes,
    Discovery,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Handshakes => "handshakes",
            Table::Discovery => "discovery",
        }
    }
}

impl<'a> Sink<'a> {
    fn flush_certificates(&mut self) -> Result<()> {
        let s = self.settings;
        let part =
            self.certs
                .flush(s.root, "certificates", "certificates", s.run, self.input_id)?;
        self.parts.extend(part);
        Ok(())
    }

    /// Buffers a chunk's rows of an unpartitioned row table, writing a
    /// part when the buffer is full (or `force`d at the end of the file).
    fn add_unpartitioned(
        &mut self,
        table: &'static str,
        frame: DataFrame,
        force: bool,
    ) -> Result<()> {
        let s = self.settings;
        let pending = self.unpartitioned.entry(table).or_default();
        if pending.add(frame) || force {
            let part = pending.flush(s.root, table, table, s.run, self.input_id)?;
            self.parts.extend(part);
        }
        Ok(())
    }

    fn pending(&mut self, table: Table) -> &mut BTreeMap<String, Pending> {
        match table {
            Table::Handshakes => &mut self.handshakes,
            Table::Discovery => &mut self.discoveries,
        }
    }

    /// Buffers a chunk's frames of a partitioned table, writing a part for
    /// each scan whose buffer is full; returns the rows added.
    fn add_partitioned(
        &mut self,
        table: Table,
        frames: BTreeMap<String, DataFrame>,
    ) -> Result<u64> {
        let s = self.settings;
        let input_id = self.input_id;
        let mut rows = 0;
        let mut written = Vec::new();
        for (id, frame) in frames {
            rows += frame.height() as u64;
            let pending = self.pending(table).entry(id.clone()).or_default();
            if pending.add(frame) {
                written.extend(pending.flush(
                    s.root,
                    &partition_dir(table.name(), &id),
                    table.name(),
                    s.run,
                    input_id,
                )?);
                crate::checkpoint::reached("writing");
            }
        }
        self.parts.extend(written);
        Ok(rows)
    }

    fn absorb(
        &mut self,
        out: ChunkOutput,
        entry: &mut InputEntry,
        scans: &mut BTreeMap<String, ScanEntry>,
        chains: &mut SeenChains,
    ) -> Result<()> {
        let s = self.settings;
        for (layout, n) in &out.layouts {
            *entry.records.entry(layout.name().to_owned()).or_default() += n;
        }
        entry.ignored_services += out.ignored_services;
        entry.internal_errors += out.internal_errors;
        for (id, scan) in &out.scans {
            scans
                .entry(id.clone())
                .or_insert_with(|| scan.identity())
                .merge(scan);
        }
        chains.merge(out.chains);
        entry.handshakes += self.add_partitioned(Table::Handshakes, out.handshakes)?;
        entry.discoveries += self.add_partitioned(Table::Discovery, out.discoveries)?;
        if self.certs.add(out.certs) {
            self.flush_certificates()?;
        }
        self.add_unpartitioned("toplist", out.toplist, false)?;
        self.add_unpartitioned("dns", out.dns, false)?;
        self.add_unpartitioned("mta_sts_policy", out.policies, false)?;
        self.add_unpartitioned("enumerated_targets", out.targets, false)?;
        self.add_unpartitioned("cipher_support", out.support, false)?;
        self.add_unpartitioned("banners", out.banners, false)?;
        self.add_unpartitioned("sonar_ssl", out.sonar, false)?;
        for bad in &out.bad {
            if s.strict {
                bail!(
                    "{}:{}: {} (byte offset {}); --strict stops at the first bad record",
                    self.path,
                    bad.line,
                    bad.reason,
                    bad.offset
                );
            }
            *entry
                .bad_records
                .entry(reason_class(&bad.reason.0))
                .or_default() += 1;
            self.quarantine(bad)?;
        }
        Ok(())
    }

    fn quarantine(&mut self, bad: &BadRecord) -> Result<()> {
        if self.quarantine.is_none() {
            let path = self.settings.root.join(&self.quarantine_rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            self.quarantine =
                Some(BufWriter::new(File::create(&path).with_context(|| {
                    format!("cannot create {}", path.display())
                })?));
        }
        let mut obj = serde_json::json!({
            "file": self.path,
            "line": bad.line,
            "offset": bad.offset,
            "reason": bad.reason.0,
        });
        match std::str::from_utf8(&bad.text) {
            Ok(text) => obj["record"] = text.into(),
            Err(_) => {
                obj["record_base64"] = base64::engine::general_purpose::STANDARD
                    .encode(&bad.text)
                    .into()
            }
        }
        if let Some(q) = self.quarantine.as_mut() {
            serde_json::to_writer(&mut *q, &obj)?;
            q.write_all(b"\n")?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<Part>> {
        let s = self.settings;
        for table in [Table::Handshakes, Table::Discovery] {
            for (id, mut pending) in std::mem::take(self.pending(table)) {
                let part = pending.flush(
                    s.root,
                    &partition_dir(table.name(), &id),
                    table.name(),
                    s.run,
                    self.input_id,
                )?;
                self.parts.extend(part);
                crate::checkpoint::reached("writing");
            }
        }
        self.flush_certificates()?;
        for table in [
            "toplist",
            "dns",
            "mta_sts_policy",
            "enumerated_targets",
            "cipher_support",
            "banners",
            "sonar_ssl",
        ] {
            self.add_unpartitioned(table, DataFrame::empty(), true)?;
        }
        if let Some(mut q) = self.quarantine.take() {
            q.flush()?;
        }
        Ok(self.parts)
    }
}

/// Groups reasons so the summary can count them: the text up to the first
/// colon or backtick-quoted detail.
fn reason_class(reason: &str) -> String {
    let head = &reason[..reason.find([':', '(']).unwrap_or(reason.len())];
    // "`ip` has an unexpected shape" names its field first; elsewhere a
    // quoted value ("unknown layout `x`") is detail, not class.
    let head = if head.starts_with('`') {
        head
    } else {
        &head[..head.find('`').unwrap_or(head.len())]
    };
    head.trim().to_owned()
}

/// How much of a stream's start is looked at to choose its framing.
const HEAD_BYTES: usize = 64 * 1024;

/// Reads the first bytes of the decompressed stream (to choose the framing
/// and find a CSV header), with the error that stopped it, if any.
fn read_head(reader: &mut dyn Read) -> (Vec<u8>, Option<std::io::Error>) {
    let mut head = vec![0u8; HEAD_BYTES];
    let mut got = 0;
    let mut error = None;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    head.truncate(got);
    (head, error)
}

/// An opened input with the first bytes its framing is chosen by.
enum Source {
    /// A decoder, the bytes read from it and the error that stopped them.
    Read(Box<dyn Read + Send>, Vec<u8>, Option<std::io::Error>),
    /// A mapped plain file.
    Mapped(Arc<memmap2::Mmap>),
}

impl Source {
    fn head(&self) -> &[u8] {
        match self {
            Source::Read(_, head, _) => head,
            Source::Mapped(map) => &map[..map.len().min(HEAD_BYTES)],
        }
    }
}

/// The first line of a file (a later piece's CSV header), read on its own.
fn file_first_line(path: &Path) -> Result<String> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(HEAD_BYTES as u64).read_to_end(&mut head))
        .with_context(|| format!("cannot read the first line of {}", path.display()))?;
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    Ok(String::from_utf8_lossy(line).into_owned())
}

/// What turns a chunk into rows: [`process`], or a stand-in in tests.
type Parser =
    fn(&framing::Chunk, &FileInfo, &CertStore) -> polars::prelude::PolarsResult<ChunkOutput>;

/// The text a panic was raised with.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Parses chunks on the worker pool as they arrive (at most `batch` in
/// flight) and hands the outputs to `absorb` in chunk order, so the workers
/// never wait for the writer and the rows do not depend on `--jobs`.
fn parse_in_order(
    chunks: Receiver<framing::Chunk>,
    recycle: Sender<Vec<u8>>,
    settings: &RunSettings<'_>,
    info: &FileInfo,
    parse: Parser,
    mut absorb: impl FnMut(ChunkOutput) -> Result<()>,
) -> Result<()> {
    settings.pool.in_place_scope(|scope| {
        let (done_tx, done_rx) =
            channel::<(u64, polars::prelude::PolarsResult<ChunkOutput>, ChunkBytes)>();
        let mut waiting: BTreeMap<u64, ChunkOutput> = BTreeMap::new();
        let (mut sent, mut written, mut in_flight) = (0u64, 0u64, 0usize);
        let mut more = true;
        while more || in_flight > 0 {
            while more && in_flight < settings.batch {
                let next = if in_flight == 0 {
                    chunks.recv().ok()
                } else {
                    match chunks.try_recv() {
                        Ok(c) => Some(c),
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => None,
                    }
                };
                let Some(chunk) = next else {
                    more = false;
                    break;
                };
                let (seq, done) = (sent, done_tx.clone());
                sent += 1;
                in_flight += 1;
                scope.spawn(move |_| {
                    // A panic must not leave the loop below waiting for this
                    // chunk: it becomes the chunk's quarantined records.
                    let run = std::panic::AssertUnwindSafe(|| parse(&chunk, info, settings.certs));
                    let out = std::panic::catch_unwind(run)
                        .unwrap_or_else(|panic| Ok(failed(&chunk, &panic_message(&*panic))));
                    let _ = done.send((seq, out, chunk.data));
                });
            }
            if in_flight == 0 {
                continue;
            }
            let Ok((seq, out, buffer)) = done_rx.recv() else {
                break;
            };
            in_flight -= 1;
            if let ChunkBytes::Owned(buffer) = buffer {
                let _ = recycle.send(buffer);
            }
            waiting.insert(seq, out?);
            while let Some(out) = waiting.remove(&written) {
                written += 1;
                absorb(out)?;
            }
        }
        Ok(())
    })
}

/// Ingests one file.
pub fn ingest_file(
    path: &Path,
    mut entry: InputEntry,
    mut info: FileInfo,
    settings: &RunSettings<'_>,
) -> Result<FileResult> {
    // A piece of a file split among shards starts at a line start.
    let piece = entry.pieces.first().map(|p| (p.start, p.end));
    let opened = match piece {
        Some((start, end)) => decompress::open_range(path, start, end, settings.map_plain),
        None => decompress::open(path, settings.map_plain),
    }
    .with_context(|| format!("cannot open {}", path.display()))?;
    entry.codec = opened.codec.name().to_owned();
    let stored = opened.stored_read();
    let stored_hash = opened.hash_handle();
    let tally = opened.tally;
    let source = match opened.stream {
        Stream::Read(mut reader) => {
            let (head, head_error) = read_head(&mut reader);
            Source::Read(reader, head, head_error)
        }
        Stream::Mapped(map) => Source::Mapped(map),
    };
    let head = source.head();
    let piece_start = piece.map_or(0, |(start, _)| start);
    // Only line-framed files are split; a later piece may start with any line.
    let framing = match piece {
        Some(_) => Framing::Lines,
        None => framing::sniff(head),
    };
    let first_line = if piece_start > 0 {
        file_first_line(path)?
    } else {
        head.split(|&b| b == b'\n')
            .next()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default()
    };
    // A CSV header is not a record: the window starts at its line break,
    // so the header counts as a blank line and line numbers stay true.
    let mut start = 0;
    if framing == Framing::Whole {
        info.ctx.policy_domain = crate::formats::mta_sts::domain_from_path(path);
    }
    if framing == Framing::Lines && zmap::is_header(&first_line) {
        info.ctx.csv_columns = Some(zmap::header_columns(first_line.trim_end()));
        // A later piece reads the header's columns but does not hold it.
        if piece_start == 0 {
            start = first_line.len();
        }
    }
    let mut sink = Sink {
        settings,
        input_id: entry.id,
        handshakes: BTreeMap::new(),
        discoveries: BTreeMap::new(),
        certs: Pending::default(),
        unpartitioned: BTreeMap::new(),
        parts: Vec::new(),
        quarantine: None,
        quarantine_rel: format!(
            "_quarantine/r{:04}/i{:05}-{}.jsonl",
            settings.run, entry.id, info.stem
        ),
        path: entry.path.clone(),
    };
    let mut scans = BTreeMap::new();
    let mut chains = SeenChains::default();
    let (tx, rx) = sync_channel(settings.batch);
    let (recycle_tx, recycle_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let limits = settings.limits;
    let mut last_stored = 0u64;
    let outcome = std::thread::scope(
        |scope| -> Result<Result<framing::Ended, framing::StreamError>> {
            let reader_thread = std::thread::Builder::new()
                .name("mailtls-read".into())
                .spawn_scoped(scope, move || {
                    let offset = piece_start + start as u64;
                    match source {
                        Source::Read(reader, mut head, head_error) => {
                            // Bytes already read go through the window too.
                            head.drain(..start);
                            let window = framing::ReadWindow::new(reader, head, head_error);
                            framing::read_chunks(window, framing, offset, limits, &tx, &recycle_rx)
                        }
                        Source::Mapped(map) => {
                            let window = framing::MapWindow::new(map, tally, start);
                            framing::read_chunks(window, framing, offset, limits, &tx, &recycle_rx)
                        }
                    }
                })?;
            let parsed = parse_in_order(rx, recycle_tx, settings, &info, process, |out| {
                let records = out.layouts.values().sum::<u64>() + out.bad.len() as u64;
                settings
                    .progress
                    .records
                    .fetch_add(records, Ordering::Relaxed);
                let now = stored.load(Ordering::Relaxed);
                settings
                    .progress
                    .stored
                    .fetch_add(now - last_stored, Ordering::Relaxed);
                last_stored = now;
                crate::checkpoint::reached("reading");
                sink.absorb(out, &mut entry, &mut scans, &mut chains)
            });
            // The receiver is gone, so the reader stops even after an error.
            let read = reader_thread
                .join()
                .map_err(|_| anyhow::anyhow!("the reader thread of {} failed", path.display()));
            parsed?;
            read
        },
    )?;
    let now = stored.load(Ordering::Relaxed);
    settings
        .progress
        .stored
        .fetch_add(now.saturating_sub(last_stored), Ordering::Relaxed);
    match outcome {
        Ok(ended) => {
            entry.decompressed = ended.offset - piece_start;
            if let Some(piece) = entry.pieces.first_mut() {
                piece.line_breaks = ended.line_breaks;
                piece.xxh3_128 = stored_hash.hex();
            } else if entry.xxh3_128.is_empty() {
                entry.xxh3_128 = if now == entry.size {
                    stored_hash.hex()
                } else {
                    decompress::hash_file(path)?
                };
            }
        }
        Err(e) => {
            let message = format!(
                "{}: {} stream is corrupt or truncated at stored byte {} (decompressed offset {}): {}; records before it were kept",
                path.display(),
                entry.codec,
                now,
                e.decompressed_offset,
                e.message
            );
            if settings.strict {
                bail!("{message}");
            }
            entry.decompressed = e.decompressed_offset - piece_start;
            if let Some(piece) = entry.pieces.first_mut() {
                piece.xxh3_128 = crate::input::split::hash_range(path, piece.start, piece.end)?;
            } else if entry.xxh3_128.is_empty() {
                // The decoder stopped early: hash the whole file as stored.
                entry.xxh3_128 = decompress::hash_file(path)?;
            }
            if let Some(cut) = e.cut_record {
                sink.quarantine(&BadRecord {
                    line: cut.line,
                    offset: cut.offset,
                    reason: crate::formats::RecordError::new(
                        "incomplete record cut off by the stream error",
                    ),
                    text: cut.preview,
                })?;
                *entry
                    .bad_records
                    .entry("incomplete record cut off by the stream error".into())
                    .or_default() += 1;
            }
            entry.stream_error = Some(message);
        }
    }
    let parts = sink.finish()?;
    Ok(FileResult {
        input: entry,
        parts,
        scans,
        chains,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Context;
    use crate::input::framing::{Chunk, Span};

    fn chunk(first_line: u64) -> Chunk {
        Chunk {
            data: ChunkBytes::Owned(b"{}\n{}\n".to_vec()),
            offset: 0,
            spans: vec![
                Span {
                    start: 0,
                    end: 2,
                    line: first_line,
                },
                Span {
                    start: 3,
                    end: 5,
                    line: first_line + 1,
                },
            ],
            oversized: Vec::new(),
        }
    }

    /// A chunk whose parsing panics becomes that chunk's quarantined
    /// records and an internal error; the chunks around it are parsed and
    /// the file finishes (a panic once left the loop waiting for ever).
    #[test]
    fn a_panicking_chunk_is_quarantined_not_waited_for() {
        fn parse(
            c: &Chunk,
            _: &FileInfo,
            _: &CertStore,
        ) -> polars::prelude::PolarsResult<ChunkOutput> {
            if c.spans[0].line == 3 {
                panic!("deliberate failure in chunk 2");
            }
            Ok(ChunkOutput::default())
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let (certs, progress, root) = (
            CertStore::default(),
            Progress::default(),
            tempfile::tempdir().unwrap(),
        );
        let settings = RunSettings {
            root: root.path(),
            run: 1,
            pool: &pool,
            batch: 4,
            limits: Limits::default(),
            map_plain: false,
            strict: false,
            certs: &certs,
            progress: &progress,
        };
        let info = FileInfo {
            input_id: 0,
            ctx: Context::default(),
            stem: "f".into(),
        };
        let (tx, rx) = sync_channel(8);
        for first in [1, 3, 5] {
            tx.send(chunk(first)).unwrap();
        }
        drop(tx);
        let (recycle, _kept) = channel();
        let mut outputs = Vec::new();
        parse_in_order(rx, recycle, &settings, &info, parse, |out| {
            outputs.push(out);
            Ok(())
        })
        .unwrap();
        let errors: Vec<u64> = outputs.iter().map(|o| o.internal_errors).collect();
        assert_eq!(errors, [0, 1, 0]);
        let bad = &outputs[1].bad;
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [3, 4]);
        assert!(
            bad[0].reason.0.contains("deliberate failure in chunk 2"),
            "{}",
            bad[0].reason
        );
    }
}
