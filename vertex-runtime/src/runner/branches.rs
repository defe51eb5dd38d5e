//! Conditions and exit handlers in local runs: a task inside a condition group runs only
//! when the conditions of every enclosing group hold, and an exit task runs once every task
//! it guards is done, with their final status.

use serde_json::{json, Map, Value};

use crate::control::{Condition, GroupKind, Operator};
use crate::param::ParameterType;
use crate::pipeline::{Graph, ParamSource, TaskId, TaskNode};

/// Returns the groups enclosing a task, innermost first.
pub(super) fn enclosing_groups(graph: &Graph, task: &TaskNode) -> Vec<usize> {
    let mut groups = Vec::new();
    let mut current = task.group;
    while let Some(group) = current {
        groups.push(group);
        current = graph.groups[group].parent;
    }
    groups
}

/// Returns the comparisons that must hold for a task to run, with whether each is negated.
pub(super) fn conditions(graph: &Graph, task: &TaskNode) -> Vec<(Condition, bool)> {
    enclosing_groups(graph, task)
        .into_iter()
        .filter_map(|group| match &graph.groups[group].kind {
            GroupKind::Condition { terms } => Some(terms.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Returns the upstream tasks whose outputs the conditions of a task compare.
pub(super) fn operand_producers(terms: &[(Condition, bool)]) -> Vec<TaskId> {
    let operands = terms
        .iter()
        .flat_map(|(condition, _)| [&condition.left, &condition.right]);
    operands
        .filter_map(|source| match source {
            ParamSource::TaskOutput { task, .. } => Some(task.clone()),
            _ => None,
        })
        .collect()
}

fn compare(
    operator: Operator,
    parameter_type: ParameterType,
    left: &Value,
    right: &Value,
) -> Option<bool> {
    let ordering = match parameter_type {
        ParameterType::NumberInteger | ParameterType::NumberDouble => {
            left.as_f64()?.partial_cmp(&right.as_f64()?)?
        }
        ParameterType::String => left.as_str()?.cmp(right.as_str()?),
        ParameterType::Boolean => left.as_bool()?.cmp(&right.as_bool()?),
        _ => {
            return Some(match operator {
                Operator::Eq => left == right,
                Operator::Ne => left != right,
                _ => return None,
            })
        }
    };
    Some(match operator {
        Operator::Eq => ordering.is_eq(),
        Operator::Ne => ordering.is_ne(),
        Operator::Lt => ordering.is_lt(),
        Operator::Le => ordering.is_le(),
        Operator::Gt => ordering.is_gt(),
        Operator::Ge => ordering.is_ge(),
    })
}

/// Evaluates the conditions of a task with `value` giving each operand's value; `None` when
/// an operand has no value.
pub(super) fn holds(
    terms: &[(Condition, bool)],
    value: impl Fn(&ParamSource) -> Option<Value>,
) -> Option<bool> {
    for (condition, negated) in terms {
        let left = value(&condition.left)?;
        let right = value(&condition.right)?;
        let result = compare(condition.operator, condition.parameter_type, &left, &right)?;
        if result == *negated {
            return Some(false);
        }
    }
    Some(true)
}

/// Returns the tasks inside a group, at any depth.
pub(super) fn guarded_tasks(graph: &Graph, group: usize) -> Vec<TaskId> {
    graph
        .tasks
        .iter()
        .filter(|task| enclosing_groups(graph, task).contains(&group))
        .map(|task| task.id.clone())
        .collect()
}

/// Builds the final status an exit task receives, in the protobuf JSON form.
pub(super) fn final_status(run_name: &str, group_id: &str, failure: Option<String>) -> Value {
    let mut status = Map::new();
    status.insert(
        "state".into(),
        json!(if failure.is_some() {
            "FAILED"
        } else {
            "SUCCEEDED"
        }),
    );
    status.insert("pipelineJobResourceName".into(), json!(run_name));
    status.insert("pipelineTaskName".into(), json!(group_id));
    if let Some(message) = failure {
        // 2 is the `UNKNOWN` code of google.rpc.Code.
        status.insert("error".into(), json!({"code": 2, "message": message}));
    }
    Value::Object(status)
}
