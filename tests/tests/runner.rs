//! `BIN run` and `BIN compile` on the kitchen-sink pipelines, and the start-up check of
//! duplicate component names.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");

fn run(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(BIN)
        .args(args)
        .output()
        .expect("the test binary starts");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
    (status.code().unwrap_or(-1), text(stdout), text(stderr))
}

/// The first line counts the tasks known before the run and the loops whose tasks are
/// copied per item later.
#[test]
fn start_line_counts_tasks_and_loops() {
    for (pipeline, params, counted) in [
        ("arithmetic", &["--param", "b=3"][..], ": 3 tasks, up to "),
        ("loops", &[][..], ": 2 tasks and those of 2 loops, up to "),
        ("fan", &[][..], ": 2 tasks and those of 1 loop, up to "),
    ] {
        let root = tempfile::tempdir().unwrap();
        let root_arg = root.path().to_str().unwrap();
        let mut args = vec!["run", pipeline, "--root", root_arg];
        args.extend(params);
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 0, "{stderr}");
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.contains(counted), "{pipeline}: {first}");
    }
}

/// A summary that cannot be written fails a successful run with exit 7, and leaves the
/// error of a failed run (exit 9) in place, instead of a panic.
#[test]
fn summary_on_full_stdout() {
    for (pipeline, params, code, message) in [
        (
            "arithmetic",
            &["--param", "b=1"][..],
            7,
            "error: cannot write outputs: cannot write the summary to standard output: No space left on device",
        ),
        ("failing", &[][..], 9, "error: pipeline `failing` failed"),
    ] {
        let root = tempfile::tempdir().unwrap();
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = Command::new(BIN)
            .args(["run", pipeline])
            .args(params)
            .arg("--root")
            .arg(root.path())
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(code), "{pipeline}: {stderr}");
        assert!(stderr.contains(message), "{pipeline}: {stderr}");
    }
}

/// `--artifact` gives pipeline-level artifact inputs: a path, made absolute, for one and
/// several for a list.
#[test]
fn pipeline_artifact_inputs_from_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("table.csv"), "a\nb\nc\n").unwrap();
    std::fs::write(dir.path().join("one"), "4\n").unwrap();
    std::fs::write(dir.path().join("two"), "5\n").unwrap();
    let output = Command::new(BIN)
        .args(["run", "given-artifacts", "--artifact", "table=table.csv"])
        .args(["--artifact", "files=one", "--artifact", "files=two"])
        .args(["--root", "root"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("  lines = 3\n"), "{stdout}");
    assert!(stdout.contains("  total = 9\n"), "{stdout}");
}

#[test]
fn artifact_option_errors_name_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "a\n").unwrap();
    let missing = dir.path().join("nope.csv");
    let missing_arg = format!("table={}", missing.display());
    let missing_message = format!(
        "error: invalid --artifact `{missing_arg}`: `{}` does not exist",
        missing.display()
    );
    for (args, expected) in [
        (
            vec!["--artifact", "table=t.csv"],
            "error: pipeline `given-artifacts` needs artifact `files`: pass --artifact files=URI",
        ),
        (
            vec!["--artifact", "table=t.csv", "--artifact", "table=t.csv"],
            "error: invalid --artifact `table=t.csv`: `table` takes one artifact and is given twice",
        ),
        (
            vec!["--artifact", "tabl=t.csv"],
            "error: invalid --artifact `tabl=t.csv`: pipeline `given-artifacts` has no artifact \
             input `tabl`; its artifact inputs: table, files",
        ),
        (
            vec!["--artifact", "table"],
            "error: invalid --artifact `table`: expected NAME=URI",
        ),
        (
            vec!["--artifact", "table=ftp://host/t.csv"],
            "error: invalid --artifact `table=ftp://host/t.csv`: unsupported URI scheme `ftp://` \
             in `ftp://host/t.csv`; expected gs://, s3://, minio:// or a local path",
        ),
        (vec!["--artifact", &missing_arg], missing_message.as_str()),
        (
            vec!["--param", "table=t.csv"],
            "error: invalid --param `table`: the input is an artifact; `run` takes it with \
             --artifact",
        ),
        (
            vec!["--param", "x=1"],
            "error: invalid --param: pipeline `given-artifacts` has no parameter `x`; its \
             parameters: none",
        ),
    ] {
        let output = Command::new(BIN)
            .args(["run", "given-artifacts", "--root", "root"])
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end(), expected, "{args:?}");
        assert!(!dir.path().join("root").exists(), "{args:?}: the run created its root");
    }
    let (code, _, stderr) = run(&["run", "arithmetic", "--artifact", "b=x"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: invalid --artifact `b=x`: `b` is a parameter; pass it with --param"
    );
}

