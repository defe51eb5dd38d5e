use vertex_runtime::prelude::*;

struct Settings {
    depth: u32,
}

#[vertex_component]
fn train(settings: Settings) -> u32 {
    settings.depth
}

fn main() {}
