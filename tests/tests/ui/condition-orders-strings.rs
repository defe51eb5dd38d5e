use vertex_runtime::prelude::*;

#[vertex_component]
fn say(text: String) {
    drop(text);
}

#[vertex_pipeline]
fn compare(p: &Pipeline, word: ParamRef<String>) {
    p.condition(word.is_gt("m"), |p| {
        p.task(say { text: "late".into() });
    });
}

fn main() {}
