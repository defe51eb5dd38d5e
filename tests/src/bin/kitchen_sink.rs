//! Components covering every parameter and artifact kind, for the integration and kfp
//! conformance tests.

use std::collections::{BTreeMap, HashMap};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use vertex_runtime::prelude::*;

/// A model registered in Vertex AI.
pub struct VertexModel;

impl ArtifactType for VertexModel {
    const SCHEMA_TITLE: &'static str = "google.VertexModel";
}

/// Training settings passed as one struct.
#[derive(Debug, Serialize, Deserialize, Parameter)]
pub struct TrainConfig {
    depth: u32,
    rate: f64,
    tags: Vec<String>,
}

/// Several output parameters.
#[derive(Outputs)]
pub struct Summary {
    total: i64,
    label: String,
    ratio: f64,
}

/// Adds two integers.
///
/// # Arguments
/// * `a` - first term
/// * `b` - second term
#[vertex_component]
fn add(a: i64, #[default(0)] b: i64) -> i64 {
    a + b
}

/// Echoes every parameter type back as a struct.
///
/// # Arguments
/// * `text` - any string
/// * `small` - checked against the `u8` range
#[vertex_component]
#[allow(clippy::too_many_arguments)]
fn echo(
    text: String,
    small: u8,
    big: u64,
    signed: i32,
    ratio: f64,
    single: f32,
    flag: bool,
    items: Vec<i64>,
    names: Vec<String>,
    scores: BTreeMap<String, f64>,
    counts: HashMap<String, u32>,
    raw: serde_json::Value,
    config: TrainConfig,
    note: Option<String>,
    #[default(3)] epochs: i64,
    #[default("a \"quoted\"\nline")] motto: String,
    #[default(false)] y: bool,
    #[default(1.5)] on: f64,
    #[default(vec![1, 2])] no: Vec<i64>,
) -> Value {
    json!({
        "text": text, "small": small, "big": big, "signed": signed, "ratio": ratio,
        "single": single, "flag": flag, "items": items, "names": names, "scores": scores,
        "counts": counts, "raw": raw,
        "config": {"depth": config.depth, "rate": config.rate, "tags": config.tags},
        "note": note, "epochs": epochs, "motto": motto, "y": y, "on": on, "no": no,
    })
}

/// Reads a table and writes a copy, a model, metrics and reports.
///
/// # Arguments
/// * `table` - CSV input
/// * `extra` - optional second table
/// * `shards` - tables to count
#[vertex_component]
#[allow(clippy::too_many_arguments)]
fn artifacts(
    table: Input<Dataset>,
    extra: Option<Input<Dataset>>,
    shards: Vec<Input<Artifact>>,
    copy: Output<Dataset>,
    model: Output<Model>,
    metrics: Output<Metrics>,
    classes: Output<ClassificationMetrics>,
    sliced: Output<SlicedClassificationMetrics>,
    page: Output<HTML>,
    card: Output<Markdown>,
    registered: Output<VertexModel>,
) -> anyhow::Result<Summary> {
    let text = std::fs::read_to_string(table.path())
        .with_context(|| format!("cannot read {}", table.path().display()))?;
    let rows = text.lines().count() as i64;
    copy.write(&text)?;
    copy.set_metadata("rows", rows);
    copy.set_metadata("source_uri", table.uri());
    copy.set_metadata("upstream", Value::Object(table.metadata().clone()));
    model.write("weights")?;
    metrics.log_metric("rows", rows as f64)?;
    metrics.log_metric("shards", shards.len() as f64)?;
    classes.log_confusion_matrix(&["a", "b"], &[vec![1, 2], vec![3, 4]])?;
    classes.log_roc_curve(&[0.0, 0.5], &[0.1, 0.9], &[0.8, 0.2])?;
    sliced.log_slice(vertex_runtime::artifact::Slice {
        slice: "all".into(),
        slice_classification_metrics: classes.metadata(),
    });
    page.write("<p>hi</p>")?;
    card.write("# card\n")?;
    registered.set_metadata("resourceName", "projects/p/models/1");
    Ok(Summary {
        total: rows,
        label: extra.map_or_else(|| "none".to_owned(), |e| e.uri().to_owned()),
        ratio: 0.5,
    })
}

