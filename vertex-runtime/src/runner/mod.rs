//! The local runner: runs every task of a pipeline as a child process of this binary, the
//! way a KFP orchestrator does, with artifacts under a local pipeline root.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value};

use crate::component::ValueKind;
use crate::contract::{
    ArtifactList, ExecutorInput, ExecutorOutput, OutputParameter, RuntimeArtifact,
};
use crate::dispatch::MOUNT_ROOT_ENV;
use crate::error::Error;
use crate::pipeline::{
    ArtifactSource, Binding, Graph, Implementation, Importer, ParamSource, TaskId, TaskNode,
    IMPORTER_OUTPUT, IMPORTER_URI,
};

mod branches;
mod cache;
mod loops;
mod plan;

use loops::{Expansion, Iterations};

/// Lines of a failed task's log shown in the error.
const LOG_TAIL_LINES: usize = 10;

#[derive(Debug)]
enum Status {
    /// A task inside a loop, copied per iteration once the loop's list is known.
    Template,
    Pending,
    Running,
    Succeeded(ExecutorOutput),
    Failed(String),
    Skipped(TaskId),
    /// The condition of this group did not hold.
    NotTriggered(String),
}

struct TaskRun {
    status: Status,
    duration: Duration,
    directory: PathBuf,
    /// The run whose cached outputs this task reused.
    cached_from: Option<String>,
}

/// The running process of a task, shared with the thread that waits for it, so that an
/// interrupt can stop it and cancel its retries.
#[derive(Default)]
struct Control {
    pid: AtomicU32,
    cancelled: AtomicBool,
}

impl Control {
    fn stop(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        terminate(self.pid.load(Ordering::SeqCst));
    }
}

/// An event the scheduling loop waits for.
enum Event {
    Finished(Finished),
    Interrupted(i32),
}

struct Finished {
    index: usize,
    duration: Duration,
    result: Result<ExecutorOutput, String>,
}

