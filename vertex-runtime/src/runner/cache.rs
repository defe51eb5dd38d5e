//! Caching of task outputs across local runs: a task whose component, binary, inputs,
//! outputs and environment match an earlier successful run reuses that run's outputs
//! instead of running, as KFP's cache does.
//!
//! Entries are JSON files under `<root>/.cache/`, named by the hash of those inputs. An
//! entry is used only while every artifact it names still exists.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::artifact::write_atomically;
use crate::contract::{ExecutorInput, ExecutorOutput};

/// What decides whether two task runs give the same outputs.
#[derive(Serialize)]
struct Key<'a> {
    component: &'a str,
    binary: u64,
    parameters: BTreeMap<&'a String, &'a Value>,
    artifacts: BTreeMap<&'a String, Vec<ArtifactKey<'a>>>,
    outputs: Vec<&'a String>,
    env: &'a [(String, String)],
}

/// The identity of an input artifact: its URI, its metadata, and the size and
/// modification time (in nanoseconds) of the file or folder it names, when that exists.
type ArtifactKey<'a> = (
    &'a str,
    &'a serde_json::Map<String, Value>,
    Option<(u64, u128)>,
);

/// A cached result: the run that produced it and its executor output.
#[derive(Deserialize, Serialize)]
pub(super) struct Entry {
    /// The run that produced the outputs.
    pub(super) run: String,
    /// The executor output, with artifact URIs in that run's folder.
    pub(super) output: ExecutorOutput,
}

/// The cache of one pipeline root.
pub(super) struct Cache {
    directory: PathBuf,
    /// The mount point of `gs://`, `s3://` and `minio://` URIs: the pipeline root.
    mount_root: PathBuf,
    binary: u64,
}

/// Hashes with SipHash from the standard library. Its keys are fixed, so the hash is
/// stable for one build of this binary, which is all a cache of its own runs needs.
fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

impl Cache {
    /// Opens the cache under `root`, fingerprinting `executable` by its size, modification
    /// time and inode, so that a rebuilt binary does not reuse outputs of the old one
    /// without reading the whole file.
    pub(super) fn open(root: &Path, executable: &Path) -> std::io::Result<Self> {
        let metadata = std::fs::metadata(executable)?;
        let modified = metadata
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
        let fingerprint = format!("{}:{}:{inode}", metadata.len(), modified.as_nanos());
        let binary = hash(fingerprint.as_bytes());
        Ok(Self {
            directory: root.join(".cache"),
            mount_root: root.to_owned(),
            binary,
        })
    }

    /// Returns the cache key of a task about to run.
    pub(super) fn key(
        &self,
        component: &str,
        input: &ExecutorInput,
        env: &[(String, String)],
    ) -> String {
        let artifacts = input
            .inputs
            .artifacts
            .iter()
            .map(|(name, list)| {
                let list = list
                    .artifacts
                    .iter()
                    .map(|a| (a.uri.as_str(), &a.metadata, self.stamp(&a.uri)))
                    .collect();
                (name, list)
            })
            .collect();
        let outputs = input
            .outputs
            .parameters
            .keys()
            .chain(input.outputs.artifacts.keys())
            .collect();
        let key = Key {
            component,
            binary: self.binary,
            parameters: input.inputs.parameter_values.iter().collect(),
            artifacts,
            outputs,
            env,
        };
        let text = serde_json::to_vec(&key).unwrap_or_default();
        format!("{component}-{:016x}", hash(&text))
    }

    /// Returns the size and modification time of what `uri` names, so that a file edited
    /// in place, such as a pipeline input given with `--artifact`, misses the cache. A
    /// folder's time changes only when its entries do, not when a file in it is edited.
    fn stamp(&self, uri: &str) -> Option<(u64, u128)> {
        let path = crate::artifact::local_path_under(&self.mount_root, uri).ok()?;
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some((metadata.len(), modified.as_nanos()))
    }

    fn path(&self, key: &str) -> PathBuf {
        self.directory.join(format!("{key}.json"))
    }

    /// Returns the cached result of `key`, if its artifacts still exist.
    pub(super) fn get(&self, key: &str) -> Option<Entry> {
        let bytes = std::fs::read(self.path(key)).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        let artifacts = entry
            .output
            .artifacts
            .values()
            .flat_map(|list| &list.artifacts);
        let present = artifacts
            .into_iter()
            .all(|artifact| Path::new(&artifact.uri).exists());
        present.then_some(entry)
    }

    /// Stores a successful result.
    pub(super) fn put(&self, key: &str, run: &str, output: &ExecutorOutput) -> std::io::Result<()> {
        let entry = Entry {
            run: run.to_owned(),
            output: output.clone(),
        };
        let bytes = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
        // Entry names are hashes of the parameter values, secrets included, so only the
        // owner may list them: a weak secret could be recovered from its hash by guessing.
        std::fs::DirBuilder::new()
            .recursive(true)
            .create(&self.directory)?;
        std::fs::set_permissions(
            &self.directory,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        write_atomically(&self.path(key), &bytes)
    }
}
