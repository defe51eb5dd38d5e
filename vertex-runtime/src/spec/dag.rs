//! Building the DAGs of a pipeline spec: the tasks of each level, nested pipelines, and
//! control-flow groups with the `pipelinechannel--` inputs that carry outer values into
//! them, the way kfp 2.17.3's compiler lays them out.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::{
    check_valid, container_executor, importer_executor, input_definitions, output_definitions,
    ArtifactInputSpec, ArtifactSelectors, CachingOptions, ComponentRef, ComponentSpec, Container,
    DagOutputs, DagSpec, Definitions, ExecutorSpec, InputParameterSpec, IteratorItems,
    IteratorPolicy, OneofSelectors, OutputParameterSpec, OutputSelector, ParameterInputSpec,
    ParameterIterator, ParameterSelector, ProducerTask, RetryPolicySpec, TaskInfo, TaskInputs,
    TaskOutputRef, TaskSpec, TriggerPolicy,
};
use crate::component::ValueKind;
use crate::control::{channel_name, Condition, GroupKind, LoopItems};
use crate::error::Error;
use crate::param::ParameterType;
use crate::pipeline::{
    ArtifactSource, Binding, Graph, Implementation, OutputNode, ParamSource, TaskId, TaskNode,
};

/// The components and executors of a whole pipeline, nested pipelines included, with their
/// keys numbered across all of it (`comp-add`, `comp-add-2`, ...) in task creation order, as
/// kfp's compiler numbers them.
pub(super) struct Collector<'c> {
    pub(super) container: &'c Container,
    pub(super) components: BTreeMap<String, ComponentSpec>,
    pub(super) executors: BTreeMap<String, ExecutorSpec>,
    key_counts: HashMap<String, usize>,
}

impl<'c> Collector<'c> {
    pub(super) fn new(container: &'c Container) -> Self {
        Self {
            container,
            components: BTreeMap::new(),
            executors: BTreeMap::new(),
            key_counts: HashMap::new(),
        }
    }

    fn next_key(&mut self, name: &str) -> String {
        let count = self.key_counts.entry(name.to_owned()).or_insert(0);
        *count += 1;
        match *count {
            1 => name.to_owned(),
            n => format!("{name}-{n}"),
        }
    }
}

/// A DAG level: the top of the graph (`None`) or a group, by index.
type Level = Option<usize>;

/// What a group gathers while the levels below it are built: its inputs, how its task binds
/// them in the enclosing DAG, and the outputs it collects.
#[derive(Default)]
struct GroupState {
    tasks: BTreeMap<String, TaskSpec>,
    inputs: Definitions<InputParameterSpec>,
    task_inputs: TaskInputs,
    dependencies: BTreeSet<String>,
    outputs: DagOutputs,
    output_definitions: Definitions<OutputParameterSpec>,
}

/// How an input is bound at some level, and the task at that level it waits for.
type Resolved<S> = (S, Option<String>);

/// Builds the DAGs of one graph.
pub(super) struct DagBuilder<'g, 'c, 'o> {
    graph: &'g Graph,
    out: &'o mut Collector<'c>,
    groups: Vec<GroupState>,
    task_levels: HashMap<&'g TaskId, Level>,
    /// Each task by key; a chain of n tasks would otherwise cost n²/2 comparisons.
    tasks_by_id: HashMap<&'g TaskId, &'g TaskNode>,
}

fn parameter_spec(parameter_type: ParameterType) -> InputParameterSpec {
    InputParameterSpec {
        default_value: None,
        description: None,
        is_optional: false,
        parameter_type,
    }
}

impl<'g, 'c, 'o> DagBuilder<'g, 'c, 'o> {
    pub(super) fn new(graph: &'g Graph, out: &'o mut Collector<'c>) -> Self {
        let task_levels = graph
            .tasks
            .iter()
            .map(|task| (&task.id, task.group))
            .collect();
        let tasks_by_id = graph.tasks.iter().map(|task| (&task.id, task)).collect();
        Self {
            graph,
            out,
            groups: graph.groups.iter().map(|_| GroupState::default()).collect(),
            task_levels,
            tasks_by_id,
        }
    }

