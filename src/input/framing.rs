//! Cutting a decompressed stream into chunks of whole records.
//!
//! Records are JSON lines, CSV rows, or pretty-printed JSON documents (one
//! object spread over many lines, as Censys exports and `json.dump(indent=…)`
//! write them). Chunks have a fixed target size, independent of the number
//! of workers, so results do not depend on `--jobs`.

use std::io::{self, Read};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use memmap2::{Advice, Mmap, UncheckedAdvice};

use super::decompress::Tally;

/// How records are delimited in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// One record per line.
    Lines,
    /// Whole JSON values, however many lines each takes.
    Documents,
    /// The whole stream is one record (an MTA-STS policy file, an sslyze
    /// report).
    Whole,
}

/// One record's place in its chunk.
#[derive(Clone, Copy, Debug)]
pub struct Span {
    /// Start within `Chunk::data`.
    pub start: usize,
    /// End (exclusive), without the line break.
    pub end: usize,
    /// 1-based line number of the record's first line.
    pub line: u64,
}

/// A record that was too long to keep; only its start is shown.
#[derive(Clone, Debug)]
pub struct Oversized {
    /// 1-based line number.
    pub line: u64,
    /// Decompressed byte offset of its start.
    pub offset: u64,
    /// The first bytes, for the quarantine.
    pub preview: Vec<u8>,
}

/// A chunk's bytes: a buffer of its own, or a range of a mapped file.
pub enum ChunkBytes {
    /// Read (and decompressed) into a buffer, which is reused afterwards.
    Owned(Vec<u8>),
    /// Parsed where it lies in a mapped plain file.
    Mapped(MappedRange),
}

impl std::ops::Deref for ChunkBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ChunkBytes::Owned(v) => v,
            ChunkBytes::Mapped(r) => &r.map[r.start..r.end],
        }
    }
}

/// A range of a mapped file. Once its chunk is parsed, its pages leave the
/// process (they stay in the page cache), so resident memory stays bounded
/// by the chunks in flight, not by the file's size.
pub struct MappedRange {
    map: Arc<Mmap>,
    start: usize,
    end: usize,
}

impl Drop for MappedRange {
    fn drop(&mut self) {
        // SAFETY: the map is a read-only private mapping of a file, so
        // dropping pages discards nothing: a later read of them (another
        // chunk sharing a boundary page) faults them in again from the file.
        unsafe {
            self.map
                .unchecked_advise_range(
                    UncheckedAdvice::DontNeed,
                    self.start,
                    self.end - self.start,
                )
                .ok();
        }
    }
}

/// A run of whole records.
pub struct Chunk {
    /// The bytes.
    pub data: ChunkBytes,
    /// Decompressed offset of `data[0]` in the file.
    pub offset: u64,
    /// The records in `data`.
    pub spans: Vec<Span>,
    /// Records dropped before this chunk for being too long.
    pub oversized: Vec<Oversized>,
}

/// A stream that ended in an error (corrupt or truncated compressed data).
#[derive(Debug, Clone)]
pub struct StreamError {
    /// Decompressed bytes delivered before the error.
    pub decompressed_offset: u64,
    /// The decoder's message.
    pub message: String,
    /// An incomplete record cut off by the error, if any.
    pub cut_record: Option<Oversized>,
}

/// Sizes that bound memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Target chunk size in bytes.
    pub chunk_bytes: usize,
    /// Longest record kept; longer ones are quarantined by their start only.
    pub max_record_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Measured on plain and gzip input: 2 MiB chunks as fast as
            // 4 MiB ones (within noise) and about 45 MiB lighter; 1 MiB
            // chunks slower.
            chunk_bytes: 2 << 20,
            max_record_bytes: 64 << 20,
        }
    }
}

const PREVIEW: usize = 4096;

