//! Faults around the kitchen-sink binary, each tested in real processes. The cases are a
//! full file system under the outputs of `exec`, a failed task among 100 in `run`, the
//! memory `exec` takes to decode a large executor input, and an interrupted run followed by
//! a cached one.
//!
//! The full file system is a small tmpfs mounted for the test, so these tests need root
//! (CAP_SYS_ADMIN), as CI has. Without it they fail; they never skip.

use std::collections::BTreeSet;
use std::ffi::CString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");

/// Size of each test tmpfs, and less than any output the tests write to it.
const TMPFS_BYTES: usize = 64 * 1024;

/// A tmpfs of [`TMPFS_BYTES`] mounted on a temporary directory, unmounted when dropped.
struct Tmpfs {
    path: PathBuf,
    // Removed after the unmount, because `Drop` runs before the fields are dropped.
    _parent: tempfile::TempDir,
}

impl Tmpfs {
    fn mount() -> Self {
        let parent = tempfile::tempdir().unwrap();
        let path = parent.path().join("full");
        std::fs::create_dir(&path).unwrap();
        let target = CString::new(path.as_os_str().as_bytes()).unwrap();
        let options = CString::new(format!("size={TMPFS_BYTES},mode=0755")).unwrap();
        // SAFETY: every pointer is a NUL-terminated string that outlives the call.
        let result = unsafe {
            libc::mount(
                c"tmpfs".as_ptr(),
                target.as_ptr(),
                c"tmpfs".as_ptr(),
                0,
                options.as_ptr().cast(),
            )
        };
        assert_eq!(
            result,
            0,
            "cannot mount a tmpfs on {}: {}; this test needs root (CAP_SYS_ADMIN), as CI has",
            path.display(),
            std::io::Error::last_os_error()
        );
        Self {
            path,
            _parent: parent,
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let target = CString::new(self.path.as_os_str().as_bytes()).unwrap();
        // SAFETY: `target` is a NUL-terminated string that outlives the call. MNT_DETACH
        // unmounts even while a process left by a failed assertion has a file open.
        let result = unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) };
        if result != 0 {
            eprintln!(
                "cannot unmount {}: {}",
                self.path.display(),
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Returns every file and directory under `dir`, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                pending.push(path);
                found.push(format!("{relative}/"));
            } else {
                found.push(relative);
            }
        }
    }
    found.sort();
    found
}

/// Runs `exec COMPONENT` on an executor input given as an argument; returns the exit code
/// and standard error.
fn exec(component: &str, input: &Value) -> (i32, String) {
    let output = Command::new(BIN)
        .args(["exec", component, "--executor-input", &input.to_string()])
        .output()
        .unwrap();
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    (output.status.code().unwrap_or(-1), stderr)
}

fn range_input(n: i64, output_file: &Path) -> Value {
    json!({
        "inputs": {"parameterValues": {"n": n}},
        "outputs": {"outputFile": output_file},
    })
}

fn write_bytes_input(size: u64, blob: &Path, output_file: &Path) -> Value {
    json!({
        "inputs": {"parameterValues": {"size": size}},
        "outputs": {
            "artifacts": {"blob": {"artifacts": [{"name": "blob", "uri": blob}]}},
            "outputFile": output_file,
        },
    })
}

/// `range` with n = 20,000 returns a list of about 110 KB, which does not fit into the
/// 64 KiB tmpfs.
#[test]
fn executor_output_on_full_file_system() {
    let tmpfs = Tmpfs::mount();
    let output_file = tmpfs.path.join("out/executor_output.json");
    let (code, stderr) = exec("range", &range_input(20_000, &output_file));
    assert_eq!(
        stderr,
        format!(
            "error: cannot write outputs: cannot write the executor output to `{}`: No space left on device (os error 28)\n",
            output_file.display()
        )
    );
    assert_eq!(code, 7);
    // Neither the executor output nor its temporary file remains; the directory may.
    assert_eq!(tree(&tmpfs.path), ["out/"]);

    // The same output fits on a file system with room.
    let roomy = tempfile::tempdir().unwrap();
    let output_file = roomy.path().join("executor_output.json");
    let (code, stderr) = exec("range", &range_input(20_000, &output_file));
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::metadata(&output_file).unwrap().len();
    assert!(written > TMPFS_BYTES as u64, "{written} bytes");
}

