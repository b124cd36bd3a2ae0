//! SQL over a dataset: every table the manifest names is registered under
//! its own name as a lazy scan of its parts, and queries run on polars'
//! streaming engine, so a dataset larger than memory still answers (the few
//! plans that engine cannot run fall back to the in-memory engine).

use std::path::Path;

use anyhow::{Context as _, Result};
use polars::prelude::*;
use polars::sql::SQLContext;

use crate::dataset::manifest::Manifest;
use crate::dataset::read::{categories_as_text, scan_table, ScanNames};

/// The tables of a dataset, in manifest order of first appearance.
pub fn table_names(manifest: &Manifest) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for p in &manifest.parts {
        if !names.contains(&p.table) {
            names.push(p.table.clone());
        }
    }
    names
}

/// The tables whose rows belong to one scan (they have `scan_id`): what
/// [`run_catalogue_in_scans`] narrows to the scans.
pub const SCAN_TABLES: &[&str] = &[
    "scans",
    "handshakes",
    "discovery",
    "chain_trust",
    "name_checks",
    "mail_routes",
];

/// A SQL context with every table of the dataset registered.
pub fn context(dataset: &Path) -> Result<SQLContext> {
    context_in(dataset, Reading::AD_HOC)
}

/// How a query reads the dataset's tables.
#[derive(Clone, Copy)]
struct Reading<'a> {
    /// Only these scans' rows of the [`SCAN_TABLES`], when given.
    scans: Option<&'a [String]>,
    /// How the columns naming a scan are typed.
    names: ScanNames,
}

impl Reading<'_> {
    /// Every scan, scan names as text.
    const AD_HOC: Reading<'static> = Reading {
        scans: None,
        names: ScanNames::Text,
    };
}

/// A SQL context with every table registered, the [`SCAN_TABLES`] holding
/// only the rows of the scans `reading` names when it names some. That is a
/// filter on `scan_id`, which polars applies to a partitioned table's
/// paths before reading: the parts of other scans are never opened.
fn context_in(dataset: &Path, reading: Reading) -> Result<SQLContext> {
    let manifest = Manifest::load(dataset)?;
    let ctx = SQLContext::new();
    for name in table_names(&manifest) {
        let mut table = scan_table(dataset, &manifest, &name, reading.names)?;
        if let Some(scans) = reading
            .scans
            .filter(|_| SCAN_TABLES.contains(&name.as_str()))
        {
            let in_scope = scans
                .iter()
                .map(|scan| col("scan_id").eq(lit(scan.clone())))
                .reduce(Expr::or)
                .unwrap_or(lit(false));
            table = table.filter(in_scope);
        }
        ctx.register(&name, table);
    }
    Ok(ctx)
}

