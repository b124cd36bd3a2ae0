//! Named points of an ingest at which the kill tests stop it: with
//! `MAILTLS_STOP_AT=STAGE` set, a run that reaches STAGE says
//! `mailtls: stopped at STAGE` on standard error and waits there to be
//! killed. Stages: `reading` (a first chunk parsed), `writing` (a first
//! part written), `judging` (all inputs read, chains about to be judged),
//! `committing` (the new parts in place, the manifest not yet).
//! Unset, each point costs one comparison.

use std::sync::OnceLock;

/// Marks that the run reached `stage`; stops here if told to.
pub fn reached(stage: &str) {
    static STOP_AT: OnceLock<Option<String>> = OnceLock::new();
    let stop = STOP_AT.get_or_init(|| std::env::var("MAILTLS_STOP_AT").ok());
    if stop.as_deref() == Some(stage) {
        eprintln!("mailtls: stopped at {stage}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    }
}
