//! The example's `FROM scratch` image runs a component as a KFP task would: the static
//! binary alone, started with the command of the component's spec, since the image has no
//! ENTRYPOINT. The image runs as a non-root user, so the folders it writes to must be
//! writable by that user.
//!
//! `scripts/test.sh` builds the image with `scripts/image.sh` from the runtime stage of the
//! template Dockerfile and names it in `VERTEX_TEST_IMAGE`. It names the static binary that
//! the image contains in `VERTEX_TEST_BINARY`.

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dockerfile_parser::{Dockerfile, Instruction};
use serde_json::{json, Value};

/// The binary's path in the image, which every emitted spec starts its command with.
const BINARY_IN_IMAGE: &str = "/usr/local/bin/penguins";

fn image() -> String {
    std::env::var("VERTEX_TEST_IMAGE")
        .expect("VERTEX_TEST_IMAGE is not set: run scripts/test.sh, which builds the image with scripts/image.sh")
}

/// Lets the image's non-root user create files in `dir`.
fn make_writable(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
}

fn docker_run(volume: &Path, args: &[&str]) -> Output {
    let mount = format!("{0}:{0}", volume.display());
    Command::new("docker")
        .args(["run", "--rm", "--network", "none", "-v", &mount, &image()])
        .arg(BINARY_IN_IMAGE)
        .args(args)
        .output()
        .expect("docker starts")
}

#[test]
fn image_lists_components() {
    let dir = tempfile::tempdir().unwrap();
    let output = docker_run(dir.path(), &["list"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("component clean\n"), "{stdout}");
    assert!(stdout.contains("pipeline penguins\n"), "{stdout}");
}

#[test]
fn image_runs_component_on_executor_input() {
    let dir = tempfile::tempdir().unwrap();
    make_writable(dir.path());
    let table = dir.path().join("gcs/bucket/penguins.csv");
    std::fs::create_dir_all(table.parent().unwrap()).unwrap();
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv"),
        &table,
    )
    .unwrap();
    let output_file = dir.path().join("task/executor_output.json");
    let cleaned = dir.path().join("task/cleaned");
    let input = json!({
        "inputs": {
            "parameterValues": {"min_rows": 100.0},
            "artifacts": {"raw": {"artifacts": [{
                "name": "raw", "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
                "uri": table, "metadata": {}
            }]}}
        },
        "outputs": {
            "artifacts": {"cleaned": {"artifacts": [{
                "name": "cleaned", "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
                "uri": cleaned, "metadata": {}
            }]}},
            "outputFile": output_file
        }
    });
    let output = docker_run(
        dir.path(),
        &["exec", "clean", "--executor-input", &input.to_string()],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written: Value = serde_json::from_slice(&std::fs::read(&output_file).unwrap()).unwrap();
    assert_eq!(written["parameterValues"]["Output"], 11);
    assert_eq!(
        written["artifacts"]["cleaned"]["artifacts"][0]["metadata"]["rows"],
        333
    );
    assert_eq!(
        std::fs::read_to_string(&cleaned).unwrap().lines().count(),
        334
    );
}

#[test]
fn image_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let output = docker_run(dir.path(), &["exec", "clean", "--executor-input", "{"]);
    assert_eq!(output.status.code(), Some(3));
    // The image sets VERTEX_LOG_FORMAT=json, which turns the message into a JSON log line.
    let logged = [output.stdout, output.stderr].concat();
    let logged = String::from_utf8(logged).unwrap();
    assert!(
        logged.contains("invalid executor input: EOF while parsing"),
        "{logged}"
    );
}

/// The instructions of the template's runtime stage that shape the image.
#[derive(Debug, Default)]
struct RuntimeStage {
    /// Source and destination of each `COPY --from=builder`.
    copies: Vec<(String, String)>,
    /// The destinations copied with `--chown`, and the owner given.
    owned: Vec<(String, String)>,
    user: Option<String>,
    env: Vec<(String, String)>,
}

