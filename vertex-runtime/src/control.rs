//! Control flow in pipelines: loops over a list, run in parallel, whose outputs are
//! collected into lists for the tasks after them.
//!
//! A group is a nested DAG in the compiled spec, `comp-for-loop-N`, as kfp's compiler makes
//! it; tasks inside it see outer values through inputs named `pipelinechannel--...`.

use std::marker::PhantomData;

use serde_json::Value;

use crate::artifact::ArtifactType;
use crate::param::{Parameter, ParameterType};
use crate::pipeline::{
    ArtifactListRef, ArtifactRef, ArtifactSource, ParamRef, ParamSource, Pipeline,
};

/// A control-flow group of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupNode {
    /// The group's key, such as `for-loop-1`.
    pub id: String,
    /// The enclosing group, as an index into the graph's groups; `None` at the top level.
    pub parent: Option<usize>,
    /// What the group does.
    pub kind: GroupKind,
    /// Creation order among the tasks and groups of the pipeline.
    pub seq: usize,
}

/// The kind of a control-flow group.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupKind {
    /// A loop that runs its tasks once per item, up to `parallelism` at a time.
    ParallelFor {
        /// The list looped over.
        items: LoopItems,
        /// The name of the loop item's input, such as `pipelinechannel--items-loop-item`.
        item_input: String,
        /// The type of one item.
        item_type: ParameterType,
        /// The most iterations running at once, if limited.
        parallelism: Option<u32>,
    },
}

/// The list a loop goes over.
#[derive(Clone, Debug, PartialEq)]
pub enum LoopItems {
    /// A list parameter: a pipeline input or an upstream output.
    Channel(ParamSource),
    /// A constant list, written into the spec.
    Raw(Value),
}

/// The items of a loop over values of type `T`: a `Vec<T>` constant or a reference to a
/// list parameter.
pub struct Items<T> {
    items: LoopItems,
    item_type: PhantomData<fn() -> T>,
}

impl<T: Parameter> From<Vec<T>> for Items<T> {
    fn from(items: Vec<T>) -> Self {
        let items = match items.encode() {
            Ok(encoded) => LoopItems::Raw(encoded),
            Err(error) => LoopItems::Channel(ParamSource::Invalid(error.to_string())),
        };
        Self {
            items,
            item_type: PhantomData,
        }
    }
}

impl<T> From<ParamRef<Vec<T>>> for Items<T> {
    fn from(list: ParamRef<Vec<T>>) -> Self {
        Self {
            items: LoopItems::Channel(list.source),
            item_type: PhantomData,
        }
    }
}

/// What a loop body returns: references that become lists after the loop, one element per
/// iteration, like kfp's `dsl.Collected`.
pub trait Collect {
    /// The collected form: `ParamRef<Vec<T>>` for a `ParamRef<T>`, `ArtifactListRef<A>`
    /// for an `ArtifactRef<A>`.
    type Collected;

    /// Collects the reference over the iterations of the loop `group`.
    fn collect(self, group: usize) -> Self::Collected;
}

impl Collect for () {
    type Collected = ();

    fn collect(self, _: usize) {}
}

impl<T> Collect for ParamRef<T> {
    type Collected = ParamRef<Vec<T>>;

    fn collect(self, group: usize) -> ParamRef<Vec<T>> {
        let source = match self.source {
            ParamSource::TaskOutput { task, output } => ParamSource::Collected {
                group,
                task,
                output,
            },
            other => ParamSource::Invalid(format!(
                "only task outputs can be collected from a loop, not {other:?}"
            )),
        };
        ParamRef::from_source(source)
    }
}

impl<A> Collect for ArtifactRef<A> {
    type Collected = ArtifactListRef<A>;

    fn collect(self, group: usize) -> ArtifactListRef<A> {
        let source = match self.source {
            ArtifactSource::TaskOutput { task, output } => ArtifactSource::Collected {
                group,
                task,
                output,
            },
            // Only task outputs can be returned from a loop body that builds tasks.
            other => other,
        };
        ArtifactListRef {
            source,
            artifact_type: PhantomData,
        }
    }
}

