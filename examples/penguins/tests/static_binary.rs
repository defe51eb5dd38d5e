//! The static release binary that the example's image contains: it needs no loader and no
//! shared library, and every component runs from a root that holds only the binary and the
//! files of its artifacts.
//!
//! `scripts/test.sh` builds the binary with `scripts/image.sh` and names it in
//! `VERTEX_TEST_BINARY`.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn static_binary() -> PathBuf {
    let path = std::env::var_os("VERTEX_TEST_BINARY").expect(
        "VERTEX_TEST_BINARY is not set: run scripts/test.sh, which builds the static binary \
         with scripts/image.sh, or set it to target/x86_64-unknown-linux-gnu/release/penguins",
    );
    PathBuf::from(path)
}

#[test]
fn static_binary_links_nothing_at_run_time() {
    let path = static_binary();
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let elf = goblin::elf::Elf::parse(&bytes).unwrap();
    assert_eq!(elf.interpreter, None, "program interpreter (PT_INTERP)");
    assert!(elf.libraries.is_empty(), "DT_NEEDED: {:?}", elf.libraries);
}

/// The image's binary is built without the example's default `submit` feature, so it
/// names the missing feature instead of calling the Vertex AI API.
#[test]
fn image_binary_leaves_out_submit() {
    let binary = static_binary();
    let submit = [
        "submit",
        "penguins",
        "--project",
        "p",
        "--region",
        "us-central1",
    ];
    for args in [&submit[..], &["submit", "--help"][..]] {
        let output = Command::new(&binary).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("built without the `submit` feature of vertex-runtime"),
            "{args:?}: {stderr}"
        );
    }
    let help = Command::new(&binary).arg("--help").output().unwrap();
    assert_success(&help, "--help");
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(!help.contains("submit"), "{help}");
}

/// Leaving `submit` out changes no spec: the image's binary and the test build, which has
/// the default features, compile the same pipeline and emit the same components.
#[test]
fn image_binary_emits_the_same_specs() {
    let emit = |binary: &Path, args: &[&str]| {
        let output = Command::new(binary).args(args).output().unwrap();
        assert_success(&output, &args.join(" "));
        output.stdout
    };
    let image = static_binary();
    let host = Path::new(env!("CARGO_BIN_EXE_penguins"));
    let components = components(&image);
    assert_eq!(components, self::components(host));
    let mut commands = vec![vec!["compile", "penguins"]];
    commands.extend(components.iter().map(|name| vec!["spec", name.as_str()]));
    for args in commands {
        assert!(emit(&image, &args) == emit(host, &args), "{args:?} differ");
    }
}

/// Runs `command` inside `root`: with chroot(8) as root, else in a user namespace whose
/// root maps to the caller, which unprivileged users may create where the kernel allows it.
fn in_root(root: &Path, command: &[&str]) -> Command {
    let is_root = std::fs::metadata("/proc/self").is_ok_and(|proc| proc.uid() == 0);
    let mut process = if is_root {
        let mut chroot = Command::new(program("chroot"));
        chroot.arg(root);
        chroot
    } else {
        let mut unshare = Command::new(program("unshare"));
        unshare
            .arg("--map-root-user")
            .arg(format!("--root={}", root.display()));
        unshare
    };
    // Nothing of this process's environment reaches the task, as in a container.
    process.args(command).env_clear();
    process
}

/// Returns the path of a program on `PATH`, which the cleared environment of the command
/// that runs it no longer has.
fn program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{name} not found on PATH"))
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed with {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Returns the only run folder under `root`.
fn run_dir(root: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| !path.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs.into_iter().next().unwrap()
}

/// Returns the folders under `dir` that hold an `executor_input.json`, sorted.
fn task_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(task_dirs(&path));
        }
    }
    if dir.join("executor_input.json").is_file() {
        found.push(dir.to_owned());
    }
    found.sort();
    found
}

/// Returns the files under `dir`, as paths relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = PathBuf::from(path.file_name().unwrap());
        if path.is_dir() {
            files.extend(files_under(&path).into_iter().map(|file| name.join(file)));
        } else {
            files.push(name);
        }
    }
    files.sort();
    files
}

