//! Compile-fail cases of the macros: each file under `tests/ui/` contains one mistake, and
//! the `.stderr` file beside it the diagnostics the compiler prints for that mistake.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