/// `spec --all` writes 24 files, over 64 KiB in tmpfs pages. It writes them all before
/// renaming any, so the failure leaves no spec and no temporary file, and an earlier set
/// stays whole.
#[test]
fn spec_set_on_full_file_system() {
    let tmpfs = Tmpfs::mount();
    let specs = tmpfs.path.join("specs");
    std::fs::create_dir(&specs).unwrap();
    std::fs::write(specs.join("add.yaml"), "earlier\n").unwrap();
    let output = Command::new(BIN)
        .args(["spec", "--all", "--out-dir"])
        .arg(&specs)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(tree(&tmpfs.path), ["specs/", "specs/add.yaml"]);
    let kept = std::fs::read_to_string(specs.join("add.yaml")).unwrap();
    assert_eq!(kept, "earlier\n");
}

/// An output folder that is a dangling symbolic link is named as one.
#[test]
fn spec_folder_dangling_link_named() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("specs");
    std::os::unix::fs::symlink(dir.path().join("missing"), &link).unwrap();
    let output = Command::new(BIN)
        .args(["spec", "--all", "--out-dir"])
        .arg(&link)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let expected = format!(
        "`{}` is a symbolic link to a missing target",
        link.display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}

/// Staged specs are closed until their rename, so a set larger than the limit of open
/// files is written.
#[test]
fn spec_set_under_low_open_file_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command.args(["spec", "--all", "--out-dir"]).arg(dir.path());
    // SAFETY: setrlimit(2) is async-signal-safe, and the closure touches nothing else.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            let limit = libc::rlimit {
                rlim_cur: 12,
                rlim_max: 12,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let specs = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(specs > 12, "{specs} specs");
}

/// `Output::write` of 200,000 bytes to the 64 KiB tmpfs fails, and the component returns
/// that error.
#[test]
fn output_artifact_on_full_file_system() {
    let tmpfs = Tmpfs::mount();
    let blob = tmpfs.path.join("blob/data");
    let output_file = tmpfs.path.join("out/executor_output.json");
    let (code, stderr) = exec(
        "write-bytes",
        &write_bytes_input(200_000, &blob, &output_file),
    );
    assert_eq!(
        stderr,
        format!(
            "error: component `write-bytes` failed: cannot write `{}`: No space left on device (os error 28)\n",
            blob.display()
        )
    );
    assert_eq!(code, 5);
    // No artifact, no temporary file beside it, no executor output.
    assert_eq!(tree(&tmpfs.path), ["blob/", "out/"]);

    // A blob that fits is written, and so is the executor output.
    let (code, stderr) = exec(
        "write-bytes",
        &write_bytes_input(1_000, &blob, &output_file),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::metadata(&blob).unwrap().len(), 1_000);
    assert!(output_file.is_file());
}

/// An output path that is a symbolic link to `/dev/full` is written in place, since the
/// target is a device, and the write fails with ENOSPC. The link stays.
#[test]
fn outputs_linked_to_dev_full() {
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("executor_output.json");
    std::os::unix::fs::symlink("/dev/full", &output_file).unwrap();
    let (code, stderr) = exec("range", &range_input(3, &output_file));
    assert_eq!(
        stderr,
        format!(
            "error: cannot write outputs: cannot write the executor output to `{}`: No space left on device (os error 28)\n",
            output_file.display()
        )
    );
    assert_eq!(code, 7);

    let blob = dir.path().join("blob");
    std::os::unix::fs::symlink("/dev/full", &blob).unwrap();
    let other_output = dir.path().join("other.json");
    let (code, stderr) = exec("write-bytes", &write_bytes_input(10, &blob, &other_output));
    assert_eq!(
        stderr,
        format!(
            "error: component `write-bytes` failed: cannot write `{}`: No space left on device (os error 28)\n",
            blob.display()
        )
    );
    assert_eq!(code, 5);
    assert_eq!(
        tree(dir.path()),
        ["blob", "executor_output.json"],
        "only the two links remain"
    );
    assert!(std::fs::symlink_metadata(&blob).unwrap().is_symlink());
    assert!(std::fs::symlink_metadata(&output_file)
        .unwrap()
        .is_symlink());
}

/// Replaces the time of each task line (`12 ms` or `10.3 s`) by `<time>`.
fn mask_times(summary: &str) -> String {
    let mut masked = String::new();
    for line in summary.split_inclusive('\n') {
        let text = line.trim_end_matches('\n');
        let time = text
            .strip_suffix(" ms")
            .and_then(|rest| rest.rsplit_once("  "))
            .filter(|(_, number)| number.bytes().all(|b| b.is_ascii_digit()))
            .or_else(|| {
                text.strip_suffix(" s")
                    .and_then(|rest| rest.rsplit_once("  "))
                    .filter(|(_, number)| number.parse::<f64>().is_ok())
            });
        match time {
            Some((start, _)) => masked.push_str(&format!("{start}  <time>\n")),
            None => masked.push_str(line),
        }
    }
    masked
}

