//! The penguins pipeline end to end on the shipped data, through the real binary.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_penguins");

fn pipeline_output(stdout: &str, name: &str) -> Option<String> {
    let prefix = format!("  {name} = ");
    stdout
        .lines()
        .find_map(|line| line.strip_prefix(&prefix).map(str::to_owned))
}

#[test]
fn pipeline_runs_on_shipped_data() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["run", "penguins", "--root"])
        .arg(root.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");

    let accuracy: f64 = pipeline_output(&stdout, "accuracy")
        .unwrap()
        .parse()
        .unwrap();
    assert!(accuracy > 0.9, "accuracy {accuracy}");
    assert!(stdout.contains("  clean.Output = 11\n"), "{stdout}");
    assert!(stdout.contains("  load.Output = 344\n"), "{stdout}");
    assert!(stdout.contains("evaluate.metrics: macro_f1 = "), "{stdout}");

    let card_path = pipeline_output(&stdout, "card").unwrap();
    let card = std::fs::read_to_string(card_path).unwrap();
    assert!(
        card.contains(&format!("{accuracy:.3}")) || card.contains("Accuracy"),
        "{card}"
    );
}

#[test]
fn pipeline_params_change_run() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args([
            "run",
            "penguins",
            "--param",
            "trees=5",
            "--param",
            "test_fraction=0.5",
            "--root",
        ])
        .arg(root.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("  split.test_rows = 167\n") || stdout.contains("split.test_rows = 16"),
        "{stdout}"
    );
}

#[test]
fn missing_source_fails_load() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args([
            "run",
            "penguins",
            "--param",
            "source=/nonexistent/penguins.csv",
            "--root",
        ])
        .arg(root.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(9));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("task `load` exited with code 5"),
        "{stderr}"
    );
    assert!(stderr.contains("/nonexistent/penguins.csv"), "{stderr}");
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
            "--param",
            "trees=5",
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
