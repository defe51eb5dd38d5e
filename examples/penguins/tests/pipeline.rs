//! The penguins pipeline end to end on the shipped data, through the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_penguins");

fn run(root: &Path, params: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(BIN);
    command.args(["run", "penguins", "--root"]).arg(root);
    for param in params {
        command.args(["--param", param]);
    }
    let output = command.output().unwrap();
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
    (
        output.status.code().unwrap_or(-1),
        text(output.stdout),
        text(output.stderr),
    )
}

fn metric(stdout: &str, line_prefix: &str) -> f64 {
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix(line_prefix))
        .unwrap_or_else(|| panic!("{stdout}"));
    line.parse().unwrap()
}

/// Returns the folder of the only run under `root`.
fn run_dir(root: &Path) -> PathBuf {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.file_name().unwrap().to_str().unwrap().starts_with('.'))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs.pop().unwrap()
}

#[test]
fn pipeline_runs_on_shipped_data() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(root.path(), &[]);
    assert_eq!(code, 0, "{stderr}");

    let accuracy = metric(&stdout, "  evaluate-2.metrics: accuracy = ");
    assert!(accuracy > 0.9, "accuracy {accuracy}");
    assert!(
        metric(&stdout, "  evaluate-2.metrics: macro_f1 = ") > 0.9,
        "{stdout}"
    );
    assert!(stdout.contains("  clean.Output = 11\n"), "{stdout}");
    assert!(stdout.contains("  load.Output = 344\n"), "{stdout}");
    for iteration in 0..3 {
        let trained = format!("for-loop-3-iteration-{iteration}/train-model  succeeded");
        assert!(stdout.contains(&trained), "{stdout}");
    }
    assert!(
        stdout.contains("model-card                          succeeded"),
        "{stdout}"
    );

    let run = run_dir(root.path());
    let card = std::fs::read_to_string(run.join("model-card/card")).unwrap();
    assert!(
        card.contains(&format!("{accuracy:.3}")) || card.contains("ccuracy"),
        "{card}"
    );
    let report = std::fs::read_to_string(run.join("run-report/report")).unwrap();
    assert!(report.contains("- state: **SUCCEEDED**"), "{report}");
}

#[test]
fn threshold_gates_the_card() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(root.path(), &["threshold=0.999", "test_fraction=0.5"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("model-card                          skipped    - (the condition of `condition-4` does not hold)"), "{stdout}");
    assert!(
        stdout.contains("  split.test_rows = 167\n") || stdout.contains("split.test_rows = 16"),
        "{stdout}"
    );
}

#[test]
fn missing_source_fails_load_and_reports() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(root.path(), &["source=/nonexistent/penguins.csv"]);
    assert_eq!(code, 9);
    assert!(
        stderr.contains("task `load` exited with code 5"),
        "{stderr}"
    );
    assert!(stderr.contains("/nonexistent/penguins.csv"), "{stderr}");
    assert!(
        stdout.contains("run-report                          succeeded"),
        "{stdout}"
    );
    let report = std::fs::read_to_string(run_dir(root.path()).join("run-report/report")).unwrap();
    assert!(report.contains("- state: **FAILED**"), "{report}");
    assert!(
        report.contains("task `load` exited with code 5"),
        "{report}"
    );
}

#[test]
fn compiles_for_vertex_with_gs_source() {
    let output = Command::new(BIN)
        .args([
            "compile",
            "penguins",
            "--image",
            "europe-docker.pkg.dev/p/r/penguins:1",
        ])
        .args(["--param", "source=gs://bucket/penguins.csv"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("# PIPELINE DEFINITION\n# Name: penguins\n"),
        "{text}"
    );
    assert!(
        text.contains("defaultValue: gs://bucket/penguins.csv"),
        "{text}"
    );
    assert!(
        text.contains("image: europe-docker.pkg.dev/p/r/penguins:1"),
        "{text}"
    );
}

#[test]
fn gs_source_maps_under_root() {
    let root = tempfile::tempdir().unwrap();
    let mounted = root.path().join("gcs/bucket/data/penguins.csv");
    std::fs::create_dir_all(mounted.parent().unwrap()).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv"),
        &mounted,
    )
    .unwrap();
    let output = Command::new(BIN)
        .args([
            "run",
            "penguins",
            "--param",
            "source=gs://bucket/data/penguins.csv",
            "--root",
        ])
        .arg(root.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("  load.Output = 344\n"), "{stdout}");
}
