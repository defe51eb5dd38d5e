//! Checks the values of `submit` and builds the `pipelineJobs.create` request, without I/O.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use crate::component::ValueKind;
use crate::error::Error;
use crate::registry;
use crate::spec::{Container, PipelineSpec};

/// Environment variable that replaces the Vertex AI endpoint, as `http://127.0.0.1:PORT`.
///
/// For tests only: they point `submit` at a stand-in server. Plain `http://` is accepted
/// only for a loopback host, so that the access token never crosses a network in clear.
pub(crate) const ENDPOINT_ENV: &str = "VERTEX_AI_ENDPOINT";

/// Most labels Vertex AI accepts on a resource.
const MAX_LABELS: usize = 64;
/// Most characters of a label key or value.
const MAX_LABEL_CHARS: usize = 63;
/// Most characters of a display name.
const MAX_DISPLAY_NAME_CHARS: usize = 128;
/// Most characters of a PipelineJob ID.
const MAX_JOB_ID_CHARS: usize = 128;

/// What the command line asks for.
#[derive(Debug)]
pub(crate) struct Options<'a> {
    pub(crate) pipeline: &'a str,
    pub(crate) project: &'a str,
    pub(crate) region: &'a str,
    pub(crate) pipeline_root: &'a str,
    pub(crate) params: &'a crate::cli::ParamArgs,
    pub(crate) service_account: Option<&'a str>,
    pub(crate) labels: &'a [String],
    pub(crate) no_cache: bool,
    pub(crate) display_name: Option<&'a str>,
    pub(crate) job_id: Option<&'a str>,
}

/// A checked `pipelineJobs.create` request.
#[derive(Debug)]
pub(crate) struct Job {
    /// The API endpoint, such as `https://us-central1-aiplatform.googleapis.com`.
    pub(crate) endpoint: String,
    /// The full request URL, with the `pipelineJobId` query parameter.
    pub(crate) url: String,
    /// The PipelineJob ID sent.
    pub(crate) job_id: String,
    pub(crate) project: String,
    pub(crate) region: String,
    /// The PipelineJob message as JSON.
    pub(crate) body: Value,
}

impl Job {
    /// The console page of the job whose resource name the API returned.
    pub(crate) fn console_url(&self, name: &str) -> String {
        // The API echoes the ID it was given; fall back on it if the name has another form.
        let id = match name.rsplit_once("/pipelineJobs/") {
            Some((_, id)) if is_job_id(id) => id,
            _ => &self.job_id,
        };
        format!(
            "https://console.cloud.google.com/vertex-ai/locations/{}/pipelines/runs/{id}?project={}",
            self.region, self.project
        )
    }
}

