//! The example's `FROM scratch` image runs a component as a KFP task would: the static
//! binary alone, with the executor input as its only argument.
//!
//! `scripts/test.sh` builds the image with `scripts/image.sh` and names it in
//! `VERTEX_TEST_IMAGE`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn image() -> String {
    std::env::var("VERTEX_TEST_IMAGE")
        .expect("VERTEX_TEST_IMAGE is not set: run scripts/test.sh, which builds the image with scripts/image.sh")
}

fn docker_run(volume: &Path, args: &[&str]) -> Output {
    let mount = format!("{0}:{0}", volume.display());
    Command::new("docker")
        .args(["run", "--rm", "--network", "none", "-v", &mount, &image()])
        .args(args)
        .output()
        .expect("docker starts")
}

#[test]
fn image_lists_components() {
    let dir = tempfile::tempdir().unwrap();
    let output = docker_run(dir.path(), &["list"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("component clean\n"), "{stdout}");
    assert!(stdout.contains("pipeline penguins\n"), "{stdout}");
}

#[test]
fn image_runs_component_on_executor_input() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("gcs/bucket/penguins.csv");
    std::fs::create_dir_all(table.parent().unwrap()).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv"),
        &table,
    )
    .unwrap();
    let output_file = dir.path().join("task/executor_output.json");
    let cleaned = dir.path().join("task/cleaned");
    let input = json!({
        "inputs": {
            "parameterValues": {"min_rows": 100.0},
            "artifacts": {"raw": {"artifacts": [{
                "name": "raw", "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
                "uri": table, "metadata": {}
            }]}}
        },
        "outputs": {
            "artifacts": {"cleaned": {"artifacts": [{
                "name": "cleaned", "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
                "uri": cleaned, "metadata": {}
            }]}},
            "outputFile": output_file
        }
    });
    let output = docker_run(
        dir.path(),
        &["exec", "clean", "--executor-input", &input.to_string()],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&output_file).unwrap()).unwrap();
    assert_eq!(written["parameterValues"]["Output"], 11);
    assert_eq!(
        written["artifacts"]["cleaned"]["artifacts"][0]["metadata"]["rows"],
        333
    );
    assert_eq!(
        std::fs::read_to_string(&cleaned).unwrap().lines().count(),
        334
    );
}

#[test]
fn image_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = docker_run(dir.path(), &["exec", "clean", "--executor-input", "{"]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: invalid executor input: EOF while parsing"),
        "{stderr}"
    );
}