    fn parent(&self, level: Level) -> Level {
        level.and_then(|group| self.graph.groups[group].parent)
    }

    /// Returns whether `ancestor` is `level` or encloses it.
    fn encloses(&self, ancestor: Level, level: Level) -> bool {
        let mut current = level;
        loop {
            if current == ancestor {
                return true;
            }
            match current {
                None => return false,
                Some(_) => current = self.parent(current),
            }
        }
    }

    fn group_id(&self, group: usize) -> &str {
        &self.graph.groups[group].id
    }

    /// Carries a parameter bound at `home` down to `level` through the input `name` of
    /// every group in between, and returns the binding to use at `level`.
    fn plumb_parameter(
        &mut self,
        level: Level,
        home: Level,
        name: &str,
        parameter_type: ParameterType,
        at_home: &Resolved<ParameterInputSpec>,
    ) -> Resolved<ParameterInputSpec> {
        let Some(group) = level.filter(|_| level != home) else {
            return (at_home.0.clone(), at_home.1.clone());
        };
        let state = &mut self.groups[group];
        state
            .inputs
            .parameters
            .insert(name.to_owned(), parameter_spec(parameter_type));
        let (spec, dependency) =
            self.plumb_parameter(self.parent(level), home, name, parameter_type, at_home);
        let state = &mut self.groups[group];
        state.task_inputs.parameters.insert(name.to_owned(), spec);
        state.dependencies.extend(dependency);
        (
            ParameterInputSpec::ComponentInputParameter(name.to_owned()),
            None,
        )
    }

    /// Like [`plumb_parameter`](Self::plumb_parameter), for an artifact.
    fn plumb_artifact(
        &mut self,
        level: Level,
        home: Level,
        name: &str,
        kind: ValueKind,
        at_home: &Resolved<ArtifactInputSpec>,
    ) -> Resolved<ArtifactInputSpec> {
        let Some(group) = level.filter(|_| level != home) else {
            return (at_home.0.clone(), at_home.1.clone());
        };
        let spec = super::artifact_spec(kind, false, None);
        self.groups[group]
            .inputs
            .artifacts
            .extend(spec.map(|spec| (name.to_owned(), spec)));
        let (spec, dependency) = self.plumb_artifact(self.parent(level), home, name, kind, at_home);
        let state = &mut self.groups[group];
        state.task_inputs.artifacts.insert(name.to_owned(), spec);
        state.dependencies.extend(dependency);
        (
            ArtifactInputSpec::ComponentInputArtifact(name.to_owned()),
            None,
        )
    }

    fn output_kind(&self, task: &TaskId, output: &str) -> Result<ValueKind, Error> {
        self.tasks_by_id
            .get(task)
            .and_then(|node| node.interface.outputs.iter().find(|o| o.name == output))
            .map(|o| o.kind)
            .ok_or_else(|| Error::Pipeline(format!("task `{task}` has no output `{output}`")))
    }

    fn input_kind(&self, name: &str) -> Result<ValueKind, Error> {
        self.graph
            .inputs
            .iter()
            .find(|input| input.name == name)
            .map(|input| input.kind)
            .ok_or_else(|| {
                Error::Pipeline(format!(
                    "pipeline `{}` has no input `{name}`",
                    self.graph.name
                ))
            })
    }

    /// Returns the level of a producer, checking that `level` can see it.
    fn producer_level(&self, task: &TaskId, level: Level, consumer: &str) -> Result<Level, Error> {
        let home = self.task_levels.get(task).copied().unwrap_or(None);
        if self.encloses(home, level) {
            return Ok(home);
        }
        Err(Error::Pipeline(format!(
            "{consumer} uses an output of task `{task}`, which runs inside a loop it is not part \
             of; return the output from the loop body to collect it"
        )))
    }

