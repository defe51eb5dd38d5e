//! `VERTEX_LOG_FORMAT=json`: every line `BIN exec` prints is one Cloud Logging entry on
//! standard output, for a success and for each way a task fails.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");

const SEVERITIES: [&str; 4] = ["DEBUG", "INFO", "WARNING", "ERROR"];

fn json_exec(dir: &Path, component: &str, inputs: Value, extra: &[&str]) -> Output {
    let input = json!({
        "inputs": inputs,
        "outputs": {
            "artifacts": {"out": {"artifacts": [{"name": "out", "uri": dir.join("out"), "metadata": {}}]}},
            "outputFile": dir.join("executor_output.json")
        }
    });
    Command::new(BIN)
        .args(["exec", component, "--executor-input", &input.to_string()])
        .args(extra)
        .env("VERTEX_LOG_FORMAT", "json")
        .env_remove("VERTEX_LOG")
        .output()
        .expect("the test binary starts")
}

/// Parses every line of standard output as a log entry of `component`, checks the fields
/// Cloud Logging reads, and returns the entries.
fn log_entries(output: &Output, component: &str) -> Vec<Value> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr, "", "nothing may go to standard error");
    let stdout = String::from_utf8(output.stdout.clone()).expect("UTF-8 output");
    assert!(stdout.ends_with('\n'), "unterminated output: {stdout:?}");
    stdout
        .lines()
        .map(|line| {
            let entry: Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
            let severity = entry["severity"].as_str().unwrap_or_default();
            assert!(SEVERITIES.contains(&severity), "severity: {line}");
            let message = entry["message"].as_str().unwrap_or_default();
            assert!(!message.is_empty(), "message: {line}");
            check_timestamp(&entry, line);
            assert_eq!(entry["span"]["component"], component, "component: {line}");
            entry
        })
        .collect()
}

/// Accepts both timestamp forms Cloud Logging reads: RFC 3339 `time`, and the
/// `timestamp` object that the signal handler writes.
fn check_timestamp(entry: &Value, line: &str) {
    if let Some(time) = entry["time"].as_str() {
        humantime::parse_rfc3339(time).unwrap_or_else(|error| panic!("time ({error}): {line}"));
        return;
    }
    let seconds = entry["timestamp"]["seconds"].as_u64().expect(line);
    assert!(seconds > 1_700_000_000, "timestamp: {line}");
    assert!(entry["timestamp"]["nanos"].as_u64().expect(line) < 1_000_000_000);
}

fn error_messages(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .filter(|entry| entry["severity"] == "ERROR")
        .map(|entry| entry["message"].as_str().unwrap())
        .collect()
}

#[test]
fn success_logs_info_with_run_and_task() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = json!({"parameterValues": {"a": 2, "b": 3}});
    let run_and_task = ["--run-name", "run-1", "--task-name", "add-2"];
    let output = json_exec(dir.path(), "add", inputs, &run_and_task);
    assert!(output.status.success());
    let entries = log_entries(&output, "add");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["severity"], "INFO");
    assert_eq!(entries[0]["message"], "component `add` succeeded");
    assert_eq!(entries[0]["span"]["run_name"], "run-1");
    assert_eq!(entries[0]["span"]["task_name"], "add-2");
    assert!(dir.path().join("executor_output.json").is_file());
}

/// A thread started with `vertex_runtime::thread::spawn` logs inside the task's span.
#[test]
fn spawned_thread_logs_in_task_span() {
    let dir = tempfile::tempdir().unwrap();
    let run_and_task = ["--run-name", "run-1", "--task-name", "thread-log"];
    let output = json_exec(dir.path(), "thread-log", json!({}), &run_and_task);
    assert!(output.status.success());
    let entries = log_entries(&output, "thread-log");
    let line = entries
        .iter()
        .find(|entry| entry["message"] == "logged by a worker thread")
        .unwrap_or_else(|| panic!("no line from the thread: {entries:?}"));
    assert_eq!(line["severity"], "INFO");
    assert_eq!(line["span"]["component"], "thread-log");
    assert_eq!(line["span"]["run_name"], "run-1");
    assert_eq!(line["span"]["task_name"], "thread-log");
}

#[test]
fn unresolved_placeholders_name_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = json!({"parameterValues": {"a": 2, "b": 3}});
    let placeholders = [
        "--run-name",
        "{{$.pipeline_job_name}}",
        "--task-name",
        "{{$.pipeline_task_name}}",
    ];
    let output = json_exec(dir.path(), "add", inputs, &placeholders);
    assert!(output.status.success());
    let entries = log_entries(&output, "add");
    assert_eq!(entries[0]["span"].get("run_name"), None);
    assert_eq!(entries[0]["span"].get("task_name"), None);
}

