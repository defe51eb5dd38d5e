//! `BIN exec` on real executor inputs: decoding, outputs, and every failure path with its
//! exit code and the guarantee that no executor output is left behind.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");

struct Run {
    code: i32,
    stderr: String,
    output: Option<Value>,
}

/// Runs a component with `parameters` and `artifacts` as inputs; outputs go under `dir`.
fn exec_in(dir: &Path, component: &str, inputs: Value, outputs: Value) -> Run {
    let output_file = dir.join("nested/dirs/executor_output.json");
    let mut outputs = outputs;
    outputs["outputFile"] = json!(output_file);
    let input = json!({"inputs": inputs, "outputs": outputs});
    exec_raw(dir, component, &input.to_string(), &output_file)
}

fn exec_raw(dir: &Path, component: &str, input: &str, output_file: &Path) -> Run {
    let result = Command::new(BIN)
        .args(["exec", component, "--executor-input", input])
        .env("VERTEX_MOUNT_ROOT", dir)
        .output()
        .expect("the test binary starts");
    let output = std::fs::read(output_file)
        .ok()
        .map(|bytes| serde_json::from_slice(&bytes).expect("the executor output is JSON"));
    Run {
        code: result.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
        output,
    }
}

fn exec(component: &str, parameters: Value) -> (Run, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let run = exec_in(
        dir.path(),
        component,
        json!({"parameterValues": parameters}),
        json!({}),
    );
    (run, dir)
}

fn echo_parameters() -> Value {
    json!({
        "text": "héllo ✓", "small": 255, "big": 18446744073709551615u64, "signed": -5.0,
        "ratio": 3, "single": 0.5, "flag": false, "items": [1.0, 2, -3.0], "names": ["a", ""],
        "scores": {"x": 1}, "counts": {"k": 2.0}, "raw": {"n": 1.0, "s": [true]},
        "config": {"depth": 4.0, "rate": 1, "tags": ["t"]}
    })
}

fn echoed(parameters: Value) -> Value {
    let (run, _dir) = exec("echo", parameters);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.output.expect("an executor output")["parameterValues"]["Output"].clone()
}

#[test]
fn integer_sent_as_float_is_integer() {
    let (run, _dir) = exec("add", json!({"a": 5.0, "b": 2}));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let output = run.output.unwrap();
    assert_eq!(output, json!({"parameterValues": {"Output": 7}}));
}