/// Fails with a message when `fail` is set.
#[vertex_component]
fn maybe_fail(fail: bool, out: Output<Dataset>) -> anyhow::Result<()> {
    out.write("partial")?;
    if fail {
        bail!("asked to fail");
    }
    Ok(())
}

/// Panics.
#[vertex_component]
fn explode() -> i64 {
    panic!("boom")
}

/// Returns a float that JSON cannot carry.
#[vertex_component]
fn not_a_number() -> f64 {
    f64::NAN
}

/// Writes `marker`, then sleeps; for tests that stop a running task.
#[vertex_component]
fn sleepy(seconds: f64, marker: Output<Dataset>) -> anyhow::Result<()> {
    marker.write("started")?;
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    Ok(())
}

/// Adds one to a number, for chains.
#[vertex_component(name = "increment")]
fn add_one(x: i64, #[default(1)] step: i64) -> i64 {
    x + step
}

/// Adds two numbers and doubles the sum.
#[vertex_pipeline]
fn arithmetic(p: &Pipeline, #[default(2)] a: ParamRef<i64>, b: ParamRef<i64>) {
    let sum = p.task(add { a, b: Some(b) });
    let doubled = p.task(add {
        a: sum.output.clone(),
        b: Some(sum.output.clone()),
    });
    let bumped = p.task(add_one {
        x: doubled.output.clone(),
        step: None,
    });
    bumped.after(&sum).set_display_name("bump");
    p.output("result", &bumped.output);
}

/// Fails in the middle: `fail` never runs its dependents.
#[vertex_pipeline]
fn failing(p: &Pipeline) {
    let first = p.task(maybe_fail { fail: true.into() });
    let independent = p.task(add {
        a: 1.into(),
        b: None,
    });
    let after = p.task(add_one {
        x: independent.output.clone(),
        step: None,
    });
    after.after(&first);
}

/// Fails until it has been attempted more than `failures` times, counting attempts in a
/// file beside `marker`.
#[vertex_component]
fn flaky(failures: u32, marker: Output<Dataset>) -> anyhow::Result<u32> {
    let counter = marker.path().with_extension("attempts");
    let previous: u32 =
        std::fs::read_to_string(&counter).map_or(0, |text| text.trim().parse().unwrap_or(0));
    let attempt = previous + 1;
    std::fs::write(&counter, attempt.to_string())?;
    if attempt <= failures {
        bail!("attempt {attempt} fails on purpose");
    }
    marker.write(format!("attempt {attempt}"))?;
    Ok(attempt)
}

/// Returns the value of an environment variable, or an empty string.
#[vertex_component]
fn read_env(name: String) -> String {
    std::env::var(name).unwrap_or_default()
}

/// Task settings: retries, resources, environment variables and caching.
#[vertex_pipeline]
fn settings(p: &Pipeline, #[default(2)] failures: ParamRef<u32>) {
    p.set_pipeline_root("gs://bucket/root");
    let retried = p.task(flaky { failures });
    retried.set_retry(RetryPolicy::new(3));
    let reader = p.task(read_env {
        name: "MODE".into(),
    });
    reader
        .set_env_variable("MODE", "a b")
        .set_env_variable("RUST_LOG", "info")
        .set_cpu_limit("2")
        .set_cpu_request("500m")
        .set_memory_limit("4G")
        .set_memory_request("512Mi")
        .set_accelerator_type("nvidia.com/gpu")
        .set_caching(false)
        .set_display_name("read mode")
        .after(&retried);
    p.output("mode", &reader.output);
    p.output("attempts", &retried.output);
}