/// Runs a pipeline graph with the given parameter values under `root`.
pub(crate) fn run(
    graph: &Graph,
    params: &BTreeMap<String, Value>,
    artifacts: &BTreeMap<String, Vec<String>>,
    root: &Path,
    jobs: Option<usize>,
    use_cache: bool,
) -> Result<(), Error> {
    if !graph.errors.is_empty() {
        let errors = graph.errors.join("\n");
        return Err(Error::Pipeline(format!(
            "pipeline `{}` is invalid: {errors}",
            graph.name
        )));
    }
    if root.to_str().is_none() {
        return Err(Error::Usage(format!(
            "invalid --root `{}`: the path must be valid UTF-8, since executor inputs are JSON",
            root.display()
        )));
    }
    let values = resolve_parameters(graph, params)?;
    let pipeline_artifacts = resolve_artifacts(graph, artifacts)?;
    if let Some(message) = plan::unsupported(graph) {
        return Err(Error::Pipeline(message));
    }
    let mut flattened = plan::flatten(graph);
    let graph = &mut flattened;
    let root = std::path::absolute(root)
        .map_err(|error| Error::Usage(format!("invalid --root `{}`: {error}", root.display())))?;
    let run_name = format!("{}-{}", graph.name, timestamp());
    let run_dir = root.join(&run_name);
    std::fs::create_dir_all(&run_dir).map_err(|error| {
        Error::Output(format!("cannot create `{}`: {error}", run_dir.display()))
    })?;
    let jobs = jobs
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
        .max(1);
    eprintln!(
        "run {run_name}: {}, up to {jobs} at once, in {}",
        task_count(graph),
        run_dir.display()
    );

    let mut runs: Vec<TaskRun> = graph
        .tasks
        .iter()
        .map(|task| TaskRun {
            status: match task.group {
                group if loops::is_template(graph, group) => Status::Template,
                _ => Status::Pending,
            },
            duration: Duration::ZERO,
            directory: run_dir.join(task.id.as_str()),
            cached_from: None,
        })
        .collect();
    let mut loops = vec![Expansion::Waiting; graph.groups.len()];
    let mut iterations = Iterations::new();
    let executable = std::env::current_exe()
        .map_err(|error| Error::Pipeline(format!("cannot locate this binary: {error}")))?;
    let cache = if use_cache {
        match cache::Cache::open(&root, &executable) {
            Ok(cache) => Some(cache),
            Err(error) => {
                eprintln!(
                    "caching is off: cannot read `{}`: {error}",
                    executable.display()
                );
                None
            }
        }
    } else {
        None
    };
    let mut cache_keys: HashMap<usize, String> = HashMap::new();
    let (sender, receiver) = mpsc::channel::<Event>();
    forward_interrupts(sender.clone())?;
    let mut running: BTreeMap<usize, Arc<Control>> = BTreeMap::new();
    let mut interrupted = None;
    loop {
        let known = RunOutputs::new(graph, &runs);
        let added = loops::expand_ready(graph, &mut loops, &mut iterations, &values, &known);
        for task in &graph.tasks[graph.tasks.len() - added..] {
            runs.push(TaskRun {
                // The tasks of a loop inside the loop just expanded wait for their own turn.
                status: match task.group {
                    group if loops::is_template(graph, group) => Status::Template,
                    _ => Status::Pending,
                },
                duration: Duration::ZERO,
                directory: run_dir.join(task.id.as_str()),
                cached_from: None,
            });
        }
        let graph = &*graph;
        skip_dependents_of_failures(graph, &loops, &mut runs);
        let ready = if interrupted.is_some() {
            Vec::new()
        } else {
            ready_tasks(graph, &loops, &runs)
        };
        // Importers and tasks that fail to start finish at once, which may make others ready.
        // An expanded loop may hold a loop whose list is now known.
        let mut finished_at_once = added > 0;
        for index in ready {
            if running.len() == jobs {
                break;
            }
            if !iteration_may_start(graph, &iterations, &running, index) {
                continue;
            }
            let task = &graph.tasks[index];
            if let Some(group) = failed_condition(graph, &runs, &values, task) {
                eprintln!(
                    "[{}] not run: the condition of `{group}` does not hold",
                    task.id
                );
                runs[index].status = Status::NotTriggered(group);
                finished_at_once = true;
                continue;
            }
            let sources = Sources {
                values: &values,
                artifacts: &pipeline_artifacts,
            };
            let input = executor_input(graph, &loops, &runs, &sources, &run_name, index);
            let component = match &task.implementation {
                Implementation::Container(entry) => entry.name,
                Implementation::Importer(importer) => {
                    runs[index].status = import(importer, &input);
                    eprintln!("[{}] imported", task.id);
                    finished_at_once = true;
                    continue;
                }
                // Flattening leaves no pipeline tasks.
                Implementation::Pipeline(_) => continue,
            };
            if let Some(cache) = cache.as_ref().filter(|_| task.caching) {
                let key = cache.key(component, &input, &task.env);
                if let Some(entry) = cache.get(&key) {
                    eprintln!(
                        "[{}] reused the outputs of run {} (cached)",
                        task.id, entry.run
                    );
                    runs[index].status = Status::Succeeded(entry.output);
                    runs[index].cached_from = Some(entry.run);
                    finished_at_once = true;
                    continue;
                }
                cache_keys.insert(index, key);
            }
            eprintln!("[{}] started", task.id);
            let directory = &runs[index].directory;
            let launch = Launch {
                executable: executable.clone(),
                mount_root: root.clone(),
                component,
                run_name: run_name.clone(),
                env: task.env.clone(),
                retry: task.retry.clone(),
                directory: directory.clone(),
                id: task.id.clone(),
                index,
            };
            match launch.start(input, sender.clone()) {
                Ok(control) => {
                    running.insert(index, control);
                    runs[index].status = Status::Running;
                }
                Err(message) => {
                    eprintln!("[{}] failed to start: {message}", task.id);
                    runs[index].status = Status::Failed(message);
                    finished_at_once = true;
                }
            }
        }
        if running.is_empty() {
            if finished_at_once {
                continue;
            }
            break;
        }
        let event = receiver
            .recv()
            .map_err(|error| Error::Pipeline(format!("lost track of running tasks: {error}")))?;
        let finished = match event {
            Event::Interrupted(signal) => {
                eprintln!("interrupted: stopping {} running tasks", running.len());
                interrupted = Some(signal);
                running.values().for_each(|control| control.stop());
                continue;
            }
            Event::Finished(finished) => finished,
        };
        running.remove(&finished.index);
        let run = &mut runs[finished.index];
        run.duration = finished.duration;
        let id = &graph.tasks[finished.index].id;
        run.status = match finished.result {
            Ok(output) => {
                eprintln!("[{id}] succeeded in {}", format_duration(finished.duration));
                let key = cache_keys.remove(&finished.index);
                if let (Some(cache), Some(key)) = (&cache, key) {
                    if let Err(error) = cache.put(&key, &run_name, &output) {
                        eprintln!("[{id}] outputs not cached: {error}");
                    }
                }
                Status::Succeeded(output)
            }
            Err(message) => {
                eprintln!("[{id}] failed in {}", format_duration(finished.duration));
                Status::Failed(message)
            }
        };
    }
    // A summary that cannot be written fails the run only if nothing else did, since the
    // error of a failed task explains more.
    let summary_written = {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(summary(graph, &loops, &runs).as_bytes())
            .and_then(|()| stdout.flush())
    };
    let failures: Vec<String> = graph
        .tasks
        .iter()
        .zip(&runs)
        .filter_map(|(task, run)| match &run.status {
            Status::Failed(message) => Some(format!("task `{}` {message}", task.id)),
            _ => None,
        })
        .collect();
    if let Some(signal) = interrupted {
        let name = if signal == signal_hook::consts::SIGINT {
            "SIGINT"
        } else {
            "SIGTERM"
        };
        let not_run = runs
            .iter()
            .filter(|run| matches!(run.status, Status::Pending | Status::Skipped(_)))
            .count();
        return Err(Error::Pipeline(format!(
            "pipeline `{}` interrupted by {name}: running tasks were stopped and {not_run} tasks did not run",
            graph.name
        )));
    }
    if failures.is_empty() {
        summary_written.map_err(|error| {
            Error::Output(format!(
                "cannot write the summary to standard output: {error}"
            ))
        })
    } else {
        Err(Error::Pipeline(format!(
            "pipeline `{}` failed: {}",
            graph.name,
            failures.join("\n")
        )))
    }
}

