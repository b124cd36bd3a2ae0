//! Compressing chunks of output. Every codec the ingestor reads allows
//! concatenated members/frames/streams, so chunks are compressed in
//! parallel and written one after the other.

use std::io::Write;

use anyhow::{bail, Context as _, Result};

use crate::input::decompress::Codec;

/// Parses a codec name (`none` or `plain`, `gzip`, `zstd`, `lz4`, `bzip2`, `xz`).
pub fn parse_codec(name: &str) -> Result<Codec> {
    Ok(match name {
        "none" | "plain" => Codec::Plain,
        "gzip" | "gz" => Codec::Gzip,
        "zstd" | "zst" => Codec::Zstd,
        "lz4" => Codec::Lz4,
        "bzip2" | "bz2" => Codec::Bzip2,
        "xz" => Codec::Xz,
        other => bail!("unknown codec `{other}`; known: none, gzip, zstd, lz4, bzip2, xz"),
    })
}

/// File-name extension of a codec (with its dot; empty for plain).
pub fn extension(codec: Codec) -> &'static str {
    match codec {
        Codec::Plain => "",
        Codec::Gzip => ".gz",
        Codec::Zstd => ".zst",
        Codec::Lz4 => ".lz4",
        Codec::Bzip2 => ".bz2",
        Codec::Xz => ".xz",
    }
}

/// One independently decodable compressed piece of `data`.
pub fn compress(codec: Codec, data: &[u8]) -> Result<Vec<u8>> {
    fn finish<W: Write>(mut w: W, data: &[u8]) -> Result<W> {
        w.write_all(data)?;
        Ok(w)
    }
    let out = match codec {
        Codec::Plain => data.to_vec(),
        Codec::Gzip => {
            let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            finish(enc, data)?.finish()?
        }
        Codec::Zstd => zstd::bulk::compress(data, 3)?,
        Codec::Lz4 => {
            let enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
            finish(enc, data)?.finish().context("lz4")?
        }
        Codec::Bzip2 => {
            let enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            finish(enc, data)?.finish()?
        }
        Codec::Xz => {
            let enc = liblzma::write::XzEncoder::new(Vec::new(), 6);
            finish(enc, data)?.finish()?
        }
    };
    Ok(out)
}
