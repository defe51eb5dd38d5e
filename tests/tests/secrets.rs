//! `#[secret]` inputs: an error about one names the input and what is wrong, never its value,
//! and no log line at any level carries a secret parameter or an environment variable.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");

const TOKEN: &str = "tok-9f8e7d6c5b4a";

fn exec_unlock(dir: &Path, parameters: Value, log_format: &str) -> Output {
    let input = json!({
        "inputs": {"parameterValues": parameters},
        "outputs": {"outputFile": dir.join("executor_output.json")}
    });
    Command::new(BIN)
        .args(["exec", "unlock", "--executor-input", &input.to_string()])
        .env("VERTEX_LOG_FORMAT", log_format)
        .env("VERTEX_LOG", "trace")
        .output()
        .expect("the test binary starts")
}

fn printed(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn invalid_secret_value_not_shown() {
    let cases = [
        json!(123_456_789_012u64),
        json!(-31_337),
        json!("pin-as-text-1234"),
        json!([4242, 4343]),
    ];
    for pin in cases {
        for format in ["text", "json"] {
            let dir = tempfile::tempdir().unwrap();
            let output = exec_unlock(dir.path(), json!({"token": TOKEN, "pin": pin}), format);
            assert_eq!(output.status.code(), Some(4), "{pin} ({format})");
            let printed = printed(&output);
            assert!(
                printed.contains("input `pin`")
                    && printed.contains("is not shown because the input is secret"),
                "{printed}"
            );
            let shown = pin.to_string();
            let digits = shown.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            assert!(!printed.contains(digits), "{pin} shown: {printed}");
            assert!(!printed.contains(TOKEN), "token shown: {printed}");
            assert!(!dir.path().join("executor_output.json").exists());
        }
    }
}

#[test]
fn missing_secret_reported_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    let input = json!({
        "inputs": {"parameterValues": {"pin": 2}},
        "outputs": {"outputFile": dir.path().join("executor_output.json")}
    });
    let output = Command::new(BIN)
        .args(["exec", "unlock", "--executor-input", &input.to_string()])
        .env_remove("VERTEX_LOG")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: component `unlock`: input `token`: required input is missing\n"
    );
}

#[test]
fn secret_never_in_trace_logs() {
    let dir = tempfile::tempdir().unwrap();
    let output = exec_unlock(dir.path(), json!({"token": TOKEN, "pin": 2}), "json");
    assert!(output.status.success(), "{}", printed(&output));
    assert!(!output.stdout.is_empty(), "trace logging printed nothing");
    assert!(!printed(&output).contains(TOKEN));

    let output = exec_unlock(dir.path(), json!({"token": "", "pin": 2}), "json");
    assert_eq!(output.status.code(), Some(5));
    assert!(printed(&output).contains("the token is empty"));
}

#[test]
fn secret_pipeline_param_not_shown() {
    for command in ["run", "compile"] {
        let root = tempfile::tempdir().unwrap();
        let output = Command::new(BIN)
            .args([command, "vault", "--param", &format!("token={TOKEN}")])
            .args(["--param", "pin=98765432109"])
            .arg(if command == "run" {
                "--root"
            } else {
                "--output"
            })
            .arg(root.path().join("out"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            stderr,
            "error: invalid --param `pin`: not a valid NUMBER_INTEGER; the value is not shown because the parameter is secret\n"
        );
        assert!(!root.path().join("out").exists(), "{command} wrote output");
    }
}

/// Lists every file under `dir`, to search the run's logs.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn runner_logs_hold_no_secret() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args([
            "run",
            "vault",
            "--param",
            &format!("token={TOKEN}"),
            "--param",
            "pin=7",
        ])
        .arg("--root")
        .arg(root.path())
        .env("VERTEX_LOG", "trace")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", printed(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("  token-in-arguments.Output = false\n"),
        "the task's arguments carry the token: {stdout}"
    );
    let printed = printed(&output);
    assert!(!printed.contains(TOKEN), "{printed}");
    assert!(!printed.contains("env-secret-value-42"), "{printed}");
    let logs: Vec<_> = files_under(root.path())
        .into_iter()
        .filter(|path| path.file_name().is_some_and(|name| name == "log.txt"))
        .collect();
    assert!(
        !logs.is_empty(),
        "no task log under {}",
        root.path().display()
    );
    for log in logs {
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(!text.contains(TOKEN), "{}: {text}", log.display());
        assert!(
            !text.contains("env-secret-value-42"),
            "{}: {text}",
            log.display()
        );
    }
}

