//! Log output: readable lines on standard error for people, or one JSON object per line on
//! standard output in the form Cloud Logging parses into structured entries.
//!
//! [`LOG_FORMAT_ENV`] chooses the form and [`LOG_ENV`] the filter. The image of a project
//! sets `VERTEX_LOG_FORMAT=json`, so that on Vertex AI each line arrives with its
//! `severity`, `message`, `time` and a `span` object holding the component name and, when
//! the spec passes them, the run and task names.

use std::io::IsTerminal;
use std::sync::OnceLock;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::dispatch::TaskLabels;
use crate::error::Error;

/// Environment variable with the log filter, in `tracing-subscriber`'s `EnvFilter` syntax,
/// such as `debug` or `vertex_runtime=debug,warn`. The default is `warn` for text and
/// `info` for JSON.
pub const LOG_ENV: &str = "VERTEX_LOG";

/// Environment variable choosing the log format: `text` (the default) or `json`.
pub const LOG_FORMAT_ENV: &str = "VERTEX_LOG_FORMAT";

/// The form of the log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines on standard error; the final error is one `error: ...` line.
    Text,
    /// One Cloud Logging JSON object per line on standard output, errors included.
    Json,
}

static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Returns the format that `main` chose from [`LOG_FORMAT_ENV`], text before it runs.
pub fn format() -> LogFormat {
    FORMAT.get().copied().unwrap_or(LogFormat::Text)
}

/// Reads [`LOG_FORMAT_ENV`] and [`LOG_ENV`] and installs the global subscriber.
///
/// An invalid value of either variable is an [`Error::Usage`], reported in text.
pub(crate) fn init() -> Result<(), Error> {
    let format = match std::env::var(LOG_FORMAT_ENV) {
        Err(std::env::VarError::NotPresent) => LogFormat::Text,
        Ok(value) if value == "text" => LogFormat::Text,
        Ok(value) if value == "json" => LogFormat::Json,
        Ok(value) => {
            return Err(Error::Usage(format!(
                "invalid {LOG_FORMAT_ENV} `{value}`: expected `text` or `json`"
            )))
        }
        Err(std::env::VarError::NotUnicode(value)) => {
            return Err(Error::Usage(format!(
                "invalid {LOG_FORMAT_ENV} {value:?}: expected `text` or `json`"
            )))
        }
    };
    // Without VERTEX_LOG, a plain level filter: building an `EnvFilter` compiles the
    // regular expressions of its directive syntax, a cost every task start would pay.
    let (directives, level) = match std::env::var(LOG_ENV) {
        Ok(directives) => {
            let filter = EnvFilter::try_new(&directives).map_err(|error| {
                Error::Usage(format!(
                    "invalid {LOG_ENV} `{directives}`: {error}; expected a filter such as `info` or `vertex_runtime=debug`"
                ))
            })?;
            (Some(filter), LevelFilter::TRACE)
        }
        Err(std::env::VarError::NotPresent) => match format {
            LogFormat::Text => (None, LevelFilter::WARN),
            LogFormat::Json => (None, LevelFilter::INFO),
        },
        Err(std::env::VarError::NotUnicode(value)) => {
            return Err(Error::Usage(format!(
                "invalid {LOG_ENV} {value:?}: expected a filter such as `info`"
            )))
        }
    };
    let _ = FORMAT.set(format);
    let filtered = tracing_subscriber::registry().with(level).with(directives);
    match format {
        LogFormat::Text => filtered
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::stderr().is_terminal()),
            )
            .init(),
        LogFormat::Json => filtered
            .with(tracing_stackdriver::layer().with_writer(std::io::stdout))
            .init(),
    }
    Ok(())
}

/// Returns the `span` object of a task's log entries, as the JSON layer writes it for the
/// span that `main` opens around `exec`.
pub(crate) fn task_span(component: &str, labels: &TaskLabels) -> serde_json::Value {
    let mut span = serde_json::json!({"name": "exec", "component": component});
    if let Some(run_name) = &labels.run_name {
        span["run_name"] = run_name.as_str().into();
    }
    if let Some(task_name) = &labels.task_name {
        span["task_name"] = task_name.as_str().into();
    }
    span
}

/// Returns the ERROR entry, with its line break, that reports `error` in the JSON format.
pub(crate) fn error_entry(
    message: &str,
    error: &Error,
    task: Option<(&str, &TaskLabels)>,
) -> String {
    let time = humantime::format_rfc3339_nanos(std::time::SystemTime::now()).to_string();
    let mut entry = serde_json::json!({
        "severity": "ERROR",
        "message": message,
        "time": time,
        "kind": error.kind(),
        "exitCode": error.exit_code(),
    });
    if let Some((component, labels)) = task {
        entry["span"] = task_span(component, labels);
    }
    entry.to_string() + "\n"
}

/// Writes one Cloud Logging JSON line from a signal handler, where nothing may allocate or
/// lock: `prefix` is the object up to its timestamp, which is appended from the clock.
///
/// The timestamp uses Cloud Logging's `{"seconds": ..., "nanos": ...}` form, which needs no
/// calendar arithmetic.
///
/// # Safety
///
/// Calls only `clock_gettime(2)` and `write(2)`, both async-signal-safe.
pub(crate) unsafe fn write_json_line_from_signal_handler(fd: libc::c_int, prefix: &[u8]) {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write into.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) };
    let mut seconds = [0u8; 20];
    let mut nanos = [0u8; 20];
    let parts: [&[u8]; 6] = [
        prefix,
        br#""timestamp":{"seconds":"#,
        decimal(&mut seconds, u64::try_from(now.tv_sec).unwrap_or(0)),
        br#","nanos":"#,
        decimal(&mut nanos, u64::try_from(now.tv_nsec).unwrap_or(0)),
        b"}}\n",
    ];
    // One write(2) of the whole line: a pipe takes up to PIPE_BUF (4,096) bytes at once, so
    // the line cannot be split by another thread's log line. A longer prefix, from very long
    // run or task names, falls back to one write per part.
    let mut line = [0u8; 4096];
    let mut length = 0;
    for part in parts {
        if length + part.len() > line.len() {
            for part in parts {
                // SAFETY: `part` is valid for `part.len()` bytes.
                unsafe { libc::write(fd, part.as_ptr().cast(), part.len()) };
            }
            return;
        }
        line[length..length + part.len()].copy_from_slice(part);
        length += part.len();
    }
    // SAFETY: `line` is valid for `length` bytes.
    let written = unsafe { libc::write(fd, line.as_ptr().cast(), length) };
    // Standard output may be what failed, as with a full disk; standard error still takes
    // the line, as it takes every other error entry then.
    if written == -1 && fd != 2 {
        // SAFETY: as above.
        unsafe { libc::write(2, line.as_ptr().cast(), length) };
    }
}

/// Formats `value` in decimal into the end of `buffer` and returns the digits.
fn decimal(buffer: &mut [u8; 20], mut value: u64) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        // The remainder is below 10, so the cast cannot truncate.
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buffer[start..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimal_formats_edges() {
        let mut buffer = [0u8; 20];
        assert_eq!(decimal(&mut buffer, 0), b"0");
        assert_eq!(decimal(&mut buffer, 7), b"7");
        assert_eq!(decimal(&mut buffer, 1_733_300_000), b"1733300000");
        assert_eq!(decimal(&mut buffer, u64::MAX), b"18446744073709551615");
    }
}
