//! Pipelines: tasks wired by typed references to pipeline inputs, constants and upstream
//! outputs.
//!
//! `#[vertex_component]` generates, beside each component function, a struct of the same
//! name with one field per input. A pipeline creates a task from it with
//! [`Pipeline::task`]; a missing required input is a missing field, and an output of the
//! wrong type is a type mismatch, both reported by `cargo build`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;

use serde_json::Value;

use crate::artifact::ArtifactType;
use crate::component::{ArtifactSchema, ComponentInterface, InputDef, ValueKind};
use crate::param::{Parameter, ParameterType, ValueError};
use crate::registry::ComponentEntry;
use crate::settings::{
    check_accelerator_count, check_cpu, check_env_name, check_memory, Resources, RetryPolicy,
};

/// The key of a task in its pipeline, such as `train` or `train-2`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(String);

impl TaskId {
    /// Creates a task key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// Returns the key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The source of a parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamSource {
    /// A constant, already encoded.
    Constant(Value),
    /// A constant that could not be encoded; compiling the pipeline reports it.
    Invalid(String),
    /// An input of the pipeline.
    PipelineInput(String),
    /// An output parameter of an upstream task.
    TaskOutput {
        /// The producing task.
        task: TaskId,
        /// Its output's name.
        output: String,
    },
    /// The current item of a loop.
    LoopItem {
        /// The loop's index in [`Graph::groups`].
        group: usize,
    },
    /// An output parameter of a task inside a loop, collected over its iterations.
    Collected {
        /// The loop's index in [`Graph::groups`].
        group: usize,
        /// The producing task inside the loop.
        task: TaskId,
        /// Its output's name.
        output: String,
    },
    /// The output of whichever branch of an if/else chain ran, like kfp's `dsl.OneOf`.
    OneOf {
        /// The branches group's index in [`Graph::groups`].
        group: usize,
        /// The number of this merged output within its group, from 1.
        number: usize,
        /// Per branch: its condition group and the task output it gives.
        branches: Vec<(usize, TaskId, String)>,
    },
    /// A field of a struct value, such as a loop item.
    Field {
        /// The struct value.
        base: Box<ParamSource>,
        /// The field's name.
        field: String,
    },
    /// The final status of the tasks an exit handler guards.
    TaskFinalStatus {
        /// The exit handler's index in [`Graph::groups`].
        group: usize,
    },
}

/// The source of an artifact.
#[derive(Clone, Debug, PartialEq)]
pub enum ArtifactSource {
    /// An input of the pipeline.
    PipelineInput(String),
    /// An output artifact of an upstream task.
    TaskOutput {
        /// The producing task.
        task: TaskId,
        /// Its output's name.
        output: String,
    },
    /// An output artifact of a task inside a loop, collected over its iterations.
    Collected {
        /// The loop's index in [`Graph::groups`].
        group: usize,
        /// The producing task inside the loop.
        task: TaskId,
        /// Its output's name.
        output: String,
    },
}

/// A typed reference to a parameter value of type `T`: a constant, a pipeline input or an
/// upstream task's output.
pub struct ParamRef<T> {
    pub(crate) source: ParamSource,
    value_type: PhantomData<fn() -> T>,
}