#[test]
fn fingerprint_mismatch_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = json!({"parameterValues": {"a": 2, "b": 3}});
    let output = json_exec(
        dir.path(),
        "add",
        inputs,
        &["--fingerprint", "0000000000000000"],
    );
    assert!(output.status.success());
    let entries = log_entries(&output, "add");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["severity"], "WARNING");
    assert_eq!(entries[0]["specFingerprint"], "0000000000000000");
    let message = entries[0]["message"].as_str().unwrap();
    assert!(message.contains("recompile the pipeline"), "{message}");
}

#[test]
fn failed_component_logs_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = json!({"parameterValues": {"fail": true}});
    let output = json_exec(dir.path(), "maybe-fail", inputs, &[]);
    assert_eq!(output.status.code(), Some(5));
    let entries = log_entries(&output, "maybe-fail");
    let errors = error_messages(&entries);
    assert_eq!(errors.len(), 1, "{entries:?}");
    assert!(errors[0].contains("asked to fail"), "{}", errors[0]);
    assert_eq!(entries.last().unwrap()["exitCode"], 5);
    assert!(!dir.path().join("executor_output.json").exists());
}

#[test]
fn panic_logs_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = json_exec(dir.path(), "explode", json!({}), &[]);
    assert_eq!(output.status.code(), Some(6));
    let entries = log_entries(&output, "explode");
    let errors = error_messages(&entries);
    assert_eq!(errors.len(), 1, "{entries:?}");
    assert!(errors[0].contains("boom"), "{}", errors[0]);
}

#[test]
fn invalid_input_and_unknown_component_log_errors() {
    let dir = tempfile::tempdir().unwrap();
    let output = json_exec(
        dir.path(),
        "add",
        json!({"parameterValues": {"a": "x"}}),
        &[],
    );
    assert_eq!(output.status.code(), Some(4));
    let entries = log_entries(&output, "add");
    assert_eq!(error_messages(&entries).len(), 1, "{entries:?}");

    let output = json_exec(dir.path(), "no-such-component", json!({}), &[]);
    assert_eq!(output.status.code(), Some(2));
    let entries = log_entries(&output, "no-such-component");
    let errors = error_messages(&entries);
    assert_eq!(errors.len(), 1, "{entries:?}");
    assert!(errors[0].contains("no-such-component"), "{}", errors[0]);
}

#[test]
fn debug_lines_are_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let input = json!({
        "inputs": {"parameterValues": {"a": 1}},
        "outputs": {"outputFile": dir.path().join("executor_output.json")}
    });
    let output = Command::new(BIN)
        .args(["exec", "add", "--executor-input", &input.to_string()])
        .env("VERTEX_LOG_FORMAT", "json")
        .env("VERTEX_LOG", "debug")
        .output()
        .unwrap();
    assert!(output.status.success());
    let entries = log_entries(&output, "add");
    assert!(entries.iter().any(|entry| entry["severity"] == "DEBUG"));
}

/// Runs the `sleepy` component with JSON logs and `args` added, sends it SIGTERM once it has
/// started, and returns what it printed. Its executor output would go to `output_file`.
fn sleepy_stopped_by_sigterm(output_file: &Path, stdout: Stdio, args: &[&str]) -> Output {
    let marker = output_file.with_file_name("marker");
    let input = json!({
        "inputs": {"parameterValues": {"seconds": 30.0}},
        "outputs": {
            "artifacts": {"marker": {"artifacts": [{"name": "marker", "uri": marker, "metadata": {}}]}},
            "outputFile": output_file
        }
    });
    let child = Command::new(BIN)
        .args(["exec", "sleepy", "--executor-input", &input.to_string()])
        .args(args)
        .env("VERTEX_LOG_FORMAT", "json")
        .stdout(stdout)
        .stderr(Stdio::piped())
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
    // SAFETY: kill(2) on the child's process ID, which it keeps until it is waited for.
    let killed = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(killed, 0);
    child.wait_with_output().unwrap()
}

#[test]
fn sigterm_logs_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("executor_output.json");
    let labels = ["--run-name", "run-1", "--task-name", "sleepy"];
    let output = sleepy_stopped_by_sigterm(&output_file, Stdio::piped(), &labels);
    assert_eq!(output.status.code(), Some(143));
    let entries = log_entries(&output, "sleepy");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0]["message"],
        "component `sleepy` stopped by SIGTERM; no outputs were written"
    );
    assert_eq!(entries[0]["severity"], "ERROR");
    assert_eq!(entries[0]["kind"], "signal");
    assert_eq!(entries[0]["exitCode"], 143);
    assert_eq!(entries[0]["span"]["run_name"], "run-1");
    assert!(!output_file.exists());
}

