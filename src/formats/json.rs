//! A lean JSON reader for serde, written for scan records.
//!
//! Scan records are mostly long base64 strings (certificates) around a few
//! dozen short fields, and most of each record is never looked at. This
//! reader is built for that shape: strings are found with a vectorized
//! search for the closing quote and borrowed from the record whenever they
//! hold no escapes; values nobody asked for are skipped without building
//! anything (but still checked, so a malformed record is never taken for a
//! good one); [`Raw`](super::Raw) keeps a value's text for a later, second
//! look. It accepts exactly RFC 8259 JSON, nested at most [`MAX_DEPTH`] deep.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// Deepest nesting accepted; deeper input is an error, not a stack overflow.
pub const MAX_DEPTH: u32 = 128;

/// Strings up to this long are searched a word at a time.
const SHORT: usize = 32;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `word` (little-endian) that end a string's plain run — a
/// quote, a backslash, a control character — or need a closer look (a
/// non-ASCII byte), marked by their high bit. Marks above the first true
/// one may be spurious (a borrow carries into them), so only the lowest
/// mark is to be read.
#[inline]
fn specials(word: u64) -> u64 {
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero_bytes(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_bytes(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control | (word & HIGHS)
}

/// [`specials`] for 16 bytes at once, with SSE2: bit `i` of the result
/// marks byte `i`, exactly.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
#[target_feature(enable = "sse2")]
fn specials16(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };
    let bits = u128::from_le_bytes(*block);
    let v = _mm_set_epi64x((bits >> 64) as i64, bits as i64);
    let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
    let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
    // Signed: below 0x20 are the control characters and, as negatives, the non-ASCII bytes.
    let below = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
    _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), below)) as u32
}

/// [`specials16`] for 32 bytes at once, with AVX2: bit `i` of the result
/// marks byte `i`, exactly.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx2")]
fn specials32(block: &[u8; 32]) -> u32 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8,
    };
    // SAFETY: the load reads exactly the 32 bytes `block` refers to; it
    // needs no alignment.
    let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()) };
    let quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8));
    let backslash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8));
    // Signed: below 0x20 are the control characters and, as negatives, the non-ASCII bytes.
    let below = _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v);
    _mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(quote, backslash), below)) as u32
}

/// The first byte of `rest` at or after `from` that [`specials32`] marks,
/// 64 bytes at a time; `Err(end)` when the whole blocks before `end` hold
/// none (fewer than 32 bytes are left after `end`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn first_special_avx2(rest: &[u8], from: usize) -> std::result::Result<usize, usize> {
    let mut i = from;
    while let Some(pair) = rest.get(i..).and_then(|r| r.first_chunk::<64>()) {
        let (low, high) = pair.split_at(32);
        let (Some(low), Some(high)) = (low.first_chunk::<32>(), high.first_chunk::<32>()) else {
            break;
        };
        let hits = u64::from(specials32(low)) | u64::from(specials32(high)) << 32;
        if hits != 0 {
            return Ok(i + hits.trailing_zeros() as usize);
        }
        i += 64;
    }
    if let Some(block) = rest.get(i..).and_then(|r| r.first_chunk::<32>()) {
        let hits = specials32(block);
        if hits != 0 {
            return Ok(i + hits.trailing_zeros() as usize);
        }
        i += 32;
    }
    Err(i)
}

/// `bytes` as text, or the length of its longest valid UTF-8 prefix: the
/// vectorized check first, the standard one only to find where bad text
/// goes wrong.
pub fn utf8(bytes: &[u8]) -> std::result::Result<&str, usize> {
    simdutf8::basic::from_utf8(bytes)
        .or_else(|_| std::str::from_utf8(bytes).map_err(|e| e.valid_up_to()))
}

/// The newtype-struct name through which [`super::Raw`] asks for a value's text.
pub(crate) const RAW_TOKEN: &str = "$mailtls::json::Raw";

/// What kind of problem an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is not well-formed JSON.
    Syntax,
    /// The text is JSON, but a value does not have the expected type or range.
    Data,
}

/// Why a text could not be read into the requested type.
///
/// Boxed, so that every `Result` the reader passes around is one register
/// wide: errors are rare, and the reader returns a result per token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<ErrorImpl>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorImpl {
    message: String,
    /// Byte offset in the text where the problem was found.
    offset: Option<usize>,
    kind: ErrorKind,
}

