use vertex_runtime::prelude::*;

#[vertex_component(image = "python:3.12")]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

fn main() {}
