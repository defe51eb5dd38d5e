//! Training, saving, loading and evaluating a species classifier.
//!
//! The classifier is smartcore's random forest. Each penguin becomes nine
//! numbers: the four body measurements, a one-hot island (three columns) and
//! a one-hot sex (two columns). The island and sex categories are taken from
//! the training rows and stored with the model, so a loaded model encodes new
//! rows exactly as it did when it was trained.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::tree::decision_tree_classifier::SplitCriterion;

use crate::data::Penguin;

/// The four measurements, in the order they enter the feature vector.
pub const MEASUREMENTS: [&str; 4] = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
];

type Forest = RandomForestClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>;

/// Settings of the random forest that a caller may choose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    /// Number of trees in the forest.
    pub n_trees: u16,
    /// Maximum depth of a tree. `None` grows each tree until its leaves are pure.
    pub max_depth: Option<u16>,
    /// Minimum number of training rows in a leaf.
    pub min_samples_leaf: usize,
    /// Minimum number of training rows a node needs before it is split.
    pub min_samples_split: usize,
    /// Number of features tried at each split. `None` means the square root of
    /// the feature count, rounded down.
    pub features_per_split: Option<usize>,
}

impl Default for Hyperparameters {
    fn default() -> Self {
        Hyperparameters {
            n_trees: 100,
            max_depth: None,
            min_samples_leaf: 1,
            min_samples_split: 2,
            features_per_split: None,
        }
    }
}

impl Hyperparameters {
    /// Returns `(name, value)` pairs for reports such as the model card.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let or_default =
            |v: Option<String>, default: &str| v.unwrap_or_else(|| default.to_string());
        vec![
            ("n_trees", self.n_trees.to_string()),
            (
                "max_depth",
                or_default(self.max_depth.map(|d| d.to_string()), "unlimited"),
            ),
            ("min_samples_leaf", self.min_samples_leaf.to_string()),
            ("min_samples_split", self.min_samples_split.to_string()),
            (
                "features_per_split",
                or_default(
                    self.features_per_split.map(|m| m.to_string()),
                    "sqrt(feature count)",
                ),
            ),
        ]
    }
}

/// A fitted classifier together with everything needed to use it again:
/// the class labels, the category lists of the one-hot features, and the
/// settings it was trained with.
#[derive(Debug, Serialize, Deserialize)]
pub struct TrainedModel {
    /// Species names, sorted. The forest's class index `i` refers to `labels[i]`.
    pub labels: Vec<String>,
    /// Island names seen in training, sorted, with one feature column each.
    pub islands: Vec<String>,
    /// Sex values seen in training, sorted, with one feature column each.
    pub sexes: Vec<String>,
    pub hyperparameters: Hyperparameters,
    pub seed: u64,
    /// Number of rows the model was trained on.
    pub train_rows: usize,
    forest: Forest,
}

/// Trains a random forest on complete rows (see [`crate::data::clean`]).
///
/// The same rows, seed and hyperparameters give the same model.
pub fn train(
    train_rows: &[Penguin],
    seed: u64,
    hyperparameters: &Hyperparameters,
) -> Result<TrainedModel> {
    ensure!(!train_rows.is_empty(), "the training set is empty");
    ensure!(
        hyperparameters.n_trees > 0,
        "n_trees must be at least 1, got 0"
    );
    for (i, row) in train_rows.iter().enumerate() {
        let missing = row.missing_fields();
        ensure!(
            missing.is_empty(),
            "training row {i} is missing {}: clean the table first",
            missing.join(", ")
        );
    }

    let sorted_unique = |get: fn(&Penguin) -> &Option<String>| -> Vec<String> {
        let set: BTreeSet<&String> = train_rows.iter().filter_map(|r| get(r).as_ref()).collect();
        set.into_iter().cloned().collect()
    };
    let labels = sorted_unique(|r| &r.species);
    let islands = sorted_unique(|r| &r.island);
    let sexes = sorted_unique(|r| &r.sex);

    let x = encode(train_rows, &islands, &sexes)?;
    let y: Vec<u32> = train_rows
        .iter()
        .map(|r| label_index(&labels, r.species.as_deref().unwrap_or_default()))
        .collect::<Result<_>>()?;

    let n_features = MEASUREMENTS.len() + islands.len() + sexes.len();
    let mut params = RandomForestClassifierParameters::default()
        .with_criterion(SplitCriterion::Gini)
        .with_n_trees(hyperparameters.n_trees)
        .with_min_samples_leaf(hyperparameters.min_samples_leaf)
        .with_min_samples_split(hyperparameters.min_samples_split)
        .with_seed(seed);
    if let Some(depth) = hyperparameters.max_depth {
        params = params.with_max_depth(depth);
    }
    if let Some(m) = hyperparameters.features_per_split {
        ensure!(
            (1..=n_features).contains(&m),
            "features_per_split must be between 1 and {n_features}, got {m}"
        );
        params = params.with_m(m);
    }

    let forest =
        Forest::fit(&x, &y, params).map_err(|e| anyhow!("random forest training failed: {e}"))?;
    Ok(TrainedModel {
        labels,
        islands,
        sexes,
        hyperparameters: hyperparameters.clone(),
        seed,
        train_rows: train_rows.len(),
        forest,
    })
}

