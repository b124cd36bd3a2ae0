//! Every layout's record reader, through the one entry point that detects
//! the layout: ZGrab 1 (both eras), ZGrab2, Censys, ZMap CSV. The first
//! byte picks what the command line would have said (port, protocol, CSV
//! header), so each reader meets both a bare and a described record.
#![no_main]

use mailtls::formats::{parse_record, Context};
use mailtls::record::TlsMode;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&pick, record)) = data.split_first() else {
        return;
    };
    let mut ctx = Context::default();
    if pick & 1 == 1 {
        ctx.port = Some(25);
        ctx.protocol = Some("smtp".into());
        ctx.mode = Some(TlsMode::Starttls);
    }
    if pick & 2 == 2 {
        ctx.csv_columns = Some(mailtls::formats::zmap::header_columns(
            "saddr,daddr,sport,dport,classification,success,timestamp_ts",
        ));
    }
    let _ = parse_record(record, &ctx);
});