    /// Declares the collected output `name` of loop `group`, selected from `task`.
    fn collect_output(
        &mut self,
        group: usize,
        task: &TaskId,
        output: &str,
        name: &str,
        kind: ValueKind,
    ) {
        let selector = OutputSelector {
            output_artifact_key: None,
            output_parameter_key: None,
            producer_subtask: task.to_string(),
        };
        let state = &mut self.groups[group];
        match kind {
            ValueKind::Parameter(_) => {
                let selector = OutputSelector {
                    output_parameter_key: Some(output.to_owned()),
                    ..selector
                };
                let selector = ParameterSelector::ValueFromParameter(selector);
                state.outputs.parameters.insert(name.to_owned(), selector);
                let list = OutputParameterSpec {
                    parameter_type: ParameterType::List,
                };
                state
                    .output_definitions
                    .parameters
                    .insert(name.to_owned(), list);
            }
            ValueKind::Artifact { schema, .. } => {
                let selector = OutputSelector {
                    output_artifact_key: Some(output.to_owned()),
                    ..selector
                };
                let selectors = ArtifactSelectors {
                    artifact_selectors: vec![selector],
                };
                state.outputs.artifacts.insert(name.to_owned(), selectors);
                let list = ValueKind::Artifact { schema, list: true };
                let spec = super::artifact_spec(list, false, None);
                state
                    .output_definitions
                    .artifacts
                    .extend(spec.map(|spec| (name.to_owned(), spec)));
            }
        }
    }

    fn resolve_parameter(
        &mut self,
        level: Level,
        source: &ParamSource,
        consumer: &str,
    ) -> Result<Resolved<ParameterInputSpec>, Error> {
        match source {
            ParamSource::Constant(value) => Ok((
                ParameterInputSpec::RuntimeValue {
                    constant: value.clone(),
                },
                None,
            )),
            ParamSource::Invalid(message) => Err(Error::Pipeline(format!(
                "{consumer}: invalid constant: {message}"
            ))),
            ParamSource::PipelineInput(input) => {
                let ValueKind::Parameter(parameter_type) = self.input_kind(input)? else {
                    return Err(Error::Pipeline(format!(
                        "{consumer}: `{input}` is not a parameter"
                    )));
                };
                let at_home = (
                    ParameterInputSpec::ComponentInputParameter(input.clone()),
                    None,
                );
                let name = channel_name(source).unwrap_or_default();
                Ok(self.plumb_parameter(level, None, &name, parameter_type, &at_home))
            }
            ParamSource::TaskOutput { task, output } => {
                let home = self.producer_level(task, level, consumer)?;
                let ValueKind::Parameter(parameter_type) = self.output_kind(task, output)? else {
                    return Err(Error::Pipeline(format!(
                        "{consumer}: `{task}.{output}` is not a parameter"
                    )));
                };
                let reference = TaskOutputRef {
                    output_artifact_key: None,
                    output_parameter_key: Some(output.clone()),
                    producer_task: task.to_string(),
                };
                let at_home = (
                    ParameterInputSpec::TaskOutputParameter(reference),
                    Some(task.to_string()),
                );
                let name = channel_name(source).unwrap_or_default();
                Ok(self.plumb_parameter(level, home, &name, parameter_type, &at_home))
            }
            ParamSource::OneOf {
                group,
                number,
                branches,
            } => {
                let name = format!("pipelinechannel--{}-oneof-{number}", self.group_id(*group));
                self.declare_one_of(*group, &name, branches, consumer)?;
                if self.graph.groups[*group].parent != level {
                    return Err(Error::Pipeline(format!(
                        "{consumer}: the merged output of `{}` must be used beside it",
                        self.group_id(*group)
                    )));
                }
                let reference = TaskOutputRef {
                    output_artifact_key: None,
                    output_parameter_key: Some(name),
                    producer_task: self.group_id(*group).to_owned(),
                };
                let dependency = Some(self.group_id(*group).to_owned());
                Ok((
                    ParameterInputSpec::TaskOutputParameter(reference),
                    dependency,
                ))
            }
            ParamSource::Field { base, field } => match self
                .resolve_parameter(level, base, consumer)?
            {
                (ParameterInputSpec::ComponentInputParameter(name), dependency) => {
                    let selector = format!("parseJson(string_value)[{}]", serde_json::json!(field));
                    let spec = ParameterInputSpec::Selected {
                        component_input_parameter: name,
                        parameter_expression_selector: selector,
                    };
                    Ok((spec, dependency))
                }
                // NOTE: kfp also selects fields of task outputs; this compiler only of inputs.
                _ => Err(Error::Pipeline(format!(
                    "{consumer}: only fields of loop items and pipeline inputs can be selected"
                ))),
            },
            ParamSource::TaskFinalStatus { group } => {
                let id = self.group_id(*group).to_owned();
                let spec = ParameterInputSpec::TaskFinalStatus(ProducerTask {
                    producer_task: id.clone(),
                });
                Ok((spec, Some(id)))
            }
            ParamSource::LoopItem { group } => {
                let GroupKind::ParallelFor {
                    item_input,
                    item_type,
                    ..
                } = &self.graph.groups[*group].kind
                else {
                    return Err(Error::Pipeline(format!(
                        "{consumer}: group {group} is not a loop"
                    )));
                };
                if !self.encloses(Some(*group), level) {
                    return Err(Error::Pipeline(format!(
                        "{consumer} uses the item of loop `{}` outside the loop",
                        self.group_id(*group)
                    )));
                }
                let (item_input, item_type) = (item_input.clone(), *item_type);
                let at_home = (
                    ParameterInputSpec::ComponentInputParameter(item_input.clone()),
                    None,
                );
                Ok(self.plumb_parameter(level, Some(*group), &item_input, item_type, &at_home))
            }
            ParamSource::Collected {
                group,
                task,
                output,
            } => {
                let kind = self.output_kind(task, output)?;
                let name = channel_name(source).unwrap_or_default();
                self.check_collected(*group, task, level, consumer)?;
                self.collect_output(*group, task, output, &name, kind);
                let reference = TaskOutputRef {
                    output_artifact_key: None,
                    output_parameter_key: Some(name),
                    producer_task: self.group_id(*group).to_owned(),
                };
                let dependency = Some(self.group_id(*group).to_owned());
                Ok((
                    ParameterInputSpec::TaskOutputParameter(reference),
                    dependency,
                ))
            }
        }
    }

