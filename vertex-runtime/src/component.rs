//! The API that `#[vertex_component]` generates code against: the component interface, the
//! traits that classify argument and return types, and the invocation that decodes inputs
//! and collects outputs.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::artifact::{local_path_under, ArtifactType, Input, Output, OutputSlot};
use crate::contract::{ArtifactList, ExecutorInput, ExecutorOutput, RuntimeArtifact};
use crate::error::Error;
use crate::param::{describe, Parameter, ParameterType, ValueError};
use crate::pipeline::{ArtifactListRef, ArtifactRef, ParamRef, TaskId};

/// The type of an artifact: schema title and version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArtifactSchema {
    /// Such as `system.Dataset`.
    pub title: &'static str,
    /// Such as `0.0.1`.
    pub version: &'static str,
}

impl ArtifactSchema {
    /// Returns the schema of an artifact type.
    pub fn of<A: ArtifactType>() -> Self {
        Self {
            title: A::SCHEMA_TITLE,
            version: A::SCHEMA_VERSION,
        }
    }
}

/// The kind of value an input or output carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// A parameter of this type.
    Parameter(ParameterType),
    /// An artifact, or a list of artifacts.
    Artifact {
        /// Its type.
        schema: ArtifactSchema,
        /// Whether it is a list (`isArtifactList`).
        list: bool,
    },
}

/// One input of a component interface.
#[derive(Clone, Debug, PartialEq)]
pub struct InputDef {
    /// The KFP name.
    pub name: String,
    /// Parameter or artifact, and its type.
    pub kind: ValueKind,
    /// Whether the input may be left unset (`isOptional`).
    pub optional: bool,
    /// The encoded default value, for parameters that declare one.
    pub default: Option<Value>,
    /// From the component's `# Arguments` doc section.
    pub description: Option<String>,
}

/// One output of a component interface.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputDef {
    /// The KFP name; a single returned value is `Output`.
    pub name: String,
    /// Parameter or artifact, and its type.
    pub kind: ValueKind,
}

impl OutputDef {
    /// Creates a parameter output definition.
    pub fn parameter(name: &str, parameter_type: ParameterType) -> Self {
        Self {
            name: name.to_owned(),
            kind: ValueKind::Parameter(parameter_type),
        }
    }
}

/// The interface of a component: its name, description, inputs and outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentInterface {
    /// The KFP name, a lowercase DNS label.
    pub name: String,
    /// From the doc comment.
    pub description: Option<String>,
    /// Inputs in declaration order.
    pub inputs: Vec<InputDef>,
    /// Outputs: output artifacts in declaration order, then returned parameters.
    pub outputs: Vec<OutputDef>,
}

impl ComponentInterface {
    /// Checks that no two inputs and no two outputs share a name. The macro rejects
    /// duplicate arguments; this catches a returned struct field named like an output
    /// artifact, such as two outputs named `Output`.
    pub fn check_unique_names(&self) -> Result<(), String> {
        let inputs = self.inputs.iter().map(|input| ("input", &input.name));
        let outputs = self.outputs.iter().map(|output| ("output", &output.name));
        let mut seen = std::collections::BTreeSet::new();
        for (kind, name) in inputs.chain(outputs) {
            if !seen.insert((kind, name)) {
                return Err(format!(
                    "component `{}` declares two {kind}s named `{name}`",
                    self.name
                ));
            }
        }
        Ok(())
    }
}

/// The source of an input's value in an executor input: a parameter value or a list of
/// artifacts. Each is `None` when the input is absent or `null`.
pub struct InputSource<'a> {
    parameter: Option<&'a Value>,
    artifacts: Option<&'a [RuntimeArtifact]>,
    mount_root: &'a Path,
}

/// A type that a component can take as an input argument: a [`Parameter`], an
/// `Option` of one, an [`Input`] artifact, an optional one or a list of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported component input",
    label = "unsupported input type",
    note = "inputs are parameters (`String`, `bool`, integers, `f32`, `f64`, `Vec<T>`, maps, `serde_json::Value`, structs deriving `Parameter`), `Option` of one, `Input<A>`, `Option<Input<A>>` or `Vec<Input<A>>`"
)]
pub trait InputArg: Sized {
    /// The reference a pipeline passes to this input: a parameter or an artifact.
    type Channel;

