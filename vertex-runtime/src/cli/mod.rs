//! The command line of the binary, shared by every crate that calls
//! [`vertex_runtime::main`](crate::main).

mod inputs;

pub(crate) use inputs::ParamArgs;
use inputs::{parse_artifacts, parse_params};

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::artifact::{stage, write_atomically};
use crate::dispatch::{ExecRequest, ExecutorInputSource, TaskLabels};
use crate::error::Error;
use crate::registry::{self, COMPONENTS, PIPELINES};
use crate::spec::{self, Container};
use crate::{dispatch, runner};

/// Serves the components and pipelines of this binary: prints their KFP specs, runs one
/// component as a Vertex AI or KFP task, and runs whole pipelines locally.
#[derive(Debug, Parser)]
#[command(max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the names of the components and pipelines, one per line.
    List,
    /// Print the KFP component YAML of a component, or write one file per component.
    Spec(SpecArgs),
    /// Run one component on an executor input; this is what a KFP task runs.
    Exec(ExecArgs),
    /// Write the PipelineSpec YAML of a pipeline.
    Compile(CompileArgs),
    /// Run a whole pipeline on this machine, each task as a child process.
    Run(RunArgs),
    /// Create a run of a pipeline on Vertex AI Pipelines, through its REST API.
    #[cfg(feature = "submit")]
    Submit {
        #[command(flatten)]
        args: crate::submit::SubmitArgs,
        #[command(flatten)]
        container: ContainerArgs,
    },
    // Kept without the `submit` feature, so that the command reports what is missing. This
    // is a plain comment because clap would show a doc comment as the command's help.
    // `--help` is taken as an argument, so it gets the same message.
    #[cfg(not(feature = "submit"))]
    #[command(hide = true, disable_help_flag = true)]
    Submit {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
}

#[derive(Debug, Args)]
struct ContainerArgs {
    /// Container image that contains this binary, as NAME:TAG, NAME@sha256:DIGEST or
    /// NAME:TAG@sha256:DIGEST, where NAME may start with HOST[:PORT]/
    /// [default: <binary name>:latest, except for submit, which requires it].
    #[arg(long, env = "VERTEX_IMAGE")]
    image: Option<String>,
    /// Path of this binary inside the image [default: /usr/local/bin/<binary name>].
    #[arg(long, env = "VERTEX_BINARY")]
    binary: Option<String>,
}

impl ContainerArgs {
    fn container(&self) -> Result<Container, Error> {
        let image = self
            .image
            .clone()
            .unwrap_or_else(|| format!("{}:latest", binary_name()));
        let binary = self
            .binary
            .clone()
            .unwrap_or_else(|| format!("/usr/local/bin/{}", binary_name()));
        for (option, value) in [("--image", &image), ("--binary", &binary)] {
            if value.is_empty() || value.chars().any(char::is_whitespace) || value.contains("{{") {
                return Err(Error::Usage(format!(
                    "invalid {option} `{value}`: expected a non-empty value without spaces or placeholders"
                )));
            }
        }
        check_image_reference(&image)?;
        Ok(Container { image, binary })
    }
}

/// The forms of image reference that `--image` accepts, for error messages.
const IMAGE_REFERENCE_FORMS: &str = "NAME:TAG or NAME@sha256:DIGEST (64 lowercase hex digits), \
    where NAME is [HOST[:PORT]/]PATH with a lowercase PATH, for example \
    `europe-docker.pkg.dev/project/repository/image:1.0`";

/// Checks an image reference with the OCI distribution grammar that `docker pull` uses,
/// and accepts only sha256 digests in lowercase hex: the digests that Docker and Artifact
/// Registry report. A reference without tag or digest means `:latest`, as in Docker.
fn check_image_reference(image: &str) -> Result<(), Error> {
    use oci_spec::distribution::{ParseError, Reference};

    let invalid = |reason: &str| {
        Error::Usage(format!(
            "invalid --image `{image}`: {reason}; expected {IMAGE_REFERENCE_FORMS}"
        ))
    };
    // Docker matches the tag's `\w` against ASCII, oci-spec 0.10 against Unicode.
    if !image.is_ascii() {
        return Err(invalid("the reference must be ASCII"));
    }
    if image.ends_with(':') || image.contains(":@") {
        return Err(invalid("the tag is empty"));
    }
    if let Some((_, digest)) = image.split_once('@') {
        let Some(hex) = digest.strip_prefix("sha256:") else {
            return Err(invalid("the digest must start with `sha256:`"));
        };
        if hex.len() != 64 {
            return Err(invalid(&format!(
                "the sha256 digest has {} characters instead of 64 hex digits",
                hex.len()
            )));
        }
        if !hex
            .bytes()
            .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(invalid("the digest must be lowercase hex"));
        }
    }
    // A registry host comes before the first `/`, with an optional port.
    if let Some((_, port)) = image
        .split_once('/')
        .and_then(|(host, _)| host.rsplit_once(':'))
    {
        if !port.parse::<u16>().is_ok_and(|port| port > 0) {
            return Err(invalid(&format!(
                "the registry port `{port}` is not between 1 and 65535"
            )));
        }
    }
    match Reference::try_from(image) {
        Ok(_) => Ok(()),
        Err(ParseError::ReferenceInvalidFormat)
            if Reference::try_from(image.to_lowercase()).is_ok() =>
        {
            Err(invalid("the repository path must be lowercase"))
        }
        Err(error) => Err(invalid(&error.to_string())),
    }
}

