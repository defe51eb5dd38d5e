use vertex_runtime::prelude::*;

#[vertex_pipeline(version = "2")]
fn empty(p: &Pipeline) {
    let _ = p;
}

fn main() {}
