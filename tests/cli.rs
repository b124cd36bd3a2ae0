//! The commands that print built-in knowledge, run as a user runs them.

use std::process::Command;

fn mailtls(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mailtls"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ciphers_prints_every_suite_with_its_mozilla_levels() {
    let csv = mailtls(&["ciphers", "--format", "csv"]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(header.contains(&"openssl_name") && header.contains(&"cipherscan_family"));
    assert!(header.contains(&"mozilla_4_0") && header.contains(&"mozilla_5_7"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), mailtls::tls::suites::table().len());
    let code = header.iter().position(|h| *h == "code").unwrap();
    let m57 = header.iter().position(|h| *h == "mozilla_5_7").unwrap();
    let row = rows
        .iter()
        .map(|r| r.split(',').collect::<Vec<_>>())
        .find(|r| r[code] == "0xC02F")
        .unwrap();
    assert_eq!(row[m57], "intermediate");
}

#[test]
fn roots_lists_the_snapshots_and_tables_the_catalogue() {
    let roots = mailtls(&["roots"]);
    for s in mailtls::trust::store::SNAPSHOTS {
        assert!(roots.contains(s.name), "{}", s.name);
    }
    assert!(roots.contains(
        "mozilla-2015-09-06   2015-09-06   152  Mozilla's store as shipped in certifi 2015.9.6.2"
    ));
    let tables = mailtls(&["tables"]);
    for e in mailtls::catalogue::CATALOGUE {
        assert!(tables.contains(e.name) && tables.contains(e.denominator));
    }
}
