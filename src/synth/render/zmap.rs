//! ZMap CSV: the port scan that found the endpoints, with the field names
//! of the ZMap release of the scan date (hyphenated before 2015-10-10).

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::synth::rng::Rng;

/// 2015-10-10: ZMap renamed `saddr-raw` to `saddr_raw` and so on.
const UNDERSCORE_NAMES_FROM: i64 = 1_444_435_200;

/// The header line.
pub fn header(scan_start: i64) -> String {
    let names = "saddr,saddr-raw,daddr,daddr-raw,ipid,ttl,sport,dport,seqnum,acknum,window,\
                 classification,success,repeat,cooldown,timestamp-str,timestamp-ts,timestamp-us\n";
    if scan_start >= UNDERSCORE_NAMES_FROM {
        names.replace('-', "_")
    } else {
        names.to_owned()
    }
}

/// One SYN-ACK, `seconds` since the epoch, appended to `out`.
pub fn row(out: &mut String, ip: Ipv4Addr, port: u16, seconds: i64, rng: &mut Rng) {
    let scanner = Ipv4Addr::new(192, 0, 2, 1);
    // ZMap writes the raw fields as the network-order word read on a little-endian host.
    let raw = |a: Ipv4Addr| u32::from_le_bytes(a.octets());
    let millis = rng.below(1000);
    let local = chrono::DateTime::from_timestamp(seconds - 4 * 3600, 0).unwrap_or_default();
    let _ = writeln!(
        out,
        "{ip},{},{scanner},{},{},{},{port},{},{},{},{},synack,1,0,0,{}.{millis:03}-0400,{seconds},{}",
        raw(ip),
        raw(scanner),
        rng.below(65536),
        32 + rng.below(96),
        32768 + rng.below(28000),
        rng.below(1 << 32),
        rng.below(1 << 32),
        [14600, 29200, 65535, 8192][rng.below(4) as usize],
        local.format("%Y-%m-%dT%H:%M:%S"),
        millis * 1000,
    );
}
