use vertex_runtime::prelude::*;

#[vertex_component]
fn echo<T: vertex_runtime::Parameter>(value: T) -> T {
    value
}

fn main() {}
