// Components covering every parameter and artifact kind the runtime decodes, included by
// the `exec_input` fuzz target and the `components` example. They only look at their inputs
// and write to their outputs. They read no file, so a fuzzed path cannot make them block or
// read outside the run's directory.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use vertex_runtime::prelude::*;

/// A struct parameter with nested and optional fields.
#[derive(Debug, Serialize, Deserialize, Parameter)]
pub struct Settings {
    depth: u32,
    rate: f64,
    tags: Vec<String>,
    limit: Option<i16>,
    inner: BTreeMap<String, Vec<u8>>,
}

/// The output parameters of [`every_kind`].
#[derive(Outputs)]
pub struct Echoed {
    total: i64,
    label: String,
    ratio: f64,
    wide: i128,
    big: u64,
    raw: Value,
    grid: Vec<Vec<u16>>,
}

/// Takes every parameter and artifact kind and echoes them back.
///
/// # Arguments
/// * `text` - any string
/// * `table` - one input artifact
/// * `shards` - a list of input artifacts
#[vertex_component]
#[allow(clippy::too_many_arguments)]
pub fn every_kind(
    text: String,
    tiny: i8,
    small: u8,
    big: u64,
    signed: i32,
    wide: i128,
    huge: u128,
    size: usize,
    ratio: f64,
    single: f32,
    flag: bool,
    items: Vec<i64>,
    names: Vec<String>,
    grid: Vec<Vec<u16>>,
    scores: BTreeMap<String, f64>,
    counts: HashMap<String, u32>,
    raw: Value,
    settings: Settings,
    note: Option<String>,
    #[default(3)] epochs: i64,
    #[default(vec![0.5])] rates: Vec<f64>,
    table: Input<Dataset>,
    extra: Option<Input<Model>>,
    shards: Vec<Input<Artifact>>,
    out: Output<Dataset>,
    metrics: Output<Metrics>,
) -> anyhow::Result<Echoed> {
    out.write(format!("{text}\n{}\n", table.path().display()))?;
    out.set_metadata("table", table.uri());
    out.set_metadata("upstream", Value::Object(table.metadata().clone()));
    out.set_metadata("shards", shards.len());
    out.set_metadata("extra", extra.as_ref().map(|e| e.uri().to_owned()));
    out.set_metadata("settings", format!("{settings:?}"));
    metrics.log_metric("ratio", ratio)?;
    metrics.log_metric("single", f64::from(single))?;
    let counted: i64 = counts.values().map(|&c| i64::from(c)).sum();
    let total = items
        .iter()
        .fold(
            i64::from(tiny) + i64::from(small) + i64::from(signed),
            |a, &b| a.wrapping_add(b),
        )
        .wrapping_add(counted)
        .wrapping_add(epochs);
    let label = format!(
        "{}|{}|{}|{}|{}|{}",
        note.unwrap_or_default(),
        names.join(","),
        scores.len(),
        huge,
        size,
        rates.len()
    );
    Ok(Echoed {
        total,
        label,
        ratio: if flag { ratio } else { f64::from(single) },
        wide,
        big,
        raw,
        grid,
    })
}

/// Takes every kind as an optional input and reports which were given.
#[vertex_component]
#[allow(clippy::too_many_arguments)]
pub fn optional_kinds(
    text: Option<String>,
    tiny: Option<i8>,
    wide: Option<i128>,
    huge: Option<u128>,
    size: Option<isize>,
    single: Option<f32>,
    flag: Option<bool>,
    items: Option<Vec<i64>>,
    scores: Option<HashMap<String, Vec<f32>>>,
    raw: Option<Value>,
    object: Option<Map<String, Value>>,
    settings: Option<Settings>,
    table: Option<Input<Dataset>>,
    model: Option<Input<Model>>,
) -> Vec<String> {
    let given = [
        ("text", text.is_some()),
        ("tiny", tiny.is_some()),
        ("wide", wide.is_some()),
        ("huge", huge.is_some()),
        ("size", size.is_some()),
        ("single", single.is_some()),
        ("flag", flag.is_some()),
        ("items", items.is_some()),
        ("scores", scores.is_some()),
        ("raw", raw.is_some()),
        ("object", object.is_some()),
        ("settings", settings.is_some()),
        ("table", table.is_some()),
        ("model", model.is_some()),
    ];
    given
        .iter()
        .filter(|(_, is_given)| *is_given)
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

/// Adds two integers.
#[vertex_component]
pub fn sum(a: i64, #[default(0)] b: i64) -> i64 {
    a.wrapping_add(b)
}
