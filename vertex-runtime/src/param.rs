//! Parameter values: how each Rust type maps to a KFP parameter type and how its value is
//! decoded from, and encoded to, the JSON of the executor input and output.
//!
//! KFP carries every parameter as a protobuf `Value`, which has a single number kind (a
//! double). So a whole number may arrive as `5` or `5.0`, and numbers nested in lists and
//! structs arrive as floats. Decoding accepts both forms, rejects fractions, booleans and
//! strings for integers, and range-checks every integer type.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::{Map, Number, Value};

/// Largest magnitude up to which every whole `f64` is exact (2^53).
const MAX_EXACT_FLOAT: f64 = 9_007_199_254_740_992.0;

/// Magnitude from which a float cannot carry a fraction (2^52): parsing `4503599627370496.3`
/// gives a whole number, and `9007199254740993.0` gives 2^53. A whole number written as a
/// float is taken as an integer only below it.
const MIN_FLOAT_WITHOUT_FRACTION: f64 = 4_503_599_627_370_496.0;

/// A KFP parameter type, spelled as in the pipeline IR (`parameterType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParameterType {
    /// `NUMBER_DOUBLE`: `f32` and `f64`.
    NumberDouble,
    /// `NUMBER_INTEGER`: every integer type.
    NumberInteger,
    /// `STRING`: `String`.
    String,
    /// `BOOLEAN`: `bool`.
    Boolean,
    /// `LIST`: `Vec<T>`.
    List,
    /// `STRUCT`: maps, `serde_json::Value` and structs deriving [`Parameter`](derive@crate::Parameter).
    Struct,
    /// `TASK_FINAL_STATUS`: [`PipelineTaskFinalStatus`], the input of an exit task.
    TaskFinalStatus,
}

impl ParameterType {
    /// Returns the IR name, for example `NUMBER_INTEGER`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NumberDouble => "NUMBER_DOUBLE",
            Self::NumberInteger => "NUMBER_INTEGER",
            Self::String => "STRING",
            Self::Boolean => "BOOLEAN",
            Self::List => "LIST",
            Self::Struct => "STRUCT",
            Self::TaskFinalStatus => "TASK_FINAL_STATUS",
        }
    }

    /// Returns the Python annotation kfp shows for this type, as in `int` or `dict`.
    pub fn python_name(self) -> &'static str {
        match self {
            Self::NumberDouble => "float",
            Self::NumberInteger => "int",
            Self::String => "str",
            Self::Boolean => "bool",
            Self::List => "list",
            Self::Struct => "dict",
            Self::TaskFinalStatus => "PipelineTaskFinalStatus",
        }
    }
}

impl fmt::Display for ParameterType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ParameterType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A value that does not fit the expected parameter type.
///
/// `path` locates the offending part inside a list or struct value (`[2]`, `.depth`), and is
/// empty when the whole value is at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError {
    path: String,
    message: String,
}

impl ValueError {
    /// Creates an error about the whole value.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            path: String::new(),
            message: message.into(),
        }
    }

    /// Creates an error for a value that is not of the `expected` kind.
    pub fn expected(expected: &str, found: &Value) -> Self {
        Self::new(format!("expected {expected}, got {}", describe(found)))
    }

    fn within(mut self, segment: impl fmt::Display) -> Self {
        self.path = format!("{segment}{}", self.path);
        self
    }

    /// Returns the location inside the value, such as `[2].depth`, or `""`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at `{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ValueError {}

/// Shortens a text for an error message, as [`describe`] does for JSON values.
/// Control characters are escaped, so the message stays on one line.
pub(crate) fn shorten_text(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut shown = String::new();
    for c in text.chars().take(MAX_CHARS) {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    if text.chars().count() > MAX_CHARS {
        shown.push_str(&format!("... ({} bytes)", text.len()));
    }
    shown
}

/// Renders a JSON value for an error message, shortened when long.
pub(crate) fn describe(value: &Value) -> String {
    const MAX_CHARS: usize = 60;
    let text = value.to_string();
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    let head: String = text.chars().take(MAX_CHARS).collect();
    format!("{head}... ({} bytes)", text.len())
}

/// A Rust type that can be a KFP parameter: a component input, a returned output, a default
/// or a pipeline parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported parameter type",
    label = "not a KFP parameter type",
    note = "supported: `String`, `bool`, integer types, `f32`, `f64`, `Vec<T>`, maps with `String` keys, `serde_json::Value`, and structs with `#[derive(Serialize, Deserialize, Parameter)]`"
)]
pub trait Parameter: Sized {
    /// The IR type this Rust type maps to.
    const TYPE: ParameterType;

