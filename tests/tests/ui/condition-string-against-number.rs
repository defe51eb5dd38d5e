use vertex_runtime::prelude::*;

#[vertex_component]
fn name() -> String {
    "go".to_owned()
}

#[vertex_component]
fn say(text: String) {
    drop(text);
}

#[vertex_pipeline]
fn compare(p: &Pipeline) {
    let named = p.task(name {});
    p.condition(named.output.is_eq(5), |p| {
        p.task(say { text: "five".into() });
    });
}

fn main() {}