fn label_index(labels: &[String], species: &str) -> Result<u32> {
    labels
        .iter()
        .position(|l| l == species)
        .map(|i| i as u32)
        .ok_or_else(|| anyhow!("unknown species {species:?}"))
}

/// Encodes rows as a feature matrix: the four measurements, then one column
/// per island, then one per sex. A row with a missing value, or with an
/// island or sex not in the lists, is an error naming the row.
fn encode(rows: &[Penguin], islands: &[String], sexes: &[String]) -> Result<DenseMatrix<f64>> {
    let n_features = MEASUREMENTS.len() + islands.len() + sexes.len();
    let mut values = Vec::with_capacity(rows.len() * n_features);
    for (i, row) in rows.iter().enumerate() {
        let missing = |name: &str| anyhow!("row {i} is missing {name}");
        values.push(
            row.bill_length_mm
                .ok_or_else(|| missing("bill_length_mm"))?,
        );
        values.push(row.bill_depth_mm.ok_or_else(|| missing("bill_depth_mm"))?);
        values.push(
            row.flipper_length_mm
                .ok_or_else(|| missing("flipper_length_mm"))?,
        );
        values.push(row.body_mass_g.ok_or_else(|| missing("body_mass_g"))?);
        let island = row.island.as_deref().ok_or_else(|| missing("island"))?;
        one_hot(&mut values, islands, island)
            .with_context(|| format!("row {i}: island {island:?} was not seen in training"))?;
        let sex = row.sex.as_deref().ok_or_else(|| missing("sex"))?;
        one_hot(&mut values, sexes, sex)
            .with_context(|| format!("row {i}: sex {sex:?} was not seen in training"))?;
    }
    // Row-major: `values` contains one row after another.
    DenseMatrix::new(rows.len(), n_features, values, false)
        .map_err(|e| anyhow!("failed to build the feature matrix: {e}"))
}

impl TrainedModel {
    /// Returns the names of the feature columns, in the order the forest receives them.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names: Vec<String> = MEASUREMENTS.iter().map(|s| s.to_string()).collect();
        names.extend(self.islands.iter().map(|i| format!("island={i}")));
        names.extend(self.sexes.iter().map(|s| format!("sex={s}")));
        names
    }

    /// Predicts the species of each row.
    pub fn predict(&self, rows: &[Penguin]) -> Result<Vec<String>> {
        Ok(self
            .predict_indices(rows)?
            .into_iter()
            .map(|i| self.labels[i as usize].clone())
            .collect())
    }

    fn predict_indices(&self, rows: &[Penguin]) -> Result<Vec<u32>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let x = encode(rows, &self.islands, &self.sexes)?;
        self.forest
            .predict(&x)
            .map_err(|e| anyhow!("prediction failed: {e}"))
    }

    /// Writes the model as JSON.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file =
            File::create(path).with_context(|| format!("failed to create {}", path.display()))?;
        let mut writer = BufWriter::new(file);
        serde_json::to_writer(&mut writer, self)
            .with_context(|| format!("failed to write the model to {}", path.display()))?;
        writer
            .flush()
            .with_context(|| format!("failed to write the model to {}", path.display()))?;
        Ok(())
    }

    /// Reads a model written by [`TrainedModel::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<TrainedModel> {
        let path = path.as_ref();
        let file =
            File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
        let model: TrainedModel = serde_json::from_reader(BufReader::new(file))
            .with_context(|| format!("{} is not a saved penguins model", path.display()))?;
        ensure!(
            !model.labels.is_empty(),
            "{} contains a model with no classes",
            path.display()
        );
        Ok(model)
    }
}

/// Appends one column per category: 1.0 for `value`, 0.0 for the others.
fn one_hot(values: &mut Vec<f64>, categories: &[String], value: &str) -> Result<()> {
    if !categories.iter().any(|c| c == value) {
        bail!("unknown category {value:?}");
    }
    values.extend(
        categories
            .iter()
            .map(|c| if c == value { 1.0 } else { 0.0 }),
    );
    Ok(())
}

