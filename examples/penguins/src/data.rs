//! Reading, cleaning, writing and splitting the penguins table.
//!
//! The raw file marks a missing value with the text `NA`. A [`Penguin`] keeps
//! every column as an `Option`, so a raw row and a cleaned row share one type
//! and one CSV header. [`clean`] keeps only the rows whose model inputs and
//! label are all present.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One row of the penguins table. `None` is written as `NA` in the file.
///
/// The field order is the column order of the CSV header, which
/// [`write_table`] reproduces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Penguin {
    #[serde(with = "na")]
    pub species: Option<String>,
    #[serde(with = "na")]
    pub island: Option<String>,
    #[serde(with = "na")]
    pub bill_length_mm: Option<f64>,
    #[serde(with = "na")]
    pub bill_depth_mm: Option<f64>,
    #[serde(with = "na")]
    pub flipper_length_mm: Option<f64>,
    #[serde(with = "na")]
    pub body_mass_g: Option<f64>,
    #[serde(with = "na")]
    pub sex: Option<String>,
    #[serde(with = "na")]
    pub year: Option<i32>,
}

impl Penguin {
    /// Returns the names of the required columns missing from this row, in
    /// header order. `year` is not required because the model does not use it.
    pub fn missing_fields(&self) -> Vec<&'static str> {
        let present = [
            ("species", self.species.is_some()),
            ("island", self.island.is_some()),
            ("bill_length_mm", self.bill_length_mm.is_some()),
            ("bill_depth_mm", self.bill_depth_mm.is_some()),
            ("flipper_length_mm", self.flipper_length_mm.is_some()),
            ("body_mass_g", self.body_mass_g.is_some()),
            ("sex", self.sex.is_some()),
        ];
        present
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| *name)
            .collect()
    }

    /// Returns true when every column that the model needs has a value.
    pub fn is_complete(&self) -> bool {
        self.missing_fields().is_empty()
    }
}

/// Serde helpers that map the CSV text `NA` (or an empty cell) to `None` and
/// back. Any other text must parse as the field's type, so a typo such as
/// `3O.1` is an error rather than a silent gap.
mod na {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<T: Display, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.collect_str(v),
            None => serializer.serialize_str("NA"),
        }
    }

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(deserializer)?;
        let text = text.trim();
        if text.is_empty() || text == "NA" {
            return Ok(None);
        }
        text.parse::<T>()
            .map(Some)
            .map_err(|e| de::Error::custom(format!("invalid value {text:?}: {e}")))
    }
}