impl Error {
    #[cold]
    fn syntax(message: impl Into<String>, offset: usize) -> Self {
        Error(Box::new(ErrorImpl {
            message: message.into(),
            offset: Some(offset),
            kind: ErrorKind::Syntax,
        }))
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)?;
        match self.0.offset {
            Some(at) => write!(f, " at byte {at}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(Box::new(ErrorImpl {
            message: msg.to_string(),
            offset: None,
            kind: ErrorKind::Data,
        }))
    }
}

type Result<T> = std::result::Result<T, Error>;

/// Reads `T` from JSON text: one value, optionally surrounded by whitespace.
pub fn from_str<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T> {
    from_bytes(text.as_bytes())
}

/// Reads `T` from bytes that should be JSON text. Only the strings are
/// checked for UTF-8, as they are read: bytes outside strings must be
/// ASCII anyway, so text that is not UTF-8 is always an error, though the
/// error may name the JSON problem it causes rather than the encoding.
pub fn from_bytes<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    let mut reader = Reader::new(bytes);
    let value = T::deserialize(&mut reader).map_err(|mut e| {
        e.0.offset = e.0.offset.or(Some(reader.pos));
        e
    })?;
    reader.skip_whitespace();
    if reader.pos < reader.bytes.len() {
        return Err(Error::syntax("trailing characters", reader.pos));
    }
    Ok(value)
}

/// A string as read: borrowed from the text, or unescaped into scratch space.
enum Str<'de, 's> {
    Borrowed(&'de str),
    Copied(&'s str),
}

/// The cursor over one JSON text; implements [`Deserializer`].
pub struct Reader<'de> {
    bytes: &'de [u8],
    pos: usize,
    depth: u32,
    scratch: Vec<u8>,
}

impl<'de> Reader<'de> {
    fn new(bytes: &'de [u8]) -> Self {
        Reader {
            bytes,
            pos: 0,
            depth: 0,
            scratch: Vec::new(),
        }
    }

    /// The text of `start..end`, a range the reader has read through whose
    /// ends are token boundaries or the ends of a string's plain run.
    fn text(&self, start: usize, end: usize) -> &'de str {
        let bytes = &self.bytes[start..end];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: every string's plain runs were checked as read (see
        // `plain_run`), and outside strings the grammar admits only ASCII,
        // so a range that was read through, cut at such boundaries, holds
        // whole UTF-8 characters only.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    fn error(&self, message: &str) -> Error {
        if self.pos >= self.bytes.len() {
            Error::syntax(format!("{message} (the text ends early)"), self.pos)
        } else {
            Error::syntax(message, self.pos)
        }
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.pos += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    fn peek(&mut self) -> Result<u8> {
        // Scan records are compact: the next byte is nearly always a token.
        match self.bytes.get(self.pos) {
            Some(&b) if b > b' ' => Ok(b),
            _ => self.peek_past_whitespace(),
        }
    }

    #[inline(never)]
    fn peek_past_whitespace(&mut self) -> Result<u8> {
        self.skip_whitespace();
        self.bytes
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.error("expected a value"))
    }

