//! The compiled penguins pipeline, run by the DockerRunner of kfp.local (kfp 2.17.3): kfp's
//! own orchestrator starts one container per task from the example's image, with no
//! network, and the outputs must equal those of `penguins run` on the same data.
//!
//! The outputs are compared, not only the status, because DockerRunner reports a task as
//! succeeded when its container is removed before its exit code is read.
//!
//! `scripts/test.sh` builds the image and names it in `VERTEX_TEST_IMAGE`. Without that
//! variable and without a reachable Docker engine, the test is skipped with a message.

#[path = "../../../tests/support/kfp.rs"]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_penguins");

fn engine_reachable() -> bool {
    Command::new("docker")
        .arg("info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Returns the image to run, or `None` where the test cannot run: no image was built and
/// no Docker engine is reachable.
fn image_or_skip() -> Option<String> {
    if let Ok(image) = std::env::var("VERTEX_TEST_IMAGE") {
        return Some(image);
    }
    assert!(
        !engine_reachable(),
        "VERTEX_TEST_IMAGE is not set: run scripts/test.sh, which builds the image with \
         scripts/image.sh"
    );
    eprintln!(
        "skipped: no Docker engine is reachable and VERTEX_TEST_IMAGE is not set; \
         scripts/test.sh builds the image and sets it"
    );
    None
}

/// Returns the only run folder under `root`.
fn run_dir(root: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("load").is_dir())
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs.into_iter().next().unwrap()
}

/// Returns the output files under `dir`, relative to it and sorted, without the kept
/// executor inputs and logs that only `penguins run` writes.
fn outputs_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = PathBuf::from(path.file_name().unwrap());
        if path.is_dir() {
            files.extend(outputs_under(&path).into_iter().map(|file| name.join(file)));
        } else if name != Path::new("executor_input.json") && name != Path::new("log.txt") {
            files.push(name);
        }
    }
    files.sort();
    files
}

/// Reads a file of a run and replaces the run's folder and name, which differ between two
/// runs, with placeholders.
fn normalized(run: &Path, file: &Path) -> String {
    let text = std::fs::read_to_string(run.join(file))
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", run.join(file).display()));
    let name = run.file_name().unwrap().to_str().unwrap();
    text.replace(run.to_str().unwrap(), "<run folder>")
        .replace(name, "<run name>")
}

/// Parses JSON with every number as a float. kfp.local passes artifact metadata through
/// a protobuf `Struct`, whose numbers are all doubles, so a component that copies an input
/// artifact's metadata writes `10.0` there where `penguins run` writes `10`.
fn json_numbers_as_f64(text: &str) -> Value {
    fn convert(value: Value) -> Value {
        match value {
            Value::Number(number) => json!(number.as_f64().unwrap()),
            Value::Array(items) => Value::Array(items.into_iter().map(convert).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .map(|(name, value)| (name, convert(value)))
                    .collect(),
            ),
            other => other,
        }
    }
    convert(serde_json::from_str(text).unwrap())
}

#[test]
fn docker_runner_matches_local_run() {
    let Some(image) = image_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // DockerRunner mounts only the pipeline root, so the table goes inside it. The image's
    // user (uid 65532) creates the run folders, so the root must be writable by it.
    let kfp_root = dir.path().join("kfp-root");
    let table = kfp_root.join("data/penguins.csv");
    std::fs::create_dir_all(table.parent().unwrap()).unwrap();
    std::fs::set_permissions(&kfp_root, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv"),
        &table,
    )
    .unwrap();

    let spec = dir.path().join("penguins.yaml");
    let compiled = Command::new(BIN)
        .args(["compile", "penguins", "--image", &image, "-o"])
        .arg(&spec)
        .output()
        .unwrap();
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let arguments = json!({"source": table});
    let printed = support::python_script(
        "run_docker.py",
        &[
            spec.as_os_str(),
            arguments.to_string().as_ref(),
            kfp_root.as_os_str(),
        ],
    );
    let outputs: Value = serde_json::from_str(printed.lines().last().unwrap_or_default())
        .unwrap_or_else(|error| panic!("run_docker.py printed no JSON ({error}): {printed}"));

    let local_root = dir.path().join("local-root");
    let local = Command::new(BIN)
        .args(["run", "penguins", "--param"])
        .arg(format!("source={}", table.display()))
        .arg("--root")
        .arg(&local_root)
        .output()
        .unwrap();
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );

    let in_docker = run_dir(&kfp_root);
    let on_host = run_dir(&local_root);
    let report = in_docker.join("run-report/report");
    assert_eq!(outputs["report"], json!(report));
    let files = outputs_under(&on_host);
    assert_eq!(outputs_under(&in_docker), files);
    for file in ["model-card/card", "split/executor_output.json"] {
        assert!(files.contains(&PathBuf::from(file)), "{file} in {files:?}");
    }
    for file in files
        .iter()
        .filter(|file| *file != Path::new("run-report/report"))
    {
        let (theirs, ours) = (normalized(&in_docker, file), normalized(&on_host, file));
        if file.ends_with("executor_output.json") {
            assert_eq!(
                json_numbers_as_f64(&theirs),
                json_numbers_as_f64(&ours),
                "{}",
                file.display()
            );
        } else {
            assert_eq!(theirs, ours, "{}", file.display());
        }
    }
    // kfp.local 2.17.3 gives the exit task a final status whose job name is
    // `local-pipeline-<exit handler>` and whose error is empty rather than absent, so the
    // report differs in those two lines.
    let report_lines = |run: &Path| -> Vec<String> {
        normalized(run, Path::new("run-report/report"))
            .lines()
            .filter(|line| !line.starts_with("- run: ") && *line != "- error: ")
            .map(str::to_owned)
            .collect()
    };
    let expected = ["# Run report", "", "- state: **SUCCEEDED**"];
    assert_eq!(report_lines(&in_docker), expected);
    assert_eq!(report_lines(&on_host), expected);
}
