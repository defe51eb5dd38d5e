use vertex_runtime::prelude::*;

#[vertex_component(name = "Bad_Name")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