/// Runs an importer: the artifact is the URI as given, with the importer's metadata; nothing
/// is copied, as in KFP.
fn import(importer: &Importer, input: &ExecutorInput) -> Status {
    let Some(Value::String(uri)) = input.inputs.parameter_values.get(IMPORTER_URI) else {
        return Status::Failed("has no `uri` string to import".to_owned());
    };
    let artifact = RuntimeArtifact::new(IMPORTER_OUTPUT, uri.clone(), importer.metadata.clone())
        .with_type(importer.schema.title, importer.schema.version);
    let mut output = ExecutorOutput::default();
    output.artifacts.insert(
        IMPORTER_OUTPUT.to_owned(),
        ArtifactList::new(vec![artifact]),
    );
    Status::Succeeded(output)
}

/// Takes each pipeline parameter from the command line, else its default.
fn resolve_parameters(
    graph: &Graph,
    params: &BTreeMap<String, Value>,
) -> Result<Map<String, Value>, Error> {
    let mut values = Map::new();
    for input in &graph.inputs {
        if matches!(input.kind, ValueKind::Artifact { .. }) {
            continue;
        }
        match params.get(&input.name).or(input.default.as_ref()) {
            Some(value) => {
                values.insert(input.name.clone(), value.clone());
            }
            None if input.optional => {}
            None => {
                return Err(Error::Usage(format!(
                    "pipeline `{}` needs a value for parameter `{}`: pass --param {}=VALUE",
                    graph.name, input.name, input.name
                )))
            }
        }
    }
    Ok(values)
}

/// Makes the artifacts of each pipeline-level artifact input from the URIs given with
/// `--artifact`, typed as the input declares; every such input needs one.
fn resolve_artifacts(
    graph: &Graph,
    uris: &BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, ArtifactList>, Error> {
    let mut artifacts = BTreeMap::new();
    for input in &graph.inputs {
        let Some((title, version)) = artifact_type(input.kind) else {
            continue;
        };
        let Some(given) = uris.get(&input.name) else {
            return Err(Error::Usage(format!(
                "pipeline `{}` needs artifact `{}`: pass --artifact {}=URI",
                graph.name, input.name, input.name
            )));
        };
        let list = given
            .iter()
            .map(|uri| {
                RuntimeArtifact::new(input.name.clone(), uri.clone(), Map::new())
                    .with_type(title, version)
            })
            .collect();
        artifacts.insert(input.name.clone(), ArtifactList::new(list));
    }
    Ok(artifacts)
}

fn timestamp() -> String {
    let text = humantime::format_rfc3339_micros(SystemTime::now()).to_string();
    text.trim_end_matches('Z').replace(['T', ':', '.'], "-")
}

fn format_duration(duration: Duration) -> String {
    if duration < Duration::from_secs(10) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

fn index_of(graph: &Graph, id: &TaskId) -> usize {
    // Bindings only reference tasks created earlier in the same pipeline.
    graph
        .tasks
        .iter()
        .position(|task| &task.id == id)
        .unwrap_or(usize::MAX)
}

/// The outputs of a run so far, for loops waiting for their list.
struct RunOutputs<'r> {
    index: HashMap<TaskId, usize>,
    runs: &'r [TaskRun],
}

impl<'r> RunOutputs<'r> {
    fn new(graph: &Graph, runs: &'r [TaskRun]) -> Self {
        let index = graph
            .tasks
            .iter()
            .enumerate()
            .map(|(i, task)| (task.id.clone(), i))
            .collect();
        Self { index, runs }
    }
}

impl loops::Outputs for RunOutputs<'_> {
    fn parameter(&self, task: &TaskId, output: &str) -> Option<Value> {
        match &self.runs.get(*self.index.get(task)?)?.status {
            Status::Succeeded(outputs) => outputs.parameter_values.get(output).cloned(),
            _ => None,
        }
    }

    fn failed(&self, task: &TaskId) -> bool {
        let status = self
            .index
            .get(task)
            .and_then(|&i| self.runs.get(i))
            .map(|run| &run.status);
        matches!(status, Some(Status::Failed(_) | Status::Skipped(_)))
    }
}

/// The tasks a task waits for, or why it cannot run.
enum Needs {
    /// These tasks must succeed first.
    Tasks(BTreeSet<TaskId>),
    /// These tasks must be done, whatever their outcome: those an exit task guards.
    Done(Vec<TaskId>),
    /// A loop it collects from has not expanded yet, or a branch it takes an output from
    /// has not finished.
    Wait,
    /// This upstream task did not succeed.
    Blocked(TaskId),
}

/// Returns the exit handler whose final status a task receives.
fn exit_group(task: &TaskNode) -> Option<usize> {
    task.inputs.iter().find_map(|(_, binding)| match binding {
        Binding::Parameter(ParamSource::TaskFinalStatus { group }) => Some(*group),
        _ => None,
    })
}

