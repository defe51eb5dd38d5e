//! The penguins pipeline: load the Palmer penguins table, drop incomplete rows, split it,
//! train a random forest that predicts the species, evaluate it and write a model card.
//!
//! One binary serves every step. Run the whole pipeline on this machine with
//! `penguins run penguins`, or compile it for Vertex AI with
//! `penguins compile penguins --image IMAGE --param source=gs://bucket/penguins.csv`.

mod card;
mod data;
mod model;

use anyhow::{ensure, Context};
use vertex_runtime::artifact::resolve_uri;
use vertex_runtime::prelude::*;

use crate::card::DatasetSummary;
use crate::model::{Evaluation, Hyperparameters, TrainedModel};

/// The table shipped with the example; the default of the pipeline's `source`.
const SHIPPED_TABLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv");

/// Copies the penguins table into the pipeline and counts its rows.
///
/// # Arguments
/// * `source` - location of the CSV table: a local path, or a `gs://`, `s3://` or `minio://` URI
#[vertex_component]
fn load(source: String, raw: Output<Dataset>) -> anyhow::Result<i64> {
    let path = resolve_uri(&source)?;
    let rows = data::read_table(&path)?;
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    raw.write(bytes)?;
    raw.set_metadata("rows", rows.len());
    raw.set_metadata("source", source);
    Ok(i64::try_from(rows.len())?)
}

/// Drops rows that lack a measurement, the island or the sex.
///
/// # Arguments
/// * `raw` - penguins table as CSV
/// * `min_rows` - fail when fewer rows remain
#[vertex_component]
fn clean(
    raw: Input<Dataset>,
    #[default(100)] min_rows: i64,
    cleaned: Output<Dataset>,
) -> anyhow::Result<i64> {
    let (kept, dropped) = data::clean(data::read_table(raw.path())?);
    ensure!(
        i64::try_from(kept.len())? >= min_rows,
        "only {} complete rows remain, fewer than min_rows = {min_rows}",
        kept.len()
    );
    data::write_table(cleaned.path(), &kept)?;
    vertex_runtime::tracing::info!(kept = kept.len(), dropped, "cleaned the table");
    cleaned.set_metadata("rows", kept.len());
    Ok(i64::try_from(dropped)?)
}

/// Row counts of the two halves of a split.
#[derive(Outputs)]
struct SplitSizes {
    train_rows: i64,
    test_rows: i64,
}

/// Splits the table into a training and a test set, stratified by species.
///
/// # Arguments
/// * `cleaned` - complete rows
/// * `test_fraction` - share of each species held out for testing
/// * `seed` - seed of the shuffle
#[vertex_component]
fn split(
    cleaned: Input<Dataset>,
    #[default(0.2)] test_fraction: f64,
    #[default(42)] seed: u64,
    train: Output<Dataset>,
    test: Output<Dataset>,
) -> anyhow::Result<SplitSizes> {
    let rows = data::read_clean(cleaned.path())?;
    let (train_rows, test_rows) = data::split(rows, test_fraction, seed)?;
    data::write_table(train.path(), &train_rows)?;
    data::write_table(test.path(), &test_rows)?;
    train.set_metadata("rows", train_rows.len());
    test.set_metadata("rows", test_rows.len());
    Ok(SplitSizes {
        train_rows: i64::try_from(train_rows.len())?,
        test_rows: i64::try_from(test_rows.len())?,
    })
}

/// Trains a random forest that predicts the species.
///
/// # Arguments
/// * `train` - training rows
/// * `trees` - number of trees in the forest
/// * `seed` - seed of the forest
#[vertex_component]
fn train_model(
    train: Input<Dataset>,
    #[default(100)] trees: u16,
    #[default(42)] seed: u64,
    model: Output<Model>,
) -> anyhow::Result<()> {
    let rows = data::read_clean(train.path())?;
    let hyperparameters = Hyperparameters {
        n_trees: trees,
        ..Hyperparameters::default()
    };
    let trained = model::train(&rows, seed, &hyperparameters)?;
    trained.save(model.path())?;
    model.set_metadata("framework", "smartcore random forest");
    model.set_metadata("trees", trees);
    model.set_metadata("labels", trained.labels.clone());
    model.set_metadata("features", trained.feature_names());
    Ok(())
}

/// Scores the model on the test rows: accuracy, macro F1 and the confusion matrix.
///
/// # Arguments
/// * `model` - the trained forest
/// * `test` - held-out rows
#[vertex_component]
fn evaluate(
    model: Input<Model>,
    test: Input<Dataset>,
    metrics: Output<Metrics>,
    confusion: Output<ClassificationMetrics>,
) -> anyhow::Result<f64> {
    let trained = TrainedModel::load(model.path())?;
    let rows = data::read_clean(test.path())?;
    let evaluation = model::evaluate(&trained, &rows)?;
    metrics.log_metric("accuracy", evaluation.accuracy)?;
    metrics.log_metric("macro_f1", evaluation.macro_f1)?;
    metrics.write(serde_json::to_vec_pretty(&evaluation)?)?;
    confusion.log_confusion_matrix(&evaluation.labels, &evaluation.confusion_matrix)?;
    Ok(evaluation.accuracy)
}