impl<T> Clone for ParamRef<T> {
    fn clone(&self) -> Self {
        Self {
            source: self.source.clone(),
            value_type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ParamRef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

impl<T> ParamRef<T> {
    pub(crate) fn from_source(source: ParamSource) -> Self {
        Self {
            source,
            value_type: PhantomData,
        }
    }

    /// References an output parameter of a task.
    pub fn task_output(task: &TaskId, output: &str) -> Self {
        Self::from_source(ParamSource::TaskOutput {
            task: task.clone(),
            output: output.to_owned(),
        })
    }

    /// Returns where the value comes from.
    pub fn source(&self) -> &ParamSource {
        &self.source
    }
}

impl<T: Parameter> ParamRef<T> {
    /// Creates a reference to a constant value.
    pub fn constant(value: T) -> Self {
        Self::from_source(match value.encode() {
            Ok(encoded) => ParamSource::Constant(encoded),
            Err(error) => ParamSource::Invalid(error.to_string()),
        })
    }
}

impl<T: Parameter> From<T> for ParamRef<T> {
    fn from(value: T) -> Self {
        Self::constant(value)
    }
}

impl From<&str> for ParamRef<String> {
    fn from(value: &str) -> Self {
        Self::constant(value.to_owned())
    }
}

/// A typed reference to an artifact of type `A`: a pipeline input or an upstream output.
pub struct ArtifactRef<A> {
    pub(crate) source: ArtifactSource,
    pub(crate) artifact_type: PhantomData<fn() -> A>,
}

impl<A> Clone for ArtifactRef<A> {
    fn clone(&self) -> Self {
        Self {
            source: self.source.clone(),
            artifact_type: PhantomData,
        }
    }
}

impl<A> fmt::Debug for ArtifactRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

impl<A: ArtifactType> ArtifactRef<A> {
    /// References an output artifact of a task.
    pub fn task_output(task: &TaskId, output: &str) -> Self {
        Self {
            source: ArtifactSource::TaskOutput {
                task: task.clone(),
                output: output.to_owned(),
            },
            artifact_type: PhantomData,
        }
    }

    /// Returns where the artifact comes from.
    pub fn source(&self) -> &ArtifactSource {
        &self.source
    }
}

/// A typed reference to a list of artifacts of type `A`, from a pipeline input.
pub struct ArtifactListRef<A> {
    pub(crate) source: ArtifactSource,
    pub(crate) artifact_type: PhantomData<fn() -> A>,
}

impl<A> Clone for ArtifactListRef<A> {
    fn clone(&self) -> Self {
        Self {
            source: self.source.clone(),
            artifact_type: PhantomData,
        }
    }
}

/// The binding of one task input. [`Bind::binding`] returns `None` for an unset optional input.
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    /// A parameter input.
    Parameter(ParamSource),
    /// An artifact input.
    Artifact(ArtifactSource),
}

/// A reference that can be bound to a task input; implemented by the field types of the
/// structs that `#[vertex_component]` generates.
pub trait Bind {
    /// Returns the binding, or `None` for an unset optional input.
    fn binding(self) -> Option<Binding>;
}

impl<T> Bind for ParamRef<T> {
    fn binding(self) -> Option<Binding> {
        Some(Binding::Parameter(self.source))
    }
}

impl<A> Bind for ArtifactRef<A> {
    fn binding(self) -> Option<Binding> {
        Some(Binding::Artifact(self.source))
    }
}

impl<A> Bind for ArtifactListRef<A> {
    fn binding(self) -> Option<Binding> {
        Some(Binding::Artifact(self.source))
    }
}

impl<B: Bind> Bind for Option<B> {
    fn binding(self) -> Option<Binding> {
        self.and_then(Bind::binding)
    }
}

/// The implementation a task runs.
#[derive(Clone, Debug)]
pub enum Implementation {
    /// A component of this binary, run as a container.
    Container(&'static ComponentEntry),
    /// A pipeline used as a task of another.
    Pipeline(Rc<Graph>),
    /// An importer, which brings an existing artifact into the pipeline.
    Importer(Importer),
}

impl Implementation {
    /// Returns the interface: the component's, or the inputs and outputs of a pipeline.
    pub fn interface(&self) -> ComponentInterface {
        match self {
            Self::Container(entry) => (entry.interface)(),
            Self::Pipeline(graph) => ComponentInterface {
                name: graph.name.clone(),
                description: graph.description.clone(),
                inputs: graph.inputs.clone(),
                outputs: graph
                    .outputs
                    .iter()
                    .map(|output| crate::component::OutputDef {
                        name: output.name.clone(),
                        kind: output.kind,
                    })
                    .collect(),
            },
            Self::Importer(importer) => importer.interface(),
        }
    }
}

/// An importer: the artifact type, metadata and whether to import the URI again when it
/// was imported before.
#[derive(Clone, Debug, PartialEq)]
pub struct Importer {
    /// The type of the imported artifact.
    pub schema: ArtifactSchema,
    /// Metadata attached to the artifact.
    pub metadata: serde_json::Map<String, Value>,
    /// Whether to register the URI again even if it was imported before.
    pub reimport: bool,
}

/// Name of the importer's URI input, as kfp names it.
pub const IMPORTER_URI: &str = "uri";
/// Name of the importer's output artifact, as kfp names it.
pub const IMPORTER_OUTPUT: &str = "artifact";

impl Importer {
    fn interface(&self) -> ComponentInterface {
        ComponentInterface {
            name: "importer".to_owned(),
            description: None,
            inputs: vec![InputDef {
                name: IMPORTER_URI.to_owned(),
                kind: ValueKind::Parameter(ParameterType::String),
                optional: false,
                default: None,
                description: None,
            }],
            outputs: vec![crate::component::OutputDef {
                name: IMPORTER_OUTPUT.to_owned(),
                kind: ValueKind::Artifact {
                    schema: self.schema,
                    list: false,
                },
            }],
        }
    }
}

/// The output of an importer task.
#[derive(Clone, Debug)]
pub struct ImportedArtifact<A> {
    /// The imported artifact.
    pub artifact: ArtifactRef<A>,
}

/// The inputs of one task; implemented by the struct that `#[vertex_component]` or
/// `#[vertex_pipeline]` generates beside the function.
pub trait ComponentTask {
    /// References to the task's outputs.
    type Outputs;

    /// Returns what the task runs.
    fn implementation() -> Implementation;

    /// Returns the binding of each input, by KFP name.
    fn bindings(self) -> Vec<(&'static str, Option<Binding>)>;

    /// Returns references to the outputs of the task `task`.
    fn outputs(task: &TaskId) -> Self::Outputs;
}

/// A pipeline input: a parameter or an artifact reference declared by a
/// `#[vertex_pipeline]` function argument.
pub trait PipelineInput: Sized {
    /// The value type of a default, for parameters.
    type Value;

    /// Declares the input on the pipeline and returns a reference to it.
    fn declare(
        pipeline: &Pipeline,
        name: &str,
        default: Option<Result<Value, ValueError>>,
        description: Option<&str>,
    ) -> Self;
}

impl<T: Parameter> PipelineInput for ParamRef<T> {
    type Value = T;

    fn declare(
        pipeline: &Pipeline,
        name: &str,
        default: Option<Result<Value, ValueError>>,
        description: Option<&str>,
    ) -> Self {
        pipeline.declare_input(name, ValueKind::Parameter(T::TYPE), default, description);
        let check: ParameterCheck = |value| T::decode(value).map(drop);
        pipeline
            .graph
            .borrow_mut()
            .parameter_checks
            .insert(name.to_owned(), check);
        Self::from_source(ParamSource::PipelineInput(name.to_owned()))
    }
}

impl<A: ArtifactType> PipelineInput for ArtifactRef<A> {
    type Value = ();

    fn declare(
        pipeline: &Pipeline,
        name: &str,
        _: Option<Result<Value, ValueError>>,
        description: Option<&str>,
    ) -> Self {
        let kind = ValueKind::Artifact {
            schema: ArtifactSchema::of::<A>(),
            list: false,
        };
        pipeline.declare_input(name, kind, None, description);
        Self {
            source: ArtifactSource::PipelineInput(name.to_owned()),
            artifact_type: PhantomData,
        }
    }
}

impl<A: ArtifactType> PipelineInput for ArtifactListRef<A> {
    type Value = ();

    fn declare(
        pipeline: &Pipeline,
        name: &str,
        _: Option<Result<Value, ValueError>>,
        description: Option<&str>,
    ) -> Self {
        let kind = ValueKind::Artifact {
            schema: ArtifactSchema::of::<A>(),
            list: true,
        };
        pipeline.declare_input(name, kind, None, description);
        Self {
            source: ArtifactSource::PipelineInput(name.to_owned()),
            artifact_type: PhantomData,
        }
    }
}

/// A value that can be an output of a pipeline.
pub trait PipelineOutput {
    /// Returns the output's kind and source.
    fn output(&self) -> (ValueKind, Binding);
}

impl<T: Parameter> PipelineOutput for ParamRef<T> {
    fn output(&self) -> (ValueKind, Binding) {
        (
            ValueKind::Parameter(T::TYPE),
            Binding::Parameter(self.source.clone()),
        )
    }
}

impl<A: ArtifactType> PipelineOutput for ArtifactRef<A> {
    fn output(&self) -> (ValueKind, Binding) {
        let kind = ValueKind::Artifact {
            schema: ArtifactSchema::of::<A>(),
            list: false,
        };
        (kind, Binding::Artifact(self.source.clone()))
    }
}

/// The return type of a `#[vertex_pipeline]` function: `()`, or one parameter or artifact
/// reference. The reference becomes the pipeline output `Output`, which a pipeline that uses
/// this one as a task can wire downstream.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a pipeline",
    label = "unsupported pipeline return type",
    note = "return `()`, a `ParamRef<T>` or an `ArtifactRef<A>`, and declare further outputs with `Pipeline::output`"
)]
pub trait PipelineReturn {
    /// References to the outputs of a task running this pipeline.
    type Refs;

    /// Declares the returned reference as the pipeline output `Output`.
    fn declare(&self, pipeline: &Pipeline);

    /// Returns references to the outputs of the task `task`.
    fn refs(task: &TaskId) -> Self::Refs;
}

impl PipelineReturn for () {
    type Refs = crate::component::NoOutput;

    fn declare(&self, _: &Pipeline) {}

    fn refs(_: &TaskId) -> Self::Refs {
        crate::component::NoOutput {}
    }
}

impl<T: Parameter> PipelineReturn for ParamRef<T> {
    type Refs = crate::component::SingleOutput<T>;

    fn declare(&self, pipeline: &Pipeline) {
        pipeline.output(crate::component::RETURN_OUTPUT, self);
    }

    fn refs(task: &TaskId) -> Self::Refs {
        crate::component::SingleOutput {
            output: ParamRef::task_output(task, crate::component::RETURN_OUTPUT),
        }
    }
}

/// The pipeline reference of a pipeline's single returned artifact.
#[derive(Clone, Debug)]
pub struct SingleArtifact<A> {
    /// The output `Output`.
    pub output: ArtifactRef<A>,
}

impl<A: ArtifactType> PipelineReturn for ArtifactRef<A> {
    type Refs = SingleArtifact<A>;

    fn declare(&self, pipeline: &Pipeline) {
        pipeline.output(crate::component::RETURN_OUTPUT, self);
    }

    fn refs(task: &TaskId) -> Self::Refs {
        SingleArtifact {
            output: ArtifactRef::task_output(task, crate::component::RETURN_OUTPUT),
        }
    }
}

/// One task of a pipeline graph.
#[derive(Clone, Debug)]
pub struct TaskNode {
    /// The task key.
    pub id: TaskId,
    /// Its implementation.
    pub implementation: Implementation,
    /// The interface of what it runs.
    pub interface: ComponentInterface,
    /// Bound inputs by name; unset optional inputs are left out.
    pub inputs: Vec<(String, Binding)>,
    /// Tasks that must finish first, beyond those whose outputs are inputs.
    pub after: BTreeSet<TaskId>,
    /// The name shown in the UI, when set.
    pub display_name: Option<String>,
    /// Whether the orchestrator may reuse cached outputs (on by default).
    pub caching: bool,
    /// Retries after a failure, if any.
    pub retry: Option<RetryPolicy>,
    /// The control-flow group the task is in, as an index into [`Graph::groups`].
    pub group: Option<usize>,
    /// Creation order among the tasks and groups of the pipeline.
    pub seq: usize,
    /// CPU, memory and accelerator requests and limits.
    pub resources: Resources,
    /// Environment variables of the task's container, in the order they were set.
    pub env: Vec<(String, String)>,
}

impl TaskNode {
    /// Returns every task this one depends on: producers of its inputs and `after` tasks.
    pub fn dependencies(&self) -> BTreeSet<TaskId> {
        let producers = self.inputs.iter().filter_map(|(_, binding)| match binding {
            Binding::Parameter(ParamSource::TaskOutput { task, .. })
            | Binding::Artifact(ArtifactSource::TaskOutput { task, .. }) => Some(task.clone()),
            _ => None,
        });
        producers.chain(self.after.iter().cloned()).collect()
    }
}

/// A pipeline output: its name, kind and source.
#[derive(Clone, Debug)]
pub struct OutputNode {
    /// The output's name.
    pub name: String,
    /// Parameter or artifact, and its type.
    pub kind: ValueKind,
    /// Its source.
    pub source: Binding,
}

/// Checks that a JSON value decodes as a parameter's Rust type.
pub type ParameterCheck = fn(&Value) -> Result<(), ValueError>;

/// The graph a pipeline function builds.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// The KFP name.
    pub name: String,
    /// From the doc comment.
    pub description: Option<String>,
    /// Pipeline inputs in declaration order.
    pub inputs: Vec<InputDef>,
    /// Tasks in creation order, which is a topological order.
    pub tasks: Vec<TaskNode>,
    /// Pipeline outputs.
    pub outputs: Vec<OutputNode>,
    /// The default pipeline root (`defaultPipelineRoot`), such as `gs://bucket/root`.
    pub pipeline_root: Option<String>,
    /// Invalid task settings, reported when the pipeline is compiled or run.
    pub errors: Vec<String>,
    /// The full check of each parameter input's Rust type, such as the range of a `u8`.
    pub parameter_checks: BTreeMap<String, ParameterCheck>,
    /// Pipeline inputs marked `#[secret]`, whose values no error message may show.
    pub secret_inputs: std::collections::BTreeSet<String>,
    /// Control-flow groups, such as loops, in creation order.
    pub groups: Vec<crate::control::GroupNode>,
    /// The next creation number of a task or group.
    pub(crate) next_seq: usize,
    /// The last number given to a group or loop item, as in `for-loop-3`.
    pub(crate) group_counter: usize,
    /// The number of merged outputs of each branches group so far.
    pub(crate) one_of_counts: HashMap<usize, usize>,
    pub(crate) task_counts: HashMap<String, usize>,
}

/// A pipeline under construction. `#[vertex_pipeline]` creates one and passes it to the
/// pipeline function.
#[derive(Clone, Debug)]
pub struct Pipeline {
    pub(crate) graph: Rc<RefCell<Graph>>,
    /// The group new tasks go into, `None` at the top level.
    pub(crate) group: Option<usize>,
}

impl Pipeline {
    /// Creates an empty pipeline.
    pub fn new(name: &str, description: Option<&str>) -> Self {
        let graph = Graph {
            name: name.to_owned(),
            description: description.map(str::to_owned),
            ..Graph::default()
        };
        Self {
            graph: Rc::new(RefCell::new(graph)),
            group: None,
        }
    }

