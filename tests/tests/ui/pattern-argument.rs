use vertex_runtime::prelude::*;

#[vertex_component]
fn add((a, b): (i64, i64)) -> i64 {
    a + b
}

fn main() {}
