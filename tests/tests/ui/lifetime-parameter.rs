use std::borrow::Cow;

use vertex_runtime::prelude::*;

#[vertex_component]
fn shout(text: Cow<'_, str>) -> String {
    text.to_uppercase()
}

fn main() {}