    /// Declares the merged output `name` of branches group `group`: each branch's condition
    /// group passes its task's output up, and the branches group takes the one that ran.
    fn declare_one_of(
        &mut self,
        group: usize,
        name: &str,
        branches: &[(usize, TaskId, String)],
        consumer: &str,
    ) -> Result<(), Error> {
        let mut selectors = Vec::with_capacity(branches.len());
        let mut parameter_type = ParameterType::String;
        for (branch, task, output) in branches {
            if self.task_levels.get(task).copied().flatten() != Some(*branch) {
                return Err(Error::Pipeline(format!(
                    "{consumer}: each merged output must come from a task directly inside its branch"
                )));
            }
            let ValueKind::Parameter(output_type) = self.output_kind(task, output)? else {
                return Err(Error::Pipeline(format!(
                    "{consumer}: only parameters can be merged"
                )));
            };
            parameter_type = output_type;
            let channel = format!("pipelinechannel--{task}-{output}");
            let selector = OutputSelector {
                output_artifact_key: None,
                output_parameter_key: Some(output.clone()),
                producer_subtask: task.to_string(),
            };
            let state = &mut self.groups[*branch];
            state.outputs.parameters.insert(
                channel.clone(),
                ParameterSelector::ValueFromParameter(selector),
            );
            let definition = OutputParameterSpec { parameter_type };
            state
                .output_definitions
                .parameters
                .insert(channel.clone(), definition);
            selectors.push(OutputSelector {
                output_artifact_key: None,
                output_parameter_key: Some(channel),
                producer_subtask: self.group_id(*branch).to_owned(),
            });
        }
        let state = &mut self.groups[group];
        let selectors = OneofSelectors {
            parameter_selectors: selectors,
        };
        state.outputs.parameters.insert(
            name.to_owned(),
            ParameterSelector::ValueFromOneof(selectors),
        );
        let definition = OutputParameterSpec { parameter_type };
        state
            .output_definitions
            .parameters
            .insert(name.to_owned(), definition);
        Ok(())
    }

