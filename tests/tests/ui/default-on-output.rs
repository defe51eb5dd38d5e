use vertex_runtime::prelude::*;

#[vertex_component]
fn write(#[default(None)] report: Output<Markdown>) {
    let _ = report;
}

fn main() {}