impl<A: Collect, B: Collect> Collect for (A, B) {
    type Collected = (A::Collected, B::Collected);

    fn collect(self, group: usize) -> Self::Collected {
        (self.0.collect(group), self.1.collect(group))
    }
}

impl<A: Collect, B: Collect, C: Collect> Collect for (A, B, C) {
    type Collected = (A::Collected, B::Collected, C::Collected);

    fn collect(self, group: usize) -> Self::Collected {
        (
            self.0.collect(group),
            self.1.collect(group),
            self.2.collect(group),
        )
    }
}

/// The name kfp gives a parameter channel inside a group: `pipelinechannel--<name>`, where
/// `<name>` is the pipeline input, or `<task>-<output>` for a task output.
pub(crate) fn channel_name(source: &ParamSource) -> Option<String> {
    match source {
        ParamSource::PipelineInput(name) => Some(format!("pipelinechannel--{name}")),
        ParamSource::TaskOutput { task, output } | ParamSource::Collected { task, output, .. } => {
            Some(format!("pipelinechannel--{task}-{output}"))
        }
        _ => None,
    }
}

impl Pipeline {
    fn next_group_number(&self) -> usize {
        let mut graph = self.graph.borrow_mut();
        graph.group_counter += 1;
        graph.group_counter
    }

    /// Runs `body` once per item of `items`, the iterations in parallel up to `parallelism`
    /// at a time (unlimited when `None`), like kfp's `dsl.ParallelFor`. `body` receives the
    /// current item and returns task outputs, which come back collected into lists, one
    /// element per iteration, like kfp's `dsl.Collected`.
    ///
    /// ```no_run
    /// # use vertex_runtime::prelude::*;
    /// # #[vertex_component] fn add(a: i64, b: i64) -> i64 { a + b }
    /// # #[vertex_component] fn total(xs: Vec<i64>) -> i64 { xs.iter().sum() }
    /// #[vertex_pipeline]
    /// fn sums(p: &Pipeline, items: ParamRef<Vec<i64>>) {
    ///     let sums = p.parallel_for(items, Some(2), |p, item| {
    ///         p.task(add { a: item, b: 1.into() }).output.clone()
    ///     });
    ///     p.task(total { xs: sums });
    /// }
    /// # fn main() {}
    /// ```
    pub fn parallel_for<T: Parameter, R: Collect>(
        &self,
        items: impl Into<Items<T>>,
        parallelism: Option<u32>,
        body: impl FnOnce(&Pipeline, ParamRef<T>) -> R,
    ) -> R::Collected {
        let items = items.into().items;
        let item_input = match &items {
            LoopItems::Channel(source) => match channel_name(source) {
                Some(name) => format!("{name}-loop-item"),
                None => "pipelinechannel--loop-item".to_owned(),
            },
            LoopItems::Raw(_) => format!(
                "pipelinechannel--loop-item-param-{}",
                self.next_group_number()
            ),
        };
        // kfp types the item of an upstream list output as a string, since a LIST output
        // carries no element type; it keeps the element type of lists it knows.
        let item_type = match &items {
            LoopItems::Channel(ParamSource::TaskOutput { .. }) => ParameterType::String,
            _ => T::TYPE,
        };
        let number = self.next_group_number();
        let group = {
            let mut graph = self.graph.borrow_mut();
            let seq = graph.next_seq;
            graph.next_seq += 1;
            graph.groups.push(GroupNode {
                id: format!("for-loop-{number}"),
                parent: self.group,
                kind: GroupKind::ParallelFor {
                    items,
                    item_input,
                    item_type,
                    parallelism,
                },
                seq,
            });
            graph.groups.len() - 1
        };
        let inner = Pipeline {
            graph: std::rc::Rc::clone(&self.graph),
            group: Some(group),
        };
        let item = ParamRef::from_source(ParamSource::LoopItem { group });
        body(&inner, item).collect(group)
    }
}

impl<A: ArtifactType> ArtifactListRef<A> {
    /// Returns where the artifacts come from.
    pub fn source(&self) -> &ArtifactSource {
        &self.source
    }
}
