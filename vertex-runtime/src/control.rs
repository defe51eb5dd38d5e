//! Control flow in pipelines: loops over a list, run in parallel, whose outputs are
//! collected into lists for the tasks after them.
//!
//! A group is a nested DAG in the compiled spec, such as `comp-for-loop-N`, as kfp's compiler
//! makes it. Tasks inside it read outer values through inputs named `pipelinechannel--...`.

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
    /// The group's kind.
    pub kind: GroupKind,
    /// Creation order among the tasks and groups of the pipeline.
    pub seq: usize,
}

/// The kind of a control-flow group.
#[derive(Clone, Debug, PartialEq)]
pub enum GroupKind {
    /// Tasks that run only when every term is true, like kfp's `dsl.If`, `dsl.Elif` and
    /// `dsl.Else`. A term is a comparison, negated for the branches before this one.
    Condition {
        /// The comparisons, each with whether it is negated.
        terms: Vec<(Condition, bool)>,
    },
    /// The branches of an if/else-if/else chain, each a `Condition` group inside it.
    Branches,
    /// Tasks guarded by an exit task that runs once they are all done, whatever their
    /// outcome, like kfp's `dsl.ExitHandler`.
    ExitHandler {
        /// The exit task.
        exit_task: crate::pipeline::TaskId,
    },
    /// A loop that runs its tasks once per item, up to `parallelism` at a time.
    ParallelFor {
        /// The list looped over.
        items: LoopItems,
        /// The name of the loop item's input, such as `pipelinechannel--items-loop-item`.
        item_input: String,
        /// The type of one item.
        item_type: ParameterType,
        /// The maximum number of iterations running at once, if limited.
        parallelism: Option<u32>,
    },
}

/// A comparison operator of a [`Condition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Operator {
    /// Returns the operator as CEL and kfp write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }
}

/// A comparison of two parameter values of one type, the condition of a branch. Build one
/// with the comparison methods of [`ParamRef`], such as `count.is_gt(5)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The left operand.
    pub left: ParamSource,
    /// The comparison.
    pub operator: Operator,
    /// The right operand.
    pub right: ParamSource,
    /// The type of both operands.
    pub parameter_type: ParameterType,
}

/// Parameter types that compare by order: integers and floats.
#[diagnostic::on_unimplemented(
    message = "`{Self}` values cannot be ordered in a pipeline condition",
    label = "not a number",
    note = "KFP conditions order integers and floats only; compare other values with `is_eq` or `is_ne`"
)]
pub trait Ordered {}

macro_rules! ordered {
    ($($number:ty),*) => {$(impl Ordered for $number {})*};
}

ordered!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64);

impl<T: Parameter> ParamRef<T> {
    fn compare(&self, operator: Operator, other: ParamRef<T>) -> Condition {
        Condition {
            left: self.source.clone(),
            operator,
            right: other.source,
            parameter_type: T::TYPE,
        }
    }

    /// Returns the condition that this value equals `other`.
    pub fn is_eq(&self, other: impl Into<ParamRef<T>>) -> Condition {
        self.compare(Operator::Eq, other.into())
    }

    /// Returns the condition that this value differs from `other`.
    pub fn is_ne(&self, other: impl Into<ParamRef<T>>) -> Condition {
        self.compare(Operator::Ne, other.into())
    }
}

impl<T: Parameter + Ordered> ParamRef<T> {
    /// Returns the condition that this value is less than `other`.
    pub fn is_lt(&self, other: impl Into<ParamRef<T>>) -> Condition {
        self.compare(Operator::Lt, other.into())
    }

    /// Returns the condition that this value is at most `other`.
    pub fn is_le(&self, other: impl Into<ParamRef<T>>) -> Condition {
        self.compare(Operator::Le, other.into())
    }

    /// Returns the condition that this value is greater than `other`.
    pub fn is_gt(&self, other: impl Into<ParamRef<T>>) -> Condition {
        self.compare(Operator::Gt, other.into())
    }

    /// Returns the condition that this value is at least `other`.
    pub fn is_ge(&self, other: impl Into<ParamRef<T>>) -> Condition {
        self.compare(Operator::Ge, other.into())
    }
}

