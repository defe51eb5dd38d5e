//! The components and pipelines that `bench/vs-kfp.sh` measures beside KFP's Python SDK.
//! `bench/kfp_side.py` defines the same components and pipeline shapes with `kfp.dsl`.
//!
//! Pipelines come in two shapes at 10, 100, 1,000, 2,000 and 10,000 tasks: a chain, where each
//! task takes the output of the one before, and a fan-out, where one task feeds all others.

use vertex_runtime::prelude::*;

/// Adds two integers.
///
/// # Arguments
/// * `a` - first term
/// * `b` - second term
#[vertex_component]
fn add(a: i64, #[default(0)] b: i64) -> i64 {
    a + b
}

/// Adds one to an integer: the trivial task of the chains and fan-outs.
///
/// # Arguments
/// * `x` - the integer
#[vertex_component]
fn add_one(x: i64) -> i64 {
    x + 1
}

/// Writes a one-column CSV table of `rows` rows and logs its row count as a metric.
///
/// # Arguments
/// * `rows` - number of rows to write
#[vertex_component]
fn write_dataset(rows: i64, data: Output<Dataset>, metrics: Output<Metrics>) -> anyhow::Result<()> {
    let mut text = String::from("x\n");
    for row in 0..rows {
        text.push_str(&format!("{row}\n"));
    }
    data.write(text)?;
    data.set_metadata("rows", rows);
    metrics.log_metric("rows", rows as f64)?;
    Ok(())
}

/// Sums a list of floats; it receives the largest executor input one argument can carry.
///
/// # Arguments
/// * `values` - the floats
#[vertex_component]
fn sum_floats(values: Vec<f64>) -> f64 {
    values.iter().sum()
}

/// Adds `n` tasks, each taking the output of the one before.
fn chain(p: &Pipeline, n: usize) {
    let mut last = p.task(add_one { x: 0.into() });
    for _ in 1..n {
        last = p.task(add_one {
            x: last.output.clone(),
        });
    }
}

/// Adds `n` tasks: one source and `n - 1` tasks taking its output.
fn fan_out(p: &Pipeline, n: usize) {
    let source = p.task(add_one { x: 0.into() });
    for _ in 1..n {
        p.task(add_one {
            x: source.output.clone(),
        });
    }
}

/// One task.
#[vertex_pipeline]
fn chain_1(p: &Pipeline) {
    chain(p, 1);
}

/// A chain of 10 tasks.
#[vertex_pipeline]
fn chain_10(p: &Pipeline) {
    chain(p, 10);
}

/// A chain of 20 tasks, for local runs.
#[vertex_pipeline]
fn chain_20(p: &Pipeline) {
    chain(p, 20);
}

/// A chain of 100 tasks.
#[vertex_pipeline]
fn chain_100(p: &Pipeline) {
    chain(p, 100);
}

/// A chain of 1,000 tasks.
#[vertex_pipeline]
fn chain_1000(p: &Pipeline) {
    chain(p, 1000);
}

/// A chain of 2,000 tasks.
#[vertex_pipeline]
fn chain_2000(p: &Pipeline) {
    chain(p, 2000);
}

/// A chain of 10,000 tasks.
#[vertex_pipeline]
fn chain_10000(p: &Pipeline) {
    chain(p, 10_000);
}

/// A fan-out of 10 tasks.
#[vertex_pipeline]
fn fan_out_10(p: &Pipeline) {
    fan_out(p, 10);
}

/// A fan-out of 100 tasks.
#[vertex_pipeline]
fn fan_out_100(p: &Pipeline) {
    fan_out(p, 100);
}

/// A fan-out of 1,000 tasks.
#[vertex_pipeline]
fn fan_out_1000(p: &Pipeline) {
    fan_out(p, 1000);
}

/// A fan-out of 2,000 tasks.
#[vertex_pipeline]
fn fan_out_2000(p: &Pipeline) {
    fan_out(p, 2000);
}

/// A fan-out of 10,000 tasks.
#[vertex_pipeline]
fn fan_out_10000(p: &Pipeline) {
    fan_out(p, 10_000);
}

fn main() -> std::process::ExitCode {
    vertex_runtime::main()
}
