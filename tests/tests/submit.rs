//! `BIN submit` against a stand-in of the Vertex AI API and of Google's token endpoint,
//! `tests/kfp/vertex_stand_in.py`, run with the kfp venv's Python. The stand-in checks each
//! request (bearer token, content type, the spec parsed into kfp's PipelineSpec protobuf) and
//! records it; the tests read that record.
//!
//! Every run of the binary gets a clean environment: HOME is a temporary folder and
//! GOOGLE_APPLICATION_CREDENTIALS names a key file whose token_uri is the stand-in, so no
//! request can go to Google, the metadata server or gcloud.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use serde_json::{json, Value};

#[path = "../support/kfp.rs"]
mod support;

use support::{python, workspace};

const BIN: &str = env!("CARGO_BIN_EXE_kitchen-sink");
const IMAGE: &str = "europe-docker.pkg.dev/my-project/repo/kitchen-sink:1.0";
const PROJECT: &str = "my-project";
const REGION: &str = "europe-west4";
const ROOT: &str = "gs://my-bucket/runs";

/// What a run of the binary gave.
#[derive(Debug)]
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A running stand-in, with a key file for it; stopped on drop.
struct StandIn {
    child: Child,
    /// Closing it stops the stand-in even if the kill below is never reached.
    _stdin: ChildStdin,
    port: u16,
    dir: tempfile::TempDir,
    info: Value,
    /// The certificate of the CA of an HTTPS stand-in.
    ca: Option<PathBuf>,
}

impl StandIn {
    /// Starts a stand-in that serves plain HTTP.
    fn start() -> Self {
        Self::start_with(false)
    }

    /// Starts a stand-in that serves HTTPS with a certificate from its own CA.
    fn start_tls() -> Self {
        Self::start_with(true)
    }

    fn start_with(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = tls.then(|| dir.path().join("ca.pem"));
        let mut command = Command::new(python());
        command
            .arg(workspace().join("tests/kfp/vertex_stand_in.py"))
            .arg("--record")
            .arg(dir.path().join("record.jsonl"))
            .args(["--lifetime", "300"]);
        if let Some(ca) = &ca {
            command.arg("--tls-ca").arg(ca);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python starts");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: Value = serde_json::from_str(&line)
            .unwrap_or_else(|error| panic!("the stand-in did not start ({error}): {line:?}"));
        let port = u16::try_from(info["port"].as_u64().unwrap()).unwrap();
        let stand_in = Self {
            child,
            _stdin: stdin,
            port,
            dir,
            info,
            ca,
        };
        stand_in.write_credentials("credentials.json", &stand_in.service_account_key());
        std::fs::create_dir(stand_in.home()).unwrap();
        stand_in
    }

    fn url(&self) -> String {
        let scheme = if self.ca.is_some() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// A service account key whose token_uri is the stand-in.
    fn service_account_key(&self) -> Value {
        json!({
            "type": "service_account",
            "project_id": "stand-in-project",
            "private_key_id": "0123456789abcdef",
            "private_key": self.info["private_key"],
            "client_email": self.info["client_email"],
            "client_id": "1234567890",
            "auth_uri": format!("{}/auth", self.url()),
            "token_uri": format!("{}/token", self.url()),
        })
    }

    fn write_credentials(&self, name: &str, credentials: &Value) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, credentials.to_string()).unwrap();
        path
    }

    /// Runs the binary with `args` in a clean environment pointed at the stand-in.
    fn run(&self, args: &[&str]) -> Outcome {
        self.run_with(args, &self.dir.path().join("credentials.json"), &self.url())
    }

    fn run_with(&self, args: &[&str], credentials: &Path, endpoint: &str) -> Outcome {
        self.launch(args, credentials, endpoint, true, &[])
    }