/// A task setting that kfp rejects.
#[vertex_pipeline]
fn bad_settings(p: &Pipeline) {
    p.task(add {
        a: 1.into(),
        b: None,
    })
    .set_memory_limit("4GB")
    .set_cpu_limit("two")
    .set_retry(RetryPolicy {
        backoff_duration: std::time::Duration::from_millis(10),
        ..RetryPolicy::new(1)
    });
}

/// Counts the lines of a table.
#[vertex_component]
fn line_count(table: Input<Dataset>) -> anyhow::Result<i64> {
    let text = std::fs::read_to_string(table.path())
        .with_context(|| format!("cannot read {}", table.path().display()))?;
    Ok(text.lines().count() as i64)
}

/// Panics on a worker thread and unwraps the join result.
#[vertex_component]
fn thread_panic() -> i64 {
    let worker = std::thread::spawn(|| -> i64 { panic!("worker gave up") });
    worker.join().unwrap()
}

/// Returns an integer that KFP cannot carry exactly.
#[vertex_component]
fn big_output() -> u64 {
    u64::MAX
}

/// Sums a list of integers.
#[vertex_component]
fn total(xs: Vec<i64>) -> i64 {
    xs.iter().sum()
}

/// Loops over a list parameter and a constant list, and sums what the first loop collects.
#[vertex_pipeline]
fn loops(
    p: &Pipeline,
    #[default(vec![1, 2])] items: ParamRef<Vec<i64>>,
    #[default(3)] n: ParamRef<i64>,
) -> ParamRef<i64> {
    let first = p.task(add {
        a: n.clone(),
        b: None,
    });
    let bumped = p.parallel_for(items, Some(2), |p, item| {
        let sum = p.task(add {
            a: item,
            b: Some(first.output.clone()),
        });
        let bumped = p.task(add_one {
            x: sum.output.clone(),
            step: Some(n.clone()),
        });
        bumped.output.clone()
    });
    let summed = p.task(total { xs: bumped });
    p.parallel_for(vec!["x".to_owned(), "y".to_owned()], None, |p, _name| {
        p.task(add_one {
            x: n.clone(),
            step: None,
        });
    });
    summed.output.clone()
}

/// Returns `0..n`.
#[vertex_component]
fn range(n: i64) -> Vec<i64> {
    (0..n).collect()
}

/// Writes `x` into a file.
#[vertex_component]
fn write_number(x: i64, number: Output<Dataset>) -> anyhow::Result<()> {
    number.write(x.to_string())?;
    anyhow::ensure!(x >= 0, "refusing to write the negative number {x}");
    Ok(())
}

/// Sums the numbers written in files.
#[vertex_component]
fn sum_files(files: Vec<Input<Dataset>>) -> anyhow::Result<i64> {
    let mut sum = 0;
    for file in &files {
        sum += std::fs::read_to_string(file.path())?
            .trim()
            .parse::<i64>()?;
    }
    Ok(sum)
}

/// Loops over an upstream list one iteration at a time, and sums the files it writes.
#[vertex_pipeline]
fn fan(
    p: &Pipeline,
    #[default(3)] n: ParamRef<i64>,
    #[default(0)] offset: ParamRef<i64>,
) -> ParamRef<i64> {
    let listed = p.task(range { n });
    let files = p.parallel_for(listed.output.clone(), Some(1), |p, item| {
        let shifted = p.task(add {
            a: item,
            b: Some(offset.clone()),
        });
        p.task(write_number {
            x: shifted.output.clone(),
        })
        .number
        .clone()
    });
    p.task(sum_files { files }).output.clone()
}

/// Reports the final status of the tasks an exit handler guards.
#[vertex_component]
fn report(status: PipelineTaskFinalStatus, #[default("done")] msg: String) -> String {
    let error = status.error.map(|error| error.message).unwrap_or_default();
    format!("{msg}: {} {error}", status.state)
        .trim_end()
        .to_owned()
}

