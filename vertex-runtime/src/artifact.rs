//! Artifacts: their types, the `Input` and `Output` handles a component receives, the
//! mapping from storage URIs to local paths, and the metrics layouts the KFP and Vertex
//! UIs read.

use std::fmt;
use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{json, Map, Value};

/// A KFP artifact type: a schema title such as `system.Dataset` and a schema version.
///
/// The eight `system.*` types are provided. A type of your own, such as
/// `google.VertexModel`, is a unit struct implementing this trait:
///
/// ```
/// use vertex_runtime::ArtifactType;
///
/// /// A model registered in the Vertex AI Model Registry.
/// pub struct VertexModel;
///
/// impl ArtifactType for VertexModel {
///     const SCHEMA_TITLE: &'static str = "google.VertexModel";
/// }
/// ```
///
/// kfp 2.17.3 accepts only the `system` and `google` namespaces when it loads a component.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an artifact type",
    label = "not an artifact type",
    note = "use one of the `system.*` types (`Dataset`, `Model`, `Metrics`, ...) or implement `ArtifactType` for a type of your own"
)]
pub trait ArtifactType: 'static {
    /// The schema title, `<namespace>.<Name>`.
    const SCHEMA_TITLE: &'static str;
    /// The schema version, three numbers.
    const SCHEMA_VERSION: &'static str = "0.0.1";
}

macro_rules! system_types {
    ($($(#[$doc:meta])* $name:ident => $title:literal,)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;

        impl ArtifactType for $name {
            const SCHEMA_TITLE: &'static str = $title;
        }
    )*};
}

system_types! {
    /// `system.Artifact`: any artifact; compatible with every other type.
    Artifact => "system.Artifact",
    /// `system.Dataset`: a table or other data set.
    Dataset => "system.Dataset",
    /// `system.Model`: a trained model.
    Model => "system.Model",
    /// `system.Metrics`: scalar metrics in the metadata.
    Metrics => "system.Metrics",
    /// `system.ClassificationMetrics`: a confusion matrix and a ROC curve in the metadata.
    ClassificationMetrics => "system.ClassificationMetrics",
    /// `system.SlicedClassificationMetrics`: classification metrics per slice.
    SlicedClassificationMetrics => "system.SlicedClassificationMetrics",
    /// `system.HTML`: an HTML page shown by the UI.
    HTML => "system.HTML",
    /// `system.Markdown`: a Markdown page shown by the UI.
    Markdown => "system.Markdown",
}

/// A URI that has no local path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// The URI is empty.
    #[error("the artifact URI is empty")]
    Empty,
    /// The URI names no bucket, or climbs out of its mount with `..`.
    #[error("invalid artifact URI `{uri}`: expected a bucket and a path without `..`, such as gs://bucket/data.csv")]
    InvalidPath {
        /// The whole URI.
        uri: String,
    },
    /// The URI's scheme has no mount.
    #[error(
        "unsupported URI scheme `{scheme}://` in `{uri}`; expected gs://, s3://, minio:// or a local path"
    )]
    UnsupportedScheme {
        /// The scheme, without `://`.
        scheme: String,
        /// The whole URI.
        uri: String,
    },
}

/// Maps a storage URI to the local path where the container mounts it: `gs://b/k` to
/// `/gcs/b/k`, `s3://` to `/s3/`, `minio://` to `/minio/`; a path without a scheme stays as
/// it is. Any other scheme is an error.
///
/// ```
/// # use std::path::Path;
/// use vertex_runtime::artifact::local_path;
///
/// assert_eq!(local_path("gs://bucket/data.csv").unwrap(), Path::new("/gcs/bucket/data.csv"));
/// assert_eq!(local_path("/tmp/data.csv").unwrap(), Path::new("/tmp/data.csv"));
/// assert!(local_path("ftp://host/data.csv").is_err());
/// ```
pub fn local_path(uri: &str) -> Result<PathBuf, UriError> {
    local_path_under(Path::new("/"), uri)
}

/// Like [`local_path`], with the `gcs`, `s3` and `minio` mounts under `mount_root` instead
/// of `/`. The local runner uses this to keep `gs://` data inside its pipeline root.
pub fn local_path_under(mount_root: &Path, uri: &str) -> Result<PathBuf, UriError> {
    if uri.is_empty() {
        return Err(UriError::Empty);
    }
    let Some((scheme, rest)) = split_scheme(uri) else {
        return Ok(PathBuf::from(uri));
    };
    let mount = match scheme {
        "gs" => "gcs",
        "s3" => "s3",
        "minio" => "minio",
        _ => {
            return Err(UriError::UnsupportedScheme {
                scheme: scheme.to_owned(),
                uri: uri.to_owned(),
            })
        }
    };
    // kfp maps `gs:///x` to `/gcs//x`, which is `/gcs/x`; joining `/x` would leave the mount.
    let key = rest.trim_start_matches('/');
    let escapes = Path::new(key)
        .components()
        .any(|part| matches!(part, std::path::Component::ParentDir));
    if key.is_empty() || escapes {
        return Err(UriError::InvalidPath {
            uri: uri.to_owned(),
        });
    }
    Ok(mount_root.join(mount).join(key))
}