#[test]
fn integer_output_has_no_fraction() {
    let dir = tempfile::tempdir().unwrap();
    let input = json!({"parameterValues": {"a": 20.0}});
    exec_in(dir.path(), "add", input, json!({}));
    let text =
        std::fs::read_to_string(dir.path().join("nested/dirs/executor_output.json")).unwrap();
    assert_eq!(text, r#"{"parameterValues":{"Output":20}}"#);
}

#[test]
fn integer_rejects_fraction_bool_string() {
    for (value, shown) in [
        (json!(5.5), "5.5"),
        (json!(true), "true"),
        (json!("5"), "\"5\""),
    ] {
        let (run, _dir) = exec("add", json!({"a": value}));
        assert_eq!(run.code, 4, "{}", run.stderr);
        let expected =
            format!("error: component `add`: input `a`: expected an integer, got {shown}");
        assert_eq!(run.stderr.trim_end(), expected);
        assert!(run.output.is_none());
    }
}

#[test]
fn integer_out_of_range_names_type() {
    let mut parameters = echo_parameters();
    parameters["small"] = json!(256);
    let (run, _dir) = exec("echo", parameters);
    assert_eq!(run.code, 4);
    assert!(
        run.stderr
            .contains("input `small`: integer 256 is out of range for `u8` (0 to 255)"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_parameter_kind_decodes() {
    let output = echoed(echo_parameters());
    assert_eq!(output["text"], json!("héllo ✓"));
    assert_eq!(output["small"], json!(255));
    assert_eq!(output["big"], json!(u64::MAX));
    assert_eq!(output["signed"], json!(-5));
    assert_eq!(output["ratio"], json!(3.0));
    assert_eq!(output["items"], json!([1, 2, -3]));
    assert_eq!(output["counts"], json!({"k": 2}));
    assert_eq!(output["raw"], json!({"n": 1, "s": [true]}));
    assert_eq!(
        output["config"],
        json!({"depth": 4, "rate": 1.0, "tags": ["t"]})
    );
}

#[test]
fn float_input_sent_as_integer() {
    let output = echoed(echo_parameters());
    assert_eq!(output["ratio"].as_f64(), Some(3.0));
    assert!(output["ratio"].is_f64());
}

#[test]
fn defaults_apply_when_absent() {
    let output = echoed(echo_parameters());
    assert_eq!(output["epochs"], json!(3));
    assert_eq!(output["motto"], json!("a \"quoted\"\nline"));
    assert_eq!(output["y"], json!(false));
    assert_eq!(output["on"], json!(1.5));
    assert_eq!(output["no"], json!([1, 2]));
    assert_eq!(output["note"], Value::Null);
}

#[test]
fn null_means_not_given() {
    let mut parameters = echo_parameters();
    parameters["note"] = Value::Null;
    parameters["epochs"] = Value::Null;
    let output = echoed(parameters);
    assert_eq!(output["note"], Value::Null);
    assert_eq!(output["epochs"], json!(3));
}

#[test]
fn empty_and_zero_values_are_given() {
    let mut parameters = echo_parameters();
    parameters["note"] = json!("");
    parameters["epochs"] = json!(0);
    parameters["on"] = json!(0.0);
    parameters["y"] = json!(false);
    parameters["motto"] = json!("");
    let output = echoed(parameters);
    assert_eq!(output["note"], json!(""));
    assert_eq!(output["epochs"], json!(0));
    assert_eq!(output["on"], json!(0.0));
    assert_eq!(output["motto"], json!(""));
}

#[test]
fn unknown_parameter_keys_ignored() {
    let mut parameters = echo_parameters();
    parameters["pipelinechannel--add-Output"] = json!(4);
    let output = echoed(parameters);
    assert_eq!(output["text"], json!("héllo ✓"));
}

#[test]
fn missing_required_input_named() {
    let mut parameters = echo_parameters();
    parameters.as_object_mut().unwrap().remove("flag");
    let (run, _dir) = exec("echo", parameters);
    assert_eq!(run.code, 4);
    assert_eq!(
        run.stderr.trim_end(),
        "error: component `echo`: input `flag`: required input is missing"
    );
}

#[test]
fn struct_field_error_names_path() {
    let mut parameters = echo_parameters();
    parameters["config"]["depth"] = json!(4.5);
    let (run, _dir) = exec("echo", parameters);
    assert_eq!(run.code, 4);
    assert!(
        run.stderr.contains("input `config`: at `.depth`"),
        "{}",
        run.stderr
    );
}

#[test]
fn list_element_error_names_index() {
    let mut parameters = echo_parameters();
    parameters["items"] = json!([1, "two"]);
    let (run, _dir) = exec("echo", parameters);
    assert_eq!(run.code, 4);
    assert!(
        run.stderr
            .contains("input `items`: at `[1]`: expected an integer, got \"two\""),
        "{}",
        run.stderr
    );
}

fn artifact(uri: &str, title: &str, metadata: Value) -> Value {
    json!({"name": "a", "type": {"schemaTitle": title, "schemaVersion": "0.0.1"}, "uri": uri, "metadata": metadata})
}

fn artifact_outputs(dir: &Path) -> Value {
    let names = [
        ("copy", "system.Dataset"),
        ("model", "system.Model"),
        ("metrics", "system.Metrics"),
        ("classes", "system.ClassificationMetrics"),
        ("sliced", "system.SlicedClassificationMetrics"),
        ("page", "system.HTML"),
        ("card", "system.Markdown"),
        ("registered", "google.VertexModel"),
    ];
    let artifacts: serde_json::Map<String, Value> = names
        .iter()
        .map(|(name, title)| {
            let uri = dir.join("out").join(name).join("file");
            let mut spec = artifact(uri.to_str().unwrap(), title, json!({}));
            spec["name"] = json!(name);
            (name.to_string(), json!({"artifacts": [spec]}))
        })
        .collect();
    json!({"artifacts": artifacts})
}

fn artifact_inputs(table_uri: &str) -> Value {
    json!({"artifacts": {
        "table": {"artifacts": [artifact(table_uri, "system.Dataset", json!({"rows": 2.0}))]},
        "shards": {"artifacts": [
            artifact("/tmp/shard-0", "system.Artifact", json!({})),
            artifact("s3://b/shard-1", "system.Artifact", json!({}))
        ]}
    }})
}

#[test]
fn artifacts_written_with_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("table.csv");
    std::fs::write(&table, "a,b\n1,2\n").unwrap();
    let run = exec_in(
        dir.path(),
        "artifacts",
        artifact_inputs(table.to_str().unwrap()),
        artifact_outputs(dir.path()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let output = run.output.unwrap();
    assert_eq!(
        output["parameterValues"],
        json!({"total": 2, "label": "none", "ratio": 0.5})
    );
    let copy = &output["artifacts"]["copy"]["artifacts"][0];
    assert_eq!(copy["name"], json!("copy"));
    assert_eq!(copy["metadata"]["rows"], json!(2));
    assert_eq!(copy["metadata"]["upstream"], json!({"rows": 2.0}));
    assert_eq!(output["artifacts"].as_object().unwrap().len(), 8);
    let copied = std::fs::read_to_string(dir.path().join("out/copy/file")).unwrap();
    assert_eq!(copied, "a,b\n1,2\n");
    let metrics = &output["artifacts"]["metrics"]["artifacts"][0]["metadata"];
    assert_eq!(metrics, &json!({"rows": 2.0, "shards": 2.0}));
    let classes = &output["artifacts"]["classes"]["artifacts"][0]["metadata"];
    assert_eq!(
        classes["confusionMatrix"]["rows"],
        json!([{"row": [1, 2]}, {"row": [3, 4]}])
    );
    assert_eq!(classes["confidenceMetrics"].as_array().unwrap().len(), 2);
    let sliced = &output["artifacts"]["sliced"]["artifacts"][0]["metadata"];
    assert_eq!(sliced["evaluationSlices"][0]["slice"], json!("all"));
}

#[test]
fn gs_uri_maps_under_mount_root() {
    let dir = tempfile::tempdir().unwrap();
    let mounted = dir.path().join("gcs/bucket/table.csv");
    std::fs::create_dir_all(mounted.parent().unwrap()).unwrap();
    std::fs::write(&mounted, "x\n").unwrap();
    let run = exec_in(
        dir.path(),
        "artifacts",
        artifact_inputs("gs://bucket/table.csv"),
        artifact_outputs(dir.path()),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.output.unwrap()["parameterValues"]["total"], json!(1));
}

#[test]
fn unknown_uri_scheme_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let run = exec_in(
        dir.path(),
        "artifacts",
        artifact_inputs("ftp://x"),
        artifact_outputs(dir.path()),
    );
    assert_eq!(run.code, 4);
    assert_eq!(
        run.stderr.trim_end(),
        "error: component `artifacts`: input `table`: unsupported URI scheme `ftp://` in `ftp://x`; expected gs://, s3://, minio:// or a local path"
    );
    assert!(run.output.is_none());
}

#[test]
fn artifact_list_where_one_expected() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = artifact_inputs("/tmp/t");
    inputs["artifacts"]["table"] = inputs["artifacts"]["shards"].clone();
    let run = exec_in(
        dir.path(),
        "artifacts",
        inputs,
        artifact_outputs(dir.path()),
    );
    assert_eq!(run.code, 4);
    assert!(
        run.stderr
            .contains("input `table`: expected exactly one artifact, got a list of 2"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_output_artifact_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = artifact_outputs(dir.path());
    outputs["artifacts"].as_object_mut().unwrap().remove("card");
    let run = exec_in(dir.path(), "artifacts", artifact_inputs("/tmp/t"), outputs);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains("`outputs.artifacts.card` is missing"),
        "{}",
        run.stderr
    );
}

#[test]
fn err_exits_without_executor_output() {
    let dir = tempfile::tempdir().unwrap();
    let outputs = json!({"artifacts": {"out": {"artifacts": [artifact(dir.path().join("o").to_str().unwrap(), "system.Dataset", json!({}))]}}});
    let run = exec_in(
        dir.path(),
        "maybe-fail",
        json!({"parameterValues": {"fail": true}}),
        outputs,
    );
    assert_eq!(run.code, 5);
    assert_eq!(
        run.stderr.trim_end(),
        "error: component `maybe-fail` failed: asked to fail"
    );
    assert!(run.output.is_none());
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path().join("nested/dirs"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn panic_reported_on_one_line() {
    let (run, _dir) = exec("explode", json!({}));
    assert_eq!(run.code, 6);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: component `explode` panicked: boom at "),
        "{}",
        run.stderr
    );
    assert!(run.output.is_none());
}

#[test]
fn nan_output_rejected() {
    let (run, _dir) = exec("not-a-number", json!({}));
    assert_eq!(run.code, 7);
    assert!(
        run.stderr
            .contains("output `Output` of component `not-a-number`: NaN is not a finite number"),
        "{}",
        run.stderr
    );
    assert!(run.output.is_none());
}

#[test]
fn unknown_component_lists_known() {
    let (run, _dir) = exec("nope", json!({}));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "unknown component `nope`; this binary has: add, artifacts, big-output, echo"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn invalid_json_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    for (input, expected) in [
        ("{", "error: invalid executor input: EOF while parsing an object at line 1 column 1"),
        ("[]", "error: invalid executor input: expected a JSON object, got `[]`"),
        (r#"{"inputs": {}}"#, "error: invalid executor input: missing field `outputs` at line 1 column 14"),
        (r#"{"outputs": {"outputFile": ""}}"#, "error: invalid executor input: `outputs.outputFile` is empty"),
        (
            r#"{"inputs": {"parameterValues": []}, "outputs": {"outputFile": "/x"}}"#,
            "error: invalid executor input: at `inputs.parameterValues`: invalid type: sequence, expected a map at line 1 column 31",
        ),
    ] {
        let run = exec_raw(dir.path(), "add", input, &out);
        assert_eq!(run.code, 3, "{input}: {}", run.stderr);
        assert_eq!(run.stderr.trim_end(), expected);
    }
}

#[test]
fn output_file_that_is_directory() {
    let dir = tempfile::tempdir().unwrap();
    let input =
        json!({"inputs": {"parameterValues": {"a": 1}}, "outputs": {"outputFile": dir.path()}});
    let run = exec_raw(
        dir.path(),
        "add",
        &input.to_string(),
        Path::new("/nonexistent"),
    );
    assert_eq!(run.code, 7);
    assert!(
        run.stderr.contains("cannot write the executor output to"),
        "{}",
        run.stderr
    );
}

#[test]
fn executor_input_from_file_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("out.json");
    let input = json!({"inputs": {"parameterValues": {"a": 1, "b": 2}}, "outputs": {"outputFile": output_file}});
    let input_file = dir.path().join("input.json");
    std::fs::write(&input_file, input.to_string()).unwrap();
    let status = Command::new(BIN)
        .args(["exec", "add", "--executor-input-file"])
        .arg(&input_file)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        std::fs::read_to_string(&output_file).unwrap(),
        r#"{"parameterValues":{"Output":3}}"#
    );

    std::fs::remove_file(&output_file).unwrap();
    let mut child = Command::new(BIN)
        .args(["exec", "add", "--executor-input-file", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(
        std::fs::read_to_string(&output_file).unwrap(),
        r#"{"parameterValues":{"Output":3}}"#
    );
}

#[test]
fn executor_input_file_missing() {
    let output = Command::new(BIN)
        .args([
            "exec",
            "add",
            "--executor-input-file",
            "/nonexistent/input.json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end(),
        "error: invalid executor input: cannot read `/nonexistent/input.json`: No such file or directory (os error 2)"
    );
}

#[test]
fn deeply_nested_input_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let input = format!(
        r#"{{"inputs": {{"parameterValues": {{"a": {nested}}}}}, "outputs": {{"outputFile": "{}/o.json"}}}}"#,
        dir.path().display()
    );
    let input_file = dir.path().join("input.json");
    std::fs::write(&input_file, input).unwrap();
    let output = Command::new(BIN)
        .args(["exec", "add", "--executor-input-file"])
        .arg(&input_file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("recursion limit exceeded"), "{stderr}");
    assert!(!dir.path().join("o.json").exists());
}

#[test]
fn shell_metacharacters_arrive_intact() {
    let text = "it's \"$(rm -rf /)\" `id` ; | && \n\t ünïcödé ✓ \\ $HOME";
    let mut parameters = echo_parameters();
    parameters["text"] = json!(text);
    let output = echoed(parameters);
    assert_eq!(output["text"], json!(text));
}

#[test]
fn sigterm_stops_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("marker");
    let output_file = dir.path().join("out.json");
    let input = json!({
        "inputs": {"parameterValues": {"seconds": 30}},
        "outputs": {
            "artifacts": {"marker": {"artifacts": [{"name": "marker", "uri": marker, "metadata": {}}]}},
            "outputFile": output_file
        }
    });
    let child = Command::new(BIN)
        .args(["exec", "sleepy", "--executor-input", &input.to_string()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !marker.exists() {
        assert!(
            started.elapsed().as_secs() < 10,
            "the component did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert!(
        started.elapsed().as_secs() < 10,
        "the component did not stop promptly"
    );
    assert_eq!(output.status.code(), Some(143));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: component `sleepy` stopped by SIGTERM; no outputs were written\n"
    );
    assert!(!output_file.exists());
}

#[test]
fn output_file_symlink_kept() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.json");
    let link = dir.path().join("link.json");
    std::fs::write(&target, "old").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let input = json!({"inputs": {"parameterValues": {"a": 1}}, "outputs": {"outputFile": link}});
    let run = exec_raw(dir.path(), "add", &input.to_string(), &target);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(run.output, Some(json!({"parameterValues": {"Output": 1}})));
}

#[test]
fn output_file_fifo_written_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader_path = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read_to_string(reader_path).unwrap());
    let input = json!({"inputs": {"parameterValues": {"a": 2}}, "outputs": {"outputFile": fifo}});
    let run = exec_raw(
        dir.path(),
        "add",
        &input.to_string(),
        Path::new("/nonexistent"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        reader.join().unwrap(),
        r#"{"parameterValues":{"Output":2}}"#
    );
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
}

#[test]
fn stale_output_removed_on_failure() {
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("nested/dirs/executor_output.json");
    std::fs::create_dir_all(output_file.parent().unwrap()).unwrap();
    std::fs::write(&output_file, r#"{"parameterValues":{"Output":99}}"#).unwrap();
    let outputs = json!({"artifacts": {"out": {"artifacts": [artifact(dir.path().join("o").to_str().unwrap(), "system.Dataset", json!({}))]}}});
    let run = exec_in(
        dir.path(),
        "maybe-fail",
        json!({"parameterValues": {"fail": true}}),
        outputs,
    );
    assert_eq!(run.code, 5);
    assert!(run.output.is_none());
    assert!(!output_file.exists());
}

#[test]
fn output_directory_rejected_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let artifact_path = dir.path().join("o");
    let outputs = json!({
        "artifacts": {"out": {"artifacts": [artifact(artifact_path.to_str().unwrap(), "system.Dataset", json!({}))]}},
        "outputFile": dir.path()
    });
    let input = json!({"inputs": {"parameterValues": {"fail": false}}, "outputs": outputs});
    let run = exec_raw(
        dir.path(),
        "maybe-fail",
        &input.to_string(),
        Path::new("/nonexistent"),
    );
    assert_eq!(run.code, 7);
    assert!(run.stderr.contains("it is a directory"), "{}", run.stderr);
    assert!(!artifact_path.exists(), "the component ran");
}

#[test]
fn panic_on_worker_thread_named() {
    let (run, _dir) = exec("thread-panic", json!({}));
    assert_eq!(run.code, 6);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("after an earlier panic: worker gave up at "),
        "{}",
        run.stderr
    );
}

#[test]
fn integer_output_beyond_float_precision_rejected() {
    let (run, _dir) = exec("big-output", json!({}));
    assert_eq!(run.code, 7);
    assert!(
        run.stderr
            .contains("integer 18446744073709551615 is beyond ±2^53"),
        "{}",
        run.stderr
    );
    assert!(run.output.is_none());
}

#[test]
fn pipeline_name_hint_on_exec() {
    let (run, _dir) = exec("arithmetic", json!({}));
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim_end(),
        "error: `arithmetic` is a pipeline, not a component; run it with `run arithmetic` or compile it with `compile arithmetic`"
    );
}

#[test]
fn bare_artifact_where_list_expected() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = artifact_inputs("/tmp/t");
    inputs["artifacts"]["shards"] = artifact("/tmp/shard", "system.Artifact", json!({}));
    let run = exec_in(
        dir.path(),
        "artifacts",
        inputs,
        artifact_outputs(dir.path()),
    );
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains(
            "at `inputs.artifacts.shards.metadata`: unknown field `metadata`, expected `artifacts`"
        ),
        "{}",
        run.stderr
    );
}