    /// Checks that a collected output comes straight from the loop's body and is used just
    /// outside the loop, the cases this compiler supports.
    fn check_collected(
        &self,
        group: usize,
        task: &TaskId,
        level: Level,
        consumer: &str,
    ) -> Result<(), Error> {
        let in_body = self.task_levels.get(task).copied().flatten() == Some(group);
        let beside_loop = self.graph.groups[group].parent == level;
        if in_body && beside_loop {
            return Ok(());
        }
        // NOTE: kfp also collects from nested loops and passes collected lists deeper; this
        // compiler does not yet.
        Err(Error::Pipeline(format!(
            "{consumer}: a collected output must come from a task directly inside loop `{}` and \
             be used beside the loop",
            self.group_id(group)
        )))
    }

    fn resolve_artifact(
        &mut self,
        level: Level,
        source: &ArtifactSource,
        consumer: &str,
    ) -> Result<Resolved<ArtifactInputSpec>, Error> {
        match source {
            ArtifactSource::PipelineInput(input) => {
                let kind = self.input_kind(input)?;
                let at_home = (
                    ArtifactInputSpec::ComponentInputArtifact(input.clone()),
                    None,
                );
                let name = format!("pipelinechannel--{input}");
                Ok(self.plumb_artifact(level, None, &name, kind, &at_home))
            }
            ArtifactSource::TaskOutput { task, output } => {
                let home = self.producer_level(task, level, consumer)?;
                let kind = self.output_kind(task, output)?;
                let reference = TaskOutputRef {
                    output_artifact_key: Some(output.clone()),
                    output_parameter_key: None,
                    producer_task: task.to_string(),
                };
                let at_home = (
                    ArtifactInputSpec::TaskOutputArtifact(reference),
                    Some(task.to_string()),
                );
                let name = format!("pipelinechannel--{task}-{output}");
                Ok(self.plumb_artifact(level, home, &name, kind, &at_home))
            }
            ArtifactSource::Collected {
                group,
                task,
                output,
            } => {
                let kind = self.output_kind(task, output)?;
                let name = format!("pipelinechannel--{task}-{output}");
                self.check_collected(*group, task, level, consumer)?;
                self.collect_output(*group, task, output, &name, kind);
                let reference = TaskOutputRef {
                    output_artifact_key: Some(name),
                    output_parameter_key: None,
                    producer_task: self.group_id(*group).to_owned(),
                };
                let dependency = Some(self.group_id(*group).to_owned());
                Ok((ArtifactInputSpec::TaskOutputArtifact(reference), dependency))
            }
        }
    }

    /// Resolves the inputs of a task at `level`, with the producers at that level it waits for.
    fn task_inputs(
        &mut self,
        task: &TaskNode,
        level: Level,
    ) -> Result<(TaskInputs, BTreeSet<String>), Error> {
        let mut inputs = TaskInputs::default();
        let mut dependencies = BTreeSet::new();
        for (name, binding) in &task.inputs {
            let consumer = format!("input `{name}` of task `{}`", task.id);
            match binding {
                Binding::Parameter(source) => {
                    let (spec, dependency) = self.resolve_parameter(level, source, &consumer)?;
                    inputs.parameters.insert(name.clone(), spec);
                    dependencies.extend(dependency);
                }
                Binding::Artifact(source) => {
                    let (spec, dependency) = self.resolve_artifact(level, source, &consumer)?;
                    inputs.artifacts.insert(name.clone(), spec);
                    dependencies.extend(dependency);
                }
            }
        }
        dependencies.extend(task.after.iter().map(ToString::to_string));
        Ok((inputs, dependencies))
    }