/// Checks every value and builds the request. `endpoint` is the value of [`ENDPOINT_ENV`];
/// `now` sets the timestamp of the job ID.
pub(crate) fn build(
    options: &Options<'_>,
    container: &Container,
    endpoint: Option<&OsStr>,
    now: SystemTime,
) -> Result<Job, Error> {
    let entry = registry::pipeline(options.pipeline)?;
    let pipeline = (entry.build)();
    let graph = pipeline.graph();
    let params = options.params.parse(&graph)?;
    check_inputs_given(&graph, &params)?;
    check_project(options.project)?;
    check_region(options.region)?;
    check_pipeline_root(options.pipeline_root)?;
    let display_name = options.display_name.unwrap_or(&graph.name);
    check_display_name(display_name)?;
    let labels = parse_labels(options.labels)?;
    if let Some(account) = options.service_account {
        check_service_account(account)?;
    }
    let endpoint = match endpoint {
        Some(value) => check_endpoint(value)?,
        None => format!("https://{}-aiplatform.googleapis.com", options.region),
    };

    // The spec `compile` writes with the same container options. The values go only to
    // `runtimeConfig`, as with the Python SDK, so the spec keeps the pipeline's own defaults
    // and a `#[secret]` value is not written into it.
    let spec = PipelineSpec::from_graph(&graph, container)?;
    let mut spec = serde_json::to_value(&spec)
        .map_err(|error| Error::Pipeline(format!("cannot render the spec as JSON: {error}")))?;
    if options.no_cache {
        disable_caching(&mut spec);
    }

    let mut body = Map::new();
    body.insert("displayName".into(), json!(display_name));
    body.insert("pipelineSpec".into(), spec);
    body.insert(
        "runtimeConfig".into(),
        json!({
            "gcsOutputDirectory": options.pipeline_root,
            "parameterValues": params,
        }),
    );
    if !labels.is_empty() {
        body.insert("labels".into(), json!(labels));
    }
    if let Some(account) = options.service_account {
        body.insert("serviceAccount".into(), json!(account));
    }

    let job_id = match options.job_id {
        Some(id) if is_job_id(id) && id.starts_with(|c: char| c.is_ascii_lowercase()) => {
            id.to_owned()
        }
        Some(id) => {
            return Err(Error::Usage(format!(
                "invalid --job-id `{}`: expected 1 to {MAX_JOB_ID_CHARS} lowercase letters, \
                 digits and `-`, starting with a letter",
                shown(id)
            )))
        }
        None => job_id(&graph.name, now),
    };
    let url = format!(
        "{endpoint}/v1/projects/{}/locations/{}/pipelineJobs?pipelineJobId={job_id}",
        options.project, options.region
    );
    Ok(Job {
        endpoint,
        url,
        job_id,
        project: options.project.to_owned(),
        region: options.region.to_owned(),
        body: Value::Object(body),
    })
}

/// Rejects a run that leaves a required input without a value: Vertex AI would refuse it.
fn check_inputs_given(
    graph: &crate::pipeline::Graph,
    params: &BTreeMap<String, Value>,
) -> Result<(), Error> {
    for input in &graph.inputs {
        if input.optional || input.default.is_some() || params.contains_key(&input.name) {
            continue;
        }
        return Err(Error::Usage(match input.kind {
            ValueKind::Artifact { .. } => format!(
                "pipeline input `{}` is an artifact, which `submit` cannot supply",
                input.name
            ),
            ValueKind::Parameter(_) => format!(
                "pipeline `{}` needs a value for parameter `{}`: pass --param {}=VALUE",
                graph.name, input.name, input.name
            ),
        }));
    }
    Ok(())
}

/// Sets `cachingOptions.enableCache` to false on every task of the root DAG and of every
/// sub-DAG, as the Python aiplatform SDK does for `enable_caching=False`.
fn disable_caching(spec: &mut Value) {
    let Some(spec) = spec.as_object_mut() else {
        return;
    };
    let mut components: Vec<&mut Value> = Vec::new();
    for (key, value) in spec.iter_mut() {
        match key.as_str() {
            "root" => components.push(value),
            "components" => components.extend(
                value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|c| c.values_mut()),
            ),
            _ => {}
        }
    }
    for component in components {
        let tasks = component
            .get_mut("dag")
            .and_then(|dag| dag.get_mut("tasks"))
            .and_then(Value::as_object_mut);
        for task in tasks.into_iter().flat_map(|tasks| tasks.values_mut()) {
            if let Some(task) = task.as_object_mut() {
                task.insert("cachingOptions".into(), json!({"enableCache": false}));
            }
        }
    }
}

/// The ID the Python SDK gives a job: the pipeline name, lowercased with every run of other
/// characters than `[a-z0-9-]` turned into `-`, then `-YYYYMMDDhhmmss` (UTC here). It starts
/// with a letter and has at most 128 characters.
fn job_id(pipeline: &str, now: SystemTime) -> String {
    let mut name = String::new();
    for c in pipeline.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let mut name = name.trim_matches('-').to_owned();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "pipeline-");
    }
    // humantime writes `2024-05-01T12:34:56Z`; its digits are the timestamp.
    let timestamp: String = humantime::format_rfc3339_seconds(now)
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    name.truncate(MAX_JOB_ID_CHARS - timestamp.len() - 1);
    let name = name.trim_end_matches('-');
    format!("{name}-{timestamp}")
}