/// Test-set quality of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Share of test rows whose species was predicted correctly.
    pub accuracy: f64,
    /// Unweighted mean over `labels` of each class's F1 score.
    pub macro_f1: f64,
    /// Class names, sorted: the model's classes plus any other species found
    /// in the test rows.
    pub labels: Vec<String>,
    /// `confusion_matrix[t][p]` counts test rows of true class `labels[t]`
    /// predicted as `labels[p]`.
    pub confusion_matrix: Vec<Vec<u64>>,
    /// Number of test rows.
    pub test_rows: usize,
}

/// Predicts every test row and compares with its true species.
pub fn evaluate(model: &TrainedModel, test_rows: &[Penguin]) -> Result<Evaluation> {
    ensure!(!test_rows.is_empty(), "the test set is empty");
    let truth: Vec<&str> = test_rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.species
                .as_deref()
                .ok_or_else(|| anyhow!("test row {i} is missing species"))
        })
        .collect::<Result<_>>()?;
    let predicted = model.predict(test_rows)?;

    let labels: Vec<String> = model
        .labels
        .iter()
        .map(String::as_str)
        .chain(truth.iter().copied())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .map(str::to_string)
        .collect();
    let index = |name: &str| {
        labels
            .iter()
            .position(|l| l == name)
            .expect("labels contain every true and predicted class") as u32
    };
    let true_idx: Vec<u32> = truth.iter().map(|t| index(t)).collect();
    let pred_idx: Vec<u32> = predicted.iter().map(|p| index(p)).collect();

    let confusion_matrix = confusion_matrix(labels.len(), &true_idx, &pred_idx);
    Ok(Evaluation {
        accuracy: smartcore::metrics::accuracy(&true_idx, &pred_idx),
        macro_f1: macro_f1(&confusion_matrix),
        labels,
        confusion_matrix,
        test_rows: test_rows.len(),
    })
}

/// Counts `(true, predicted)` pairs of class indices below `n_classes`.
fn confusion_matrix(n_classes: usize, truth: &[u32], predicted: &[u32]) -> Vec<Vec<u64>> {
    let mut matrix = vec![vec![0u64; n_classes]; n_classes];
    for (&t, &p) in truth.iter().zip(predicted) {
        matrix[t as usize][p as usize] += 1;
    }
    matrix
}