/// An input file edited in place misses the cache, since the key covers its size and
/// modification time, and a `gs://` URI is read under the root's `gcs` folder.
#[test]
fn edited_artifact_input_misses_cache() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join("root/gcs/bucket");
    std::fs::create_dir_all(&bucket).unwrap();
    std::fs::write(dir.path().join("table.csv"), "a\nb\nc\n").unwrap();
    std::fs::write(bucket.join("one"), "4\n").unwrap();
    let run_in_dir = || {
        let output = Command::new(BIN)
            .args(["run", "given-artifacts", "--artifact", "table=table.csv"])
            .args(["--artifact", "files=gs://bucket/one", "--root", "root"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let first = run_in_dir();
    assert!(first.contains("  lines = 3\n"), "{first}");
    assert!(first.contains("  total = 4\n"), "{first}");
    let unchanged = run_in_dir();
    assert!(unchanged.contains("line-count  cached"), "{unchanged}");
    std::fs::write(dir.path().join("table.csv"), "a\nb\nc\nd\ne\n").unwrap();
    std::fs::write(bucket.join("one"), "100\n").unwrap();
    let edited = run_in_dir();
    assert!(edited.contains("  lines = 5\n"), "{edited}");
    assert!(edited.contains("  total = 100\n"), "{edited}");
}

#[test]
fn arithmetic_pipeline_runs() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let (code, stdout, stderr) = run(&["run", "arithmetic", "--param", "b=3", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    // a = 2 by default: (2 + 3) doubled is 10, plus one is 11.
    assert!(stdout.contains("  result = 11\n"), "{stdout}");
    assert!(stdout.contains("  add.Output = 5\n"), "{stdout}");
    assert!(stdout.contains("  add-2.Output = 10\n"), "{stdout}");
    assert!(stdout.contains("increment  succeeded"), "{stdout}");
    let runs: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.file_name().unwrap().to_str().unwrap().starts_with('.'))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run_dir = runs[0].clone();
    assert!(root.path().join(".cache").is_dir());
    assert!(run_dir.join("add-2/executor_output.json").is_file());
}

#[test]
fn run_keeps_executor_input_for_rerun() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let (code, _, stderr) = run(&["run", "arithmetic", "--param", "b=3", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    let run_dir = std::fs::read_dir(root.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| !path.file_name().unwrap().to_str().unwrap().starts_with('.'))
        .unwrap();
    for task in ["add", "add-2", "increment"] {
        let input = run_dir.join(task).join("executor_input.json");
        let mode = std::fs::metadata(&input).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", input.display());
    }

    // `add-2` runs the component `add` again, by hand, on the kept input.
    let task = run_dir.join("add-2");
    let output_file = task.join("executor_output.json");
    let expected = std::fs::read_to_string(&output_file).unwrap();
    std::fs::remove_file(&output_file).unwrap();
    let input = task.join("executor_input.json");
    let (code, _, stderr) = run(&[
        "exec",
        "add",
        "--executor-input-file",
        input.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&output_file).unwrap(), expected);
}

#[test]
fn param_overrides_default() {
    let root = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "arithmetic",
        "--param",
        "a=10",
        "--param",
        "b=0",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("  result = 21\n"), "{stdout}");
}

#[test]
fn missing_required_param_rejected() {
    let root = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&["run", "arithmetic", "--root", root.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.trim_end(),
        "error: pipeline `arithmetic` needs a value for parameter `b`: pass --param b=VALUE"
    );
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
}

#[test]
fn invalid_params_rejected() {
    let cases = [
        ("b=2.5", "error: invalid --param `b`: `2.5`: expected an integer, got 2.5"),
        ("b", "error: invalid --param `b`: expected NAME=VALUE"),
        ("c=1", "error: invalid --param: pipeline `arithmetic` has no parameter `c`; its parameters: a, b"),
        ("b=x", "error: invalid --param `b`: `x` is not valid JSON for a NUMBER_INTEGER value: expected value at line 1 column 1"),
    ];
    for (param, expected) in cases {
        let (code, _, stderr) = run(&[
            "run",
            "arithmetic",
            "--param",
            param,
            "--root",
            "/nonexistent/never",
        ]);
        assert_eq!(code, 2, "{param}");
        assert_eq!(stderr.trim_end(), expected);
    }
}

#[test]
fn repeated_param_rejected() {
    let (code, _, stderr) = run(&["run", "arithmetic", "--param", "b=1", "--param", "b=2"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.trim_end(),
        "error: invalid --param `b`: the parameter is given twice"
    );
}

#[test]
fn failed_task_stops_dependents() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(&["run", "failing", "--root", root.path().to_str().unwrap()]);
    assert_eq!(code, 9, "{stderr}");
    assert!(
        stderr.contains("task `maybe-fail` exited with code 5"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  | error: component `maybe-fail` failed: asked to fail"),
        "{stderr}"
    );
    assert!(stdout.contains("maybe-fail  failed"), "{stdout}");
    assert!(stdout.contains("add         succeeded"), "{stdout}");
    assert!(stdout.contains("increment   skipped"), "{stdout}");
}

#[test]
fn unknown_pipeline_lists_known() {
    let (code, _, stderr) = run(&["run", "nope"]);
    assert_eq!(code, 2);
    let listed: Vec<String> = run(&["list"])
        .1
        .lines()
        .filter_map(|line| line.strip_prefix("pipeline "))
        .map(str::to_owned)
        .collect();
    let expected = format!(
        "error: unknown pipeline `nope`; this binary has: {}",
        listed.join(", ")
    );
    assert_eq!(stderr.trim_end(), expected);
    assert!(listed.contains(&"arithmetic".to_owned()), "{listed:?}");
}

#[test]
fn compile_writes_pipeline_spec() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sub/arithmetic.yaml");
    let args = [
        "compile",
        "arithmetic",
        "--image",
        "img:1",
        "-o",
        file.to_str().unwrap(),
        "--param",
        "b=4",
    ];
    let (code, _, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(&file).unwrap();
    let spec: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let tasks = &spec["root"]["dag"]["tasks"];
    assert_eq!(tasks["add-2"]["dependentTasks"], serde_json::json!(["add"]));
    assert_eq!(
        tasks["increment"]["dependentTasks"],
        serde_json::json!(["add", "add-2"])
    );
    assert_eq!(tasks["increment"]["taskInfo"]["name"], "bump");
    assert_eq!(
        spec["root"]["inputDefinitions"]["parameters"]["b"]["defaultValue"],
        4
    );
    assert_eq!(
        spec["deploymentSpec"]["executors"]["exec-increment"]["container"]["args"][1],
        "increment"
    );
}

#[test]
fn duplicate_names_stop_at_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_duplicate-names"))
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(8));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim_end(),
        "error: invalid component registry: the name `same` is used by both `duplicate_names::first::one` and `duplicate_names::second::two`; set a distinct name with `#[vertex_component(name = \"...\")]`"
    );
}

