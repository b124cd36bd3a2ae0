//! Framing of plain and pretty-printed input into chunks: whatever the
//! bytes and limits, every record's span lies inside its chunk.
#![no_main]

use std::sync::mpsc::{channel, sync_channel};

use mailtls::input::framing::{read_chunks, Framing, Limits, ReadWindow};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let framing = if pick & 1 == 0 {
        Framing::Lines
    } else {
        Framing::Documents
    };
    let limits = Limits {
        chunk_bytes: 1 + usize::from(pick >> 4),
        max_record_bytes: 8 + usize::from(pick >> 1) * 4,
    };
    let (tx, rx) = sync_channel(1 << 16);
    let (_keep, recycle) = channel();
    let window = ReadWindow::new(input, Vec::new(), None);
    let _ = read_chunks(window, framing, 0, limits, &tx, &recycle);
    drop(tx);
    for chunk in rx {
        for span in &chunk.spans {
            assert!(span.start <= span.end && span.end <= chunk.data.len());
        }
    }
});
