use vertex_runtime::prelude::*;

#[vertex_component]
fn read(#[secret] table: Input<Dataset>) {
    let _ = table;
}

fn main() {}
