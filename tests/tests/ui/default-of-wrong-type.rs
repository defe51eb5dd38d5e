use vertex_runtime::prelude::*;

#[vertex_component]
fn repeat(#[default("x")] n: i64) -> i64 {
    n
}

fn main() {}
