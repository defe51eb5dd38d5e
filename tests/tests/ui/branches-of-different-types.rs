use vertex_runtime::prelude::*;

#[vertex_component]
fn count() -> i64 {
    1
}

#[vertex_component]
fn name() -> String {
    "one".to_owned()
}

#[vertex_pipeline]
fn merged(p: &Pipeline, flag: ParamRef<bool>) -> ParamRef<i64> {
    p.branches()
        .when(flag.is_eq(true), |p| p.task(count {}).output.clone())
        .otherwise(|p| p.task(name {}).output.clone())
}

fn main() {}
