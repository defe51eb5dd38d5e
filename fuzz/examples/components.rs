//! The fuzz crate's components behind the usual command line, so that `spec` prints their
//! YAML for kfp to build real executor inputs from (see `fuzz/make_seeds.sh`).

/// The components, in their own module so that their imports stay apart.
#[allow(dead_code)]
mod components {
    include!("../src/components.rs");
}

fn main() -> std::process::ExitCode {
    vertex_runtime::main()
}