/// The query's first keyword, past comments and parentheses.
fn first_keyword(sql: &str) -> String {
    sql.lines()
        .map(|l| l.split("--").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase()
}

/// Stack for planning and running a query: polars plans a query by
/// recursion over its tree, and the catalogue's longer queries (unions of
/// joins under common table expressions) go deeper than the 2 MiB a
/// spawned thread gets by default.
const QUERY_STACK: usize = 64 << 20;

/// Runs one read-only query (`SELECT` or `WITH`) over the dataset and
/// collects the answer. Scan names are text to the query, so every SQL
/// function applies to them: what ad-hoc queries get.
pub fn run(dataset: &Path, sql: &str) -> Result<DataFrame> {
    run_reading(dataset, sql, Reading::AD_HOC)
}

/// [`run`] for one of the catalogue's own queries, which only join, group,
/// compare and order scan names: they read them as categories (see
/// [`ScanNames`]), and the answer has them as text again.
pub fn run_catalogue(dataset: &Path, sql: &str) -> Result<DataFrame> {
    let reading = Reading {
        scans: None,
        names: ScanNames::Categories,
    };
    run_reading(dataset, sql, reading)
}

/// [`run_catalogue`] as if the dataset held only the scans `scans`: the
/// [`SCAN_TABLES`] keep those scans' rows; certificates, DNS, enumeration
/// and the dimensions stay whole.
pub fn run_catalogue_in_scans(dataset: &Path, sql: &str, scans: &[String]) -> Result<DataFrame> {
    let reading = Reading {
        scans: Some(scans),
        names: ScanNames::Categories,
    };
    run_reading(dataset, sql, reading)
}

fn run_reading(dataset: &Path, sql: &str, reading: Reading) -> Result<DataFrame> {
    std::thread::scope(|threads| {
        std::thread::Builder::new()
            .name("mailtls-query".into())
            .stack_size(QUERY_STACK)
            .spawn_scoped(threads, || run_here(dataset, sql, reading))
            .context("starting the query thread")?
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the query failed inside polars")))
    })
}

fn run_here(dataset: &Path, sql: &str, reading: Reading) -> Result<DataFrame> {
    let keyword = first_keyword(sql);
    if keyword != "SELECT" && keyword != "WITH" {
        anyhow::bail!(
            "only read-only queries are run: start with SELECT or WITH (this one starts with {:?})",
            keyword
        );
    }
    let mut ctx = context_in(dataset, reading)?;
    let tables = ctx.get_tables();
    let plan = ctx.execute(sql).map_err(|e| explain(e, &tables))?;
    // polars' streaming engine does not run every plan its in-memory
    // engine runs (it says so with a compute or invalid-operation error, or
    // by panicking); those run in memory rather than not at all. Other
    // errors are the query's own and are reported at once.
    let answer = match collect_streaming(plan.clone()) {
        Some(Ok(df)) => Ok(df),
        Some(Err(e))
            if !matches!(
                e,
                PolarsError::ComputeError(_) | PolarsError::InvalidOperation(_)
            ) =>
        {
            Err(explain(e, &tables)).context("the query failed")
        }
        _ => plan
            .collect()
            .map_err(|e| explain(e, &tables))
            .context("the query failed"),
    }?;
    categories_as_text(answer)
}

/// Runs `plan` on polars' streaming engine, which keeps memory bounded
/// (`collect` alone runs in memory: a group-by over every handshake then
/// holds every row). `None` when the engine lacks part of the plan.
fn collect_streaming(plan: LazyFrame) -> Option<PolarsResult<DataFrame>> {
    // A query has one sink, so one result; `unwrap_single` cannot fail here,
    // and a panic of any kind only sends the query to the in-memory engine.
    let run = std::panic::AssertUnwindSafe(|| {
        plan.collect_with_engine(Engine::Streaming)
            .map(|result| result.unwrap_single())
    });
    std::panic::catch_unwind(run).ok()
}

/// Runs `sql` over an answer already computed, registered as table `t`.
pub fn over_answer(answer: DataFrame, sql: &str) -> Result<DataFrame> {
    let mut ctx = SQLContext::new();
    ctx.register("t", answer.lazy());
    let plan = ctx.execute(sql).map_err(|e| anyhow::anyhow!(concise(&e)))?;
    plan.collect().map_err(|e| anyhow::anyhow!(concise(&e)))
}

/// The rows of an answer that meet a SQL condition on its columns.
pub fn filter(answer: DataFrame, condition: &str) -> Result<DataFrame> {
    over_answer(answer, &format!("SELECT * FROM t WHERE {condition}"))
}

/// A polars error without the query plan it appends (users need the first
/// lines: what is wrong and the names that exist).
fn concise(e: &PolarsError) -> String {
    let text = e.to_string();
    let cut = text.find("\n\nResolved plan").unwrap_or(text.len());
    text[..cut].trim_end().to_owned()
}

/// A polars error with the table names added where the query named an
/// unknown table (polars already lists valid columns for unknown columns).
fn explain(e: PolarsError, tables: &[String]) -> anyhow::Error {
    let text = concise(&e);
    if text.contains("relation") || text.contains("table") {
        anyhow::anyhow!("{text}\nthe dataset's tables: {}", tables.join(", "))
    } else {
        anyhow::anyhow!(text)
    }
}
