//! Conformance with the real kfp 2.17.3 client: kfp loads what `spec` and `compile` emit,
//! compiles it inside a Python pipeline, builds executor inputs with kfp.local's own code,
//! and reads the outputs of `exec` back.

#[path = "../support/kfp.rs"]
mod support;

use serde_json::{json, Value};
use support::{harness, harness_raw, run_through_kfp_local, write_spec};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");

fn artifact(uri: &str, title: &str) -> Value {
    json!({"artifact": {"uri": uri, "schemaTitle": title, "metadata": {"rows": 2}}})
}

/// Arguments of `echo` for kfp's pipeline compiler, which rejects an integer for a float.
fn echo_compile_args() -> Value {
    let mut args = echo_args();
    args["ratio"] = json!(3.5);
    args
}

fn echo_args() -> Value {
    json!({
        "text": "héllo ✓\n\"quoted\"", "small": 255, "big": 9007199254740993u64, "signed": -5,
        "ratio": 3, "single": 0.5, "flag": true, "items": [1, 2, -3], "names": ["a", ""],
        "scores": {"x": 1.5}, "counts": {"k": 2}, "raw": {"n": 1, "s": [true]},
        "config": {"depth": 4, "rate": 1, "tags": ["t"]}
    })
}

/// Sample arguments for each kitchen-sink component; `table` exists on disk.
fn component_args(dir: &std::path::Path) -> Vec<(&'static str, Value)> {
    let table = dir.join("table.csv");
    std::fs::write(&table, "a,b\n1,2\n3,4\n").unwrap();
    let table = table.to_str().unwrap().to_owned();
    vec![
        ("add", json!({"a": 40, "b": 2})),
        ("echo", echo_compile_args()),
        (
            "artifacts",
            json!({
                "table": artifact(&table, "system.Dataset"),
                "shards": [artifact(&table, "system.Artifact"), artifact(&table, "system.Artifact")]
            }),
        ),
        ("increment", json!({"x": 1})),
    ]
}

#[test]
fn specs_load_and_compile_in_kfp() {
    let dir = tempfile::tempdir().unwrap();
    for (component, args) in component_args(dir.path()) {
        let spec = write_spec(BIN, component, dir.path());
        let loaded = harness(&[
            "load-component".as_ref(),
            spec.as_os_str(),
            "--args".as_ref(),
            args.to_string().as_ref(),
        ]);
        assert_eq!(loaded["name"], component);
        assert_eq!(loaded["image"], "example.com/image:1");
        assert_eq!(loaded["command"], json!(["/usr/local/bin/kitchen-sink"]));
        let fingerprint = loaded["args"][5].as_str().unwrap_or_default();
        assert_eq!(fingerprint.len(), 16, "{}", loaded["args"]);
        assert!(fingerprint.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_eq!(
            loaded["args"],
            json!([
                "exec",
                component,
                "--executor-input",
                "{{$}}",
                "--fingerprint",
                fingerprint,
                "--run-name",
                "{{$.pipeline_job_name}}",
                "--task-name",
                "{{$.pipeline_task_name}}"
            ])
        );
        let tasks = loaded["pipeline"]["tasks"].as_object().unwrap();
        assert_eq!(tasks.len(), 1, "{component}: {tasks:?}");
    }
}

#[test]
fn spec_interface_as_kfp_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(BIN, "echo", dir.path());
    let loaded = harness(&[
        "load-component".as_ref(),
        spec.as_os_str(),
        "--args".as_ref(),
        echo_compile_args().to_string().as_ref(),
    ]);
    assert_eq!(
        loaded["description"],
        "Echoes every parameter type back as a struct."
    );
    let inputs = &loaded["inputs"];
    let expected_types = [
        ("text", "STRING"),
        ("small", "NUMBER_INTEGER"),
        ("big", "NUMBER_INTEGER"),
        ("ratio", "NUMBER_DOUBLE"),
        ("single", "NUMBER_DOUBLE"),
        ("flag", "BOOLEAN"),
        ("items", "LIST"),
        ("scores", "STRUCT"),
        ("counts", "STRUCT"),
        ("raw", "STRUCT"),
        ("config", "STRUCT"),
        ("note", "STRING"),
    ];
    for (name, parameter_type) in expected_types {
        assert_eq!(inputs[name]["type"], parameter_type, "{name}");
    }
    assert_eq!(inputs["text"]["optional"], false);
    assert_eq!(inputs["text"]["description"], "any string");
    assert_eq!(inputs["note"]["optional"], true);
    assert_eq!(inputs["note"]["default"], Value::Null);
    assert_eq!(inputs["epochs"]["default"], 3);
    assert_eq!(inputs["motto"]["default"], "a \"quoted\"\nline");
    assert_eq!(inputs["y"]["default"], false);
    assert_eq!(inputs["on"]["default"], 1.5);
    assert_eq!(inputs["no"]["default"], json!([1, 2]));
    assert_eq!(loaded["outputs"]["Output"]["type"], "STRUCT");
}