    fn task_spec(&mut self, task: &TaskNode, level: Level) -> Result<(String, TaskSpec), Error> {
        let outputs = task
            .interface
            .outputs
            .iter()
            .map(|o| (o.name.as_str(), o.kind));
        let mut component = ComponentSpec {
            input_definitions: input_definitions(&task.interface.inputs),
            output_definitions: output_definitions(outputs),
            ..ComponentSpec::default()
        };
        let key = self.out.next_key(&task.interface.name);
        match &task.implementation {
            Implementation::Container(entry) => {
                let executor = container_executor(self.out.container, task, entry);
                self.out.executors.insert(format!("exec-{key}"), executor);
                component.executor_label = Some(format!("exec-{key}"));
            }
            Implementation::Importer(importer) => {
                self.out
                    .executors
                    .insert(format!("exec-{key}"), importer_executor(importer, task));
                component.executor_label = Some(format!("exec-{key}"));
            }
            Implementation::Pipeline(inner) => {
                check_valid(inner)?;
                component.dag = Some(DagBuilder::new(inner, &mut *self.out).root()?);
            }
        }
        self.out.components.insert(format!("comp-{key}"), component);
        let (inputs, dependencies) = self.task_inputs(task, level)?;
        let spec = TaskSpec {
            caching_options: Some(CachingOptions {
                enable_cache: task.caching,
            }),
            component_ref: ComponentRef {
                name: format!("comp-{key}"),
            },
            dependent_tasks: dependencies.into_iter().collect(),
            inputs,
            iterator_policy: None,
            parameter_iterator: None,
            retry_policy: task.retry.as_ref().map(RetryPolicySpec::from),
            task_info: TaskInfo {
                name: task
                    .display_name
                    .clone()
                    .unwrap_or_else(|| task.id.to_string()),
            },
            trigger_policy: is_exit_task(task).then_some(TriggerPolicy {
                condition: None,
                strategy: Some("ALL_UPSTREAM_TASKS_COMPLETED"),
            }),
        };
        Ok((task.id.to_string(), spec))
    }

    /// Builds group `group`: its component, then its task in the enclosing DAG.
    fn group_spec(&mut self, group: usize, level: Level) -> Result<(String, TaskSpec), Error> {
        let dag = self.level(Some(group))?;
        let node = &self.graph.groups[group];
        let id = node.id.clone();
        let mut spec = TaskSpec {
            caching_options: None,
            component_ref: ComponentRef {
                name: format!("comp-{id}"),
            },
            dependent_tasks: Vec::new(),
            inputs: TaskInputs::default(),
            iterator_policy: None,
            parameter_iterator: None,
            retry_policy: None,
            task_info: TaskInfo { name: id.clone() },
            trigger_policy: None,
        };
        match &node.kind {
            GroupKind::ParallelFor {
                items,
                item_input,
                item_type,
                parallelism,
            } => {
                let (items, item_input, item_type, parallelism) =
                    (items.clone(), item_input.clone(), *item_type, *parallelism);
                let items = match items {
                    LoopItems::Raw(value) => IteratorItems::Raw(python_json(&value)),
                    LoopItems::Channel(source) => {
                        let name = channel_name(&source).unwrap_or_default();
                        let consumer = format!("the items of loop `{id}`");
                        let (input, dependency) =
                            self.resolve_parameter(level, &source, &consumer)?;
                        let state = &mut self.groups[group];
                        let list = parameter_spec(ParameterType::List);
                        state.inputs.parameters.insert(name.clone(), list);
                        state.task_inputs.parameters.insert(name.clone(), input);
                        state.dependencies.extend(dependency);
                        IteratorItems::InputParameter(name)
                    }
                };
                let state = &mut self.groups[group];
                state
                    .inputs
                    .parameters
                    .insert(item_input.clone(), parameter_spec(item_type));
                spec.iterator_policy = parallelism.map(|limit| IteratorPolicy {
                    parallelism_limit: limit,
                });
                spec.parameter_iterator = Some(ParameterIterator { item_input, items });
            }
            GroupKind::Condition { terms } => {
                let terms = terms.clone();
                let mut rendered = Vec::with_capacity(terms.len());
                for (condition, negated) in &terms {
                    let text = self.render_condition(group, condition, &id)?;
                    rendered.push(if *negated { format!("!({text})") } else { text });
                }
                spec.trigger_policy = Some(TriggerPolicy {
                    condition: Some(rendered.join(" && ")),
                    strategy: None,
                });
            }
            GroupKind::Branches | GroupKind::ExitHandler { .. } => {}
        }
        // The component is written once the whole graph is built, because tasks after the
        // group may still collect outputs from it.
        let state = &mut self.groups[group];
        state.tasks = dag.tasks;
        spec.inputs = std::mem::take(&mut state.task_inputs);
        spec.dependent_tasks = std::mem::take(&mut state.dependencies)
            .into_iter()
            .collect();
        Ok((id, spec))
    }

