//! Sends a checked `pipelineJobs.create` request, with an access token from Application
//! Default Credentials. The token request and the API call share one stack: hyper with
//! rustls (ring), through `gcp_auth` for the first.

use std::error::Error as StdError;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::request::Job;
use crate::error::Error;

/// The OAuth scope of the Vertex AI API.
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// Longest wait for the token, and for the API's answer.
const TIMEOUT: Duration = Duration::from_secs(60);
/// Largest answer read; a PipelineJob echoes the spec it was sent.
const MAX_RESPONSE_BYTES: usize = 64 << 20;
/// Hint printed when no credentials work.
const LOGIN_HINT: &str = "run `gcloud auth application-default login`, or set \
    GOOGLE_APPLICATION_CREDENTIALS to the key file of a service account";

/// Whether `name` looks like a PipelineJob's resource name. Only these characters are
/// printed, so that a response cannot write control characters to the terminal.
fn is_job_name(name: &str) -> bool {
    name.starts_with("projects/")
        && name.contains("/pipelineJobs/")
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.'))
}

/// Creates the job and returns its resource name, from the API's answer.
pub(super) async fn create(job: &Job) -> Result<String, Error> {
    let token = access_token().await?;
    let body = serde_json::to_vec(&job.body)
        .map_err(|error| Error::Pipeline(format!("cannot render the request: {error}")))?;
    let unreachable = |error: &dyn StdError| {
        Error::Api(format!(
            "cannot reach Vertex AI at POST {}: {}",
            job.url,
            chain(error)
        ))
    };
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|error| {
            Error::Api(format!(
                "cannot load the system's root certificates for {}: {error}",
                job.endpoint
            ))
        })?
        // `request::check_endpoint` allows plain http only for a loopback test server.
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let request = Request::builder()
        .method(Method::POST)
        .uri(&job.url)
        .header(AUTHORIZATION, format!("Bearer {}", token.as_str()))
        .header(CONTENT_TYPE, "application/json")
        .header(
            USER_AGENT,
            concat!("vertex-runtime/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(Bytes::from(body)))
        .map_err(|error| unreachable(&error))?;
    let what = format!("the answer of POST {}", job.url);
    let response = within(&what, client.request(request))
        .await?
        .map_err(|error| unreachable(&error))?;
    let (parts, body) = response.into_parts();
    let body = within(&what, Limited::new(body, MAX_RESPONSE_BYTES).collect())
        .await?
        .map_err(|error| {
            if error.is::<http_body_util::LengthLimitError>() {
                Error::Api(format!(
                    "Vertex AI answered HTTP {} with over {} MiB, more than a PipelineJob \
                     takes; the job may have been created, so check the console before \
                     submitting again",
                    parts.status,
                    MAX_RESPONSE_BYTES >> 20
                ))
            } else {
                unreachable(&*error)
            }
        })?
        .to_bytes();
    if !parts.status.is_success() {
        return Err(api_error(parts.status, &body));
    }
    let name = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|answer| answer.get("name")?.as_str().map(str::to_owned))
        .filter(|name| is_job_name(name));
    name.ok_or_else(|| {
        Error::Api(format!(
            "Vertex AI answered HTTP {} without the job's resource name: {}",
            parts.status,
            excerpt(&body)
        ))
    })
}

/// Gets a token from Application Default Credentials: the key file that
/// GOOGLE_APPLICATION_CREDENTIALS names, else the file of `gcloud auth application-default
/// login`, else the metadata server, else the `gcloud` CLI. When the variable is set, its
/// file is the only source tried.
async fn access_token() -> Result<Arc<gcp_auth::Token>, Error> {
    if let Some(path) = std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS") {
        check_credentials_file(Path::new(&path))?;
    }
    let what = "credentials from Application Default Credentials";
    let provider = within(what, gcp_auth::provider())
        .await?
        .map_err(|error| auth_error(&error))?;
    within("an access token", provider.token(&[SCOPE]))
        .await?
        .map_err(|error| auth_error(&error))
}