#[test]
fn artifact_interface_as_kfp_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let args = component_args(dir.path()).remove(2).1;
    let spec = write_spec(BIN, "artifacts", dir.path());
    let loaded = harness(&[
        "load-component".as_ref(),
        spec.as_os_str(),
        "--args".as_ref(),
        args.to_string().as_ref(),
    ]);
    let inputs = &loaded["inputs"];
    assert_eq!(inputs["table"]["type"], "system.Dataset");
    assert_eq!(inputs["table"]["optional"], false);
    assert_eq!(inputs["extra"]["optional"], true);
    assert_eq!(inputs["shards"]["is_artifact_list"], true);
    let outputs = &loaded["outputs"];
    assert_eq!(outputs["registered"]["type"], "google.VertexModel");
    assert_eq!(
        outputs["sliced"]["type"],
        "system.SlicedClassificationMetrics"
    );
    assert_eq!(outputs["page"]["type"], "system.HTML");
    assert_eq!(outputs["total"]["type"], "NUMBER_INTEGER");
    assert_eq!(outputs["label"]["type"], "STRING");
}

fn outputs_in(dir: &std::path::Path, component: &str, args: Value, backend: bool) -> Value {
    let spec = write_spec(BIN, component, dir);
    run_through_kfp_local(BIN, &spec, component, &args, backend)
}

fn outputs_of(component: &str, args: Value, backend: bool) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(BIN, component, dir.path());
    run_through_kfp_local(BIN, &spec, component, &args, backend)
}

#[test]
fn kfp_local_reads_integer_output() {
    for backend in [false, true] {
        let outputs = outputs_of("add", json!({"a": 40, "b": 2}), backend);
        assert_eq!(
            outputs["parameters"]["Output"],
            json!({"value": 42, "python_type": "int"})
        );
    }
}

#[test]
fn kfp_local_default_applies() {
    let outputs = outputs_of("add", json!({"a": 40}), false);
    assert_eq!(outputs["parameters"]["Output"]["value"], 40);
}

#[test]
fn every_parameter_round_trips() {
    for backend in [false, true] {
        let outputs = outputs_of("echo", echo_args(), backend);
        let echoed = &outputs["parameters"]["Output"]["value"];
        assert_eq!(echoed["text"], "héllo ✓\n\"quoted\"");
        assert_eq!(echoed["small"], 255.0);
        assert_eq!(echoed["signed"], -5.0);
        assert_eq!(echoed["ratio"], 3.0);
        assert_eq!(echoed["flag"], true);
        assert_eq!(echoed["items"], json!([1.0, 2.0, -3.0]));
        assert_eq!(
            echoed["config"],
            json!({"depth": 4.0, "rate": 1.0, "tags": ["t"]})
        );
        assert_eq!(echoed["note"], Value::Null);
        assert_eq!(echoed["epochs"], 3.0);
        assert_eq!(echoed["motto"], "a \"quoted\"\nline");
        assert_eq!(echoed["no"], json!([1.0, 2.0]));
    }
}

#[test]
fn integer_beyond_float_precision_survives_backend() {
    // kfp.local sends every number as a double, so only the backend rendering keeps 2^53 + 1.
    let outputs = outputs_of("echo", echo_args(), true);
    let big = &outputs["parameters"]["Output"]["value"]["big"];
    assert_eq!(big.as_f64(), Some(9007199254740992.0));
}

#[test]
fn kfp_local_reads_artifacts_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let args = component_args(dir.path()).remove(2).1;
    for backend in [false, true] {
        let outputs = outputs_in(dir.path(), "artifacts", args.clone(), backend);
        let parameters = &outputs["parameters"];
        assert_eq!(
            parameters["total"],
            json!({"value": 3, "python_type": "int"})
        );
        assert_eq!(parameters["label"]["value"], "none");
        assert_eq!(
            parameters["ratio"],
            json!({"value": 0.5, "python_type": "float"})
        );
        let artifacts = &outputs["artifacts"];
        assert_eq!(artifacts["copy"]["schema_title"], "system.Dataset");
        assert_eq!(artifacts["copy"]["metadata"]["rows"], 3.0);
        assert_eq!(
            artifacts["metrics"]["metadata"],
            json!({"rows": 3.0, "shards": 2.0})
        );
        let matrix = &artifacts["classes"]["metadata"]["confusionMatrix"];
        assert_eq!(
            matrix["annotationSpecs"],
            json!([{"displayName": "a"}, {"displayName": "b"}])
        );
        assert_eq!(
            artifacts["registered"]["metadata"]["resourceName"],
            "projects/p/models/1"
        );
        let copied = std::fs::read_to_string(artifacts["copy"]["uri"].as_str().unwrap()).unwrap();
        assert_eq!(copied, "a,b\n1,2\n3,4\n");
    }
}

