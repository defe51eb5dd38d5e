#!/usr/bin/env python3
"""Run a compiled pipeline through kfp.local's DockerRunner and print its outputs.

Usage: ``run_docker.py SPEC.yaml ARGS_JSON ROOT``

kfp.local's orchestrator starts one container per task from the image that the spec names,
with no network. ROOT must be an absolute path: DockerRunner mounts it into every container
at the same path, and nothing else of the host. kfp.local creates no folder under ROOT
before a task runs, so the image's user creates the run and task folders, and ROOT must be
writable by that user. Prints one JSON object: each pipeline output's value, with artifacts
as their URI.
"""

import json
import sys
import tempfile
from typing import Any

from kfp import components, dsl, local


def plain(value: Any) -> Any:
    """Return an output as JSON: artifacts by URI, lists element-wise."""
    if isinstance(value, dsl.Artifact):
        return value.uri
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def main() -> int:
    spec, arguments, root = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    pipeline = components.load_component_from_file(spec)
    with tempfile.TemporaryDirectory(prefix="kfp-workspace-") as workspace:
        local.init(
            runner=local.DockerRunner(network_mode="none"),
            pipeline_root=root,
            workspace_root=workspace,
        )
        task = pipeline(**arguments)
    outputs = {name: plain(value) for name, value in task.outputs.items()}
    print(json.dumps(outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