fn template() -> Dockerfile {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Dockerfile");
    let text = std::fs::read_to_string(path).unwrap();
    Dockerfile::parse(&text).unwrap()
}

/// Reads the last stage of the template, named `runtime`, with `${BINARY}` replaced by the
/// default of the global `ARG BINARY`.
fn runtime_stage() -> RuntimeStage {
    let dockerfile = template();
    let binary = dockerfile
        .global_args
        .iter()
        .find(|arg| arg.name.content == "BINARY")
        .and_then(|arg| arg.value.as_ref())
        .map(|value| value.content.clone())
        .expect("a global `ARG BINARY=<name>` in the Dockerfile");
    let substitute = |text: &str| text.replace("${BINARY}", &binary);
    let stages = dockerfile.stages();
    let stage = stages.stages.last().unwrap();
    assert_eq!(stage.name.as_deref(), Some("runtime"));
    let mut runtime = RuntimeStage::default();
    for instruction in &stage.instructions {
        match instruction {
            Instruction::From(from) => assert_eq!(from.image.content, "scratch"),
            Instruction::Arg(arg) => assert_eq!(arg.name.content, "BINARY"),
            Instruction::Copy(copy) => {
                let flags: Vec<(&str, &str)> = copy
                    .flags
                    .iter()
                    .map(|flag| (flag.name.content.as_str(), flag.value.content.as_str()))
                    .collect();
                assert_eq!(flags[0], ("from", "builder"));
                assert_eq!(copy.sources.len(), 1, "{copy:?}");
                let destination = substitute(&copy.destination.content);
                match flags[1..] {
                    [] => {}
                    [("chown", owner)] => {
                        runtime.owned.push((destination.clone(), owner.to_owned()))
                    }
                    _ => panic!("unexpected flags {flags:?}"),
                }
                runtime
                    .copies
                    .push((substitute(&copy.sources[0].content), destination));
            }
            Instruction::Env(env) => runtime.env.extend(
                env.vars
                    .iter()
                    .map(|var| (var.key.content.clone(), var.value.to_string())),
            ),
            Instruction::Misc(misc) if misc.instruction.content.eq_ignore_ascii_case("USER") => {
                runtime.user = Some(misc.arguments.to_string().trim().to_owned());
            }
            other => panic!("unexpected instruction in the runtime stage: {other:?}"),
        }
    }
    runtime
}

#[test]
fn template_sets_no_entrypoint_or_cmd() {
    for instruction in &template().instructions {
        assert!(
            !matches!(
                instruction,
                Instruction::Entrypoint(_) | Instruction::Cmd(_)
            ),
            "{instruction:?}"
        );
    }
}

#[test]
fn template_runtime_stage_is_minimal() {
    let runtime = runtime_stage();
    let destinations: Vec<&str> = runtime.copies.iter().map(|(_, to)| to.as_str()).collect();
    assert_eq!(
        destinations,
        [
            "/etc/ssl/certs/ca-certificates.crt",
            BINARY_IN_IMAGE,
            "/tmp"
        ]
    );
    let user = runtime.user.expect("a USER instruction");
    assert_eq!(runtime.owned, [("/tmp".to_owned(), user.clone())]);
    let (uid, gid) = user.split_once(':').unwrap_or((&user, ""));
    assert!(uid.parse::<u32>().is_ok_and(|uid| uid != 0), "user {user}");
    assert!(gid.parse::<u32>().is_ok_and(|gid| gid != 0), "user {user}");
    assert!(
        runtime
            .env
            .contains(&("VERTEX_LOG_FORMAT".to_owned(), "json".to_owned())),
        "{:?}",
        runtime.env
    );
}