#[test]
fn kfp_local_orchestrator_runs_binary() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(BIN, "add", dir.path());
    let root = dir.path().join("root");
    let args = [
        "run-local".as_ref(),
        spec.as_os_str(),
        "--args".as_ref(),
        r#"{"a": 40, "b": 2}"#.as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
        "--binary".as_ref(),
        BIN.as_ref(),
    ];
    let outputs = harness(&args);
    assert_eq!(
        outputs["parameters"]["Output"],
        json!({"value": 42, "python_type": "int"})
    );
}

#[test]
fn kfp_local_orchestrator_reports_failure() {
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(BIN, "add", dir.path());
    let root = dir.path().join("root");
    let args = [
        "run-local".as_ref(),
        spec.as_os_str(),
        "--args".as_ref(),
        r#"{"a": 100000000000000000000}"#.as_ref(),
        "--root".as_ref(),
        root.as_os_str(),
        "--binary".as_ref(),
        BIN.as_ref(),
    ];
    let error = harness_raw(&args).unwrap_err();
    assert!(error.contains("FAILURE"), "{error}");
    assert!(
        error.contains("input `a`: integer 1e+20 is out of range for `i64`"),
        "{error}"
    );
}

/// A pipeline whose inputs are an artifact and a list of artifacts compiles to a spec that
/// kfp loads as a pipeline.
#[test]
fn pipeline_artifact_inputs_load_in_kfp() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("given.yaml");
    let status = std::process::Command::new(BIN)
        .args(["compile", "given-artifacts", "--image", "img:1", "-o"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let summary = harness(&["parse-pipeline".as_ref(), file.as_os_str()]);
    assert_eq!(summary["name"], "given-artifacts");
    assert_eq!(summary["loaded_as"], "graph");
    assert!(summary["tasks"].get("line-count").is_some(), "{summary}");
    assert!(summary["tasks"].get("sum-files").is_some(), "{summary}");
}

#[test]
fn compiled_pipeline_parses_as_pipeline_spec() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("arithmetic.yaml");
    let status = std::process::Command::new(BIN)
        .args(["compile", "arithmetic", "--image", "img:1", "-o"])
        .arg(&file)
        .status()
        .unwrap();
    assert!(status.success());
    let summary = harness(&["parse-pipeline".as_ref(), file.as_os_str()]);
    assert_eq!(summary["name"], "arithmetic");
    assert_eq!(summary["loaded_as"], "graph");
    let tasks = &summary["tasks"];
    assert_eq!(tasks["add-2"]["dependentTasks"], json!(["add"]));
    assert_eq!(
        tasks["increment"]["dependentTasks"],
        json!(["add", "add-2"])
    );
    assert_eq!(tasks["add"]["componentRef"], "comp-add");
}

/// Reads a spec file as kfp reads it, with PyYAML.
fn read_as_kfp(path: &std::path::Path) -> Value {
    let json = support::python_script("yaml_to_json.py", &[path]);
    serde_json::from_str(&json).unwrap()
}

/// Removes what legitimately differs between the two compilers: descriptions (kfp's loader
/// drops input descriptions), the SDK version, and `3.0` against `3` for whole numbers.
fn normalized(mut value: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(fields) => {
                fields.remove("description");
                fields.remove("sdkVersion");
                fields.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut value);
    vertex_runtime::param::whole_floats_to_integers(value)
}

/// Compiles `pipeline` with `kitchen-sink compile` and with kfp's DSL over the same
/// component files, and checks that the two specs are the same.
fn assert_same_as_kfp_dsl(pipeline: &str) {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    let ours = dir.path().join("ours.yaml");
    let theirs = dir.path().join("theirs.yaml");
    let status = std::process::Command::new(BIN)
        .args(["spec", "--all", "--image", "img:1", "--out-dir"])
        .arg(&specs)
        .status()
        .unwrap();
    assert!(status.success());
    let status = std::process::Command::new(BIN)
        .args(["compile", pipeline, "--image", "img:1", "-o"])
        .arg(&ours)
        .status()
        .unwrap();
    assert!(status.success());
    support::python_script(
        "dsl_pipelines.py",
        &[specs.as_os_str(), pipeline.as_ref(), theirs.as_os_str()],
    );
    let ours = normalized(read_as_kfp(&ours));
    let theirs = normalized(read_as_kfp(&theirs));
    assert_eq!(
        ours,
        theirs,
        "ours:\n{}\nkfp's:\n{}",
        serde_json::to_string_pretty(&ours).unwrap(),
        serde_json::to_string_pretty(&theirs).unwrap()
    );
}