    /// Whether an input of this type is optional in the spec even without a default. Only
    /// the final status of an exit task is, because kfp declares it so.
    const OPTIONAL_INPUT: bool = false;

    /// Decodes a value received in an executor input.
    fn decode(value: &Value) -> Result<Self, ValueError>;

    /// Encodes the value for an executor output or a spec.
    fn encode(&self) -> Result<Value, ValueError>;
}

impl Parameter for String {
    const TYPE: ParameterType = ParameterType::String;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        match value {
            Value::String(text) => Ok(text.clone()),
            other => Err(ValueError::expected("a string", other)),
        }
    }

    fn encode(&self) -> Result<Value, ValueError> {
        Ok(Value::String(self.clone()))
    }
}

impl Parameter for bool {
    const TYPE: ParameterType = ParameterType::Boolean;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        match value {
            Value::Bool(flag) => Ok(*flag),
            other => Err(ValueError::expected("a boolean", other)),
        }
    }

    fn encode(&self) -> Result<Value, ValueError> {
        Ok(Value::Bool(*self))
    }
}

/// A whole number as decoding reads it.
enum Whole {
    /// An integer, exact.
    Exact(i128),
    /// A whole double of ±2^52 or more: a number written with a fraction or an exponent, or
    /// an integer beyond 64 bits, which serde_json reads as a double. Neither the written
    /// integer nor whether it had a fraction can be recovered from it.
    Double(f64),
}

/// Reads a whole number that may be written as an integer (`5`) or a float (`5.0`).
fn decode_whole(value: &Value) -> Result<Whole, ValueError> {
    let Value::Number(number) = value else {
        return Err(ValueError::expected("an integer", value));
    };
    if let Some(int) = number.as_i64() {
        return Ok(Whole::Exact(int.into()));
    }
    if let Some(uint) = number.as_u64() {
        return Ok(Whole::Exact(uint.into()));
    }
    let float = number.as_f64().unwrap_or(f64::NAN);
    if float.fract() != 0.0 || !float.is_finite() {
        return Err(ValueError::expected("an integer", value));
    }
    if float.abs() >= MIN_FLOAT_WITHOUT_FRACTION {
        return Ok(Whole::Double(float));
    }
    // The float is whole and below 2^52, so the conversion is exact.
    Ok(Whole::Exact(float as i128))
}

fn out_of_range(
    shown: impl fmt::Display,
    int: &str,
    min: impl fmt::Display,
    max: impl fmt::Display,
) -> ValueError {
    ValueError::new(format!(
        "integer {shown} is out of range for `{int}` ({min} to {max})"
    ))
}

/// Returns whether a [`Whole::Double`] lies beyond the range of an integer type of `bits` bits by
/// more than rounding explains. A double at a bound may come from an integer in range.
fn beyond_range(float: f64, bits: u32, signed: bool) -> bool {
    let bits = i32::try_from(bits).unwrap_or(i32::MAX);
    let (low, high) = if signed {
        let half = 2f64.powi(bits - 1);
        (-half, half)
    } else {
        (0.0, 2f64.powi(bits))
    };
    float < low || float > high
}

/// Returns the error for a [`Whole::Double`] in range, whose written integer is unknown.
fn inexact(value: &Value) -> ValueError {
    ValueError::new(format!(
        "integer {value} is read as a double of ±2^52 or more, which cannot carry every \
         integer or any fraction: write it with digits only, within the 64-bit range"
    ))
}

macro_rules! integer_parameters {
    ($($int:ty),* $(,)?) => {$(
        impl Parameter for $int {
            const TYPE: ParameterType = ParameterType::NumberInteger;

            fn decode(value: &Value) -> Result<Self, ValueError> {
                let name = stringify!($int);
                let whole = match decode_whole(value)? {
                    Whole::Exact(whole) => whole,
                    Whole::Double(float) => {
                        return Err(if beyond_range(float, <$int>::BITS, <$int>::MIN != 0) {
                            out_of_range(value, name, <$int>::MIN, <$int>::MAX)
                        } else {
                            inexact(value)
                        });
                    }
                };
                <$int>::try_from(whole)
                    .map_err(|_| out_of_range(whole, name, <$int>::MIN, <$int>::MAX))
            }

            fn encode(&self) -> Result<Value, ValueError> {
                encode_integer(i128::try_from(*self).ok())
            }
        }
    )*};
}