    /// Returns the input's kind and whether it is optional.
    fn kind() -> (ValueKind, bool);

    /// Decodes the input from the executor input.
    fn extract(source: &InputSource<'_>) -> Result<Self, String>;
}

fn missing() -> String {
    "required input is missing".to_owned()
}

/// Describes an absent artifact: missing, or sent as a parameter value.
fn artifact_missing(source: &InputSource<'_>) -> String {
    match source.parameter {
        Some(value) => format!(
            "expected an artifact, got the parameter value {}",
            describe(value)
        ),
        None => missing(),
    }
}

impl<P: Parameter> InputArg for P {
    type Channel = ParamRef<P>;

    fn kind() -> (ValueKind, bool) {
        (ValueKind::Parameter(P::TYPE), P::OPTIONAL_INPUT)
    }

    fn extract(source: &InputSource<'_>) -> Result<Self, String> {
        let value = source.parameter.ok_or_else(|| match source.artifacts {
            Some(_) => "expected a parameter value, got an artifact".to_owned(),
            None => missing(),
        })?;
        P::decode(value).map_err(|error| error.to_string())
    }
}

impl<P: Parameter> InputArg for Option<P> {
    type Channel = Option<ParamRef<P>>;

    fn kind() -> (ValueKind, bool) {
        (ValueKind::Parameter(P::TYPE), true)
    }

    fn extract(source: &InputSource<'_>) -> Result<Self, String> {
        source
            .parameter
            .map(|value| P::decode(value).map_err(|error| error.to_string()))
            .transpose()
    }
}

fn artifact_kind<A: ArtifactType>(list: bool) -> ValueKind {
    ValueKind::Artifact {
        schema: ArtifactSchema::of::<A>(),
        list,
    }
}

fn to_input<A: ArtifactType>(
    artifact: &RuntimeArtifact,
    mount_root: &Path,
) -> Result<Input<A>, String> {
    let path = local_path_under(mount_root, &artifact.uri).map_err(|error| error.to_string())?;
    Ok(Input::new(
        artifact.name.clone(),
        artifact.uri.clone(),
        path,
        artifact.metadata.clone(),
    ))
}

impl<A: ArtifactType> InputArg for Input<A> {
    type Channel = ArtifactRef<A>;

    fn kind() -> (ValueKind, bool) {
        (artifact_kind::<A>(false), false)
    }

    fn extract(source: &InputSource<'_>) -> Result<Self, String> {
        match source.artifacts.ok_or_else(|| artifact_missing(source))? {
            [artifact] => to_input(artifact, source.mount_root),
            [] => Err(missing()),
            many => Err(format!(
                "expected exactly one artifact, got a list of {}",
                many.len()
            )),
        }
    }
}

impl<A: ArtifactType> InputArg for Option<Input<A>> {
    type Channel = Option<ArtifactRef<A>>;

    fn kind() -> (ValueKind, bool) {
        (artifact_kind::<A>(false), true)
    }

    fn extract(source: &InputSource<'_>) -> Result<Self, String> {
        match source.artifacts {
            None | Some([]) => Ok(None),
            Some(_) => Input::extract(source).map(Some),
        }
    }
}

impl<A: ArtifactType> InputArg for Vec<Input<A>> {
    type Channel = ArtifactListRef<A>;

    fn kind() -> (ValueKind, bool) {
        (artifact_kind::<A>(true), false)
    }