/// The branches of an if/else-if/else chain, from [`Pipeline::branches`]. Each branch runs
/// only when its condition is true and those of the branches before it are false. Each branch
/// body returns an `R`: `()`, or a task output that [`otherwise`](Self::otherwise) merges.
pub struct Branches<R = ()> {
    pipeline: Pipeline,
    earlier: Vec<Condition>,
    outputs: Vec<(usize, R)>,
}

impl<R> Branches<R> {
    fn branch(&mut self, condition: Option<Condition>, body: impl FnOnce(&Pipeline) -> R) {
        let mut terms: Vec<(Condition, bool)> =
            self.earlier.iter().map(|c| (c.clone(), true)).collect();
        if let Some(condition) = condition {
            terms.push((condition.clone(), false));
            self.earlier.push(condition);
        }
        let inner = self
            .pipeline
            .open_group(GroupKind::Condition { terms }, "condition");
        let output = body(&inner);
        self.outputs.push((inner.group.unwrap_or_default(), output));
    }

    /// Adds a branch that runs when `condition` is true and no earlier branch ran.
    pub fn when(mut self, condition: Condition, body: impl FnOnce(&Pipeline) -> R) -> Self {
        self.branch(Some(condition), body);
        self
    }
}

impl<R: OneOf> Branches<R> {
    /// Adds the last branch, which runs when no earlier branch ran, and returns the output
    /// of whichever branch ran, like kfp's `dsl.OneOf`.
    pub fn otherwise(mut self, body: impl FnOnce(&Pipeline) -> R) -> R::Merged {
        self.branch(None, body);
        let group = self.pipeline.group.unwrap_or_default();
        R::merge(&self.pipeline, group, self.outputs)
    }
}

/// The return type of the branches of an if/else chain: `()`, or one parameter output per
/// branch, merged into the output of the branch that ran.
pub trait OneOf: Sized {
    /// The merged reference.
    type Merged;

    /// Merges the outputs of the branches of group `group`.
    fn merge(pipeline: &Pipeline, group: usize, outputs: Vec<(usize, Self)>) -> Self::Merged;
}

impl OneOf for () {
    type Merged = ();

    fn merge(_: &Pipeline, _: usize, _: Vec<(usize, ())>) {}
}

impl<T> OneOf for ParamRef<T> {
    type Merged = ParamRef<T>;

    fn merge(pipeline: &Pipeline, group: usize, outputs: Vec<(usize, Self)>) -> ParamRef<T> {
        let mut branches = Vec::with_capacity(outputs.len());
        for (branch, output) in outputs {
            match output.source {
                ParamSource::TaskOutput { task, output } => branches.push((branch, task, output)),
                other => {
                    let message =
                        format!("only task outputs can be merged from branches, not {other:?}");
                    return ParamRef::from_source(ParamSource::Invalid(message));
                }
            }
        }
        let number = {
            let mut graph = pipeline.graph.borrow_mut();
            let count = graph.one_of_counts.entry(group).or_insert(0);
            *count += 1;
            *count
        };
        ParamRef::from_source(ParamSource::OneOf {
            group,
            number,
            branches,
        })
    }
}

/// A struct parameter whose fields a pipeline can reference one by one, such as the fields
/// of a loop item. `#[derive(Parameter)]` implements it for structs with named fields.
pub trait StructFields {
    /// A struct with a [`ParamRef`] per field.
    type Fields;

    /// Returns references to the fields of the value at `source`.
    fn fields(source: &ParamSource) -> Self::Fields;
}

impl<T: StructFields> ParamRef<T> {
    /// Returns references to the fields of this struct value, such as `item.fields().depth`
    /// for a loop over structs; kfp selects them with `parameterExpressionSelector`.
    pub fn fields(&self) -> T::Fields {
        T::fields(&self.source)
    }
}

