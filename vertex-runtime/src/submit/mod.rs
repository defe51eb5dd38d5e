//! `BIN submit`: compiles a pipeline and creates a Vertex AI PipelineJob from it through the
//! REST API (`projects.locations.pipelineJobs.create`, v1).
//!
//! [`request`] checks every value of the command line and builds the request body without
//! any I/O; [`http`] gets an access token from Application Default Credentials and sends the
//! request. Nothing goes over the network until every value has been checked.

mod http;
mod request;

use std::io::Write;

use clap::Args;

use crate::error::Error;
use crate::spec::Container;

use request::ENDPOINT_ENV;

/// The options of `submit`, but for the container options it shares with `compile`.
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// The pipeline's KFP name.
    pipeline: String,
    /// Google Cloud project ID (or number) to run the pipeline in.
    #[arg(long)]
    project: String,
    /// Vertex AI region, such as `us-central1`.
    #[arg(long)]
    region: String,
    /// Where the run writes its artifacts: `gs://BUCKET/PATH`.
    #[arg(long, value_name = "gs://BUCKET/PATH")]
    pipeline_root: String,
    #[command(flatten)]
    params: crate::cli::ParamArgs,
    /// Service account (e-mail) the tasks run as [default: the project's Compute Engine
    /// default service account].
    #[arg(long, value_name = "EMAIL")]
    service_account: Option<String>,
    /// Label of the run, as KEY=VALUE, or several separated by commas; repeatable.
    #[arg(long = "labels", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// Turn caching off for every task of the run, overriding the compiled settings.
    #[arg(long)]
    no_cache: bool,
    /// The run's name in the console [default: the pipeline name].
    #[arg(long, value_name = "NAME")]
    display_name: Option<String>,
    /// The run's ID, the last part of its resource name [default: the pipeline name and
    /// the UTC time, as the Python SDK makes it].
    #[arg(long, value_name = "ID")]
    job_id: Option<String>,
}

/// Runs `submit`: checks the command line, builds the request and sends it. Prints the job's
/// resource name and its console URL.
pub(crate) fn submit(args: SubmitArgs, container: &Container) -> Result<(), Error> {
    let job = request::build(
        &request::Options {
            pipeline: &args.pipeline,
            project: &args.project,
            region: &args.region,
            pipeline_root: &args.pipeline_root,
            params: &args.params,
            service_account: args.service_account.as_deref(),
            labels: &args.labels,
            no_cache: args.no_cache,
            display_name: args.display_name.as_deref(),
            job_id: args.job_id.as_deref(),
        },
        container,
        std::env::var_os(ENDPOINT_ENV).as_deref(),
        std::time::SystemTime::now(),
    )?;
    // The runtime lives only for this command, so that no other command pays for it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|error| Error::Api(format!("cannot start the async runtime: {error}")))?;
    let name = runtime.block_on(http::create(&job))?;
    let text = format!("{name}\n{}\n", job.console_url(&name));
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|error| Error::Output(format!("cannot write to standard output: {error}")))
}