integer_parameters!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

/// Encodes an integer, rejecting magnitudes beyond 2^53: KFP carries every number as a
/// double, so a larger one would reach downstream tasks changed.
fn encode_integer(value: Option<i128>) -> Result<Value, ValueError> {
    let value = value.ok_or_else(|| ValueError::new("integer does not fit in JSON"))?;
    if value.unsigned_abs() > 1 << 53 {
        return Err(ValueError::new(format!(
            "integer {value} is beyond ±2^53, which KFP cannot carry exactly because it passes \
             numbers as doubles; pass it as a string"
        )));
    }
    if let Ok(int) = i64::try_from(value) {
        return Ok(Value::from(int));
    }
    u64::try_from(value)
        .map(Value::from)
        .map_err(|_| ValueError::new(format!("integer {value} does not fit in a JSON number")))
}

fn decode_float(value: &Value) -> Result<f64, ValueError> {
    match value {
        Value::Number(number) => number
            .as_f64()
            .ok_or_else(|| ValueError::expected("a number", value)),
        other => Err(ValueError::expected("a number", other)),
    }
}

fn encode_float(value: f64) -> Result<Value, ValueError> {
    Number::from_f64(value).map(Value::Number).ok_or_else(|| {
        ValueError::new(format!(
            "{value} is not a finite number, which JSON cannot represent"
        ))
    })
}

impl Parameter for f64 {
    const TYPE: ParameterType = ParameterType::NumberDouble;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_float(value)
    }

    fn encode(&self) -> Result<Value, ValueError> {
        encode_float(*self)
    }
}

impl Parameter for f32 {
    const TYPE: ParameterType = ParameterType::NumberDouble;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        let float = decode_float(value)?;
        // Values just above `f32::MAX` still round to it; only those that overflow fail.
        if (float as f32).is_infinite() {
            return Err(ValueError::new(format!(
                "number {value} is out of range for `f32` (±{:e})",
                f32::MAX
            )));
        }
        // In range, so the cast only rounds to the nearest `f32`.
        Ok(float as f32)
    }

    fn encode(&self) -> Result<Value, ValueError> {
        encode_float(f64::from(*self))
    }
}

impl<T: Parameter> Parameter for Vec<T> {
    const TYPE: ParameterType = ParameterType::List;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        let Value::Array(items) = value else {
            return Err(ValueError::expected("a list", value));
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| T::decode(item).map_err(|e| e.within(format_args!("[{index}]"))))
            .collect()
    }

    fn encode(&self) -> Result<Value, ValueError> {
        let items = self
            .iter()
            .enumerate()
            .map(|(index, item)| {
                item.encode()
                    .map_err(|e| e.within(format_args!("[{index}]")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Value::Array(items))
    }
}

fn decode_object(value: &Value) -> Result<&Map<String, Value>, ValueError> {
    match value {
        Value::Object(fields) => Ok(fields),
        other => Err(ValueError::expected("a JSON object", other)),
    }
}

fn decode_entries<T: Parameter, M: FromIterator<(String, T)>>(
    value: &Value,
) -> Result<M, ValueError> {
    decode_object(value)?
        .iter()
        .map(|(key, item)| {
            let decoded = T::decode(item).map_err(|e| e.within(format_args!(".{key}")))?;
            Ok((key.clone(), decoded))
        })
        .collect()
}

fn encode_entries<'a, T: Parameter + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a T)>,
) -> Result<Value, ValueError> {
    let fields = entries
        .map(|(key, item)| {
            let encoded = item
                .encode()
                .map_err(|e| e.within(format_args!(".{key}")))?;
            Ok((key.clone(), encoded))
        })
        .collect::<Result<Map<_, _>, ValueError>>()?;
    Ok(Value::Object(fields))
}

impl<T: Parameter> Parameter for BTreeMap<String, T> {
    const TYPE: ParameterType = ParameterType::Struct;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_entries(value)
    }

    fn encode(&self) -> Result<Value, ValueError> {
        encode_entries(self.iter())
    }
}

