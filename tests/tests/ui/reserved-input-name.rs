use vertex_runtime::prelude::*;

#[vertex_component]
fn regularize(#[name = "lambda"] strength: f64) -> f64 {
    strength
}

fn main() {}