/// Decides the framing from the first bytes of the decompressed stream: a
/// first non-blank line that is only `{` starts pretty-printed documents,
/// and a stream that opens with `[` is one JSON array of records (Censys
/// API exports, `jq -s`), pretty or compact.
pub fn sniff(head: &[u8]) -> Framing {
    let first = head
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| !l.is_empty());
    match first {
        Some(b"{") => Framing::Documents,
        Some(l) if l.starts_with(b"[") => Framing::Documents,
        _ if crate::formats::mta_sts::is_policy_text(head)
            || crate::formats::sslyze::is_xml(head)
            || crate::formats::sslyze::is_text(head) =>
        {
            Framing::Whole
        }
        _ => Framing::Lines,
    }
}

/// Spans of the lines in `buf`, numbered from `first_line`, and the number
/// of the line after the last line break.
fn line_spans(buf: &[u8], first_line: u64) -> (Vec<Span>, u64) {
    let mut spans = Vec::with_capacity(buf.len() / 1024 + 1);
    let mut start = 0;
    let mut line = first_line;
    for nl in memchr::memchr_iter(b'\n', buf) {
        spans.push(Span {
            start,
            end: trim_cr(buf, start, nl),
            line,
        });
        start = nl + 1;
        line += 1;
    }
    if start < buf.len() {
        spans.push(Span {
            start,
            end: trim_cr(buf, start, buf.len()),
            line,
        });
    }
    (spans, line)
}

fn trim_cr(buf: &[u8], start: usize, end: usize) -> usize {
    if end > start && buf[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Where a JSON text scanner stands: inside how many objects and arrays,
/// inside a string, after a backslash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Nesting {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Nesting {
    /// Takes one byte; true when it closes the outermost value.
    fn feed(&mut self, b: u8) -> bool {
        if self.in_string {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
            return false;
        }
        match b {
            b'"' => self.in_string = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' if self.depth > 0 => {
                self.depth -= 1;
                return self.depth == 0;
            }
            _ => {}
        }
        false
    }
}

/// What the document scanner carries from one window to the next.
#[derive(Clone, Copy, Debug, Default)]
struct DocumentState {
    /// Inside a top-level `[` whose elements are the records.
    in_array: bool,
}

/// Finds the records of `buf`, which starts between records: whole
/// top-level JSON values (or the elements of a top-level array), and runs
/// of stray text between them, each a record of its own up to the end of
/// its line or the next value (to be rejected with its line and offset).
/// Returns their spans and how many bytes they consumed, with the line
/// number after them; every span lies within the consumed bytes. Text that
/// is not yet complete waits for more bytes unless `finished`.
fn document_spans(
    buf: &[u8],
    first_line: u64,
    finished: bool,
    state: &mut DocumentState,
) -> (Vec<Span>, usize, u64) {
    let mut spans = Vec::new();
    let mut line = first_line;
    let (mut i, mut consumed, mut consumed_line) = (0, 0, first_line);
    while i < buf.len() {
        let b = buf[i];
        match b {
            b'\n' => line += 1,
            _ if b.is_ascii_whitespace() => {}
            b'[' if !state.in_array => state.in_array = true,
            b']' | b',' if state.in_array => state.in_array = b == b',',
            b'{' | b'[' => {
                let mut nesting = Nesting::default();
                let (value_line, mut newlines) = (line, 0);
                let mut end = None;
                for (j, &c) in buf[i..].iter().enumerate() {
                    newlines += u64::from(c == b'\n');
                    if nesting.feed(c) {
                        end = Some(i + j + 1);
                        break;
                    }
                }
                let Some(end) = end else { break };
                spans.push(Span {
                    start: i,
                    end,
                    line: value_line,
                });
                line += newlines;
                i = end;
                (consumed, consumed_line) = (end, line);
                continue;
            }
            _ => {
                let stop = |c: &u8| {
                    matches!(c, b'\n' | b'{' | b'[') || (state.in_array && matches!(c, b',' | b']'))
                };
                let end = match buf[i..].iter().position(stop) {
                    Some(n) => i + n,
                    None if finished => buf.len(),
                    None => break,
                };
                spans.push(Span {
                    start: i,
                    end: trim_end(buf, i, end),
                    line,
                });
                i = end;
                (consumed, consumed_line) = (end, line);
                continue;
            }
        }
        i += 1;
        if !b.is_ascii_whitespace() || b == b'\n' {
            // Separators and blank lines between records are consumed too.
            (consumed, consumed_line) = (i, line);
        }
    }
    (spans, consumed, consumed_line)
}