fn is_job_id(id: &str) -> bool {
    (1..=MAX_JOB_ID_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Shortens a value for a message.
fn shown(text: &str) -> String {
    const MAX_CHARS: usize = 80;
    let length = text.chars().count();
    if length <= MAX_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_CHARS).collect();
    format!("{head}... ({length} characters)")
}

fn usage(option: &str, value: &str, rule: &str) -> Error {
    Error::Usage(format!("invalid {option} `{}`: {rule}", shown(value)))
}

/// A project ID (6 to 30 lowercase letters, digits and hyphens, starting with a letter and
/// not ending with a hyphen), optionally after a `domain:` prefix, or a project number.
fn check_project(project: &str) -> Result<(), Error> {
    const RULE: &str = "expected a project ID (6 to 30 lowercase letters, digits and `-`, \
        starting with a letter and not ending with `-`) or a project number";
    let id = match project.rsplit_once(':') {
        // Legacy domain-scoped projects: `example.com:my-project`.
        Some((domain, id))
            if !domain.is_empty()
                && domain.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                }) =>
        {
            id
        }
        Some(_) => return Err(usage("--project", project, RULE)),
        None => project,
    };
    let number = !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit());
    let valid_id = (6..=30).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if (number && id.len() == project.len()) || valid_id {
        Ok(())
    } else {
        Err(usage("--project", project, RULE))
    }
}

/// A region such as `us-central1` or `northamerica-northeast1`: it becomes part of the
/// endpoint's host name.
fn check_region(region: &str) -> Result<(), Error> {
    let parts: Vec<&str> = region.split('-').collect();
    let (last, first) = parts.split_last().unwrap_or((&"", &[]));
    let letters = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    let digits_at = last.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
    let (word, number) = last.split_at(digits_at);
    let valid = region.len() <= 63
        && !first.is_empty()
        && first.iter().all(|part| letters(part))
        && letters(word)
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(usage(
            "--region",
            region,
            "expected a Vertex AI region such as `us-central1`: lowercase words joined by `-`, \
             the last one ending in digits",
        ))
    }
}

/// `gs://BUCKET` or `gs://BUCKET/PATH`, with a valid Cloud Storage bucket name.
fn check_pipeline_root(root: &str) -> Result<(), Error> {
    let invalid = |rule: &str| usage("--pipeline-root", root, rule);
    let Some(rest) = root.strip_prefix("gs://") else {
        return Err(invalid(
            "expected a Cloud Storage folder, gs://BUCKET/PATH; Vertex AI writes the run's \
             artifacts there",
        ));
    };
    let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket_chars = bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
    let alphanumeric =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let max = if bucket.contains('.') { 222 } else { 63 };
    let valid_bucket = bucket_chars
        && (3..=max).contains(&bucket.len())
        && alphanumeric(bucket.chars().next())
        && alphanumeric(bucket.chars().last())
        && bucket.split('.').all(|part| (1..=63).contains(&part.len()));
    if !valid_bucket {
        return Err(invalid(
            "the bucket name has 3 to 63 characters (222 with dots, 63 between two dots): \
             lowercase letters, digits, `-`, `_` and `.`, starting and ending with a letter or \
             digit",
        ));
    }
    // Cloud Storage's other naming rules; it gives no full list of the misspellings of
    // "google" it rejects, so only the one it names is checked.
    if bucket.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err(invalid(
            "a bucket name cannot be an IP address in dotted-decimal notation",
        ));
    }
    if bucket.starts_with("goog") {
        return Err(invalid("a bucket name cannot start with `goog`"));
    }
    if bucket.contains("google") || bucket.contains("g00gle") {
        return Err(invalid(
            "a bucket name cannot contain `google` or a close misspelling of it",
        ));
    }
    if path.chars().any(char::is_control) {
        return Err(invalid("the path holds a control character"));
    }
    if path.len() > 1024 {
        return Err(invalid(
            "the path is longer than the 1024 bytes of an object name",
        ));
    }
    Ok(())
}