/// Returns the tasks a task needs: producers of its inputs, of the operands of its
/// conditions, `after` tasks, and every iteration's copy of the producers it collects from.
fn needs(graph: &Graph, loops: &[Expansion], runs: &[TaskRun], task: &TaskNode) -> Needs {
    if let Some(group) = exit_group(task) {
        return Needs::Done(branches::guarded_tasks(graph, group));
    }
    let mut needed = task.dependencies();
    needed.extend(branches::operand_producers(&branches::conditions(
        graph, task,
    )));
    for (_, binding) in &task.inputs {
        if let Binding::Parameter(ParamSource::OneOf { branches, .. }) = binding {
            match branch_taken(graph, runs, branches) {
                Ok(Some(task)) => {
                    needed.insert(task);
                }
                Ok(None) => return Needs::Wait,
                Err(upstream) => return Needs::Blocked(upstream),
            }
            continue;
        }
        let (group, producer) = match binding {
            Binding::Parameter(ParamSource::Collected { group, task, .. })
            | Binding::Artifact(ArtifactSource::Collected { group, task, .. }) => (*group, task),
            _ => continue,
        };
        match &loops[group] {
            Expansion::Waiting => return Needs::Wait,
            Expansion::Failed(upstream) => return Needs::Blocked(upstream.clone()),
            Expansion::Expanded(copies) => {
                needed.extend(copies.iter().filter_map(|copy| copy.get(producer).cloned()))
            }
        }
    }
    Needs::Tasks(needed)
}

/// Returns the task of the branch that ran, `Ok(None)` while a branch is unfinished, or the
/// first branch's task when none succeeded.
fn branch_taken(
    graph: &Graph,
    runs: &[TaskRun],
    branches: &[(usize, TaskId, String)],
) -> Result<Option<TaskId>, TaskId> {
    let mut taken = None;
    for (_, task, _) in branches {
        match status_of(graph, runs, task) {
            Some(Status::Succeeded(_)) => taken = Some(task.clone()),
            Some(Status::Pending | Status::Running | Status::Template) | None => return Ok(None),
            _ => {}
        }
    }
    match (taken, branches.first()) {
        (Some(task), _) => Ok(Some(task)),
        (None, Some((_, first, _))) => Err(first.clone()),
        (None, None) => Ok(None),
    }
}

fn status_of<'r>(graph: &Graph, runs: &'r [TaskRun], task: &TaskId) -> Option<&'r Status> {
    runs.get(index_of(graph, task)).map(|run| &run.status)
}

fn ready_tasks(graph: &Graph, loops: &[Expansion], runs: &[TaskRun]) -> Vec<usize> {
    let succeeded =
        |task: &TaskId| matches!(status_of(graph, runs, task), Some(Status::Succeeded(_)));
    // A loop's own tasks are templates, done once copied; the copies are guarded too.
    let done = |task: &TaskId| {
        !matches!(
            status_of(graph, runs, task),
            None | Some(Status::Pending | Status::Running)
        )
    };
    (0..graph.tasks.len())
        .filter(|&index| matches!(runs[index].status, Status::Pending))
        .filter(
            |&index| match needs(graph, loops, runs, &graph.tasks[index]) {
                Needs::Tasks(needed) => needed.iter().all(succeeded),
                Needs::Done(guarded) => guarded.iter().all(done),
                Needs::Wait | Needs::Blocked(_) => false,
            },
        )
        .collect()
}

/// Marks as skipped every pending task that waits for a task that did not succeed,
/// repeating until no more change, since a skip can block tasks listed before it.
fn skip_dependents_of_failures(graph: &Graph, loops: &[Expansion], runs: &mut [TaskRun]) {
    while skip_dependents_once(graph, loops, runs) {}
}

/// Makes one pass of [`skip_dependents_of_failures`]; returns whether it skipped a task.
fn skip_dependents_once(graph: &Graph, loops: &[Expansion], runs: &mut [TaskRun]) -> bool {
    let mut skipped = false;
    for index in 0..graph.tasks.len() {
        if !matches!(runs[index].status, Status::Pending) {
            continue;
        }
        let blocked = match needs(graph, loops, runs, &graph.tasks[index]) {
            Needs::Blocked(upstream) => Some(upstream),
            // An exit task runs whatever happened to the tasks it guards.
            Needs::Wait | Needs::Done(_) => None,
            Needs::Tasks(needed) => needed.into_iter().find(|dependency| {
                matches!(
                    status_of(graph, runs, dependency),
                    Some(Status::Failed(_) | Status::Skipped(_) | Status::NotTriggered(_))
                )
            }),
        };
        if let Some(dependency) = blocked {
            eprintln!(
                "[{}] skipped: upstream task `{dependency}` did not succeed",
                graph.tasks[index].id
            );
            runs[index].status = Status::Skipped(dependency);
            skipped = true;
        }
    }
    skipped
}

/// Evaluates the conditions of a task; `Some(group)` names the condition group that does
/// not hold.
fn failed_condition(
    graph: &Graph,
    runs: &[TaskRun],
    values: &Map<String, Value>,
    task: &TaskNode,
) -> Option<String> {
    let value = |source: &ParamSource| match source {
        ParamSource::Constant(value) => Some(value.clone()),
        ParamSource::PipelineInput(name) => values.get(name).cloned(),
        ParamSource::TaskOutput { task, output } => upstream_output(graph, runs, task)
            .and_then(|out| out.parameter_values.get(output).cloned()),
        _ => None,
    };
    for group in branches::enclosing_groups(graph, task) {
        if let crate::control::GroupKind::Condition { terms } = &graph.groups[group].kind {
            if branches::holds(terms, value) != Some(true) {
                return Some(graph.groups[group].id.clone());
            }
        }
    }
    None
}

