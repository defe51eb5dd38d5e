//! Kubeflow Pipelines v2 and Vertex AI Pipelines components in Rust, served by one binary.
//!
//! A component is a plain function marked `#[vertex_component]`. Its parameters are the
//! component's inputs, `Output<T>` arguments are its output artifacts, and its return value
//! is its output parameter. One line in `main` turns the crate into the single container
//! binary of every component and pipeline it defines:
//!
//! ```no_run
//! use vertex_runtime::prelude::*;
//!
//! /// Counts the lines of a text file.
//! ///
//! /// # Arguments
//! /// * `text` - the file to count
//! /// * `skip` - lines to ignore at the top
//! #[vertex_component]
//! fn count_lines(text: Input<Dataset>, #[default(0)] skip: u32, report: Output<Markdown>) -> anyhow::Result<i64> {
//!     let content = std::fs::read_to_string(text.path())?;
//!     let lines = content.lines().skip(skip as usize).count();
//!     report.write(format!("# {lines} lines\n"))?;
//!     Ok(i64::try_from(lines)?)
//! }
//!
//! /// Counts the lines of a text file given by its location.
//! #[vertex_pipeline]
//! fn line_count(p: &Pipeline, text: ArtifactRef<Dataset>) {
//!     let counted = p.task(count_lines { text, skip: None });
//!     p.output("lines", &counted.output);
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     vertex_runtime::main()
//! }
//! ```
//!
//! The binary then offers:
//!
//! - `BIN list`: the component and pipeline names;
//! - `BIN spec count-lines --image IMAGE`: the component YAML, which
//!   `kfp.components.load_component_from_file` loads;
//! - `BIN exec count-lines --executor-input JSON`: what a KFP or Vertex task runs;
//! - `BIN compile line-count -o pipeline.yaml`: the PipelineSpec to submit;
//! - `BIN run line-count --param NAME=VALUE`: a run of the whole pipeline on this machine;
//! - `BIN submit line-count --project P --region R --pipeline-root gs://BUCKET/PATH`: a run
//!   on Vertex AI Pipelines (see `docs/deploy.md`).
//!
//! # Features
//!
//! - `submit` (default): the `submit` command, with its HTTP, TLS and credential code. An
//!   image's binary can leave it out to be about 3 MB smaller; `docs/deploy.md` shows how.
//!
//! # Inputs
//!
//! | Rust type | KFP input |
//! |---|---|
//! | `String` | `STRING` |
//! | `i8` ... `i128`, `u8` ... `u128`, `isize`, `usize` | `NUMBER_INTEGER`, range-checked |
//! | `f32`, `f64` | `NUMBER_DOUBLE` |
//! | `bool` | `BOOLEAN` |
//! | `Vec<T>` | `LIST` |
//! | `BTreeMap<String, T>`, `HashMap<String, T>`, `serde_json::Value`, `#[derive(Parameter)]` structs | `STRUCT` |
//! | `Option<T>` | an optional input of type `T` |
//! | `Input<A>` | an input artifact of type `A` |
//! | `Option<Input<A>>` | an optional input artifact |
//! | `Vec<Input<A>>` | a list of input artifacts (`isArtifactList`) |
//!
//! An integer may arrive as `5` or `5.0`; `5.5`, `true` and `"5"` are rejected with the
//! input's name. An absent input and a `null` one both mean "not given".
//!
//! A default is written `#[default(expr)]` on the argument; it is type-checked by the
//! compiler and appears in the spec as `defaultValue`. `#[name = "kfpName"]` sets the KFP name
//! of an argument.
//!
//! `#[secret]` on a parameter, of a component or a pipeline, keeps its value out of every
//! error message; no log line carries input values or environment variables at any level.
//! A secret cannot have a default, since the spec would hold it in clear text. The value
//! still travels in the executor input, as KFP passes it.
//!
//! # Outputs
//!
//! `Output<A>` arguments are output artifacts. The return value is `()`, one parameter (the
//! output `Output`), or a struct deriving [`Outputs`](derive@Outputs) whose fields are the
//! output parameters; any of them may be wrapped in a `Result`, whose `Err` fails the task.
//!
//! # Pipelines
//!
//! A `#[vertex_pipeline]` function receives the [`Pipeline`] to add tasks to; its other
//! arguments are pipeline inputs. [`Pipeline::task`] adds a task from the struct that
//! `#[vertex_component]` generates beside each component, with one field per input, and
//! returns the task, whose fields reference its outputs. Tasks take settings such as
//! [`Task::set_retry`] and [`Task::set_cpu_limit`]. Control flow follows kfp's DSL:
//! [`Pipeline::condition`], [`Pipeline::branches`], [`Pipeline::parallel_for`] and
//! [`Pipeline::exit_handler`]; [`Pipeline::importer`] brings an existing artifact in, and a
//! pipeline can run inside another as a task.
//!
//! # Exit codes
//!
//! See [`Error::exit_code`].

