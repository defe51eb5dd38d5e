use vertex_runtime::prelude::*;

#[vertex_component]
fn area(size: (i64, i64)) -> i64 {
    size.0 * size.1
}

fn main() {}