#[test]
fn template_binary_path_is_spec_command() {
    let output = Command::new(env!("CARGO_BIN_EXE_penguins"))
        .args(["spec", "clean", "--image", "penguins:1"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let spec = String::from_utf8(output.stdout).unwrap();
    assert!(
        spec.contains(&format!("command:\n        - {BINARY_IN_IMAGE}\n")),
        "{spec}"
    );
}

fn docker_output(args: &[&str]) -> Vec<u8> {
    let output = Command::new("docker").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Returns the regular files of the image, by path without the leading `/`, with their
/// mode and contents, less the empty files that Docker adds to every container.
fn image_files() -> Vec<(String, u32, Vec<u8>)> {
    let created = docker_output(&["create", "--network", "none", &image(), BINARY_IN_IMAGE]);
    let id = String::from_utf8(created).unwrap().trim().to_owned();
    let exported = docker_output(&["export", &id]);
    docker_output(&["rm", &id]);
    let added_by_docker = [
        ".dockerenv",
        "dev/console",
        "etc/hostname",
        "etc/hosts",
        "etc/resolv.conf",
    ];
    let mut files = Vec::new();
    let mut archive = tar::Archive::new(exported.as_slice());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if !entry.header().entry_type().is_file() || added_by_docker.contains(&path.as_str()) {
            continue;
        }
        let mode = entry.header().mode().unwrap();
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).unwrap();
        files.push((path, mode, contents));
    }
    files
}

#[test]
fn image_matches_template_runtime_stage() {
    let runtime = runtime_stage();
    let inspected = docker_output(&["image", "inspect", "--format", "{{json .Config}}", &image()]);
    let config: Value = serde_json::from_slice(&inspected).unwrap();
    assert_eq!(config["User"], json!(runtime.user.unwrap()));
    assert_eq!(config["Entrypoint"], Value::Null);
    assert_eq!(config["Cmd"], Value::Null);
    let env: BTreeSet<&str> = config["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|var| var.as_str().unwrap())
        .collect();
    for (name, value) in &runtime.env {
        assert!(env.contains(format!("{name}={value}").as_str()), "{env:?}");
    }

    let files = image_files();
    let paths: BTreeSet<String> = files
        .iter()
        .map(|(path, _, _)| format!("/{path}"))
        .collect();
    // `/tmp` is a directory, checked by `image_tmp_owned_by_user`.
    let destinations: BTreeSet<String> = runtime
        .copies
        .into_iter()
        .map(|(_, to)| to)
        .filter(|to| to != "/tmp")
        .collect();
    assert_eq!(paths, destinations);
    for (path, mode, contents) in &files {
        // The user of the image owns none of its files, so it reads them as "other".
        assert_eq!(
            mode & 0o004,
            0o004,
            "/{path} is not readable by the image's user"
        );
        if format!("/{path}") == BINARY_IN_IMAGE {
            assert_eq!(
                mode & 0o001,
                0o001,
                "/{path} is not executable by the image's user"
            );
            let binary = PathBuf::from(std::env::var_os("VERTEX_TEST_BINARY").expect(
                "VERTEX_TEST_BINARY is not set: run scripts/test.sh, which builds the static binary",
            ));
            assert!(
                *contents == std::fs::read(&binary).unwrap(),
                "/{path} differs from {}",
                binary.display()
            );
        } else {
            assert!(
                String::from_utf8_lossy(contents).contains("-----BEGIN CERTIFICATE-----"),
                "/{path} holds no certificate"
            );
        }
    }
}

#[test]
fn image_tmp_owned_by_user() {
    let user = runtime_stage().user.expect("a USER instruction");
    let uid: u64 = user.split(':').next().unwrap().parse().unwrap();
    let created = docker_output(&["create", "--network", "none", &image(), BINARY_IN_IMAGE]);
    let id = String::from_utf8(created).unwrap().trim().to_owned();
    let exported = docker_output(&["export", &id]);
    docker_output(&["rm", &id]);
    let mut archive = tar::Archive::new(exported.as_slice());
    let tmp = archive
        .entries()
        .unwrap()
        .map(Result::unwrap)
        .find(|entry| {
            entry
                .path()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches('/')
                == "tmp"
        })
        .expect("a /tmp directory in the image");
    assert!(tmp.header().entry_type().is_dir());
    assert_eq!(tmp.header().uid().unwrap(), uid);
    assert_eq!(tmp.header().mode().unwrap() & 0o700, 0o700);
}