/// Reads a penguins CSV (the raw file, or one written by [`write_table`]).
/// Cells containing `NA` become `None`.
pub fn read_table(path: impl AsRef<Path>) -> Result<Vec<Penguin>> {
    let path = path.as_ref();
    let mut reader = csv::Reader::from_path(path)
        .with_context(|| format!("failed to open penguins table {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, record) in reader.deserialize::<Penguin>().enumerate() {
        // Line 1 is the header, so data row i is on line i + 2.
        let row =
            record.with_context(|| format!("{}: invalid row on line {}", path.display(), i + 2))?;
        rows.push(row);
    }
    Ok(rows)
}

/// Splits `rows` into the complete ones (kept, in their original order) and
/// the count of rows dropped because a required column was missing.
pub fn clean(rows: Vec<Penguin>) -> (Vec<Penguin>, usize) {
    let before = rows.len();
    let kept: Vec<Penguin> = rows.into_iter().filter(Penguin::is_complete).collect();
    let dropped = before - kept.len();
    (kept, dropped)
}

/// Writes rows as CSV with the same header as the raw file. `None` is written
/// as `NA`.
pub fn write_table(path: impl AsRef<Path>, rows: &[Penguin]) -> Result<()> {
    let path = path.as_ref();
    let mut writer = csv::Writer::from_path(path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    for row in rows {
        writer
            .serialize(row)
            .with_context(|| format!("failed to write a row to {}", path.display()))?;
    }
    writer
        .flush()
        .with_context(|| format!("failed to write {}", path.display()))?;
    Ok(())
}

/// Reads a table written from cleaned rows and checks that it is clean. A row
/// with a missing required value is an error naming its line.
pub fn read_clean(path: impl AsRef<Path>) -> Result<Vec<Penguin>> {
    let path = path.as_ref();
    let rows = read_table(path)?;
    for (i, row) in rows.iter().enumerate() {
        let missing = row.missing_fields();
        if !missing.is_empty() {
            bail!(
                "{} is not a cleaned table: line {} is missing {}",
                path.display(),
                i + 2,
                missing.join(", ")
            );
        }
    }
    Ok(rows)
}

/// Splits rows into `(train, test)`.
///
/// The split is stratified by species: within each species the rows are
/// shuffled with a ChaCha8 generator seeded by `seed`, and
/// `round(count * test_fraction)` of them go to the test set. Both outputs
/// keep the input order, so the same rows, fraction and seed always give the
/// same two tables, on any platform.
///
/// `test_fraction` must lie strictly between 0 and 1.
pub fn split(
    rows: Vec<Penguin>,
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<Penguin>, Vec<Penguin>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        bail!("test_fraction must be greater than 0 and less than 1, got {test_fraction}");
    }

    // Group row positions by species. A BTreeMap keeps the groups in a fixed
    // order, so the generator is consumed the same way on every run.
    let mut groups: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        groups.entry(row.species.as_deref()).or_default().push(i);
    }

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut test_positions = BTreeSet::new();
    for positions in groups.values_mut() {
        positions.shuffle(&mut rng);
        let take = (positions.len() as f64 * test_fraction).round() as usize;
        test_positions.extend(positions.iter().take(take).copied());
    }

    let mut train = Vec::with_capacity(rows.len() - test_positions.len());
    let mut test = Vec::with_capacity(test_positions.len());
    for (i, row) in rows.into_iter().enumerate() {
        if test_positions.contains(&i) {
            test.push(row);
        } else {
            train.push(row);
        }
    }
    Ok((train, test))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/penguins.csv");

    /// Creates an empty directory under the system temp dir, unique per test.
    pub(crate) fn scratch_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("penguins-test-{}-{}", std::process::id(), name));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_all_344_rows() {
        let rows = read_table(DATA).unwrap();
        assert_eq!(rows.len(), 344);
        let first = &rows[0];
        assert_eq!(first.species.as_deref(), Some("Adelie"));
        assert_eq!(first.island.as_deref(), Some("Torgersen"));
        assert_eq!(first.bill_length_mm, Some(39.1));
        assert_eq!(first.body_mass_g, Some(3750.0));
        assert_eq!(first.sex.as_deref(), Some("male"));
        assert_eq!(first.year, Some(2007));
        // The fourth row is one of the two with no measurements at all.
        let empty = &rows[3];
        assert_eq!(empty.bill_length_mm, None);
        assert_eq!(empty.sex, None);
        assert_eq!(empty.year, Some(2007));
    }

    #[test]
    fn na_counts_match_the_data_readme() {
        // The data README states that 2 rows lack every measurement and 11
        // lack `sex`. Count both from the file, and check how they overlap.
        let rows = read_table(DATA).unwrap();
        let no_measurements: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let r = &rows[i];
                r.bill_length_mm.is_none()
                    && r.bill_depth_mm.is_none()
                    && r.flipper_length_mm.is_none()
                    && r.body_mass_g.is_none()
            })
            .collect();
        let no_sex: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].sex.is_none()).collect();
        assert_eq!(no_measurements.len(), 2);
        assert_eq!(no_sex.len(), 11);
        // Both rows without measurements also lack sex, so they are among the 11.
        assert!(no_measurements.iter().all(|i| no_sex.contains(i)));
        // Nothing else is missing anywhere in the required columns.
        let incomplete = rows.iter().filter(|r| !r.is_complete()).count();
        assert_eq!(incomplete, 11);
        assert!(rows.iter().all(|r| r.species.is_some()));
        assert!(rows.iter().all(|r| r.island.is_some()));
    }

    #[test]
    fn clean_drops_the_11_incomplete_rows() {
        let (kept, dropped) = clean(read_table(DATA).unwrap());
        assert_eq!(dropped, 11);
        assert_eq!(kept.len(), 333);
        assert!(kept.iter().all(Penguin::is_complete));
    }

    #[test]
    fn missing_file_error_names_the_path() {
        let path = "/nonexistent/dir/penguins-missing.csv";
        let err = read_table(path).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains(path), "error was: {text}");
    }

    #[test]
    fn bad_number_error_names_line() {
        let dir = scratch_dir("bad-number");
        let path = dir.join("bad.csv");
        std::fs::write(
            &path,
            "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n\
             Adelie,Dream,39.1,18.7,181,3750,male,2007\n\
             Adelie,Dream,3O.1,18.7,181,3750,male,2007\n",
        )
        .unwrap();
        let text = format!("{:#}", read_table(&path).unwrap_err());
        assert!(text.contains("line 3"), "error was: {text}");
        assert!(text.contains("3O.1"), "error was: {text}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn write_table_round_trip_keeps_header() {
        let (kept, _) = clean(read_table(DATA).unwrap());
        let dir = scratch_dir("round-trip");
        let path = dir.join("clean.csv");
        write_table(&path, &kept).unwrap();

        let raw_header = std::fs::read_to_string(DATA)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string();
        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(written.lines().next().unwrap(), raw_header);
        // Values are written back as they were read, e.g. "181" not "181.0".
        assert_eq!(
            written.lines().nth(1).unwrap(),
            "Adelie,Torgersen,39.1,18.7,181,3750,male,2007"
        );

        let back = read_clean(&path).unwrap();
        assert_eq!(back, kept);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn read_clean_rejects_a_row_with_na() {
        let rows = read_table(DATA).unwrap();
        let dir = scratch_dir("not-clean");
        let path = dir.join("raw.csv");
        write_table(&path, &rows[..5]).unwrap();
        let text = format!("{:#}", read_clean(&path).unwrap_err());
        // Row 4 of the raw file (line 5) lacks every measurement and sex.
        assert!(text.contains("line 5"), "error was: {text}");
        assert!(text.contains("bill_length_mm"), "error was: {text}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn split_deterministic_and_disjoint() {
        let (kept, _) = clean(read_table(DATA).unwrap());
        let n = kept.len();
        let (train_a, test_a) = split(kept.clone(), 0.2, 42).unwrap();
        let (train_b, test_b) = split(kept.clone(), 0.2, 42).unwrap();
        assert_eq!(train_a, train_b);
        assert_eq!(test_a, test_b);
        assert_eq!(train_a.len() + test_a.len(), n);
        // Per species: Adelie 146, Chinstrap 68, Gentoo 119 ->
        // round(29.2) + round(13.6) + round(23.8) = 29 + 14 + 24.
        assert_eq!(test_a.len(), 67);
        assert_eq!(train_a.len(), 266);

        // A row's Debug text identifies it, since no two cleaned rows are equal
        // (see clean_rows_are_unique). Together the sets hold each row once.
        let key = |r: &Penguin| format!("{r:?}");
        let mut all: Vec<String> = train_a.iter().chain(test_a.iter()).map(key).collect();
        let mut original: Vec<String> = kept.iter().map(key).collect();
        all.sort();
        original.sort();
        assert_eq!(all, original);
        let train_keys: BTreeSet<String> = train_a.iter().map(key).collect();
        assert!(test_a.iter().all(|r| !train_keys.contains(&key(r))));

        // Another seed gives another test set of the same size.
        let (_, test_c) = split(kept, 0.2, 7).unwrap();
        assert_eq!(test_c.len(), test_a.len());
        assert_ne!(test_c, test_a);
    }

    #[test]
    fn clean_rows_are_unique() {
        let (kept, _) = clean(read_table(DATA).unwrap());
        let keys: BTreeSet<String> = kept.iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(keys.len(), kept.len());
    }

    #[test]
    fn split_keeps_every_species_in_both_sets() {
        let (kept, _) = clean(read_table(DATA).unwrap());
        let (train, test) = split(kept, 0.25, 1).unwrap();
        for set in [&train, &test] {
            let species: BTreeSet<&str> = set.iter().filter_map(|r| r.species.as_deref()).collect();
            assert_eq!(
                species.into_iter().collect::<Vec<_>>(),
                ["Adelie", "Chinstrap", "Gentoo"]
            );
        }
    }

    #[test]
    fn bad_fraction_error_names_value() {
        let (kept, _) = clean(read_table(DATA).unwrap());
        for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            let err = split(kept.clone(), bad, 0).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("test_fraction"), "error was: {text}");
            assert!(text.contains(&bad.to_string()), "error was: {text}");
        }
    }
}
