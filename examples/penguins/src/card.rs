//! A Markdown model card summing up the data, the training settings and the
//! test results.

use std::fmt::{self, Write};

use serde::{Deserialize, Serialize};

use crate::model::{Evaluation, Hyperparameters, MEASUREMENTS};

/// Row counts and split settings of one pipeline run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    /// Rows in the raw table.
    pub raw_rows: usize,
    /// Rows removed by cleaning because a required value was `NA`.
    pub dropped_rows: usize,
    pub train_rows: usize,
    pub test_rows: usize,
    pub test_fraction: f64,
    pub split_seed: u64,
}

/// Renders the model card as Markdown.
pub fn model_card(
    dataset: &DatasetSummary,
    hyperparameters: &Hyperparameters,
    training_seed: u64,
    evaluation: &Evaluation,
) -> String {
    let mut out = String::new();
    render(
        &mut out,
        dataset,
        hyperparameters,
        training_seed,
        evaluation,
    )
    .expect("writing to a String does not fail");
    out
}

fn render(
    out: &mut String,
    dataset: &DatasetSummary,
    hyperparameters: &Hyperparameters,
    training_seed: u64,
    evaluation: &Evaluation,
) -> fmt::Result {
    writeln!(out, "# Model card: penguin species classifier\n")?;

    writeln!(out, "## Model\n")?;
    let measurements: Vec<String> = MEASUREMENTS.iter().map(|m| format!("`{m}`")).collect();
    writeln!(
        out,
        "A random forest (smartcore) that predicts `species` ({}) from {}, \
         the island (one-hot) and the sex (one-hot).\n",
        evaluation.labels.join(", "),
        measurements.join(", ")
    )?;

    writeln!(out, "## Data\n")?;
    writeln!(
        out,
        "Palmer penguins (palmerpenguins 0.1.6, CC0; Dr. Kristen Gorman and \
         the Palmer Station LTER).\n"
    )?;
    writeln!(out, "| | rows |")?;
    writeln!(out, "| --- | ---: |")?;
    writeln!(out, "| dataset | {} |", dataset.raw_rows)?;
    writeln!(
        out,
        "| dropped (a required value is NA) | {} |",
        dataset.dropped_rows
    )?;
    writeln!(out, "| train | {} |", dataset.train_rows)?;
    writeln!(out, "| test | {} |", dataset.test_rows)?;
    writeln!(
        out,
        "\nThe split is stratified by species, with test fraction {} and seed {}.\n",
        dataset.test_fraction, dataset.split_seed
    )?;

    writeln!(out, "## Hyperparameters\n")?;
    writeln!(out, "| name | value |")?;
    writeln!(out, "| --- | --- |")?;
    for (name, value) in hyperparameters.entries() {
        writeln!(out, "| {name} | {} |", cell(&value))?;
    }
    writeln!(out, "| seed | {training_seed} |\n")?;

    writeln!(out, "## Evaluation on the test set\n")?;
    writeln!(out, "| metric | value |")?;
    writeln!(out, "| --- | ---: |")?;
    writeln!(out, "| accuracy | {:.4} |", evaluation.accuracy)?;
    writeln!(out, "| macro F1 | {:.4} |", evaluation.macro_f1)?;
    writeln!(out, "| test rows | {} |\n", evaluation.test_rows)?;

    writeln!(
        out,
        "Confusion matrix (rows: true species, columns: predicted species):\n"
    )?;
    write!(out, "| true \\ predicted |")?;
    for label in &evaluation.labels {
        write!(out, " {} |", cell(label))?;
    }
    write!(out, "\n| --- |")?;
    for _ in &evaluation.labels {
        write!(out, " ---: |")?;
    }
    writeln!(out)?;
    for (label, counts) in evaluation.labels.iter().zip(&evaluation.confusion_matrix) {
        write!(out, "| {} |", cell(label))?;
        for count in counts {
            write!(out, " {count} |")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::tests::DATA;
    use crate::data::{clean, read_table, split};
    use crate::model::{evaluate, train};

    #[test]
    fn card_reports_the_run() {
        let raw = read_table(DATA).unwrap();
        let raw_rows = raw.len();
        let (kept, dropped) = clean(raw);
        let (train_rows, test_rows) = split(kept, 0.2, 42).unwrap();
        let hp = Hyperparameters {
            n_trees: 30,
            ..Hyperparameters::default()
        };
        let model = train(&train_rows, 42, &hp).unwrap();
        let eval = evaluate(&model, &test_rows).unwrap();
        let summary = DatasetSummary {
            raw_rows,
            dropped_rows: dropped,
            train_rows: train_rows.len(),
            test_rows: test_rows.len(),
            test_fraction: 0.2,
            split_seed: 42,
        };
        let card = model_card(&summary, &hp, 42, &eval);

        assert!(card.contains(&format!("| accuracy | {:.4} |", eval.accuracy)));
        assert!(card.contains(&format!("| macro F1 | {:.4} |", eval.macro_f1)));
        assert!(card.contains("| dataset | 344 |"));
        assert!(card.contains("| dropped (a required value is NA) | 11 |"));
        assert!(card.contains("| train | 266 |"));
        assert!(card.contains("| test | 67 |"));
        assert!(card.contains("| n_trees | 30 |"));
        assert!(card.contains("| max_depth | unlimited |"));
        assert!(card.contains("| true \\ predicted | Adelie | Chinstrap | Gentoo |"));
        for (label, counts) in eval.labels.iter().zip(&eval.confusion_matrix) {
            let row: String = counts.iter().map(|c| format!(" {c} |")).collect();
            assert!(card.contains(&format!("| {label} |{row}")), "{card}");
        }
    }

    #[test]
    fn confusion_table_is_well_formed() {
        let eval = Evaluation {
            accuracy: 0.5,
            macro_f1: 1.0 / 3.0,
            labels: vec!["a|b".to_string(), "c".to_string()],
            confusion_matrix: vec![vec![1, 0], vec![1, 0]],
            test_rows: 2,
        };
        let summary = DatasetSummary {
            raw_rows: 3,
            dropped_rows: 1,
            train_rows: 0,
            test_rows: 2,
            test_fraction: 0.5,
            split_seed: 0,
        };
        let card = model_card(&summary, &Hyperparameters::default(), 0, &eval);
        assert!(card.contains("| accuracy | 0.5000 |"));
        assert!(card.contains("| macro F1 | 0.3333 |"));
        let expected = "| true \\ predicted | a\\|b | c |\n\
                        | --- | ---: | ---: |\n\
                        | a\\|b | 1 | 0 |\n\
                        | c | 1 | 0 |\n";
        assert!(card.ends_with(expected), "{card}");
    }
}
