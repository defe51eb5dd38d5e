use vertex_runtime::prelude::*;

#[vertex_component]
fn read(#[default(None)] table: Input<Dataset>) {
    let _ = table;
}

fn main() {}
