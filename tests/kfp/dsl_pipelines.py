#!/usr/bin/env python3
"""The kitchen-sink pipelines written with kfp's own Python DSL, for the structural
comparison with what `kitchen-sink compile` emits.

Usage: ``dsl_pipelines.py SPEC_DIR PIPELINE OUT.yaml``

SPEC_DIR contains the component YAML files that ``kitchen-sink spec --all`` writes; each
pipeline below loads its components from there, so both sides share the components and
differ only in how the pipeline around them is compiled.
"""

import sys
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple

from kfp import compiler, components, dsl


def pipelines(spec_dir: Path) -> Dict[str, Callable]:
    """Returns the Python pipelines by name, built on the components in SPEC_DIR."""

    def load(name: str):
        return components.load_component_from_file(str(spec_dir / f"{name}.yaml"))

    add, increment = load("add"), load("increment")
    flaky, read_env = load("flaky"), load("read-env")
    line_count = load("line-count")
    total = load("total")
    range_task, write_number, sum_files = load("range"), load("write-number"), load("sum-files")
    report = load("report")

    @dsl.pipeline(name="arithmetic", description="Adds two numbers and doubles the sum.")
    def arithmetic(b: int, a: int = 2) -> NamedTuple("Outputs", result=int):
        total = add(a=a, b=b)
        doubled = add(a=total.output, b=total.output)
        bumped = increment(x=doubled.output)
        bumped.after(total)
        bumped.set_display_name("bump")
        return NamedTuple("Outputs", result=int)(result=bumped.output)

    @dsl.pipeline(
        name="settings",
        description="Task settings: retries, resources, environment variables and caching.",
        pipeline_root="gs://bucket/root",
    )
    def settings(failures: int = 2) -> NamedTuple("Outputs", mode=str, attempts=int):
        retried = flaky(failures=failures)
        retried.set_retry(num_retries=3)
        reader = read_env(name="MODE")
        reader.set_env_variable("MODE", "a b").set_env_variable("RUST_LOG", "info")
        reader.set_cpu_limit("2").set_cpu_request("500m")
        reader.set_memory_limit("4G").set_memory_request("512Mi")
        reader.set_accelerator_type("nvidia.com/gpu")
        reader.set_caching_options(False).set_display_name("read mode")
        reader.after(retried)
        outputs = NamedTuple("Outputs", mode=str, attempts=int)
        return outputs(mode=reader.output, attempts=retried.outputs["Output"])

    @dsl.pipeline(name="inner", description="Adds `y` to `x`, then one; used as a task of `outer`.")
    def inner(x: int, y: int = 3) -> int:
        total = add(a=x, b=y)
        return increment(x=total.output).output

    @dsl.pipeline(
        name="outer",
        description="Runs `inner` twice in a row and counts the lines of an imported table.",
    )
    def outer(n: int = 1) -> NamedTuple("Outputs", lines=int, Output=int):
        first = inner(x=n)
        second = inner(x=first.output, y=5)
        imported = dsl.importer(
            artifact_uri="gs://b/data.csv",
            artifact_class=dsl.Dataset,
            reimport=False,
            metadata={"source": "x"},
        )
        lines = line_count(table=imported.output)
        total = add(a=second.output)
        outputs = NamedTuple("Outputs", lines=int, Output=int)
        return outputs(lines=lines.output, Output=total.output)

    @dsl.pipeline(
        name="loops",
        description="Loops over a list parameter and a constant list, and sums what the first loop collects.",
    )
    def loops(items: List[int] = [1, 2], n: int = 3) -> int:
        first = add(a=n)
        with dsl.ParallelFor(items, parallelism=2) as item:
            total_task = add(a=item, b=first.output)
            bumped = increment(x=total_task.output, step=n)
        summed = total(xs=dsl.Collected(bumped.output))
        with dsl.ParallelFor(["x", "y"]):
            increment(x=n)
        return summed.output

    @dsl.pipeline(
        name="fan",
        description="Loops over an upstream list one iteration at a time, and sums the files it writes.",
    )
    def fan(n: int = 3, offset: int = 0) -> int:
        listed = range_task(n=n)
        with dsl.ParallelFor(listed.output, parallelism=1) as item:
            shifted = add(a=item, b=offset)
            written = write_number(x=shifted.output)
        return sum_files(files=dsl.Collected(written.outputs["number"])).output

    @dsl.pipeline(
        name="flow",
        description="Branches on an upstream output and on parameters, guarded by an exit handler.",
    )
    def flow(n: int = 1, name: str = "go", rate: float = 0.5) -> str:
        reported = report(msg="bye")
        with dsl.ExitHandler(reported):
            first = add(a=n)
            with dsl.If(first.output > 5):
                increment(x=first.output)
            with dsl.Elif(name == "go"):
                increment(x=n)
            with dsl.Else():
                increment(x=2)
            with dsl.If(rate >= 0.5):
                read_env(name=name)
        return reported.output

    @dsl.pipeline(name="choose", description="Returns the output of whichever branch runs, like kfp's `dsl.OneOf`.")
    def choose(n: int = 1) -> int:
        first = add(a=n)
        with dsl.If(first.output > 5):
            bumped = increment(x=first.output)
        with dsl.Else():
            fallback = increment(x=2)
        return dsl.OneOf(bumped.output, fallback.output)

    @dsl.pipeline(name="structs", description="Loops over structs, passing their fields to separate inputs.")
    def structs(configs: List[dict] = [{"a": 1, "b": 2}]) -> List[int]:
        with dsl.ParallelFor(configs) as config:
            summed = add(a=config.a, b=config.b)
        with dsl.ParallelFor([{"a": 3, "b": 4}]) as pair:
            add(a=pair.a)
        return dsl.Collected(summed.output)

    @dsl.pipeline(name="nested-loops", description="Loops inside a loop, with a condition in the inner body.")
    def nested_loops(rows: List[int] = [1, 2]):
        with dsl.ParallelFor(rows) as row:
            with dsl.ParallelFor([10, 20]) as column:
                total = add(a=row, b=column)
                with dsl.If(total.output > 15):
                    increment(x=total.output)

    return {
        "nested-loops": nested_loops,
        "structs": structs,
        "choose": choose,
        "arithmetic": arithmetic,
        "settings": settings,
        "outer": outer,
        "loops": loops,
        "fan": fan,
        "flow": flow,
    }


def main() -> int:
    spec_dir, name, out = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    compiler.Compiler().compile(pipelines(spec_dir)[name], out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
