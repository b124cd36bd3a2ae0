//! Benchmark baseline: decompress files in parallel (one thread per file)
//! with the same decoders `mailtls ingest` uses, discarding the output.
//! `scripts/bench-ingest.sh` compares ingest time against this.
//!
//! Usage: cargo run --release --example decompress -- FILE...

use std::io::Read;
use std::path::PathBuf;

use mailtls::input::decompress::Stream;

fn main() {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let total: u64 = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|path| {
                scope.spawn(move || -> std::io::Result<u64> {
                    let mut reader = match mailtls::input::decompress::open(path, true)?.stream {
                        Stream::Read(reader) => reader,
                        // Plain files are mapped: nothing to decompress.
                        Stream::Mapped(map) => return Ok(map.len() as u64),
                    };
                    let mut buf = vec![0u8; 1 << 20];
                    let mut n = 0u64;
                    loop {
                        match reader.read(&mut buf)? {
                            0 => return Ok(n),
                            got => n += got as u64,
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => {
                    eprintln!("decompress: {e}");
                    std::process::exit(1);
                }
                Err(_) => std::process::exit(1),
            })
            .sum()
    });
    println!("{total} bytes decompressed");
}