    fn declare_input(
        &self,
        name: &str,
        kind: ValueKind,
        default: Option<Result<Value, ValueError>>,
        description: Option<&str>,
    ) {
        let default = default.map(|encoded| {
            // A default that cannot be encoded is a programming error in the pipeline.
            encoded.unwrap_or_else(|error| {
                panic!("the default of pipeline input `{name}` cannot be encoded: {error}")
            })
        });
        self.graph.borrow_mut().inputs.push(InputDef {
            name: name.to_owned(),
            kind,
            optional: default.is_some(),
            default,
            description: description.map(str::to_owned),
        });
    }

    /// Declares a pipeline input; called by generated code.
    pub fn input<I: PipelineInput>(
        &self,
        name: &str,
        default: Option<Result<Value, ValueError>>,
        description: Option<&str>,
    ) -> I {
        I::declare(self, name, default, description)
    }

    /// Marks a pipeline input `#[secret]`; called by generated code.
    #[doc(hidden)]
    pub fn mark_secret(&self, name: &str) {
        self.graph
            .borrow_mut()
            .secret_inputs
            .insert(name.to_owned());
    }

    /// Adds a task running a component, and returns it with references to its outputs.
    ///
    /// The task key is the component name, with `-2`, `-3`, ... for repeated components.
    pub fn task<C: ComponentTask>(&self, component: C) -> Task<C::Outputs> {
        let bindings = component.bindings();
        let inputs = bindings
            .into_iter()
            .filter_map(|(name, binding)| Some((name.to_owned(), binding?)))
            .collect();
        let id = self.add_task(C::implementation(), inputs);
        Task {
            outputs: C::outputs(&id),
            id,
            graph: Rc::clone(&self.graph),
        }
    }

