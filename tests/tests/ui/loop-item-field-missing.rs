use serde::{Deserialize, Serialize};
use vertex_runtime::prelude::*;

#[derive(Serialize, Deserialize, Parameter)]
struct Pair {
    a: i64,
    b: i64,
}

#[vertex_component]
fn double(n: i64) -> i64 {
    n * 2
}

#[vertex_pipeline]
fn doubling(p: &Pipeline, pairs: ParamRef<Vec<Pair>>) {
    p.parallel_for(pairs, None, |p, pair| {
        p.task(double { n: pair.fields().c });
    });
}

fn main() {}