    /// Renders a comparison as kfp's compiler does, with the channels it reads as inputs of
    /// the condition's group.
    fn render_condition(
        &mut self,
        group: usize,
        condition: &Condition,
        id: &str,
    ) -> Result<String, Error> {
        let consumer = format!("the condition of `{id}`");
        let mut operands = Vec::with_capacity(2);
        for source in [&condition.left, &condition.right] {
            let operand = match source {
                ParamSource::Constant(value) => cel_literal(value),
                ParamSource::Invalid(message) => {
                    return Err(Error::Pipeline(format!(
                        "{consumer}: invalid constant: {message}"
                    )))
                }
                channel => match self.resolve_parameter(Some(group), channel, &consumer)?.0 {
                    ParameterInputSpec::ComponentInputParameter(name) => {
                        let value = format!("inputs.parameter_values['{name}']");
                        if condition.parameter_type == ParameterType::NumberInteger {
                            format!("int({value})")
                        } else {
                            value
                        }
                    }
                    _ => {
                        return Err(Error::Pipeline(format!(
                            "{consumer}: unsupported operand {channel:?}"
                        )))
                    }
                },
            };
            operands.push(operand);
        }
        Ok(format!(
            "{} {} {}",
            operands[0],
            condition.operator.as_str(),
            operands[1]
        ))
    }

    /// Builds the DAG of one level: its tasks and groups in creation order.
    fn level(&mut self, level: Level) -> Result<DagSpec, Error> {
        enum Member {
            Task(usize),
            Group(usize),
        }
        let tasks = self.graph.tasks.iter().enumerate();
        let tasks = tasks
            .filter(|(_, task)| task.group == level)
            .map(|(index, task)| (task.seq, Member::Task(index)));
        let groups = self.graph.groups.iter().enumerate();
        let groups = groups
            .filter(|(_, group)| group.parent == level)
            .map(|(index, group)| (group.seq, Member::Group(index)));
        let mut members: Vec<(usize, Member)> = tasks.chain(groups).collect();
        members.sort_by_key(|(seq, _)| *seq);

        let mut specs = BTreeMap::new();
        for (_, member) in members {
            let (key, spec) = match member {
                Member::Task(index) => self.task_spec(&self.graph.tasks[index], level)?,
                Member::Group(index) => self.group_spec(index, level)?,
            };
            specs.insert(key, spec);
        }
        Ok(DagSpec {
            outputs: DagOutputs::default(),
            tasks: specs,
        })
    }

    /// Builds the top-level DAG with the pipeline outputs.
    pub(super) fn root(mut self) -> Result<DagSpec, Error> {
        let mut dag = self.level(None)?;
        for output in &self.graph.outputs {
            self.root_output(output, &mut dag.outputs)?;
        }
        for (group, state) in self.groups.into_iter().enumerate() {
            let component = ComponentSpec {
                dag: Some(DagSpec {
                    outputs: state.outputs,
                    tasks: state.tasks,
                }),
                executor_label: None,
                input_definitions: state.inputs,
                output_definitions: state.output_definitions,
            };
            let key = format!("comp-{}", self.graph.groups[group].id);
            self.out.components.insert(key, component);
        }
        Ok(dag)
    }

