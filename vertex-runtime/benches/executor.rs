//! Micro-benchmarks of the executor contract and of spec emission, through the public API.
//! They decode a small executor input and the largest one Linux passes as a single
//! argument, encode an executor output, and emit a component spec and a 1,000-task
//! pipeline spec.
//!
//! `cargo bench -p vertex-runtime --bench executor`; bench/vs-kfp.sh runs it too.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Map};
use vertex_runtime::contract::{
    parse_executor_input, ArtifactList, ExecutorOutput, RuntimeArtifact,
};
use vertex_runtime::prelude::*;
use vertex_runtime::spec::{component_yaml, pipeline_yaml, Container};
use vertex_runtime::Parameter;

/// Linux caps one argument (`MAX_ARG_STRLEN`) at 32 pages, 131,072 bytes with the final NUL.
const LARGEST_ARGUMENT: usize = 131_071;

/// Adds two integers.
///
/// # Arguments
/// * `a` - first term
/// * `b` - second term
#[vertex_component]
fn add(a: i64, #[default(0)] b: i64) -> i64 {
    a + b
}

/// Adds one to an integer: the task of the 1,000-task chain.
#[vertex_component]
fn add_one(x: i64) -> i64 {
    x + 1
}

fn small_input(dir: &str) -> String {
    json!({
        "inputs": {"parameterValues": {"a": 40, "b": 2}},
        "outputs": {
            "parameters": {"Output": {"outputFile": format!("{dir}/Output")}},
            "outputFile": format!("{dir}/executor_output.json"),
        }
    })
    .to_string()
}

/// Builds the executor input of bench/vertex-bench's `sum-floats` with as many floats as
/// fit in `LARGEST_ARGUMENT` bytes, padded with spaces to exactly that size. The floats are
/// `1 + frac(i * 0.618...)`, the same as bench/vs-kfp.sh writes.
fn largest_input(dir: &str) -> String {
    let head = r#"{"inputs":{"parameterValues":{"values":["#;
    let tail = format!(
        r#"]}}}},"outputs":{{"parameters":{{"Output":{{"outputFile":"{dir}/Output"}}}},"outputFile":"{dir}/executor_output.json"}}}}"#
    );
    let mut items: Vec<String> = Vec::new();
    let mut length = head.len() + tail.len();
    for i in 1_u32.. {
        let x = f64::from(i) * 0.618_033_988_749_894_9;
        let item = (1.0 + (x - x.floor())).to_string();
        let extra = item.len() + usize::from(!items.is_empty());
        if length + extra > LARGEST_ARGUMENT {
            break;
        }
        length += extra;
        items.push(item);
    }
    let padding = " ".repeat(LARGEST_ARGUMENT - length);
    let text = format!("{head}{}{tail}{padding}", items.join(","));
    assert_eq!(text.len(), LARGEST_ARGUMENT);
    text
}

fn decode(c: &mut Criterion) {
    let small = small_input("/tmp/out");
    c.bench_function("decode/small", |b| {
        b.iter(|| {
            let input = parse_executor_input(black_box(&small)).unwrap();
            let values = &input.inputs.parameter_values;
            (
                i64::decode(&values["a"]).unwrap(),
                i64::decode(&values["b"]).unwrap(),
            )
        })
    });
    let largest = largest_input("/tmp/out");
    c.bench_function("decode/largest_131071_bytes", |b| {
        b.iter(|| {
            let input = parse_executor_input(black_box(&largest)).unwrap();
            Vec::<f64>::decode(&input.inputs.parameter_values["values"]).unwrap()
        })
    });
}

fn encode(c: &mut Criterion) {
    c.bench_function("encode/parameter_and_two_artifacts", |b| {
        b.iter(|| {
            let mut output = ExecutorOutput::default();
            let value = black_box(42_i64).encode().unwrap();
            output.parameter_values.insert("Output".into(), value);
            for name in ["data", "metrics"] {
                let mut metadata = Map::new();
                metadata.insert("rows".into(), json!(black_box(150.0)));
                let artifact = RuntimeArtifact::new(name, format!("/tmp/out/{name}"), metadata);
                output
                    .artifacts
                    .insert(name.into(), ArtifactList::new(vec![artifact]));
            }
            serde_json::to_vec(&output).unwrap()
        })
    });
}

fn spec(c: &mut Criterion) {
    let container = Container {
        image: "europe-docker.pkg.dev/project/repo/bench:1.0".into(),
        binary: "/usr/local/bin/bench".into(),
    };
    let entry = vertex_runtime::registry::component("add").unwrap();
    c.bench_function("spec/component_yaml", |b| {
        b.iter(|| component_yaml(black_box(entry), &container).unwrap())
    });
    let chain = |n: usize| {
        let p = Pipeline::new("chain-1000", None);
        let mut last = p.task(add_one { x: 0.into() });
        for _ in 1..n {
            last = p.task(add_one {
                x: last.output.clone(),
            });
        }
        p
    };
    c.bench_function("pipeline/build_chain_1000", |b| {
        b.iter(|| chain(black_box(1000)))
    });
    let pipeline = chain(1000);
    let graph = pipeline.graph();
    c.bench_function("pipeline/yaml_chain_1000", |b| {
        b.iter(|| pipeline_yaml(black_box(&graph), &container, &BTreeMap::new()).unwrap())
    });
}

criterion_group!(benches, decode, encode, spec);
criterion_main!(benches);