#[test]
fn spec_all_writes_every_component() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("specs");
    let args = [
        "spec",
        "--all",
        "--out-dir",
        out_dir.to_str().unwrap(),
        "--image",
        "img:2",
    ];
    let (code, _, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    let mut files: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let listed = run(&["list"]).1;
    let expected: Vec<String> = listed
        .lines()
        .filter_map(|line| line.strip_prefix("component "))
        .map(|name| format!("{name}.yaml"))
        .collect();
    assert_eq!(files, expected);
    assert!(files.contains(&"increment.yaml".to_owned()), "{files:?}");
    let text = std::fs::read_to_string(out_dir.join("increment.yaml")).unwrap();
    assert!(text.starts_with("# PIPELINE DEFINITION\n# Name: increment\n# Description: Adds one to a number, for chains.\n"), "{text}");
    assert!(text.contains("image: img:2"), "{text}");
}

#[test]
fn spec_image_from_environment() {
    let output = Command::new(BIN)
        .args(["spec", "add"])
        .env("VERTEX_IMAGE", "from-env:3")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("image: from-env:3"));
}

#[test]
fn spec_without_component_rejected() {
    let (code, _, stderr) = run(&["spec"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("<COMPONENT>"), "{stderr}");
}

/// Returns the child processes of `pid`.
fn children(pid: u32) -> Vec<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.split_whitespace()
        .map(|child| child.parse().unwrap())
        .collect()
}