    fn root_output(&mut self, output: &OutputNode, outputs: &mut DagOutputs) -> Result<(), Error> {
        let consumer = format!("pipeline output `{}`", output.name);
        let (producer, key, is_parameter) = match &output.source {
            Binding::Parameter(source) => {
                match self.resolve_parameter(None, source, &consumer)?.0 {
                    ParameterInputSpec::TaskOutputParameter(reference) => (
                        reference.producer_task,
                        reference.output_parameter_key,
                        true,
                    ),
                    _ => return Err(Error::Pipeline(format!("{consumer} must come from a task"))),
                }
            }
            Binding::Artifact(source) => match self.resolve_artifact(None, source, &consumer)?.0 {
                ArtifactInputSpec::TaskOutputArtifact(reference) => (
                    reference.producer_task,
                    reference.output_artifact_key,
                    false,
                ),
                ArtifactInputSpec::ComponentInputArtifact(_) => {
                    return Err(Error::Pipeline(format!("{consumer} must come from a task")))
                }
            },
        };
        let selector = OutputSelector {
            output_artifact_key: if is_parameter { None } else { key.clone() },
            output_parameter_key: if is_parameter { key } else { None },
            producer_subtask: producer,
        };
        if is_parameter {
            let selector = ParameterSelector::ValueFromParameter(selector);
            outputs.parameters.insert(output.name.clone(), selector);
        } else {
            let selectors = ArtifactSelectors {
                artifact_selectors: vec![selector],
            };
            outputs.artifacts.insert(output.name.clone(), selectors);
        }
        Ok(())
    }
}

/// Returns whether a task is an exit task, which runs whatever its guarded tasks did.
fn is_exit_task(task: &TaskNode) -> bool {
    task.inputs.iter().any(|(_, binding)| {
        matches!(
            binding,
            Binding::Parameter(ParamSource::TaskFinalStatus { .. })
        )
    })
}

/// Renders a constant operand of a condition as kfp does: strings in single quotes,
/// booleans in lowercase, numbers as Python prints them.
fn cel_literal(value: &Value) -> String {
    match value {
        Value::String(text) => format!("'{text}'"),
        Value::Number(number) if number.is_f64() => python_float(number.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// Formats a float as Python's `repr` does: the shortest digits that read back exactly, in
/// positional notation for exponents from -4 to 15 with at least one decimal, and as
/// `1e-05` or `1e+16` beyond.
fn python_float(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let text = value.to_string();
        if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// Renders a value as Python's `json.dumps` does by default, the form kfp writes for the
/// raw items of a loop: `, ` and `: ` separators and non-ASCII characters escaped.
fn python_json(value: &Value) -> String {
    match value {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_json).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(fields) => {
            let entries = fields
                .iter()
                .map(|(key, item)| format!("{}: {}", python_string(key), python_json(item)));
            format!("{{{}}}", entries.collect::<Vec<_>>().join(", "))
        }
        Value::String(text) => python_string(text),
        other => other.to_string(),
    }
}

fn python_string(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('"');
    for c in serde_json::to_string(text)
        .unwrap_or_default()
        .trim_matches('"')
        .chars()
    {
        if c.is_ascii() {
            escaped.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    escaped.push('"');
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_render_as_python() {
        assert_eq!(python_float(0.5), "0.5");
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(123456789012345.6), "123456789012345.6");
        assert_eq!(python_float(-2.5e-7), "-2.5e-07");
    }

    #[test]
    fn raw_items_render_as_python() {
        assert_eq!(python_json(&json!([10, 20])), "[10, 20]");
        assert_eq!(python_json(&json!(["x", "ü"])), r#"["x", "\u00fc"]"#);
        assert_eq!(
            python_json(&json!([{"a": 1, "b": [true]}])),
            r#"[{"a": 1, "b": [true]}]"#
        );
    }
}
