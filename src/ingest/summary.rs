//! The closing summary of an ingest run.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use polars::prelude::DataFrame;

use super::file::FileResult;
use crate::dataset::manifest::{FailedInput, Manifest};
use crate::trust::table::TrustWork;

/// Figures of one run, printed at its end.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Run number.
    pub run: u32,
    /// Inputs ingested in this run.
    pub inputs: usize,
    /// Inputs skipped as already ingested.
    pub skipped: Vec<String>,
    /// Records per layout.
    pub records: BTreeMap<String, u64>,
    /// Rejected records per reason.
    pub bad: BTreeMap<String, u64>,
    /// Inputs that ended in a stream error.
    pub stream_errors: Vec<String>,
    /// Inputs that could not be opened or read (nothing of them committed).
    pub failed_inputs: Vec<FailedInput>,
    /// Chunks whose parsing failed inside mailtls (records quarantined).
    pub internal_errors: u64,
    /// Handshake rows written.
    pub handshakes: u64,
    /// Discovery rows written.
    pub discoveries: u64,
    /// Distinct certificates in the dataset after the run.
    pub certificates: usize,
    /// Stored bytes read.
    pub stored_bytes: u64,
    /// Decompressed bytes read.
    pub decompressed_bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Dataset size on disk after the run.
    pub dataset_bytes: u64,
    /// Dataset folder.
    pub dataset: PathBuf,
    /// Chain validation done for `chain_trust`.
    pub trust: TrustWork,
    /// The first trust setting (`mozilla@scan`).
    pub trust_setting: String,
    /// Recorded vs computed trust (the `trust_agreement` table), when it
    /// was asked for (`Options::agreement`) and the dataset has handshakes.
    pub agreement: Option<DataFrame>,
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_size(&e.path()),
                    _ => e.metadata().map_or(0, |m| m.len()),
                })
                .sum()
        })
        .unwrap_or(0)
}

impl Summary {
    /// Collects the figures of a committed run.
    pub fn new(
        manifest: &Manifest,
        run: u32,
        results: &[FileResult],
        skipped: Vec<String>,
        certificates: usize,
        elapsed: Duration,
        dataset: &Path,
    ) -> Summary {
        let mut s = Summary {
            run,
            inputs: results.iter().filter(|r| r.input.failed.is_none()).count(),
            skipped,
            records: BTreeMap::new(),
            bad: BTreeMap::new(),
            stream_errors: Vec::new(),
            failed_inputs: Vec::new(),
            internal_errors: 0,
            handshakes: 0,
            discoveries: 0,
            certificates,
            stored_bytes: 0,
            decompressed_bytes: 0,
            elapsed,
            dataset_bytes: dir_size(dataset),
            dataset: dataset.to_path_buf(),
            trust: TrustWork::default(),
            trust_setting: manifest
                .trust
                .first()
                .map(|t| t.label())
                .unwrap_or_default(),
            agreement: None,
        };
        for input in manifest.inputs.iter().filter(|i| i.run == run) {
            for (k, v) in &input.records {
                *s.records.entry(k.clone()).or_default() += v;
            }
            for (k, v) in &input.bad_records {
                *s.bad.entry(k.clone()).or_default() += v;
            }
            s.stream_errors.extend(input.stream_error.clone());
            s.internal_errors += input.internal_errors;
            s.handshakes += input.handshakes;
            s.discoveries += input.discoveries;
            s.stored_bytes += input.size;
            s.decompressed_bytes += input.decompressed;
        }
        s
    }

    /// Rejected records in total.
    pub fn bad_total(&self) -> u64 {
        self.bad.values().sum()
    }