impl<T: Parameter, S: std::hash::BuildHasher + Default> Parameter for HashMap<String, T, S> {
    const TYPE: ParameterType = ParameterType::Struct;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_entries(value)
    }

    fn encode(&self) -> Result<Value, ValueError> {
        let sorted: BTreeMap<&String, &T> = self.iter().collect();
        encode_entries(sorted.into_iter())
    }
}

impl Parameter for Value {
    const TYPE: ParameterType = ParameterType::Struct;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_object(value)?;
        Ok(whole_floats_to_integers(value.clone()))
    }

    fn encode(&self) -> Result<Value, ValueError> {
        decode_object(self)?;
        Ok(self.clone())
    }
}

impl Parameter for Map<String, Value> {
    const TYPE: ParameterType = ParameterType::Struct;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        match whole_floats_to_integers(value.clone()) {
            Value::Object(fields) => Ok(fields),
            other => Err(ValueError::expected("a JSON object", &other)),
        }
    }

    fn encode(&self) -> Result<Value, ValueError> {
        Ok(Value::Object(self.clone()))
    }
}

/// Rewrites every whole float within ±2^53 as an integer, recursively, so that serde can
/// decode `{"depth": 4.0}` into an integer field. Float fields accept integers, so nothing
/// that decoded before fails after.
pub fn whole_floats_to_integers(value: Value) -> Value {
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            if float.fract() == 0.0 && float.abs() <= MAX_EXACT_FLOAT {
                // Whole and within ±2^53, so the conversion is exact.
                Value::from(float as i64)
            } else {
                Value::Number(number)
            }
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(whole_floats_to_integers).collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(key, item)| (key, whole_floats_to_integers(item)))
                .collect(),
        ),
        other => other,
    }
}

/// Decodes a serde struct from a STRUCT value; used by `#[derive(Parameter)]`.
pub fn decode_struct<T: DeserializeOwned>(value: &Value) -> Result<T, ValueError> {
    decode_object(value)?;
    let normalized = whole_floats_to_integers(value.clone());
    serde_path_to_error::deserialize(normalized).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        if path == "." {
            ValueError::new(message)
        } else {
            ValueError::new(message).within(format_args!(".{path}"))
        }
    })
}

/// Encodes a serde struct as a STRUCT value; used by `#[derive(Parameter)]`.
pub fn encode_struct<T: Serialize>(value: &T) -> Result<Value, ValueError> {
    let encoded = serde_json::to_value(value).map_err(|e| ValueError::new(e.to_string()))?;
    decode_object(&encoded)?;
    Ok(encoded)
}

/// A value usable as the default of an input of type `T`: a `T`, or a `&str` for a
/// `String` input. `#[default(...)]` expressions go through it.
#[diagnostic::on_unimplemented(
    message = "this default has type `{Self}`, but the input has type `{T}`",
    label = "expected a value of type `{T}`"
)]
pub trait DefaultValue<T> {
    /// Converts the default to the input's type.
    fn into_default(self) -> T;
}

impl<T> DefaultValue<T> for T {
    fn into_default(self) -> T {
        self
    }
}

impl DefaultValue<String> for &str {
    fn into_default(self) -> String {
        self.to_owned()
    }
}

/// The final state of the tasks an exit handler guards, given to its exit task, like kfp's
/// `dsl.PipelineTaskFinalStatus`. Both the camelCase keys of protobuf JSON and the
/// snake_case keys of kfp.local are read, and the `error` may be absent.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PipelineTaskFinalStatus {
    /// `SUCCEEDED`, `FAILED` or `CANCELLED`.
    #[serde(default)]
    pub state: String,
    /// The resource name of the pipeline run.
    #[serde(default, alias = "pipeline_job_resource_name")]
    pub pipeline_job_resource_name: String,
    /// The name of the exit handler's task.
    #[serde(default, alias = "pipeline_task_name")]
    pub pipeline_task_name: String,
    /// The error of a failed run, when there is one.
    #[serde(default)]
    pub error: Option<FinalStatusError>,
}

/// The error in a [`PipelineTaskFinalStatus`] (a `google.rpc.Status`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, Serialize)]
#[non_exhaustive]
pub struct FinalStatusError {
    /// The gRPC status code.
    #[serde(default)]
    pub code: i64,
    /// The message.
    #[serde(default)]
    pub message: String,
}