    fn add_task(&self, implementation: Implementation, inputs: Vec<(String, Binding)>) -> TaskId {
        let interface = implementation.interface();
        let mut graph = self.graph.borrow_mut();
        if let Err(message) = interface.check_unique_names() {
            graph.errors.push(message);
        }
        let count = graph.task_counts.entry(interface.name.clone()).or_insert(0);
        *count += 1;
        let key = match *count {
            1 => interface.name.clone(),
            n => format!("{}-{n}", interface.name),
        };
        let id = TaskId(key);
        let seq = graph.next_seq;
        graph.next_seq += 1;
        graph.tasks.push(TaskNode {
            id: id.clone(),
            implementation,
            interface,
            inputs,
            after: BTreeSet::new(),
            display_name: None,
            caching: true,
            retry: None,
            group: self.group,
            seq,
            resources: Resources::default(),
            env: Vec::new(),
        });
        id
    }

    /// Adds an importer task, which brings the existing artifact at `uri` into the
    /// pipeline as an artifact of type `A` with `metadata`. With `reimport`, the
    /// orchestrator registers the artifact again even if it imported the URI before.
    pub fn importer<A: ArtifactType>(
        &self,
        uri: impl Into<ParamRef<String>>,
        metadata: serde_json::Map<String, Value>,
        reimport: bool,
    ) -> Task<ImportedArtifact<A>> {
        let importer = Importer {
            schema: ArtifactSchema::of::<A>(),
            metadata,
            reimport,
        };
        let uri = Binding::Parameter(uri.into().source);
        let id = self.add_task(
            Implementation::Importer(importer),
            vec![(IMPORTER_URI.to_owned(), uri)],
        );
        Task {
            outputs: ImportedArtifact {
                artifact: ArtifactRef::task_output(&id, IMPORTER_OUTPUT),
            },
            id,
            graph: Rc::clone(&self.graph),
        }
    }