    fn extract(source: &InputSource<'_>) -> Result<Self, String> {
        let artifacts = source.artifacts.ok_or_else(|| artifact_missing(source))?;
        artifacts
            .iter()
            .enumerate()
            .map(|(index, artifact)| {
                to_input(artifact, source.mount_root)
                    .map_err(|error| format!("artifact [{index}]: {error}"))
            })
            .collect()
    }
}

/// Returns the definition of an input argument; called by generated code.
pub fn input_def<T: InputArg>(
    name: &str,
    default: Option<Result<Value, ValueError>>,
    description: Option<&str>,
) -> InputDef {
    let (kind, optional) = T::kind();
    let default = default.map(|encoded| {
        // A default that cannot be encoded is a programming error in the component.
        encoded.unwrap_or_else(|error| {
            panic!("the default of input `{name}` cannot be encoded: {error}")
        })
    });
    InputDef {
        name: name.to_owned(),
        kind,
        optional: optional || default.is_some(),
        default,
        description: description.map(str::to_owned),
    }
}

/// Returns the definition of an output artifact argument; called by generated code.
pub fn output_def<A: ArtifactType>(name: &str) -> OutputDef {
    OutputDef {
        name: name.to_owned(),
        kind: artifact_kind::<A>(false),
    }
}

/// Encoded output parameters by name; an entry is an error when its value has no JSON form.
pub type OutputValues = Vec<(&'static str, Result<Value, ValueError>)>;

/// A value that a component returns: `()`, a [`Parameter`] (the output `Output`), a struct
/// deriving [`Outputs`](derive@crate::Outputs) (one output per field), or a `Result` of one
/// of these, whose `Err` fails the task.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a component",
    label = "unsupported return type",
    note = "return `()`, a parameter type, a struct deriving `Outputs`, or a `Result` of one of these"
)]
pub trait ComponentReturn {
    /// The references a pipeline gets to wire these outputs downstream.
    type Refs;

    /// Returns the output parameters this type declares.
    fn output_defs() -> Vec<OutputDef>;

    /// Encodes the returned values, or returns the failure message of an `Err`.
    fn into_values(self) -> Result<OutputValues, String>;

    /// Returns references to these outputs of a pipeline task.
    fn refs(task: &TaskId) -> Self::Refs;
}

/// The pipeline references of a component with no output parameter.
#[derive(Clone, Debug)]
pub struct NoOutput {}

impl ComponentReturn for () {
    type Refs = NoOutput;

    fn output_defs() -> Vec<OutputDef> {
        Vec::new()
    }

    fn into_values(self) -> Result<OutputValues, String> {
        Ok(Vec::new())
    }

    fn refs(_: &TaskId) -> NoOutput {
        NoOutput {}
    }
}

/// The pipeline reference of a component's single returned value.
#[derive(Clone, Debug)]
pub struct SingleOutput<T> {
    /// The output `Output`.
    pub output: ParamRef<T>,
}

/// The KFP name of a single returned value.
pub const RETURN_OUTPUT: &str = "Output";

impl<P: Parameter> ComponentReturn for P {
    type Refs = SingleOutput<P>;

    fn output_defs() -> Vec<OutputDef> {
        vec![OutputDef::parameter(RETURN_OUTPUT, P::TYPE)]
    }

    fn into_values(self) -> Result<OutputValues, String> {
        Ok(vec![(RETURN_OUTPUT, self.encode())])
    }

    fn refs(task: &TaskId) -> SingleOutput<P> {
        SingleOutput {
            output: ParamRef::task_output(task, RETURN_OUTPUT),
        }
    }
}

impl<T: ComponentReturn, E: std::fmt::Display> ComponentReturn for Result<T, E> {
    type Refs = T::Refs;

    fn output_defs() -> Vec<OutputDef> {
        T::output_defs()
    }

    fn into_values(self) -> Result<OutputValues, String> {
        // `{:#}` prints the whole cause chain of an `anyhow::Error`.
        self.map_err(|error| format!("{error:#}"))?.into_values()
    }

    fn refs(task: &TaskId) -> T::Refs {
        T::refs(task)
    }
}

/// One run of a component: the decoded executor input and the outputs handed out so far.
pub struct Invocation {
    component: &'static str,
    input: ExecutorInput,
    mount_root: PathBuf,
    outputs: Vec<(String, Arc<OutputSlot>)>,
    /// Inputs marked `#[secret]`, whose values no error message may show.
    secret_inputs: &'static [&'static str],
}

impl Invocation {
    pub(crate) fn new(component: &'static str, input: ExecutorInput, mount_root: PathBuf) -> Self {
        Self {
            component,
            input,
            mount_root,
            outputs: Vec::new(),
            secret_inputs: &[],
        }
    }