#[test]
fn invalid_log_settings_rejected() {
    for (variable, value, expected) in [
        (
            "VERTEX_LOG_FORMAT",
            "yaml",
            "invalid VERTEX_LOG_FORMAT `yaml`: expected `text` or `json`",
        ),
        ("VERTEX_LOG", "info,[", "invalid VERTEX_LOG `info,[`"),
    ] {
        let output = Command::new(BIN)
            .arg("list")
            .env(variable, value)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{variable}={value}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.starts_with(&format!("error: {expected}")),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}

/// Runs `add` without its required input, so that it fails, under the filter `filter`.
fn failing_add_with_filter(dir: &Path, filter: &str) -> Output {
    let input = json!({
        "inputs": {"parameterValues": {}},
        "outputs": {"outputFile": dir.join("executor_output.json")}
    });
    Command::new(BIN)
        .args(["exec", "add", "--executor-input", &input.to_string()])
        .args(["--task-name", "add-1", "--fingerprint", "0000000000000000"])
        .env("VERTEX_LOG_FORMAT", "json")
        .env("VERTEX_LOG", filter)
        .output()
        .unwrap()
}

#[test]
fn error_survives_every_filter() {
    for filter in [
        "off",
        "",
        "kitchen_sink=debug",
        "debug,vertex_runtime=off",
        "error",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let output = failing_add_with_filter(dir.path(), filter);
        assert_eq!(output.status.code(), Some(4), "{filter:?}");
        let entries = log_entries(&output, "add");
        let errors = error_messages(&entries);
        assert_eq!(errors.len(), 1, "{filter:?}: {entries:?}");
        assert!(
            errors[0].contains("required input is missing"),
            "{}",
            errors[0]
        );
        let last = entries.last().unwrap();
        assert_eq!(last["span"]["task_name"], "add-1", "{filter:?}");
        assert_eq!(last["exitCode"], 4);
    }
}

#[test]
fn warn_filter_keeps_the_span() {
    let dir = tempfile::tempdir().unwrap();
    let output = failing_add_with_filter(dir.path(), "warn");
    let entries = log_entries(&output, "add");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["severity"], "WARNING");
    assert_eq!(entries[0]["span"]["task_name"], "add-1");
    assert_eq!(entries[1]["severity"], "ERROR");
}

#[test]
fn unjoined_thread_panic_logged_as_warning() {
    let dir = tempfile::tempdir().unwrap();
    let output = json_exec(dir.path(), "stray-panic", json!({}), &[]);
    assert!(output.status.success());
    let entries = log_entries(&output, "stray-panic");
    let warning = entries
        .iter()
        .find(|entry| entry["severity"] == "WARNING")
        .expect("a warning");
    let message = warning["message"].as_str().unwrap();
    assert!(message.contains("stray thread gave up"), "{message}");
    assert!(dir.path().join("executor_output.json").is_file());
}

#[test]
fn names_starting_with_hyphen_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = json!({"parameterValues": {"a": 2, "b": 3}});
    let fingerprint = fingerprint_of("add").to_uppercase();
    for extra in [
        vec!["--task-name", "-odd", "--fingerprint", fingerprint.as_str()],
        // The `=` form is not the one the fast path reads, so clap parses this one.
        vec!["--fingerprint", fingerprint.as_str(), "--task-name=-odd"],
    ] {
        let output = json_exec(dir.path(), "add", inputs.clone(), &extra);
        assert!(output.status.success(), "{extra:?}");
        let entries = log_entries(&output, "add");
        assert_eq!(
            entries.len(),
            1,
            "no fingerprint warning expected: {entries:?}"
        );
        assert_eq!(entries[0]["span"]["task_name"], "-odd");
    }
}

/// Returns the fingerprint that `BIN spec` writes for `component`.
fn fingerprint_of(component: &str) -> String {
    let output = Command::new(BIN)
        .args(["spec", component])
        .output()
        .unwrap();
    let spec = String::from_utf8(output.stdout).unwrap();
    let mut lines = spec
        .lines()
        .skip_while(|line| !line.ends_with("- --fingerprint"));
    lines.next().expect("a --fingerprint argument");
    let line = lines.next().expect("the fingerprint");
    line.trim().trim_start_matches("- ").to_owned()
}

/// When standard output is what failed, the ERROR entry goes to standard error instead of
/// being lost with it.
#[test]
fn error_entry_survives_full_stdout() {
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = Command::new(BIN)
        .arg("list")
        .env("VERTEX_LOG_FORMAT", "json")
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let entry: Value = serde_json::from_str(stderr.trim_end()).unwrap();
    assert_eq!(entry["severity"], "ERROR");
    assert_eq!(entry["exitCode"], 7);
    let message = entry["message"].as_str().unwrap();
    assert!(message.contains("No space left on device"), "{message}");
}

/// The SIGTERM entry, written from the signal handler, also goes to standard error when
/// standard output cannot take it.
#[test]
fn sigterm_entry_survives_full_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output_file = dir.path().join("executor_output.json");
    let output = sleepy_stopped_by_sigterm(&output_file, full.into(), &[]);
    assert_eq!(output.status.code(), Some(143));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let entry: Value = serde_json::from_str(stderr.trim_end()).unwrap();
    assert_eq!(entry["kind"], "signal");
    assert_eq!(entry["exitCode"], 143);
}
