//! The KFP pipeline IR (`PipelineSpec`, schema version 2.1.0) and its YAML form, for one
//! component or a whole pipeline.
//!
//! The layout follows what kfp 2.17.3's compiler writes: keys in alphabetical order, one
//! `comp-`/`exec-` pair per task, and a comment header that `kfp` reads the description
//! from. A component spec is a pipeline with a single task, as kfp compiles a component.

mod dag;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::component::{ComponentInterface, InputDef, OutputDef, ValueKind};
use crate::error::Error;
use crate::param::ParameterType;
use crate::pipeline::{
    ArtifactSource, Binding, Graph, Implementation, Importer, OutputNode, ParamSource, TaskId,
    TaskNode, IMPORTER_URI,
};
use crate::settings::{cpu_cores, duration_text, memory_gigabytes, Resources, RetryPolicy};

/// The IR schema version written.
pub const SCHEMA_VERSION: &str = "2.1.0";

/// How the container of every component runs the binary.
#[derive(Clone, Debug)]
pub struct Container {
    /// The image, such as `europe-docker.pkg.dev/project/repo/app:1.0`.
    pub image: String,
    /// Path of the binary inside the image.
    pub binary: String,
}

/// A `PipelineSpec` message.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineSpec {
    components: BTreeMap<String, ComponentSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_pipeline_root: Option<String>,
    deployment_spec: DeploymentSpec,
    pipeline_info: PipelineInfo,
    root: ComponentSpec,
    schema_version: &'static str,
    sdk_version: String,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct ComponentSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    dag: Option<DagSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    executor_label: Option<String>,
    #[serde(skip_serializing_if = "Definitions::is_empty")]
    input_definitions: Definitions<InputParameterSpec>,
    #[serde(skip_serializing_if = "Definitions::is_empty")]
    output_definitions: Definitions<OutputParameterSpec>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Definitions<P> {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    artifacts: BTreeMap<String, ArtifactSpec>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    parameters: BTreeMap<String, P>,
}

impl<P> Default for Definitions<P> {
    fn default() -> Self {
        Self {
            artifacts: BTreeMap::new(),
            parameters: BTreeMap::new(),
        }
    }
}

