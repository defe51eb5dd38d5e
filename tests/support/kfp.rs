//! Calls the kfp conformance harness (`tests/kfp/harness.py`) in the venv that
//! `scripts/kfp-venv.sh` prepares, and the binary under test. Shared by the test crates.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Returns the workspace root.
pub fn workspace() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join("tests/kfp/harness.py").is_file() {
        assert!(
            dir.pop(),
            "tests/kfp/harness.py not found above {}",
            env!("CARGO_MANIFEST_DIR")
        );
    }
    dir
}

/// Returns the Python interpreter of the kfp venv: `$VERTEX_KFP_PYTHON_BIN`, else
/// `target/kfp-venv/bin/python`.
pub fn python() -> PathBuf {
    let python = std::env::var_os("VERTEX_KFP_PYTHON_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/kfp-venv/bin/python"));
    assert!(
        python.is_file(),
        "the kfp venv is missing ({}); run scripts/kfp-venv.sh or scripts/test.sh",
        python.display()
    );
    python
}

/// Runs a script of `tests/kfp` with the venv's Python; it must succeed.
pub fn python_script<S: AsRef<OsStr>>(script: &str, args: &[S]) -> String {
    python_script_with_env(script, args, &[])
}

/// Like [`python_script`], with extra environment variables.
pub fn python_script_with_env<S: AsRef<OsStr>>(
    script: &str,
    args: &[S],
    env: &[(&str, &Path)],
) -> String {
    let output = Command::new(python())
        .arg(workspace().join("tests/kfp").join(script))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("python starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script} failed: {stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs one harness subcommand and returns its stdout, or its stderr on failure.
pub fn harness_raw<S: AsRef<OsStr>>(args: &[S]) -> Result<String, String> {
    let output = Command::new(python())
        .arg(workspace().join("tests/kfp/harness.py"))
        .args(args)
        .output()
        .expect("python starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(stderr)
    }
}

/// Runs one harness subcommand that must succeed and returns its JSON.
pub fn harness<S: AsRef<OsStr>>(args: &[S]) -> Value {
    let stdout = harness_raw(args).unwrap_or_else(|stderr| panic!("harness failed: {stderr}"));
    serde_json::from_str(&stdout)
        .unwrap_or_else(|error| panic!("harness printed invalid JSON ({error}): {stdout}"))
}

/// Writes the component's spec from `binary spec` to `dir/<component>.yaml`.
pub fn write_spec(binary: &str, component: &str, dir: &Path) -> PathBuf {
    let output = Command::new(binary)
        .args(["spec", component, "--image", "example.com/image:1"])
        .output()
        .expect("the binary starts");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = dir.join(format!("{component}.yaml"));
    std::fs::write(&path, output.stdout).unwrap();
    path
}

/// Builds an executor input with kfp.local's own code, runs `binary exec` on it (written to
/// a file for `read-outputs`), and reads the outputs back with kfp.local's own code.
pub fn run_through_kfp_local(
    binary: &str,
    spec: &Path,
    component: &str,
    args: &Value,
    backend: bool,
) -> Value {
    let root = spec.parent().unwrap().join(if backend {
        "backend-root"
    } else {
        "local-root"
    });
    let mut command = vec![
        "executor-input".to_owned(),
        spec.display().to_string(),
        "--args".to_owned(),
        args.to_string(),
        "--root".to_owned(),
        root.display().to_string(),
    ];
    if backend {
        command.push("--backend".to_owned());
    }
    let input = harness(&command);
    let output = Command::new(binary)
        .args(["exec", component, "--executor-input", &input.to_string()])
        .output()
        .expect("the binary starts");
    assert!(
        output.status.success(),
        "exec failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let input_file = root.join(format!("{component}-executor-input.json"));
    std::fs::write(&input_file, input.to_string()).unwrap();
    harness(&[
        "read-outputs".to_owned(),
        spec.display().to_string(),
        "--executor-input".to_owned(),
        input_file.display().to_string(),
    ])
}
