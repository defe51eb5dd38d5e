//! The expansion of the macros triggers no lint in the user's crate, and the `crate` option
//! reaches the runtime through a path of the user's choosing.

use serde_json::json;
use vertex_runtime::component::{InputDef, OutputDef, ValueKind};
use vertex_runtime::registry::{COMPONENTS, PIPELINES};
use vertex_runtime::ParameterType;

/// Components and a pipeline written under strict lints.
pub mod linted {
    #![deny(
        warnings,
        missing_docs,
        unused_qualifications,
        unused_results,
        unreachable_pub,
        non_camel_case_types,
        non_snake_case,
        non_upper_case_globals,
        dead_code,
        unsafe_code,
        trivial_casts,
        trivial_numeric_casts,
        single_use_lifetimes,
        elided_lifetimes_in_paths,
        unused_lifetimes,
        unused_import_braces,
        variant_size_differences,
        clippy::all,
        clippy::pedantic
    )]

    use vertex_runtime::prelude::*;
    use vertex_runtime::Outputs;

    /// Counts of a table.
    #[derive(Debug, Outputs)]
    pub struct Counts {
        total_rows: i64,
        kept_rows: i64,
    }

    /// Keeps the rows of a table that are long enough.
    ///
    /// # Arguments
    /// * `table` - the rows, one a line
    /// * `min_len` - shortest row kept
    /// * `note` - appended to the copy
    ///
    /// # Errors
    /// When the table cannot be read or the copy cannot be written.
    #[vertex_component]
    // A component takes its artifacts by value, whether it consumes them or not.
    #[allow(clippy::needless_pass_by_value)]
    pub fn keep_long(
        table: Input<Dataset>,
        #[default(3)] min_len: usize,
        note: Option<String>,
        long_rows: Output<Dataset>,
    ) -> anyhow::Result<Counts> {
        let text = std::fs::read_to_string(table.path())?;
        let rows: Vec<&str> = text.lines().collect();
        let long_enough: Vec<&str> = rows
            .iter()
            .copied()
            .filter(|row| row.len() >= min_len)
            .collect();
        long_rows.write(format!(
            "{}\n{}",
            long_enough.join("\n"),
            note.unwrap_or_default()
        ))?;
        Ok(Counts {
            total_rows: i64::try_from(rows.len())?,
            kept_rows: i64::try_from(long_enough.len())?,
        })
    }

    /// Keeps long rows twice over.
    ///
    /// # Arguments
    /// * `table` - the rows
    /// * `min_len` - shortest row kept
    #[vertex_pipeline]
    pub fn keep_long_twice(
        p: &Pipeline,
        table: ArtifactRef<Dataset>,
        #[default(5)] min_len: ParamRef<usize>,
    ) {
        let first = p.task(keep_long {
            table,
            min_len: Some(min_len),
            note: None,
        });
        let second = p.task(keep_long {
            table: first.long_rows.clone(),
            min_len: None,
            note: Some("twice".into()),
        });
        p.output("kept", &second.long_rows);
        p.output("rows", &first.total_rows);
    }
}

/// The runtime under another name, as a crate that wraps it would re-export it.
mod reexport {
    pub use vertex_runtime as vx;
}

mod renamed {
    use crate::reexport::vx;

    /// Scales a number.
    #[vx::vertex_component(crate = "crate::reexport::vx", name = "scale-renamed")]
    pub(crate) fn scale(x: f64, #[default(2.0)] factor: f64) -> f64 {
        x * factor
    }

    /// Scales a number once.
    #[vx::vertex_pipeline(crate = "crate::reexport::vx")]
    pub(crate) fn scale_once(p: &vx::Pipeline, x: vx::ParamRef<f64>) {
        let scaled = p.task(scale { x, factor: None });
        p.output("scaled", &scaled.output);
    }
}

fn component(name: &str) -> &'static vertex_runtime::registry::ComponentEntry {
    COMPONENTS
        .iter()
        .find(|entry| entry.name == name)
        .unwrap_or_else(|| panic!("component `{name}` is not registered"))
}

fn parameter(
    name: &str,
    parameter_type: ParameterType,
    default: Option<serde_json::Value>,
    description: Option<&str>,
) -> InputDef {
    InputDef {
        name: name.to_owned(),
        kind: ValueKind::Parameter(parameter_type),
        optional: default.is_some(),
        default,
        description: description.map(str::to_owned),
    }
}

#[test]
fn linted_component_interface() {
    let interface = (component("keep-long").interface)();
    assert_eq!(
        interface.description.as_deref(),
        Some("Keeps the rows of a table that are long enough.")
    );
    let names: Vec<&str> = interface
        .inputs
        .iter()
        .map(|input| input.name.as_str())
        .collect();
    assert_eq!(names, ["table", "min_len", "note"]);
    assert_eq!(
        interface.inputs[1],
        parameter(
            "min_len",
            ParameterType::NumberInteger,
            Some(json!(3)),
            Some("shortest row kept")
        )
    );
    assert!(interface.inputs[2].optional);
    let outputs: Vec<&str> = interface
        .outputs
        .iter()
        .map(|output| output.name.as_str())
        .collect();
    assert_eq!(outputs, ["long_rows", "total_rows", "kept_rows"]);
}

#[test]
fn linted_pipeline_graph() {
    let entry = PIPELINES
        .iter()
        .find(|entry| entry.name == "keep-long-twice")
        .expect("pipeline `keep-long-twice` is not registered");
    let pipeline = (entry.build)();
    let graph = pipeline.graph();
    let tasks: Vec<&str> = graph.tasks.iter().map(|task| task.id.as_str()).collect();
    assert_eq!(tasks, ["keep-long", "keep-long-2"]);
    assert_eq!(graph.inputs[1].default, Some(json!(5)));
}

#[test]
fn crate_option_uses_reexport() {
    let entry = component("scale-renamed");
    assert!(
        entry.rust_path.ends_with("::renamed::scale"),
        "{}",
        entry.rust_path
    );
    let interface = (entry.interface)();
    assert_eq!(interface.description.as_deref(), Some("Scales a number."));
    assert_eq!(
        interface.inputs,
        [
            parameter("x", ParameterType::NumberDouble, None, None),
            parameter(
                "factor",
                ParameterType::NumberDouble,
                Some(json!(2.0)),
                None
            ),
        ]
    );
    assert_eq!(
        interface.outputs,
        [OutputDef::parameter("Output", ParameterType::NumberDouble)]
    );

    let pipeline = PIPELINES
        .iter()
        .find(|entry| entry.name == "scale-once")
        .expect("pipeline `scale-once` is not registered");
    let graph = (pipeline.build)();
    assert_eq!(graph.graph().tasks[0].id.as_str(), "scale-renamed");
}
