//! Conformance of the penguins components and pipeline with the real kfp 2.17.3 client.

#[path = "../../../tests/support/kfp.rs"]
mod support;

use serde_json::{json, Value};
use support::{harness, run_through_kfp_local, write_spec};

const BIN: &str = env!("CARGO_BIN_EXE_penguins");
const TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv");

fn dataset(uri: &str) -> Value {
    json!({"artifact": {"uri": uri, "schemaTitle": "system.Dataset"}})
}

fn model(uri: &str) -> Value {
    json!({"artifact": {"uri": uri, "schemaTitle": "system.Model"}})
}

#[test]
fn every_component_loads_and_compiles() {
    let dir = tempfile::tempdir().unwrap();
    let components = [
        ("load", json!({"source": TABLE})),
        ("clean", json!({"raw": dataset(TABLE), "min_rows": 10})),
        ("split", json!({"cleaned": dataset(TABLE)})),
        ("train-model", json!({"train": dataset(TABLE), "trees": 3})),
        (
            "select-best",
            json!({"models": [model(TABLE), model(TABLE)], "accuracies": [0.5, 0.9]}),
        ),
        (
            "evaluate",
            json!({"model": model(TABLE), "test": dataset(TABLE)}),
        ),
        (
            "model-card",
            json!({
                "model": model(TABLE),
                "metrics": {"artifact": {"uri": TABLE, "schemaTitle": "system.Metrics"}},
                "raw_rows": 344, "dropped_rows": 11, "train_rows": 266, "test_rows": 67,
                "test_fraction": 0.2, "split_seed": 42
            }),
        ),
    ];
    for (component, args) in components {
        let spec = write_spec(BIN, component, dir.path());
        let loaded = harness(&[
            "load-component".as_ref(),
            spec.as_os_str(),
            "--args".as_ref(),
            args.to_string().as_ref(),
        ]);
        assert_eq!(loaded["name"], component);
        assert!(
            loaded["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{component}"
        );
    }
}

#[test]
fn clean_through_kfp_local() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(BIN, "clean", dir.path());
    let outputs =
        run_through_kfp_local(BIN, &spec, "clean", &json!({"raw": dataset(TABLE)}), false);
    assert_eq!(
        outputs["parameters"]["Output"],
        json!({"value": 11, "python_type": "int"})
    );
    assert_eq!(outputs["artifacts"]["cleaned"]["metadata"]["rows"], 333.0);
}

#[test]
fn compiled_pipeline_parses_as_pipeline_spec() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("penguins.yaml");
    let status = std::process::Command::new(BIN)
        .args([
            "compile",
            "penguins",
            "--image",
            "img:1",
            "--param",
            "source=gs://bucket/penguins.csv",
            "-o",
        ])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let summary = harness(&["parse-pipeline".as_ref(), file.as_os_str()]);
    assert_eq!(summary["name"], "penguins");
    let tasks = summary["tasks"].as_object().unwrap();
    let names: Vec<&str> = tasks.keys().map(String::as_str).collect();
    assert_eq!(names, ["exit-handler-1", "run-report"]);
    assert_eq!(
        tasks["run-report"]["dependentTasks"],
        json!(["exit-handler-1"])
    );
    assert_eq!(
        summary["inputs"]["parameters"]["source"]["defaultValue"],
        "gs://bucket/penguins.csv"
    );
}
