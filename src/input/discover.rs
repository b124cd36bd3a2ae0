//! Turning the command line's INPUT arguments into a sorted list of files.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

/// Inputs that could not be read, with what went wrong.
pub type Unreadable = Vec<(PathBuf, String)>;

/// Files named on the command line, and regular files under named folders
/// (recursively, hidden entries skipped), in a stable sorted order; and the
/// inputs and folders that could not be read (reported, not fatal, unless
/// nothing at all could be read).
pub fn discover(inputs: &[PathBuf]) -> Result<(Vec<PathBuf>, Unreadable)> {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(meta) if meta.is_dir() => walk(input, &mut files, &mut unreadable),
            Ok(_) => files.push(input.clone()),
            Err(e) => unreadable.push((
                input.clone(),
                format!("cannot read it ({e}): check the path"),
            )),
        }
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        match unreadable.first() {
            Some((path, error)) => bail!("{}: {error}", path.display()),
            None => bail!("no input files found under {}", display_list(inputs)),
        }
    }
    Ok((files, unreadable))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, unreadable: &mut Unreadable) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            unreadable.push((dir.to_path_buf(), format!("cannot list the folder: {e}")));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                unreadable.push((dir.to_path_buf(), format!("cannot list the folder: {e}")));
                continue;
            }
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // `.well-known` holds fetched MTA-STS policies; other hidden
        // entries are tool state, not inputs.
        if (name.starts_with('.') && name != ".well-known")
            || name.starts_with('_')
            || name == "truth.json"
            || name.ends_with(".pem")
            || name.ends_with(".md")
            || name.ends_with(".toml")
        {
            continue;
        }
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, out, unreadable);
        } else {
            out.push(path);
        }
    }
}

fn display_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
