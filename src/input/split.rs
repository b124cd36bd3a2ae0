//! Byte-range pieces of a large plain file, so the machines of a
//! `--shard K/N` split each read a part of it.
//!
//! Piece K of N covers the lines that begin in the K-th N-th of the file's
//! bytes: both of its ends move forward to the byte after the next line
//! break. The N pieces so tile the file exactly, whatever its line
//! lengths, and each machine finds its piece by reading a few bytes around
//! two offsets, not the file before it. Only plain files of one record per
//! line can be split: a compressed stream cannot be entered in the middle,
//! and a JSON document or XML report may span any number of lines.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use twox_hash::XxHash3_128;

use super::decompress::Codec;
use super::framing::{self, Framing};

/// Plain files at least this large are split among the shards by byte
/// range when `--shard` is given (`--split-mb` changes it).
pub const DEFAULT_SPLIT_BYTES: u64 = 1 << 30;

/// Whether `path` (of `size` bytes) is split among shards: at least
/// `threshold` bytes, stored plain, one record per line.
pub fn splittable(path: &Path, size: u64, threshold: u64) -> io::Result<bool> {
    if size < threshold.max(1) {
        return Ok(false);
    }
    let mut head = Vec::with_capacity(64 * 1024);
    File::open(path)?.take(64 * 1024).read_to_end(&mut head)?;
    Ok(Codec::sniff(&head)? == Codec::Plain && framing::sniff(&head) == Framing::Lines)
}

/// The first line start at or after `boundary`: `boundary` itself when the
/// byte before it is a line break, else the byte after the next one (or
/// the end of the file).
fn line_start_from(file: &mut File, boundary: u64, size: u64) -> io::Result<u64> {
    if boundary == 0 || boundary >= size {
        return Ok(boundary.min(size));
    }
    file.seek(SeekFrom::Start(boundary - 1))?;
    let mut at = boundary - 1;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(size);
        }
        if let Some(nl) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(at + nl as u64 + 1);
        }
        at += n as u64;
    }
}

/// Piece `k` (1-based) of `n` of a file of `size` bytes: `[start, end)`.
pub fn piece(path: &Path, size: u64, k: u32, n: u32) -> io::Result<(u64, u64)> {
    let mut file = File::open(path)?;
    let boundary = |j: u32| (u128::from(size) * u128::from(j) / u128::from(n.max(1))) as u64;
    let start = line_start_from(&mut file, boundary(k - 1), size)?;
    let end = line_start_from(&mut file, boundary(k), size)?;
    Ok((start, end.max(start)))
}

/// XXH3-128 of the bytes `[start, end)` of a file, lower-case hex.
pub fn hash_range(path: &Path, start: u64, end: u64) -> io::Result<String> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut part = file.take(end.saturating_sub(start));
    let mut hasher = XxHash3_128::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = part.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.write(&buf[..n]);
    }
    Ok(format!("{:032x}", hasher.finish_128()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &[u8], n: u32) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        std::fs::write(&path, text).unwrap();
        (1..=n)
            .map(|k| {
                let (s, e) = piece(&path, text.len() as u64, k, n).unwrap();
                String::from_utf8(text[s as usize..e as usize].to_vec()).unwrap()
            })
            .collect()
    }

    #[test]
    fn pieces_tile_the_file_at_line_starts() {
        let text = b"{\"a\":1}\n{\"bb\":22}\n{\"ccc\":333}\n{\"d\":4}";
        for n in 1..=7 {
            let got = pieces(text, n);
            assert_eq!(got.concat().as_bytes(), text, "{n} pieces");
            for p in got.iter().skip(1).filter(|p| !p.is_empty()) {
                assert!(p.starts_with('{'), "{n} pieces: {p:?} starts mid-line");
            }
        }
        // A boundary right after a line break starts its piece there.
        assert_eq!(pieces(b"ab\ncd\n", 2), vec!["ab\n", "cd\n"]);
        // One line longer than a piece: the later pieces are empty.
        assert_eq!(pieces(b"abcdefgh\n", 3), vec!["abcdefgh\n", "", ""]);
    }
}