/// Applies a loop's parallelism limit: a task of an iteration that is not running yet may
/// start only while fewer iterations than the limit run.
fn iteration_may_start(
    graph: &Graph,
    iterations: &Iterations,
    running: &BTreeMap<usize, Arc<Control>>,
    index: usize,
) -> bool {
    let Some(&(group, iteration)) = iterations.get(&graph.tasks[index].id) else {
        return true;
    };
    let crate::control::GroupKind::ParallelFor { parallelism, .. } = &graph.groups[group].kind
    else {
        return true;
    };
    let Some(limit) = parallelism else {
        return true;
    };
    let active: BTreeSet<usize> = running
        .keys()
        .filter_map(|&running| iterations.get(&graph.tasks[running].id))
        .filter(|(g, _)| *g == group)
        .map(|(_, i)| *i)
        .collect();
    active.contains(&iteration) || active.len() < *limit as usize
}

/// Returns the outputs of every iteration's copy of `task` in loop `group`, in order.
fn collected<'a>(
    graph: &'a Graph,
    loops: &'a [Expansion],
    runs: &'a [TaskRun],
    group: usize,
    task: &'a TaskId,
) -> impl Iterator<Item = &'a ExecutorOutput> + 'a {
    let copies = match &loops[group] {
        Expansion::Expanded(copies) => copies.as_slice(),
        _ => &[],
    };
    copies
        .iter()
        .filter_map(move |copy| upstream_output(graph, runs, copy.get(task)?))
}

fn upstream_output<'a>(
    graph: &Graph,
    runs: &'a [TaskRun],
    task: &TaskId,
) -> Option<&'a ExecutorOutput> {
    match &runs.get(index_of(graph, task))?.status {
        Status::Succeeded(output) => Some(output),
        _ => None,
    }
}

fn artifact_type(kind: ValueKind) -> Option<(&'static str, &'static str)> {
    match kind {
        ValueKind::Artifact { schema, .. } => Some((schema.title, schema.version)),
        ValueKind::Parameter(_) => None,
    }
}

/// The values of the pipeline's own inputs.
struct Sources<'a> {
    /// Parameters, from `--param` or their defaults.
    values: &'a Map<String, Value>,
    /// Artifacts, from `--artifact`.
    artifacts: &'a BTreeMap<String, ArtifactList>,
}

