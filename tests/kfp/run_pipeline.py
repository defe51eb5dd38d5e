#!/usr/bin/env python3
"""Run a compiled pipeline through kfp.local's own orchestrator and print its outputs.

Usage: ``run_pipeline.py SPEC.yaml ARGS_JSON ROOT``

The executors' commands must name the binary to run (``BIN compile --binary PATH``).
kfp.local refuses container components, so the run happens inside the same patches that
``harness.py run-local`` uses. Prints one JSON object: each pipeline output's value, with
artifacts as their URI.
"""

import json
import sys
import tempfile
from typing import Any

from kfp import components, dsl, local

import harness


def plain(value: Any) -> Any:
    """Returns an output as JSON: artifacts by URI, lists element-wise."""
    if isinstance(value, dsl.Artifact):
        return value.uri
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def main() -> int:
    spec, arguments, root = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    pipeline = components.load_component_from_file(spec)
    with tempfile.TemporaryDirectory(prefix="kfp-workspace-") as workspace, \
            harness.container_components_allowed():
        local.init(
            runner=local.SubprocessRunner(use_venv=False),
            pipeline_root=root,
            workspace_root=workspace,
        )
        task = pipeline(**arguments)
    outputs = {name: plain(value) for name, value in task.outputs.items()}
    print(json.dumps(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
