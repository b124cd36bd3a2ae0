//! Compression detected by magic bytes, never by extension.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use memmap2::{Advice, Mmap};
use twox_hash::XxHash3_128;

/// A codec, with the magic bytes that announce it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// No compression.
    Plain,
    /// gzip (`1F 8B`), multi-member.
    Gzip,
    /// Zstandard (`28 B5 2F FD`), multi-frame.
    Zstd,
    /// LZ4 frame format (`04 22 4D 18`), as Censys published.
    Lz4,
    /// bzip2 (`42 5A 68`), multi-stream.
    Bzip2,
    /// xz (`FD 37 7A 58 5A 00`), multi-stream.
    Xz,
}

/// Magic bytes of each compressed codec.
const MAGIC: &[(&[u8], Codec)] = &[
    (&[0x1f, 0x8b], Codec::Gzip),
    (&[0x28, 0xb5, 0x2f, 0xfd], Codec::Zstd),
    (&[0x04, 0x22, 0x4d, 0x18], Codec::Lz4),
    (b"BZh", Codec::Bzip2),
    (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], Codec::Xz),
];

/// The legacy LZ4 format (`02 21 4C 18`), which we cannot read.
const LZ4_LEGACY: &[u8] = &[0x02, 0x21, 0x4c, 0x18];

impl Codec {
    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Plain => "plain",
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
            Codec::Lz4 => "lz4",
            Codec::Bzip2 => "bzip2",
            Codec::Xz => "xz",
        }
    }

    /// Detects the codec from the first bytes of a file.
    pub fn sniff(head: &[u8]) -> io::Result<Codec> {
        if head.starts_with(LZ4_LEGACY) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "legacy LZ4 format (magic 02 21 4C 18) is not supported: decompress with `lz4 -d` and ingest the result",
            ));
        }
        Ok(MAGIC
            .iter()
            .find(|(magic, _)| head.starts_with(magic))
            .map_or(Codec::Plain, |(_, c)| *c))
    }
}

/// The count and running hash of a file's stored bytes as they are
/// consumed, so errors and progress can name an offset in the file as
/// stored, and the manifest can record the file's content hash without a
/// second read.
#[derive(Clone, Default)]
pub struct Tally {
    count: Arc<AtomicU64>,
    hash: Arc<Mutex<XxHash3_128>>,
}

impl Tally {
    /// Counts and hashes the next stored bytes.
    pub fn add(&self, bytes: &[u8]) {
        self.count.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.hash
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .write(bytes);
    }
}

/// A reader that tallies the stored bytes it hands on.
struct Counting<R> {
    inner: R,
    tally: Tally,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tally.add(&buf[..n]);
        Ok(n)
    }
}

/// XXH3-128 of a whole file, lower-case hex.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = XxHash3_128::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.write(&buf[..n]);
    }
    Ok(format!("{:032x}", hasher.finish_128()))
}

/// How an opened input's decompressed bytes are reached.
pub enum Stream {
    /// Through the decoder its codec calls for.
    Read(Box<dyn Read + Send>),
    /// A plain regular file, mapped into memory: its records are parsed
    /// where they lie, with no copy. Whoever consumes the map tallies it.
    Mapped(Arc<Mmap>),
}

/// An opened input: decompressed bytes, plus the count of stored bytes read.
pub struct Opened {
    /// The decompressed bytes.
    pub stream: Stream,
    /// The detected codec.
    pub codec: Codec,
    /// Stored bytes consumed so far, and their hash.
    pub tally: Tally,
}

impl Opened {
    /// A handle that yields the stored bytes' hash once the stream is read.
    pub fn hash_handle(&self) -> StoredHash {
        StoredHash(Arc::clone(&self.tally.hash))
    }

    /// Stored bytes consumed so far.
    pub fn stored_read(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.tally.count)
    }
}

/// The running hash of an opened file's stored bytes.
pub struct StoredHash(Arc<Mutex<XxHash3_128>>);

impl StoredHash {
    /// XXH3-128 of the bytes consumed so far, lower-case hex.
    pub fn hex(&self) -> String {
        let h = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        format!("{:032x}", h.finish_128())
    }
}

