use vertex_runtime::prelude::*;

#[vertex_component]
fn double(n: i64) -> i64 {
    n * 2
}

#[vertex_pipeline]
fn doubling(p: &Pipeline, items: ParamRef<Vec<i64>>) {
    let doubled = p.parallel_for(items, None, |p, item| p.task(double { n: item }).output.clone());
    p.task(double { n: doubled });
}

fn main() {}