#[derive(Debug, Args)]
struct SpecArgs {
    /// The component's KFP name.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    component: Option<String>,
    /// Write the spec of every component, as `<name>.yaml` files in `--out-dir`.
    #[arg(long, requires = "out_dir")]
    all: bool,
    /// Directory for `--all`; created if missing.
    #[arg(long)]
    out_dir: Option<PathBuf>,
    #[command(flatten)]
    container: ContainerArgs,
}

#[derive(Debug, Args)]
struct ExecArgs {
    /// The component's KFP name.
    component: String,
    /// The executor input JSON, as KFP renders `{{$}}`.
    #[arg(
        long,
        required_unless_present = "executor_input_file",
        allow_hyphen_values = true
    )]
    executor_input: Option<String>,
    /// A file to read the executor input from, `-` for standard input; for inputs larger
    /// than the 128 KiB Linux allows in one argument.
    #[arg(long, value_name = "PATH", conflicts_with = "executor_input")]
    executor_input_file: Option<PathBuf>,
    /// The component fingerprint the spec was compiled with; a different one in this binary
    /// is logged as a warning.
    #[arg(long, allow_hyphen_values = true, value_name = "HEX")]
    fingerprint: Option<String>,
    /// The pipeline run's name, shown in log lines; specs pass `{{$.pipeline_job_name}}`.
    #[arg(long, allow_hyphen_values = true, value_name = "NAME")]
    run_name: Option<String>,
    /// The task's name, shown in log lines; specs pass `{{$.pipeline_task_name}}`.
    #[arg(long, allow_hyphen_values = true, value_name = "NAME")]
    task_name: Option<String>,
}

impl From<ExecArgs> for ExecRequest {
    fn from(args: ExecArgs) -> Self {
        let input = match args.executor_input_file {
            Some(path) => ExecutorInputSource::File(path),
            None => ExecutorInputSource::Argument(args.executor_input.unwrap_or_default()),
        };
        ExecRequest {
            component: args.component,
            input,
            labels: TaskLabels::new(args.fingerprint, args.run_name, args.task_name),
        }
    }
}

#[derive(Debug, Args)]
struct CompileArgs {
    /// The pipeline's KFP name.
    pipeline: String,
    /// Output file; standard output when absent.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Default of a pipeline parameter, as NAME=VALUE (JSON unless the parameter is a
    /// string); repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    #[command(flatten)]
    container: ContainerArgs,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The pipeline's KFP name.
    pipeline: String,
    #[command(flatten)]
    params: ParamArgs,
    /// Artifact for a pipeline-level artifact input, as NAME=URI: a path, or a gs://, s3://
    /// or minio:// URI read under the pipeline root's mounts; repeat NAME for a list input.
    #[arg(long = "artifact", value_name = "NAME=URI")]
    artifacts: Vec<String>,
    /// Pipeline root: each run writes its artifacts to a new folder under it.
    #[arg(long, default_value = "vertex_outputs")]
    root: PathBuf,
    /// Maximum number of tasks running at once; the number of cores by default.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Run every task, even those whose outputs an earlier run under the same root cached.
    #[arg(long)]
    no_cache: bool,
}

fn binary_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "vertex".to_owned())
}