/// Any UTF-8 text of 1 to 128 characters, as the API documents.
fn check_display_name(name: &str) -> Result<(), Error> {
    let length = name.chars().count();
    if name.is_empty() {
        return Err(Error::Usage(
            "invalid --display-name ``: a display name has 1 to 128 characters".to_owned(),
        ));
    }
    if length > MAX_DISPLAY_NAME_CHARS {
        return Err(usage(
            "--display-name",
            name,
            &format!("a display name has at most {MAX_DISPLAY_NAME_CHARS} characters, this one has {length}"),
        ));
    }
    Ok(())
}

/// An e-mail address, as Vertex AI takes the service account.
fn check_service_account(account: &str) -> Result<(), Error> {
    let valid = match account.split_once('@') {
        Some((user, domain)) => {
            !user.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !account.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(usage(
            "--service-account",
            account,
            "expected the service account's e-mail, such as `runner@my-project.iam.gserviceaccount.com`",
        ))
    }
}

/// `http://` for a loopback host (a test's stand-in server), else `https://`; no path.
fn check_endpoint(value: &OsStr) -> Result<String, Error> {
    let invalid = |text: &str, rule: &str| {
        Error::Usage(format!("invalid {ENDPOINT_ENV} `{}`: {rule}", shown(text)))
    };
    let text = value
        .to_str()
        .ok_or_else(|| invalid(&value.to_string_lossy(), "not UTF-8"))?;
    let trimmed = text.trim_end_matches('/');
    let form = "expected SCHEME://HOST[:PORT], without user, path or query";
    // The `http` crate's parser checks the port's range and the brackets of IPv6 hosts.
    let uri = trimmed
        .parse::<hyper::Uri>()
        .map_err(|_| invalid(text, form))?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(invalid(text, form));
    };
    // `Authority::port` is `None` both without a port and with one out of range.
    let port = authority.as_str().strip_prefix(authority.host());
    let bad_port = port
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|digits| digits.parse::<u16>().is_err());
    if bad_port
        || authority.as_str().contains('@')
        || uri.path_and_query().is_some_and(|path| path != "/")
    {
        return Err(invalid(text, form));
    }
    let host = authority.host();
    if port.is_none() {
        return Err(invalid(text, form));
    }
    // An IP address, not a name: a name such as `127.0.0.1.nip.io` resolves anywhere.
    let address = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'));
    let loopback = host == "localhost"
        || match address {
            Some(ipv6) => ipv6
                .parse::<std::net::Ipv6Addr>()
                .is_ok_and(|ip| ip.is_loopback()),
            None => host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback()),
        };
    match scheme {
        "https" => Ok(trimmed.to_owned()),
        "http" if loopback => Ok(trimmed.to_owned()),
        "http" => Err(invalid(
            text,
            "plain http is allowed only for a loopback host, so that the token stays local",
        )),
        _ => Err(invalid(text, "expected an http:// or https:// URL")),
    }
}

/// Parses `KEY=VALUE` labels, several per option when separated by commas, and checks them
/// against the rules of Google Cloud labels.
fn parse_labels(options: &[String]) -> Result<BTreeMap<String, String>, Error> {
    let mut labels = BTreeMap::new();
    for option in options {
        for pair in option.split(',') {
            let (key, value) = pair.split_once('=').ok_or_else(|| {
                usage(
                    "--labels",
                    pair,
                    "expected KEY=VALUE, or several separated by commas",
                )
            })?;
            check_label_key(key)?;
            check_label_value(key, value)?;
            if labels.insert(key.to_owned(), value.to_owned()).is_some() {
                return Err(Error::Usage(format!(
                    "invalid --labels: the key `{key}` is given twice; each key may appear once"
                )));
            }
        }
    }
    if labels.len() > MAX_LABELS {
        return Err(Error::Usage(format!(
            "invalid --labels: {} labels given, at most {MAX_LABELS} are allowed",
            labels.len()
        )));
    }
    Ok(labels)
}