    /// Sets the inputs marked `#[secret]`: an error about one of them says what is wrong
    /// without its value.
    pub fn set_secret_inputs(&mut self, names: &'static [&'static str]) {
        self.secret_inputs = names;
    }

    fn source(&self, name: &str) -> Option<InputSource<'_>> {
        let parameter = self
            .input
            .inputs
            .parameter_values
            .get(name)
            .filter(|value| !value.is_null());
        let artifacts = self
            .input
            .inputs
            .artifacts
            .get(name)
            .map(|list| list.artifacts.as_slice());
        if parameter.is_none() && artifacts.is_none() {
            return None;
        }
        Some(InputSource {
            parameter,
            artifacts,
            mount_root: &self.mount_root,
        })
    }

    fn input_error(&self, name: &str, message: String) -> Error {
        let given = self.input.inputs.parameter_values.get(name);
        let given_secret =
            self.secret_inputs.contains(&name) && given.is_some_and(|value| !value.is_null());
        Error::Input {
            component: self.component.to_owned(),
            input: name.to_owned(),
            message: match given {
                // Decoding messages quote the value or parts of it, so none of them is kept.
                _ if given_secret => {
                    "invalid value; it is not shown because the input is secret".to_owned()
                }
                Some(value) if !value.is_null() && !message.contains(&describe(value)) => {
                    format!("{message} (value: {})", describe(value))
                }
                _ => message,
            },
        }
    }

    /// Decodes an input without a default.
    pub fn input<T: InputArg>(&self, name: &str) -> Result<T, Error> {
        let absent = InputSource {
            parameter: None,
            artifacts: None,
            mount_root: &self.mount_root,
        };
        let source = self.source(name).unwrap_or(absent);
        T::extract(&source).map_err(|message| self.input_error(name, message))
    }

    /// Decodes an input, or returns `default()` when it is absent or `null`.
    pub fn input_or<T: InputArg>(
        &self,
        name: &str,
        default: impl FnOnce() -> T,
    ) -> Result<T, Error> {
        match self.source(name) {
            None => Ok(default()),
            Some(source) => T::extract(&source).map_err(|message| self.input_error(name, message)),
        }
    }

    /// Prepares an output artifact: finds its URI and creates its parent directory.
    pub fn output<A: ArtifactType>(&mut self, name: &str) -> Result<Output<A>, Error> {
        let artifact = self
            .input
            .outputs
            .artifacts
            .get(name)
            .and_then(|list| list.artifacts.first())
            .ok_or_else(|| {
                Error::ExecutorInput(format!("`outputs.artifacts.{name}` is missing"))
            })?;
        let path = local_path_under(&self.mount_root, &artifact.uri)
            .map_err(|error| Error::ExecutorInput(format!("output artifact `{name}`: {error}")))?;
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            crate::artifact::create_dir_all(parent).map_err(|error| {
                Error::Output(format!(
                    "cannot create `{}` for output `{name}`: {error}",
                    parent.display()
                ))
            })?;
        }
        let slot = Arc::new(OutputSlot {
            name: artifact.name.clone(),
            uri: artifact.uri.clone(),
            path,
            metadata: Mutex::new(Map::new()),
        });
        self.outputs.push((name.to_owned(), Arc::clone(&slot)));
        Ok(Output::new(slot))
    }

    /// Builds the executor output from the component's return value and the output
    /// artifacts handed out.
    pub fn finish<R: ComponentReturn>(&self, returned: R) -> Result<ExecutorOutput, Error> {
        let values = returned.into_values().map_err(|message| Error::Failed {
            component: self.component.to_owned(),
            message,
        })?;
        let mut output = ExecutorOutput::default();
        for (name, value) in values {
            let value = value.map_err(|error| {
                Error::Output(format!(
                    "output `{name}` of component `{}`: {error}",
                    self.component
                ))
            })?;
            output.parameter_values.insert(name.to_owned(), value);
        }
        for (name, slot) in &self.outputs {
            let metadata = slot.metadata().clone();
            let artifact = RuntimeArtifact::new(slot.name.clone(), slot.uri.clone(), metadata);
            output
                .artifacts
                .insert(name.clone(), ArtifactList::new(vec![artifact]));
        }
        Ok(output)
    }

    /// Returns the component name.
    pub fn component(&self) -> &'static str {
        self.component
    }

    /// Returns the path of the executor output file.
    pub fn output_file(&self) -> &str {
        &self.input.outputs.output_file
    }
}
