use vertex_runtime::prelude::*;

struct Counter;

impl Counter {
    #[vertex_component]
    fn count(&self, rows: i64) -> i64 {
        rows
    }
}

fn main() {}