    #[inline]
    fn expect(&mut self, byte: u8, what: &str) -> Result<()> {
        if self.peek().ok() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// Reads an object or array whose opening bracket is at `pos`: `body`
    /// reads the entries, then the closing bracket must follow.
    fn nested<T>(&mut self, close: u8, body: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.pos += 1;
        let value = body(self)?;
        self.expect(close, separator_expected(close))?;
        self.depth -= 1;
        Ok(value)
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// Finds the end of a string's run of plain characters: the next quote
    /// or backslash. Raw control characters are not allowed in JSON
    /// strings, and a run with non-ASCII bytes must be UTF-8: this check is
    /// what makes the whole text UTF-8 once read, as everything outside
    /// strings is ASCII by the grammar.
    ///
    /// Most strings (keys, codes, names) end within their first 16 bytes:
    /// that block is looked at here, inlined into the callers, and only
    /// longer runs or special bytes other than the closing quote leave it.
    #[inline(always)]
    fn plain_run(&mut self) -> Result<usize> {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        if let Some(block) = self.bytes[self.pos..].first_chunk::<16>() {
            // SAFETY: this build targets SSE2 (the cfg above; every x86-64
            // processor has it), which is all `specials16` requires.
            let hits = unsafe { specials16(block) };
            if hits == 0 {
                return self.plain_run_from(16);
            }
            let at = hits.trailing_zeros() as usize;
            if block[at] == b'"' {
                return Ok(at);
            }
            return self.run_end(at);
        }
        self.plain_run_from(0)
    }

    /// [`Self::plain_run`] past the first `from` bytes, which are plain.
    #[inline(never)]
    fn plain_run_from(&mut self, from: usize) -> Result<usize> {
        let rest = &self.bytes[self.pos..];
        // Up to [`SHORT`] bytes, looking at a block at a time beats setting
        // up a vector search.
        let mut i = from;
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        while let Some(block) = rest.get(i..).and_then(|r| r.first_chunk::<16>()) {
            if i >= SHORT {
                return self.long_run(i, false);
            }
            // SAFETY: as in `plain_run`.
            let hits = unsafe { specials16(block) };
            if hits != 0 {
                return self.run_end(i + hits.trailing_zeros() as usize);
            }
            i += 16;
        }
        // Near the end of the text (or off x86-64): a word, then bytes.
        while let Some(word) = rest.get(i..).and_then(|r| r.first_chunk::<8>()) {
            if i >= SHORT {
                return self.long_run(i, false);
            }
            let hits = specials(u64::from_le_bytes(*word));
            if hits != 0 {
                return self.run_end(i + hits.trailing_zeros() as usize / 8);
            }
            i += 8;
        }
        match rest[i..]
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | 0..0x20 | 0x80..))
        {
            Some(at) => self.run_end(i + at),
            None => {
                self.pos = self.bytes.len();
                Err(self.error("unterminated string"))
            }
        }
    }

    /// The first special byte of the run is at `at` (relative to `pos`): a
    /// quote or backslash ends the run; from a non-ASCII byte on, the rest
    /// is searched and checked as a long run; a control character is an
    /// error.
    #[inline]
    fn run_end(&mut self, at: usize) -> Result<usize> {
        match self.bytes[self.pos + at] {
            b'"' | b'\\' => Ok(at),
            0x80.. => self.long_run(at, true),
            _ => Err(self.control_character(at)),
        }
    }

    /// Checks that the run of `len` bytes at `pos` is UTF-8. A run ends at
    /// an ASCII byte, so it holds whole characters when the text is UTF-8.
    fn utf8_run(&mut self, len: usize) -> Result<usize> {
        match utf8(&self.bytes[self.pos..self.pos + len]) {
            Ok(_) => Ok(len),
            Err(valid) => {
                self.pos += valid;
                Err(self.error("invalid UTF-8 in a string"))
            }
        }
    }