const LABEL_CHARS: &str =
    "only lowercase letters, digits, `_` and `-` are allowed (international letters included)";

/// A letter of `\p{Ll}` (lowercase) or `\p{Lo}` (a letter without case, as in most
/// international scripts), as the label rules of Google Cloud allow. The standard library
/// has no general categories: a letter with no case and no case mapping stands for `Lo`.
fn is_label_letter(c: char) -> bool {
    let caseless = c.is_alphabetic()
        && !c.is_uppercase()
        && c.to_lowercase().eq(std::iter::once(c))
        && c.to_uppercase().eq(std::iter::once(c));
    c.is_lowercase() || caseless
}

/// A character allowed after the first: a letter as above, `\p{N}`, `_` or `-`.
fn is_label_char(c: char) -> bool {
    is_label_letter(c) || c.is_numeric() || c == '_' || c == '-'
}

fn check_label_key(key: &str) -> Result<(), Error> {
    let invalid = |rule: &str| Error::Usage(format!("invalid label key `{}`: {rule}", shown(key)));
    let length = key.chars().count();
    if length == 0 {
        return Err(invalid("a key has 1 to 63 characters"));
    }
    if length > MAX_LABEL_CHARS {
        return Err(invalid(&format!(
            "a key has at most {MAX_LABEL_CHARS} characters, this one has {length}"
        )));
    }
    if !key.starts_with(is_label_letter) {
        return Err(invalid("a key starts with a lowercase letter"));
    }
    if let Some(c) = key.chars().find(|&c| !is_label_char(c)) {
        return Err(invalid(&format!("{:?} is not allowed: {LABEL_CHARS}", c)));
    }
    Ok(())
}