impl PipelineTaskFinalStatus {
    /// Creates a status.
    pub fn new(
        state: &str,
        pipeline_job_resource_name: &str,
        pipeline_task_name: &str,
        error: Option<FinalStatusError>,
    ) -> Self {
        Self {
            state: state.to_owned(),
            pipeline_job_resource_name: pipeline_job_resource_name.to_owned(),
            pipeline_task_name: pipeline_task_name.to_owned(),
            error,
        }
    }

    /// Returns whether every guarded task succeeded.
    pub fn succeeded(&self) -> bool {
        self.state == "SUCCEEDED"
    }
}

impl FinalStatusError {
    /// Creates an error.
    pub fn new(code: i64, message: &str) -> Self {
        Self {
            code,
            message: message.to_owned(),
        }
    }
}

impl Parameter for PipelineTaskFinalStatus {
    const TYPE: ParameterType = ParameterType::TaskFinalStatus;
    const OPTIONAL_INPUT: bool = true;

    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_struct(value)
    }

    fn encode(&self) -> Result<Value, ValueError> {
        encode_struct(self)
    }
}

/// Parses a command-line value of a pipeline parameter: the text itself for `STRING`, JSON
/// for every other type, checked against the type.
pub fn parse_text_value(parameter_type: ParameterType, text: &str) -> Result<Value, String> {
    if parameter_type == ParameterType::String {
        return Ok(Value::String(text.to_owned()));
    }
    let shown = shorten_text(text);
    let value: Value = serde_json::from_str(text).map_err(|error| {
        format!("`{shown}` is not valid JSON for a {parameter_type} value: {error}")
    })?;
    check_type(parameter_type, &value).map_err(|error| format!("`{shown}`: {error}"))?;
    Ok(value)
}