#[test]
fn interrupt_stops_every_task() {
    let root = tempfile::tempdir().unwrap();
    let runner = Command::new(BIN)
        .args(["run", "slow", "--jobs", "2", "--root"])
        .arg(root.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let markers = |root: &std::path::Path| -> usize {
        let Some(Ok(run)) = std::fs::read_dir(root).unwrap().next() else {
            return 0;
        };
        ["sleepy/marker", "sleepy-2/marker"]
            .iter()
            .filter(|m| run.path().join(m).exists())
            .count()
    };
    while markers(root.path()) < 2 {
        assert!(started.elapsed().as_secs() < 20, "the tasks did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let tasks = children(runner.id());
    assert_eq!(tasks.len(), 2, "{tasks:?}");

    let signalled = Command::new("kill")
        .args(["-INT", &runner.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let output = runner.wait_with_output().unwrap();
    assert!(
        started.elapsed().as_secs() < 20,
        "the run did not stop promptly"
    );
    assert_eq!(output.status.code(), Some(9));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("error: pipeline `slow` interrupted by SIGINT: running tasks were stopped and 1 tasks did not run"),
        "{stderr}"
    );
    for task in tasks {
        assert!(
            !std::path::Path::new(&format!("/proc/{task}")).exists(),
            "task process {task} is left running"
        );
    }
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("sleepy-2  failed"), "{stdout}");
    assert!(stdout.contains("add       skipped"), "{stdout}");
}

#[test]
fn retries_and_env_in_local_run() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(&["run", "settings", "--root", root.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("[flaky] failed; retry 1 of 3 in 0 ms"),
        "{stderr}"
    );
    assert!(
        stderr.contains("[flaky] failed; retry 2 of 3 in 0 ms"),
        "{stderr}"
    );
    assert!(!stderr.contains("retry 3 of 3"), "{stderr}");
    assert!(stdout.contains("  attempts = 3\n"), "{stdout}");
    assert!(stdout.contains("  mode = \"a b\"\n"), "{stdout}");
}

#[test]
fn retries_exhausted_fail_task() {
    let root = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "settings",
        "--param",
        "failures=4",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 9);
    assert!(stderr.contains("retry 3 of 3"), "{stderr}");
    assert!(
        stderr.contains("  | error: component `flaky` failed: attempt 4 fails on purpose"),
        "{stderr}"
    );
    assert!(stdout.contains("read-env  skipped"), "{stdout}");
}

#[test]
fn invalid_task_settings_rejected() {
    for command in ["compile", "run"] {
        let (code, _, stderr) = run(&[command, "bad-settings"]);
        assert_eq!(code, 9, "{command}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 3, "{stderr}");
        assert!(lines[0].starts_with("error: pipeline `bad-settings` is invalid: task `add`: invalid memory quantity `4GB`"), "{stderr}");
        assert!(
            lines[1].starts_with("task `add`: invalid CPU quantity `two`"),
            "{stderr}"
        );
        assert_eq!(
            lines[2],
            "task `add`: invalid backoff 10ms or 3600s: KFP takes whole seconds"
        );
    }
}

#[test]
fn nested_pipeline_and_importer_run() {
    let root = tempfile::tempdir().unwrap();
    let table = root.path().join("gcs/b/data.csv");
    std::fs::create_dir_all(table.parent().unwrap()).unwrap();
    std::fs::write(&table, "a\nb\nc\n").unwrap();
    let (code, stdout, stderr) = run(&["run", "outer", "--root", root.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // n = 1: inner gives 1 + 3 + 1 = 5, then 5 + 5 + 1 = 11, and add keeps 11.
    assert!(
        stdout.contains("  inner/increment.Output = 5\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  inner-2/increment.Output = 11\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  Output = 11\n"), "{stdout}");
    assert!(stdout.contains("  lines = 3\n"), "{stdout}");
    assert!(stderr.contains("[importer] imported"), "{stderr}");
}

#[test]
fn nested_pipeline_runs_alone() {
    let root = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "inner",
        "--param",
        "x=10",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("  Output = 14\n"), "{stdout}");
}

#[test]
fn param_checked_against_rust_type() {
    let (code, _, stderr) = run(&["compile", "settings", "--param", "failures=-1"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr.trim_end(),
        "error: invalid --param `failures`: `-1`: integer -1 is out of range for `u32` (0 to 4294967295)"
    );
}

#[test]
fn zero_jobs_rejected() {
    let (code, _, stderr) = run(&["run", "arithmetic", "--jobs", "0"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("invalid value '0' for '--jobs <JOBS>'"),
        "{stderr}"
    );
}

#[test]
fn invalid_image_rejected() {
    for image in ["", "two words", "{{$}}"] {
        let (code, _, stderr) = run(&["spec", "add", "--image", image]);
        assert_eq!(code, 2, "{image}");
        assert!(
            stderr.contains(&format!("error: invalid --image `{image}`")),
            "{stderr}"
        );
    }
}

#[test]
fn image_by_tag_or_digest_accepted() {
    let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let images = [
        "penguins:1.0".to_owned(),
        "penguins".to_owned(),
        format!("penguins@{digest}"),
        "europe-docker.pkg.dev/my-project/pipelines/penguins:v2_rc.1".to_owned(),
        format!("localhost:5000/team/penguins:1.0@{digest}"),
        "Registry.Example.com/penguins:Latest".to_owned(),
    ];
    for image in images {
        let (code, stdout, stderr) = run(&["spec", "add", "--image", &image]);
        assert_eq!(code, 0, "{image}: {stderr}");
        // The YAML emitter folds long values onto the next line, so only the value is matched.
        assert!(stdout.contains(&image), "{stdout}");
    }
}

#[test]
fn malformed_image_reference_rejected() {
    let hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let cases = [
        (
            format!("penguins@sha256:{}", &hex[..63]),
            "the sha256 digest has 63 characters instead of 64 hex digits",
        ),
        (
            format!("penguins@sha256:{hex}0"),
            "the sha256 digest has 65 characters instead of 64 hex digits",
        ),
        (
            format!("penguins@sha512:{hex}{hex}"),
            "the digest must start with `sha256:`",
        ),
        (
            format!("penguins@{hex}"),
            "the digest must start with `sha256:`",
        ),
        (
            format!("penguins@sha256:{}", hex.to_uppercase()),
            "the digest must be lowercase hex",
        ),
        (
            "Penguins:1.0".to_owned(),
            "the repository path must be lowercase",
        ),
        // An uppercase first component is a registry host, as in Docker, and hosts may
        // contain uppercase letters; the path after it may not.
        (
            "Registry/Penguins:1.0".to_owned(),
            "the repository path must be lowercase",
        ),
        (
            "europe-docker.pkg.dev/Team/penguins:1".to_owned(),
            "the repository path must be lowercase",
        ),
        ("penguins:".to_owned(), "the tag is empty"),
        (format!("penguins:@sha256:{hex}"), "the tag is empty"),
        ("penguins:-1".to_owned(), "invalid reference format"),
        ("penguins:é".to_owned(), "the reference must be ASCII"),
        (
            "localhost:99999/penguins:1".to_owned(),
            "the registry port `99999` is not between 1 and 65535",
        ),
        (
            "localhost:0/penguins:1".to_owned(),
            "the registry port `0` is not between 1 and 65535",
        ),
    ];
    for (image, reason) in cases {
        let (code, _, stderr) = run(&["spec", "add", "--image", &image]);
        assert_eq!(code, 2, "{image}");
        let expected = format!("error: invalid --image `{image}`: {reason}; expected NAME:TAG or NAME@sha256:DIGEST (64 lowercase hex digits)");
        assert!(stderr.starts_with(&expected), "{image}: {stderr}");
    }
}

#[test]
fn malformed_image_from_environment_rejected() {
    let output = Command::new(BIN)
        .args(["compile", "arithmetic"])
        .env("VERTEX_IMAGE", "team/Penguins:1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("invalid --image `team/Penguins:1`: the repository path must be lowercase"),
        "{stderr}"
    );
}

#[test]
fn out_dir_requires_all() {
    let (code, _, stderr) = run(&["spec", "add", "--out-dir", "/tmp/never"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--all"), "{stderr}");
}

#[test]
fn compile_to_full_device_fails() {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("'{BIN}' compile arithmetic > /dev/full"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cannot write to standard output: No space left on device"),
        "{stderr}"
    );
}

#[test]
fn loops_run_and_collect() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(&["run", "loops", "--root", root.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // add = 3; the items 1 and 2 give 1 + 3 + 3 = 7 and 2 + 3 + 3 = 8, which sum to 15.
    assert!(
        stdout.contains("  for-loop-1-iteration-0/increment.Output = 7\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  for-loop-1-iteration-1/increment.Output = 8\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  Output = 15\n"), "{stdout}");
    // Both iterations of the second loop have the same inputs, so one may reuse the other.
    let second = stdout
        .lines()
        .find(|line| line.starts_with("for-loop-3-iteration-1/increment-2"))
        .unwrap();
    assert!(
        second.contains("succeeded") || second.contains("cached"),
        "{stdout}"
    );
}

#[test]
fn loop_items_from_param() {
    let root = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "loops",
        "--param",
        "items=[10, 20, 30]",
        "--param",
        "n=0",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    // With n = 0 each item passes unchanged: 10 + 20 + 30.
    assert!(stdout.contains("  Output = 60\n"), "{stdout}");
}

#[test]
fn loop_over_upstream_output_one_at_a_time() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(&[
        "run",
        "fan",
        "--param",
        "n=4",
        "--jobs",
        "2",
        "--root",
        root.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    // 0 + 1 + 2 + 3 written to files and summed.
    assert!(stdout.contains("  Output = 6\n"), "{stdout}");
    // With a parallelism limit of 1, each iteration starts after the one before finished.
    let lines: Vec<&str> = stderr.lines().collect();
    for iteration in 1..4 {
        let started = format!("[for-loop-1-iteration-{iteration}/add] started");
        let previous = format!(
            "[for-loop-1-iteration-{}/write-number] succeeded",
            iteration - 1
        );
        let started = lines.iter().position(|line| *line == started).unwrap();
        let previous = lines
            .iter()
            .position(|line| line.starts_with(&previous))
            .unwrap();
        assert!(previous < started, "{stderr}");
    }
}

#[test]
fn failed_iteration_skips_collector() {
    let root = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "fan",
        "--param",
        "offset=-1",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 9, "{stderr}");
    assert!(
        stderr.contains("refusing to write the negative number -1"),
        "{stderr}"
    );
    assert!(
        stdout.contains("for-loop-1-iteration-0/write-number  failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("for-loop-1-iteration-2/write-number  succeeded"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sum-files                            skipped"),
        "{stdout}"
    );
}

#[test]
fn branches_run_the_first_that_holds() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(&["run", "flow", "--root", root.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // add gives 1, not above 5, so the `name == "go"` branch runs.
    assert!(
        stdout.contains("increment    skipped    - (the condition of `condition-3` does not hold)"),
        "{stdout}"
    );
    assert!(stdout.contains("increment-2  succeeded"), "{stdout}");
    assert!(
        stdout.contains("increment-3  skipped    - (the condition of `condition-5` does not hold)"),
        "{stdout}"
    );
    assert!(stdout.contains("read-env     succeeded"), "{stdout}");
    assert!(
        stdout.contains("  Output = \"bye: SUCCEEDED\"\n"),
        "{stdout}"
    );
}

#[test]
fn branches_follow_params() {
    let root = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "flow",
        "--param",
        "n=10",
        "--param",
        "rate=0.1",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("  increment.Output = 11\n"), "{stdout}");
    assert!(stdout.contains("increment-2  skipped"), "{stdout}");
    assert!(
        stdout.contains("read-env     skipped    - (the condition of `condition-6` does not hold)"),
        "{stdout}"
    );
    let args = [
        "run",
        "flow",
        "--param",
        "name=stop",
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("  increment-3.Output = 3\n"), "{stdout}");
}

#[test]
fn exit_task_runs_after_failure() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(&[
        "run",
        "guarded-failure",
        "--root",
        root.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 9, "{stderr}");
    assert!(stdout.contains("maybe-fail  failed"), "{stdout}");
    assert!(stdout.contains("report      succeeded"), "{stdout}");
    assert!(
        stdout.contains("report.Output = \"done: FAILED task `maybe-fail` exited with code 5"),
        "{stdout}"
    );
    assert!(
        stderr.contains("task `maybe-fail` exited with code 5"),
        "{stderr}"
    );
}

#[test]
fn second_run_reuses_cached_outputs() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let (code, _, stderr) = run(&["run", "arithmetic", "--param", "b=3", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(&["run", "arithmetic", "--param", "b=3", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("[add] reused the outputs of run arithmetic-"),
        "{stderr}"
    );
    assert!(!stderr.contains("started"), "{stderr}");
    assert!(
        stdout.contains("increment  cached     - (outputs of run arithmetic-"),
        "{stdout}"
    );
    assert!(stdout.contains("  result = 11\n"), "{stdout}");

    let (code, _, stderr) = run(&[
        "run",
        "arithmetic",
        "--param",
        "b=3",
        "--no-cache",
        "--root",
        root_arg,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.matches("started").count(), 3, "{stderr}");

    // Another input misses for the tasks it reaches.
    let (code, stdout, stderr) = run(&["run", "arithmetic", "--param", "b=4", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("cached"), "{stderr}");
    assert!(stdout.contains("  result = 13\n"), "{stdout}");
}

#[test]
fn caching_off_task_always_runs() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let (code, _, stderr) = run(&[
        "run",
        "settings",
        "--param",
        "failures=0",
        "--root",
        root_arg,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(&[
        "run",
        "settings",
        "--param",
        "failures=0",
        "--root",
        root_arg,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("[flaky] reused the outputs of run settings-"),
        "{stderr}"
    );
    assert!(stderr.contains("[read-env] started"), "{stderr}");
}

#[test]
fn deleted_artifact_invalidates_cache() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let (code, _, stderr) = run(&["run", "fan", "--param", "n=1", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    let first_run = std::fs::read_dir(root.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| {
            path.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("fan-")
        })
        .unwrap();
    std::fs::remove_file(first_run.join("for-loop-1-iteration-0/write-number/number")).unwrap();
    let (code, _, stderr) = run(&["run", "fan", "--param", "n=1", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("[range] reused the outputs"), "{stderr}");
    assert!(
        stderr.contains("[for-loop-1-iteration-0/write-number] started"),
        "{stderr}"
    );
}

#[test]
fn one_of_takes_the_branch_that_ran() {
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let (code, stdout, stderr) = run(&["run", "choose", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    // add gives 1, not above 5, so the fallback 2 + 1 runs.
    assert!(stdout.contains("  Output = 3\n"), "{stdout}");
    let (code, stdout, stderr) = run(&["run", "choose", "--param", "n=9", "--root", root_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("  Output = 10\n"), "{stdout}");
}

#[test]
fn struct_items_give_their_fields() {
    let root = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "structs",
        "--param",
        r#"configs=[{"a": 1, "b": 2}, {"a": 10, "b": 20}]"#,
        "--root",
        root.path().to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("  Output = [3,30]\n"), "{stdout}");
    assert!(
        stdout.contains("  for-loop-3-iteration-0/add-2.Output = 3\n"),
        "{stdout}"
    );
}

#[test]
fn nested_loops_with_condition_run() {
    let root = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(&[
        "run",
        "nested-loops",
        "--root",
        root.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    // Rows 1 and 2 times columns 10 and 20: only sums above 15 are incremented.
    assert!(
        stdout.contains("  for-loop-1-iteration-0/for-loop-3-iteration-0/add.Output = 11\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  for-loop-1-iteration-1/for-loop-3-iteration-1/increment.Output = 23\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("for-loop-1-iteration-0/for-loop-3-iteration-0/increment  skipped    - (the condition of"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("succeeded").count(), 6, "{stdout}");
}

#[test]
fn shell_metacharacters_reach_the_task_intact() {
    let root = tempfile::tempdir().unwrap();
    let text = "it's \"$(touch pwned)\" `id` ; | && \n\t ünïcödé ✓ \\ $HOME * ?";
    let (code, _, stderr) = run(&[
        "run",
        "every-type",
        "--param",
        &format!("text={text}"),
        "--root",
        root.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let run_dir = std::fs::read_dir(root.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| !path.ends_with(".cache"))
        .unwrap();
    let output: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("echo/executor_output.json")).unwrap())
            .unwrap();
    assert_eq!(output["parameterValues"]["Output"]["text"], text);
    assert!(!run_dir.join("echo/pwned").exists());
    assert!(!std::path::Path::new("pwned").exists());
}

#[test]
fn killed_runner_leaves_no_task() {
    let root = tempfile::tempdir().unwrap();
    let mut runner = Command::new(BIN)
        .args(["run", "slow", "--jobs", "2", "--root"])
        .arg(root.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    while tasks.len() < 2 {
        assert!(started.elapsed().as_secs() < 20, "the tasks did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
        tasks = children(runner.id());
    }
    runner.kill().unwrap();
    runner.wait().unwrap();
    for task in tasks {
        let process = format!("/proc/{task}");
        while std::path::Path::new(&process).exists() {
            assert!(
                started.elapsed().as_secs() < 20,
                "task process {task} is left running after SIGKILL to the runner"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
