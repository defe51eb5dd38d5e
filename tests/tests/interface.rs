//! Interface checks the macro cannot make because it does not see the returned type's
//! fields: two outputs named `Output`.

use vertex_runtime::prelude::*;
use vertex_runtime::registry::COMPONENTS;
use vertex_runtime::spec::{component_yaml, Container};

/// Writes a table and also returns a number, both named `Output`.
#[vertex_component]
fn clashing(#[name = "Output"] table: Output<Dataset>) -> i64 {
    drop(table);
    1
}

/// Uses the clashing component.
#[vertex_pipeline]
fn uses_clashing(p: &Pipeline) {
    p.task(clashing {});
}

#[test]
fn two_outputs_named_output_rejected() {
    let entry = COMPONENTS
        .iter()
        .find(|entry| entry.name == "clashing")
        .unwrap();
    let container = Container {
        image: "img:1".to_owned(),
        binary: "/bin/x".to_owned(),
    };
    let error = component_yaml(entry, &container).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid component registry: component `clashing` declares two outputs named `Output`"
    );
}

#[test]
fn pipeline_with_clash_rejected() {
    let entry = vertex_runtime::registry::pipeline("uses-clashing").unwrap();
    let graph = (entry.build)().into_graph();
    assert_eq!(
        graph.errors,
        ["component `clashing` declares two outputs named `Output`"]
    );
}
