use vertex_runtime::prelude::*;

#[vertex_component]
fn login(#[secret] #[default("hunter2")] password: String) -> usize {
    password.len()
}

#[vertex_pipeline]
fn logins(p: &Pipeline, #[secret] #[default(1234)] pin: ParamRef<u32>) {
    let _ = (p, pin);
}

fn main() {}
