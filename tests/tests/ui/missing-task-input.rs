use vertex_runtime::prelude::*;

#[vertex_component]
fn add(a: i64, #[default(0)] b: i64) -> i64 {
    a + b
}

#[vertex_pipeline]
fn adding(p: &Pipeline, b: ParamRef<i64>) {
    p.task(add { b: Some(b) });
}

fn main() {}
