//! One component invocation, the path `BIN exec` takes on Vertex: read the executor input,
//! decode it, call the component, write the executor output.
//!
//! On any failure nothing is written to `outputs.outputFile`: the file appears, through a
//! rename, only once every output is encoded.

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::artifact::write_atomically;
use crate::component::Invocation;
use crate::contract::{parse_executor_input, ExecutorInput, ExecutorOutput};
use crate::error::Error;
use crate::logging::{self, LogFormat};
use crate::registry::{self, ComponentEntry};

/// Environment variable naming the directory under which `gcs/`, `s3/` and `minio/` are
/// mounted, `/` by default. The local runner points it into its pipeline root.
pub const MOUNT_ROOT_ENV: &str = "VERTEX_MOUNT_ROOT";

/// A `BIN exec` request: one component and its executor input.
#[derive(Debug)]
pub(crate) struct ExecRequest {
    /// The component's KFP name.
    pub(crate) component: String,
    pub(crate) input: ExecutorInputSource,
    pub(crate) labels: TaskLabels,
}

/// The source of the executor input.
#[derive(Debug)]
pub(crate) enum ExecutorInputSource {
    /// The JSON text itself, from `--executor-input`.
    Argument(String),
    /// A file, or standard input for `-`, from `--executor-input-file`.
    File(PathBuf),
}

impl ExecutorInputSource {
    fn read(&self) -> Result<std::borrow::Cow<'_, str>, Error> {
        let path = match self {
            Self::Argument(text) => return Ok(text.into()),
            Self::File(path) => path,
        };
        let read = if path.as_os_str() == "-" {
            std::io::read_to_string(std::io::stdin())
        } else {
            std::fs::read_to_string(path)
        };
        read.map(Into::into).map_err(|error| {
            Error::ExecutorInput(format!("cannot read `{}`: {error}", path.display()))
        })
    }
}

/// The task's own details that the spec passes besides its executor input.
#[derive(Debug, Default)]
pub(crate) struct TaskLabels {
    /// The component fingerprint the spec was compiled with.
    pub(crate) fingerprint: Option<String>,
    /// The pipeline run's name.
    pub(crate) run_name: Option<String>,
    /// The task's name.
    pub(crate) task_name: Option<String>,
}

impl TaskLabels {
    /// Keeps the values that the engine filled in: one still shaped `{{$...}}` was left
    /// unresolved by an engine that does not know the placeholder, and names nothing.
    pub(crate) fn new(
        fingerprint: Option<String>,
        run_name: Option<String>,
        task_name: Option<String>,
    ) -> Self {
        let resolved = |value: Option<String>| value.filter(|value| !value.starts_with("{{$"));
        Self {
            fingerprint,
            run_name: resolved(run_name),
            task_name: resolved(task_name),
        }
    }
}

/// Runs an `exec` request: reads the executor input, warns when the spec's fingerprint is
/// not this binary's, and runs the component.
pub(crate) fn exec_request(request: &ExecRequest) -> Result<(), Error> {
    let entry = registry::component(&request.component)?;
    if let Some(expected) = &request.labels.fingerprint {
        if !expected.eq_ignore_ascii_case(entry.fingerprint) {
            tracing::warn!(
                spec_fingerprint = %expected,
                binary_fingerprint = entry.fingerprint,
                "the spec was compiled for another version of component `{}`: recompile the \
                 pipeline, or cached results may not match this code",
                entry.name
            );
        }
    }
    let started = std::time::Instant::now();
    // The text goes out of scope once parsed, so that a large input is not kept in memory
    // beside its parsed values while the component runs.
    let input = {
        let text = request.input.read()?;
        parse_executor_input(&text).map_err(Error::ExecutorInput)?
    };
    exec_with_labels(entry, input, &request.labels, started)
}

/// Runs a component on an executor input given as JSON text.
pub fn exec(component: &str, executor_input: &str) -> Result<(), Error> {
    let entry = registry::component(component)?;
    let started = std::time::Instant::now();
    let input = parse_executor_input(executor_input).map_err(Error::ExecutorInput)?;
    exec_with_labels(entry, input, &TaskLabels::default(), started)
}

fn exec_with_labels(
    entry: &'static ComponentEntry,
    input: ExecutorInput,
    labels: &TaskLabels,
    started: std::time::Instant,
) -> Result<(), Error> {
    let output_file = PathBuf::from(&input.outputs.output_file);
    if output_file.as_os_str().is_empty() {
        return Err(Error::ExecutorInput(
            "`outputs.outputFile` is empty".to_owned(),
        ));
    }
    let mount_root =
        std::env::var_os(MOUNT_ROOT_ENV).map_or_else(|| PathBuf::from("/"), PathBuf::from);
    tracing::debug!(output_file = %output_file.display(), "decoding inputs");

    prepare_output_file(&output_file)?;
    let handlers = exit_on_termination(entry.name, labels)?;
    let mut invocation = Invocation::new(entry.name, input, mount_root);
    let result = run_catching_panics(entry, &mut invocation).and_then(|output| {
        let json = serde_json::to_vec(&output).map_err(|error| Error::Output(error.to_string()))?;
        write_atomically(&output_file, &json).map_err(|error| {
            Error::Output(format!(
                "cannot write the executor output to `{}`: {error}",
                output_file.display()
            ))
        })
    });
    // Handlers stay installed through the write, so that a signal never meets a half-done
    // rename; callers that run `exec` many times in one process do not pile them up.
    for handler in handlers {
        signal_hook::low_level::unregister(handler);
    }
    result?;
    tracing::info!(
        elapsed = ?started.elapsed(),
        "component `{}` succeeded",
        entry.name
    );
    Ok(())
}

