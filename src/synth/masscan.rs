//! The port-25 endpoints as masscan `--banners` saw them in 2015, written
//! in that year's `-oJ` shape (quoted keys, no timestamp, a comma after
//! every record, `{finished: 1}` last): a status record for every
//! endpoint that answered the SYN, an `smtp` banner for every greeting,
//! and for a completed handshake an `ssl` banner (version, suite, the
//! leaf's names) and an `X509` banner per certificate presented.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::Serialize;
use serde_json::json;

use super::model::{Drawer, Outcome};
use super::output;
use super::truth::FileTruth;
use crate::input::decompress::Codec;

/// What the masscan file must give.
#[derive(Serialize, Default, Debug)]
pub struct MasscanTruth {
    /// The file's name without extensions (the `banners` scan id).
    pub scan_id: String,
    /// `discovery` rows (status records).
    pub status: u64,
    /// `banners` rows by service.
    pub banners: BTreeMap<&'static str, u64>,
    /// `ssl` banners by version (wire value, hex).
    pub ssl_versions: BTreeMap<String, u64>,
}

/// `ssl` banner version tokens.
fn version_token(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLS/1.0".into(),
        0x0302 => "TLS/1.1".into(),
        0x0303 => "TLS/1.2".into(),
        0x0304 => "TLS/1.3".into(),
        other => format!("SSLver[{},{}]", other >> 8, other & 0xff),
    }
}

/// Writes the file; `damaged(i)` says which scan records were damaged
/// (masscan saw those endpoints too, but the test compares like for like).
pub fn write(
    run_id: &str,
    drawer: &Drawer,
    damaged: &dyn Fn(u64) -> bool,
    out: &Path,
) -> Result<(FileTruth, u64, MasscanTruth)> {
    let stem = format!("{run_id}-masscan-25");
    let mut truth = MasscanTruth {
        scan_id: stem.clone(),
        ..MasscanTruth::default()
    };
    let codec = Codec::Bzip2;
    let name = format!("{stem}.json{}", output::extension(codec));
    let mut file = Pieces::create(&out.join(&name), codec, PIECE_BYTES)?;
    let mut text = String::new();
    let mut lines = 0u64;
    let mut record = |v: serde_json::Value, text: &mut String| {
        // masscan 2015: three spaces after the brace, a comma after each record.
        let body = v.to_string();
        text.push_str("{   ");
        text.push_str(&body[1..]);
        text.push_str(",\n");
        lines += 1;
    };
    for i in 0..drawer.count {
        file.take_full(&mut text)?;
        if damaged(i) {
            continue;
        }
        let ep = drawer.draw(i)?;
        if ep.outcome == Outcome::ConnectFailed {
            continue;
        }
        let ip = ep.ip.to_string();
        record(
            json!({"ip": ip, "ports": [{"port": 25, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54}]}),
            &mut text,
        );
        truth.status += 1;
        if ep.outcome.greeted() {
            let greeting = format!("220 {} ESMTP\n250-{}\n250 STARTTLS", ep.host, ep.host);
            record(
                json!({"ip": ip, "ports": [{"port": 25, "proto": "tcp", "service": {"name": "smtp", "banner": greeting}}]}),
                &mut text,
            );
            *truth.banners.entry("smtp").or_default() += 1;
        }
        let Some(session) = ep
            .tls
            .as_ref()
            .filter(|s| s.complete && ep.outcome == Outcome::Ok)
        else {
            continue;
        };
        let mut ssl = format!(
            "{} cipher:0x{:x}",
            version_token(session.version.0),
            session.suite.code
        );
        let chain = session
            .certs
            .as_ref()
            .map(|p| p.chain.clone())
            .unwrap_or_default();
        if let Some(summary) = chain.first().and_then(|c| c.facts.summary.as_ref()) {
            ssl.push_str(&format!(", {}", summary.subject.cn));
            for name in &summary.dns_names {
                ssl.push_str(&format!(", {name}"));
            }
        }
        record(
            json!({"ip": ip, "ports": [{"port": 25, "proto": "tcp", "service": {"name": "ssl", "banner": ssl}}]}),
            &mut text,
        );
        *truth.banners.entry("ssl").or_default() += 1;
        *truth
            .ssl_versions
            .entry(format!("0x{:04x}", session.version.0))
            .or_default() += 1;
        for cert in &chain {
            record(
                json!({"ip": ip, "ports": [{"port": 25, "proto": "tcp", "service": {"name": "X509", "banner": cert.base64}}]}),
                &mut text,
            );
            *truth.banners.entry("X509").or_default() += 1;
        }
    }
    text.push_str("{finished: 1}\n");
    let stored = file
        .finish(text)
        .with_context(|| format!("writing {name}"))?;
    let file = FileTruth {
        file: name,
        layout: "masscan".into(),
        codec: codec.name().into(),
        port: Some(25),
        // The `{finished: 1}` line is read too.
        records: lines + 1,
        bad_lines: 0,
    };
    Ok((file, stored, truth))
}

/// Text this large is compressed as a piece of its own (an independently
/// decodable stream, appended to the file), so memory does not grow with
/// the population; a file below it is one stream, as small archives were.
const PIECE_BYTES: usize = 16 << 20;

/// A file written as compressed pieces, several compressed at once.
struct Pieces {
    file: std::io::BufWriter<std::fs::File>,
    codec: Codec,
    piece_bytes: usize,
    waiting: Vec<String>,
    stored: u64,
}

impl Pieces {
    fn create(path: &Path, codec: Codec, piece_bytes: usize) -> Result<Pieces> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Pieces {
            file: std::io::BufWriter::new(file),
            codec,
            piece_bytes,
            waiting: Vec::new(),
            stored: 0,
        })
    }

    /// Takes `text` as a piece once it is large enough.
    fn take_full(&mut self, text: &mut String) -> Result<()> {
        if text.len() < self.piece_bytes {
            return Ok(());
        }
        self.waiting.push(std::mem::take(text));
        if self.waiting.len() >= rayon::current_num_threads() {
            self.write_waiting()?;
        }
        Ok(())
    }

    fn write_waiting(&mut self) -> Result<()> {
        use rayon::prelude::*;
        use std::io::Write;
        let codec = self.codec;
        let pieces = std::mem::take(&mut self.waiting)
            .par_iter()
            .map(|t| output::compress(codec, t.as_bytes()))
            .collect::<Result<Vec<_>>>()?;
        for piece in pieces {
            self.file.write_all(&piece)?;
            self.stored += piece.len() as u64;
        }
        Ok(())
    }

    /// Writes the last text and everything waiting; the stored size.
    fn finish(mut self, last: String) -> Result<u64> {
        use std::io::Write;
        self.waiting.push(last);
        self.write_waiting()?;
        self.file.flush()?;
        Ok(self.stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn pieces_decode_to_the_whole_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json.bz2");
        let mut file = Pieces::create(&path, Codec::Bzip2, 100).unwrap();
        let mut text = String::new();
        let mut whole = String::new();
        for i in 0..200 {
            let line = format!("{{   \"ip\": \"192.0.2.{}\"}},\n", i % 250);
            text.push_str(&line);
            whole.push_str(&line);
            file.take_full(&mut text).unwrap();
        }
        let stored = file.finish(text).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(stored, bytes.len() as u64);
        // Several streams, one after the other.
        assert!(bytes.windows(3).filter(|w| w == b"BZh").count() > 10);
        let mut decoded = String::new();
        bzip2::read::MultiBzDecoder::new(&bytes[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, whole);
    }
}