    /// The rest of a run whose first `from` bytes are plain ASCII (a string
    /// longer than [`SHORT`], or one with a non-ASCII byte at `from`): a
    /// vector search, then the checks over what it passed.
    fn long_run(&mut self, from: usize, maybe_non_ascii: bool) -> Result<usize> {
        // An ASCII run (base64 certificates, mostly) is searched in one
        // pass that also finds control and non-ASCII bytes, where AVX2 is
        // there to do it; the general search below takes what is left.
        #[cfg(target_arch = "x86_64")]
        let from = if !maybe_non_ascii && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected just above.
            match unsafe { first_special_avx2(&self.bytes[self.pos..], from) } {
                Ok(at) => return self.run_end(at),
                Err(end) => end,
            }
        } else {
            from
        };
        let rest = &self.bytes[self.pos..];
        let Some(n) = memchr::memchr2(b'"', b'\\', &rest[from..]).map(|n| n + from) else {
            self.pos = self.bytes.len();
            return Err(self.error("unterminated string"));
        };
        // A minimum and an or over the run vectorize together; the position
        // of a control character is only looked for on failure.
        let (lowest, any) = rest[from..n]
            .iter()
            .fold((u8::MAX, 0u8), |(m, o), &b| (m.min(b), o | b));
        if lowest < 0x20 {
            let at = rest.iter().position(|&b| b < 0x20).unwrap_or(0);
            return Err(self.control_character(at));
        }
        if maybe_non_ascii || any >= 0x80 {
            return self.utf8_run(n);
        }
        Ok(n)
    }

    #[cold]
    fn control_character(&mut self, at: usize) -> Error {
        self.pos += at;
        self.error("control character in a string")
    }

    /// Reads a string whose opening quote is at `pos`.
    fn read_str<'s>(&'s mut self) -> Result<Str<'de, 's>> {
        self.pos += 1;
        let start = self.pos;
        let n = self.plain_run()?;
        if self.bytes[start + n] == b'"' {
            self.pos = start + n + 1;
            return Ok(Str::Borrowed(self.text(start, start + n)));
        }
        self.scratch.clear();
        self.scratch
            .extend_from_slice(&self.bytes[start..start + n]);
        self.pos = start + n;
        loop {
            // At a backslash.
            self.pos += 1;
            let escaped = *self
                .bytes
                .get(self.pos)
                .ok_or_else(|| self.error("unterminated string"))?;
            self.pos += 1;
            match escaped {
                b'"' | b'\\' | b'/' => self.scratch.push(escaped),
                b'b' => self.scratch.push(0x08),
                b'f' => self.scratch.push(0x0c),
                b'n' => self.scratch.push(b'\n'),
                b'r' => self.scratch.push(b'\r'),
                b't' => self.scratch.push(b'\t'),
                b'u' => {
                    let c = self.read_unicode_escape()?;
                    let mut utf8 = [0u8; 4];
                    self.scratch
                        .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.error("invalid escape in a string"));
                }
            }
            let n = self.plain_run()?;
            self.scratch
                .extend_from_slice(&self.bytes[self.pos..self.pos + n]);
            self.pos += n;
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                // Only whole characters and escapes were appended.
                let text = std::str::from_utf8(&self.scratch)
                    .map_err(|_| Error::syntax("invalid string", self.pos))?;
                return Ok(Str::Copied(text));
            }
        }
    }

    fn hex4(&mut self) -> Result<u16> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("unterminated \\u escape"))?;
        let mut value = 0u16;
        for &d in digits {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            value = value << 4 | v as u16;
        }
        self.pos += 4;
        Ok(value)
    }

    /// After `\u`: one code point, joining a surrogate pair. A lone
    /// surrogate becomes U+FFFD, as scanners wrote such text from raw bytes.
    fn read_unicode_escape(&mut self) -> Result<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.bytes[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let c =
                    0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            self.pos = save;
        }
        Ok(char::from_u32(u32::from(first)).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    /// Skips a string whose opening quote is at `pos`, checking its escapes.
    fn skip_str(&mut self) -> Result<()> {
        self.pos += 1;
        loop {
            let n = self.plain_run()?;
            self.pos += n;
            if self.bytes[self.pos] == b'"' {
                self.pos += 1;
                return Ok(());
            }
            self.pos += 1;
            match self.bytes.get(self.pos) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 1,
                Some(b'u') => {
                    self.pos += 1;
                    self.hex4()?;
                }
                _ => return Err(self.error("invalid escape in a string")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Scans a number at `pos`; returns whether it has a fraction or exponent.
    fn scan_number(&mut self) -> Result<bool> {
        if self.bytes[self.pos] == b'-' {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        let mut float = false;
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
            float = true;
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
            float = true;
        }
        Ok(float)
    }

    fn visit_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let start = self.pos;
        let float = self.scan_number()?;
        let text = self.text(start, self.pos);
        if !float {
            if let Ok(v) = text.parse::<u64>() {
                return visitor.visit_u64(v);
            }
            if let Ok(v) = text.parse::<i64>() {
                return visitor.visit_i64(v);
            }
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => visitor.visit_f64(v),
            _ => Err(Error::syntax("number out of range", start)),
        }
    }

    /// Skips one value, checking that it is well-formed.
    fn skip_value(&mut self) -> Result<()> {
        match self.peek()? {
            b'"' => self.skip_str(),
            b'{' => self.nested(b'}', |r| {
                r.skip_entries(b'}', |r| {
                    r.key_start()?;
                    r.skip_str()?;
                    r.expect(b':', "expected `:`")?;
                    r.skip_value()
                })
            }),
            b'[' => self.nested(b']', |r| r.skip_entries(b']', Self::skip_value)),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.scan_number().map(drop),
            _ => Err(self.error("expected a value")),
        }
    }

    /// Skips the entries of an object or array, each with `entry`.
    fn skip_entries(
        &mut self,
        close: u8,
        mut entry: impl FnMut(&mut Self) -> Result<()>,
    ) -> Result<()> {
        let mut entries = Entries {
            reader: self,
            first: true,
        };
        while entries.advance(close)? {
            entry(entries.reader)?;
        }
        Ok(())
    }

    /// Checks that an object key starts at `pos`.
    fn key_start(&mut self) -> Result<()> {
        if self.peek()? == b'"' {
            Ok(())
        } else {
            Err(self.error("expected a key"))
        }
    }

    fn visit_str<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.read_str()? {
            Str::Borrowed(s) => visitor.visit_borrowed_str(s),
            Str::Copied(s) => visitor.visit_str(s),
        }
    }
}

impl<'de> Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek()? {
            b'"' => self.visit_str(visitor),
            b'{' => self.nested(b'}', |r| {
                visitor.visit_map(Entries {
                    reader: r,
                    first: true,
                })
            }),
            b'[' => self.nested(b']', |r| {
                visitor.visit_seq(Entries {
                    reader: r,
                    first: true,
                })
            }),
            b't' => self.literal(b"true").and_then(|_| visitor.visit_bool(true)),
            b'f' => self
                .literal(b"false")
                .and_then(|_| visitor.visit_bool(false)),
            b'n' => self.literal(b"null").and_then(|_| visitor.visit_unit()),
            b'-' | b'0'..=b'9' => self.visit_number(visitor),
            _ => Err(self.error("expected a value")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == RAW_TOKEN {
            self.skip_whitespace();
            let start = self.pos;
            self.skip_value()?;
            return visitor.visit_borrowed_str(self.text(start, self.pos));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.peek()? == b'"' {
            return visitor.visit_enum(de::value::StrDeserializer::new(match self.read_str()? {
                Str::Borrowed(s) => s,
                Str::Copied(s) => s,
            }));
        }
        Err(de::Error::custom(
            "expected an enum variant name (only unit variants are read)",
        ))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The entries of an object or array being read.
struct Entries<'r, 'de> {
    reader: &'r mut Reader<'de>,
    first: bool,
}

impl<'de> Entries<'_, 'de> {
    /// Moves past the separator; false at the closing bracket (not consumed).
    fn advance(&mut self, close: u8) -> Result<bool> {
        let next = self.reader.peek()?;
        if next == close {
            return Ok(false);
        }
        if self.first {
            self.first = false;
        } else if next == b',' {
            self.reader.pos += 1;
        } else {
            return Err(self.reader.error(separator_expected(close)));
        }
        Ok(true)
    }
}

/// The error text when neither a separator nor `close` follows an entry.
fn separator_expected(close: u8) -> &'static str {
    if close == b'}' {
        "expected `,` or `}`"
    } else {
        "expected `,` or `]`"
    }
}

impl<'de> SeqAccess<'de> for Entries<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !self.advance(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.advance(b'}')? {
            return Ok(None);
        }
        self.reader.key_start()?;
        seed.deserialize(Key(&mut *self.reader)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.reader.expect(b':', "expected `:`")?;
        seed.deserialize(&mut *self.reader)
    }
}

/// An object key: always a string, whatever type is asked for.
struct Key<'r, 'de>(&'r mut Reader<'de>);

impl<'de> Deserializer<'de> for Key<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.visit_str(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// An object key or short text borrowed from the record when it has no
/// escapes; the cheap way to read keys in hand-written visitors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyText<'a>(pub std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for KeyText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = KeyText<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<KeyText<'a>, E> {
                Ok(KeyText(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<KeyText<'a>, E> {
                Ok(KeyText(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

impl std::ops::Deref for KeyText<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IgnoredAny;
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Sample<'a> {
        #[serde(borrow)]
        name: Cow<'a, str>,
        n: Option<u16>,
        list: Vec<i64>,
        f: f64,
        flag: bool,
        #[serde(default)]
        missing: Option<u32>,
    }

    #[test]
    fn reads_values_and_borrows_plain_strings() {
        let s: Sample =
            from_str(r#" {"name":"mx","n":25,"skip":{"a":[1,{"b":null}]},"list":[-1,2],"f":1.5e2,"flag":true} "#)
                .unwrap();
        assert!(matches!(s.name, Cow::Borrowed("mx")));
        assert_eq!(
            (s.n, s.list, s.f, s.flag, s.missing),
            (Some(25), vec![-1, 2], 150.0, true, None)
        );
    }

    #[test]
    fn whitespace_anywhere_between_tokens_reads_alike() {
        let compact = r#"{"name":"mx","n":25,"skip":{"a":[1,{"b":null}]},"list":[-1,2],"f":1.5e2,"flag":true}"#;
        let expected: Sample = from_str(compact).unwrap();
        for space in [" ", "\t", "\r\n", " \n\t "] {
            // Whitespace before and after every structural byte.
            let spaced: String = compact
                .chars()
                .flat_map(|c| {
                    match c {
                        '{' | '}' | '[' | ']' | ':' | ',' => format!("{space}{c}{space}"),
                        c => c.to_string(),
                    }
                    .chars()
                    .collect::<Vec<_>>()
                })
                .collect();
            let s: Sample = from_str(&spaced).unwrap();
            assert_eq!(
                (s.name, s.n, s.list, s.f, s.flag),
                (
                    expected.name.clone(),
                    expected.n,
                    expected.list.clone(),
                    expected.f,
                    expected.flag
                ),
                "{spaced:?}"
            );
        }
        // A control character that is not whitespace is no token.
        let e = from_str::<Sample>("{\u{1}}").unwrap_err();
        assert_eq!(e.to_string(), "expected a key at byte 1");
    }

    #[test]
    fn unescapes_strings() {
        let v: Vec<String> =
            from_str(r#"["a\r\nb","\"q\"\\\/","\u00e9\ud83d\ude00","\ud800x","\t"]"#).unwrap();
        assert_eq!(v, vec!["a\r\nb", "\"q\"\\/", "é😀", "\u{fffd}x", "\t"]);
        let c: Sample =
            from_str(r#"{"name":"a\nb","n":null,"list":[],"f":0,"flag":false}"#).unwrap();
        assert!(matches!(c.name, Cow::Owned(_)));
    }

    #[test]
    fn word_search_finds_the_first_special_byte() {
        // Up to 200 characters: the 16-byte, word and byte searches of short
        // runs, and the 64- and 32-byte blocks and general search of long ones.
        for count in 0..200 {
            for special in ['"', '\\', '\n', '\0', '\u{1f}'] {
                for filler in ["a", " ", "\u{7f}", "é", "€"] {
                    let text = format!("{}{special}\"\\\u{1} tail", filler.repeat(count));
                    let len = filler.len() * count;
                    let mut reader = Reader::new(text.as_bytes());
                    let got = reader.plain_run();
                    let case = format!("{count} × {filler:?} then {special:?}");
                    if special < ' ' {
                        assert!(got.is_err(), "{case}");
                        assert_eq!(reader.pos, len, "{case}");
                    } else {
                        assert_eq!(got, Ok(len), "{case}");
                    }
                }
            }
        }
        let mut unterminated = Reader::new(b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH");
        assert!(unterminated.plain_run().is_err());
    }

    #[test]
    fn strings_must_be_utf8_wherever_they_are() {
        // Short and long runs, before a quote and before an escape, read or skipped.
        for len in [1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 96, 97, 100, 128, 200] {
            for end in ["\"", "\\n\""] {
                let mut good = "é".repeat(len).into_bytes();
                good.extend(end.as_bytes());
                let mut bad = "a".repeat(len).into_bytes();
                bad.push(0xff);
                bad.extend(end.as_bytes());
                for (body, ok) in [(good, true), (bad, false)] {
                    let mut text = b"[\"".to_vec();
                    text.extend(&body);
                    text.push(b']');
                    let read = from_bytes::<Vec<Cow<str>>>(&text);
                    let skipped = from_bytes::<IgnoredAny>(&text);
                    assert_eq!((read.is_ok(), skipped.is_ok()), (ok, ok), "{len} {end}");
                    if let Err(e) = read {
                        assert!(e.to_string().contains("invalid UTF-8 in a string"), "{e}");
                        assert!(
                            e.to_string().contains(&format!("at byte {}", 2 + len)),
                            "{e}"
                        );
                    }
                }
            }
        }
        // Outside strings, a non-ASCII byte is a syntax error.
        assert!(from_bytes::<IgnoredAny>(b"[1,\xc3\xa9]").is_err());
    }

    #[test]
    fn raw_keeps_the_text() {
        let m: BTreeMap<String, super::super::Raw> =
            from_str(r#"{"a": {"x": [1, "}"]} , "b":"s"}"#).unwrap();
        assert_eq!(m["a"].0, r#"{"x": [1, "}"]}"#);
        assert_eq!(m["b"].0, r#""s""#);
    }

    #[test]
    fn rejects_malformed_text_with_its_place() {
        let bad: &[(&str, &str)] = &[
            (r#"{"a":1"#, "ends early"),
            (r#"{"a":"x"#, "unterminated string"),
            (r#"{"a":tru}"#, "expected a value"),
            (r#"{"a":1,}"#, "expected a key"),
            (r#"[1,]"#, "expected a value"),
            (r#"{"a" 1}"#, "expected `:`"),
            (r#"{"a":01}"#, "expected `,` or `}`"),
            (r#"{"a":1} x"#, "trailing characters"),
            ("{\"a\":\"\x01\"}", "control character"),
            (r#"{"a":"\q"}"#, "invalid escape"),
            (r#"{"a":-}"#, "invalid number"),
        ];
        for (text, want) in bad {
            let e = from_str::<IgnoredAny>(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
            assert_eq!(e.kind(), ErrorKind::Syntax, "{text}");
        }
        let e = from_str::<Vec<f64>>("[1e999]").unwrap_err();
        assert!(e.to_string().contains("out of range"), "{e}");
        let deep = "[".repeat(10_000);
        assert!(from_str::<IgnoredAny>(&deep)
            .unwrap_err()
            .to_string()
            .contains("nested too deeply"));
    }

    /// Mutated records are accepted exactly when serde_json accepts them,
    /// and never make the reader panic.
    #[test]
    fn agrees_with_serde_json_on_mutated_text() {
        let seeds = [
            r#"{"ip":"192.0.2.1","data":{"banner":"220 mx\r\n\u00e9","tls":{"n":[1,-2,3.5e-1,0],"ok":true,"no":null}},"x":[{},[],""]}"#,
            r#"[{"a":"\ud83d\ude00","b":"long string long string long string long string"},-0.0,1E+2,false]"#,
            r#"{"é":"€ raw text, long enough for the vector search: ééééééééé","k":["ü",{"ß":1}]}"#,
            // Long enough for the 64- and 32-byte blocks of the AVX2 search.
            r#"{"raw":"MIIFQzCCBCugAwIBAgIDAwDaMA0GCSqGSIb3DQEBBQUAMEAxCzAJBgNVBAYTAlVTMRcwFQYDVQQKEw5FeGFtcGxlIENBIEluYzEYMBYGA1UEAxMPRXhhbXBsZSBSb290IENB","ok":true}"#,
        ];
        const ALPHABET: &[u8] =
            b"{}[]:,\"\\ntrufalse0123456789-+.eEu x\t\n/\xc3\xa9\xe2\x82\xac\xff\x80";
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut accepted = [0usize; 2];
        let mut bad_encoding_only = 0;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for round in 0..20_000 {
            let mut text = seeds[round % seeds.len()].as_bytes().to_vec();
            for _ in 0..1 + next(3) {
                let at = next(text.len() + 1);
                match next(4) {
                    0 if at < text.len() => text[at] = ALPHABET[next(ALPHABET.len())],
                    1 if at < text.len() => {
                        text.remove(at);
                    }
                    2 => text.insert(at, ALPHABET[next(ALPHABET.len())]),
                    _ => text.truncate(at),
                }
            }
            // serde_json judges the syntax (its values would also refuse
            // lone surrogates, which we read as U+FFFD); the encoding must
            // be UTF-8 throughout, inside strings as elsewhere.
            let syntax_ok = serde_json::from_slice::<IgnoredAny>(&text).is_ok();
            let theirs = syntax_ok && std::str::from_utf8(&text).is_ok();
            bad_encoding_only += usize::from(syntax_ok && !theirs);
            let shown = String::from_utf8_lossy(&text);
            let ours = from_bytes::<IgnoredAny>(&text).is_ok();
            assert_eq!(ours, theirs, "{shown}");
            let typed = from_bytes::<serde_json::Value>(&text).is_ok();
            assert_eq!(typed, theirs, "read into values: {shown}");
            accepted[usize::from(ours)] += 1;
        }
        // Both outcomes were really exercised, and well-formed JSON whose
        // strings are not UTF-8 was among the rejected.
        assert!(accepted.iter().all(|&n| n > 1000), "{accepted:?}");
        assert!(bad_encoding_only > 100, "{bad_encoding_only}");
    }

    #[test]
    fn type_errors_are_data_errors() {
        let e = from_str::<Sample>(r#"{"name":"x","n":70000,"list":[],"f":1,"flag":true}"#)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Data, "{e}");
        assert!(e.to_string().contains("70000"), "{e}");
        let e = from_str::<Sample>(r#"{"name":5}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Data);
        assert!(e.to_string().contains("at byte 9"), "{e}");
    }
}
