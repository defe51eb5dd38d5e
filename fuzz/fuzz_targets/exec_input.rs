//! Decodes an executor input and dispatches it to a component, as `BIN exec` does.
//!
//! The input is `COMPONENT\nJSON`, or JSON alone for `every-kind`. Every path the runtime
//! would write to is first moved under a scratch directory (see `vertex_fuzz::confine`).
//!
//! Checks:
//! - nothing panics outside a component;
//! - an input the parser rejects fails with an executor-input or usage error;
//! - a parsed input survives a JSON round trip;
//! - after a failure no executor output exists, and after success it exists, parses and
//!   contains every declared output;
//! - no temporary file is left;
//! - the error message is one line, unless the input put a line break into a value that
//!   messages quote whole (a known bug, see docs/reliability.md).

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vertex_runtime::component::ValueKind;
use vertex_runtime::contract::{parse_executor_input, ExecutorOutput};
use vertex_runtime::{dispatch, registry, Error};

/// The components, in their own module so that their imports stay apart.
#[allow(dead_code)]
mod components {
    include!("../src/components.rs");
}

/// Returns the scratch directory of this process, which `reset` empties before each input.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("vertex-fuzz-exec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Set once, before the runtime first reads it.
        std::env::set_var(dispatch::MOUNT_ROOT_ENV, &dir);
        for name in ["every-kind", "optional-kinds", "sum"] {
            registry::component(name).expect("the components are linked");
        }
        dir
    })
}

fn reset(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
}

/// Returns the JSON strings written in `text`, keys and values, decoded; the last one may be
/// unterminated. This scans the text, so it also works on text that does not parse.
fn json_strings(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut strings = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'"' {
            index += 1;
            continue;
        }
        let start = index;
        index += 1;
        while index < bytes.len() && bytes[index] != b'"' {
            index += if bytes[index] == b'\\' { 2 } else { 1 };
        }
        let literal = match text.get(start..=index.min(bytes.len() - 1)) {
            Some(literal) if index < bytes.len() => literal.to_owned(),
            _ => format!("{}\"", &text[start..]),
        };
        strings.extend(serde_json::from_str::<String>(&literal).ok());
        index += 1;
    }
    strings
}

/// Checks that `error` is one line, except where a line break comes from quoting a string of
/// the input as it is, or the component name, or the start of an input that is not an
/// object: known bugs, see docs/reliability.md.
fn check_message(error: &Error, component: &str, json: &str) {
    let message = error.to_string();
    if message.contains("expected a JSON object, got `") {
        return;
    }
    let mut quoted: Vec<String> = json_strings(json)
        .into_iter()
        .filter(|text| text.contains(['\n', '\r']))
        .collect();
    quoted.push(component.to_owned());
    quoted.sort_by_key(|text| std::cmp::Reverse(text.len()));
    let mut rest = message.clone();
    for text in quoted.iter().filter(|text| !text.is_empty()) {
        rest = rest.replace(text.as_str(), "");
    }
    assert!(!rest.contains('\n'), "multi-line message: {message:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (component, json) = match text.split_once('\n') {
        Some((name, rest)) if !name.trim_start().starts_with('{') => (name, rest),
        _ => ("every-kind", text),
    };
    let dir = scratch();
    reset(dir);
    let output_file = vertex_fuzz::output_file(dir);

    let mut input = match parse_executor_input(json) {
        Ok(input) => input,
        Err(_) => {
            // Refused by the parser: `exec` must fail the same way and write nothing.
            let error =
                dispatch::exec(component, json).expect_err("exec accepted what the parser refused");
            assert!(
                matches!(error, Error::ExecutorInput(_) | Error::Usage(_)),
                "unexpected kind: {error:?}"
            );
            check_message(&error, component, json);
            assert!(!output_file.exists());
            return;
        }
    };
    let again = serde_json::to_string(&input).expect("a parsed input serializes");
    assert_eq!(
        parse_executor_input(&again).as_ref(),
        Ok(&input),
        "round trip changed the input: {again}"
    );

    vertex_fuzz::confine(&mut input, dir);
    let confined = serde_json::to_string(&input).unwrap();
    let result = dispatch::exec(component, &confined);
    let stray = vertex_fuzz::stray_files(dir);
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
    match result {
        Err(error) => {
            check_message(&error, component, json);
            assert!(
                !output_file.exists(),
                "{error} but an executor output exists"
            );
        }
        Ok(()) => {
            let bytes = std::fs::read(&output_file).expect("success writes the executor output");
            let output: ExecutorOutput = serde_json::from_slice(&bytes).expect("valid output");
            let entry = registry::component(component).unwrap();
            for declared in (entry.interface)().outputs {
                let present = match declared.kind {
                    ValueKind::Parameter(_) => output.parameter_values.contains_key(&declared.name),
                    ValueKind::Artifact { .. } => output.artifacts.contains_key(&declared.name),
                };
                assert!(present, "output `{}` missing: {output:?}", declared.name);
            }
        }
    }
});