/// Returns the component a task runs: its folder's name, less the `-N` suffix that the
/// second and later tasks of one component get.
fn component_of<'a>(task_dir: &Path, components: &'a [String]) -> &'a str {
    let task = task_dir.file_name().unwrap().to_str().unwrap();
    let base = task
        .rsplit_once('-')
        .filter(|(_, number)| number.bytes().all(|byte| byte.is_ascii_digit()))
        .map_or(task, |(base, _)| base);
    components
        .iter()
        .find(|component| *component == task || *component == base)
        .unwrap_or_else(|| panic!("no component for task folder {}", task_dir.display()))
}

fn components(binary: &Path) -> Vec<String> {
    let output = Command::new(binary).arg("list").output().unwrap();
    assert_success(&output, "list");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("component "))
        .map(str::to_owned)
        .collect()
}

/// Copies the files under `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    for file in files_under(from) {
        let target = to.join(&file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&file), target).unwrap();
    }
}

#[test]
fn every_component_runs_in_empty_root() {
    let binary = static_binary();
    let components = components(&binary);
    let fresh = tempfile::tempdir().unwrap();
    let fresh_root = fresh.path().to_str().unwrap();
    std::fs::copy(&binary, fresh.path().join("penguins")).unwrap();
    let table = fresh.path().join("data/penguins.csv");
    std::fs::create_dir_all(table.parent().unwrap()).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv"),
        &table,
    )
    .unwrap();

    // The whole pipeline runs on the host first, under a root inside the fresh folder.
    let source = format!("source={}", table.display());
    let output = Command::new(&binary)
        .args([
            "run",
            "penguins",
            "--no-cache",
            "--param",
            &source,
            "--root",
        ])
        .arg(fresh.path().join("root"))
        .output()
        .unwrap();
    assert_success(&output, "the run on the host");
    let run = run_dir(&fresh.path().join("root"));
    let expected = tempfile::tempdir().unwrap();
    copy_tree(&run, expected.path());

    // Then each task again, inside the fresh folder, on its kept executor input with the
    // folder's path removed, so that every path names the same file from inside.
    let inside = |text: &str| text.replace(&format!("{fresh_root}/"), "/");
    let mut rerun = BTreeSet::new();
    for task_dir in task_dirs(&run) {
        let component = component_of(&task_dir, &components);
        let input = std::fs::read_to_string(task_dir.join("executor_input.json")).unwrap();
        for file in files_under(&task_dir) {
            if file != Path::new("executor_input.json") && file != Path::new("log.txt") {
                std::fs::remove_file(task_dir.join(file)).unwrap();
            }
        }
        let input = inside(&input);
        let output = in_root(
            fresh.path(),
            &["/penguins", "exec", component, "--executor-input", &input],
        )
        .env("VERTEX_MOUNT_ROOT", "/root")
        .output()
        .unwrap();
        assert_success(&output, &format!("exec {component} in the empty root"));

        let relative = task_dir.strip_prefix(&run).unwrap();
        let before = expected.path().join(relative);
        let files = files_under(&before);
        assert!(
            files
                .iter()
                .any(|file| file == Path::new("executor_output.json")),
            "{files:?}"
        );
        let outputs = files.iter().filter(|file| {
            *file != Path::new("log.txt") && *file != Path::new("executor_input.json")
        });
        for file in outputs {
            let host = std::fs::read(before.join(file)).unwrap();
            let chroot = std::fs::read(task_dir.join(file)).unwrap_or_else(|error| {
                panic!("{} missing after the re-run: {error}", file.display())
            });
            match (String::from_utf8(host), String::from_utf8(chroot)) {
                (Ok(host), Ok(chroot)) => assert_eq!(
                    inside(&host),
                    chroot,
                    "{} of {}",
                    file.display(),
                    relative.display()
                ),
                (host, chroot) => assert!(
                    host.is_err() && chroot.is_err(),
                    "{} is text on one side only",
                    file.display()
                ),
            }
        }
        rerun.insert(component.to_owned());
    }
    let all: BTreeSet<String> = components.into_iter().collect();
    assert_eq!(rerun, all, "components re-run in the empty root");
}