/// Maps a storage URI to a local path like [`local_path`], with the mounts under
/// `$VERTEX_MOUNT_ROOT` when that is set, as it is in tasks of the local runner. Use it for
/// URIs that arrive as string parameters.
pub fn resolve_uri(uri: &str) -> Result<PathBuf, UriError> {
    match std::env::var_os(crate::dispatch::MOUNT_ROOT_ENV) {
        Some(root) => local_path_under(Path::new(&root), uri),
        None => local_path(uri),
    }
}

/// Splits `scheme://rest`, where a scheme is a letter followed by letters, digits, `+`, `-`
/// or `.` (RFC 3986).
fn split_scheme(uri: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = uri.split_once("://")?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next()?.is_ascii_alphabetic();
    let valid = first_is_letter && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    valid.then_some((scheme, rest))
}

/// An input artifact: where it is stored and what its producer recorded about it.
pub struct Input<A> {
    name: String,
    uri: String,
    path: PathBuf,
    metadata: Map<String, Value>,
    artifact_type: PhantomData<fn() -> A>,
}

impl<A: ArtifactType> Input<A> {
    pub(crate) fn new(
        name: String,
        uri: String,
        path: PathBuf,
        metadata: Map<String, Value>,
    ) -> Self {
        Self {
            name,
            uri,
            path,
            metadata,
            artifact_type: PhantomData,
        }
    }

    /// Returns the artifact's name as the orchestrator set it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the storage URI, such as `gs://bucket/run/task/data`.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Returns the local path of the artifact's file or directory (see [`local_path`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the metadata its producer wrote.
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }
}

impl<A: ArtifactType> fmt::Debug for Input<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Input")
            .field("type", &A::SCHEMA_TITLE)
            .field("uri", &self.uri)
            .field("path", &self.path)
            .field("metadata", &self.metadata)
            .finish()
    }
}

/// State of an output artifact shared between the component and the runtime, which reads
/// the metadata back once the component returns.
#[derive(Debug)]
pub(crate) struct OutputSlot {
    pub(crate) name: String,
    pub(crate) uri: String,
    pub(crate) path: PathBuf,
    pub(crate) metadata: Mutex<Map<String, Value>>,
}

impl OutputSlot {
    pub(crate) fn metadata(&self) -> MutexGuard<'_, Map<String, Value>> {
        // A panic while the lock was held leaves a map that is still valid JSON.
        self.metadata
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// An output artifact: the place to write it and the metadata to report with it.
pub struct Output<A> {
    slot: Arc<OutputSlot>,
    artifact_type: PhantomData<fn() -> A>,
}

impl<A: ArtifactType> Output<A> {
    pub(crate) fn new(slot: Arc<OutputSlot>) -> Self {
        Self {
            slot,
            artifact_type: PhantomData,
        }
    }

    /// Returns the storage URI where the artifact goes.
    pub fn uri(&self) -> &str {
        &self.slot.uri
    }

    /// Returns the local path to write the artifact's file or directory to. Its parent
    /// directory exists when the component starts.
    pub fn path(&self) -> &Path {
        &self.slot.path
    }

    /// Returns a copy of the metadata set so far.
    pub fn metadata(&self) -> Map<String, Value> {
        self.slot.metadata().clone()
    }

    /// Sets one metadata entry, reported with the artifact in the executor output.
    pub fn set_metadata(&self, key: impl Into<String>, value: impl Into<Value>) {
        self.slot.metadata().insert(key.into(), value.into());
    }

    /// Writes `contents` to [`path`](Self::path) through a temporary file in the same
    /// directory, so a reader never sees a partial file. Errors name the path.
    pub fn write(&self, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
        write_atomically(self.path(), contents.as_ref()).map_err(|error| {
            let message = format!("cannot write `{}`: {error}", self.path().display());
            std::io::Error::new(error.kind(), message)
        })
    }
}

impl<A: ArtifactType> fmt::Debug for Output<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("type", &A::SCHEMA_TITLE)
            .field("uri", &self.slot.uri)
            .field("path", &self.slot.path)
            .finish()
    }
}

