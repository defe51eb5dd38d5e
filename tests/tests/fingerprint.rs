//! The fingerprint in each task's arguments follows the component's code: a crate built,
//! edited in one component's body and built again compiles to a spec in which exactly one
//! line changed, that component's fingerprint.
//!
//! The crate is built with cargo in `target/fingerprint-test`, so the first run of this test
//! compiles `vertex-runtime` once more (about a minute on two cores).

use std::path::{Path, PathBuf};
use std::process::Command;

const MAIN: &str = r#"
use vertex_runtime::prelude::*;

/// Adds two numbers.
#[vertex_component]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Doubles a number.
#[vertex_component]
fn double(x: i64) -> i64 {
    x * 2
}

/// Squares a number.
#[vertex_component(version = "1")]
fn square(x: i64) -> i64 {
    x * x
}

/// Adds, doubles and squares.
#[vertex_pipeline]
fn arithmetic(p: &Pipeline, a: ParamRef<i64>) {
    let sum = p.task(add { a: a.clone(), b: a });
    let doubled = p.task(double { x: sum.output.clone() });
    p.task(square { x: doubled.output.clone() });
}

fn main() -> std::process::ExitCode {
    vertex_runtime::main()
}
"#;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Writes the crate with `main` as its source, builds it and returns its pipeline spec.
fn build_and_compile(dir: &Path, main: &str) -> String {
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    let target = workspace().join("target/fingerprint-test");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo starts");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let compiled = Command::new(target.join("debug/fingerprinted"))
        .args(["compile", "arithmetic", "--image", "example.com/app:stable"])
        .output()
        .unwrap();
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    String::from_utf8(compiled.stdout).unwrap()
}

fn changed_lines<'a>(before: &'a str, after: &'a str) -> Vec<(&'a str, &'a str)> {
    assert_eq!(before.lines().count(), after.lines().count());
    before
        .lines()
        .zip(after.lines())
        .filter(|(old, new)| old != new)
        .collect()
}

#[test]
fn editing_one_body_changes_one_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let runtime = workspace().join("vertex-runtime");
    let manifest = format!(
        "[package]\nname = \"fingerprinted\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nvertex-runtime = {{ path = {:?} }}\n\n[workspace]\n",
        runtime.display().to_string()
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file pins the same dependency versions as the rest of the tests.
    std::fs::copy(
        workspace().join("Cargo.lock"),
        dir.path().join("Cargo.lock"),
    )
    .unwrap();

    let original = build_and_compile(dir.path(), MAIN);
    let fingerprints: Vec<&str> = original
        .lines()
        .skip_while(|line| !line.contains("- --fingerprint"))
        .collect();
    assert!(!fingerprints.is_empty(), "no fingerprint in:\n{original}");

    let comments_only = MAIN
        .replace("/// Doubles a number.", "/// Doubles an integer.")
        .replace("x * 2\n", "x * 2 // twice\n");
    let recommented = build_and_compile(dir.path(), &comments_only);
    let changed = changed_lines(&original, &recommented);
    assert!(
        changed.iter().all(|(old, _)| old.contains("Doubles")),
        "only the description may change: {changed:?}"
    );

    let edited = build_and_compile(dir.path(), &MAIN.replace("x * 2", "x + x"));
    let changed = changed_lines(&original, &edited);
    assert_eq!(changed.len(), 1, "{changed:?}");
    let (old, new) = changed[0];
    let fingerprint_of_double = fingerprint_line(&original, "exec-double");
    assert_eq!(old, fingerprint_of_double);
    assert_ne!(new, old);

    let bumped = build_and_compile(
        dir.path(),
        &MAIN.replace("version = \"1\"", "version = \"2\""),
    );
    let changed = changed_lines(&original, &bumped);
    assert_eq!(
        changed,
        [(fingerprint_line(&original, "exec-square"), changed[0].1)]
    );
}

/// Returns the line after `--fingerprint` in the executor named `executor`.
fn fingerprint_line<'a>(spec: &'a str, executor: &str) -> &'a str {
    let mut lines = spec
        .lines()
        .skip_while(|line| line.trim() != format!("{executor}:"))
        .skip_while(|line| !line.contains("- --fingerprint"));
    lines.next().expect("a --fingerprint argument");
    lines.next().expect("the fingerprint")
}