/// Branches on an upstream output and on parameters, guarded by an exit handler.
#[vertex_pipeline]
fn flow(
    p: &Pipeline,
    #[default(1)] n: ParamRef<i64>,
    #[default("go")] name: ParamRef<String>,
    #[default(0.5)] rate: ParamRef<f64>,
) -> ParamRef<String> {
    let reported = p.exit_handler(
        |status| report {
            status,
            msg: Some("bye".into()),
        },
        |p| {
            let first = p.task(add {
                a: n.clone(),
                b: None,
            });
            p.branches()
                .when(first.output.is_gt(5), |p| {
                    p.task(add_one {
                        x: first.output.clone(),
                        step: None,
                    });
                })
                .when(name.is_eq("go"), |p| {
                    p.task(add_one {
                        x: n.clone(),
                        step: None,
                    });
                })
                .otherwise(|p| {
                    p.task(add_one {
                        x: 2.into(),
                        step: None,
                    });
                });
            p.condition(rate.is_ge(0.5), |p| {
                p.task(read_env { name: name.clone() });
            });
        },
    );
    reported.output.clone()
}

/// Two numbers, the items of a loop over structs.
#[derive(Debug, Serialize, Deserialize, Parameter)]
pub struct Pair {
    a: i64,
    b: i64,
}

/// Loops over structs, passing their fields to separate inputs.
#[vertex_pipeline]
fn structs(
    p: &Pipeline,
    #[default(vec![Pair { a: 1, b: 2 }])] configs: ParamRef<Vec<Pair>>,
) -> ParamRef<Vec<i64>> {
    let sums = p.parallel_for(configs, None, |p, config| {
        let fields = config.fields();
        p.task(add {
            a: fields.a,
            b: Some(fields.b),
        })
        .output
        .clone()
    });
    p.parallel_for(vec![Pair { a: 3, b: 4 }], None, |p, pair| {
        p.task(add {
            a: pair.fields().a,
            b: None,
        });
    });
    sums
}

/// Loops inside a loop, with a condition in the inner body.
#[vertex_pipeline]
fn nested_loops(p: &Pipeline, #[default(vec![1, 2])] rows: ParamRef<Vec<i64>>) {
    p.parallel_for(rows, None, |p, row| {
        p.parallel_for(vec![10i64, 20], None, |p, column| {
            let sum = p.task(add {
                a: row.clone(),
                b: Some(column),
            });
            p.condition(sum.output.is_gt(15), |p| {
                p.task(add_one {
                    x: sum.output.clone(),
                    step: None,
                });
            });
        });
    });
}

/// Returns the output of whichever branch runs, like kfp's `dsl.OneOf`.
#[vertex_pipeline]
fn choose(p: &Pipeline, #[default(1)] n: ParamRef<i64>) -> ParamRef<i64> {
    let first = p.task(add { a: n, b: None });
    p.branches()
        .when(first.output.is_gt(5), |p| {
            let bumped = p.task(add_one {
                x: first.output.clone(),
                step: None,
            });
            bumped.output.clone()
        })
        .otherwise(|p| {
            p.task(add_one {
                x: 2.into(),
                step: None,
            })
            .output
            .clone()
        })
}

/// A failing task guarded by an exit handler, which still reports.
#[vertex_pipeline]
fn guarded_failure(p: &Pipeline) {
    p.exit_handler(
        |status| report { status, msg: None },
        |p| {
            p.task(maybe_fail { fail: true.into() });
        },
    );
}

/// Adds `y` to `x`, then one; used as a task of `outer`.
#[vertex_pipeline]
fn inner(p: &Pipeline, x: ParamRef<i64>, #[default(3)] y: ParamRef<i64>) -> ParamRef<i64> {
    let total = p.task(add { a: x, b: Some(y) });
    let bumped = p.task(add_one {
        x: total.output.clone(),
        step: None,
    });
    bumped.output.clone()
}