    /// Declares a pipeline output named `name`, taken from a task output.
    pub fn output(&self, name: &str, value: &impl PipelineOutput) {
        let (kind, source) = value.output();
        self.graph.borrow_mut().outputs.push(OutputNode {
            name: name.to_owned(),
            kind,
            source,
        });
    }

    /// Sets the default pipeline root, where runs on Vertex AI or KFP write their artifacts.
    pub fn set_pipeline_root(&self, root: &str) {
        self.graph.borrow_mut().pipeline_root = Some(root.to_owned());
    }

    /// Takes the graph out of the pipeline once its function has returned.
    pub fn into_graph(self) -> Graph {
        Rc::try_unwrap(self.graph)
            .map_or_else(|shared| shared.borrow().clone(), RefCell::into_inner)
    }

    /// Returns the graph built so far.
    pub fn graph(&self) -> std::cell::Ref<'_, Graph> {
        self.graph.borrow()
    }
}

/// A task of a pipeline. It dereferences to its outputs, so `task.output` or
/// `task.model` reference them.
pub struct Task<O> {
    id: TaskId,
    graph: Rc<RefCell<Graph>>,
    outputs: O,
}

impl<O> Task<O> {
    /// Returns the task key.
    pub fn id(&self) -> &TaskId {
        &self.id
    }