/// Creates a directory and its parents, as [`std::fs::create_dir_all`], whose error for a
/// path below a regular file or a dangling symbolic link is only "File exists": this error
/// names that file or link instead.
pub(crate) fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir).map_err(|error| {
        // The first part of the path that exists, as a link if it is one.
        let found = dir
            .ancestors()
            .find(|ancestor| std::fs::symlink_metadata(ancestor).is_ok());
        match found {
            Some(link) if !link.exists() => std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "`{}` is a symbolic link to a missing target",
                    link.display()
                ),
            ),
            Some(file) if !file.is_dir() => std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                format!("`{}` is not a directory", file.display()),
            ),
            _ => error,
        }
    })
}

/// Writes a file through a temporary sibling and a rename, creating parent directories.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    stage(path, contents)?.commit()
}

/// A file written in full beside its destination, waiting to be renamed over it. Dropping
/// it removes the temporary file.
#[must_use]
pub(crate) struct Staged {
    /// `None` when the destination was written in place. Only the path is kept, closed,
    /// so that staging many files keeps no file descriptors open.
    file: Option<tempfile::TempPath>,
    path: PathBuf,
}

impl Staged {
    /// Renames the temporary file over the destination.
    pub(crate) fn commit(self) -> std::io::Result<()> {
        match self.file {
            Some(file) => file.persist(&self.path).map_err(|error| error.error),
            None => Ok(()),
        }
    }
}

/// Returns tempfile's error without the name of the temporary file that was not created,
/// which tempfile 3 appends as ` at path "..."` and keeps no other way.
fn without_temporary_path(error: std::io::Error) -> std::io::Error {
    let text = error.to_string();
    let message = text
        .split_once(" at path ")
        .map_or(text.as_str(), |(os, _)| os);
    std::io::Error::new(error.kind(), message.to_owned())
}

/// Writes `contents` to a temporary sibling of `path`, creating parent directories, for
/// [`Staged::commit`] to rename into place.
pub(crate) fn stage(path: &Path, contents: &[u8]) -> std::io::Result<Staged> {
    // A symbolic link keeps pointing where it did: the file it names is replaced instead.
    let path = match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    match std::fs::metadata(&path) {
        Ok(metadata) if metadata.is_dir() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory",
            ));
        }
        // A device, pipe or socket is written in place; renaming over it would replace it.
        Ok(metadata) if !metadata.is_file() => {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)?
                .write_all(contents)?;
            return Ok(Staged { file: None, path });
        }
        _ => {}
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    create_dir_all(parent)?;
    // No fsync: the rename already keeps readers from a partial file, and the next reader is
    // the orchestrator on this host once the process exits, as with KFP's own executor.
    // tempfile creates files readable by their owner only; outputs get the usual mode,
    // 0o666 less the umask, like any file a program creates.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    // tempfile's errors name the temporary file, which does not exist by the time the
    // error is read; the caller names the destination instead.
    let mut file = builder
        .tempfile_in(parent)
        .map_err(without_temporary_path)?;
    // Written through the inner `File`, for the same reason.
    file.as_file_mut().write_all(contents)?;
    Ok(Staged {
        file: Some(file.into_temp_path()),
        path,
    })
}

impl Output<Metrics> {
    /// Logs a scalar metric, shown by the KFP and Vertex UIs. NaN and infinities have no
    /// JSON form and are rejected.
    pub fn log_metric(&self, name: impl Into<String>, value: f64) -> Result<(), MetricsError> {
        let name = name.into();
        if !value.is_finite() {
            return Err(MetricsError(format!(
                "metric `{name}` is {value}, which JSON cannot represent"
            )));
        }
        self.set_metadata(name, value);
        Ok(())
    }
}

/// Metrics that JSON cannot carry, or classification metrics that do not fit together.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid metrics: {0}")]
pub struct MetricsError(String);

impl Output<ClassificationMetrics> {
    /// Logs a confusion matrix: `matrix[i][j]` counts items of class `categories[i]`
    /// predicted as `categories[j]`.
    pub fn log_confusion_matrix<S: AsRef<str>>(
        &self,
        categories: &[S],
        matrix: &[Vec<u64>],
    ) -> Result<(), MetricsError> {
        let size = categories.len();
        if matrix.len() != size || matrix.iter().any(|row| row.len() != size) {
            return Err(MetricsError(format!(
                "the confusion matrix must be {size}×{size} to match the {size} categories"
            )));
        }
        let specs: Vec<Value> = categories
            .iter()
            .map(|name| json!({ "displayName": name.as_ref() }))
            .collect();
        let rows: Vec<Value> = matrix.iter().map(|row| json!({ "row": row })).collect();
        let layout = json!({ "annotationSpecs": specs, "rows": rows });
        self.set_metadata("confusionMatrix", layout);
        Ok(())
    }

