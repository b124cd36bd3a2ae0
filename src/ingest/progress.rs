//! The progress bar: stored bytes with rate and ETA, records per second.
//! Shown only on a terminal and without `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::file::Progress;

/// A running progress display (or nothing, when hidden).
pub struct Display {
    bar: Option<ProgressBar>,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    /// Starts the display for `total` stored bytes.
    pub fn start(total: u64, quiet: bool, progress: Arc<Progress>) -> Display {
        if quiet || !std::io::stderr().is_terminal() {
            return Display {
                bar: None,
                stop: Arc::default(),
                ticker: None,
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let (ticker_bar, ticker_stop) = (bar.clone(), Arc::clone(&stop));
        let ticker = std::thread::spawn(move || {
            let start = Instant::now();
            while !ticker_stop.load(Ordering::Relaxed) {
                ticker_bar.set_position(progress.stored.load(Ordering::Relaxed));
                let records = progress.records.load(Ordering::Relaxed);
                let secs = start.elapsed().as_secs_f64().max(1e-3);
                ticker_bar.set_message(format!(
                    "{records} records ({:.0}/s)",
                    records as f64 / secs
                ));
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Display {
            bar: Some(bar),
            stop,
            ticker: Some(ticker),
        }
    }

    /// Runs `f` (which writes to the terminal) with the bar out of its way.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Stops and clears the display.
    pub fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker {
            let _ = t.join();
        }
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A counter bar for a later stage (`label`, `total` items, rate and ETA);
/// hidden with `--quiet` or off a terminal.
pub fn stage(label: &str, total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {label} [{{bar:30}}] {{pos}}/{{len}} ({{per_sec}}) ETA {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}