/// Runs `inner` twice in a row and counts the lines of an imported table.
#[vertex_pipeline]
fn outer(p: &Pipeline, #[default(1)] n: ParamRef<i64>) -> ParamRef<i64> {
    let first = p.task(inner { x: n, y: None });
    let second = p.task(inner {
        x: first.output.clone(),
        y: Some(5.into()),
    });
    let mut metadata = serde_json::Map::new();
    metadata.insert("source".into(), json!("x"));
    let imported = p.importer::<Dataset>("gs://b/data.csv", metadata, false);
    let lines = p.task(line_count {
        table: imported.artifact.clone(),
    });
    p.output("lines", &lines.output);
    p.task(add {
        a: second.output.clone(),
        b: None,
    })
    .output
    .clone()
}

/// Two long tasks side by side and one after them, for interrupting a run.
#[vertex_pipeline]
fn slow(p: &Pipeline) {
    let first = p.task(sleepy {
        seconds: 30.0.into(),
    });
    let second = p.task(sleepy {
        seconds: 30.0.into(),
    });
    p.task(add {
        a: 1.into(),
        b: None,
    })
    .after(&first)
    .after(&second);
}

/// A quick task beside two long ones, and one after the long ones; for interrupting a run
/// and running it again from the cache.
#[vertex_pipeline]
fn slow_and_quick(p: &Pipeline, #[default(30.0)] seconds: ParamRef<f64>) {
    p.task(add {
        a: 1.into(),
        b: None,
    });
    let first = p.task(sleepy {
        seconds: seconds.clone(),
    });
    let second = p.task(sleepy { seconds });
    p.task(add_one {
        x: 1.into(),
        step: None,
    })
    .after(&first)
    .after(&second);
}

/// Writes `size` bytes to `blob`; for tests of a full file system.
#[vertex_component]
fn write_bytes(size: u64, blob: Output<Artifact>) -> anyhow::Result<()> {
    blob.write(vec![b'x'; size as usize])?;
    Ok(())
}

/// Returns the length of `text` in bytes; for measuring the memory used to decode a
/// large input.
#[vertex_component]
fn text_length(text: String) -> u64 {
    text.len() as u64
}

/// 100 tasks, for the runner's handling of one failure among many: three chains of 25
/// increments, one failing task with four dependents two levels deep, and 20 independent
/// additions.
#[vertex_pipeline]
fn hundred_tasks(p: &Pipeline) {
    let mut chain_ends: Vec<ParamRef<i64>> = Vec::new();
    for start in [100, 200, 300] {
        let mut x: ParamRef<i64> = start.into();
        for _ in 0..25 {
            x = p.task(add_one { x, step: None }).output.clone();
        }
        chain_ends.push(x);
    }
    let failed = p.task(maybe_fail { fail: true.into() });
    let counted = p.task(line_count {
        table: failed.out.clone(),
    });
    let after_failure = p.task(add_one {
        x: (-1).into(),
        step: None,
    });
    after_failure.after(&failed);
    // Depends on a skipped task and on a chain that succeeds.
    p.task(add {
        a: counted.output.clone(),
        b: Some(chain_ends[2].clone()),
    });
    p.task(add_one {
        x: after_failure.output.clone(),
        step: None,
    });
    for a in 0..20 {
        p.task(add {
            a: a.into(),
            b: Some(1000.into()),
        });
    }
}

/// Takes one optional input of every integer type, for the range checks of
/// `tests/tests/catalogue.rs`; returns how many were given.
#[vertex_component]
#[allow(clippy::too_many_arguments)]
fn integers(
    i8: Option<i8>,
    i16: Option<i16>,
    i32: Option<i32>,
    i64: Option<i64>,
    i128: Option<i128>,
    isize: Option<isize>,
    u8: Option<u8>,
    u16: Option<u16>,
    u32: Option<u32>,
    u64: Option<u64>,
    u128: Option<u128>,
    usize: Option<usize>,
) -> i64 {
    let signed = [i8.is_some(), i16.is_some(), i32.is_some(), i64.is_some()];
    let wide = [
        i128.is_some(),
        isize.is_some(),
        u128.is_some(),
        usize.is_some(),
    ];
    let unsigned = [u8.is_some(), u16.is_some(), u32.is_some(), u64.is_some()];
    let given = signed.iter().chain(&wide).chain(&unsigned);
    given.filter(|&&is_given| is_given).count() as i64
}

