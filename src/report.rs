//! The reproduction report: every catalogue table over a dataset, written
//! as one Markdown file with a CSV per table, and the numbers the papers
//! published (`data/paper/`) beside the ones the dataset gives.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use polars::prelude::*;

use crate::catalogue::CATALOGUE;
use crate::dataset::manifest::Manifest;
use crate::render;

const PUBLISHED: &str = include_str!("../data/paper/published.csv");
const COMPARISONS: &str = include_str!("../data/paper/comparisons.csv");

/// Rows of a table shown in the Markdown; the CSV always has them all.
const SHOWN_ROWS: usize = 12;

/// Width in pixels of the report's charts.
const CHART_WIDTH: u32 = 960;

/// A published number set beside the dataset's.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Row id in `data/paper/published.csv`.
    pub id: String,
    /// What was measured.
    pub quantity: String,
    /// The published value.
    pub published: f64,
    /// Its unit.
    pub unit: String,
    /// Where it was published.
    pub source: String,
    /// The catalogue table the dataset's value comes from.
    pub table: String,
    /// The dataset's value.
    pub value: Option<f64>,
    /// Why the two may differ by design.
    pub caveat: String,
}

/// Whether the dataset was made from a synthetic archive: an input folder
/// holds the generator's `truth.json`.
pub fn synthetic_inputs(manifest: &Manifest) -> bool {
    manifest.inputs.iter().any(|i| {
        Path::new(&i.path)
            .ancestors()
            .skip(1)
            .take(4)
            .any(|dir| dir.join("truth.json").is_file())
    })
}