fn trim_end(buf: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && buf[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

/// Moves records longer than `max` out of `spans`, keeping only their start.
fn split_oversized(
    buf: &[u8],
    spans: Vec<Span>,
    offset: u64,
    max: usize,
) -> (Vec<Span>, Vec<Oversized>) {
    if spans.iter().all(|s| s.end - s.start <= max) {
        return (spans, Vec::new());
    }
    let (keep, long): (Vec<Span>, Vec<Span>) =
        spans.into_iter().partition(|s| s.end - s.start <= max);
    let long = long
        .into_iter()
        .map(|s| Oversized {
            line: s.line,
            offset: offset + s.start as u64,
            preview: buf[s.start..s.start + PREVIEW.min(s.end - s.start)].to_vec(),
        })
        .collect();
    (keep, long)
}

/// Where [`read_chunks`] finds the stream's bytes: a window onto its
/// unconsumed front, grown on demand and consumed from the front.
pub trait Window {
    /// Shows at least `target` bytes unless the stream ends first
    /// (`Ok(true)`).
    fn fill(&mut self, target: usize) -> io::Result<bool>;
    /// The bytes shown and not consumed.
    fn data(&self) -> &[u8];
    /// Consumes the first `n` bytes without keeping them.
    fn discard(&mut self, n: usize);
    /// Consumes the first `n` bytes as a chunk's bytes; `recycle` offers
    /// buffers of parsed chunks for reuse.
    fn take_front(&mut self, n: usize, recycle: &Receiver<Vec<u8>>) -> ChunkBytes;
}

/// A [`Window`] on a reader: a buffer whose bytes past `filled` stay
/// allocated and initialized between chunks, so refilling it neither grows
/// nor zeroes memory (reading into spare capacity would zero it first, at
/// every chunk).
pub struct ReadWindow<R> {
    reader: R,
    bytes: Vec<u8>,
    filled: usize,
    /// The error that stopped an earlier read, reported at the next fill.
    error: Option<io::Error>,
}

impl<R: Read> ReadWindow<R> {
    /// A window on `reader`, from which `head` was already read, up to the
    /// error `head_error` if that first read ended in one.
    pub fn new(reader: R, head: Vec<u8>, head_error: Option<io::Error>) -> Self {
        ReadWindow {
            reader,
            filled: head.len(),
            bytes: head,
            error: head_error,
        }
    }
}

impl<R: Read> Window for ReadWindow<R> {
    fn fill(&mut self, target: usize) -> io::Result<bool> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.bytes.len() < target {
            self.bytes.resize(target, 0);
        }
        while self.filled < target {
            match self.reader.read(&mut self.bytes[self.filled..target]) {
                Ok(0) => return Ok(true),
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    fn data(&self) -> &[u8] {
        &self.bytes[..self.filled]
    }

    fn discard(&mut self, n: usize) {
        self.bytes.copy_within(n..self.filled, 0);
        self.filled -= n;
    }

    /// Hands out the first `n` bytes as a vector of their own; the rest
    /// moves to a recycled buffer, which becomes this window's.
    fn take_front(&mut self, n: usize, recycle: &Receiver<Vec<u8>>) -> ChunkBytes {
        // A returned buffer means no fresh allocation and no page faults.
        let mut spare = recycle.try_recv().unwrap_or_default();
        let rest = self.filled - n;
        if spare.len() < rest {
            spare.resize(rest, 0);
        }
        spare[..rest].copy_from_slice(&self.bytes[n..self.filled]);
        let mut front = std::mem::replace(&mut self.bytes, spare);
        front.truncate(n);
        self.filled = rest;
        ChunkBytes::Owned(front)
    }
}

/// A [`Window`] on a mapped plain file: growing it only moves its end, and
/// chunks are ranges of the map. The bytes are tallied (counted and hashed)
/// as the window first shows them.
pub struct MapWindow {
    map: Arc<Mmap>,
    tally: Tally,
    start: usize,
    end: usize,
}

impl MapWindow {
    /// A window on `map` starting at byte `start`; bytes before it are
    /// tallied too, so the file's hash covers all of it.
    pub fn new(map: Arc<Mmap>, tally: Tally, start: usize) -> Self {
        let start = start.min(map.len());
        tally.add(&map[..start]);
        MapWindow {
            map,
            tally,
            start,
            end: start,
        }
    }
}

impl Window for MapWindow {
    fn fill(&mut self, target: usize) -> io::Result<bool> {
        let end = self
            .start
            .saturating_add(target)
            .min(self.map.len())
            .max(self.end);
        if end > self.end {
            // Map the new range's pages in one call rather than one fault per
            // few pages (about 1,000 fewer faults per GB, measured). Only
            // advice: where the kernel lacks it, the pages fault in as before.
            self.map
                .advise_range(Advice::PopulateRead, self.end, end - self.end)
                .ok();
        }
        self.tally.add(&self.map[self.end..end]);
        self.end = end;
        Ok(end == self.map.len())
    }

    fn data(&self) -> &[u8] {
        &self.map[self.start..self.end]
    }

    fn discard(&mut self, n: usize) {
        self.start += n;
    }

    fn take_front(&mut self, n: usize, _: &Receiver<Vec<u8>>) -> ChunkBytes {
        let range = MappedRange {
            map: Arc::clone(&self.map),
            start: self.start,
            end: self.start + n,
        };
        self.start += n;
        ChunkBytes::Mapped(range)
    }
}

/// What is left to skip of a record that was too long to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Skip {
    /// Nothing: the window starts between records.
    Nothing,
    /// The rest of a line.
    ToLineEnd,
    /// The rest of a JSON value, scanned this far.
    ToValueEnd(Nesting),
}

impl Skip {
    /// How to skip the rest of the over-long record `data` starts with: a
    /// JSON value to its closing bracket (so the next document is found
    /// exactly), stray text to the end of its line.
    fn from_value_start(data: &[u8]) -> Skip {
        let first = data.iter().position(|b| !b.is_ascii_whitespace());
        match first.map(|i| (i, data[i])) {
            Some((i, b'{' | b'[')) => {
                let mut nesting = Nesting::default();
                for &b in &data[i..] {
                    nesting.feed(b);
                }
                Skip::ToValueEnd(nesting)
            }
            _ => Skip::ToLineEnd,
        }
    }
}

/// Where a stream that was read to its end ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ended {
    /// Decompressed offset of its end.
    pub offset: u64,
    /// Line breaks read (so the lines before a later piece of the file).
    pub line_breaks: u64,
}

/// Reads the stream behind `window` to the end, sending chunks of whole
/// records to `tx`; `offset` is the decompressed offset of the window's
/// first byte. Buffers of consumed chunks come back through `recycle`.
/// Returns where it ended, or the error that ended the stream
/// (after sending every complete record read before it).
pub fn read_chunks(
    mut window: impl Window,
    framing: Framing,
    mut offset: u64,
    limits: Limits,
    tx: &SyncSender<Chunk>,
    recycle: &Receiver<Vec<u8>>,
) -> Result<Ended, StreamError> {
    let mut line = 1u64;
    let mut target = limits.chunk_bytes;
    let mut oversized: Vec<Oversized> = Vec::new();
    let mut skip = Skip::Nothing;
    let mut documents = DocumentState::default();
    let mut eof = false;
    let mut error: Option<io::Error> = None;
    loop {
        if !eof && error.is_none() {
            match window.fill(target) {
                Ok(ended) => eof = ended,
                Err(e) => error = Some(e),
            }
        }
        let finished = eof || error.is_some();
        if skip != Skip::Nothing {
            // The rest of an over-long record: through its line break, or
            // through the end of the JSON value it started.
            let data = window.data();
            let end = match &mut skip {
                Skip::ToLineEnd => memchr::memchr(b'\n', data).map(|nl| nl + 1),
                Skip::ToValueEnd(nesting) => {
                    data.iter().position(|&b| nesting.feed(b)).map(|n| n + 1)
                }
                Skip::Nothing => Some(0),
            };
            let taken = end.unwrap_or(data.len());
            line += memchr::memchr_iter(b'\n', &data[..taken]).count() as u64;
            offset += taken as u64;
            window.discard(taken);
            if end.is_none() {
                if finished {
                    break;
                }
                continue;
            }
            skip = Skip::Nothing;
        }
        let data = window.data();
        let (spans, consumed, next_line) = match framing {
            Framing::Lines => {
                let cut = if finished && error.is_none() {
                    data.len()
                } else {
                    memchr::memrchr(b'\n', data).map_or(0, |nl| nl + 1)
                };
                let (spans, next_line) = line_spans(&data[..cut], line);
                (spans, cut, next_line)
            }
            Framing::Documents => {
                document_spans(data, line, finished && error.is_none(), &mut documents)
            }
            Framing::Whole if finished && error.is_none() && !data.is_empty() => {
                let lines = memchr::memchr_iter(b'\n', data).count() as u64;
                let end = data.len() - usize::from(data.ends_with(b"\n"));
                let span = Span {
                    start: 0,
                    end,
                    line,
                };
                (vec![span], data.len(), line + lines)
            }
            Framing::Whole => (Vec::new(), 0, line),
        };
        if consumed == 0 && !finished {
            if data.len() >= limits.max_record_bytes {
                oversized.push(Oversized {
                    line,
                    offset,
                    preview: data[..PREVIEW.min(data.len())].to_vec(),
                });
                skip = match framing {
                    Framing::Lines | Framing::Whole => Skip::ToLineEnd,
                    Framing::Documents => Skip::from_value_start(data),
                };
                let all = data.len();
                line += memchr::memchr_iter(b'\n', data).count() as u64;
                offset += all as u64;
                window.discard(all);
                target = limits.chunk_bytes;
            } else {
                target = (target * 2).min(limits.max_record_bytes);
            }
            continue;
        }
        let (spans, too_long) = split_oversized(data, spans, offset, limits.max_record_bytes);
        oversized.extend(too_long);
        let chunk = Chunk {
            data: window.take_front(consumed, recycle),
            offset,
            spans,
            oversized: std::mem::take(&mut oversized),
        };
        offset += consumed as u64;
        line = next_line;
        target = limits.chunk_bytes;
        if tx.send(chunk).is_err() {
            // The consumer stopped (strict mode); nothing more to do.
            return Ok(Ended {
                offset,
                line_breaks: line - 1,
            });
        }
        if finished {
            break;
        }
    }
    if !oversized.is_empty() {
        let _ = tx.send(Chunk {
            data: ChunkBytes::Owned(Vec::new()),
            offset,
            spans: Vec::new(),
            oversized,
        });
    }
    let rest = window.data();
    let lead = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let leftover = lead < rest.len();
    line += memchr::memchr_iter(b'\n', &rest[..lead]).count() as u64;
    let cut_offset = offset + lead as u64;
    let rest = &rest[lead..];
    let cut_record = || Oversized {
        line,
        offset: cut_offset,
        preview: rest[..PREVIEW.min(rest.len())].to_vec(),
    };
    match error {
        None if leftover => Err(StreamError {
            decompressed_offset: offset + rest.len() as u64,
            message: "the stream ended inside a JSON document".into(),
            cut_record: Some(cut_record()),
        }),
        None => Ok(Ended {
            offset: offset + rest.len() as u64,
            line_breaks: line - 1,
        }),
        Some(e) => Err(StreamError {
            decompressed_offset: offset + rest.len() as u64,
            message: e.to_string(),
            cut_record: leftover.then(cut_record),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::sync_channel;

    type Collected = (Vec<(u64, String)>, Vec<u64>, Result<Ended, StreamError>);

    fn collect(input: &[u8], framing: Framing, limits: Limits) -> Collected {
        let (tx, rx) = sync_channel(1024);
        let (_keep, recycle) = std::sync::mpsc::channel();
        let window = ReadWindow::new(input, Vec::new(), None);
        let result = read_chunks(window, framing, 0, limits, &tx, &recycle);
        drop(tx);
        let mut records = Vec::new();
        let mut dropped = Vec::new();
        for chunk in rx {
            for s in &chunk.spans {
                records.push((
                    s.line,
                    String::from_utf8_lossy(&chunk.data[s.start..s.end]).into_owned(),
                ));
            }
            dropped.extend(chunk.oversized.iter().map(|o| o.line));
        }
        (records, dropped, result)
    }

    #[test]
    fn lines_across_small_chunks() {
        let input = b"{\"a\":1}\r\n\n{\"b\":2}\n{\"c\":3}";
        let limits = Limits {
            chunk_bytes: 5,
            max_record_bytes: 1 << 20,
        };
        let (records, dropped, result) = collect(input, Framing::Lines, limits);
        let texts: Vec<_> = records
            .iter()
            .filter(|(_, t)| !t.is_empty())
            .cloned()
            .collect();
        assert_eq!(
            texts,
            vec![
                (1, "{\"a\":1}".into()),
                (3, "{\"b\":2}".into()),
                (4, "{\"c\":3}".into())
            ]
        );
        assert!(dropped.is_empty());
        let ended = result.unwrap();
        assert_eq!(ended.offset, input.len() as u64);
        assert_eq!(ended.line_breaks, 3, "the last line has no break");
    }

    #[test]
    fn overlong_lines_are_dropped_by_start() {
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100));
        input.extend(b"\n{\"b\":2}\n");
        let limits = Limits {
            chunk_bytes: 8,
            max_record_bytes: 32,
        };
        let (records, dropped, _) = collect(&input, Framing::Lines, limits);
        let lines: Vec<_> = records.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![1, 3]);
        assert_eq!(dropped, vec![2]);
    }

    #[test]
    fn pretty_documents() {
        let input = b"{\n  \"25\": {\"s\": \"}\\\"{\"}\n}\n{\n \"x\": [1,\n2]\n}\n";
        assert_eq!(sniff(input), Framing::Documents);
        let (records, _, result) = collect(
            input,
            Framing::Documents,
            Limits {
                chunk_bytes: 4,
                max_record_bytes: 1 << 20,
            },
        );
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].0, 1);
        assert_eq!(records[1].0, 4);
        assert!(result.is_ok());
    }

    #[test]
    fn truncated_document_is_reported() {
        let (records, _, result) = collect(
            b"{\n \"a\": 1\n}\n{\n \"b\":",
            Framing::Documents,
            Limits::default(),
        );
        assert_eq!(records.len(), 1);
        let err = result.unwrap_err();
        assert_eq!(err.cut_record.unwrap().line, 4);
    }

    fn texts(input: &[u8], chunk_bytes: usize, max_record_bytes: usize) -> Collected {
        let limits = Limits {
            chunk_bytes,
            max_record_bytes,
        };
        collect(input, sniff(input), limits)
    }

    #[test]
    fn stray_text_between_documents_is_one_record_per_run() {
        let input = b"{\n \"a\": 1\n}\nEND\n,\n{\"b\": 2} junk\n";
        for chunk in [3, 7, 1 << 20] {
            let (records, dropped, result) = texts(input, chunk, 1 << 20);
            assert_eq!(
                records,
                vec![
                    (1, "{\n \"a\": 1\n}".into()),
                    (4, "END".into()),
                    (5, ",".into()),
                    (6, "{\"b\": 2}".into()),
                    (6, "junk".into()),
                ],
                "chunks of {chunk}"
            );
            assert!(dropped.is_empty());
            assert_eq!(result.unwrap().offset, input.len() as u64);
        }
    }

    #[test]
    fn junk_after_the_last_document_is_a_record() {
        let (records, _, result) = texts(b"{\n\"a\":1\n}\ntrailing junk", 4, 1 << 20);
        assert_eq!(
            records,
            vec![(1, "{\n\"a\":1\n}".into()), (4, "trailing junk".into())]
        );
        assert!(result.is_ok());
    }

    #[test]
    fn an_array_of_records_is_read_record_by_record() {
        let pretty = b"[\n  {\n    \"a\": [1, 2]\n  },\n  {\n    \"b\": \"],[\"\n  }\n]\n";
        let compact = b"[{\"a\":[1,2]},{\"b\":\"],[\"}]";
        for chunk in [2, 5, 1 << 20] {
            let (records, _, result) = texts(pretty, chunk, 1 << 20);
            let lines: Vec<u64> = records.iter().map(|(l, _)| *l).collect();
            assert_eq!(lines, vec![2, 5], "chunks of {chunk}");
            assert!(result.is_ok());
            let (records, _, result) = texts(compact, chunk, 1 << 20);
            assert_eq!(
                records,
                vec![(1, "{\"a\":[1,2]}".into()), (1, "{\"b\":\"],[\"}".into())]
            );
            assert!(result.is_ok());
        }
        // A stray value inside the array is its own record.
        let (records, _, _) = texts(b"[{\"a\":1}, 7 ,{\"b\":2}]", 1 << 20, 1 << 20);
        let texts: Vec<&str> = records.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["{\"a\":1}", "7", "{\"b\":2}"]);
    }

    #[test]
    fn the_document_after_an_oversized_one_is_found_exactly() {
        let mut input = b"{\n\"a\": 1\n}\n{\n \"big\": \"".to_vec();
        input.extend(std::iter::repeat_n(b'x', 200));
        input.extend(b"}{\",\n \"n\": [{}]\n}\n{\n \"c\": 3\n}\n");
        for chunk in [4, 16] {
            let (records, dropped, result) = texts(&input, chunk, 64);
            assert_eq!(
                records,
                vec![(1, "{\n\"a\": 1\n}".into()), (8, "{\n \"c\": 3\n}".into())],
                "chunks of {chunk}"
            );
            assert_eq!(dropped, vec![4]);
            assert!(result.is_ok());
        }
    }

    /// Whatever the bytes, spans stay inside their chunk and every byte
    /// of a record is seen once.
    #[test]
    fn spans_never_leave_their_chunk() {
        let alphabet = b"{}[]\",\\ \nab:1";
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for round in 0..3_000 {
            let len = (round % 97) + 1;
            let input: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            for framing in [Framing::Lines, Framing::Documents] {
                let limits = Limits {
                    chunk_bytes: 1 + round % 13,
                    max_record_bytes: 8 + round % 40,
                };
                let (tx, rx) = sync_channel(4096);
                let (_keep, recycle) = std::sync::mpsc::channel();
                let window = ReadWindow::new(&input[..], Vec::new(), None);
                let _ = read_chunks(window, framing, 0, limits, &tx, &recycle);
                drop(tx);
                for chunk in rx {
                    for s in &chunk.spans {
                        assert!(s.start <= s.end && s.end <= chunk.data.len(), "{input:?}");
                    }
                }
            }
        }
    }
}