    /// Logs a ROC curve: one point per threshold, with its false positive rate and true
    /// positive rate (recall). Points add to those logged before.
    pub fn log_roc_curve(
        &self,
        false_positive_rate: &[f64],
        true_positive_rate: &[f64],
        threshold: &[f64],
    ) -> Result<(), MetricsError> {
        let count = threshold.len();
        if false_positive_rate.len() != count || true_positive_rate.len() != count {
            return Err(MetricsError(format!(
                "the ROC curve has {} false positive rates, {} true positive rates and {count} thresholds; they must be equal in number",
                false_positive_rate.len(),
                true_positive_rate.len()
            )));
        }
        let mut metadata = self.slot.metadata();
        let points = metadata
            .entry("confidenceMetrics")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(points) = points else {
            return Err(MetricsError(
                "metadata `confidenceMetrics` is not a list".into(),
            ));
        };
        for ((fpr, tpr), threshold) in false_positive_rate
            .iter()
            .zip(true_positive_rate)
            .zip(threshold)
        {
            points.push(json!({
                "confidenceThreshold": threshold,
                "recall": tpr,
                "falsePositiveRate": fpr,
            }));
        }
        Ok(())
    }
}

/// Metadata of one slice of [`SlicedClassificationMetrics`].
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Slice {
    /// Name of the slice, such as `island=Biscoe`.
    pub slice: String,
    /// Classification metrics of the slice, in the layout of [`ClassificationMetrics`].
    pub slice_classification_metrics: Map<String, Value>,
}

impl Output<SlicedClassificationMetrics> {
    /// Adds one slice to `evaluationSlices`.
    pub fn log_slice(&self, slice: Slice) {
        let mut metadata = self.slot.metadata();
        let slices = metadata
            .entry("evaluationSlices")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(slices) = slices {
            slices.push(json!(slice));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs_s3_minio_map_to_mounts() {
        assert_eq!(local_path("gs://b/x").unwrap(), Path::new("/gcs/b/x"));
        assert_eq!(local_path("s3://b/x").unwrap(), Path::new("/s3/b/x"));
        assert_eq!(local_path("minio://b/x").unwrap(), Path::new("/minio/b/x"));
        assert_eq!(
            local_path_under(Path::new("/runs"), "gs://b/x").unwrap(),
            Path::new("/runs/gcs/b/x")
        );
    }

    #[test]
    fn plain_paths_stay() {
        assert_eq!(local_path("relative/x").unwrap(), Path::new("relative/x"));
        assert_eq!(local_path("/a/b://c").unwrap(), Path::new("/a/b://c"));
    }

    #[test]
    fn unknown_scheme_rejected() {
        let error = local_path("ftp://x").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unsupported URI scheme `ftp://` in `ftp://x`; expected gs://, s3://, minio:// or a local path"
        );
        assert!(local_path("file:///tmp/x").is_err());
        assert_eq!(local_path("").unwrap_err(), UriError::Empty);
        assert!(local_path("gs://").is_err());
        assert!(local_path("gs://b/../../etc/passwd").is_err());
        assert_eq!(local_path("gs:///abs/x").unwrap(), Path::new("/gcs/abs/x"));
    }

    fn output<A: ArtifactType>() -> Output<A> {
        Output::new(Arc::new(OutputSlot {
            name: "m".into(),
            uri: "/tmp/m".into(),
            path: "/tmp/m".into(),
            metadata: Mutex::new(Map::new()),
        }))
    }

    #[test]
    fn confusion_matrix_layout() {
        let metrics = output::<ClassificationMetrics>();
        metrics
            .log_confusion_matrix(&["a", "b"], &[vec![1, 2], vec![3, 4]])
            .unwrap();
        let expected = json!({
            "annotationSpecs": [{"displayName": "a"}, {"displayName": "b"}],
            "rows": [{"row": [1, 2]}, {"row": [3, 4]}]
        });
        assert_eq!(metrics.metadata()["confusionMatrix"], expected);
        assert!(metrics.log_confusion_matrix(&["a"], &[vec![1, 2]]).is_err());
    }

    #[test]
    fn roc_curve_appends_points() {
        let metrics = output::<ClassificationMetrics>();
        metrics.log_roc_curve(&[0.0], &[0.1], &[0.8]).unwrap();
        metrics.log_roc_curve(&[0.5], &[0.9], &[0.2]).unwrap();
        let points = &metrics.metadata()["confidenceMetrics"];
        assert_eq!(
            points[1],
            json!({"confidenceThreshold": 0.2, "recall": 0.9, "falsePositiveRate": 0.5})
        );
        assert!(metrics.log_roc_curve(&[0.0], &[], &[0.1]).is_err());
    }

    #[test]
    fn metric_is_flat_entry() {
        let metrics = output::<Metrics>();
        metrics.log_metric("accuracy", 0.9).unwrap();
        assert_eq!(metrics.metadata()["accuracy"], json!(0.9));
        let error = metrics.log_metric("loss", f64::NAN).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid metrics: metric `loss` is NaN, which JSON cannot represent"
        );
    }
}
