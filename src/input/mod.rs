//! Getting records out of files: discovery, decompression, framing.

pub mod decompress;
pub mod discover;
pub mod filename;
pub mod framing;
pub mod split;