/// Builds the executor input of one task from constants, pipeline inputs and upstream
/// outputs.
fn executor_input(
    graph: &Graph,
    loops: &[Expansion],
    runs: &[TaskRun],
    sources: &Sources<'_>,
    run_name: &str,
    index: usize,
) -> ExecutorInput {
    let values = sources.values;
    let task = &graph.tasks[index];
    let directory = &runs[index].directory;
    let mut input = ExecutorInput::default();
    for (name, binding) in &task.inputs {
        match binding {
            Binding::Parameter(ParamSource::Constant(value)) => {
                input
                    .inputs
                    .parameter_values
                    .insert(name.clone(), value.clone());
            }
            Binding::Parameter(ParamSource::PipelineInput(parameter)) => {
                if let Some(value) = values.get(parameter) {
                    input
                        .inputs
                        .parameter_values
                        .insert(name.clone(), value.clone());
                }
            }
            Binding::Parameter(ParamSource::TaskOutput { task, output }) => {
                let value = upstream_output(graph, runs, task)
                    .and_then(|out| out.parameter_values.get(output));
                if let Some(value) = value {
                    input
                        .inputs
                        .parameter_values
                        .insert(name.clone(), value.clone());
                }
            }
            Binding::Parameter(ParamSource::Invalid(_)) => {}
            Binding::Artifact(ArtifactSource::PipelineInput(pipeline_input)) => {
                if let Some(list) = sources.artifacts.get(pipeline_input) {
                    input.inputs.artifacts.insert(name.clone(), list.clone());
                }
            }
            Binding::Parameter(ParamSource::OneOf { branches, .. }) => {
                let value = branches.iter().find_map(|(_, task, output)| {
                    upstream_output(graph, runs, task)
                        .and_then(|out| out.parameter_values.get(output))
                });
                if let Some(value) = value {
                    input
                        .inputs
                        .parameter_values
                        .insert(name.clone(), value.clone());
                }
            }
            Binding::Parameter(ParamSource::TaskFinalStatus { group }) => {
                let failure =
                    branches::guarded_tasks(graph, *group)
                        .into_iter()
                        .find_map(|guarded| match status_of(graph, runs, &guarded) {
                            Some(Status::Failed(message)) => {
                                Some(format!("task `{guarded}` {message}"))
                            }
                            _ => None,
                        });
                let status = branches::final_status(run_name, &graph.groups[*group].id, failure);
                input.inputs.parameter_values.insert(name.clone(), status);
            }
            Binding::Parameter(ParamSource::Field { base, field }) => {
                let value = match &**base {
                    ParamSource::Constant(value) => Some(value),
                    ParamSource::PipelineInput(parameter) => values.get(parameter),
                    ParamSource::TaskOutput { task, output } => upstream_output(graph, runs, task)
                        .and_then(|out| out.parameter_values.get(output)),
                    _ => None,
                };
                if let Some(value) = value.and_then(|value| value.get(field)) {
                    input
                        .inputs
                        .parameter_values
                        .insert(name.clone(), value.clone());
                }
            }
            // Loop items become constants when the loop expands.
            Binding::Parameter(ParamSource::LoopItem { .. }) => {}
            Binding::Parameter(ParamSource::Collected {
                group,
                task,
                output,
            }) => {
                let values = collected(graph, loops, runs, *group, task)
                    .map(|produced| {
                        produced
                            .parameter_values
                            .get(output)
                            .cloned()
                            .unwrap_or(Value::Null)
                    })
                    .collect();
                input
                    .inputs
                    .parameter_values
                    .insert(name.clone(), Value::Array(values));
            }
            Binding::Artifact(ArtifactSource::Collected {
                group,
                task,
                output,
            }) => {
                let kind = graph.tasks[index_of(graph, task)]
                    .interface
                    .outputs
                    .iter()
                    .find(|o| &o.name == output)
                    .and_then(|o| artifact_type(o.kind));
                let artifacts = collected(graph, loops, runs, *group, task)
                    .filter_map(|produced| {
                        produced.artifacts.get(output)?.artifacts.first().cloned()
                    })
                    .map(|artifact| match kind {
                        Some((title, version)) => artifact.with_type(title, version),
                        None => artifact,
                    })
                    .collect();
                input
                    .inputs
                    .artifacts
                    .insert(name.clone(), ArtifactList::new(artifacts));
            }
            Binding::Artifact(ArtifactSource::TaskOutput {
                task: producer,
                output,
            }) => {
                let produced = upstream_output(graph, runs, producer)
                    .and_then(|out| out.artifacts.get(output))
                    .and_then(|list| list.artifacts.first());
                let kind = graph.tasks[index_of(graph, producer)]
                    .interface
                    .outputs
                    .iter()
                    .find(|o| &o.name == output)
                    .and_then(|o| artifact_type(o.kind));
                if let (Some(artifact), Some((title, version))) = (produced, kind) {
                    let artifact = artifact.clone().with_type(title, version);
                    input
                        .inputs
                        .artifacts
                        .insert(name.clone(), ArtifactList::new(vec![artifact]));
                }
            }
        }
    }
    for output in &task.interface.outputs {
        let path = directory.join(&output.name).to_string_lossy().into_owned();
        match artifact_type(output.kind) {
            Some((title, version)) => {
                let artifact = RuntimeArtifact::new(output.name.clone(), path, Map::new())
                    .with_type(title, version);
                input
                    .outputs
                    .artifacts
                    .insert(output.name.clone(), ArtifactList::new(vec![artifact]));
            }
            None => {
                let parameter = OutputParameter { output_file: path };
                input
                    .outputs
                    .parameters
                    .insert(output.name.clone(), parameter);
            }
        }
    }
    input.outputs.output_file = directory
        .join("executor_output.json")
        .to_string_lossy()
        .into_owned();
    input
}

/// Sends an [`Event::Interrupted`] on the first SIGINT or SIGTERM, so that the loop stops
/// the running tasks instead of leaving them orphaned.
fn forward_interrupts(sender: mpsc::Sender<Event>) -> Result<(), Error> {
    use signal_hook::consts::{SIGINT, SIGTERM};

    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|error| Error::Pipeline(format!("cannot install signal handlers: {error}")))?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // The loop may have finished already, and then nothing needs stopping.
            let _ = sender.send(Event::Interrupted(signal));
        }
    });
    Ok(())
}

/// Sends SIGTERM to a task's process, which makes `exec` stop without writing outputs.
fn terminate(pid: u32) {
    // Zero would signal this whole process group, this runner included.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    if pid <= 0 {
        return;
    }
    // SAFETY: kill(2) has no memory effects; `pid` is a child this process has not reaped.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
}

/// Creates `path` with mode 0600 and writes `contents` to it.
fn write_owner_only(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;

    File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(contents)
}

/// Describes the tasks of a run before it starts, as "7 tasks and those of 1 loop": the
/// tasks inside a loop are copied per item once the items are known.
fn task_count(graph: &Graph) -> String {
    let plural = |count: usize, noun: &str| match count {
        1 => format!("1 {noun}"),
        _ => format!("{count} {noun}s"),
    };
    let fixed = graph
        .tasks
        .iter()
        .filter(|task| !loops::is_template(graph, task.group))
        .count();
    let outer_loops = (0..graph.groups.len())
        .filter(|&group| {
            loops::is_loop(graph, group) && !loops::is_template(graph, graph.groups[group].parent)
        })
        .count();
    match outer_loops {
        0 => plural(fixed, "task"),
        _ => format!(
            "{} and those of {}",
            plural(fixed, "task"),
            plural(outer_loops, "loop")
        ),
    }
}

