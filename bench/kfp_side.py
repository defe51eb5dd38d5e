"""KFP's side of bench/vs-kfp.sh: the components and pipeline shapes of
bench/vertex-bench written with kfp.dsl, and the commands the script times.

    python kfp_side.py spec COMPONENT OUT_JSON    compiled command and args of a component,
                                                  and its program, as JSON
    python kfp_side.py compile SHAPE N OUT_YAML   compile a chain or fan-out of N tasks
    python kfp_side.py import                     import kfp and define the components only
    python kfp_side.py local N ROOT               run a chain of N tasks with kfp.local
"""

import json
import sys
import tempfile
import warnings
from typing import List

# The base image warning of @dsl.component is not what is measured.
warnings.filterwarnings("ignore", category=FutureWarning)

from kfp import compiler, dsl  # noqa: E402


@dsl.component
def add(a: int, b: int = 0) -> int:
    return a + b


@dsl.component
def add_one(x: int) -> int:
    return x + 1


@dsl.component
def write_dataset(rows: int, data: dsl.Output[dsl.Dataset], metrics: dsl.Output[dsl.Metrics]):
    text = "x\n" + "".join(f"{row}\n" for row in range(rows))
    with open(data.path, "w") as file:
        file.write(text)
    data.metadata["rows"] = rows
    metrics.log_metric("rows", float(rows))


@dsl.component
def sum_floats(values: List[float]) -> float:
    return sum(values)


COMPONENTS = {c.name: c for c in (add, add_one, write_dataset, sum_floats)}


def chain(n: int):
    @dsl.pipeline(name=f"chain-{n}")
    def pipeline():
        last = add_one(x=0)
        for _ in range(1, n):
            last = add_one(x=last.output)

    return pipeline


def fan_out(n: int):
    @dsl.pipeline(name=f"fan-out-{n}")
    def pipeline():
        source = add_one(x=0)
        for _ in range(1, n):
            add_one(x=source.output)

    return pipeline


def spec(name: str, out: str) -> None:
    """Writes the container command and args kfp compiles for a component."""
    import yaml

    with tempfile.NamedTemporaryFile(suffix=".yaml") as file:
        compiler.Compiler().compile(COMPONENTS[name], file.name)
        ir = yaml.safe_load(open(file.name))
    (executor,) = ir["deploymentSpec"]["executors"].values()
    container = executor["container"]
    command, args = container["command"], container["args"]
    # The last command element is the program written to ephemeral_component.py.
    json.dump({"command": command, "args": args, "program": command[-1]}, open(out, "w"))


def main() -> None:
    action = sys.argv[1]
    if action == "spec":
        spec(sys.argv[2], sys.argv[3])
    elif action == "compile":
        shape, n, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        build = {"chain": chain, "fan-out": fan_out}[shape]
        compiler.Compiler().compile(build(n), out)
    elif action == "import":
        pass
    elif action == "local":
        from kfp import local

        n, root = int(sys.argv[2]), sys.argv[3]
        local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=root)
        chain(n)()
    else:
        sys.exit(f"unknown command {action}; expected spec, compile, import or local")


if __name__ == "__main__":
    main()