    fn update(&self, change: impl FnOnce(&mut TaskNode)) -> &Self {
        let mut graph = self.graph.borrow_mut();
        if let Some(node) = graph.tasks.iter_mut().find(|node| node.id == self.id) {
            change(node);
        }
        self
    }

    /// Runs this task only after `other` has finished.
    pub fn after<P>(&self, other: &Task<P>) -> &Self {
        let other = other.id.clone();
        self.update(|node| {
            node.after.insert(other);
        })
    }

    /// Sets the name shown for this task in the UI.
    pub fn set_display_name(&self, name: &str) -> &Self {
        self.update(|node| node.display_name = Some(name.to_owned()))
    }

    /// Turns reuse of cached outputs on or off for this task.
    pub fn set_caching(&self, enabled: bool) -> &Self {
        self.update(|node| node.caching = enabled)
    }

    /// Records an invalid setting, reported when the pipeline is compiled or run.
    fn reject(&self, message: String) -> &Self {
        let error = format!("task `{}`: {message}", self.id);
        self.graph.borrow_mut().errors.push(error);
        self
    }

    /// Sets the retries after a failure, such as `RetryPolicy::new(3)`.
    pub fn set_retry(&self, policy: RetryPolicy) -> &Self {
        if !(policy.backoff_factor.is_finite() && policy.backoff_factor > 0.0) {
            let factor = policy.backoff_factor;
            return self.reject(format!(
                "invalid backoff factor {factor}: expected a positive number"
            ));
        }
        let durations = [policy.backoff_duration, policy.backoff_max_duration];
        if durations
            .iter()
            .any(|duration| duration.subsec_nanos() != 0)
        {
            return self.reject(format!(
                "invalid backoff {:?} or {:?}: KFP takes whole seconds",
                policy.backoff_duration, policy.backoff_max_duration
            ));
        }
        self.update(|node| node.retry = Some(policy))
    }