/// Everything needed to start, and restart, the process of one task.
struct Launch {
    executable: PathBuf,
    mount_root: PathBuf,
    component: &'static str,
    run_name: String,
    env: Vec<(String, String)>,
    retry: Option<crate::settings::RetryPolicy>,
    directory: PathBuf,
    id: TaskId,
    index: usize,
}

impl Launch {
    fn log_path(&self) -> PathBuf {
        self.directory.join("log.txt")
    }

    fn input_path(&self) -> PathBuf {
        self.directory.join("executor_input.json")
    }

    /// Starts the task and a thread that waits for it, retries it according to its policy,
    /// and reports the outcome on `sender`.
    fn start(
        self,
        input: ExecutorInput,
        sender: mpsc::Sender<Event>,
    ) -> Result<Arc<Control>, String> {
        std::fs::create_dir_all(&self.directory)
            .map_err(|error| format!("cannot create `{}`: {error}", self.directory.display()))?;
        let log_path = self.log_path();
        File::create(&log_path)
            .map_err(|error| format!("cannot create `{}`: {error}", log_path.display()))?;
        let json = serde_json::to_string(&input).map_err(|error| error.to_string())?;
        // Kept for every task, so that one task can be re-run by hand with
        // `exec NAME --executor-input-file PATH`. Only the owner may read it, because it
        // contains the values of secret parameters.
        let input_path = self.input_path();
        write_owner_only(&input_path, json.as_bytes())
            .map_err(|error| format!("cannot write `{}`: {error}", input_path.display()))?;
        let output_file = PathBuf::from(&input.outputs.output_file);
        let control = Arc::new(Control::default());
        let first = self.spawn()?;
        control.pid.store(first.id(), Ordering::SeqCst);
        let shared = Arc::clone(&control);
        std::thread::spawn(move || {
            let started = Instant::now();
            let result = self.wait_with_retries(first, &output_file, &shared);
            let _ = sender.send(Event::Finished(Finished {
                index: self.index,
                duration: started.elapsed(),
                result,
            }));
        });
        Ok(control)
    }

    fn spawn(&self) -> Result<std::process::Child, String> {
        let log_path = self.log_path();
        let log = File::options()
            .append(true)
            .open(&log_path)
            .map_err(|error| format!("cannot open `{}`: {error}", log_path.display()))?;
        let log_for_stderr = log.try_clone().map_err(|error| error.to_string())?;
        let mut command = Command::new(&self.executable);
        command.args(["exec", self.component]);
        // The file, not the argument that KFP passes: any local user can read a process's
        // arguments in /proc/PID/cmdline, and they may contain secret values. Linux also limits
        // one argument to 128 KiB.
        command.arg("--executor-input-file").arg(self.input_path());
        // SAFETY: the closure runs in the child between fork and exec, and calls only
        // prctl(2), which is async-signal-safe.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                // The task gets SIGTERM if the runner dies, even by SIGKILL, which it cannot
                // catch to stop its tasks. The kernel sends it when the thread that spawned
                // the task ends: the main thread, or for a retry the thread that waits on it.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        command
            .args(["--run-name", &self.run_name])
            .arg("--task-name")
            .arg(self.id.to_string())
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .env(MOUNT_ROOT_ENV, &self.mount_root)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_for_stderr)
            .spawn()
            .map_err(|error| format!("could not start: {error}"))
    }

    fn wait_with_retries(
        &self,
        mut child: std::process::Child,
        output_file: &Path,
        control: &Control,
    ) -> Result<ExecutorOutput, String> {
        let retries = self
            .retry
            .as_ref()
            .map_or(0, |policy| policy.max_retry_count);
        let mut attempt = 0;
        loop {
            let failure = match child.wait() {
                Ok(status) if status.success() => return read_output(output_file),
                Ok(status) => {
                    let code = match (
                        status.code(),
                        std::os::unix::process::ExitStatusExt::signal(&status),
                    ) {
                        (Some(code), _) => code.to_string(),
                        (None, Some(signal)) => format!("none (killed by signal {signal})"),
                        (None, None) => "none".to_owned(),
                    };
                    let log_path = self.log_path();
                    format!(
                        "exited with code {code}; last lines of {}:\n{}",
                        log_path.display(),
                        log_tail(&log_path)
                    )
                }
                Err(error) => return Err(format!("could not be waited for: {error}")),
            };
            attempt += 1;
            if attempt > retries || control.cancelled.load(Ordering::SeqCst) {
                return Err(failure);
            }
            let wait = self
                .retry
                .as_ref()
                .map_or(Duration::ZERO, |policy| policy.backoff(attempt));
            eprintln!(
                "[{}] failed; retry {attempt} of {retries} in {}",
                self.id,
                format_duration(wait)
            );
            std::thread::sleep(wait);
            if control.cancelled.load(Ordering::SeqCst) {
                return Err(failure);
            }
            child = self.spawn()?;
            control.pid.store(child.id(), Ordering::SeqCst);
            // An interrupt between the check above and the store would miss this process.
            if control.cancelled.load(Ordering::SeqCst) {
                terminate(child.id());
            }
        }
    }
}