/// Checks that the file GOOGLE_APPLICATION_CREDENTIALS names is a service account key, the
/// one kind `gcp_auth` reads there, so that other kinds get a clear message.
fn check_credentials_file(path: &Path) -> Result<(), Error> {
    let failed = |problem: String| {
        Error::Api(format!(
            "cannot use GOOGLE_APPLICATION_CREDENTIALS `{}`: {problem}",
            path.display()
        ))
    };
    let text = std::fs::read_to_string(path).map_err(|error| failed(error.to_string()))?;
    let credentials: Value = serde_json::from_str(&text)
        .map_err(|error| failed(format!("not a JSON credentials file: {error}")))?;
    match credentials.get("type").and_then(Value::as_str) {
        Some("service_account") => Ok(()),
        Some(kind) => Err(failed(format!(
            "it holds `{kind}` credentials, and only service account keys \
             (`service_account`) are supported there; for your user credentials, unset it and \
             run `gcloud auth application-default login`"
        ))),
        None => Err(failed(
            "it has no `type`; expected a service account key (`service_account`)".to_owned(),
        )),
    }
}

fn auth_error(error: &gcp_auth::Error) -> Error {
    let detail = match error {
        gcp_auth::Error::NoAuthMethod(gcloud, metadata, user) => format!(
            "no credentials found (the gcloud application-default file: {}; the metadata \
             server: {}; the gcloud CLI: {}); {LOGIN_HINT}",
            chain(&**user),
            chain(&**metadata),
            chain(&**gcloud)
        ),
        // gcp_auth logs the token server's answer as a warning, not in the error.
        gcp_auth::Error::Str("token request failed") => {
            "the token server refused the request; its answer is in the warnings of `gcp_auth`"
                .to_owned()
        }
        other => chain(other),
    };
    Error::Api(format!(
        "cannot get an access token from Application Default Credentials: {detail}"
    ))
}

/// Awaits `future` for at most [`TIMEOUT`].
async fn within<F: Future>(what: &str, future: F) -> Result<F::Output, Error> {
    tokio::time::timeout(TIMEOUT, future).await.map_err(|_| {
        Error::Api(format!(
            "gave up waiting for {what} after {} s",
            TIMEOUT.as_secs()
        ))
    })
}

/// An error and its causes, as `error: cause: cause`.
fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The status and message of an error answer, in Google's JSON error form when it is one:
/// `{"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}`.
fn api_error(status: StatusCode, body: &[u8]) -> Error {
    let answer: Option<Value> = serde_json::from_slice(body).ok();
    let error = answer.as_ref().and_then(|answer| answer.get("error"));
    let message = error
        .and_then(|error| error.get("message"))
        .and_then(Value::as_str);
    let detail = match message {
        Some(message) => {
            match error
                .and_then(|error| error.get("status"))
                .and_then(Value::as_str)
            {
                Some(code) => format!("{code}: {message}"),
                None => message.to_owned(),
            }
        }
        None => excerpt(body),
    };
    Error::Api(format!(
        "Vertex AI refused the pipeline job: HTTP {status}: {detail}"
    ))
}

/// The start of a body that is not the expected JSON, for a message.
fn excerpt(body: &[u8]) -> String {
    const MAX_CHARS: usize = 500;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "an empty body".to_owned();
    }
    if text.chars().count() <= MAX_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_CHARS).collect();
    format!("{head}... ({} bytes)", body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_errors_give_status_and_message() {
        let body =
            br#"{"error": {"code": 400, "message": "bad spec", "status": "INVALID_ARGUMENT"}}"#;
        assert_eq!(
            api_error(StatusCode::BAD_REQUEST, body).to_string(),
            "Vertex AI refused the pipeline job: HTTP 400 Bad Request: INVALID_ARGUMENT: bad spec"
        );
        assert_eq!(
            api_error(StatusCode::BAD_GATEWAY, b"<html>oops</html>").to_string(),
            "Vertex AI refused the pipeline job: HTTP 502 Bad Gateway: <html>oops</html>"
        );
        assert_eq!(
            api_error(StatusCode::FORBIDDEN, b"").to_string(),
            "Vertex AI refused the pipeline job: HTTP 403 Forbidden: an empty body"
        );
    }
}
