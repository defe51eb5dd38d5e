//! Flattening of nested pipelines into one list of tasks the local runner schedules.
//!
//! A pipeline used as a task becomes its own tasks, keyed `outer/inner`, with its inputs
//! replaced by what the outer task binds to them and its outputs by their producers.

use std::collections::{BTreeSet, HashMap};

use crate::component::ValueKind;
use crate::pipeline::{
    ArtifactSource, Binding, Graph, Implementation, OutputNode, ParamSource, TaskId, TaskNode,
};

/// The flattened form of a task of one graph level.
struct Flattened {
    /// The source of each of its outputs, in flattened terms.
    outputs: HashMap<String, Binding>,
    /// The flattened tasks that must finish for it to count as finished.
    leaves: BTreeSet<TaskId>,
}

/// The bindings of a graph's inputs, and what its tasks stand for, while flattening it.
struct Scope<'g> {
    graph: &'g Graph,
    inputs: HashMap<String, Binding>,
    tasks: HashMap<TaskId, Flattened>,
}

impl Scope<'_> {
    /// Rewrites a binding of this graph in flattened terms; `None` leaves the input unset.
    fn rewrite(&self, binding: &Binding) -> Option<Binding> {
        match binding {
            Binding::Parameter(ParamSource::PipelineInput(name))
            | Binding::Artifact(ArtifactSource::PipelineInput(name)) => self.input(name),
            Binding::Parameter(ParamSource::TaskOutput { task, output })
            | Binding::Artifact(ArtifactSource::TaskOutput { task, output }) => {
                self.tasks.get(task)?.outputs.get(output).cloned()
            }
            constant => Some(constant.clone()),
        }
    }

    /// Returns what the graph input `name` is bound to, else its default.
    fn input(&self, name: &str) -> Option<Binding> {
        if let Some(binding) = self.inputs.get(name) {
            return Some(binding.clone());
        }
        let input = self.graph.inputs.iter().find(|input| input.name == name)?;
        let default = input.default.clone()?;
        Some(Binding::Parameter(ParamSource::Constant(default)))
    }
}

fn output_binding(kind: ValueKind, task: &TaskId, output: &str) -> Binding {
    let (task, output) = (task.clone(), output.to_owned());
    match kind {
        ValueKind::Parameter(_) => Binding::Parameter(ParamSource::TaskOutput { task, output }),
        ValueKind::Artifact { .. } => {
            Binding::Artifact(ArtifactSource::TaskOutput { task, output })
        }
    }
}

/// Flattens one graph level into `out`. Every task here also waits for the tasks in `after`.
fn flatten_into<'g>(
    graph: &'g Graph,
    inputs: HashMap<String, Binding>,
    prefix: &str,
    after: &BTreeSet<TaskId>,
    out: &mut Vec<TaskNode>,
) -> Scope<'g> {
    let mut scope = Scope {
        graph,
        inputs,
        tasks: HashMap::new(),
    };
    for task in &graph.tasks {
        let bindings: Vec<(String, Binding)> = task
            .inputs
            .iter()
            .filter_map(|(name, binding)| Some((name.clone(), scope.rewrite(binding)?)))
            .collect();
        let mut waits_for = after.clone();
        for dependency in &task.after {
            waits_for.extend(
                scope
                    .tasks
                    .get(dependency)
                    .into_iter()
                    .flat_map(|f| f.leaves.iter().cloned()),
            );
        }
        let flattened = match &task.implementation {
            Implementation::Pipeline(inner) if !inner.groups.is_empty() || task.group.is_some() => {
                // NOTE: loops inside nested pipelines, and nested pipelines inside loops, do
                // not run locally yet; `run` reports it before starting anything.
                Flattened {
                    outputs: HashMap::new(),
                    leaves: BTreeSet::new(),
                }
            }
            Implementation::Pipeline(inner) => {
                let prefix = format!("{prefix}{}/", task.id);
                let inner_inputs = bindings.into_iter().collect();
                let inner_scope = flatten_into(inner, inner_inputs, &prefix, &waits_for, out);
                let outputs = inner
                    .outputs
                    .iter()
                    .filter_map(|output| {
                        Some((output.name.clone(), inner_scope.rewrite(&output.source)?))
                    })
                    .collect();
                let leaves = inner_scope
                    .tasks
                    .into_values()
                    .flat_map(|f| f.leaves)
                    .collect();
                Flattened { outputs, leaves }
            }
            _ => {
                let id = TaskId::new(format!("{prefix}{}", task.id));
                let outputs = task
                    .interface
                    .outputs
                    .iter()
                    .map(|output| {
                        (
                            output.name.clone(),
                            output_binding(output.kind, &id, &output.name),
                        )
                    })
                    .collect();
                let mut node = task.clone();
                node.id = id.clone();
                node.inputs = bindings;
                node.after = waits_for;
                out.push(node);
                Flattened {
                    outputs,
                    leaves: BTreeSet::from([id]),
                }
            }
        };
        scope.tasks.insert(task.id.clone(), flattened);
    }
    scope
}

/// Returns the nested pipeline tasks that the local runner cannot flatten yet: those with
/// loops inside, and those inside a loop.
pub(super) fn unsupported(graph: &Graph) -> Option<String> {
    graph.tasks.iter().find_map(|task| match &task.implementation {
        Implementation::Pipeline(inner) if !inner.groups.is_empty() || task.group.is_some() => Some(format!(
            "task `{}` runs pipeline `{}` with or inside a loop, which the local runner does not support yet",
            task.id, inner.name
        )),
        Implementation::Pipeline(inner) => unsupported(inner),
        _ => None,
    })
}

/// Returns the graph with every nested pipeline replaced by its tasks, and its outputs
/// pointing at their flattened producers. Loops stay as they are, since their iterations
/// are known only at run time.
pub(super) fn flatten(graph: &Graph) -> Graph {
    let inputs = graph
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
    let mut tasks = Vec::new();
    let scope = flatten_into(graph, inputs, "", &BTreeSet::new(), &mut tasks);
    let outputs = graph
        .outputs
        .iter()
        .filter_map(|output| {
            Some(OutputNode {
                name: output.name.clone(),
                kind: output.kind,
                source: scope.rewrite(&output.source)?,
            })
        })
        .collect();
    Graph {
        tasks,
        outputs,
        ..graph.clone()
    }
}