fn read_output(path: &Path) -> Result<ExecutorOutput, String> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|error| {
            format!(
                "wrote an invalid executor output `{}`: {error}",
                path.display()
            )
        }),
        // KFP treats a missing executor output as no outputs.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(ExecutorOutput::default()),
        Err(error) => Err(format!("cannot read `{}`: {error}", path.display())),
    }
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(LOG_TAIL_LINES);
    lines[start..]
        .iter()
        .map(|line| format!("  | {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn summary(graph: &Graph, loops: &[Expansion], runs: &[TaskRun]) -> String {
    let width = graph
        .tasks
        .iter()
        .map(|task| task.id.as_str().len())
        .max()
        .unwrap_or(4)
        .max(4);
    let mut text = format!("\n{:width$}  {:9}  time\n", "task", "status");
    for (task, run) in graph.tasks.iter().zip(runs) {
        let (status, time) = match &run.status {
            Status::Template => continue,
            Status::Succeeded(_) => match &run.cached_from {
                Some(source) => ("cached", format!("- (outputs of run {source})")),
                None => ("succeeded", format_duration(run.duration)),
            },
            Status::Failed(_) => ("failed", format_duration(run.duration)),
            Status::Skipped(upstream) => (
                "skipped",
                format!("- (upstream `{upstream}` did not succeed)"),
            ),
            Status::NotTriggered(group) => (
                "skipped",
                format!("- (the condition of `{group}` does not hold)"),
            ),
            Status::Pending | Status::Running => ("not run", "-".to_owned()),
        };
        let _ = writeln!(text, "{:width$}  {status:9}  {time}", task.id.as_str());
    }
    let outputs: BTreeSet<String> = graph
        .tasks
        .iter()
        .zip(runs)
        .flat_map(|(task, run)| task_outputs(task, run))
        .collect();
    if !outputs.is_empty() {
        text.push_str("\noutput parameters:\n");
        outputs.iter().for_each(|line| text.push_str(line));
    }
    let pipeline_outputs = pipeline_outputs(graph, loops, runs);
    if !pipeline_outputs.is_empty() {
        text.push_str("\npipeline outputs:\n");
        pipeline_outputs.iter().for_each(|line| text.push_str(line));
    }
    let metrics: Vec<String> = graph
        .tasks
        .iter()
        .zip(runs)
        .flat_map(|(task, run)| task_metrics(task, run))
        .collect();
    if !metrics.is_empty() {
        text.push_str("\nmetrics:\n");
        metrics.iter().for_each(|line| text.push_str(line));
    }
    text
}

fn pipeline_outputs(graph: &Graph, loops: &[Expansion], runs: &[TaskRun]) -> Vec<String> {
    let mut lines = Vec::new();
    for output in &graph.outputs {
        if let Binding::Parameter(ParamSource::Collected {
            group,
            task,
            output: key,
        }) = &output.source
        {
            let values: Vec<Value> = collected(graph, loops, runs, *group, task)
                .map(|produced| {
                    produced
                        .parameter_values
                        .get(key)
                        .cloned()
                        .unwrap_or(Value::Null)
                })
                .collect();
            lines.push(format!("  {} = {}\n", output.name, Value::Array(values)));
            continue;
        }
        let (task, key) = match &output.source {
            Binding::Parameter(ParamSource::OneOf { branches, .. }) => {
                let taken = branches
                    .iter()
                    .find(|(_, task, _)| upstream_output(graph, runs, task).is_some());
                match taken {
                    Some((_, task, output)) => (task, output),
                    None => continue,
                }
            }
            Binding::Parameter(ParamSource::TaskOutput { task, output })
            | Binding::Artifact(ArtifactSource::TaskOutput { task, output }) => (task, output),
            _ => continue,
        };
        let Some(produced) = upstream_output(graph, runs, task) else {
            continue;
        };
        let value = match &output.source {
            Binding::Parameter(_) => produced.parameter_values.get(key).map(ToString::to_string),
            Binding::Artifact(_) => produced
                .artifacts
                .get(key)
                .and_then(|list| list.artifacts.first())
                .map(|artifact| artifact.uri.clone()),
        };
        if let Some(value) = value {
            lines.push(format!("  {} = {value}\n", output.name));
        }
    }
    lines
}

fn task_outputs(task: &TaskNode, run: &TaskRun) -> Vec<String> {
    let Status::Succeeded(output) = &run.status else {
        return Vec::new();
    };
    output
        .parameter_values
        .iter()
        .map(|(name, value)| format!("  {}.{name} = {value}\n", task.id))
        .collect()
}

fn task_metrics(task: &TaskNode, run: &TaskRun) -> Vec<String> {
    let Status::Succeeded(output) = &run.status else {
        return Vec::new();
    };
    let metrics_outputs = task.interface.outputs.iter().filter(|o| {
        matches!(o.kind, ValueKind::Artifact { schema, .. } if schema.title == <crate::Metrics as crate::ArtifactType>::SCHEMA_TITLE)
    });
    metrics_outputs
        .filter_map(|o| {
            output
                .artifacts
                .get(&o.name)?
                .artifacts
                .first()
                .map(|a| (o, a))
        })
        .flat_map(|(o, artifact)| {
            artifact
                .metadata
                .iter()
                .map(move |(key, value)| format!("  {}.{}: {key} = {value}\n", task.id, o.name))
        })
        .collect()
}