/// The published numbers set beside what `tables` (name → answer) give.
pub fn comparisons(tables: &BTreeMap<&str, DataFrame>) -> Result<Vec<Comparison>> {
    let published: BTreeMap<String, BTreeMap<String, String>> = crate::csv::records(PUBLISHED)
        .into_iter()
        .filter_map(|r| Some((r.get("id")?.clone(), r)))
        .collect();
    let mut out = Vec::new();
    for c in crate::csv::records(COMPARISONS) {
        let (Some(id), Some(table), Some(query)) =
            (c.get("published_id"), c.get("table"), c.get("query"))
        else {
            continue;
        };
        let p = published.get(id).with_context(|| {
            format!("data/paper/comparisons.csv names {id}, which published.csv lacks")
        })?;
        let value = match tables.get(table.as_str()) {
            Some(df) => {
                let answer = crate::query::over_answer(df.clone(), query)
                    .with_context(|| format!("data/paper/comparisons.csv, {id}"))?;
                answer
                    .column("value")?
                    .cast(&DataType::Float64)?
                    .f64()?
                    .iter()
                    .next()
                    .flatten()
            }
            None => None,
        };
        out.push(Comparison {
            id: id.clone(),
            quantity: p.get("quantity").cloned().unwrap_or_default(),
            published: p
                .get("value")
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN),
            unit: p.get("unit").cloned().unwrap_or_default(),
            source: format!(
                "{} ({})",
                p.get("source").cloned().unwrap_or_default(),
                p.get("where").cloned().unwrap_or_default()
            ),
            table: table.clone(),
            value,
            caveat: c.get("caveat").cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        crate::chart::thousands(x)
    } else {
        format!("{x:.2}")
    }
}

impl Comparison {
    /// Whether the number is a share (a percentage), which compares as
    /// such; other numbers are counts of what a study scanned.
    pub fn is_share(&self) -> bool {
        self.unit.starts_with("percent")
    }

    /// How this dataset's value relates to the published one: for shares
    /// the difference in percentage points; for counts the share of the
    /// study's number this dataset holds (a count difference of millions
    /// says nothing about a sample).
    pub fn relation(&self) -> String {
        match self.value {
            None => "—".into(),
            Some(v) if self.is_share() => format!("{:+.1} percentage points", v - self.published),
            Some(v) if self.published > 0.0 => {
                let coverage = 100.0 * v / self.published;
                // Two significant digits, however small the share.
                let decimals = if coverage >= 1.0 {
                    1
                } else {
                    (1.0 - coverage.log10().floor()) as usize
                };
                let shown = format!("{coverage:.decimals$}");
                format!("this dataset holds {shown} % of the study's {}", self.unit)
            }
            Some(_) => "—".into(),
        }
    }
}

/// Writes `REPORT.md` and one CSV per catalogue table into `out`.
pub fn write(dataset: &Path, out: &Path) -> Result<()> {
    let manifest = Manifest::load(dataset)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut tables: BTreeMap<&str, DataFrame> = BTreeMap::new();
    // A table the dataset cannot give (a dataset of ZMap discovery only has
    // no handshakes) is reported as missing, with why, not as a failure.
    let mut missing: BTreeMap<&str, String> = BTreeMap::new();
    for entry in CATALOGUE {
        let mut df = match crate::catalogue::run(dataset, entry.name) {
            Ok(df) => df,
            Err(e) => {
                missing.insert(entry.name, format!("{e:#}"));
                continue;
            }
        };
        let path = out.join(format!("{}.csv", entry.name));
        let mut file = std::fs::File::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        render::write(&mut df, "csv", &mut file, None)?;
        tables.insert(entry.name, df);
    }
    let mut md = String::new();
    writeln!(md, "# mailtls reproduction report")?;
    writeln!(md)?;
    let records: u64 = manifest
        .inputs
        .iter()
        .flat_map(|i| i.records.values())
        .sum();
    if synthetic_inputs(&manifest) {
        writeln!(
            md,
            "**This dataset is synthetic.** It was ingested from an archive made by \
             `mailtls synth`, whose shares come from a profile, not from the Internet: \
             every number below describes the generator, not real mail servers. \
             Ingest real scans to reproduce the papers."
        )?;
    } else {
        writeln!(
            md,
            "This dataset was ingested from the scan files listed in its manifest; the \
             numbers below describe those scans."
        )?;
    }
    writeln!(md)?;
    writeln!(
        md,
        "Dataset: {} inputs, {} records, {} scans; written by {}. Trust is computed with \
         the setting `{}`.",
        manifest.inputs.len(),
        records,
        manifest.scans.len(),
        manifest.tool,
        manifest
            .trust
            .first()
            .map(|t| t.label())
            .unwrap_or_default()
    )?;
    writeln!(md)?;
    let compared = comparisons(&tables)?;
    let provenance = crate::chart::Provenance::of(&manifest);
    writeln!(md, "## Published numbers beside this dataset's")?;
    writeln!(md)?;
    writeln!(
        md,
        "Shares are compared as shares (the difference in percentage points); counts \
         as coverage (how much of what a study scanned this dataset holds)."
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "| quantity | published | this dataset | compared | table | source | caveat |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|---|")?;
    for c in &compared {
        let value = c.value.map_or_else(|| "—".into(), number);
        writeln!(
            md,
            "| {} ({}) | {} | {} | {} | `{}` | {} | {} |",
            c.quantity,
            c.unit,
            number(c.published),
            value,
            c.relation(),
            c.table,
            c.source,
            c.caveat
        )?;
    }
    writeln!(md)?;
    md.push_str(&crate::challenge::markdown(&crate::challenge::measure(
        &tables,
    )?)?);
    for entry in CATALOGUE {
        if entry.name == crate::catalogue::OVER_TIME[0] {
            md.push_str(&crate::over_time::markdown(&tables)?);
        }
        writeln!(md, "## {}: {}", entry.name, entry.title)?;
        writeln!(md)?;
        writeln!(md, "- One row: {}.", entry.row)?;
        writeln!(md, "- Denominator: {}.", entry.denominator)?;
        writeln!(md, "- Paper: {}.", entry.paper)?;
        let Some(df) = tables.get_mut(entry.name) else {
            let why = missing.get(entry.name).map_or("", String::as_str);
            writeln!(
                md,
                "\nNot available for this dataset: {}\n",
                why.replace('\n', " ")
            )?;
            continue;
        };
        writeln!(
            md,
            "- Query: `src/catalogue/sql/{}.sql`; all {} rows in [`{}.csv`]({}.csv).",
            entry.name,
            df.height(),
            entry.name,
            entry.name
        )?;
        writeln!(md)?;
        for figure in crate::chart::figures(entry, df, &provenance)? {
            let file = format!("{}.svg", figure.stem);
            let svg = crate::chart::render(&figure, crate::chart::Format::Svg, CHART_WIDTH)?;
            std::fs::write(out.join(&file), svg)
                .with_context(|| format!("cannot write {}", out.join(&file).display()))?;
            writeln!(md, "![{}]({file})", figure.title)?;
            writeln!(md)?;
        }
        let mut shown = df.head(Some(SHOWN_ROWS));
        let mut text = Vec::new();
        render::write(&mut shown, "md", &mut text, None)?;
        md.push_str(&String::from_utf8_lossy(&text));
        if df.height() > SHOWN_ROWS {
            writeln!(
                md,
                "\nThe first {} of {} rows; all of them in [`{}.csv`]({}.csv).",
                SHOWN_ROWS,
                df.height(),
                entry.name,
                entry.name
            )?;
        }
        writeln!(md)?;
    }
    let path = out.join("REPORT.md");
    std::fs::write(&path, md).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_numbers_carry_sources_and_comparisons_name_real_rows() {
        let published = crate::csv::records(PUBLISHED);
        assert!(published.len() >= 20);
        let mut ids = std::collections::BTreeSet::new();
        for r in &published {
            assert!(ids.insert(r["id"].clone()), "duplicate id {}", r["id"]);
            assert!(!r["source"].trim().is_empty(), "{} has no source", r["id"]);
            assert!(r["value"].parse::<f64>().is_ok(), "{} value", r["id"]);
        }
        for c in crate::csv::records(COMPARISONS) {
            assert!(ids.contains(&c["published_id"]), "{}", c["published_id"]);
            assert!(
                crate::catalogue::find(&c["table"]).is_ok(),
                "{}",
                c["table"]
            );
            assert!(!c["caveat"].is_empty());
        }
    }
}