/// Writes a Markdown model card with the data, the settings and the scores.
///
/// # Arguments
/// * `model` - the trained forest
/// * `metrics` - its evaluation
/// * `raw_rows` - rows in the source table
/// * `dropped_rows` - incomplete rows removed
/// * `train_rows` - rows used for training
/// * `test_rows` - rows used for testing
/// * `test_fraction` - share held out for testing
/// * `split_seed` - seed of the split
#[vertex_component]
#[allow(clippy::too_many_arguments)]
fn model_card(
    model: Input<Model>,
    metrics: Input<Metrics>,
    raw_rows: i64,
    dropped_rows: i64,
    train_rows: i64,
    test_rows: i64,
    test_fraction: f64,
    split_seed: u64,
    card: Output<Markdown>,
) -> anyhow::Result<()> {
    let trained = TrainedModel::load(model.path())?;
    let text = std::fs::read_to_string(metrics.path())
        .with_context(|| format!("cannot read {}", metrics.path().display()))?;
    let evaluation: Evaluation = serde_json::from_str(&text).context("invalid evaluation")?;
    let dataset = DatasetSummary {
        raw_rows: usize::try_from(raw_rows)?,
        dropped_rows: usize::try_from(dropped_rows)?,
        train_rows: usize::try_from(train_rows)?,
        test_rows: usize::try_from(test_rows)?,
        test_fraction,
        split_seed,
    };
    let markdown = card::model_card(
        &dataset,
        &trained.hyperparameters,
        trained.seed,
        &evaluation,
    );
    card.write(markdown)?;
    Ok(())
}

/// Picks the model with the best test accuracy among those trained on a grid.
///
/// # Arguments
/// * `models` - the trained forests
/// * `accuracies` - the test accuracy of each, in the same order
#[vertex_component]
fn select_best(
    models: Vec<Input<Model>>,
    accuracies: Vec<f64>,
    best: Output<Model>,
) -> anyhow::Result<f64> {
    ensure!(
        !models.is_empty() && models.len() == accuracies.len(),
        "expected one accuracy per model, got {} models and {} accuracies",
        models.len(),
        accuracies.len()
    );
    let (index, accuracy) =
        accuracies
            .iter()
            .copied()
            .enumerate()
            .fold((0, f64::MIN), |kept, (index, accuracy)| {
                if accuracy > kept.1 {
                    (index, accuracy)
                } else {
                    kept
                }
            });
    let chosen = &models[index];
    let bytes = std::fs::read(chosen.path())
        .with_context(|| format!("cannot read {}", chosen.path().display()))?;
    best.write(bytes)?;
    for (key, value) in chosen.metadata() {
        best.set_metadata(key.clone(), value.clone());
    }
    best.set_metadata("accuracy", accuracy);
    Ok(accuracy)
}

/// Writes a Markdown report of the run, whether it succeeded or failed.
///
/// # Arguments
/// * `status` - the final status of the pipeline's tasks
#[vertex_component]
fn run_report(status: PipelineTaskFinalStatus, report: Output<Markdown>) -> anyhow::Result<String> {
    let mut text = format!(
        "# Run report\n\n- run: `{}`\n- state: **{}**\n",
        status.pipeline_job_resource_name, status.state
    );
    if let Some(error) = &status.error {
        text.push_str(&format!("- error: {}\n", error.message.replace('\n', " ")));
    }
    report.write(text)?;
    Ok(status.state)
}

/// Classifies Palmer penguins by species from their measurements: trains a random forest
/// for each size in a small grid, keeps the most accurate, and writes its model card when it
/// is accurate enough.
///
/// # Arguments
/// * `source` - the CSV table: a local path or a `gs://` URI
/// * `test_fraction` - share of rows held out for testing
/// * `seed` - seed of the split and the forests
/// * `threshold` - accuracy the best model needs for its card to be published
#[vertex_pipeline]
fn penguins(
    p: &Pipeline,
    #[default(SHIPPED_TABLE)] source: ParamRef<String>,
    #[default(0.2)] test_fraction: ParamRef<f64>,
    #[default(42)] seed: ParamRef<u64>,
    #[default(0.9)] threshold: ParamRef<f64>,
) {
    let reported = p.exit_handler(
        |status| run_report { status },
        |p| {
            let loaded = p.task(load { source });
            let cleaned = p.task(clean {
                raw: loaded.raw.clone(),
                min_rows: None,
            });
            let halves = p.task(split {
                cleaned: cleaned.cleaned.clone(),
                test_fraction: Some(test_fraction.clone()),
                seed: Some(seed.clone()),
            });
            let (models, accuracies) = p.parallel_for(vec![10u16, 50, 100], Some(2), |p, trees| {
                let trained = p.task(train_model {
                    train: halves.train.clone(),
                    trees: Some(trees),
                    seed: Some(seed.clone()),
                });
                let evaluated = p.task(evaluate {
                    model: trained.model.clone(),
                    test: halves.test.clone(),
                });
                (trained.model.clone(), evaluated.output.clone())
            });
            let best = p.task(select_best { models, accuracies });
            let evaluated = p.task(evaluate {
                model: best.best.clone(),
                test: halves.test.clone(),
            });
            p.condition(evaluated.output.is_ge(threshold), |p| {
                p.task(model_card {
                    model: best.best.clone(),
                    metrics: evaluated.metrics.clone(),
                    raw_rows: loaded.output.clone(),
                    dropped_rows: cleaned.output.clone(),
                    train_rows: halves.train_rows.clone(),
                    test_rows: halves.test_rows.clone(),
                    test_fraction,
                    split_seed: seed,
                });
            });
            // kfp takes pipeline outputs only from the top level, so the accuracy shows as the
            // metrics of `evaluate-2` rather than as a pipeline output.
        },
    );
    p.output("report", &reported.report);
}

fn main() -> std::process::ExitCode {
    vertex_runtime::main()
}