    /// Sets the CPU limit: cores such as `2` or `0.5`, or millicores such as `500m`.
    pub fn set_cpu_limit(&self, cpu: &str) -> &Self {
        match check_cpu(cpu) {
            Ok(()) => self.update(|node| node.resources.cpu_limit = Some(cpu.to_owned())),
            Err(message) => self.reject(message),
        }
    }

    /// Sets the CPU request, in the form of [`set_cpu_limit`](Self::set_cpu_limit).
    pub fn set_cpu_request(&self, cpu: &str) -> &Self {
        match check_cpu(cpu) {
            Ok(()) => self.update(|node| node.resources.cpu_request = Some(cpu.to_owned())),
            Err(message) => self.reject(message),
        }
    }

    /// Sets the memory limit: an integer with an optional unit, such as `4G` or `512Mi`.
    pub fn set_memory_limit(&self, memory: &str) -> &Self {
        match check_memory(memory) {
            Ok(()) => self.update(|node| node.resources.memory_limit = Some(memory.to_owned())),
            Err(message) => self.reject(message),
        }
    }

    /// Sets the memory request, in the form of [`set_memory_limit`](Self::set_memory_limit).
    pub fn set_memory_request(&self, memory: &str) -> &Self {
        match check_memory(memory) {
            Ok(()) => self.update(|node| node.resources.memory_request = Some(memory.to_owned())),
            Err(message) => self.reject(message),
        }
    }

    /// Sets the accelerator type, such as `NVIDIA_TESLA_T4` on Vertex AI or `nvidia.com/gpu`
    /// on KFP; the count becomes 1 unless set.
    pub fn set_accelerator_type(&self, accelerator: &str) -> &Self {
        self.update(|node| {
            node.resources.accelerator_type = Some(accelerator.to_owned());
            node.resources
                .accelerator_count
                .get_or_insert_with(|| "1".to_owned());
        })
    }

    /// Sets the number of accelerators.
    pub fn set_accelerator_limit(&self, count: u32) -> &Self {
        let count = count.to_string();
        match check_accelerator_count(&count) {
            Ok(()) => self.update(|node| node.resources.accelerator_count = Some(count)),
            Err(message) => self.reject(message),
        }
    }

    /// Sets an environment variable of the task's container, replacing an earlier value.
    pub fn set_env_variable(&self, name: &str, value: &str) -> &Self {
        if let Err(message) = check_env_name(name) {
            return self.reject(message);
        }
        self.update(
            |node| match node.env.iter_mut().find(|(key, _)| key == name) {
                Some(entry) => entry.1 = value.to_owned(),
                None => node.env.push((name.to_owned(), value.to_owned())),
            },
        )
    }
}

impl<O> Deref for Task<O> {
    type Target = O;

    fn deref(&self) -> &O {
        &self.outputs
    }
}

/// Returns the IR type of a parameter kind, or `None` for an artifact.
pub(crate) fn parameter_type(kind: ValueKind) -> Option<ParameterType> {
    match kind {
        ValueKind::Parameter(parameter_type) => Some(parameter_type),
        ValueKind::Artifact { .. } => None,
    }
}

/// Returns the key of the only task of a component's own spec, which is the component name.
pub(crate) fn single_task_id(name: &str) -> TaskId {
    TaskId(name.to_owned())
}