#[test]
fn compile_rejects_secret_param() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("vault.yaml");
    let output = Command::new(BIN)
        .args(["compile", "vault", "--param", &format!("token={TOKEN}")])
        .arg("--output")
        .arg(&spec)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: --param `token` is rejected: the parameter is secret, and compile would write its value into the spec as a default; pass it when the run starts, with `run` or `submit`\n"
    );
    assert!(!spec.exists());
}

#[test]
fn mistyped_param_name_hides_value() {
    let output = Command::new(BIN)
        .args(["run", "vault", "--param", &format!("Token={TOKEN}")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: invalid --param: pipeline `vault` has no parameter `Token`; its parameters: token, pin\n"
    );
}

/// Without `=`, the text may be a secret with a mistyped separator, so a pipeline with
/// secret parameters does not repeat it.
#[test]
fn param_without_separator_hides_text() {
    let output = Command::new(BIN)
        .args(["run", "vault", "--param", &format!("token:{TOKEN}")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: invalid --param (not shown, because the pipeline has secret parameters): \
         expected NAME=VALUE\n"
    );
}

/// `--param-env` takes a value from an environment variable, so that the secret is not in
/// the runner's own arguments either.
#[test]
fn param_env_reads_the_variable() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["run", "vault", "--param-env", "token=VAULT_TOKEN"])
        .args(["--param-env", "pin=VAULT_PIN", "--root"])
        .arg(root.path())
        .env("VAULT_TOKEN", TOKEN)
        .env("VAULT_PIN", "8")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", printed(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("  unlocked = true\n"), "{stdout}");
    assert!(!stdout.contains(TOKEN), "{stdout}");
}

/// A value from the environment is never shown, even for a parameter that is not secret,
/// and a duplicate is found before any value is parsed.
#[test]
fn param_env_values_never_shown() {
    for (args, expected) in [
        (
            &["run", "every-type", "--param-env", "small=VAULT_VALUE"][..],
            "error: invalid --param-env `small`: not a valid NUMBER_INTEGER; the value is not \
             shown because it comes from the environment\n",
        ),
        (
            &["run", "vault", "--param-env", "tokn=VAULT_VALUE"][..],
            "error: invalid --param-env: pipeline `vault` has no parameter `tokn`; its \
             parameters: token, pin\n",
        ),
        (
            &[
                "run",
                "vault",
                "--param",
                "pin=2",
                "--param-env",
                "pin=VAULT_VALUE",
            ][..],
            "error: invalid --param-env `pin`: the parameter is given twice\n",
        ),
    ] {
        let output = Command::new(BIN)
            .args(args)
            .env("VAULT_VALUE", "not-a-number-d41d8c")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8(output.stderr).unwrap(), expected);
    }
}

#[test]
fn param_env_errors_name_the_variable() {
    for (spec, expected) in [
        (
            "token=VAULT_UNSET",
            "error: invalid --param-env `token=VAULT_UNSET`: the environment variable \
             `VAULT_UNSET` is not set\n",
        ),
        (
            "token",
            "error: invalid --param-env `token`: expected NAME=VARIABLE\n",
        ),
        (
            "=VAULT_PIN",
            "error: invalid --param-env `=VAULT_PIN`: expected NAME=VARIABLE\n",
        ),
    ] {
        let output = Command::new(BIN)
            .args(["run", "vault", "--param-env", spec, "--param", "pin=2"])
            .env_remove("VAULT_UNSET")
            .env("VAULT_PIN", "2")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{spec}");
        assert_eq!(String::from_utf8(output.stderr).unwrap(), expected);
    }
}

#[test]
fn cache_folder_private_to_owner() {
    use std::os::unix::fs::PermissionsExt;

    let root = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args([
            "run",
            "vault",
            "--param",
            &format!("token={TOKEN}"),
            "--param",
            "pin=4",
        ])
        .arg("--root")
        .arg(root.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", printed(&output));
    let cache = std::fs::metadata(root.path().join(".cache")).unwrap();
    assert_eq!(cache.permissions().mode() & 0o777, 0o700);
}