/// Reads a command line of the form `exec NAME --executor-input JSON`, optionally followed
/// by `--fingerprint`, `--run-name` and `--task-name` each given once with a value, all in
/// UTF-8. Any other form returns `None` and goes through clap, which reports its errors.
pub(crate) fn exec_arguments() -> Option<ExecRequest> {
    let mut arguments = std::env::args_os().skip(1);
    if arguments.next()? != "exec" {
        return None;
    }
    let component = arguments.next()?.into_string().ok()?;
    if component.starts_with('-') {
        return None;
    }
    let (mut executor_input, mut fingerprint, mut run_name, mut task_name) =
        (None, None, None, None);
    while let Some(option) = arguments.next() {
        let value = arguments.next()?.into_string().ok()?;
        let slot = match option.to_str()? {
            "--executor-input" => &mut executor_input,
            "--fingerprint" => &mut fingerprint,
            "--run-name" => &mut run_name,
            "--task-name" => &mut task_name,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    Some(ExecRequest {
        component,
        input: ExecutorInputSource::Argument(executor_input?),
        labels: TaskLabels::new(fingerprint, run_name, task_name),
    })
}

impl Cli {
    /// Parses the command line, naming the binary as it is called rather than after this
    /// library, whose name clap would take.
    pub fn parse_for_binary() -> Result<Self, clap::Error> {
        let name = binary_name();
        let command = <Self as clap::CommandFactory>::command()
            .name(name.clone())
            .bin_name(name)
            .version(concat!(
                "built with vertex-runtime ",
                env!("CARGO_PKG_VERSION")
            ));
        let matches = command.try_get_matches()?;
        <Self as clap::FromArgMatches>::from_arg_matches(&matches)
    }

    /// Returns the request of an `exec` command line, or the command line itself.
    pub(crate) fn into_exec(self) -> Result<ExecRequest, Box<Self>> {
        match self.command {
            Command::Exec(args) => Ok(ExecRequest::from(args)),
            command => Err(Box::new(Self { command })),
        }
    }

    /// Runs the parsed command.
    pub fn run(self) -> Result<(), Error> {
        match self.command {
            Command::List => list(),
            Command::Spec(args) => spec(args),
            Command::Exec(args) => dispatch::exec_request(&ExecRequest::from(args)),
            Command::Compile(args) => compile(args),
            Command::Run(args) => {
                let entry = registry::pipeline(&args.pipeline)?;
                let pipeline = (entry.build)();
                let graph = pipeline.graph();
                let params = args.params.parse(&graph)?;
                let jobs = args.jobs.map(usize::from);
                let artifacts = parse_artifacts(&graph, &args.artifacts, &args.root)?;
                runner::run(
                    &graph,
                    &params,
                    &artifacts,
                    &args.root,
                    jobs,
                    !args.no_cache,
                )
            }
            #[cfg(not(feature = "submit"))]
            Command::Submit { .. } => Err(Error::Usage(
                "submit is not in this binary: it was built without the `submit` feature of \
                 vertex-runtime, as image binaries are; run submit from a build with that feature"
                    .to_owned(),
            )),
            #[cfg(feature = "submit")]
            Command::Submit { args, container } => {
                // The default image names a local build, which Vertex AI cannot pull.
                if container.image.is_none() {
                    return Err(Error::Usage(
                        "submit needs --image (or VERTEX_IMAGE): the image Vertex AI pulls, \
                         such as europe-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE:TAG"
                            .to_owned(),
                    ));
                }
                crate::submit::submit(args, &container.container()?)
            }
        }
    }
}

fn print(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| Error::Output(format!("cannot write to standard output: {error}")))
}

fn list() -> Result<(), Error> {
    let mut names: Vec<String> = COMPONENTS
        .iter()
        .map(|c| format!("component {}\n", c.name))
        .collect();
    names.sort();
    let mut pipelines: Vec<String> = PIPELINES
        .iter()
        .map(|p| format!("pipeline {}\n", p.name))
        .collect();
    pipelines.sort();
    print(&(names.concat() + &pipelines.concat()))
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    write_atomically(path, text.as_bytes())
        .map_err(|error| Error::Output(format!("cannot write `{}`: {error}", path.display())))
}

fn spec(args: SpecArgs) -> Result<(), Error> {
    let container = args.container.container()?;
    if args.out_dir.is_some() && !args.all {
        return Err(Error::Usage(
            "--out-dir needs --all; without it the spec goes to standard output".to_owned(),
        ));
    }
    let Some(out_dir) = args.out_dir.filter(|_| args.all) else {
        let name = args.component.unwrap_or_default();
        let entry = registry::component(&name)?;
        return print(&spec::component_yaml(entry, &container)?);
    };
    let cannot_write =
        |path: &Path, error| Error::Output(format!("cannot write `{}`: {error}", path.display()));
    let mut staged = Vec::with_capacity(COMPONENTS.len());
    for entry in COMPONENTS.iter() {
        let path = out_dir.join(format!("{}.yaml", entry.name));
        let yaml = spec::component_yaml(entry, &container)?;
        let file = stage(&path, yaml.as_bytes()).map_err(|error| cannot_write(&path, error))?;
        staged.push((file, path));
    }
    // Renamed only once every file is written, so that a failure such as a full disk leaves
    // the folder's files as they were.
    for (file, path) in staged {
        file.commit().map_err(|error| cannot_write(&path, error))?;
    }
    Ok(())
}

fn compile(args: CompileArgs) -> Result<(), Error> {
    let entry = registry::pipeline(&args.pipeline)?;
    let pipeline = (entry.build)();
    let graph = pipeline.graph();
    let defaults = parse_params(&graph, &args.params)?;
    if let Some(name) = defaults
        .keys()
        .find(|name| graph.secret_inputs.contains(*name))
    {
        return Err(Error::Usage(format!(
            "--param `{name}` is rejected: the parameter is secret, and compile would write \
             its value into the spec as a default; pass it when the run starts, with `run` or \
             `submit`"
        )));
    }
    let yaml = spec::pipeline_yaml(&graph, &args.container.container()?, &defaults)?;
    match args.output {
        Some(path) => write_file(&path, &yaml),
        None => print(&yaml),
    }
}
