"""Measurement driver of bench/vs-kfp.sh: runs every comparison, alternating the commands
of each, and writes the report (Markdown) and the raw figures (JSON).

It is started by bench/vs-kfp.sh, which installs the tools and builds the binaries first;
run that script rather than this file.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Linux caps one argument (MAX_ARG_STRLEN) at 32 pages, 131,072 bytes with the final NUL.
LARGEST_ARGUMENT = 131_071
# python:3.11-slim cannot be pulled here; this is an estimate of its unpacked size.
PYTHON_SLIM_ESTIMATE = (125e6, 155e6)
KFP_COMPILE_MAX_TASKS = 2000


@dataclass
class Cmd:
    """One measured command. A slow one (Python) gets its peak memory from /usr/bin/time
    wrapped around its timed runs. A fast one gets it from separate runs, because the
    wrapper's own start (about 1 ms) would otherwise count in its wall time."""

    name: str
    argv: list
    slow: bool = False


@dataclass
class Figures:
    name: str
    times: list = field(default_factory=list)
    cpu_total: float = 0.0
    memory: list = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "name": self.name,
            "runs": len(self.times),
            "wall_median": statistics.median(self.times),
            "wall_min": min(self.times),
            "wall_max": max(self.times),
            "cpu_mean": self.cpu_total / len(self.times),
            "rss_median_kib": statistics.median(self.memory) if self.memory else None,
            "rss_min_kib": min(self.memory) if self.memory else None,
            "rss_max_kib": max(self.memory) if self.memory else None,
            "memory_runs": len(self.memory),
        }


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.repo = Path(args.repo).resolve()
        self.out = Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        # Task outputs go to a tmpfs, so no command waits on ext4 writing back a replaced
        # file. A task on Vertex writes a new file, which does not wait either.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        self.scratch = Path(tempfile.mkdtemp(prefix="vs-kfp-", dir=shm))
        self.disk = Path(tempfile.mkdtemp(prefix="vs-kfp-"))
        os.environ["TMPDIR"] = str(self.scratch / "tmp")
        (self.scratch / "tmp").mkdir()
        self.bin = str(Path(args.bin).resolve())
        self.venv = Path(args.venv).resolve()
        self.python = str(self.venv / "bin" / "python")
        self.kfp_side = str(self.repo / "bench" / "kfp_side.py")
        self.results = {"sections": {}, "loads": []}
        self.report = []

    # ---------------------------------------------------------------- helpers

    def log(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def load(self, when: str) -> None:
        with open("/proc/loadavg") as file:
            load = " ".join(file.read().split()[:3])
        self.results["loads"].append({"when": when, "loadavg": load})

    def check(self, cmd: Cmd, verify=None) -> None:
        """Runs a command once (which also warms caches) and checks what it wrote."""
        done = subprocess.run(cmd.argv, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{cmd.name} failed ({done.returncode}): {shlex.join(cmd.argv)[:300]}\n"
                     f"{done.stderr[-2000:]}")
        if verify is not None:
            problem = verify(cmd, done)
            if problem:
                sys.exit(f"{cmd.name}: {problem}")

    def compare(self, key: str, commands: list, rounds: int, fast_runs: int, slow_runs: int,
                memory_runs: int, warmup: int = 10) -> dict:
        """Measures the commands in `rounds` rounds. A round runs every fast command
        `fast_runs` times and every slow one `slow_runs` times, in an order rotated each
        round, so that the commands of a comparison alternate during the whole measurement."""
        figures = {c.name: Figures(c.name) for c in commands}
        memory_files = {c.name: self.scratch / f"{key}-{i}.rss" for i, c in enumerate(commands)}
        for path in memory_files.values():
            path.unlink(missing_ok=True)
        fast = [c for c in commands if not c.slow]
        slow = [c for c in commands if c.slow]
        export = self.scratch / "hyperfine.json"
        for round_index in range(rounds):
            for group, runs in ((fast, fast_runs), (slow, slow_runs)):
                if not group or runs == 0:
                    continue
                shift = round_index % len(group)
                order = group[shift:] + group[:shift]
                line = ["hyperfine", "-N", "--style", "none", "--runs", str(runs),
                        "--export-json", str(export)]
                if round_index == 0 and group is fast and warmup:
                    line += ["--warmup", str(warmup)]
                for c in order:
                    argv = c.argv
                    if c.slow:
                        argv = ["/usr/bin/time", "-f", "%M", "-a", "-o",
                                str(memory_files[c.name])] + argv
                    line += ["-n", c.name, shlex.join(self.launchable(key, argv))]
                done = subprocess.run(line, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True)
                if done.returncode != 0:
                    sys.exit(f"hyperfine failed on {key}:\n{done.stderr[-3000:]}")
                for result in json.loads(export.read_text())["results"]:
                    entry = figures[result["command"]]
                    entry.times += result["times"]
                    entry.cpu_total += (result["user"] + result["system"]) * len(result["times"])
        for _ in range(memory_runs):
            for c in fast:
                subprocess.run(["/usr/bin/time", "-f", "%M", "-a", "-o", str(memory_files[c.name])]
                               + c.argv, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        for c in commands:
            path = memory_files[c.name]
            if path.exists():
                figures[c.name].memory = [int(v) for v in path.read_text().split()]
        summary = {name: f.summary() for name, f in figures.items()}
        for c in commands:
            summary[c.name]["command"] = shlex.join(c.argv)
        self.results["sections"][key] = summary
        return summary

    def launchable(self, key: str, argv: list) -> list:
        """Moves an argument too long for one of hyperfine's own arguments into a file that
        bench/launch.c reads back. The launcher's start then counts in the measured time."""
        long = [a for a in argv if len(a) > 100_000]
        if not long:
            return argv
        (path := self.scratch / f"{key}.arg").write_text(long[0])
        return [str(self.launcher), str(path)] + ["@ARG@" if a == long[0] else a for a in argv]

    # ---------------------------------------------------------------- formatting

    @staticmethod
    def ms(seconds: float) -> str:
        value = seconds * 1e3
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"

    @staticmethod
    def mib(kib) -> str:
        return "–" if kib is None else f"{kib / 1024:.1f}"

    def table(self, summary: dict, names: list, base: str = None) -> list:
        lines = ["| command | runs | wall median ms | wall min–max ms | CPU mean ms "
                 "| peak RSS median MiB (min–max) |" + (f" wall / {base} |" if base else ""),
                 "|---|---|---|---|---|---|" + ("---|" if base else "")]
        for name in names:
            s = summary[name]
            rss = self.mib(s["rss_median_kib"])
            if s["rss_median_kib"] is not None:
                rss += f" ({self.mib(s['rss_min_kib'])}–{self.mib(s['rss_max_kib'])})"
            row = (f"| {name} | {s['runs']} | {self.ms(s['wall_median'])} | "
                   f"{self.ms(s['wall_min'])}–{self.ms(s['wall_max'])} | "
                   f"{self.ms(s['cpu_mean'])} | {rss} |")
            if base:
                row += f" {s['wall_median'] / summary[base]['wall_median']:.2f}x |"
            lines.append(row)
        return lines

    def emit(self, *lines) -> None:
        self.report.extend(lines)

    # ---------------------------------------------------------------- inputs

    def executor_input(self, kind: str, out: Path) -> str:
        out.mkdir(parents=True, exist_ok=True)
        outputs = {"outputFile": f"{out}/executor_output.json"}
        if kind == "add":
            inputs = {"parameterValues": {"a": 40, "b": 2}}
            outputs = {"parameters": {"Output": {"outputFile": f"{out}/Output"}}, **outputs}
        elif kind == "write-dataset":
            inputs = {"parameterValues": {"rows": 100}}

            def artifact(name, title):
                return {"artifacts": [{"name": name, "uri": f"{out}/{name}", "metadata": {},
                                       "type": {"schemaTitle": title, "schemaVersion": "0.0.1"}}]}

            outputs = {"artifacts": {"data": artifact("data", "system.Dataset"),
                                     "metrics": artifact("metrics", "system.Metrics")},
                       **outputs}
        else:
            raise ValueError(kind)
        return json.dumps({"inputs": inputs, "outputs": outputs}, separators=(",", ":"))

    @staticmethod
    def largest_input(out: Path) -> str:
        """Builds the executor input of sum-floats with as many floats as fit in one
        argument, padded with spaces to exactly LARGEST_ARGUMENT bytes. The recipe is the
        same as in vertex-runtime/benches/executor.rs."""
        out.mkdir(parents=True, exist_ok=True)
        head = '{"inputs":{"parameterValues":{"values":['
        tail = (']}},"outputs":{"parameters":{"Output":{"outputFile":"%s/Output"}},'
                '"outputFile":"%s/executor_output.json"}}' % (out, out))
        items, length, i = [], len(head) + len(tail), 1
        while True:
            x = i * 0.6180339887498949
            item = repr(1.0 + (x - math.floor(x)))
            extra = len(item) + (1 if items else 0)
            if length + extra > LARGEST_ARGUMENT:
                break
            length += extra
            items.append(item)
            i += 1
        text = head + ",".join(items) + tail + " " * (LARGEST_ARGUMENT - length)
        assert len(text) == LARGEST_ARGUMENT, len(text)
        return text

    def kfp_component(self, component: str, function: str, executor_input: str) -> tuple:
        """Returns KFP's executor alone (as its command runs it, with _KFP_RUNTIME=true, and
        as a bare module run) and KFP's whole compiled command for a component."""
        spec_file = self.scratch / f"{component}.command.json"
        subprocess.run([self.python, self.kfp_side, "spec", component, str(spec_file)],
                       check=True)
        spec = json.loads(spec_file.read_text())
        program = self.scratch / f"{function}_program.py"
        program.write_text(spec["program"])
        executor = [self.python, "-m", "kfp.dsl.executor_main", "--component_module_path",
                    str(program), "--executor_input", executor_input, "--function_to_execute",
                    function]
        runtime = ["env", "_KFP_RUNTIME=true"] + executor
        path = f"{self.venv / 'bin'}:{os.environ['PATH']}"
        command = ["env", f"PATH={path}"] + spec["command"] + [
            a.replace("{{$}}", executor_input) for a in spec["args"]]
        return runtime, executor, command

    def floor_argv(self, executor_input: str) -> list:
        return [str(self.floor), "--executor-input", executor_input]

    # ---------------------------------------------------------------- sections

    def build_floor(self) -> None:
        self.floor = self.disk / "floor"
        self.launcher = self.disk / "launch"
        for program in (self.floor, self.launcher):
            source = self.repo / "bench" / f"{program.name}.c"
            subprocess.run(["cc", "-O2", "-static", "-o", str(program), str(source)], check=True)

    def task_start(self) -> None:
        rounds, fast, slow, memory = (2, 10, 1, 5) if self.quick else (10, 30, 2, 30)
        self.emit("## 1. Task start to exit", "")
        for kind, function in (("add", "add"), ("write-dataset", "write_dataset")):
            self.log(f"task start: {kind}")
            out = self.scratch / f"start-{kind}"
            executor_input = self.executor_input(kind, out)
            runtime, executor, command = self.kfp_component(kind, function, executor_input)
            commands = [
                Cmd("vertex exec", [self.bin, "exec", kind, "--executor-input", executor_input]),
                Cmd("C floor", self.floor_argv(executor_input)),
                Cmd("kfp executor (_KFP_RUNTIME=true)", runtime, slow=True),
                Cmd("kfp executor, no _KFP_RUNTIME", executor, slow=True),
                Cmd("kfp compiled command", command, slow=True),
            ]
            expected_file = out / "executor_output.json"

            def verify(cmd, _done, kind=kind, out=out, expected_file=expected_file):
                if not expected_file.exists():
                    return "no executor output"
                written = json.loads(expected_file.read_text())
                expected_file.unlink()
                if cmd.name == "C floor":
                    return None
                if kind == "add":
                    return None if written["parameterValues"]["Output"] == 42 else str(written)
                rows = (out / "data").read_text().splitlines()
                (out / "data").unlink()
                metrics = written["artifacts"]["metrics"]["artifacts"][0]["metadata"]
                if len(rows) != 101 or metrics.get("rows") != 100:
                    return f"wrong outputs: {len(rows)} rows, {written}"
                return None

            for cmd in commands:
                self.check(cmd, verify)
            if kind == "add":
                self.no_network_check(commands[-1])
            self.load(f"before task start {kind}")
            summary = self.compare(f"start-{kind}", commands, rounds, fast, slow, memory)
            self.load(f"after task start {kind}")
            title = "add two integers" if kind == "add" else "write a Dataset and log a Metric"
            self.emit(f"### {title} (`{kind}`)", "",
                      *self.table(summary, [c.name for c in commands], base="vertex exec"), "")

    def no_network_check(self, cmd: Cmd) -> None:
        """Runs KFP's compiled command in a new network namespace, whose only interface is
        a loopback that is down. If the command succeeds, its pip step needed no network."""
        if shutil.which("unshare") is None:
            self.results["compiled_command_offline"] = "not checked: unshare missing"
            return
        done = subprocess.run(["unshare", "-n"] + cmd.argv, capture_output=True, text=True)
        self.results["compiled_command_offline"] = (
            "succeeded without network (unshare -n)" if done.returncode == 0
            else f"failed without network (exit {done.returncode}): {done.stderr[-500:]}")

    def largest(self) -> None:
        self.log("largest executor input")
        rounds, fast, slow, memory = (2, 10, 1, 5) if self.quick else (10, 30, 1, 30)
        out = self.scratch / "largest"
        executor_input = self.largest_input(out)
        runtime, _, _ = self.kfp_component("sum-floats", "sum_floats", executor_input)
        values = json.loads(executor_input)["inputs"]["parameterValues"]["values"]
        self.results["largest_input"] = {"bytes": len(executor_input), "floats": len(values)}
        commands = [
            Cmd("vertex exec", [self.bin, "exec", "sum-floats", "--executor-input",
                                executor_input]),
            Cmd("C floor", self.floor_argv(executor_input)),
            Cmd("kfp executor (_KFP_RUNTIME=true)", runtime, slow=True),
        ]
        output = out / "executor_output.json"

        def verify(cmd, _done):
            written = json.loads(output.read_text())
            output.unlink()
            if cmd.name == "C floor":
                return None
            total = written["parameterValues"]["Output"]
            return None if math.isclose(total, sum(values), rel_tol=1e-12) else str(written)

        for cmd in commands:
            self.check(cmd, verify)
        summary = self.compare("largest", commands, rounds, fast, slow, memory)
        self.emit("## 5. The largest executor input", "",
                  f"`sum-floats` (`Vec<f64>`) on an executor input of {len(executor_input):,} "
                  f"bytes holding {len(values):,} floats. hyperfine holds each command in "
                  f"one argument of its own, which cannot carry this input, so every command "
                  f"here starts through bench/launch.c (a static C program that reads the "
                  f"input from a file and execs the command with it): its start is in every "
                  f"wall time of this table, the floor's included.", "",
                  *self.table(summary, [c.name for c in commands], base="C floor"), "")

    def footprint(self) -> None:
        self.log("footprint")
        sizes = {}
        sizes["vertex-bench static binary"] = os.path.getsize(self.bin)
        if self.args.penguins_bin:
            sizes["penguins static binary"] = os.path.getsize(self.args.penguins_bin)
        image = None
        if self.args.image and shutil.which("docker"):
            done = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}",
                                   self.args.image], capture_output=True, text=True)
            if done.returncode == 0:
                image = int(done.stdout.strip())
                sizes[f"image {self.args.image} (FROM scratch)"] = image
        du = subprocess.run(["du", "-sb", str(self.venv)], capture_output=True, text=True,
                            check=True)
        venv = int(du.stdout.split()[0])
        sizes["kfp venv (du -sb)"] = venv
        self.results["footprint"] = sizes
        low, high = (venv + PYTHON_SLIM_ESTIMATE[0], venv + PYTHON_SLIM_ESTIMATE[1])
        self.results["footprint_python_estimate"] = [low, high]
        lines = ["## 2. Footprint", "", "| what | bytes | MB |", "|---|---|---|"]
        for name, size in sizes.items():
            lines.append(f"| {name} | {size:,} | {size / 1e6:.2f} |")
        lines.append(f"| python:3.11-slim unpacked (**estimate**, not measured) | "
                     f"{PYTHON_SLIM_ESTIMATE[0]:,.0f}–{PYTHON_SLIM_ESTIMATE[1]:,.0f} | "
                     f"{PYTHON_SLIM_ESTIMATE[0] / 1e6:.0f}–{PYTHON_SLIM_ESTIMATE[1] / 1e6:.0f} |")
        lines.append(f"| python:3.11-slim + kfp venv (estimate) | {low:,.0f}–{high:,.0f} | "
                     f"{low / 1e6:.0f}–{high / 1e6:.0f} |")
        self.emit(*lines, "")

    def compile(self) -> None:
        sizes = [10, 100] if self.quick else [10, 100, 1000, 2000, 10000]
        runs = {10: 3, 100: 3, 1000: 3, 2000: 3} if not self.quick else {10: 1, 100: 1}
        fast = 3 if self.quick else 10
        lines = ["## 3. Compile", "",
                 "| shape | tasks | vertex wall median ms (min–max) | vertex peak RSS MiB "
                 "| vertex ms per 1,000 tasks | kfp wall median ms (min–max) | kfp peak RSS MiB "
                 "| kfp / vertex | YAML bytes vertex / kfp |",
                 "|---|---|---|---|---|---|---|---|---|"]
        kfp_import = None
        for shape in ("chain", "fan-out"):
            for n in sizes:
                self.log(f"compile {shape} {n}")
                key = f"compile-{shape}-{n}"
                vertex_yaml = self.disk / f"{key}.vertex.yaml"
                kfp_yaml = self.disk / f"{key}.kfp.yaml"
                commands = [Cmd("vertex", [self.bin, "compile", f"{shape}-{n}", "-o",
                                           str(vertex_yaml)])]
                if n <= KFP_COMPILE_MAX_TASKS:
                    commands.append(Cmd("kfp", [self.python, self.kfp_side, "compile", shape,
                                                str(n), str(kfp_yaml)], slow=True))
                for cmd in commands:
                    self.check(cmd)
                kfp_runs = runs.get(n, 0)
                summary = self.compare(key, commands, max(kfp_runs, 1), fast,
                                       1 if kfp_runs else 0, fast, warmup=2)
                v = summary["vertex"]
                row = (f"| {shape} | {n:,} | {self.ms(v['wall_median'])} "
                       f"({self.ms(v['wall_min'])}–{self.ms(v['wall_max'])}) | "
                       f"{self.mib(v['rss_median_kib'])} | "
                       f"{self.ms(v['wall_median'] / n * 1000)} |")
                if "kfp" in summary:
                    k = summary["kfp"]
                    row += (f" {self.ms(k['wall_median'])} ({self.ms(k['wall_min'])}–"
                            f"{self.ms(k['wall_max'])}) | {self.mib(k['rss_median_kib'])} | "
                            f"{k['wall_median'] / v['wall_median']:.0f}x | "
                            f"{vertex_yaml.stat().st_size:,} / {kfp_yaml.stat().st_size:,} |")
                else:
                    row += f" – | – | – | {vertex_yaml.stat().st_size:,} / – |"
                lines.append(row)
        self.log("compile: kfp import alone")
        summary = self.compare("compile-kfp-import", [
            Cmd("kfp import only", [self.python, self.kfp_side, "import"], slow=True)],
            1 if self.quick else 3, 0, 1, 0)
        kfp_import = summary["kfp import only"]
        lines += ["", f"kfp's fixed cost, `kfp_side.py import` (imports kfp and defines the "
                  f"components, compiles nothing): {self.ms(kfp_import['wall_median'])} ms "
                  f"median, {self.mib(kfp_import['rss_median_kib'])} MiB.", ""]
        self.emit(*lines)

    def local_runs(self) -> None:
        self.log("local runs")
        rounds, fast = (1, 3) if self.quick else (3, 10)
        root = self.scratch / "local"
        commands = []
        # kfp.local caches nothing unless asked to, and the runner's cache would skip
        # every task after the first run: --no-cache runs each one.
        for n in (1, 20):
            commands.append(Cmd(f"vertex run chain-{n}", [self.bin, "run", f"chain-{n}",
                                                         "--no-cache", "--root",
                                                         str(root / "vertex")]))
        for n in (1, 20):
            commands.append(Cmd(f"kfp.local chain-{n}", [self.python, self.kfp_side, "local",
                                                        str(n), str(root / "kfp")], slow=True))
        def verify(cmd, done):
            if not cmd.name.startswith("vertex"):
                return None
            # The runner logs `[TASK] succeeded in ...` for each task it ran.
            ran = done.stderr.count("] succeeded in")
            expected = int(cmd.name.rsplit("-", 1)[1])
            return None if ran == expected else f"{ran} tasks ran, expected {expected}"

        for cmd in commands:
            self.check(cmd, verify)
        for cmd in commands[:2]:
            self.check(cmd, verify)  # a second run of the runner would hit a cache if it used one
        summary = self.compare("local", commands, rounds, fast, 1, fast, warmup=2)
        self.load("after local runs")
        per_task = {}
        for side, prefix in (("vertex", "vertex run"), ("kfp", "kfp.local")):
            one = summary[f"{prefix} chain-1"]["wall_median"]
            twenty = summary[f"{prefix} chain-20"]["wall_median"]
            per_task[side] = (twenty - one) / 19
        self.results["local_per_task"] = per_task
        self.emit("## 4. Local runs", "",
                  *self.table(summary, [c.name for c in commands]), "",
                  f"Marginal cost per task, (chain-20 − chain-1) / 19 on the medians: vertex "
                  f"{self.ms(per_task['vertex'])} ms, kfp.local {self.ms(per_task['kfp'])} ms "
                  f"({per_task['kfp'] / per_task['vertex']:.0f}x).", "")

    def build_cost(self) -> None:
        """Times `cargo build` (dev profile) of generated crates of trivial components."""
        sizes = [10] if self.quick else [10, 100, 200]
        reps = 1 if self.quick else 5
        base = self.disk / "build"
        snapshot = base / "snapshot"
        # A copy of the runtime and macro crates: edits made to the work tree meanwhile do
        # not rebuild them in the middle of the measurement.
        snapshot.mkdir(parents=True)
        for crate in ("vertex-runtime", "vertex-macros"):
            shutil.copytree(self.repo / crate, snapshot / crate)
        manifest = (self.repo / "Cargo.toml").read_text()
        manifest = re.sub(r"members = \[[^\]]*\]", 'members = ["vertex-macros", "vertex-runtime"]',
                          manifest, count=1)
        (snapshot / "Cargo.toml").write_text(manifest)
        shutil.copy(self.repo / "Cargo.lock", snapshot / "Cargo.lock")

        def generate(path: Path, n: int) -> None:
            (path / "src").mkdir(parents=True, exist_ok=True)
            (path / "Cargo.toml").write_text(
                '[package]\nname = "bench-gen"\nversion = "0.1.0"\nedition = "2021"\n'
                'publish = false\n\n[dependencies]\n'
                f'vertex-runtime = {{ path = "{snapshot / "vertex-runtime"}" }}\n\n[workspace]\n')
            shutil.copy(self.repo / "Cargo.lock", path / "Cargo.lock")
            body = "".join(component(i, i) for i in range(n))
            (path / "src" / "main.rs").write_text(
                "use vertex_runtime::prelude::*;\n" + body + MAIN)

        def component(i: int, constant: int) -> str:
            return (f"\n/// Component {i}: adds two integers and a constant.\n///\n"
                    f"/// # Arguments\n/// * `a` - first term\n/// * `b` - second term\n"
                    f"#[vertex_component]\nfn c{i}(a: i64, #[default(0)] b: i64) -> i64 {{\n"
                    f"    a + b + {constant}\n}}\n")

        def build(path: Path, target: Path) -> tuple:
            """Returns the wall time, the CPU time of cargo and all it ran, and the number
            of crates compiled."""
            env = dict(os.environ, CARGO_TARGET_DIR=str(target))
            env.pop("RUSTFLAGS", None)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(["cargo", "build"], cwd=path, env=env, capture_output=True,
                                  text=True)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                sys.exit(f"cargo build in {path} failed:\n{done.stderr[-3000:]}")
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            return elapsed, cpu, done.stderr.count("Compiling ")

        self.log("build cost: cold build with dependencies")
        cold, cold_cpu, cold_crates = build(self.gen(base, "gen-1", generate, 1),
                                            base / "target-base")
        rows = []
        for n in sizes:
            self.log(f"build cost: {n} components")
            target = base / f"target-{n}"
            shutil.copytree(base / "target-base", target, symlinks=True)
            path = self.gen(base, f"gen-{n}", generate, n)
            source = path / "src" / "main.rs"
            clean, clean_cpu, clean_crates = build(path, target)
            edits, adds, count, constant = [], [], n, 0
            # Rep 0 warms the incremental cache (the first rebuild after a clean build is
            # slower than the following ones) and is not counted.
            for rep in range(reps + 1):
                text = source.read_text()
                assert component(0, constant) in text
                source.write_text(text.replace(component(0, constant), component(0, rep + 1), 1))
                constant = rep + 1
                edit = build(path, target)
                text = source.read_text().replace(MAIN, component(count, count) + MAIN)
                source.write_text(text)
                count += 1
                add = build(path, target)
                if rep > 0:
                    edits.append(edit[:2])
                    adds.append(add[:2])
            row = {"components": n, "clean": clean, "clean_cpu": clean_cpu,
                   "clean_crates": clean_crates, "edits": edits, "adds": adds}
            for name, runs in (("edit", edits), ("add", adds)):
                row[name] = statistics.median(w for w, _ in runs)
                row[name + "_cpu"] = statistics.median(c for _, c in runs)
            rows.append(row)
        self.results["build"] = {"cold": cold, "cold_cpu": cold_cpu, "cold_crates": cold_crates,
                                 "rows": rows}
        lines = ["## 6. Build cost (`cargo build`, dev profile)", "",
                 f"Cold build of a crate with one component, all dependencies included: "
                 f"{cold:.1f} s wall, {cold_cpu:.1f} s CPU ({cold_crates} crates compiled).", "",
                 f"Each incremental figure is the median of {reps} rebuilds (wall / CPU), after "
                 f"one uncounted rebuild.", "",
                 "| components | build of the crate alone (dependencies built), s wall / CPU "
                 "| rebuild after a body edit, s | rebuild after adding one component, s "
                 "| added − edit, ms wall / CPU |", "|---|---|---|---|---|"]
        for row in rows:
            lines.append(
                f"| {row['components']} | {row['clean']:.2f} / {row['clean_cpu']:.2f} | "
                f"{row['edit']:.2f} / {row['edit_cpu']:.2f} | {row['add']:.2f} / "
                f"{row['add_cpu']:.2f} | {(row['add'] - row['edit']) * 1e3:.0f} / "
                f"{(row['add_cpu'] - row['edit_cpu']) * 1e3:.0f} |")
        if len(rows) > 1:
            first, last = rows[0], rows[-1]
            span = last["components"] - first["components"]
            slope = (last["clean"] - first["clean"]) / span
            slope_cpu = (last["clean_cpu"] - first["clean_cpu"]) / span
            self.results["build"]["clean_slope"] = slope
            self.results["build"]["clean_slope_cpu"] = slope_cpu
            lines += ["", f"Build time of the crate per component, slope of the builds of the "
                      f"crate alone from {first['components']} to {last['components']} "
                      f"components: {slope * 1e3:.0f} ms wall, {slope_cpu * 1e3:.0f} ms CPU."]
        self.emit(*lines, "")

    @staticmethod
    def gen(base: Path, name: str, generate, n: int) -> Path:
        path = base / name
        generate(path, n)
        return path

    def criterion(self) -> None:
        self.log("criterion")
        extra = ["--warm-up-time", "1", "--measurement-time", "1" if self.quick else "3"]
        started = time.time()
        subprocess.run(["cargo", "bench", "--quiet", "-p", "vertex-runtime", "--bench",
                        "executor", "--", "--noplot"] + extra, cwd=self.repo, check=True,
                       stdout=subprocess.DEVNULL)
        target = Path(os.environ.get("CARGO_TARGET_DIR", self.repo / "target"))
        figures = {}
        for estimates in sorted((target / "criterion").glob("*/new/estimates.json")):
            if estimates.stat().st_mtime < started:
                continue  # a benchmark of an earlier run, no longer in the file
            benchmark = json.loads((estimates.parent / "benchmark.json").read_text())
            data = json.loads(estimates.read_text())
            median = data["median"]
            figures[benchmark["full_id"]] = {
                "median_ns": median["point_estimate"],
                "low_ns": median["confidence_interval"]["lower_bound"],
                "high_ns": median["confidence_interval"]["upper_bound"],
            }
        self.results["criterion"] = figures
        lines = ["## Criterion micro-benchmarks (`cargo bench -p vertex-runtime --bench "
                 "executor`)", "", "| benchmark | median | 95% interval of the median |",
                 "|---|---|---|"]
        for name, f in figures.items():
            lines.append(f"| {name} | {self.us(f['median_ns'])} | {self.us(f['low_ns'])}–"
                         f"{self.us(f['high_ns'])} |")
        self.emit(*lines, "")

    @staticmethod
    def us(ns: float) -> str:
        if ns >= 1e6:
            return f"{ns / 1e6:.2f} ms"
        if ns >= 1e3:
            return f"{ns / 1e3:.1f} µs"
        return f"{ns:.0f} ns"

    # ---------------------------------------------------------------- targets

    def targets(self) -> None:
        r = self.results
        rows = []

        def add(target, measured, met):
            rows.append(f"| {target} | {measured} | {'met' if met else '**missed**'} |")

        start = r["sections"]["start-add"]
        vertex, floor = start["vertex exec"], start["C floor"]
        ratio = vertex["wall_median"] / floor["wall_median"]
        add("task start within 1.5x of the C floor (add)",
            f"{self.ms(vertex['wall_median'])} ms vs {self.ms(floor['wall_median'])} ms: "
            f"{ratio:.2f}x", ratio <= 1.5)
        rss = vertex["rss_median_kib"] / 1024
        add("task start under 3 MiB peak (add)", f"{rss:.2f} MiB", rss < 3)
        for label, name, want in (("KFP's executor alone (_KFP_RUNTIME=true)",
                                   "kfp executor (_KFP_RUNTIME=true)", 20),
                                  ("KFP's executor alone, no _KFP_RUNTIME",
                                   "kfp executor, no _KFP_RUNTIME", 20),
                                  ("KFP's compiled command", "kfp compiled command", 150)):
            ratio = start[name]["wall_median"] / vertex["wall_median"]
            add(f"at least {want}x faster than {label} (add)", f"{ratio:.0f}x", ratio >= want)
        if "footprint" in r:
            sizes = r["footprint"]
            binary = sizes.get("penguins static binary", sizes["vertex-bench static binary"])
            add("static binary under 10 MB (penguins)", f"{binary / 1e6:.2f} MB", binary < 10e6)
            image = next((v for k, v in sizes.items() if k.startswith("image ")), None)
            if image:
                low, high = r["footprint_python_estimate"]
                add("image at least 20x smaller than python:3.11-slim + kfp",
                    f"{low / image:.0f}x–{high / image:.0f}x (slim size estimated)",
                    low / image >= 20)
        compile_1000 = r["sections"].get("compile-chain-1000")
        if compile_1000:
            worst = max(r["sections"][f"compile-{s}-1000"]["vertex"]["wall_median"]
                        for s in ("chain", "fan-out"))
            add("compile 1,000 tasks under 50 ms", f"{self.ms(worst)} ms (slower shape)",
                worst < 0.05)
            ratios = []
            for shape in ("chain", "fan-out"):
                t1 = r["sections"][f"compile-{shape}-1000"]["vertex"]["wall_median"]
                t10 = r["sections"][f"compile-{shape}-10000"]["vertex"]["wall_median"]
                ratios.append(t10 / t1)
            add("compile linear up to 10,000 tasks", "time(10,000) / time(1,000) = "
                + ", ".join(f"{x:.1f}" for x in ratios) + " (chain, fan-out)",
                all(x <= 11 for x in ratios))
        per_task = r["local_per_task"]["vertex"]
        add("local runs under 5 ms overhead per task", f"{self.ms(per_task)} ms", per_task < 0.005)
        decode = r.get("criterion", {}).get("decode/largest_131071_bytes")
        if decode:
            add("decode of the largest input under 1 ms", self.us(decode["median_ns"]),
                decode["median_ns"] < 1e6)
        build = r.get("build", {}).get("rows", [])
        if build:
            row = build[-1]
            cost = row["add"] - row["edit"]
            cost_cpu = row["add_cpu"] - row["edit_cpu"]
            add(f"under 30 ms incremental build time per added component at "
                f"{row['components']} components",
                f"{cost * 1e3:.0f} ms wall, {cost_cpu * 1e3:.0f} ms CPU (rebuild after adding "
                f"one minus rebuild after a body edit); the whole rebuild after adding one "
                f"takes {row['add']:.2f} s", cost < 0.03)
            if "clean_slope" in r["build"]:
                slope = r["build"]["clean_slope"]
                add("the same, read as the slope of the crate's build time per component",
                    f"{slope * 1e3:.0f} ms wall", slope < 0.03)
        self.emit("## Targets", "", "| target | measured in this run | verdict |", "|---|---|---|",
                  *rows, "")

    # ---------------------------------------------------------------- machine

    def machine(self) -> dict:
        def run(argv):
            try:
                return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
            except OSError:
                return "unavailable"

        model = next((line.split(":", 1)[1].strip() for line in run(["lscpu"]).splitlines()
                      if line.startswith("Model name")), "unknown")
        with open("/proc/meminfo") as file:
            memory = next(line.split(":")[1].strip() for line in file
                          if line.startswith("MemTotal"))
        return {
            "date": run(["date", "-u"]),
            "nproc": run(["nproc"]),
            "cpu": model,
            "memory": memory,
            "kernel": platform.release(),
            "rustc": run(["rustc", "-V"]),
            "python": run([self.python, "-V"]),
            "kfp": run([self.python, "-c", "import kfp; print(kfp.__version__)"]),
            "hyperfine": run(["hyperfine", "--version"]),
            "commit": run(["git", "-C", str(self.repo), "rev-parse", "--short", "HEAD"])
            or "not a git checkout",
        }

    def run(self) -> None:
        started = time.time()
        self.results["machine"] = self.machine()
        self.load("start")
        self.build_floor()

        sections = self.args.sections.split(",")
        if "start" in sections:
            self.task_start()
        if "footprint" in sections:
            self.footprint()
        if "compile" in sections:
            self.compile()
        if "local" in sections:
            self.local_runs()
        if "largest" in sections:
            self.largest()
        if "criterion" in sections:
            self.criterion()
        if "build" in sections:
            self.build_cost()
        self.load("end")
        self.results["duration_s"] = time.time() - started
        if "start" in sections and "local" in sections:
            self.targets()

        m = self.results["machine"]
        head = ["# vs-kfp results", "",
                f"{m['date']}; {m['nproc']} cores, {m['cpu']}, {m['memory']}; kernel "
                f"{m['kernel']}; {m['rustc']}; {m['python']}; kfp {m['kfp']}; {m['hyperfine']}; "
                f"commit {m['commit']}.", "",
                "Load average (1, 5, 15 min): " + "; ".join(
                    f"{x['when']} {x['loadavg']}" for x in self.results["loads"]) + ".", "",
                f"Compiled command without network: "
                f"{self.results.get('compiled_command_offline', 'not checked')}.", "",
                f"Measured in {self.results['duration_s'] / 60:.1f} min.", ""]

        text = "\n".join(head + self.report)
        (self.out / "report.md").write_text(text)
        (self.out / "results.json").write_text(json.dumps(self.results, indent=1))
        print(text)

    def cleanup(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
        shutil.rmtree(self.disk, ignore_errors=True)


MAIN = "\nfn main() -> std::process::ExitCode {\n    vertex_runtime::main()\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--bin", required=True, help="static vertex-bench binary")
    parser.add_argument("--penguins-bin", help="static penguins binary")
    parser.add_argument("--image", help="the FROM scratch image to size")
    parser.add_argument("--venv", required=True, help="the kfp venv")
    parser.add_argument("--out", required=True, help="directory for report.md and results.json")
    parser.add_argument("--quick", action="store_true", help="few runs, to check the script")
    parser.add_argument("--sections",
                        default="start,footprint,compile,local,largest,criterion,build")
    bench = Bench(parser.parse_args())
    try:
        bench.run()
    finally:
        bench.cleanup()


if __name__ == "__main__":
    main()
