//! Two components named `same` in different modules: the compiler cannot see both, so the
//! binary must stop at start-up before it runs anything.

mod first {
    use vertex_runtime::prelude::*;

    /// Returns one.
    #[vertex_component(name = "same")]
    pub fn one() -> i64 {
        1
    }
}

mod second {
    use vertex_runtime::prelude::*;

    /// Returns two.
    #[vertex_component(name = "same")]
    pub fn two() -> i64 {
        2
    }
}

fn main() -> std::process::ExitCode {
    vertex_runtime::main()
}
