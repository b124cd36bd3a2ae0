//! Reading the small CSV files the project keeps as data (RFC 4180: quoted
//! fields may hold commas and doubled quotes; no multi-line fields).

/// The fields of one line.
pub fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Every record after the header, as column name → value.
pub fn records(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let names = fields(header);
    lines
        .map(|l| names.iter().cloned().zip(fields(l)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        assert_eq!(
            fields(r#"a,"b, c","say ""hi""",,d"#),
            ["a", "b, c", "say \"hi\"", "", "d"]
        );
        let recs = records("x,y\n1,\"2,3\"\n");
        assert_eq!(recs[0]["y"], "2,3");
    }
}
