//! Compile-fail cases of the macros: each file under `tests/ui/` holds one mistake, and its
//! `.stderr` holds the diagnostics the compiler prints for it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