#![warn(missing_docs)]

pub mod artifact;
mod cli;
pub mod component;
pub mod contract;
pub mod control;
pub mod dispatch;
mod error;
pub mod logging;
pub mod param;
pub mod pipeline;
pub mod registry;
mod runner;
pub mod settings;
pub mod spec;
#[cfg(feature = "submit")]
mod submit;
pub mod thread;

use std::process::ExitCode;

use dispatch::{ExecRequest, TaskLabels};
use logging::LogFormat;

pub use artifact::{
    Artifact, ArtifactType, ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model,
    Output, SlicedClassificationMetrics, HTML,
};
pub use error::Error;
pub use logging::{LOG_ENV, LOG_FORMAT_ENV};

pub use param::{FinalStatusError, Parameter, ParameterType, PipelineTaskFinalStatus};
pub use pipeline::{ArtifactListRef, ArtifactRef, ParamRef, Pipeline, Task};
pub use settings::RetryPolicy;
/// The logging library of the runtime, for components to log with: with
/// `VERTEX_LOG_FORMAT=json` their lines become Cloud Logging entries like the runtime's own.
pub use tracing;

/// Marks a function as a KFP component.
///
/// See the [crate documentation](crate) for the supported argument and return types.
///
/// Options: `name = "kfp-name"` sets the component's KFP name (by default the function name
/// with `_` turned into `-`); `version = "..."` changes the component's fingerprint, and so
/// its cache key, when a change outside the function, such as in a helper it calls, should
/// invalidate cached results; `crate = "path"` sets the path of this crate for crates that
/// re-export it.
///
/// The fingerprint is a hash of the function's tokens (its attributes other than doc
/// comments, its signature and its body), the `version` option and the version of
/// `vertex-macros`. The spec passes it to the task as `--fingerprint`, which puts it in
/// Vertex AI's cache key.
pub use vertex_macros::vertex_component;

/// Marks a function as a KFP pipeline.
///
/// The first argument is the `&Pipeline` to add tasks to; every other argument is a
/// pipeline input, a `ParamRef<T>` or an `ArtifactRef<A>`, with an optional
/// `#[default(expr)]`.
pub use vertex_macros::vertex_pipeline;

/// Makes a struct the several output parameters of a component, one per field.
///
/// ```
/// use vertex_runtime::Outputs;
///
/// #[derive(Outputs)]
/// struct Scores {
///     accuracy: f64,
///     rows: i64,
/// }
/// ```
pub use vertex_macros::Outputs;

/// Makes a serde struct a `STRUCT` parameter.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use vertex_runtime::Parameter;
///
/// #[derive(Serialize, Deserialize, Parameter)]
/// struct Grid {
///     depth: u32,
///     rate: f64,
/// }
/// ```
pub use vertex_macros::Parameter;

/// Everything a component or pipeline module needs, for a glob import.
pub mod prelude {
    pub use crate::artifact::{
        Artifact, ArtifactType, ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model,
        Output, SlicedClassificationMetrics, HTML,
    };
    pub use crate::param::PipelineTaskFinalStatus;
    pub use crate::pipeline::{ArtifactListRef, ArtifactRef, ParamRef, Pipeline, Task};
    pub use crate::settings::RetryPolicy;
    pub use vertex_macros::{vertex_component, vertex_pipeline, Outputs, Parameter};
}

/// Runs the binary's command line: the whole `main` of a crate of components.
///
/// It checks that component and pipeline names are unique before doing anything else,
/// prints one `error:` line on failure, and returns the exit code of the error's kind.
pub fn main() -> ExitCode {
    if let Err(error) = logging::init() {
        return report(&error);
    }
    if let Err(error) = registry::check_unique_names() {
        return report(&error);
    }
    // A KFP task runs `exec NAME --executor-input JSON ...`; reading that form directly
    // skips building clap's whole command tree at every task start.
    if let Some(request) = cli::exec_arguments() {
        return exec(&request);
    }
    let cli = match cli::Cli::parse_for_binary() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints help and version to stdout and usage errors to stderr.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let cli = match cli.into_exec() {
        Ok(request) => return exec(&request),
        Err(cli) => cli,
    };
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report(&error),
    }
}