/// Opens a file and wraps it in the decoder its magic bytes call for; a
/// plain file is mapped when `map_plain` allows it and it is large enough.
pub fn open(path: &Path, map_plain: bool) -> io::Result<Opened> {
    let mut file = File::open(path)?;
    let mut head = [0u8; 6];
    let mut got = 0;
    while got < head.len() {
        let n = file.read(&mut head[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    let codec = Codec::sniff(&head[..got])?;
    let tally = Tally::default();
    if codec == Codec::Plain && map_plain {
        if let Some(map) = map_file(&file)? {
            return Ok(Opened {
                stream: Stream::Mapped(Arc::new(map)),
                codec,
                tally,
            });
        }
    }
    let raw = Counting {
        inner: io::Cursor::new(head[..got].to_vec()).chain(file),
        tally: tally.clone(),
    };
    // Decoders read small pieces and want a buffer below them; plain text
    // goes straight into the chunk buffers, as a buffer there would copy
    // every byte once more.
    let buffered = |raw| BufReader::with_capacity(1 << 20, raw);
    let reader: Box<dyn Read + Send> = match codec {
        Codec::Plain => Box::new(raw),
        Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered(raw))),
        Codec::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered(raw))?),
        Codec::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(buffered(raw))),
        Codec::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(buffered(raw))),
        Codec::Xz => Box::new(liblzma::bufread::XzDecoder::new_multi_decoder(buffered(
            raw,
        ))),
    };
    Ok(Opened {
        stream: Stream::Read(reader),
        codec,
        tally,
    })
}

/// Opens bytes `[start, end)` of a plain file (a piece of a file split
/// among shards, see [`super::split`]), mapped when `map_plain` allows it
/// and the piece is large enough. The tally counts and hashes the piece only.
pub fn open_range(path: &Path, start: u64, end: u64, map_plain: bool) -> io::Result<Opened> {
    let mut file = File::open(path)?;
    let len = end.saturating_sub(start);
    let tally = Tally::default();
    if map_plain && len >= MAP_AT_LEAST {
        let options = {
            let mut o = memmap2::MmapOptions::new();
            o.offset(start).len(len as usize);
            o
        };
        // SAFETY: as for a whole file (see `map_file`).
        if let Ok(map) = unsafe { options.map(&file) } {
            map.advise(Advice::Sequential).ok();
            return Ok(Opened {
                stream: Stream::Mapped(Arc::new(map)),
                codec: Codec::Plain,
                tally,
            });
        }
    }
    file.seek(io::SeekFrom::Start(start))?;
    let raw = Counting {
        inner: file.take(len),
        tally: tally.clone(),
    };
    Ok(Opened {
        stream: Stream::Read(Box::new(raw)),
        codec: Codec::Plain,
        tally,
    })
}

/// Plain files at least this large are mapped; smaller ones are read, as
/// a map costs more to set up than reading them does.
const MAP_AT_LEAST: u64 = 1 << 20;

/// Maps a plain regular file, or `None` when it should be read instead
/// (small, not a regular file, or the map was refused).
fn map_file(file: &File) -> io::Result<Option<Mmap>> {
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() < MAP_AT_LEAST {
        return Ok(None);
    }
    // SAFETY: the map is read-only and lives as long as the chunks that
    // borrow from it. Its bytes could change under us only if another
    // program rewrote the input during the ingest; shrinking it would end
    // the process with SIGBUS (the limitation every mapping reader has,
    // documented in docs/architecture.md).
    let Ok(map) = (unsafe { Mmap::map(file) }) else {
        return Ok(None);
    };
    // Read ahead generously: the file is read once, front to back.
    map.advise(Advice::Sequential).ok();
    Ok(Some(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(Codec::sniff(&[0x1f, 0x8b, 8, 0]).unwrap(), Codec::Gzip);
        assert_eq!(
            Codec::sniff(&[0x28, 0xb5, 0x2f, 0xfd]).unwrap(),
            Codec::Zstd
        );
        assert_eq!(Codec::sniff(&[0x04, 0x22, 0x4d, 0x18]).unwrap(), Codec::Lz4);
        assert_eq!(Codec::sniff(b"BZh91").unwrap(), Codec::Bzip2);
        assert_eq!(
            Codec::sniff(&[0xfd, b'7', b'z', b'X', b'Z', 0]).unwrap(),
            Codec::Xz
        );
        assert_eq!(Codec::sniff(b"{\"ip\"").unwrap(), Codec::Plain);
        assert_eq!(Codec::sniff(b"").unwrap(), Codec::Plain);
        assert!(Codec::sniff(&[0x02, 0x21, 0x4c, 0x18]).is_err());
    }
}