/// A pipeline parameter of every type, each with a default, passed on to `echo`; for the
/// `--param` checks of `tests/tests/catalogue.rs`.
#[vertex_pipeline]
#[allow(clippy::too_many_arguments)]
fn every_type(
    p: &Pipeline,
    #[default("t")] text: ParamRef<String>,
    #[default(1)] small: ParamRef<u8>,
    #[default(2)] big: ParamRef<u64>,
    #[default(-3)] signed: ParamRef<i32>,
    #[default(0.5)] ratio: ParamRef<f64>,
    #[default(0.25)] single: ParamRef<f32>,
    #[default(true)] flag: ParamRef<bool>,
    #[default(vec![1])] items: ParamRef<Vec<i64>>,
    #[default(vec!["n".to_owned()])] names: ParamRef<Vec<String>>,
    #[default(BTreeMap::new())] scores: ParamRef<BTreeMap<String, f64>>,
    #[default(HashMap::new())] counts: ParamRef<HashMap<String, u32>>,
    #[default(json!({}))] raw: ParamRef<Value>,
    #[default(TrainConfig { depth: 1, rate: 0.5, tags: Vec::new() })] config: ParamRef<TrainConfig>,
) {
    let echoed = p.task(echo {
        text,
        small,
        big,
        signed,
        ratio,
        single,
        flag,
        items,
        names,
        scores,
        counts,
        raw,
        config,
        note: None,
        epochs: None,
        motto: None,
        y: None,
        on: None,
        no: None,
    });
    p.output("echoed", &echoed.output);
}

/// Checks a token and a PIN, both secret, and returns whether the PIN is even; fails on an
/// empty token.
#[vertex_component]
fn unlock(#[secret] token: String, #[secret] pin: u32) -> anyhow::Result<bool> {
    if token.is_empty() {
        bail!("the token is empty");
    }
    Ok(pin.is_multiple_of(2))
}

/// Logs a line from a thread started with `vertex_runtime::thread::spawn`.
#[vertex_component]
fn thread_log() -> i64 {
    vertex_runtime::thread::spawn(|| vertex_runtime::tracing::info!("logged by a worker thread"))
        .join()
        .map_or(0, |()| 1)
}

/// Counts the lines of a table and sums the numbers in files, all given to the pipeline.
#[vertex_pipeline]
fn given_artifacts(p: &Pipeline, table: ArtifactRef<Dataset>, files: ArtifactListRef<Dataset>) {
    let lines = p.task(line_count { table });
    let total = p.task(sum_files { files });
    p.output("lines", &lines.output);
    p.output("total", &total.output);
}

/// Returns whether the token is in this process's arguments, which other local users can
/// read in /proc/PID/cmdline.
#[vertex_component]
fn token_in_arguments(#[secret] token: String) -> bool {
    std::env::args().any(|argument| argument.contains(&token))
}

/// Passes secret pipeline parameters to `unlock`, with an environment variable on the task,
/// and the token to `token-in-arguments`.
#[vertex_pipeline]
fn vault(p: &Pipeline, #[secret] token: ParamRef<String>, #[secret] pin: ParamRef<u32>) {
    let exposed = p.task(token_in_arguments {
        token: token.clone(),
    });
    let unlocked = p.task(unlock { token, pin });
    unlocked.set_env_variable("API_KEY", "env-secret-value-42");
    p.output("unlocked", &unlocked.output);
    p.output("token_in_arguments", &exposed.output);
}

/// Starts a thread that panics and, without joining it, waits until it has ended.
#[vertex_component]
fn stray_panic() -> i64 {
    let handle = std::thread::spawn(|| panic!("stray thread gave up"));
    while !handle.is_finished() {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    1
}

fn main() -> std::process::ExitCode {
    vertex_runtime::main()
}
