use vertex_runtime::prelude::*;

#[vertex_component]
fn double(n: i64) -> i64 {
    n * 2
}

#[vertex_pipeline]
fn doubling(p: &Pipeline, text: ParamRef<String>) {
    p.task(double { n: text });
}

fn main() {}
