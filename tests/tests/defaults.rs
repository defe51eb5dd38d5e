//! Property test: a default of every parameter type, emitted into a component's YAML, is the
//! value kfp 2.17.3 loads from that text.
//!
//! The cases are generated up front and loaded by one call of the kfp harness, so that
//! Python starts once for all of them.

#[path = "../support/kfp.rs"]
mod support;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use vertex_runtime::prelude::*;
use vertex_runtime::registry;
use vertex_runtime::spec::{component_graph, pipeline_yaml, Container};

/// Cases per run; each is one component YAML loaded by kfp.
const CASES: usize = 96;

/// Takes one parameter of each type, whose defaults the test sets.
#[vertex_component]
fn every_default(
    text: String,
    count: i64,
    ratio: f64,
    flag: bool,
    items: Vec<Value>,
    record: BTreeMap<String, Value>,
) {
    let _ = (text, count, ratio, flag, items, record);
}

/// Generates text of any characters: control characters, line separators, BOMs and
/// non-characters included.
fn any_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter)
}

/// Generates a finite float.
fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        proptest::num::f64::NORMAL,
        proptest::num::f64::SUBNORMAL,
        proptest::num::f64::ZERO,
        Just(5.0),
        Just(-1e300),
    ]
}

/// Generates an integer that JSON numbers carry exactly, as every integer parameter must be.
fn exact_integer() -> impl Strategy<Value = i64> {
    -(1i64 << 53)..=(1i64 << 53)
}

/// Generates a JSON value of a few levels, for LIST elements and STRUCT fields.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        exact_integer().prop_map(Value::from),
        finite().prop_map(Value::from),
        any_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(any_text(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn defaults() -> impl Strategy<Value = Vec<(&'static str, Value)>> {
    (
        any_text(),
        exact_integer(),
        finite(),
        any::<bool>(),
        proptest::collection::vec(json_value(), 0..4),
        proptest::collection::btree_map(any_text(), json_value(), 0..4),
    )
        .prop_map(|(text, count, ratio, flag, items, record)| {
            vec![
                ("text", Value::from(text)),
                ("count", Value::from(count)),
                ("ratio", Value::from(ratio)),
                ("flag", Value::from(flag)),
                ("items", Value::from(items)),
                ("record", Value::Object(record.into_iter().collect())),
            ]
        })
}

/// Makes every number a float, as in the protobuf `Struct` that kfp loads defaults into.
fn as_struct_value(value: &Value) -> Value {
    match value {
        Value::Number(number) => Value::from(number.as_f64().expect("finite")),
        Value::Array(items) => items.iter().map(as_struct_value).collect(),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), as_struct_value(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn defaults_survive_kfp_load() {
    let entry = registry::component("every-default").unwrap();
    let container = Container {
        image: "example.com/image:1".to_owned(),
        binary: "/usr/local/bin/app".to_owned(),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut runner = TestRunner::new(Config::default());
    let mut cases = Vec::new();
    for index in 0..CASES {
        let values = defaults().new_tree(&mut runner).unwrap().current();
        let mut interface = (entry.interface)();
        for input in &mut interface.inputs {
            let (_, value) = values.iter().find(|(name, _)| *name == input.name).unwrap();
            input.default = Some(value.clone());
            input.optional = true;
        }
        let graph = component_graph(&interface, entry);
        let yaml = pipeline_yaml(&graph, &container, &BTreeMap::new()).unwrap();
        let path = dir.path().join(format!("case-{index}.yaml"));
        std::fs::write(&path, &yaml).unwrap();
        cases.push((path, values));
    }

    let mut args = vec!["load-defaults".to_owned()];
    args.extend(cases.iter().map(|(path, _)| path.display().to_string()));
    let loaded = support::harness(&args);
    for (path, values) in &cases {
        let loaded = &loaded[path.display().to_string()];
        for (name, value) in values {
            assert_eq!(
                as_struct_value(&loaded[name]),
                as_struct_value(value),
                "default of `{name}` in {}:\n{}",
                path.display(),
                std::fs::read_to_string(path).unwrap()
            );
        }
    }
}
