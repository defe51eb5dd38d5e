//! The KFP v2 executor contract: the executor input a task receives as one JSON argument
//! and the executor output it writes back.
//!
//! Field names are the protobuf JSON names (lowerCamelCase). The snake_case spellings are
//! accepted too, because protobuf JSON parsers accept both. Unknown fields are ignored on
//! input, since newer orchestrators may add some; the output carries only the two fields
//! every reader accepts.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// The `ExecutorInput` message: what a task receives through `--executor-input {{$}}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct ExecutorInput {
    /// Input parameters and artifacts.
    #[serde(default, deserialize_with = "object_or_null")]
    pub inputs: Inputs,
    /// Destinations of the outputs.
    #[serde(deserialize_with = "object")]
    pub outputs: Outputs,
}

/// The `inputs` of an executor input.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Inputs {
    /// Parameter values by input name, already typed as JSON.
    // NOTE: a list takes a 32-byte `Value` per element until decoded, about 4 times its
    // JSON text when the elements are short numbers.
    #[serde(
        default,
        alias = "parameter_values",
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub parameter_values: Map<String, Value>,
    /// Artifacts by input name. A list input contains several.
    #[serde(
        default,
        deserialize_with = "objects_by_name_or_null",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub artifacts: BTreeMap<String, ArtifactList>,
}

/// The `outputs` of an executor input.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Outputs {
    /// Per-parameter output files. This runtime reports parameters in the executor output
    /// instead, as KFP's own executor does.
    #[serde(
        default,
        deserialize_with = "objects_by_name_or_null",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub parameters: BTreeMap<String, OutputParameter>,
    /// Output artifacts by name, each with the URI to write to.
    #[serde(
        default,
        deserialize_with = "objects_by_name_or_null",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub artifacts: BTreeMap<String, ArtifactList>,
    /// Path of the executor output file.
    #[serde(alias = "output_file")]
    pub output_file: String,
}

/// The file of one output parameter.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OutputParameter {
    /// Path of the file.
    #[serde(default, alias = "output_file")]
    pub output_file: String,
}

/// A list of runtime artifacts (`ArtifactList`). Unknown fields are rejected, so that a
/// bare artifact where a list belongs is an error, not an empty list.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ArtifactList {
    /// The artifacts; exactly one unless the input is a list.
    #[serde(default, deserialize_with = "objects_or_null")]
    pub artifacts: Vec<RuntimeArtifact>,
}

impl ArtifactList {
    /// Wraps artifacts in a list.
    pub fn new(artifacts: Vec<RuntimeArtifact>) -> Self {
        Self { artifacts }
    }
}

/// A `RuntimeArtifact`: one artifact with its storage URI and metadata.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RuntimeArtifact {
    /// Opaque artifact name chosen by the orchestrator.
    #[serde(default)]
    pub name: String,
    /// Artifact type; absent in executor outputs.
    #[serde(
        rename = "type",
        default,
        deserialize_with = "optional_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_type: Option<ArtifactTypeSchema>,
    /// Storage URI, such as `gs://bucket/key` or a local path.
    #[serde(default)]
    pub uri: String,
    /// Metadata written by the producer.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Map<String, Value>,
}

impl RuntimeArtifact {
    /// Creates an artifact with a name, URI and metadata and no type.
    pub fn new(
        name: impl Into<String>,
        uri: impl Into<String>,
        metadata: Map<String, Value>,
    ) -> Self {
        Self {
            name: name.into(),
            artifact_type: None,
            uri: uri.into(),
            metadata,
        }
    }

    /// Sets the artifact type.
    pub fn with_type(mut self, schema_title: &str, schema_version: &str) -> Self {
        self.artifact_type = Some(ArtifactTypeSchema {
            schema_title: schema_title.to_owned(),
            schema_version: schema_version.to_owned(),
        });
        self
    }
}

/// The `type` of a runtime artifact.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ArtifactTypeSchema {
    /// Such as `system.Dataset`.
    #[serde(default, alias = "schema_title")]
    pub schema_title: String,
    /// Such as `0.0.1`.
    #[serde(default, alias = "schema_version")]
    pub schema_version: String,
}

/// The `ExecutorOutput` message written to `outputs.outputFile`.
///
/// Readers parse it strictly, so it carries only `parameterValues` and `artifacts`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecutorOutput {
    /// Output parameter values by name.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub parameter_values: Map<String, Value>,
    /// Output artifacts by name, each a list of one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub artifacts: BTreeMap<String, ArtifactList>,
}

