use vertex_runtime::prelude::*;

struct Report {
    rows: i64,
}

#[vertex_component]
fn summarize(rows: i64) -> Report {
    Report { rows }
}

fn main() {}
