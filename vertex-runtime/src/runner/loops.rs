//! Loops in local runs. Once the list of a loop is known, its tasks are copied once per item
//! and keyed `for-loop-N-iteration-I/task`, like kfp.local's task folders. Each copy gets the
//! item as a constant, and its references inside the loop point at the same iteration.

use std::collections::{BTreeMap, HashMap};

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

/// The run state that loops need to expand: the value of a task's output parameter, and
/// whether a task has failed for good.
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

/// The rewriting of one loop iteration: the loop's item, the copy of each task, and the
/// copy of each group inside the loop.
struct Iteration<'a> {
    group: usize,
    item: &'a Value,
    tasks: &'a BTreeMap<TaskId, TaskId>,
    groups: &'a HashMap<usize, usize>,
}

impl Iteration<'_> {
    fn task(&self, task: &TaskId) -> TaskId {
        self.tasks
            .get(task)
            .cloned()
            .unwrap_or_else(|| task.clone())
    }

    fn group(&self, group: usize) -> usize {
        self.groups.get(&group).copied().unwrap_or(group)
    }

    fn parameter(&self, source: &ParamSource) -> ParamSource {
        match source {
            ParamSource::LoopItem { group } if *group == self.group => {
                ParamSource::Constant(self.item.clone())
            }
            ParamSource::LoopItem { group } => ParamSource::LoopItem {
                group: self.group(*group),
            },
            ParamSource::TaskOutput { task, output } => ParamSource::TaskOutput {
                task: self.task(task),
                output: output.clone(),
            },
            ParamSource::Collected {
                group,
                task,
                output,
            } => ParamSource::Collected {
                group: self.group(*group),
                task: self.task(task),
                output: output.clone(),
            },
            ParamSource::OneOf {
                group,
                number,
                branches,
            } => ParamSource::OneOf {
                group: self.group(*group),
                number: *number,
                branches: branches
                    .iter()
                    .map(|(branch, task, output)| {
                        (self.group(*branch), self.task(task), output.clone())
                    })
                    .collect(),
            },
            ParamSource::TaskFinalStatus { group } => ParamSource::TaskFinalStatus {
                group: self.group(*group),
            },
            ParamSource::Field { base, field } => match self.parameter(base) {
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

    fn binding(&self, binding: &Binding) -> Binding {
        match binding {
            Binding::Parameter(source) => Binding::Parameter(self.parameter(source)),
            Binding::Artifact(ArtifactSource::TaskOutput { task, output }) => {
                Binding::Artifact(ArtifactSource::TaskOutput {
                    task: self.task(task),
                    output: output.clone(),
                })
            }
            Binding::Artifact(ArtifactSource::Collected {
                group,
                task,
                output,
            }) => Binding::Artifact(ArtifactSource::Collected {
                group: self.group(*group),
                task: self.task(task),
                output: output.clone(),
            }),
            other => other.clone(),
        }
    }

    fn kind(&self, kind: &GroupKind) -> GroupKind {
        match kind {
            GroupKind::ParallelFor {
                items,
                item_input,
                item_type,
                parallelism,
            } => GroupKind::ParallelFor {
                items: match items {
                    LoopItems::Channel(source) => LoopItems::Channel(self.parameter(source)),
                    raw => raw.clone(),
                },
                item_input: item_input.clone(),
                item_type: *item_type,
                parallelism: *parallelism,
            },
            GroupKind::Condition { terms } => GroupKind::Condition {
                terms: terms
                    .iter()
                    .map(|(condition, negated)| {
                        let mut condition = condition.clone();
                        condition.left = self.parameter(&condition.left);
                        condition.right = self.parameter(&condition.right);
                        (condition, *negated)
                    })
                    .collect(),
            },
            GroupKind::ExitHandler { exit_task } => GroupKind::ExitHandler {
                exit_task: self.task(exit_task),
            },
            GroupKind::Branches => GroupKind::Branches,
        }
    }
}

/// Returns whether `group` encloses `inner`, at any depth.
fn encloses(graph: &Graph, group: usize, inner: Option<usize>) -> bool {
    let mut current = inner;
    while let Some(index) = current {
        if index == group {
            return true;
        }
        current = graph.groups[index].parent;
    }
    false
}

/// Returns whether any group around `group` is a loop.
fn inside_loop(graph: &Graph, group: usize) -> bool {
    let mut current = graph.groups[group].parent;
    while let Some(index) = current {
        if is_loop(graph, index) {
            return true;
        }
        current = graph.groups[index].parent;
    }
    false
}

/// Expands every loop whose list is now known and that no unexpanded loop encloses. The
/// copies of its tasks go to `graph.tasks`, and those of its inner groups to `graph.groups`
/// with a state each in `loops`. Returns how many tasks were added.
pub(super) fn expand_ready(
    graph: &mut Graph,
    loops: &mut Vec<Expansion>,
    iterations: &mut Iterations,
    values: &Map<String, Value>,
    outputs: &dyn Outputs,
) -> usize {
    let before = graph.tasks.len();
    let candidates: Vec<usize> = (0..graph.groups.len())
        .filter(|&group| {
            matches!(loops[group], Expansion::Waiting)
                && is_loop(graph, group)
                && !inside_loop(graph, group)
        })
        .collect();
    for group in candidates {
        let items = match items(&graph.groups[group].kind, values, outputs) {
            Ok(Some(items)) => items,
            Ok(None) => continue,
            Err(upstream) => {
                loops[group] = Expansion::Failed(upstream);
                continue;
            }
        };
        // Copies stay in the groups around the loop, such as an exit handler or a condition.
        let parent = graph.groups[group].parent;
        let templates: Vec<TaskNode> = graph
            .tasks
            .iter()
            .filter(|task| encloses(graph, group, task.group))
            .cloned()
            .collect();
        let inner_groups: Vec<usize> = (0..graph.groups.len())
            .filter(|&g| g != group && encloses(graph, group, Some(g)))
            .collect();
        let mut expanded = Vec::with_capacity(items.len());
        for (iteration, item) in items.iter().enumerate() {
            // A loop copied by an outer loop is keyed `outer-iteration-0/for-loop-3`, and so
            // are its tasks; their copies become `outer-iteration-0/for-loop-3-iteration-0/add`.
            let id = graph.groups[group].id.clone();
            let scope = id.rfind('/').map_or("", |end| &id[..=end]);
            let prefix = format!("{id}-iteration-{iteration}");
            let nested = |key: &str| format!("{prefix}/{}", key.strip_prefix(scope).unwrap_or(key));
            let tasks: BTreeMap<TaskId, TaskId> = templates
                .iter()
                .map(|task| (task.id.clone(), TaskId::new(nested(task.id.as_str()))))
                .collect();
            let first_copy = graph.groups.len();
            let groups: HashMap<usize, usize> = inner_groups
                .iter()
                .enumerate()
                .map(|(n, &g)| (g, first_copy + n))
                .collect();
            let rewrite = Iteration {
                group,
                item,
                tasks: &tasks,
                groups: &groups,
            };
            let lift = |inner: Option<usize>| match inner {
                Some(g) if g == group => parent,
                Some(g) => Some(rewrite.group(g)),
                None => None,
            };
            for &inner in &inner_groups {
                let mut copy = graph.groups[inner].clone();
                copy.id = nested(&copy.id);
                copy.parent = lift(copy.parent);
                copy.kind = rewrite.kind(&copy.kind);
                graph.groups.push(copy);
                loops.push(Expansion::Waiting);
            }
            for template in &templates {
                let mut task = template.clone();
                task.id = rewrite.task(&template.id);
                task.group = lift(template.group);
                task.inputs = template
                    .inputs
                    .iter()
                    .map(|(name, binding)| (name.clone(), rewrite.binding(binding)))
                    .collect();
                task.after = template
                    .after
                    .iter()
                    .map(|task| rewrite.task(task))
                    .collect();
                iterations.insert(task.id.clone(), (group, iteration));
                graph.tasks.push(task);
            }
            expanded.push(tasks);
        }
        loops[group] = Expansion::Expanded(expanded);
    }
    graph.tasks.len() - before
}

/// Returns whether a group is a loop.
pub(super) fn is_loop(graph: &Graph, group: usize) -> bool {
    matches!(graph.groups[group].kind, GroupKind::ParallelFor { .. })
}

/// Returns whether a task in `group` is a template: inside a loop, at any depth, that has
/// not copied it yet.
pub(super) fn is_template(graph: &Graph, group: Option<usize>) -> bool {
    let mut current = group;
    while let Some(index) = current {
        if is_loop(graph, index) {
            return true;
        }
        current = graph.groups[index].parent;
    }
    false
}