/// Mean over classes of F1 = 2PR / (P + R), read off a confusion matrix.
///
/// smartcore 0.4's `f1` metric is the harmonic mean of macro precision and
/// macro recall, which is a different number, so macro F1 is computed here.
/// A class that is never predicted (or never true) has F1 0.
fn macro_f1(matrix: &[Vec<u64>]) -> f64 {
    let n = matrix.len();
    if n == 0 {
        return 0.0;
    }
    let mut sum = 0.0;
    for k in 0..n {
        let tp = matrix[k][k] as f64;
        let predicted: u64 = matrix.iter().map(|row| row[k]).sum();
        let actual: u64 = matrix[k].iter().sum();
        if predicted == 0 || actual == 0 || tp == 0.0 {
            continue;
        }
        let precision = tp / predicted as f64;
        let recall = tp / actual as f64;
        sum += 2.0 * precision * recall / (precision + recall);
    }
    sum / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tests::{scratch_dir, DATA};
    use crate::data::{clean, read_table, split};

    fn seeded_split() -> (Vec<Penguin>, Vec<Penguin>) {
        let (kept, _) = clean(read_table(DATA).unwrap());
        split(kept, 0.2, 42).unwrap()
    }

    #[test]
    fn forest_accurate_on_test_split() {
        let (train_rows, test_rows) = seeded_split();
        let model = train(&train_rows, 42, &Hyperparameters::default()).unwrap();
        assert_eq!(model.labels, ["Adelie", "Chinstrap", "Gentoo"]);
        assert_eq!(model.islands, ["Biscoe", "Dream", "Torgersen"]);
        assert_eq!(model.sexes, ["female", "male"]);
        assert_eq!(model.feature_names().len(), 9);

        let eval = evaluate(&model, &test_rows).unwrap();
        println!(
            "accuracy {:.4}, macro F1 {:.4}, confusion {:?}",
            eval.accuracy, eval.macro_f1, eval.confusion_matrix
        );
        assert!(eval.accuracy > 0.9, "accuracy {}", eval.accuracy);
        assert!(eval.macro_f1 > 0.9, "macro F1 {}", eval.macro_f1);
        assert_eq!(eval.labels, model.labels);
        assert_eq!(eval.test_rows, test_rows.len());
        let total: u64 = eval.confusion_matrix.iter().flatten().sum();
        assert_eq!(total as usize, test_rows.len());
        // smartcore's accuracy agrees with the diagonal of the matrix.
        let diagonal: u64 = (0..3).map(|k| eval.confusion_matrix[k][k]).sum();
        assert!((eval.accuracy - diagonal as f64 / total as f64).abs() < 1e-12);
        // Row sums are the true class counts of the test set.
        for (k, label) in eval.labels.iter().enumerate() {
            let count = test_rows
                .iter()
                .filter(|r| r.species.as_deref() == Some(label))
                .count();
            assert_eq!(eval.confusion_matrix[k].iter().sum::<u64>() as usize, count);
        }
    }

    #[test]
    fn same_seed_gives_same_predictions() {
        let (train_rows, test_rows) = seeded_split();
        let hp = Hyperparameters {
            n_trees: 20,
            ..Hyperparameters::default()
        };
        let a = train(&train_rows, 3, &hp)
            .unwrap()
            .predict(&test_rows)
            .unwrap();
        let b = train(&train_rows, 3, &hp)
            .unwrap()
            .predict(&test_rows)
            .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn save_load_keeps_predictions() {
        let (train_rows, test_rows) = seeded_split();
        let model = train(&train_rows, 42, &Hyperparameters::default()).unwrap();
        let dir = scratch_dir("model-round-trip");
        let path = dir.join("model.json");
        model.save(&path).unwrap();
        let loaded = TrainedModel::load(&path).unwrap();
        assert_eq!(loaded.labels, model.labels);
        assert_eq!(loaded.hyperparameters, model.hyperparameters);
        assert_eq!(loaded.seed, 42);
        assert_eq!(
            loaded.predict(&test_rows).unwrap(),
            model.predict(&test_rows).unwrap()
        );
        assert_eq!(
            loaded.predict(&train_rows).unwrap(),
            model.predict(&train_rows).unwrap()
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn load_errors_name_the_path() {
        let missing = "/nonexistent/penguins-model.json";
        let text = format!("{:#}", TrainedModel::load(missing).unwrap_err());
        assert!(text.contains(missing), "error was: {text}");

        let dir = scratch_dir("model-garbage");
        let path = dir.join("model.json");
        std::fs::write(&path, "{\"labels\": 3}").unwrap();
        let text = format!("{:#}", TrainedModel::load(&path).unwrap_err());
        assert!(
            text.contains(&path.display().to_string()),
            "error was: {text}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn train_rejects_bad_input() {
        let rows = read_table(DATA).unwrap();
        let text = format!(
            "{:#}",
            train(&rows, 0, &Hyperparameters::default()).unwrap_err()
        );
        assert!(text.contains("row 3"), "error was: {text}");
        assert!(text.contains("clean"), "error was: {text}");

        assert!(train(&[], 0, &Hyperparameters::default()).is_err());

        let (kept, _) = clean(rows);
        let zero_trees = Hyperparameters {
            n_trees: 0,
            ..Hyperparameters::default()
        };
        assert!(train(&kept, 0, &zero_trees).is_err());
        let too_many = Hyperparameters {
            features_per_split: Some(10),
            ..Hyperparameters::default()
        };
        let text = format!("{:#}", train(&kept, 0, &too_many).unwrap_err());
        assert!(text.contains("got 10"), "error was: {text}");
    }

    #[test]
    fn predict_rejects_an_unseen_island() {
        let (train_rows, test_rows) = seeded_split();
        let hp = Hyperparameters {
            n_trees: 5,
            ..Hyperparameters::default()
        };
        let model = train(&train_rows, 1, &hp).unwrap();
        let mut odd = test_rows[0].clone();
        odd.island = Some("Anvers".to_string());
        let text = format!("{:#}", model.predict(&[odd]).unwrap_err());
        assert!(text.contains("Anvers"), "error was: {text}");
        assert!(model.predict(&[]).unwrap().is_empty());
    }

    #[test]
    fn macro_f1_by_hand() {
        // truth [0,0,0,1,1,2], predicted [0,0,1,1,2,2]:
        // F1 per class 0.8, 0.5, 2/3.
        let cm = confusion_matrix(3, &[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 2, 2]);
        assert_eq!(cm, vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]);
        let expected = (0.8 + 0.5 + 2.0 / 3.0) / 3.0;
        assert!((macro_f1(&cm) - expected).abs() < 1e-12);

        // Class 1 is never predicted, so its F1 is 0; class 0 has P 1/2, R 1.
        let cm = confusion_matrix(2, &[0, 1], &[0, 0]);
        assert!((macro_f1(&cm) - (2.0 / 3.0) / 2.0).abs() < 1e-12);

        // A perfect prediction scores 1.
        let cm = confusion_matrix(3, &[0, 1, 2], &[0, 1, 2]);
        assert!((macro_f1(&cm) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn evaluate_rejects_empty_test_set() {
        let (train_rows, _) = seeded_split();
        let hp = Hyperparameters {
            n_trees: 5,
            ..Hyperparameters::default()
        };
        let model = train(&train_rows, 1, &hp).unwrap();
        assert!(evaluate(&model, &[]).is_err());
    }
}