/// Returns the id that `Pipeline::task` gives the `n`th task of a component.
fn task_id(component: &str, n: usize) -> String {
    match n {
        1 => component.to_owned(),
        n => format!("{component}-{n}"),
    }
}

/// `hundred-tasks` in `tests/src/bin/kitchen_sink.rs`: the failure of `maybe-fail` skips its
/// four dependents, and the other 95 tasks all run.
#[test]
fn one_failure_among_hundred_tasks() {
    let root = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["run", "hundred-tasks", "--jobs", "2", "--root"])
        .arg(root.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(9), "{stderr}");

    // (task id, status, time column, output value) in the order the pipeline adds them.
    let mut tasks: Vec<(String, &str, String, Option<i64>)> = Vec::new();
    for (chain, start) in [100, 200, 300].into_iter().enumerate() {
        for step in 1..=25 {
            let id = task_id("increment", chain * 25 + step);
            let value = start + step as i64;
            tasks.push((id, "succeeded", "<time>".into(), Some(value)));
        }
    }
    let skipped = |upstream: &str| format!("- (upstream `{upstream}` did not succeed)");
    let failure_and_dependents = [
        ("maybe-fail", "failed", "<time>".to_owned()),
        ("line-count", "skipped", skipped("maybe-fail")),
        ("increment-76", "skipped", skipped("maybe-fail")),
        ("add", "skipped", skipped("line-count")),
        ("increment-77", "skipped", skipped("increment-76")),
    ];
    for (id, status, time) in failure_and_dependents {
        tasks.push((id.to_owned(), status, time, None));
    }
    for a in 0..20 {
        let id = task_id("add", a + 2);
        tasks.push((id, "succeeded", "<time>".into(), Some(a as i64 + 1000)));
    }
    assert_eq!(tasks.len(), 100);

    let mut expected = format!("\n{:12}  {:9}  time\n", "task", "status");
    for (id, status, time, _) in &tasks {
        expected.push_str(&format!("{id:12}  {status:9}  {time}\n"));
    }
    expected.push_str("\noutput parameters:\n");
    let outputs: BTreeSet<String> = tasks
        .iter()
        .filter_map(|(id, _, _, value)| Some(format!("  {id}.Output = {}\n", (*value)?)))
        .collect();
    outputs.iter().for_each(|line| expected.push_str(line));
    assert_eq!(mask_times(&stdout), expected);

    let run_dir = root.path().join(
        stderr
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("run "))
            .and_then(|line| line.split_once(':'))
            .map(|(name, _)| name)
            .unwrap_or_else(|| panic!("no `run NAME:` line: {stderr}")),
    );
    assert!(
        stderr.starts_with(&format!(
            "run {}: 100 tasks, up to 2 at once, in {}\n",
            run_dir.file_name().unwrap().to_str().unwrap(),
            run_dir.display()
        )),
        "{stderr}"
    );
    let log = run_dir.join("maybe-fail/log.txt");
    assert!(
        stderr.ends_with(&format!(
            "error: pipeline `hundred-tasks` failed: task `maybe-fail` exited with code 5; last lines of {}:\n  | error: component `maybe-fail` failed: asked to fail\n",
            log.display()
        )),
        "{stderr}"
    );
    for (id, _, _, value) in &tasks {
        let output_file = run_dir.join(id).join("executor_output.json");
        match value {
            Some(value) => {
                let text = std::fs::read_to_string(&output_file)
                    .unwrap_or_else(|error| panic!("{}: {error}", output_file.display()));
                assert_eq!(
                    text,
                    format!(r#"{{"parameterValues":{{"Output":{value}}}}}"#)
                );
            }
            None if id == "maybe-fail" => assert!(!output_file.exists(), "{id}"),
            // A skipped task never started, so it has no directory.
            None => assert!(!run_dir.join(id).exists(), "{id}"),
        }
    }
}

