//! Atomic commit. New parts are written into a staging folder; the dataset
//! changes only when the manifest naming them is renamed into place.
//!
//! * A new dataset is staged whole in a hidden sibling folder
//!   (`.NAME.staging-PID`) and renamed to `NAME` at the end: a kill leaves no
//!   `NAME` at all.
//! * Appending stages parts in `NAME/_staging-PID`, moves them in, then
//!   replaces the manifest with one rename: a kill before that rename leaves
//!   the previous manifest, which does not name the new parts; the next
//!   ingest removes such orphans.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};

use super::manifest::Manifest;
use super::MANIFEST;

/// Where a run writes before it commits.
pub struct Staging {
    /// The dataset folder.
    pub dataset: PathBuf,
    /// The staging folder; parts go to `root/<table>/…`.
    pub root: PathBuf,
    /// The committed manifest this run starts from (empty for a new dataset).
    pub base: Manifest,
    /// Appending to an existing dataset.
    pub append: bool,
}

fn staging_sibling(dataset: &Path) -> Result<PathBuf> {
    let name = dataset
        .file_name()
        .with_context(|| format!("{} has no folder name", dataset.display()))?
        .to_string_lossy()
        .into_owned();
    let parent = dataset
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(parent.join(format!(".{name}.staging-{}", std::process::id())))
}

fn remove_stale_siblings(dataset: &Path) {
    let (Some(parent), Some(name)) = (dataset.parent(), dataset.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.staging-", name.to_string_lossy());
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

impl Staging {
    /// Prepares a run writing to `dataset`.
    pub fn open(dataset: &Path, append: bool) -> Result<Staging> {
        let has_manifest = dataset.join(MANIFEST).is_file();
        let exists = dataset.exists();
        if has_manifest && !append {
            bail!(
                "{} is already a dataset; pass --append to add inputs to it, or choose another --out",
                dataset.display()
            );
        }
        if exists && !has_manifest {
            let empty = fs::read_dir(dataset)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                bail!(
                    "{} exists and is not a mailtls dataset (no {MANIFEST}); choose another --out",
                    dataset.display()
                );
            }
            fs::remove_dir(dataset).ok();
        }
        if has_manifest {
            let base = Manifest::load(dataset)?;
            remove_orphans(dataset, &base)?;
            let root = dataset.join(format!("_staging-{}", std::process::id()));
            fs::create_dir_all(&root)?;
            Ok(Staging {
                dataset: dataset.to_path_buf(),
                root,
                base,
                append: true,
            })
        } else {
            remove_stale_siblings(dataset);
            let root = staging_sibling(dataset)?;
            fs::create_dir_all(&root)
                .with_context(|| format!("cannot create {}", root.display()))?;
            Ok(Staging {
                dataset: dataset.to_path_buf(),
                root,
                base: Manifest::default(),
                append: false,
            })
        }
    }

    /// Makes `manifest` (which names the staged parts) the dataset's state.
    pub fn commit(self, manifest: &Manifest) -> Result<()> {
        let text = serde_json::to_string_pretty(manifest)?;
        if !self.append {
            write_synced(&self.root.join(MANIFEST), text.as_bytes())?;
            crate::checkpoint::reached("committing");
            fs::rename(&self.root, &self.dataset).with_context(|| {
                format!(
                    "cannot move {} to {}",
                    self.root.display(),
                    self.dataset.display()
                )
            })?;
            return Ok(());
        }
        move_tree(&self.root, &self.dataset)?;
        let tmp = self.dataset.join(format!("{MANIFEST}.tmp"));
        write_synced(&tmp, text.as_bytes())?;
        crate::checkpoint::reached("committing");
        fs::rename(&tmp, self.dataset.join(MANIFEST))?;
        fs::remove_dir_all(&self.root).ok();
        Ok(())
    }

    /// Throws the staged work away.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f =
        fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}

/// Moves every file under `from` to the same relative place under `to`.
fn move_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            move_tree(&entry.path(), &target)?;
        } else {
            fs::rename(entry.path(), &target).with_context(|| {
                format!("cannot move {} into the dataset", entry.path().display())
            })?;
        }
    }
    Ok(())
}

/// Deletes staging folders and part files the manifest does not name
/// (left by a run that was killed before its commit).
fn remove_orphans(dataset: &Path, manifest: &Manifest) -> Result<()> {
    let named: std::collections::HashSet<PathBuf> = manifest
        .parts
        .iter()
        .map(|p| dataset.join(&p.path))
        .collect();
    for entry in fs::read_dir(dataset)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("_staging-") {
            fs::remove_dir_all(entry.path()).ok();
        } else if entry.file_type()?.is_dir() && !name.starts_with('_') {
            remove_unnamed(&entry.path(), &named)?;
        }
    }
    Ok(())
}

fn remove_unnamed(dir: &Path, named: &std::collections::HashSet<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            remove_unnamed(&path, named)?;
        } else if path.extension().is_some_and(|e| e == "parquet") && !named.contains(&path) {
            fs::remove_file(&path).ok();
        }
    }
    Ok(())
}
