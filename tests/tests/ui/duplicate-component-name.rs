use vertex_runtime::prelude::*;

#[vertex_component(name = "add")]
fn add_integers(a: i64, b: i64) -> i64 {
    a + b
}

#[vertex_component(name = "add")]
fn add_floats(a: f64, b: f64) -> f64 {
    a + b
}

fn main() {}
