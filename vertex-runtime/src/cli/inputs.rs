//! The pipeline inputs of `run`, `compile` and `submit`: `--param`, `--param-env` and
//! `--artifact`, checked against the pipeline's inputs before anything runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clap::Args;
use serde_json::Value;

use crate::component::ValueKind;
use crate::error::Error;
use crate::param::parse_text_value;
use crate::pipeline::{parameter_type, Graph};

/// The parameter values of `run` and `submit`.
#[derive(Debug, Args)]
pub(crate) struct ParamArgs {
    /// Value of a pipeline parameter, as NAME=VALUE (JSON unless the parameter is a
    /// string); repeatable.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Pipeline parameter whose value is in an environment variable, as NAME=VARIABLE;
    /// repeatable. Keeps secrets off the command line, which other local users can read.
    #[arg(long = "param-env", value_name = "NAME=VARIABLE")]
    from_env: Vec<String>,
}

impl ParamArgs {
    /// Parses every value against the pipeline's inputs. Values from the environment are
    /// never shown in errors, as if their parameters were secret.
    pub(crate) fn parse(&self, graph: &Graph) -> Result<BTreeMap<String, Value>, Error> {
        let mut given = split_params(graph, &self.params)?;
        for spec in &self.from_env {
            let invalid = |rule: &str| {
                Error::Usage(format!("invalid --param-env `{}`: {rule}", shorten(spec)))
            };
            let (name, variable) = spec
                .split_once('=')
                .filter(|(name, variable)| !name.is_empty() && !variable.is_empty())
                .ok_or_else(|| invalid("expected NAME=VARIABLE"))?;
            let text = match std::env::var(variable) {
                Ok(value) => value,
                Err(std::env::VarError::NotPresent) => {
                    return Err(invalid(&format!(
                        "the environment variable `{variable}` is not set"
                    )))
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(invalid(&format!(
                        "the environment variable `{variable}` is not valid UTF-8"
                    )))
                }
            };
            given.push(GivenParam {
                option: "--param-env",
                name: name.to_owned(),
                text,
                hidden: true,
            });
        }
        parse_given(graph, given)
    }
}

/// One pipeline parameter value from the command line, before it is parsed.
struct GivenParam {
    /// The option that gave it, for messages.
    option: &'static str,
    name: String,
    text: String,
    /// Whether errors leave the value out although the parameter is not secret.
    hidden: bool,
}

/// Parses `NAME=VALUE` pipeline parameters against the pipeline's inputs and their Rust
/// types.
pub(crate) fn parse_params(
    graph: &Graph,
    params: &[String],
) -> Result<BTreeMap<String, Value>, Error> {
    parse_given(graph, split_params(graph, params)?)
}

/// Splits `--param NAME=VALUE` options.
fn split_params(graph: &Graph, params: &[String]) -> Result<Vec<GivenParam>, Error> {
    params
        .iter()
        .map(|param| {
            let (name, text) = param.split_once('=').ok_or_else(|| {
                // Without `=` the text may be a secret value with a mistyped separator.
                let shown = if graph.secret_inputs.is_empty() {
                    format!("`{}`", shorten(param))
                } else {
                    "(not shown, because the pipeline has secret parameters)".to_owned()
                };
                Error::Usage(format!("invalid --param {shown}: expected NAME=VALUE"))
            })?;
            Ok(GivenParam {
                option: "--param",
                name: name.to_owned(),
                text: text.to_owned(),
                hidden: false,
            })
        })
        .collect()
}