/// A message that must be a JSON object. serde's derived structs also read a JSON array,
/// field by field in declaration order, which no protobuf JSON reader accepts.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Object)
    }
}

fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<T, D::Error> {
    Object::deserialize(deserializer).map(|object| object.0)
}

fn object_or_null<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    let object = Option::<Object<T>>::deserialize(deserializer)?;
    Ok(object.map(|object| object.0).unwrap_or_default())
}

fn optional_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Ok(Option::<Object<T>>::deserialize(deserializer)?.map(|object| object.0))
}

fn objects_or_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    let objects = Option::<Vec<Object<T>>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(objects.into_iter().map(|object| object.0).collect())
}

fn objects_by_name_or_null<'de, D, T>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let objects =
        Option::<BTreeMap<String, Object<T>>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(objects
        .into_iter()
        .map(|(name, object)| (name, object.0))
        .collect())
}

/// Treats an explicit JSON `null` like an absent field.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Parses an executor input, naming the JSON path of the first mismatch.
pub fn parse_executor_input(json: &str) -> Result<ExecutorInput, String> {
    // serde would also read a struct from a JSON array; an executor input is an object.
    let start = json.trim_start().chars().next();
    if start.is_some_and(|c| c != '{') {
        return Err(format!(
            "expected a JSON object, got `{}`",
            json.trim().chars().take(20).collect::<String>()
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let input: ExecutorInput =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            // serde_path_to_error writes `.` for the root and `?` where the syntax broke.
            if path == "." || path == "?" {
                inner.to_string()
            } else {
                format!("at `{path}`: {inner}")
            }
        })?;
    deserializer.end().map_err(|error| error.to_string())?;
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parse_kfp_local_input() {
        let text = json!({
            "inputs": {
                "artifacts": {"data": {"artifacts": [{
                    "name": "data",
                    "type": {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"},
                    "uri": "gs://b/data", "metadata": {"rows": 150.0}
                }]}},
                "parameterValues": {"count": 5, "note": null}
            },
            "outputs": {
                "parameters": {"Output": {"outputFile": "/tmp/o/Output"}},
                "outputFile": "/tmp/o/executor_output.json"
            }
        })
        .to_string();
        let input = parse_executor_input(&text).unwrap();
        assert_eq!(input.inputs.parameter_values["count"], json!(5));
        assert_eq!(
            input.inputs.artifacts["data"].artifacts[0].uri,
            "gs://b/data"
        );
        assert_eq!(input.outputs.output_file, "/tmp/o/executor_output.json");
    }

    #[test]
    fn parse_accepts_snake_case_and_nulls() {
        let text = r#"{"inputs": {"parameter_values": {"a": 1}, "artifacts": null},
                       "outputs": {"output_file": "/x", "artifacts": null}}"#;
        let input = parse_executor_input(text).unwrap();
        assert_eq!(input.inputs.parameter_values["a"], json!(1));
        assert_eq!(input.outputs.output_file, "/x");
    }

    #[test]
    fn parse_names_path_of_mismatch() {
        let error = parse_executor_input(r#"{"outputs": {"outputFile": 5}}"#).unwrap_err();
        assert!(error.starts_with("at `outputs.outputFile`"), "{error}");
        let error = parse_executor_input(r#"{"inputs": {}}"#).unwrap_err();
        assert!(error.contains("missing field `outputs`"), "{error}");
        let error = parse_executor_input(r#"{"outputs": {}}"#).unwrap_err();
        assert!(error.contains("missing field `outputFile`"), "{error}");
    }

    #[test]
    fn output_writes_only_known_fields() {
        let mut output = ExecutorOutput::default();
        output.parameter_values.insert("Output".into(), json!(20));
        let artifact = RuntimeArtifact::new("m", "/tmp/m", Map::new());
        output
            .artifacts
            .insert("m".into(), ArtifactList::new(vec![artifact]));
        let text = serde_json::to_string(&output).unwrap();
        assert_eq!(
            text,
            r#"{"parameterValues":{"Output":20},"artifacts":{"m":{"artifacts":[{"name":"m","uri":"/tmp/m","metadata":{}}]}}}"#
        );
        assert_eq!(
            serde_json::to_string(&ExecutorOutput::default()).unwrap(),
            "{}"
        );
    }
}
