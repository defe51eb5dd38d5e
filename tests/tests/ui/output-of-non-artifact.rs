use vertex_runtime::prelude::*;

#[vertex_component]
fn count(rows: Output<i64>) {
    let _ = rows;
}

fn main() {}