fn check_label_value(key: &str, value: &str) -> Result<(), Error> {
    let invalid = |rule: &str| {
        Error::Usage(format!(
            "invalid value `{}` of label `{}`: {rule}",
            shown(value),
            shown(key)
        ))
    };
    let length = value.chars().count();
    if length > MAX_LABEL_CHARS {
        return Err(invalid(&format!(
            "a value has at most {MAX_LABEL_CHARS} characters, this one has {length}"
        )));
    }
    if let Some(c) = value.chars().find(|&c| !is_label_char(c)) {
        return Err(invalid(&format!("{:?} is not allowed: {LABEL_CHARS}", c)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn job_ids_follow_the_sdk() {
        // 2024-05-01 12:34:56 UTC.
        let now = UNIX_EPOCH + Duration::from_secs(1_714_566_896);
        assert_eq!(job_id("my-pipeline", now), "my-pipeline-20240501123456");
        assert_eq!(
            job_id("My_Pipeline v2!", now),
            "my-pipeline-v2-20240501123456"
        );
        assert_eq!(job_id("--x--", now), "x-20240501123456");
        assert_eq!(job_id("2fast", now), "pipeline-2fast-20240501123456");
        assert_eq!(job_id("", now), "pipeline-20240501123456");
        let long = job_id(&"a".repeat(300), now);
        assert_eq!(long.len(), 128);
        assert!(is_job_id(&long));
        let dashes = job_id(&format!("{}-b", "a".repeat(112)), now);
        assert!(!dashes.contains("--"), "{dashes}");
    }

    #[test]
    fn labels_follow_the_rules() {
        let ok = |items: &[&str]| {
            let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            parse_labels(&items)
        };
        let labels = ok(&["team=ml", "env=dev,cost-center=", "é_ü=日本"]).unwrap();
        assert_eq!(labels.len(), 4);
        assert_eq!(labels["cost-center"], "");
        assert!(ok(&["日本=x"]).is_ok(), "a caseless letter may start a key");
        for bad in [
            "Team=ml",
            "1team=x",
            "=x",
            "team",
            "te.am=x",
            "team=ML",
            "team=a b",
            "Éa=x",
            "team=x,team=y",
        ] {
            assert!(ok(&[bad]).is_err(), "{bad}");
        }
        assert!(ok(&[&format!("{}=x", "k".repeat(63))]).is_ok());
        assert!(ok(&[&format!("{}=x", "k".repeat(64))]).is_err());
        assert!(ok(&[&format!("k={}", "é".repeat(63))]).is_ok());
        assert!(ok(&[&format!("k={}", "é".repeat(64))]).is_err());
        let many: Vec<String> = (0..65).map(|i| format!("k{i}=v")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(ok(&many[..64]).is_ok());
        assert!(ok(&many).is_err());
    }

    #[test]
    fn projects_regions_and_roots() {
        for good in [
            "my-project",
            "abcdef",
            "123456789012",
            "example.com:my-project",
        ] {
            assert!(check_project(good).is_ok(), "{good}");
        }
        for bad in [
            "abc",
            "My-Project",
            "my-project-",
            "1project",
            "my_project",
            "a/b",
            "",
            ":abcdef",
        ] {
            assert!(check_project(bad).is_err(), "{bad}");
        }
        for good in ["us-central1", "northamerica-northeast1", "europe-west12"] {
            assert!(check_region(good).is_ok(), "{good}");
        }
        for bad in [
            "us",
            "us-central",
            "US-central1",
            "us-central1.evil.com",
            "1-2",
            "-us1",
            "global",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
        for good in ["gs://bucket", "gs://my-bucket/runs/", "gs://a.b.c/x y"] {
            assert!(check_pipeline_root(good).is_ok(), "{good}");
        }
        for bad in [
            "bucket/x",
            "s3://bucket/x",
            "gs://",
            "gs://ab/x",
            "gs://192.168.1.1/x",
            "gs://goog-bucket/x",
            "gs://my-google-bucket/x",
            "gs://my-g00gle-bucket/x",
            "gs://Bucket/x",
            "gs://-ab/x",
            "gs://b\u{0}c/x",
            "gs://bucket/a\nb",
        ] {
            assert!(check_pipeline_root(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn endpoints() {
        let check = |text: &str| check_endpoint(OsStr::new(text));
        assert_eq!(
            check("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(check("https://example.com").unwrap(), "https://example.com");
        assert!(check("http://example.com").is_err());
        assert_eq!(check("http://[::1]:80").unwrap(), "http://[::1]:80");
        assert_eq!(check("http://127.8.9.10").unwrap(), "http://127.8.9.10");
        assert_eq!(check("http://localhost:1").unwrap(), "http://localhost:1");
        for malformed in [
            "http://::1:80",
            "http://127.0.0.1:99999",
            "https://[::1",
            "https://[::1]:443:",
            "http://127.0.0.1:80:80",
            "http://a@127.0.0.1",
            "https://example.com?x=1",
        ] {
            let error = check(malformed).unwrap_err().to_string();
            assert!(
                error.contains("without user, path or query"),
                "{malformed}: {error}"
            );
        }
        for name in [
            "http://127.0.0.1.nip.io",
            "http://127.example.com:8080",
            "http://[127.0.0.1]",
        ] {
            let error = check(name).unwrap_err().to_string();
            assert!(error.contains("only for a loopback host"), "{error}");
        }
        assert!(check("https://example.com/path").is_err());
        assert!(check("ftp://127.0.0.1").is_err());
        assert!(check("127.0.0.1:80").is_err());
    }
}