/// Returns a reference to the field `name` of the value at `source`; called by generated
/// code.
pub fn field_ref<T>(source: &ParamSource, name: &str) -> ParamRef<T> {
    ParamRef::from_source(ParamSource::Field {
        base: Box::new(source.clone()),
        field: name.to_owned(),
    })
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

/// The return type of a loop body: references that become lists after the loop, one
/// element per iteration, like kfp's `dsl.Collected`.
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

/// Returns the name kfp gives a parameter channel inside a group: `pipelinechannel--<name>`, where
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
    /// Adds a group inside the current one and returns the pipeline handle that adds tasks
    /// to it; its key is `<prefix>-N`.
    fn open_group(&self, kind: GroupKind, prefix: &str) -> Pipeline {
        let number = self.next_group_number();
        let mut graph = self.graph.borrow_mut();
        let seq = graph.next_seq;
        graph.next_seq += 1;
        graph.groups.push(GroupNode {
            id: format!("{prefix}-{number}"),
            parent: self.group,
            kind,
            seq,
        });
        Pipeline {
            graph: std::rc::Rc::clone(&self.graph),
            group: Some(graph.groups.len() - 1),
        }
    }

    /// Adds tasks that run only when `condition` holds, like kfp's `dsl.If`.
    ///
    /// ```no_run
    /// # use vertex_runtime::prelude::*;
    /// # #[vertex_component] fn score() -> f64 { 0.9 }
    /// # #[vertex_component] fn publish(score: f64) {}
    /// #[vertex_pipeline]
    /// fn gated(p: &Pipeline) {
    ///     let scored = p.task(score {});
    ///     p.condition(scored.output.is_ge(0.8), |p| {
    ///         p.task(publish { score: scored.output.clone() });
    ///     });
    /// }
    /// # fn main() {}
    /// ```
    pub fn condition(&self, condition: Condition, body: impl FnOnce(&Pipeline)) {
        let terms = vec![(condition, false)];
        let inner = self.open_group(GroupKind::Condition { terms }, "condition");
        body(&inner);
    }

    /// Starts an if/else-if/else chain, like kfp's `dsl.If`, `dsl.Elif` and `dsl.Else`.
    ///
    /// ```no_run
    /// # use vertex_runtime::prelude::*;
    /// # #[vertex_component] fn flip() -> String { "heads".into() }
    /// # #[vertex_component] fn say(text: String) {}
    /// #[vertex_pipeline]
    /// fn coin(p: &Pipeline) {
    ///     let side = p.task(flip {});
    ///     p.branches()
    ///         .when(side.output.is_eq("heads"), |p| {
    ///             p.task(say { text: "heads".into() });
    ///         })
    ///         .otherwise(|p| {
    ///             p.task(say { text: "tails".into() });
    ///         });
    /// }
    /// # fn main() {}
    /// ```
    pub fn branches<R>(&self) -> Branches<R> {
        Branches {
            pipeline: self.open_group(GroupKind::Branches, "condition-branches"),
            earlier: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// Adds tasks guarded by an exit task, like kfp's `dsl.ExitHandler`: the exit task runs
    /// once the guarded tasks are done, whether they succeeded or failed, and receives their
    /// final status. `exit` builds the exit task's inputs from that status.
    ///
    /// ```no_run
    /// # use vertex_runtime::prelude::*;
    /// # #[vertex_component] fn work() {}
    /// # #[vertex_component] fn report(status: PipelineTaskFinalStatus) {}
    /// #[vertex_pipeline]
    /// fn guarded(p: &Pipeline) {
    ///     p.exit_handler(|status| report { status }, |p| {
    ///         p.task(work {});
    ///     });
    /// }
    /// # fn main() {}
    /// ```
    pub fn exit_handler<C: crate::pipeline::ComponentTask>(
        &self,
        exit: impl FnOnce(ParamRef<crate::param::PipelineTaskFinalStatus>) -> C,
        body: impl FnOnce(&Pipeline),
    ) -> crate::pipeline::Task<C::Outputs> {
        // kfp numbers the exit task before the group, which is created next.
        let group = self.graph.borrow().groups.len();
        let status = ParamRef::from_source(ParamSource::TaskFinalStatus { group });
        let exit_task = self.task(exit(status));
        let kind = GroupKind::ExitHandler {
            exit_task: exit_task.id().clone(),
        };
        let inner = self.open_group(kind, "exit-handler");
        body(&inner);
        exit_task
    }

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
        // carries no element type. It keeps the element type of the other lists.
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