/// Runs one component inside a span that names it, its run and its task, so that every log
/// line of the task carries them, the final error included.
fn exec(request: &ExecRequest) -> ExitCode {
    // At ERROR level, so that the span, and the names it adds to each line, stays enabled
    // under any filter that lets errors through.
    let span = tracing::error_span!(
        "exec",
        component = %request.component,
        run_name = tracing::field::Empty,
        task_name = tracing::field::Empty,
    );
    if let Some(run_name) = &request.labels.run_name {
        span.record("run_name", run_name.as_str());
    }
    if let Some(task_name) = &request.labels.task_name {
        span.record("task_name", task_name.as_str());
    }
    let _entered = span.enter();
    match dispatch::exec_request(request) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report_task(&error, Some((&request.component, &request.labels))),
    }
}

fn report(error: &Error) -> ExitCode {
    report_task(error, None)
}

/// Prints the error as one `error:` line on standard error, or as one ERROR entry on
/// standard output with the JSON format, and returns the exit code of its kind.
///
/// The JSON entry is written directly rather than through `tracing`, so that no `VERTEX_LOG`
/// filter can drop the one line that explains why a task failed.
fn report_task(error: &Error, task: Option<(&str, &TaskLabels)>) -> ExitCode {
    let message = match error {
        // A failed run lists each failed task with the last lines of its log, one per line.
        Error::Pipeline(message) => message.clone(),
        other => one_line(&other.to_string()),
    };
    match logging::format() {
        LogFormat::Text => eprintln!("error: {message}"),
        LogFormat::Json => {
            let line = logging::error_entry(&message, error, task);
            let mut stdout = std::io::stdout().lock();
            let written = std::io::Write::write_all(&mut stdout, line.as_bytes())
                .and_then(|()| std::io::Write::flush(&mut stdout));
            // Standard output may be what failed, as with a full disk. The entry then goes to
            // standard error, which Cloud Logging also files at ERROR.
            if written.is_err() {
                eprint!("{line}");
            }
        }
    }
    ExitCode::from(error)
}

/// Makes a message one readable line: control characters, such as a line break in a value
/// quoted from the input, are escaped, and each run of over 200 characters without a space
/// is cut to its start and end, as is a line of over 3,000 characters, so that a long value
/// cannot bury the rest of the message.
fn one_line(message: &str) -> String {
    const MAX_RUN: usize = 200;
    const KEPT_HEAD: usize = 120;
    const KEPT_TAIL: usize = 20;
    let mut escaped = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    let runs: Vec<String> = escaped
        .split(' ')
        .map(|run| {
            let length = run.chars().count();
            if length <= MAX_RUN {
                return run.to_owned();
            }
            let head: String = run.chars().take(KEPT_HEAD).collect();
            let tail: String = run.chars().skip(length - KEPT_TAIL).collect();
            format!("{head}...({} bytes)...{tail}", run.len())
        })
        .collect();
    let line = runs.join(" ");
    // A long value with spaces in it is cut as a whole; the end of the line, which often
    // says what failed, is kept.
    const MAX_CHARS: usize = 3000;
    let length = line.chars().count();
    if length <= MAX_CHARS {
        return line;
    }
    let head: String = line.chars().take(MAX_CHARS - 500).collect();
    let tail: String = line.chars().skip(length - 400).collect();
    format!("{head}...({} bytes)...{tail}", line.len())
}

/// Items used by the generated code. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::component::{
        input_def, output_def, ComponentInterface, ComponentReturn, InputArg, Invocation,
        OutputDef, OutputValues,
    };
    pub use crate::contract::ExecutorOutput;
    pub use crate::control::{field_ref, StructFields};
    pub use crate::error::Error;
    pub use crate::param::{
        decode_struct, encode_struct, DefaultValue, Parameter, ParameterType, ValueError,
    };
    pub use crate::pipeline::ParamSource;
    pub use crate::pipeline::{
        Bind, Binding, ComponentTask, Implementation, ParamRef, Pipeline, PipelineInput,
        PipelineReturn, TaskId,
    };
    pub use crate::registry::{ComponentEntry, PipelineEntry, COMPONENTS, PIPELINES};
    pub use crate::Output;
    pub use linkme;
    pub use serde_json::Value;
    pub use std::rc::Rc;
    pub use std::{
        boxed::Box, concat, module_path, ops::Deref, option::Option, result::Result,
        string::String, stringify, vec, vec::Vec,
    };
}
