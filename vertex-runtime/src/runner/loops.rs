//! Loops in local runs: once the list of a loop is known, its tasks are copied once per
//! item, keyed `for-loop-N-iteration-I/task` like kfp.local's task folders, with the item as
//! a constant and references inside the loop pointing at the same iteration.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::control::{GroupKind, LoopItems};
use crate::pipeline::{ArtifactSource, Binding, Graph, ParamSource, TaskId, TaskNode};

/// How far a loop has got.
#[derive(Clone, Debug)]
pub(super) enum Expansion {
    /// Its list is not known yet.
    Waiting,
    /// Its tasks were copied; per iteration, the copy of each loop task by the task's key.
    Expanded(Vec<BTreeMap<TaskId, TaskId>>),
    /// Its list could not be had, because this task did not succeed or gave no list.
    Failed(TaskId),
}

/// What the loops need from the runner to expand: the value of a task's output parameter,
/// and whether a task has failed for good.
pub(super) trait Outputs {
    fn parameter(&self, task: &TaskId, output: &str) -> Option<Value>;
    fn failed(&self, task: &TaskId) -> bool;
}

/// The loop iteration each copied task belongs to, for the parallelism limit.
pub(super) type Iterations = BTreeMap<TaskId, (usize, usize)>;

/// Returns the list a loop goes over, `Ok(None)` while it is not known yet.
fn items(
    kind: &GroupKind,
    values: &Map<String, Value>,
    outputs: &dyn Outputs,
) -> Result<Option<Vec<Value>>, TaskId> {
    let GroupKind::ParallelFor { items, .. } = kind else {
        return Ok(None);
    };
    let list = match items {
        LoopItems::Raw(value) => Some(value.clone()),
        LoopItems::Channel(ParamSource::Constant(value)) => Some(value.clone()),
        LoopItems::Channel(ParamSource::PipelineInput(name)) => values.get(name).cloned(),
        LoopItems::Channel(ParamSource::TaskOutput { task, output }) => {
            if outputs.failed(task) {
                return Err(task.clone());
            }
            match outputs.parameter(task, output) {
                Some(value) => Some(value),
                None => return Ok(None),
            }
        }
        _ => None,
    };
    match list {
        Some(Value::Array(items)) => Ok(Some(items)),
        _ => Ok(Some(Vec::new())),
    }
}

fn rewrite_parameter(
    source: &ParamSource,
    group: usize,
    item: &Value,
    copies: &BTreeMap<TaskId, TaskId>,
) -> ParamSource {
    let copy = |task: &TaskId| copies.get(task).cloned().unwrap_or_else(|| task.clone());
    match source {
        ParamSource::LoopItem { group: g } if *g == group => ParamSource::Constant(item.clone()),
        ParamSource::TaskOutput { task, output } => ParamSource::TaskOutput {
            task: copy(task),
            output: output.clone(),
        },
        ParamSource::Field { base, field } => match rewrite_parameter(base, group, item, copies) {
            ParamSource::Constant(value) => {
                ParamSource::Constant(value.get(field).cloned().unwrap_or(Value::Null))
            }
            base => ParamSource::Field {
                base: Box::new(base),
                field: field.clone(),
            },
        },
        other => other.clone(),
    }
}

fn rewrite(
    binding: &Binding,
    group: usize,
    item: &Value,
    copies: &BTreeMap<TaskId, TaskId>,
) -> Binding {
    match binding {
        Binding::Parameter(source) => {
            Binding::Parameter(rewrite_parameter(source, group, item, copies))
        }
        Binding::Artifact(ArtifactSource::TaskOutput { task, output }) => {
            Binding::Artifact(ArtifactSource::TaskOutput {
                task: copies.get(task).cloned().unwrap_or_else(|| task.clone()),
                output: output.clone(),
            })
        }
        other => other.clone(),
    }
}

/// Expands every top-level loop whose list is now known, appending the copies of its tasks
/// to `graph.tasks`; returns how many tasks were added.
pub(super) fn expand_ready(
    graph: &mut Graph,
    loops: &mut [Expansion],
    iterations: &mut Iterations,
    values: &Map<String, Value>,
    outputs: &dyn Outputs,
) -> usize {
    let before = graph.tasks.len();
    for (group, state) in loops.iter_mut().enumerate() {
        if !matches!(state, Expansion::Waiting) || !is_loop(graph, group) {
            continue;
        }
        // Copies stay in the groups around the loop, such as an exit handler or a condition.
        let parent = graph.groups[group].parent;
        let items = match items(&graph.groups[group].kind, values, outputs) {
            Ok(Some(items)) => items,
            Ok(None) => continue,
            Err(upstream) => {
                *state = Expansion::Failed(upstream);
                continue;
            }
        };
        let templates: Vec<TaskNode> = graph
            .tasks
            .iter()
            .filter(|task| task.group == Some(group))
            .cloned()
            .collect();
        let mut expanded = Vec::with_capacity(items.len());
        for (iteration, item) in items.iter().enumerate() {
            let prefix = format!("{}-iteration-{iteration}", graph.groups[group].id);
            let copies: BTreeMap<TaskId, TaskId> = templates
                .iter()
                .map(|task| {
                    (
                        task.id.clone(),
                        TaskId::new(format!("{prefix}/{}", task.id)),
                    )
                })
                .collect();
            for template in &templates {
                let mut task = template.clone();
                task.id = copies[&template.id].clone();
                task.group = parent;
                task.inputs = template
                    .inputs
                    .iter()
                    .map(|(name, binding)| (name.clone(), rewrite(binding, group, item, &copies)))
                    .collect();
                task.after = template
                    .after
                    .iter()
                    .map(|task| copies.get(task).cloned().unwrap_or_else(|| task.clone()))
                    .collect();
                iterations.insert(task.id.clone(), (group, iteration));
                graph.tasks.push(task);
            }
            expanded.push(copies);
        }
        *state = Expansion::Expanded(expanded);
    }
    graph.tasks.len() - before
}

/// Returns whether a group is a loop.
pub(super) fn is_loop(graph: &Graph, group: usize) -> bool {
    matches!(graph.groups[group].kind, GroupKind::ParallelFor { .. })
}

/// Returns the group shapes the local runner does not run yet: any group inside a loop.
pub(super) fn unsupported(graph: &Graph) -> Option<String> {
    // NOTE: these compile like kfp's; only local runs lack them.
    graph.groups.iter().find_map(|group| {
        let parent = group.parent?;
        is_loop(graph, parent).then(|| {
            format!(
                "group `{}` is inside loop `{}`, which the local runner does not support yet",
                group.id, graph.groups[parent].id
            )
        })
    })
}
