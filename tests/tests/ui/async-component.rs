use vertex_runtime::prelude::*;

#[vertex_component]
async fn fetch(url: String) -> String {
    url
}

fn main() {}
