//! Helpers shared by the fuzz targets. The components are in `components.rs`, which each
//! binary includes: linkme registers a component only in a binary that links the object
//! file defining it, which a library crate does not guarantee.

use std::path::{Path, PathBuf};

use vertex_runtime::contract::ExecutorInput;

/// Rewrites the paths of a parsed executor input that the runtime would write to, so that
/// they point under `dir`: `outputs.outputFile`, and output artifact URIs without a
/// scheme. A URI with a scheme stays: `gs://`, `s3://` and `minio://` map under the mount
/// root, which the fuzz targets set to `dir`, and every other scheme is rejected.
pub fn confine(input: &mut ExecutorInput, dir: &Path) {
    input.outputs.output_file = output_file(dir).to_string_lossy().into_owned();
    for (index, list) in input.outputs.artifacts.values_mut().enumerate() {
        for (position, artifact) in list.artifacts.iter_mut().enumerate() {
            if !has_scheme(&artifact.uri) {
                let path = dir.join(format!("out/{index}-{position}"));
                artifact.uri = path.to_string_lossy().into_owned();
            }
        }
    }
}

/// Checks whether `uri` starts with `scheme://`, a scheme being a letter followed by letters,
/// digits, `+`, `-` or `.` (RFC 3986), as the runtime reads it.
fn has_scheme(uri: &str) -> bool {
    let Some((scheme, _)) = uri.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Returns the executor output path used under `dir`.
pub fn output_file(dir: &Path) -> PathBuf {
    dir.join("executor_output.json")
}

/// Files under `dir` whose names start with `.tmp`: temporary files left behind.
pub fn stray_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(path);
            } else if entry.file_name().to_string_lossy().starts_with(".tmp") {
                found.push(path);
            }
        }
    }
    found
}