#[test]
fn arithmetic_matches_kfp_dsl() {
    assert_same_as_kfp_dsl("arithmetic");
}

#[test]
fn task_settings_match_kfp_dsl() {
    assert_same_as_kfp_dsl("settings");
}

#[test]
fn nested_pipeline_and_importer_match_kfp_dsl() {
    assert_same_as_kfp_dsl("outer");
}

#[test]
fn loops_and_collected_match_kfp_dsl() {
    assert_same_as_kfp_dsl("loops");
}

#[test]
fn loop_over_upstream_list_matches_kfp_dsl() {
    assert_same_as_kfp_dsl("fan");
}

#[test]
fn conditions_and_exit_handler_match_kfp_dsl() {
    assert_same_as_kfp_dsl("flow");
}

#[test]
fn one_of_matches_kfp_dsl() {
    assert_same_as_kfp_dsl("choose");
}

/// Runs `pipeline` with `BIN run` and returns its pipeline outputs, parsed from the summary.
fn local_run_outputs(
    pipeline: &str,
    params: &[&str],
    root: &std::path::Path,
) -> serde_json::Map<String, Value> {
    let mut command = std::process::Command::new(BIN);
    command
        .args(["run", pipeline, "--root"])
        .arg(root)
        .env("VERTEX_MOUNT_ROOT", root);
    for param in params {
        command.args(["--param", param]);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let section = stdout
        .split("pipeline outputs:\n")
        .nth(1)
        .unwrap_or_default();
    section
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.trim().split_once(" = "))
        .map(|(name, value)| (name.to_owned(), serde_json::from_str(value).unwrap()))
        .collect()
}

/// Runs `pipeline`, compiled to run this binary, through kfp.local's own orchestrator.
fn kfp_local_outputs(
    pipeline: &str,
    arguments: &Value,
    root: &std::path::Path,
) -> serde_json::Map<String, Value> {
    let spec = root.join(format!("{pipeline}.yaml"));
    let status = std::process::Command::new(BIN)
        .args(["compile", pipeline, "--binary", BIN, "-o"])
        .arg(&spec)
        .status()
        .unwrap();
    assert!(status.success());
    let stdout = support::python_script_with_env(
        "run_pipeline.py",
        &[
            spec.as_os_str(),
            arguments.to_string().as_ref(),
            root.as_os_str(),
        ],
        &[("VERTEX_MOUNT_ROOT", root)],
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap()
}

#[test]
fn kfp_local_and_local_runner_agree() {
    let cases: [(&str, Value, &[&str]); 5] = [
        ("arithmetic", json!({"b": 3}), &["b=3"]),
        ("outer", json!({}), &[]),
        ("fan", json!({"n": 4}), &["n=4"]),
        ("choose", json!({"n": 9}), &["n=9"]),
        ("flow", json!({"name": "stop"}), &["name=stop"]),
    ];
    for (pipeline, arguments, params) in cases {
        let dir = tempfile::tempdir().unwrap();
        // The importer of `outer` reads gs://b/data.csv, mapped under the mount root.
        let kfp_root = dir.path().join("kfp-local");
        for root in [dir.path(), kfp_root.as_path()] {
            let table = root.join("gcs/b/data.csv");
            std::fs::create_dir_all(table.parent().unwrap()).unwrap();
            std::fs::write(&table, "a\nb\nc\n").unwrap();
        }
        let theirs = kfp_local_outputs(pipeline, &arguments, &kfp_root);
        let ours = local_run_outputs(pipeline, params, dir.path());
        assert_eq!(ours, theirs, "{pipeline}");
        assert!(!ours.is_empty(), "{pipeline}");
    }
}

#[test]
fn kfp_local_misreads_outer_output_in_loop() {
    // kfp.local 2.17.3 passes the loop item where a task inside a ParallelFor reads an
    // output from outside the loop; it does so for kfp's own spec of this pipeline too
    // (equal specs: `loops_and_collected_match_kfp_dsl`). The local runner passes the output.
    let dir = tempfile::tempdir().unwrap();
    let theirs = kfp_local_outputs("loops", &json!({}), &dir.path().join("kfp-local"));
    let ours = local_run_outputs("loops", &[], dir.path());
    assert_eq!(theirs["Output"], 12);
    assert_eq!(ours["Output"], 15);
}

#[test]
fn struct_loop_items_match_kfp_dsl() {
    assert_same_as_kfp_dsl("structs");
}

#[test]
fn nested_loops_match_kfp_dsl() {
    assert_same_as_kfp_dsl("nested-loops");
}