/// Checks that a JSON value fits a parameter type.
pub fn check_type(parameter_type: ParameterType, value: &Value) -> Result<(), ValueError> {
    match parameter_type {
        ParameterType::NumberInteger => match decode_whole(value)? {
            Whole::Exact(_) => Ok(()),
            Whole::Double(_) => Err(inexact(value)),
        },
        ParameterType::NumberDouble => decode_float(value).map(drop),
        ParameterType::String => String::decode(value).map(drop),
        ParameterType::Boolean => bool::decode(value).map(drop),
        ParameterType::List => match value {
            Value::Array(_) => Ok(()),
            other => Err(ValueError::expected("a list", other)),
        },
        ParameterType::Struct | ParameterType::TaskFinalStatus => decode_object(value).map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integer_accepts_whole_float() {
        assert_eq!(i64::decode(&json!(5.0)), Ok(5));
        assert_eq!(i64::decode(&json!(5)), Ok(5));
        assert_eq!(i64::decode(&json!(-0.0)), Ok(0));
    }

    #[test]
    fn integer_rejects_fraction_bool_string() {
        for bad in [json!(5.5), json!(true), json!("5"), json!(null), json!([5])] {
            let error = i64::decode(&bad).unwrap_err();
            assert!(
                error.to_string().starts_with("expected an integer"),
                "{error}"
            );
        }
    }

    #[test]
    fn integer_range_is_checked_per_type() {
        assert_eq!(u8::decode(&json!(255)), Ok(255));
        let error = u8::decode(&json!(256)).unwrap_err().to_string();
        assert_eq!(error, "integer 256 is out of range for `u8` (0 to 255)");
        assert!(u64::decode(&json!(-1)).is_err());
        assert_eq!(i8::decode(&json!(-128.0)), Ok(-128));
        assert_eq!(u64::decode(&json!(u64::MAX)), Ok(u64::MAX));
        assert_eq!(i64::decode(&json!(i64::MIN)), Ok(i64::MIN));
    }

    /// serde_json reads an integer beyond 64 bits as a double, so a double near a bound may
    /// come from an integer in range, while one past it by more than rounding is not.
    #[test]
    fn integer_beyond_64_bits_rejected_by_range() {
        let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        let error = u64::decode(&parse("18446744073709551616")).unwrap_err();
        assert!(error.to_string().contains("read as a double"), "{error}");
        let error = u64::decode(&parse("18446744073709551617000")).unwrap_err();
        assert_eq!(
            error.to_string(),
            "integer 1.8446744073709552e+22 is out of range for `u64` (0 to 18446744073709551615)"
        );
        let error = i64::decode(&json!(1e20)).unwrap_err().to_string();
        assert!(error.contains("out of range for `i64`"), "{error}");
        let error = i64::decode(&json!(-1e19)).unwrap_err().to_string();
        assert!(error.contains("out of range for `i64`"), "{error}");
        let error = u128::decode(&parse("340282366920938463463374607431768211455")).unwrap_err();
        assert!(error.to_string().contains("read as a double"), "{error}");
        let error = i128::decode(&json!(1e300)).unwrap_err().to_string();
        assert!(error.contains("out of range for `i128`"), "{error}");
        let error = u8::decode(&json!(1e16)).unwrap_err().to_string();
        assert!(error.contains("out of range for `u8`"), "{error}");
    }

    /// Found by the `param_text` fuzz target: `check_type` took a 73-digit integer, read
    /// as a double, for a `NUMBER_INTEGER` value that no integer type decodes.
    #[test]
    fn integer_type_check_rejects_large_double() {
        let value: Value = serde_json::from_str(&"3".repeat(73)).unwrap();
        let error = check_type(ParameterType::NumberInteger, &value).unwrap_err();
        assert!(error.to_string().contains("read as a double"), "{error}");
        let error = check_type(ParameterType::NumberInteger, &json!(1e19)).unwrap_err();
        assert!(error.to_string().contains("read as a double"), "{error}");
        assert!(check_type(ParameterType::NumberInteger, &json!(u64::MAX)).is_ok());
    }

    #[test]
    fn integer_float_beyond_two_pow_53_rejected() {
        let error = i64::decode(&json!(1e17)).unwrap_err().to_string();
        assert!(
            error.contains("read as a double of ±2^52 or more"),
            "{error}"
        );
        assert!(i64::decode(&json!(9_007_199_254_740_992.0)).is_err());
        assert!(i64::decode(&json!(4_503_599_627_370_496.0)).is_err());
        assert_eq!(
            i64::decode(&json!(4_503_599_627_370_495.0)),
            Ok((1 << 52) - 1)
        );
        assert_eq!(
            i64::decode(&json!(9_007_199_254_740_993u64)),
            Ok((1 << 53) + 1)
        );
    }

    #[test]
    fn integer_encodes_without_fraction() {
        assert_eq!(20i64.encode().unwrap().to_string(), "20");
        assert_eq!(
            (1u64 << 53).encode().unwrap().to_string(),
            "9007199254740992"
        );
        let error = ((1u64 << 53) + 1).encode().unwrap_err().to_string();
        assert!(
            error.starts_with("integer 9007199254740993 is beyond ±2^53"),
            "{error}"
        );
        assert!(i128::MAX.encode().is_err());
    }

    #[test]
    fn float_accepts_integer() {
        assert_eq!(f64::decode(&json!(3)), Ok(3.0));
        assert_eq!(f32::decode(&json!(0.25)), Ok(0.25));
        assert!(f32::decode(&json!(1e300)).is_err());
        assert!(f64::decode(&json!("3")).is_err());
    }

    #[test]
    fn float_nan_cannot_encode() {
        let error = f64::NAN.encode().unwrap_err().to_string();
        assert!(error.contains("not a finite number"), "{error}");
        assert_eq!(3.0f64.encode().unwrap().to_string(), "3.0");
    }

    #[test]
    fn list_elements_decode_with_index() {
        assert_eq!(Vec::<i64>::decode(&json!([1.0, 2])), Ok(vec![1, 2]));
        let error = Vec::<i64>::decode(&json!([1, 2.5])).unwrap_err();
        assert_eq!(error.path(), "[1]");
    }

    #[test]
    fn map_values_decode_with_key() {
        let map = BTreeMap::<String, u8>::decode(&json!({"a": 1.0})).unwrap();
        assert_eq!(map["a"], 1);
        let error = HashMap::<String, u8>::decode(&json!({"a": 300})).unwrap_err();
        assert_eq!(error.path(), ".a");
    }

    #[test]
    fn value_parameter_requires_object() {
        assert!(Value::decode(&json!([1])).is_err());
        assert_eq!(Value::decode(&json!({"d": 4.0})), Ok(json!({"d": 4})));
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Config {
        depth: u32,
        rate: f64,
        tags: Vec<String>,
    }

    #[test]
    fn struct_whole_floats_fill_integer_fields() {
        let value = json!({"depth": 4.0, "rate": 1, "tags": ["a"]});
        let config: Config = decode_struct(&value).unwrap();
        assert_eq!(config.depth, 4);
        assert_eq!(config.rate, 1.0);
    }

    #[test]
    fn struct_error_names_field() {
        let value = json!({"depth": 4.5, "rate": 1, "tags": []});
        let error = decode_struct::<Config>(&value).unwrap_err();
        assert_eq!(error.path(), ".depth");
    }

    #[test]
    fn final_status_reads_both_spellings() {
        let local = json!({"state": "FAILED", "pipeline_job_resource_name": "run", "pipeline_task_name": "exit-handler-1", "error": {}});
        let status = PipelineTaskFinalStatus::decode(&local).unwrap();
        assert_eq!(status.pipeline_task_name, "exit-handler-1");
        assert!(!status.succeeded());
        let backend = json!({"state": "SUCCEEDED", "pipelineJobResourceName": "run", "pipelineTaskName": "exit-handler-1"});
        let status = PipelineTaskFinalStatus::decode(&backend).unwrap();
        assert_eq!(status.pipeline_job_resource_name, "run");
        assert_eq!(status.error, None);
        assert!(status.succeeded());
    }

    #[test]
    fn text_value_parsed_by_type() {
        assert_eq!(parse_text_value(ParameterType::String, "5"), Ok(json!("5")));
        assert_eq!(
            parse_text_value(ParameterType::NumberInteger, "5"),
            Ok(json!(5))
        );
        assert_eq!(
            parse_text_value(ParameterType::List, "[1, 2]"),
            Ok(json!([1, 2]))
        );
        let error = parse_text_value(ParameterType::NumberInteger, "2.5").unwrap_err();
        assert_eq!(error, "`2.5`: expected an integer, got 2.5");
        let error = parse_text_value(ParameterType::Boolean, "yes").unwrap_err();
        assert!(
            error.starts_with("`yes` is not valid JSON for a BOOLEAN value"),
            "{error}"
        );
    }

    mod round_trip {
        use super::*;
        use proptest::prelude::*;

        /// Checks that an integer survives within ±2^53 and is rejected beyond.
        fn survives_if_exact<T: Parameter + PartialEq + std::fmt::Debug + Into<i128> + Copy>(
            value: T,
        ) -> Result<(), TestCaseError> {
            let wide: i128 = value.into();
            if wide.unsigned_abs() <= 1 << 53 {
                survives(value)
            } else {
                prop_assert!(value.encode().is_err());
                Ok(())
            }
        }

        /// Checks that a value survives encoding, JSON text, and decoding.
        fn survives<T: Parameter + PartialEq + std::fmt::Debug>(
            value: T,
        ) -> Result<(), TestCaseError> {
            let encoded = value
                .encode()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let text = encoded.to_string();
            let parsed: Value =
                serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(T::decode(&parsed), Ok(value));
            Ok(())
        }

        /// Checks that an integer also survives as a float, as kfp.local sends it.
        fn survives_as_float<T: Parameter + PartialEq + std::fmt::Debug + Into<i128> + Copy>(
            value: T,
        ) -> Result<(), TestCaseError> {
            let wide: i128 = value.into();
            if wide.unsigned_abs() < 1 << 52 {
                let float = serde_json::json!(wide as f64);
                prop_assert_eq!(T::decode(&float), Ok(value));
            }
            Ok(())
        }

        proptest! {
            #[test]
            fn integers(a: i8, b: i16, c: i32, d: i64, e: u8, f: u16, g: u32, h: u64) {
                survives(a)?; survives(b)?; survives(c)?; survives_if_exact(d)?;
                survives(e)?; survives(f)?; survives(g)?; survives_if_exact(h)?;
                survives_as_float(d)?;
                survives_as_float(g)?;
            }

            #[test]
            fn floats(x in proptest::num::f64::NORMAL | proptest::num::f64::ZERO | proptest::num::f64::SUBNORMAL) {
                survives(x)?;
            }

            #[test]
            fn strings_and_bools(text: String, flag: bool) {
                survives(text)?;
                survives(flag)?;
            }

            #[test]
            fn lists_and_maps(
                items in proptest::collection::vec(-(1i64 << 53)..=(1i64 << 53), 0..20),
                names: Vec<String>,
                map: BTreeMap<String, u32>,
            ) {
                survives(items)?;
                survives(names)?;
                survives(map)?;
            }
        }
    }
}