impl<P> Definitions<P> {
    fn is_empty(&self) -> bool {
        self.artifacts.is_empty() && self.parameters.is_empty()
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactSpec {
    artifact_type: ArtifactTypeSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    is_artifact_list: bool,
    #[serde(skip_serializing_if = "is_false")]
    is_optional: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactTypeSpec {
    schema_title: &'static str,
    schema_version: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct InputParameterSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    default_value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    is_optional: bool,
    parameter_type: ParameterType,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OutputParameterSpec {
    parameter_type: ParameterType,
}

fn is_false(flag: &bool) -> bool {
    !flag
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct DagSpec {
    #[serde(skip_serializing_if = "DagOutputs::is_empty")]
    outputs: DagOutputs,
    tasks: BTreeMap<String, TaskSpec>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct DagOutputs {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    artifacts: BTreeMap<String, ArtifactSelectors>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    parameters: BTreeMap<String, ParameterSelector>,
}

impl DagOutputs {
    fn is_empty(&self) -> bool {
        self.artifacts.is_empty() && self.parameters.is_empty()
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactSelectors {
    artifact_selectors: Vec<OutputSelector>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum ParameterSelector {
    ValueFromParameter(OutputSelector),
    ValueFromOneof(OneofSelectors),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OneofSelectors {
    parameter_selectors: Vec<OutputSelector>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OutputSelector {
    #[serde(skip_serializing_if = "Option::is_none")]
    output_artifact_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_parameter_key: Option<String>,
    producer_subtask: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    caching_options: Option<CachingOptions>,
    component_ref: ComponentRef,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependent_tasks: Vec<String>,
    #[serde(skip_serializing_if = "TaskInputs::is_empty")]
    inputs: TaskInputs,
    #[serde(skip_serializing_if = "Option::is_none")]
    iterator_policy: Option<IteratorPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter_iterator: Option<ParameterIterator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_policy: Option<RetryPolicySpec>,
    task_info: TaskInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger_policy: Option<TriggerPolicy>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct IteratorPolicy {
    parallelism_limit: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ParameterIterator {
    item_input: String,
    items: IteratorItems,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum IteratorItems {
    InputParameter(String),
    Raw(String),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RetryPolicySpec {
    backoff_duration: String,
    backoff_factor: f64,
    backoff_max_duration: String,
    max_retry_count: u32,
}

impl From<&RetryPolicy> for RetryPolicySpec {
    fn from(policy: &RetryPolicy) -> Self {
        Self {
            backoff_duration: duration_text(policy.backoff_duration),
            backoff_factor: policy.backoff_factor,
            backoff_max_duration: duration_text(policy.backoff_max_duration),
            max_retry_count: policy.max_retry_count,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CachingOptions {
    #[serde(skip_serializing_if = "is_false")]
    enable_cache: bool,
}

#[derive(Debug, Serialize)]
struct ComponentRef {
    name: String,
}

#[derive(Debug, Serialize)]
struct TaskInfo {
    name: String,
}

#[derive(Debug, Default, Serialize)]
struct TaskInputs {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    artifacts: BTreeMap<String, ArtifactInputSpec>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    parameters: BTreeMap<String, ParameterInputSpec>,
}

impl TaskInputs {
    fn is_empty(&self) -> bool {
        self.artifacts.is_empty() && self.parameters.is_empty()
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum ArtifactInputSpec {
    ComponentInputArtifact(String),
    TaskOutputArtifact(TaskOutputRef),
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum ParameterInputSpec {
    ComponentInputParameter(String),
    RuntimeValue {
        constant: Value,
    },
    TaskFinalStatus(ProducerTask),
    TaskOutputParameter(TaskOutputRef),
    /// A field of an input's struct value.
    #[serde(untagged, rename_all = "camelCase")]
    Selected {
        component_input_parameter: String,
        parameter_expression_selector: String,
    },
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProducerTask {
    producer_task: String,
}

#[derive(Debug, Default, Serialize)]
struct TriggerPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TaskOutputRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    output_artifact_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_parameter_key: Option<String>,
    producer_task: String,
}

#[derive(Debug, Serialize)]
struct DeploymentSpec {
    executors: BTreeMap<String, ExecutorSpec>,
}

#[derive(Debug, Serialize)]
struct ExecutorSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<ContainerSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    importer: Option<ImporterSpec>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ImporterSpec {
    artifact_uri: ImporterUri,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    metadata: serde_json::Map<String, Value>,
    #[serde(skip_serializing_if = "is_false")]
    reimport: bool,
    type_schema: ArtifactTypeSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
enum ImporterUri {
    Constant(Value),
    RuntimeParameter(String),
}

#[derive(Debug, Serialize)]
struct ContainerSpec {
    args: Vec<String>,
    command: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    env: Vec<EnvVar>,
    image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<ResourcesSpec>,
}

#[derive(Debug, Serialize)]
struct EnvVar {
    name: String,
    value: String,
}

/// Resources in both forms kfp 2.17.3 writes: the strings as given, and the deprecated
/// numbers (cores and gigabytes).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourcesSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    accelerator: Option<AcceleratorSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu_limit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu_request: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_limit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_request: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_cpu_limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_cpu_request: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_memory_limit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_memory_request: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceleratorSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_count: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_type: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    accelerator_type: Option<String>,
}

impl ResourcesSpec {
    fn from_resources(resources: &Resources) -> Option<Self> {
        if resources.is_empty() {
            return None;
        }
        let accelerator_set =
            resources.accelerator_type.is_some() || resources.accelerator_count.is_some();
        Some(Self {
            accelerator: accelerator_set.then(|| AcceleratorSpec {
                count: resources.accelerator_count.clone(),
                resource_count: resources.accelerator_count.clone(),
                resource_type: resources.accelerator_type.clone(),
                accelerator_type: resources.accelerator_type.clone(),
            }),
            cpu_limit: resources.cpu_limit.as_deref().map(cpu_cores),
            cpu_request: resources.cpu_request.as_deref().map(cpu_cores),
            memory_limit: resources.memory_limit.as_deref().map(memory_gigabytes),
            memory_request: resources.memory_request.as_deref().map(memory_gigabytes),
            resource_cpu_limit: resources.cpu_limit.clone(),
            resource_cpu_request: resources.cpu_request.clone(),
            resource_memory_limit: resources.memory_limit.clone(),
            resource_memory_request: resources.memory_request.clone(),
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PipelineInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    name: String,
}

fn artifact_spec(
    kind: ValueKind,
    optional: bool,
    description: Option<String>,
) -> Option<ArtifactSpec> {
    let ValueKind::Artifact { schema, list } = kind else {
        return None;
    };
    Some(ArtifactSpec {
        artifact_type: ArtifactTypeSpec {
            schema_title: schema.title,
            schema_version: schema.version,
        },
        description,
        is_artifact_list: list,
        is_optional: optional,
    })
}

fn input_definitions(inputs: &[InputDef]) -> Definitions<InputParameterSpec> {
    let mut definitions = Definitions::default();
    for input in inputs {
        match input.kind {
            ValueKind::Parameter(parameter_type) => {
                let spec = InputParameterSpec {
                    default_value: input.default.clone(),
                    description: input.description.clone(),
                    is_optional: input.optional,
                    parameter_type,
                };
                definitions.parameters.insert(input.name.clone(), spec);
            }
            kind => {
                let spec = artifact_spec(kind, input.optional, input.description.clone());
                definitions
                    .artifacts
                    .extend(spec.map(|spec| (input.name.clone(), spec)));
            }
        }
    }
    definitions
}

fn output_definitions<'a>(
    outputs: impl Iterator<Item = (&'a str, ValueKind)>,
) -> Definitions<OutputParameterSpec> {
    let mut definitions = Definitions::default();
    for (name, kind) in outputs {
        match kind {
            ValueKind::Parameter(parameter_type) => {
                definitions
                    .parameters
                    .insert(name.to_owned(), OutputParameterSpec { parameter_type });
            }
            kind => {
                let spec = artifact_spec(kind, false, None);
                definitions
                    .artifacts
                    .extend(spec.map(|spec| (name.to_owned(), spec)));
            }
        }
    }
    definitions
}

/// Returns the container of a component task. Its arguments pass the component's
/// fingerprint, so that the cache key changes with the component even when the image tag
/// does not, and the run and task names, which the engine fills in, for the task's logs.
fn container_executor(
    container: &Container,
    task: &TaskNode,
    component: &crate::registry::ComponentEntry,
) -> ExecutorSpec {
    let env = task.env.iter().map(|(name, value)| EnvVar {
        name: name.clone(),
        value: value.clone(),
    });
    let container = ContainerSpec {
        args: [
            "exec",
            component.name,
            "--executor-input",
            "{{$}}",
            "--fingerprint",
            component.fingerprint,
            "--run-name",
            "{{$.pipeline_job_name}}",
            "--task-name",
            "{{$.pipeline_task_name}}",
        ]
        .map(str::to_owned)
        .to_vec(),
        command: vec![container.binary.clone()],
        env: env.collect(),
        image: container.image.clone(),
        resources: ResourcesSpec::from_resources(&task.resources),
    };
    ExecutorSpec {
        container: Some(container),
        importer: None,
    }
}

fn importer_executor(importer: &Importer, task: &TaskNode) -> ExecutorSpec {
    let uri = task.inputs.iter().find(|(name, _)| name == IMPORTER_URI);
    let artifact_uri = match uri {
        Some((_, Binding::Parameter(ParamSource::Constant(value)))) => {
            ImporterUri::Constant(value.clone())
        }
        _ => ImporterUri::RuntimeParameter(IMPORTER_URI.to_owned()),
    };
    let importer = ImporterSpec {
        artifact_uri,
        metadata: importer.metadata.clone(),
        reimport: importer.reimport,
        type_schema: ArtifactTypeSpec {
            schema_title: importer.schema.title,
            schema_version: importer.schema.version,
        },
    };
    ExecutorSpec {
        container: None,
        importer: Some(importer),
    }
}

fn check_valid(graph: &Graph) -> Result<(), Error> {
    if graph.errors.is_empty() {
        return Ok(());
    }
    let errors = graph.errors.join("\n");
    Err(Error::Pipeline(format!(
        "pipeline `{}` is invalid: {errors}",
        graph.name
    )))
}

impl PipelineSpec {
    /// Builds the IR of a pipeline graph.
    pub fn from_graph(graph: &Graph, container: &Container) -> Result<Self, Error> {
        check_valid(graph)?;
        let mut collector = dag::Collector::new(container);
        let dag = dag::DagBuilder::new(graph, &mut collector).root()?;
        let dag::Collector {
            components,
            executors,
            ..
        } = collector;
        let root_outputs = graph.outputs.iter().map(|o| (o.name.as_str(), o.kind));
        let root = ComponentSpec {
            dag: Some(dag),
            executor_label: None,
            input_definitions: input_definitions(&graph.inputs),
            output_definitions: output_definitions(root_outputs),
        };
        Ok(Self {
            components,
            default_pipeline_root: graph.pipeline_root.clone(),
            deployment_spec: DeploymentSpec { executors },
            pipeline_info: PipelineInfo {
                description: graph.description.clone(),
                name: graph.name.clone(),
            },
            root,
            schema_version: SCHEMA_VERSION,
            sdk_version: format!("vertex-runtime-{}", env!("CARGO_PKG_VERSION")),
        })
    }

    /// Overrides the defaults of pipeline inputs, as `kfp`'s `pipeline_parameters` does.
    pub fn set_defaults(&mut self, values: &BTreeMap<String, Value>) -> Result<(), Error> {
        for (name, value) in values {
            let spec = self
                .root
                .input_definitions
                .parameters
                .get_mut(name)
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "pipeline `{}` has no parameter `{name}`",
                        self.pipeline_info.name
                    ))
                })?;
            spec.default_value = Some(value.clone());
            spec.is_optional = true;
        }
        Ok(())
    }
}

/// Renders a default value in the Python form kfp's header comments use.
fn python_repr(value: &Value) -> String {
    match value {
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Null => "None".to_owned(),
        Value::String(text) => format!("{text:?}"),
        other => other.to_string(),
    }
}

fn header_type(kind: ValueKind) -> String {
    match kind {
        ValueKind::Parameter(parameter_type) => parameter_type.python_name().to_owned(),
        ValueKind::Artifact {
            schema,
            list: false,
        } => schema.title.to_owned(),
        ValueKind::Artifact { schema, list: true } => format!("List[{}]", schema.title),
    }
}

/// Builds the comment header kfp writes above a compiled spec. kfp reads the description
/// back from the third line, with continuation lines indented by 14 spaces.
/// Escapes what YAML forbids or reads as a line break inside a comment: control characters
/// such as CR, and the NEL, line and paragraph separators.
fn comment_safe(line: &str) -> String {
    let mut safe = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_control()
            || matches!(
                c,
                '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
            )
        {
            safe.extend(c.escape_default());
        } else {
            safe.push(c);
        }
    }
    safe
}

fn header(
    name: &str,
    description: Option<&str>,
    inputs: &[InputDef],
    outputs: &[(String, ValueKind)],
) -> String {
    let mut lines = vec![
        "# PIPELINE DEFINITION".to_owned(),
        format!("# Name: {name}"),
    ];
    if let Some(description) = description {
        for (index, line) in description.lines().enumerate() {
            let prefix = if index == 0 {
                "# Description: "
            } else {
                "#              "
            };
            let line = comment_safe(line);
            lines.push(format!("{prefix}{line}").trim_end().to_owned());
        }
    }
    let mut sorted_inputs: Vec<&InputDef> = inputs.iter().collect();
    sorted_inputs.sort_by(|a, b| a.name.cmp(&b.name));
    if !sorted_inputs.is_empty() {
        lines.push("# Inputs:".to_owned());
    }
    for input in sorted_inputs {
        let default = match &input.default {
            Some(value) => format!(" [Default: {}]", comment_safe(&python_repr(value))),
            None => String::new(),
        };
        lines.push(format!(
            "#    {}: {}{default}",
            input.name,
            header_type(input.kind)
        ));
    }
    let mut sorted_outputs: Vec<&(String, ValueKind)> = outputs.iter().collect();
    sorted_outputs.sort_by(|a, b| a.0.cmp(&b.0));
    if !sorted_outputs.is_empty() {
        lines.push("# Outputs:".to_owned());
    }
    for (name, kind) in sorted_outputs {
        lines.push(format!("#    {name}: {}", header_type(*kind)));
    }
    lines.join("\n") + "\n"
}

/// Renders a spec as YAML with kfp's comment header.
fn to_yaml(
    spec: &PipelineSpec,
    inputs: &[InputDef],
    outputs: &[(String, ValueKind)],
) -> Result<String, Error> {
    let info = &spec.pipeline_info;
    // Going through JSON values writes enums as one-key maps (the protobuf JSON form) where
    // the YAML serializer would write tags. The object keys come out sorted, as kfp writes them.
    let render =
        |error: &dyn std::fmt::Display| Error::Pipeline(format!("cannot render YAML: {error}"));
    let value = serde_json::to_value(spec).map_err(|error| render(&error))?;
    let body = serde_saphyr::to_string(&value).map_err(|error| render(&error))?;
    Ok(header(&info.name, info.description.as_deref(), inputs, outputs) + &body)
}

/// Renders a pipeline graph as PipelineSpec YAML.
pub fn pipeline_yaml(
    graph: &Graph,
    container: &Container,
    defaults: &BTreeMap<String, Value>,
) -> Result<String, Error> {
    let mut spec = PipelineSpec::from_graph(graph, container)?;
    spec.set_defaults(defaults)?;
    let mut inputs = graph.inputs.clone();
    for input in &mut inputs {
        if let Some(value) = defaults.get(&input.name) {
            input.default = Some(value.clone());
        }
    }
    let outputs: Vec<(String, ValueKind)> = graph
        .outputs
        .iter()
        .map(|o| (o.name.clone(), o.kind))
        .collect();
    to_yaml(&spec, &inputs, &outputs)
}

/// Builds the one-task pipeline graph kfp compiles for a single component: every input
/// is a pipeline input, every output a pipeline output.
pub fn component_graph(
    interface: &ComponentInterface,
    entry: &'static crate::registry::ComponentEntry,
) -> Graph {
    let id = crate::pipeline::single_task_id(&interface.name);
    let inputs = interface
        .inputs
        .iter()
        .map(|input| {
            let binding = match input.kind {
                ValueKind::Parameter(_) => {
                    Binding::Parameter(ParamSource::PipelineInput(input.name.clone()))
                }
                ValueKind::Artifact { .. } => {
                    Binding::Artifact(ArtifactSource::PipelineInput(input.name.clone()))
                }
            };
            (input.name.clone(), binding)
        })
        .collect();
    let outputs = interface
        .outputs
        .iter()
        .map(|output| component_output(output, &id))
        .collect();
    let task = TaskNode {
        id,
        implementation: Implementation::Container(entry),
        interface: interface.clone(),
        inputs,
        after: Default::default(),
        display_name: None,
        caching: true,
        retry: None,
        group: None,
        seq: 0,
        resources: Default::default(),
        env: Vec::new(),
    };
    Graph {
        name: interface.name.clone(),
        description: interface.description.clone(),
        inputs: interface.inputs.clone(),
        tasks: vec![task],
        outputs,
        ..Graph::default()
    }
}

fn component_output(output: &OutputDef, task: &TaskId) -> OutputNode {
    let source = match output.kind {
        ValueKind::Parameter(_) => Binding::Parameter(ParamSource::TaskOutput {
            task: task.clone(),
            output: output.name.clone(),
        }),
        ValueKind::Artifact { .. } => Binding::Artifact(ArtifactSource::TaskOutput {
            task: task.clone(),
            output: output.name.clone(),
        }),
    };
    OutputNode {
        name: output.name.clone(),
        kind: output.kind,
        source,
    }
}

/// Renders a component as the YAML `kfp.components.load_component_from_file` loads.
pub fn component_yaml(
    entry: &'static crate::registry::ComponentEntry,
    container: &Container,
) -> Result<String, Error> {
    let interface = (entry.interface)();
    interface.check_unique_names().map_err(Error::Registry)?;
    let graph = component_graph(&interface, entry);
    pipeline_yaml(&graph, container, &BTreeMap::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_escapes_line_breaks_and_controls() {
        let text = header("c", Some("a\u{2}b\rname: x\u{85}c\nsecond"), &[], &[]);
        assert_eq!(
            text,
            "# PIPELINE DEFINITION\n# Name: c\n# Description: a\\u{2}b\\rname: x\\u{85}c\n#              second\n"
        );
        let parsed: Value = serde_saphyr::from_str(&format!("{text}key: 1\n")).unwrap();
        assert_eq!(parsed, serde_json::json!({"key": 1}));
    }

    #[test]
    fn header_escapes_controls_in_defaults() {
        let input = InputDef {
            name: "tags".to_owned(),
            kind: ValueKind::Parameter(crate::ParameterType::List),
            optional: true,
            default: Some(serde_json::json!(["\u{7f}\u{85}", {"\u{7f}": null}])),
            description: None,
        };
        let text = header("c", None, &[input], &[]);
        assert!(!text.contains('\u{7f}'), "{text:?}");
        assert!(!text.contains('\u{85}'), "{text:?}");
        assert_eq!(text.lines().count(), 4, "{text:?}");
        let parsed: Value = serde_saphyr::from_str(&format!("{text}key: 1\n")).unwrap();
        assert_eq!(parsed, serde_json::json!({"key": 1}));
    }
}