/// Runs `exec COMPONENT --executor-input-file PATH` and returns its exit status and its
/// peak resident set size in bytes, from wait4(2).
fn exec_measuring_memory(component: &str, input_file: &Path) -> (libc::c_int, u64) {
    #[expect(
        clippy::zombie_processes,
        reason = "wait4 below reaps the child, since `Child::wait` cannot return its rusage"
    )]
    let child = Command::new(BIN)
        .args(["exec", component, "--executor-input-file"])
        .arg(input_file)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data, for which all zeros is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is a child of this process that nothing else waits for, and both
    // pointers are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "{}", std::io::Error::last_os_error());
    // Linux reports ru_maxrss in KiB.
    (status, usage.ru_maxrss as u64 * 1024)
}

/// Writes `head`, `count` copies of `item` separated by `separator`, and `tail` to `path`.
/// The text is never built in memory. Returns the size of the file.
fn write_in_pieces(
    path: &Path,
    head: &str,
    item: &str,
    separator: &str,
    count: usize,
    tail: &str,
) -> u64 {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(head.as_bytes()).unwrap();
    for index in 0..count {
        if index > 0 {
            file.write_all(separator.as_bytes()).unwrap();
        }
        file.write_all(item.as_bytes()).unwrap();
    }
    file.write_all(tail.as_bytes()).unwrap();
    file.into_inner().unwrap().sync_all().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// Returns the resident set size of this process, from `/proc/self/status`.
fn resident_set_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().strip_suffix(" kB"))
        .and_then(|value| value.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no VmRSS line in /proc/self/status: {status}"));
    kib * 1024
}

/// Size of the large executor inputs: 50 MiB.
const LARGE_INPUT_BYTES: usize = 50 * 1024 * 1024;

/// Peak memory of `exec` on a 50 MiB executor input, through `--executor-input-file`.
///
/// `exec` drops the text it read once it is parsed. A string parameter is then held twice,
/// as a `serde_json::Value` and as the component's `String`, plus about 9 MiB for the
/// binary at rest: 2.1 times the input, measured. The bound, 3 times, fails if the text or
/// another copy is kept.
///
/// A list of integers costs more, because each element, 8 bytes of text here, becomes a
/// 32-byte `serde_json::Value`. Values and the `Vec<i64>` come to 5.1 times the input,
/// measured, and the bound is 6 times.
#[test]
fn large_input_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let output_file = dir.path().join("executor_output.json");

    // The inputs are written in pieces, because the child's ru_maxrss also counts the
    // memory of this process at the spawn, before the exec replaced it. Below a tenth of
    // the input, that adds at most 0.1 to the ratios checked.
    let outputs = format!(
        r#"}}}}, "outputs": {{"outputFile": {}}}}}"#,
        json!(output_file)
    );
    let string_file = dir.path().join("string.json");
    let string_size = write_in_pieces(
        &string_file,
        r#"{"inputs": {"parameterValues": {"text": ""#,
        "x",
        "",
        LARGE_INPUT_BYTES,
        &format!("\"{outputs}"),
    );
    // Each element is `1234567,`: 8 bytes.
    let count = LARGE_INPUT_BYTES / 8;
    let list_file = dir.path().join("list.json");
    let list_size = write_in_pieces(
        &list_file,
        r#"{"inputs": {"parameterValues": {"xs": ["#,
        "1234567",
        ",",
        count,
        &format!("]{outputs}"),
    );
    let resident = resident_set_bytes();
    assert!(
        resident < LARGE_INPUT_BYTES as u64 / 10,
        "this test process has {resident} bytes resident, which would count as the child's"
    );

    let cases = [
        (
            "text-length",
            &string_file,
            string_size,
            3.0,
            json!(LARGE_INPUT_BYTES),
        ),
        (
            "total",
            &list_file,
            list_size,
            6.0,
            json!(count as i64 * 1_234_567),
        ),
    ];
    for (component, input_file, size, bound, sum) in cases {
        let (status, peak) = exec_measuring_memory(component, input_file);
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            "{component}: wait status {status}"
        );
        let written: Value = serde_json::from_slice(&std::fs::read(&output_file).unwrap()).unwrap();
        assert_eq!(written, json!({"parameterValues": {"Output": sum}}));
        let ratio = peak as f64 / size as f64;
        eprintln!(
            "{component}: input {size} bytes, peak RSS {peak} bytes, {ratio:.2} times the input"
        );
        assert!(
            ratio <= bound,
            "{component}: peak RSS {peak} bytes is {ratio:.2} times the {size}-byte input, over the bound of {bound}"
        );
    }
}

