//! `mailtls plot`: catalogue tables as charts.

use anyhow::{bail, Context as _, Result};

use crate::chart::{self, Format};
use crate::cli::PlotArgs;

/// Draws one table's chart (its first figure to `--out`, any further ones
/// beside it as `STEM-PART.EXT`), or every table's with `--all`.
pub fn execute(args: PlotArgs) -> Result<()> {
    if args.all {
        let format = if args.format == "png" {
            Format::Png
        } else {
            Format::Svg
        };
        for (table, files) in chart::write_all(&args.dataset, &args.out, format, args.width)? {
            println!("{table}: {}", files.join(", "));
        }
        return Ok(());
    }
    let Some(name) = args.name.as_deref() else {
        bail!("name a catalogue table (`mailtls tables` lists them), or give --all");
    };
    let format = chart::format_of(&args.out)?;
    let mut figures = chart::of_table(&args.dataset, name, args.where_.as_deref())?;
    if figures.is_empty() {
        bail!(
            "table {name} has nothing to draw in this dataset (its answer is empty{}); `mailtls table {name}` shows it",
            if crate::catalogue::PAIR_TABLES.contains(&name) {
                ", or no series was scanned more than once"
            } else {
                ""
            }
        );
    }
    if let (Some(title), Some(first)) = (&args.title, figures.first_mut()) {
        first.title = title.clone();
    }
    for (i, figure) in figures.iter().enumerate() {
        let path = if i == 0 {
            args.out.clone()
        } else {
            let part = figure
                .stem
                .split_once('-')
                .map_or(figure.stem.as_str(), |(_, p)| p);
            let stem = args.out.file_stem().unwrap_or_default().to_string_lossy();
            args.out
                .with_file_name(format!("{stem}-{part}.{}", format.extension()))
        };
        let bytes = chart::render(figure, format, args.width)?;
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
