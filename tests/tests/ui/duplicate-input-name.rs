use vertex_runtime::prelude::*;

#[vertex_component]
fn add(#[name = "term"] a: i64, #[name = "term"] b: i64) -> i64 {
    a + b
}

fn main() {}
