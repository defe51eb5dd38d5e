use vertex_runtime::prelude::*;

#[vertex_component]
fn shout(text: &str) -> String {
    text.to_uppercase()
}

fn main() {}
