use vertex_runtime::prelude::*;

#[vertex_component]
fn train(table: Input<Dataset>, model: Output<Model>) {
    let _ = (table, model);
}

#[vertex_component]
fn evaluate(table: Input<Dataset>) {
    let _ = table;
}

#[vertex_pipeline]
fn training(p: &Pipeline, table: ArtifactRef<Dataset>) {
    let trained = p.task(train { table });
    p.task(evaluate {
        table: trained.model.clone(),
    });
}

fn main() {}