/// Returns the ids of the processes whose command line contains `text`.
fn processes_mentioning(text: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap() {
        let entry = entry.unwrap();
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok())
        else {
            continue;
        };
        // A process may exit between the listing and the read.
        let Ok(command_line) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let found_text = command_line
            .windows(text.len())
            .any(|window| window == text.as_bytes());
        if found_text {
            found.push(pid);
        }
    }
    found
}

/// Waits up to 20 seconds for `condition`.
fn wait_for(what: &str, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Returns the names of the cache entries under `root`, sorted.
fn cache_entries(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join(".cache")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// SIGINT stops `slow-and-quick` while its two `sleepy` tasks run and after `add` finished.
/// No process of the run survives, the interrupted tasks leave no executor output, temporary
/// file or cache entry, and a second run under the same root reuses `add` only.
#[test]
fn interrupted_run_then_cached_rerun() {
    let root = tempfile::tempdir().unwrap();
    let root_text = root.path().to_str().unwrap();
    let runner = Command::new(BIN)
        .args(["run", "slow-and-quick", "--jobs", "3", "--root", root_text])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let run_dir = || -> Option<PathBuf> {
        std::fs::read_dir(root.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .find(|path| path.file_name().unwrap() != ".cache")
    };
    wait_for("the sleepy tasks did not start", || {
        run_dir().is_some_and(|run| {
            run.join("sleepy/marker").exists() && run.join("sleepy-2/marker").exists()
        })
    });
    wait_for("`add` was not cached", || {
        cache_entries(root.path())
            .iter()
            .any(|name| name.starts_with("add-"))
    });
    let run_dir = run_dir().unwrap();
    let run_name = run_dir.file_name().unwrap().to_str().unwrap().to_owned();
    // The runner and its two sleepy tasks.
    assert_eq!(processes_mentioning(root_text).len(), 3);

    // SAFETY: kill(2) has no memory effects; the runner has not been waited for yet.
    let signalled = unsafe { libc::kill(runner.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(signalled, 0);
    let output = runner.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(9), "{stderr}");
    assert!(
        stderr.ends_with("error: pipeline `slow-and-quick` interrupted by SIGINT: running tasks were stopped and 1 tasks did not run\n"),
        "{stderr}"
    );
    let orphans = processes_mentioning(root_text);
    assert!(orphans.is_empty(), "processes left running: {orphans:?}");

    // `increment` names whichever sleepy task the runner saw fail first.
    let stdout = String::from_utf8(output.stdout)
        .unwrap()
        .replace("(upstream `sleepy-2` did", "(upstream `sleepy` did");
    let summary = "\ntask       status     time\n\
                   add        succeeded  <time>\n\
                   sleepy     failed     <time>\n\
                   sleepy-2   failed     <time>\n\
                   increment  skipped    - (upstream `sleepy` did not succeed)\n\
                   \noutput parameters:\n  add.Output = 1\n";
    assert_eq!(mask_times(&stdout), summary);
    let cached = cache_entries(root.path());
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].starts_with("add-"), "{cached:?}");
    // The runner keeps each task's executor input in the task's folder.
    let mut files = tree(&run_dir);
    files.retain(|path| !path.ends_with("/executor_input.json"));
    assert_eq!(
        files,
        [
            "add/",
            "add/executor_output.json",
            "add/log.txt",
            "sleepy-2/",
            "sleepy-2/log.txt",
            "sleepy-2/marker",
            "sleepy/",
            "sleepy/log.txt",
            "sleepy/marker",
        ]
    );

    // The second run reuses `add` and runs the interrupted tasks again, shorter.
    let output = Command::new(BIN)
        .args(["run", "slow-and-quick", "--jobs", "3", "--root", root_text])
        .args(["--param", "seconds=0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "[add] reused the outputs of run {run_name} (cached)\n"
        )),
        "{stderr}"
    );
    for task in ["sleepy", "sleepy-2", "increment"] {
        assert!(stderr.contains(&format!("[{task}] started\n")), "{stderr}");
    }
    let stdout = String::from_utf8(output.stdout).unwrap();
    let summary = format!(
        "\ntask       status     time\n\
         add        cached     - (outputs of run {run_name})\n\
         sleepy     succeeded  <time>\n\
         sleepy-2   succeeded  <time>\n\
         increment  succeeded  <time>\n\
         \noutput parameters:\n  add.Output = 1\n  increment.Output = 2\n"
    );
    assert_eq!(mask_times(&stdout), summary);
}
