//! Parses the text of a `--param` value against each parameter type, and decodes the parsed
//! value into the Rust types of that parameter type.
//!
//! The input is one byte choosing the type, then the text. Checks:
//! - nothing panics;
//! - an accepted value fits its type, parses again from its own JSON to the same value, and
//!   is the JSON of the text (the text itself for `STRING`);
//! - `check_type` and the Rust decoders agree;
//! - a value that a Rust type decodes and encodes decodes back to the same value;
//! - an error message is one line.

#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use vertex_runtime::param::{check_type, parse_text_value};
use vertex_runtime::{Parameter, ParameterType};

const TYPES: [ParameterType; 6] = [
    ParameterType::NumberDouble,
    ParameterType::NumberInteger,
    ParameterType::String,
    ParameterType::Boolean,
    ParameterType::List,
    ParameterType::Struct,
];

/// Decodes `value` as `T`; when that works and the result encodes, the encoding must decode
/// to the same value. Returns whether `T` decoded it.
fn round_trip<T: Parameter + PartialEq + Debug>(value: &Value) -> bool {
    let Ok(decoded) = T::decode(value) else {
        return false;
    };
    if let Ok(encoded) = decoded.encode() {
        let text = encoded.to_string();
        let reparsed: Value = serde_json::from_str(&text).expect("an encoding is valid JSON");
        assert_eq!(
            T::decode(&reparsed).as_ref(),
            Ok(&decoded),
            "{value} -> {text}"
        );
    }
    true
}

fn check_rust_types(parameter_type: ParameterType, value: &Value) {
    let fits = check_type(parameter_type, value).is_ok();
    match parameter_type {
        ParameterType::NumberInteger => {
            // Every integer that fits the IR type fits `i128`.
            assert_eq!(round_trip::<i128>(value), fits, "{value}");
            round_trip::<i8>(value);
            round_trip::<i16>(value);
            round_trip::<i32>(value);
            round_trip::<i64>(value);
            round_trip::<isize>(value);
            round_trip::<u8>(value);
            round_trip::<u16>(value);
            round_trip::<u32>(value);
            round_trip::<u64>(value);
            round_trip::<u128>(value);
            round_trip::<usize>(value);
        }
        ParameterType::NumberDouble => {
            assert_eq!(round_trip::<f64>(value), fits, "{value}");
            round_trip::<f32>(value);
        }
        ParameterType::String => assert_eq!(round_trip::<String>(value), fits),
        ParameterType::Boolean => assert_eq!(round_trip::<bool>(value), fits),
        ParameterType::List => {
            round_trip::<Vec<i64>>(value);
            round_trip::<Vec<u8>>(value);
            round_trip::<Vec<f64>>(value);
            round_trip::<Vec<String>>(value);
            round_trip::<Vec<Vec<i32>>>(value);
            round_trip::<Vec<bool>>(value);
        }
        ParameterType::Struct => {
            assert_eq!(round_trip::<Value>(value), fits, "{value}");
            assert_eq!(round_trip::<Map<String, Value>>(value), fits, "{value}");
            round_trip::<BTreeMap<String, f64>>(value);
            round_trip::<HashMap<String, u32>>(value);
            round_trip::<BTreeMap<String, Vec<String>>>(value);
        }
        // Only exit tasks take a final status, never from the command line.
        ParameterType::TaskFinalStatus => {
            round_trip::<vertex_runtime::PipelineTaskFinalStatus>(value);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let parameter_type = TYPES[usize::from(selector) % TYPES.len()];
    match parse_text_value(parameter_type, text) {
        Ok(value) => {
            assert!(check_type(parameter_type, &value).is_ok(), "{value}");
            if parameter_type == ParameterType::String {
                assert_eq!(value, Value::String(text.to_owned()));
            } else {
                let json: Value = serde_json::from_str(text).expect("accepted text is JSON");
                assert_eq!(json, value);
                let again = parse_text_value(parameter_type, &value.to_string());
                assert_eq!(again.as_ref(), Ok(&value));
            }
            check_rust_types(parameter_type, &value);
        }
        Err(message) => {
            assert_ne!(parameter_type, ParameterType::String);
            assert!(!message.contains('\n'), "multi-line message: {message:?}");
        }
    }
    // Any JSON the text contains goes through the decoders of every type, accepted or not.
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        for parameter_type in TYPES {
            check_rust_types(parameter_type, &value);
        }
    }
});