    /// Runs the binary with `env` added to its environment.
    fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let credentials = self.dir.path().join("credentials.json");
        self.launch(args, &credentials, &self.url(), true, env)
    }

    /// Runs the binary; `trust_ca` makes an HTTPS stand-in's CA the only trusted root.
    fn launch(
        &self,
        args: &[&str],
        credentials: &Path,
        endpoint: &str,
        trust_ca: bool,
        env: &[(&str, &str)],
    ) -> Outcome {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_clear()
            .envs(env.iter().copied())
            .env("HOME", self.home())
            .env("GOOGLE_APPLICATION_CREDENTIALS", credentials)
            .env("VERTEX_AI_ENDPOINT", endpoint);
        if let Some(ca) = self.ca.as_ref().filter(|_| trust_ca) {
            // rustls-native-certs reads the roots from this file instead of the system's.
            command.env("SSL_CERT_FILE", ca);
        }
        let output = command.output().expect("the test binary starts");
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8 output");
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: text(output.stdout),
            stderr: text(output.stderr),
        }
    }

    /// Every request the stand-in received, in order.
    fn requests(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.dir.path().join("record.jsonl")).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The one token request and the one create request of a run, both without problems.
    fn token_then_create(&self) -> Value {
        let requests = self.requests();
        let kinds: Vec<&str> = requests
            .iter()
            .map(|r| r["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["token", "create"], "{requests:#?}");
        for request in &requests {
            assert_eq!(request["problems"], json!([]), "{request:#}");
        }
        requests[1].clone()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `submit PIPELINE` with the project, region, root and image, then `extra`.
fn submit_args<'a>(pipeline: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "submit",
        pipeline,
        "--project",
        PROJECT,
        "--region",
        REGION,
        "--pipeline-root",
        ROOT,
        "--image",
        IMAGE,
    ];
    args.extend_from_slice(extra);
    args
}

/// The spec `compile` writes for `pipeline`, as JSON.
fn compiled(pipeline: &str) -> Value {
    let output = Command::new(BIN)
        .args(["compile", pipeline, "--image", IMAGE])
        .env_remove("VERTEX_IMAGE")
        .env_remove("VERTEX_BINARY")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_saphyr::from_str(&String::from_utf8(output.stdout).unwrap()).unwrap()
}

/// Splits standard error into the log lines before the last line, and the last line, which
/// is the `error:` line.
fn split_error(stderr: &str) -> (Vec<&str>, &str) {
    let mut lines: Vec<&str> = stderr.lines().collect();
    let last = lines.pop().unwrap_or_default();
    (lines, last)
}

/// The job ID a create request was sent with.
fn job_id(request: &Value) -> String {
    request["query"]["pipelineJobId"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn submit_creates_a_job_and_prints_its_name_and_page() {
    let stand_in = StandIn::start();
    let args = submit_args(
        "arithmetic",
        &[
            "--param",
            "b=3",
            "--labels",
            "team=ml,stage=",
            "--labels",
            "owner=名前",
            "--service-account",
            "runner@my-project.iam.gserviceaccount.com",
        ],
    );
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(outcome.stderr, "");
    let create = stand_in.token_then_create();
    let id = job_id(&create);
    let (name, stamp) = id.rsplit_once('-').unwrap();
    assert_eq!(name, "arithmetic");
    assert!(
        stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(
        outcome.stdout,
        format!(
            "projects/123456789012/locations/{REGION}/pipelineJobs/{id}\n\
             https://console.cloud.google.com/vertex-ai/locations/{REGION}/pipelines/runs/{id}?project={PROJECT}\n"
        )
    );
    assert_eq!(create["method"], "POST");
    assert_eq!(
        create["path"],
        format!("/v1/projects/{PROJECT}/locations/{REGION}/pipelineJobs")
    );
    assert_eq!(create["headers"]["content-type"], "application/json");
    let body = &create["body"];
    let fields: BTreeSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected_fields = [
        "displayName",
        "labels",
        "pipelineSpec",
        "runtimeConfig",
        "serviceAccount",
    ];
    assert_eq!(fields, BTreeSet::from(expected_fields));
    assert_eq!(body["displayName"], "arithmetic");
    assert_eq!(
        body["runtimeConfig"],
        json!({"gcsOutputDirectory": ROOT, "parameterValues": {"b": 3}})
    );
    assert_eq!(
        body["labels"],
        json!({"team": "ml", "stage": "", "owner": "名前"})
    );
    assert_eq!(
        body["serviceAccount"],
        "runner@my-project.iam.gserviceaccount.com"
    );
    // Without --no-cache, the spec is exactly what `compile` writes; the values are not
    // turned into defaults.
    assert_eq!(body["pipelineSpec"], compiled("arithmetic"));
}

#[test]
fn display_name_and_no_labels() {
    let stand_in = StandIn::start();
    let args = submit_args(
        "fan",
        &[
            "--display-name",
            "Fan out, then in: ✓",
            "--job-id",
            "fan-run-7",
        ],
    );
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let create = stand_in.token_then_create();
    assert_eq!(job_id(&create), "fan-run-7");
    assert!(
        outcome
            .stdout
            .contains("/pipelines/runs/fan-run-7?project="),
        "{}",
        outcome.stdout
    );
    let body = &create["body"];
    assert_eq!(body["displayName"], "Fan out, then in: ✓");
    assert!(body.get("labels").is_none(), "{body:#}");
    assert!(body.get("serviceAccount").is_none(), "{body:#}");
    assert_eq!(
        body["runtimeConfig"],
        json!({"gcsOutputDirectory": ROOT, "parameterValues": {}})
    );
}

/// Takes `cachingOptions` out of every task, and returns the options found and the number of
/// DAGs.
fn take_caching_options(spec: &mut Value) -> (Vec<Value>, usize) {
    let mut found = Vec::new();
    let spec = spec.as_object_mut().unwrap();
    let mut dags = Vec::new();
    for (key, value) in spec.iter_mut() {
        match key.as_str() {
            "root" => dags.push(value),
            "components" => dags.extend(value.as_object_mut().unwrap().values_mut()),
            _ => {}
        }
    }
    let mut dag_count = 0;
    for component in dags {
        let Some(tasks) = component.pointer_mut("/dag/tasks") else {
            continue;
        };
        dag_count += 1;
        for task in tasks.as_object_mut().unwrap().values_mut() {
            let options = task.as_object_mut().unwrap().remove("cachingOptions");
            found.push(options.unwrap_or(Value::Null));
        }
    }
    (found, dag_count)
}

#[test]
fn no_cache_turns_caching_off_on_every_task_of_every_dag() {
    let stand_in = StandIn::start();
    // `outer` runs a pipeline as a task; `flow` has an exit handler, branches and a
    // condition; `nested_loops` a loop in a loop; `settings` a task with caching off.
    for pipeline in ["outer", "flow", "nested-loops", "settings"] {
        let outcome = stand_in.run(&submit_args(pipeline, &["--no-cache"]));
        assert_eq!(outcome.code, 0, "{pipeline}: {outcome:?}");
        let create = stand_in.requests().pop().unwrap();
        assert_eq!(create["problems"], json!([]), "{create:#}");
        let mut sent = create["body"]["pipelineSpec"].clone();
        let (options, dags) = take_caching_options(&mut sent);
        assert!(options.len() >= 2, "{pipeline}: {options:?}");
        assert!(
            pipeline == "settings" || dags > 1,
            "{pipeline} has sub-DAGs"
        );
        for option in &options {
            assert_eq!(option, &json!({"enableCache": false}), "{pipeline}");
        }
        // Nothing else changes.
        let mut expected = compiled(pipeline);
        let (compiled_options, _) = take_caching_options(&mut expected);
        assert_eq!(compiled_options.len(), options.len());
        assert!(compiled_options.contains(&json!({"enableCache": true})));
        assert_eq!(sent, expected, "{pipeline}");
    }
}

#[test]
fn params_are_sent_as_typed_json_values() {
    let stand_in = StandIn::start();
    let params = [
        "text=7",
        "small=200",
        "big=9007199254740991",
        "signed=-5",
        "ratio=1",
        "single=0.5",
        "flag=false",
        "items=[1, 2, 3]",
        r#"names=["a", "b"]"#,
        r#"scores={"x": 1.5}"#,
        r#"counts={"n": 2}"#,
        r#"raw={"any": [null, true, "x"]}"#,
        r#"config={"depth": 4, "rate": 0.1, "tags": ["t"]}"#,
    ];
    let mut extra = Vec::new();
    for param in &params {
        extra.extend(["--param", param]);
    }
    let outcome = stand_in.run(&submit_args("every-type", &extra));
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let body = &stand_in.token_then_create()["body"];
    let values = &body["runtimeConfig"]["parameterValues"];
    assert_eq!(
        values,
        &json!({
            "text": "7",
            "small": 200,
            "big": 9007199254740991_u64,
            "signed": -5,
            "ratio": 1,
            "single": 0.5,
            "flag": false,
            "items": [1, 2, 3],
            "names": ["a", "b"],
            "scores": {"x": 1.5},
            "counts": {"n": 2},
            "raw": {"any": [null, true, "x"]},
            "config": {"depth": 4, "rate": 0.1, "tags": ["t"]},
        })
    );
    assert!(
        values["text"].is_string(),
        "a STRING stays text even when it looks like JSON"
    );
    assert_eq!(body["pipelineSpec"], compiled("every-type"));
}

#[test]
fn secret_values_go_to_the_runtime_config_only() {
    let stand_in = StandIn::start();
    let token = "tok-3f9a61c0e2";
    let token_param = format!("token={token}");
    let args = submit_args("vault", &["--param", &token_param, "--param", "pin=1234"]);
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let body = &stand_in.token_then_create()["body"];
    assert_eq!(
        body["runtimeConfig"]["parameterValues"],
        json!({"token": token, "pin": 1234})
    );
    assert!(!body["pipelineSpec"].to_string().contains(token));
    assert!(!outcome.stdout.contains(token) && !outcome.stderr.contains(token));

    // The same values from environment variables, off the command line.
    let stand_in = StandIn::start();
    let args = submit_args(
        "vault",
        &[
            "--param-env",
            "token=VAULT_TOKEN",
            "--param-env",
            "pin=VAULT_PIN",
        ],
    );
    let outcome = stand_in.run_with_env(&args, &[("VAULT_TOKEN", token), ("VAULT_PIN", "1234")]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let body = &stand_in.token_then_create()["body"];
    assert_eq!(
        body["runtimeConfig"]["parameterValues"],
        json!({"token": token, "pin": 1234})
    );

    // An invalid secret is rejected without being shown.
    let outcome = stand_in.run(&submit_args(
        "vault",
        &["--param", &token_param, "--param", "pin=secret-pin-77"],
    ));
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert_eq!(
        outcome.stderr,
        "error: invalid --param `pin`: not a valid NUMBER_INTEGER; the value is not shown \
         because the parameter is secret\n"
    );
    assert_eq!(stand_in.requests().len(), 2, "no second request");
}

#[test]
fn invalid_values_are_rejected_before_any_request() {
    let stand_in = StandIn::start();
    let long_key = "k".repeat(64);
    let long_value = format!("k={}", "v".repeat(64));
    let long_name = "n".repeat(129);
    let many_labels: Vec<String> = (0..65).map(|i| format!("k{i}=v")).collect();
    let many_labels = many_labels.join(",");
    let long_key_label = format!("{long_key}=v");
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--labels", "Team=ml"], "invalid label key `Team`: a key starts with a lowercase letter".into()),
        (vec!["--labels", "1team=ml"], "invalid label key `1team`: a key starts with a lowercase letter".into()),
        (vec!["--labels", "=ml"], "invalid label key ``: a key has 1 to 63 characters".into()),
        (vec!["--labels", "team"], "invalid --labels `team`: expected KEY=VALUE, or several separated by commas".into()),
        (vec!["--labels", "te.am=x"], "invalid label key `te.am`: '.' is not allowed: only lowercase letters, digits, `_` and `-` are allowed (international letters included)".into()),
        (vec!["--labels", "team=ML"], "invalid value `ML` of label `team`: 'M' is not allowed: only lowercase letters, digits, `_` and `-` are allowed (international letters included)".into()),
        (vec!["--labels", &long_key_label], format!("invalid label key `{long_key}`: a key has at most 63 characters, this one has 64")),
        (vec!["--labels", &long_value], format!("invalid value `{}` of label `k`: a value has at most 63 characters, this one has 64", "v".repeat(64))),
        (vec!["--labels", &many_labels], "invalid --labels: 65 labels given, at most 64 are allowed".into()),
        (vec!["--labels", "a=1", "--labels", "a=2"], "invalid --labels: the key `a` is given twice; each key may appear once".into()),
        (vec!["--display-name", ""], "invalid --display-name ``: a display name has 1 to 128 characters".into()),
        (vec!["--display-name", &long_name], format!("invalid --display-name `{}... (129 characters)`: a display name has at most 128 characters, this one has 129", "n".repeat(80))),
        (vec!["--param", "b=2.5"], "invalid --param `b`: `2.5`: expected an integer, got 2.5".into()),
        (vec!["--param", "b"], "invalid --param `b`: expected NAME=VALUE".into()),
        (vec!["--param", "c=1"], "invalid --param: pipeline `arithmetic` has no parameter `c`; its parameters: a, b".into()),
        (vec![], "pipeline `arithmetic` needs a value for parameter `b`: pass --param b=VALUE".into()),
        (vec!["--job-id", "Run_1"], "invalid --job-id `Run_1`: expected 1 to 128 lowercase letters, digits and `-`, starting with a letter".into()),
        (vec!["--job-id", "1-run"], "invalid --job-id `1-run`: expected 1 to 128 lowercase letters, digits and `-`, starting with a letter".into()),
        (vec!["--service-account", "runner"], "invalid --service-account `runner`: expected the service account's e-mail, such as `runner@my-project.iam.gserviceaccount.com`".into()),
    ];
    for (extra, expected) in &cases {
        let mut args = submit_args("arithmetic", extra);
        if !extra.contains(&"--param") && !expected.contains("needs a value") {
            args.extend(["--param", "b=1"]);
        }
        let outcome = stand_in.run(&args);
        assert_eq!(outcome.code, 2, "{extra:?}: {outcome:?}");
        assert_eq!(outcome.stderr, format!("error: {expected}\n"), "{extra:?}");
        assert_eq!(outcome.stdout, "");
    }

    // The project, region and root are checked the same way.
    let place_cases = [
        ("--project", "My-Project", "invalid --project `My-Project`: expected a project ID (6 to 30 lowercase letters, digits and `-`, starting with a letter and not ending with `-`) or a project number"),
        ("--region", "us-central1.example.com", "invalid --region `us-central1.example.com`: expected a Vertex AI region such as `us-central1`: lowercase words joined by `-`, the last one ending in digits"),
        ("--pipeline-root", "my-bucket/runs", "invalid --pipeline-root `my-bucket/runs`: expected a Cloud Storage folder, gs://BUCKET/PATH; Vertex AI writes the run's artifacts there"),
        ("--pipeline-root", "/tmp/runs", "invalid --pipeline-root `/tmp/runs`: expected a Cloud Storage folder, gs://BUCKET/PATH; Vertex AI writes the run's artifacts there"),
        ("--pipeline-root", "gs://My_Bucket/runs", "invalid --pipeline-root `gs://My_Bucket/runs`: the bucket name has 3 to 63 characters (222 with dots, 63 between two dots): lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"),
        ("--pipeline-root", "gs://", "invalid --pipeline-root `gs://`: the bucket name has 3 to 63 characters (222 with dots, 63 between two dots): lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"),
    ];
    for (option, value, expected) in place_cases {
        let mut args = vec!["submit", "arithmetic", "--param", "b=1", "--image", IMAGE];
        for (name, default) in [
            ("--project", PROJECT),
            ("--region", REGION),
            ("--pipeline-root", ROOT),
        ] {
            args.extend([name, if name == option { value } else { default }]);
        }
        let outcome = stand_in.run(&args);
        assert_eq!(outcome.code, 2, "{option} {value}: {outcome:?}");
        assert_eq!(outcome.stderr, format!("error: {expected}\n"));
    }

    // The image has no default here: Vertex AI cannot pull a local `<binary>:latest`.
    let args = [
        "submit",
        "arithmetic",
        "--param",
        "b=1",
        "--project",
        PROJECT,
        "--region",
        REGION,
        "--pipeline-root",
        ROOT,
    ];
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert_eq!(
        outcome.stderr,
        "error: submit needs --image (or VERTEX_IMAGE): the image Vertex AI pulls, such as europe-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG\n"
    );

    // A parameter value checked against its Rust type, as `compile` and `run` do.
    let outcome = stand_in.run(&submit_args("every-type", &["--param", "small=300"]));
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert!(
        outcome
            .stderr
            .starts_with("error: invalid --param `small`: `300`:"),
        "{}",
        outcome.stderr
    );

    // The test endpoint takes plain http only on loopback, so a token never leaves the host.
    let credentials = stand_in.dir.path().join("credentials.json");
    let args = submit_args("arithmetic", &["--param", "b=1"]);
    let outcome = stand_in.run_with(&args, &credentials, "http://example.com");
    assert_eq!(outcome.code, 2, "{outcome:?}");
    assert_eq!(
        outcome.stderr,
        "error: invalid VERTEX_AI_ENDPOINT `http://example.com`: plain http is allowed only for a loopback host, so that the token stays local\n"
    );

    assert_eq!(
        stand_in.requests(),
        Vec::<Value>::new(),
        "no request reached the stand-in"
    );
}

#[test]
fn api_error_is_printed_with_its_status_and_message() {
    let stand_in = StandIn::start();
    let args = submit_args(
        "arithmetic",
        &["--param", "b=1", "--display-name", "reject-me"],
    );
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 10, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
    assert_eq!(
        outcome.stderr,
        "error: Vertex AI refused the pipeline job: HTTP 400 Bad Request: INVALID_ARGUMENT: \
         The stand-in rejects the display name `reject-me`.\n"
    );
    stand_in.token_then_create();
}

/// A resource name with control characters in the answer is not printed, so that the
/// answer cannot forge lines or colors on the terminal.
#[test]
fn answer_with_forged_name_rejected() {
    let stand_in = StandIn::start();
    let args = submit_args(
        "arithmetic",
        &["--param", "b=1", "--display-name", "forge-name"],
    );
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 10, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
    assert!(
        outcome
            .stderr
            .starts_with("error: Vertex AI answered HTTP 200 OK without the job's resource name"),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains('\u{1b}'), "{:?}", outcome.stderr);
    assert_eq!(outcome.stderr.lines().count(), 1, "{:?}", outcome.stderr);
    stand_in.token_then_create();
}

/// An answer too large to read means the server was reached and the job may exist, which
/// the message says instead of calling Vertex AI unreachable.
#[test]
fn oversized_answer_says_the_job_may_exist() {
    let stand_in = StandIn::start();
    let args = submit_args(
        "arithmetic",
        &["--param", "b=1", "--display-name", "huge-answer"],
    );
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 10, "{outcome:?}");
    assert_eq!(outcome.stdout, "");
    assert_eq!(
        outcome.stderr,
        "error: Vertex AI answered HTTP 200 OK with over 64 MiB, more than a PipelineJob \
         takes; the job may have been created, so check the console before submitting again\n"
    );
    stand_in.token_then_create();
}

#[test]
fn network_failure_names_the_endpoint() {
    let stand_in = StandIn::start();
    // A port nothing listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let credentials = stand_in.dir.path().join("credentials.json");
    let args = submit_args("arithmetic", &["--param", "b=1"]);
    let outcome = stand_in.run_with(&args, &credentials, &endpoint);
    assert_eq!(outcome.code, 10, "{outcome:?}");
    let expected_start = format!(
        "error: cannot reach Vertex AI at POST {endpoint}/v1/projects/{PROJECT}/locations/{REGION}/pipelineJobs?pipelineJobId=arithmetic-"
    );
    assert!(
        outcome.stderr.starts_with(&expected_start),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("Connection refused"),
        "{}",
        outcome.stderr
    );
    // The token came from the stand-in; the job request went nowhere.
    let kinds: Vec<Value> = stand_in
        .requests()
        .iter()
        .map(|r| r["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("token")]);
}

#[test]
fn credentials_other_than_a_service_account_key_are_named() {
    let stand_in = StandIn::start();
    let args = submit_args("arithmetic", &["--param", "b=1"]);
    let user = stand_in.write_credentials(
        "user.json",
        &json!({
            "type": "authorized_user",
            "client_id": "id",
            "client_secret": "secret",
            "refresh_token": "refresh",
            "token_uri": format!("{}/token", stand_in.url()),
        }),
    );
    let outcome = stand_in.run_with(&args, &user, &stand_in.url());
    assert_eq!(outcome.code, 10, "{outcome:?}");
    assert_eq!(
        outcome.stderr,
        format!(
            "error: cannot use GOOGLE_APPLICATION_CREDENTIALS `{}`: it holds `authorized_user` \
             credentials, and only service account keys (`service_account`) are supported there; \
             for your user credentials, unset it and run `gcloud auth application-default login`\n",
            user.display()
        )
    );
    let missing = stand_in.dir.path().join("missing.json");
    let outcome = stand_in.run_with(&args, &missing, &stand_in.url());
    assert_eq!(outcome.code, 10, "{outcome:?}");
    assert!(
        outcome.stderr.starts_with(&format!(
            "error: cannot use GOOGLE_APPLICATION_CREDENTIALS `{}`: ",
            missing.display()
        )),
        "{}",
        outcome.stderr
    );
    // With the variable set, nothing else was tried: no request reached the stand-in, and
    // none could reach the metadata server or gcloud without failing these exact messages.
    assert_eq!(stand_in.requests(), Vec::<Value>::new());
}

#[test]
fn refused_token_stops_before_the_job_request() {
    let stand_in = StandIn::start();
    let mut key = stand_in.service_account_key();
    key["client_email"] = json!("someone-else@stand-in-project.iam.gserviceaccount.com");
    let credentials = stand_in.write_credentials("other.json", &key);
    let args = submit_args("arithmetic", &["--param", "b=1"]);
    let outcome = stand_in.run_with(&args, &credentials, &stand_in.url());
    assert_eq!(outcome.code, 10, "{outcome:?}");
    let (warnings, error) = split_error(&outcome.stderr);
    assert_eq!(
        error,
        "error: cannot get an access token from Application Default Credentials: the token \
         server refused the request; its answer is in the warnings of `gcp_auth`"
    );
    // gcp_auth retries, and warns with the server's answer each time.
    assert!(
        warnings
            .iter()
            .any(|line| line.contains("WARN gcp_auth")
                && line.contains(r#""error": "invalid_grant""#)),
        "{}",
        outcome.stderr
    );
    let requests = stand_in.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request["kind"], "token", "{request:#}");
        assert_ne!(request["problems"], json!([]), "{request:#}");
    }
}

#[test]
fn https_works_and_checks_the_certificate() {
    let stand_in = StandIn::start_tls();
    let args = submit_args("arithmetic", &["--param", "b=1"]);
    let outcome = stand_in.run(&args);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let create = stand_in.token_then_create();
    assert!(outcome.stdout.starts_with(&format!(
        "projects/123456789012/locations/{REGION}/pipelineJobs/{}\n",
        job_id(&create)
    )));

    // With the system's roots only, the stand-in's certificate is refused at the token
    // request, and nothing reaches the stand-in.
    let credentials = stand_in.dir.path().join("credentials.json");
    let before = stand_in.requests().len();
    let outcome = stand_in.launch(&args, &credentials, &stand_in.url(), false, &[]);
    assert_eq!(outcome.code, 10, "{outcome:?}");
    let (_, error) = split_error(&outcome.stderr);
    assert!(
        error.starts_with(
            "error: cannot get an access token from Application Default Credentials: "
        ),
        "{}",
        outcome.stderr
    );
    assert!(
        error.contains("invalid peer certificate: UnknownIssuer"),
        "{}",
        outcome.stderr
    );
    assert_eq!(stand_in.requests().len(), before);
}