    /// Why the run must end with a failure status although it committed:
    /// inputs that could not be read, or records lost to an internal error.
    pub fn failure(&self) -> Option<String> {
        let mut problems = Vec::new();
        if !self.failed_inputs.is_empty() {
            problems.push(format!(
                "{} input(s) could not be read and were not ingested (run the same command again to retry them)",
                self.failed_inputs.len()
            ));
        }
        if self.internal_errors > 0 {
            problems.push(format!(
                "{} part(s) of the input hit an internal error; their records are in the quarantine",
                self.internal_errors
            ));
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64().max(1e-6);
        let total: u64 = self.records.values().sum();
        writeln!(
            f,
            "ingest run {} committed to {}",
            self.run,
            self.dataset.display()
        )?;
        writeln!(
            f,
            "  inputs         {} ingested, {} skipped (already in the dataset)",
            self.inputs,
            self.skipped.len()
        )?;
        for s in &self.skipped {
            writeln!(f, "    skipped      {s}")?;
        }
        let bad = self.bad_total();
        let read = total + bad;
        let pct = |n: u64| {
            if read == 0 {
                0.0
            } else {
                100.0 * n as f64 / read as f64
            }
        };
        writeln!(
            f,
            "  records        {read} read: {total} parsed, {bad} rejected ({:.2}% of records read)",
            pct(bad)
        )?;
        for (layout, n) in &self.records {
            writeln!(
                f,
                "    {layout:<14} {n:>10}  ({:.1}% of records read)",
                pct(*n)
            )?;
        }
        writeln!(
            f,
            "  bad records    {} (kept in {}/_quarantine/r{:04}/)",
            bad,
            self.dataset.display(),
            self.run
        )?;
        for (reason, n) in &self.bad {
            writeln!(f, "    {n:>10}  {reason} ({:.2}% of records read)", pct(*n))?;
        }
        for e in &self.stream_errors {
            writeln!(f, "  stream error   {e}")?;
        }
        for failed in &self.failed_inputs {
            writeln!(f, "  failed input   {}: {}", failed.path, failed.error)?;
        }
        if self.internal_errors > 0 {
            writeln!(
                f,
                "  internal error {} part(s) of the input; their records are quarantined",
                self.internal_errors
            )?;
        }
        writeln!(
            f,
            "  rows           {} handshakes, {} discovery, {} distinct certificates in the dataset",
            self.handshakes, self.discoveries, self.certificates
        )?;
        writeln!(
            f,
            "  trust          {} distinct chains, {} certificates parsed, {} validations (chain × store × day); setting {}",
            self.trust.chains, self.trust.certificates, self.trust.validations, self.trust_setting
        )?;
        if let Some(df) = self.agreement.as_ref().filter(|df| df.height() > 0) {
            writeln!(
                f,
                "  recorded vs computed trust (table trust_agreement; denominator: endpoints with a recorded verdict):"
            )?;
            let mut text = Vec::new();
            let mut df = df.clone();
            crate::render::write(&mut df, "table", &mut text, None).map_err(|_| fmt::Error)?;
            for line in String::from_utf8_lossy(&text).lines() {
                writeln!(f, "    {line}")?;
            }
        }
        writeln!(
            f,
            "  throughput     {:.1} MB/s of input as stored, {:.1} MB/s decompressed, {:.0} records/s (wall time {:.2} s)",
            mb(self.stored_bytes) / secs,
            mb(self.decompressed_bytes) / secs,
            total as f64 / secs,
            secs
        )?;
        let ratio = if self.dataset_bytes > 0 {
            self.decompressed_bytes as f64 / self.dataset_bytes as f64
        } else {
            0.0
        };
        // Tiny inputs can give a dataset larger than the input (fixed Parquet overhead).
        let compared = if ratio >= 1.0 || ratio == 0.0 {
            format!("{ratio:.1}x smaller than")
        } else {
            format!("{:.1}x larger than", 1.0 / ratio)
        };
        write!(
            f,
            "  dataset        {:.2} MB on disk; {compared} the {:.2} MB of decompressed input ({:.2} MB stored)",
            mb(self.dataset_bytes),
            mb(self.decompressed_bytes),
            mb(self.stored_bytes)
        )
    }
}