/// Parses parameter values against the pipeline's inputs and their Rust types. Names are
/// checked first, so that no value is parsed, or shown, before a duplicate is found.
fn parse_given(graph: &Graph, given: Vec<GivenParam>) -> Result<BTreeMap<String, Value>, Error> {
    let mut seen = BTreeSet::new();
    for param in &given {
        let name = &param.name;
        if !graph.inputs.iter().any(|input| &input.name == name) {
            let known = input_names(graph, |kind| matches!(kind, ValueKind::Parameter(_)));
            // The value is left out: it may be a secret given under a mistyped name.
            return Err(Error::Usage(format!(
                "invalid {}: pipeline `{}` has no parameter `{}`; its parameters: {known}",
                param.option,
                graph.name,
                shorten(name),
            )));
        }
        if !seen.insert(name.as_str()) {
            return Err(Error::Usage(format!(
                "invalid {} `{name}`: the parameter is given twice",
                param.option
            )));
        }
    }
    let mut values = BTreeMap::new();
    for GivenParam {
        option,
        name,
        text,
        hidden,
    } in given
    {
        let input = graph
            .inputs
            .iter()
            .find(|input| input.name == name)
            .expect("checked above");
        let parameter_type = parameter_type(input.kind).ok_or_else(|| {
            Error::Usage(format!(
                "invalid {option} `{name}`: the input is an artifact; `run` takes it with \
                 --artifact"
            ))
        })?;
        let value = parse_text_value(parameter_type, &text)
            .and_then(|value| match graph.parameter_checks.get(&name) {
                Some(check) => check(&value)
                    .map(|()| value)
                    .map_err(|error| format!("`{}`: {error}", shorten(&text))),
                None => Ok(value),
            })
            .map_err(|message| {
                // Parsing messages quote the value, so a hidden value's message is replaced
                // whole.
                let message = if graph.secret_inputs.contains(&name) {
                    format!("not a valid {parameter_type}; the value is not shown because the parameter is secret")
                } else if hidden {
                    format!("not a valid {parameter_type}; the value is not shown because it comes from the environment")
                } else {
                    message
                };
                Error::Usage(format!("invalid {option} `{name}`: {message}"))
            })?;
        values.insert(name, value);
    }
    Ok(values)
}

/// Parses `--artifact NAME=URI` options against the pipeline's artifact inputs. Each must
/// exist, under `root` for a `gs://`, `s3://` or `minio://` URI. A path is made absolute,
/// since tasks run in their own folders.
pub(super) fn parse_artifacts(
    graph: &Graph,
    given: &[String],
    root: &Path,
) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let mut artifacts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for spec in given {
        let invalid =
            |rule: &str| Error::Usage(format!("invalid --artifact `{}`: {rule}", shorten(spec)));
        let (name, uri) = spec
            .split_once('=')
            .ok_or_else(|| invalid("expected NAME=URI"))?;
        let list = match graph.inputs.iter().find(|input| input.name == name) {
            Some(input) => match input.kind {
                ValueKind::Artifact { list, .. } => list,
                ValueKind::Parameter(_) => {
                    return Err(invalid(&format!(
                        "`{name}` is a parameter; pass it with --param"
                    )))
                }
            },
            None => {
                let known = input_names(graph, |kind| matches!(kind, ValueKind::Artifact { .. }));
                return Err(invalid(&format!(
                    "pipeline `{}` has no artifact input `{name}`; its artifact inputs: {known}",
                    graph.name,
                )));
            }
        };
        let mounted = crate::artifact::local_path_under(root, uri)
            .map_err(|error| invalid(&error.to_string()))?;
        // A path comes back as it was given; a URI comes back mapped under the root.
        let is_path = mounted.as_os_str() == uri;
        let absolute =
            std::path::absolute(&mounted).map_err(|error| invalid(&error.to_string()))?;
        if !absolute.exists() {
            return Err(invalid(&format!("`{}` does not exist", absolute.display())));
        }
        let uri = if is_path {
            absolute.to_string_lossy().into_owned()
        } else {
            uri.to_owned()
        };
        let uris = artifacts.entry(name.to_owned()).or_default();
        if !list && !uris.is_empty() {
            return Err(invalid(&format!(
                "`{name}` takes one artifact and is given twice"
            )));
        }
        uris.push(uri);
    }
    Ok(artifacts)
}

/// Lists the names of the pipeline's inputs of the kinds `wanted` accepts, for a message:
/// `a, b`, or `none`.
fn input_names(graph: &Graph, wanted: impl Fn(ValueKind) -> bool) -> String {
    let names: Vec<&str> = graph
        .inputs
        .iter()
        .filter(|input| wanted(input.kind))
        .map(|input| input.name.as_str())
        .collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Shortens a command-line value for a message.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 80;
    if text.chars().count() <= MAX_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_CHARS).collect();
    format!("{head}... ({} bytes)", text.len())
}