/// Checks the executor output path before the component runs, and removes the output of an
/// earlier attempt, so that a failed retry never leaves an older result to be read.
fn prepare_output_file(path: &Path) -> Result<(), Error> {
    let fail = |error: &dyn std::fmt::Display| {
        Error::Output(format!(
            "cannot write the executor output to `{}`: {error}",
            path.display()
        ))
    };
    match std::fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => return Err(fail(&"it is a directory")),
        Ok(metadata) if metadata.is_file() => {
            std::fs::remove_file(path).map_err(|error| fail(&error))?
        }
        _ => {}
    }
    match path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        Some(parent) => crate::artifact::create_dir_all(parent).map_err(|error| fail(&error)),
        None => Ok(()),
    }
}

/// Exit code after SIGTERM or SIGINT: 128 plus the signal number, as shells report it.
fn signal_exit_code(signal: i32) -> i32 {
    128 + signal
}

/// Makes SIGTERM (a preempted VM, a cancelled run) and SIGINT end the process at once with
/// one line saying why, in the log format in use. No executor output exists yet at that
/// point, so none is left.
///
/// Returns the handlers, to remove once the invocation is done.
fn exit_on_termination(
    component: &str,
    labels: &TaskLabels,
) -> Result<Vec<signal_hook::SigId>, Error> {
    let mut handlers = Vec::with_capacity(2);
    for (signal, name) in [
        (signal_hook::consts::SIGTERM, "SIGTERM"),
        (signal_hook::consts::SIGINT, "SIGINT"),
    ] {
        let message = format!("component `{component}` stopped by {name}; no outputs were written");
        let handler: Box<dyn Fn() + Send + Sync> = match logging::format() {
            LogFormat::Text => {
                let line = format!("error: {message}\n");
                Box::new(move || {
                    // SAFETY: write(2) and _exit(2) are async-signal-safe, and `line` is only
                    // read.
                    unsafe {
                        libc::write(2, line.as_ptr().cast(), line.len());
                        libc::_exit(signal_exit_code(signal));
                    }
                })
            }
            LogFormat::Json => {
                let prefix =
                    json_line_prefix(&message, signal_exit_code(signal), component, labels);
                Box::new(move || {
                    // SAFETY: the writer calls only async-signal-safe functions, as does
                    // _exit(2), and `prefix` is only read.
                    unsafe {
                        logging::write_json_line_from_signal_handler(1, prefix.as_bytes());
                        libc::_exit(signal_exit_code(signal));
                    }
                })
            }
        };
        // SAFETY: the handler calls only async-signal-safe functions (see above).
        let handler =
            unsafe { signal_hook::low_level::register(signal, handler) }.map_err(|error| {
                Error::Output(format!("cannot install the {name} handler: {error}"))
            })?;
        handlers.push(handler);
    }
    Ok(handlers)
}

/// Returns an ERROR log entry, shaped as the JSON log lines are, without its closing brace
/// and with a trailing comma, for the timestamp to follow.
fn json_line_prefix(message: &str, exit_code: i32, component: &str, labels: &TaskLabels) -> String {
    let span = logging::task_span(component, labels);
    let entry = serde_json::json!({
        "severity": "ERROR",
        "message": message,
        "kind": "signal",
        "exitCode": exit_code,
        "span": span,
    });
    let mut text = entry.to_string();
    text.pop();
    text.push(',');
    text
}

/// Panic messages of the current invocation, from every thread, in order.
static PANIC_MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Calls the component, turning a panic into [`Error::Panicked`] with its message and
/// location. The default hook is silenced meanwhile so the panic prints one line, not two.
/// A panic on another thread that the component joined is named too, since the panic that
/// reaches here is then often only `unwrap()` on the join result.
fn run_catching_panics(
    entry: &ComponentEntry,
    invocation: &mut Invocation,
) -> Result<ExecutorOutput, Error> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a non-string panic payload".to_owned());
        let located = match info.location() {
            Some(location) => format!("{message} at {}:{}", location.file(), location.line()),
            None => message,
        };
        let thread = std::thread::current();
        let located = match thread.name() {
            Some("main") | None => located,
            Some(name) => format!("{located} (thread `{name}`)"),
        };
        let mut messages = PANIC_MESSAGES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        messages.push(located);
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(|| (entry.run)(invocation)));
    panic::set_hook(previous_hook);
    let messages = std::mem::take(
        &mut *PANIC_MESSAGES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    if result.is_ok() {
        // A thread that the component started and never joined panicked: the task still
        // succeeds, as the component chose not to wait for it, but the message is kept.
        for message in &messages {
            tracing::warn!("a thread of component `{}` panicked: {message}", entry.name);
        }
    }
    result.unwrap_or_else(|_| {
        let message = match messages.as_slice() {
            [] => "unknown panic".to_owned(),
            [only] => only.clone(),
            [first, .., last] => format!("{last}, after an earlier panic: {first}"),
        };
        Err(Error::Panicked {
            component: entry.name.to_owned(),
            message,
        })
    })
}
