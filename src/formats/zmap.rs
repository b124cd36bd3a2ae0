//! ZMap host-discovery CSV: one IP per line (the default output), or rows
//! under a header naming the fields (`saddr,daddr,sport,…`; before October
//! 2015 the names used hyphens, `saddr-raw`, which we map to underscores).

use std::borrow::Cow;
use std::net::IpAddr;

use super::{Context, RecordError};
use crate::record::{Discovery, FactSource, Parsed};
use crate::time::parse_zmap_us;

/// Is this first line a ZMap header row?
pub fn is_header(line: &str) -> bool {
    line.split(',')
        .any(|f| f.trim() == "saddr" || f.trim() == "ip")
}

/// Normalizes header names: hyphens of the pre-2015-10 names become underscores.
pub fn header_columns(line: &str) -> Vec<String> {
    line.split(',')
        .map(|f| f.trim().replace('-', "_"))
        .collect()
}

/// Splits one CSV row, honouring double quotes around fields with commas.
fn split_row(line: &str) -> Vec<Cow<'_, str>> {
    if !line.contains('"') {
        return line.split(',').map(Cow::Borrowed).collect();
    }
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(Cow::Owned(std::mem::take(&mut cur))),
            _ => cur.push(c),
        }
    }
    fields.push(Cow::Owned(cur));
    fields
}

/// Parses one data row.
pub fn parse_row<'a>(line: &'a str, ctx: &Context) -> Result<Parsed<'a>, RecordError> {
    let line = line.trim_end();
    let fields = split_row(line);
    let column = |name: &str| -> Option<&Cow<'a, str>> {
        let idx = ctx.csv_columns.as_ref()?.iter().position(|c| c == name)?;
        fields.get(idx)
    };
    if let Some(cols) = &ctx.csv_columns {
        if fields.len() != cols.len() {
            return Err(RecordError::new(format!(
                "CSV row has {} fields, the header has {}",
                fields.len(),
                cols.len()
            )));
        }
    } else if fields.len() != 1 {
        return Err(RecordError::new(
            "not a record: neither JSON nor a bare IP (a ZMap CSV with several fields needs its header row)",
        ));
    }
    let ip_text = column("saddr")
        .or_else(|| column("ip"))
        .unwrap_or(&fields[0])
        .trim();
    if ip_text.parse::<IpAddr>().is_err() {
        let shown: String = ip_text.chars().take(60).collect();
        return Err(RecordError::new(format!("`{shown}` is not an IP address")));
    }
    let record_port = column("sport").and_then(|p| p.trim().parse::<u16>().ok());
    let port = match record_port {
        Some(p) => (p, FactSource::Record),
        None => ctx.require_port()?,
    };
    let discovery = Discovery {
        ip: Cow::Owned(ip_text.to_owned()),
        port: port.0,
        port_source: port.1,
        classification: column("classification").map(|c| Cow::Owned(c.trim().to_owned())),
        success: column("success").and_then(|s| match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        }),
        timestamp_us: column("timestamp_str").and_then(|t| parse_zmap_us(t)),
    };
    Ok(Parsed {
        discoveries: vec![discovery],
        ..Parsed::default()
    })
}
