use vertex_runtime::Outputs;

#[derive(Outputs)]
struct Scores(f64, i64);

fn main() {}
