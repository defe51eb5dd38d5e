#!/usr/bin/env python3
"""Check component YAML and runs against kfp 2.17.3 for the Rust tests.

The Rust integration tests call this script in the venv made by
``scripts/kfp-venv.sh``. Every subcommand prints ONE JSON document on stdout
(``reference-component`` prints YAML text instead) and exits 0; on failure
it prints ``harness.py <subcommand>: <message>`` on stderr and exits 1
(2 for command-line errors). Whatever kfp itself prints goes to stderr.

Subcommands and what they print (``{...}`` = an object, ``[...]`` = a list):

``load-component SPEC.yaml [--args JSON]``
    Loads SPEC with ``kfp.components.load_component_from_file``, requires a
    container component, strictly parses SPEC as a PipelineSpec, then
    compiles a one-task ``@dsl.pipeline`` calling it with ``--args``::

        {"name": str, "description": str|null,
         "inputs": {NAME: {"type": T, "default": any, "optional": bool,
                           "is_artifact_list": bool, "description": str|null}},
         "outputs": {NAME: {"type": T, "is_artifact_list": bool,
                            "description": str|null}},
         "command": [str], "args": [str], "image": str,
         "pipeline": <parse-pipeline summary of the compiled pipeline>}

    T is the IR parameter type name (``NUMBER_INTEGER``, ``STRING``...) or
    the artifact schema title (``system.Dataset``). ``default`` is the value
    kfp loaded (integer defaults are floats, e.g. ``3.0``). kfp's loader
    does not copy input/output descriptions into its InputSpec/OutputSpec
    (``structures.InputSpec.from_ir_component_inputs_dict``), so
    ``description`` is read from the component's own definition in SPEC.
    Artifact arguments become pipeline inputs of the same type (their URI
    and metadata are not used).

``load-defaults SPEC.yaml...``
    Loads each SPEC as ``load-component`` does, without compiling it into a
    pipeline, and prints ``{SPEC: {NAME: default}}`` with the defaults kfp
    loaded (numbers as floats, as protobuf's Struct holds them).

``executor-input SPEC.yaml --args JSON --root DIR [--backend]``
    The ExecutorInput dict kfp.local builds for one task of SPEC
    (``construct_executor_input`` + ``executor_input_to_dict``), with
    pipeline root DIR and kfp.local's task directory
    ``DIR/<name>-<timestamp>/<name>``. ``--backend`` renders it like the Go
    launcher: whole-number floats become integers everywhere (below 1e21,
    where Go's protojson switches to exponent form), and parameters whose
    value is null are left out. NOTE: this rendering follows the launcher's
    source as read, not a real backend run.

``read-outputs SPEC.yaml --executor-input FILE``
    Reads a task's outputs with kfp.local's ``get_outputs_for_task``, FILE
    being the executor input that task ran with::

        {"parameters": {NAME: {"value": any, "python_type": "int"|"float"|
                               "str"|"bool"|"list"|"dict"|"NoneType"}},
         "artifacts": {NAME: ARTIFACT | [ARTIFACT]}}

    ARTIFACT is ``{"name": str, "uri": str, "schema_title": str,
    "schema_version": str, "metadata": {...}}``; a list for outputs declared
    ``isArtifactList``. kfp.local maps titles it has no class for (e.g.
    ``google.VertexModel``) to ``system.Artifact``.

``parse-pipeline FILE.yaml``
    Parses the first YAML document into ``PipelineSpec`` (unknown fields
    are errors), checks that every task's component and every component's
    executor exist, loads FILE with ``load_component_from_file``::

        {"name": str, "description": str|null,
         "loaded_as": "container"|"graph"|"importer",
         "loaded_description": str|null,
         "inputs": <root.inputDefinitions as JSON>,
         "outputs": <root.dag.outputs as JSON>,
         "tasks": {TASK: {"componentRef": str, "dependentTasks": [str],
                          "inputs": {"parameters": {NAME: SOURCE},
                                     "artifacts": {NAME: SOURCE}}}}}

    ``description`` is ``pipelineInfo.description``; ``loaded_description``
    is what the loader made of it (for components: the ``# Description:``
    header). SOURCE is the task input spec in its YAML form, e.g.
    ``{"componentInputParameter": "n"}`` or
    ``{"runtimeValue": {"constant": 7.0}}``. Only root DAG tasks are listed.

``reference-component``
    The YAML ``Compiler().compile`` writes for a small lightweight Python
    component (every parameter type, an input and two output artifacts),
    for comparing shapes by eye.

``run-local SPEC.yaml --args JSON --root DIR --binary PATH``
    Runs SPEC through kfp.local (``SubprocessRunner(use_venv=False)``,
    pipeline root DIR) with the first element of its command replaced by
    PATH. For the call only, the SubprocessRunner's two checks that reject
    container components are disabled, and its ``python3`` substitution is
    limited to elements that are exactly ``python3``. Input artifacts are
    allowed, although kfp.local rejects them outside pipelines. With them,
    the task is started through ``task_dispatcher.run_single_task`` as the
    component call would, without the call's argument type checks. Prints
    the task outputs like ``read-outputs``.

Argument encoding (``--args``): a JSON object mapping input names to values.
Parameters take their JSON value (``{"epochs": 5}``). To leave an optional
parameter unset, omit it: kfp.local rejects ``null`` parameter values
(``to_protobuf_value`` raises ValueError). An artifact input takes
``{"artifact": {"uri": URI, "schemaTitle": TITLE, "metadata": {...},
"name": NAME}}``, or a list of those for an artifact list. Only ``uri`` is
required: ``schemaTitle`` defaults to the declared type, ``metadata`` to
``{}``, ``name`` to the last segment of the URI (what kfp.local uses for
upstream outputs). ``null`` means "not passed" for an artifact. kfp.local
has artifact classes for ``system.*`` titles only, so other titles (such as
``google.VertexModel``) turn into ``system.Artifact``
(``executor.create_artifact_instance``), as they do in kfp.local pipelines.
Undeclared names are errors, except ``pipelinechannel--*`` keys in
``executor-input`` (kfp injects those for f-string inputs), and so are
missing required inputs.
"""

import argparse
import contextlib
import inspect
import json
import os
import re
import sys
import tempfile
import traceback
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union
from unittest import mock

from google.protobuf import json_format
from kfp import compiler, components, dsl, local
from kfp.dsl import executor, structures, yaml_component
from kfp.dsl import utils as dsl_utils
from kfp.dsl.types import artifact_types, type_utils
from kfp.local import executor_input_utils, executor_output_utils
from kfp.local import subprocess_task_handler, task_dispatcher
from kfp.pipeline_spec import pipeline_spec_pb2

Json = Any
ARTIFACT_KEYS = {'uri', 'schemaTitle', 'metadata', 'name'}
HARNESS_PIPELINE = 'harness-pipeline'
ANSI_ESCAPE = re.compile(r'\x1b\[[0-9;]*m')


class HarnessError(Exception):
    """Error whose message is printed to stderr unchanged."""


# --- reading YAML -----------------------------------------------------------


def parse_pipeline_spec(path: str) -> pipeline_spec_pb2.PipelineSpec:
    """Parse the first YAML document of PATH into a PipelineSpec.

    Unknown fields are errors, unlike in kfp's own loader.
    """
    with open(path) as f:
        document, _ = structures.load_documents_from_yaml(f.read())
    if not isinstance(document, dict):
        raise HarnessError(f'{path}: the first YAML document is not a mapping')
    try:
        return json_format.ParseDict(
            document,
            pipeline_spec_pb2.PipelineSpec(),
            ignore_unknown_fields=False)
    except json_format.ParseError as e:
        raise HarnessError(f'{path}: not a valid PipelineSpec: {e}') from e


def implementation_kind(component: yaml_component.YamlComponent) -> str:
    """Return how kfp loaded a component: container, importer or graph."""
    implementation = component.component_spec.implementation
    if implementation.container is not None:
        return 'container'
    return 'importer' if implementation.importer is not None else 'graph'


def load_container_component(path: str) -> yaml_component.YamlComponent:
    """Load PATH with kfp's loader and require a container component.

    kfp loads a file as a pipeline (graph) component when there is no
    ``comp-<k8s name>``/``exec-<k8s name>`` pair for ``pipelineInfo.name``
    (``structures.Implementation.from_pipeline_spec_dict``).
    """
    component = components.load_component_from_file(path)
    kind = implementation_kind(component)
    if kind != 'container':
        name = component.component_spec.name
        key = dsl_utils.sanitize_component_name(name)
        label = dsl_utils.sanitize_executor_label(name)
        raise HarnessError(
            f'{path} loaded as a {kind} component, not a container component '
            f'(pipelineInfo.name {name!r} needs both components.{key} and '
            f'deploymentSpec.executors.{label} with a container)')
    return component


# --- describing components and pipelines ----------------------------------


def is_artifact_spec(spec: Union[structures.InputSpec,
                                 structures.OutputSpec]) -> bool:
    """Return True for artifact inputs/outputs and False for parameters."""
    return not structures.spec_type_is_parameter(spec.type)


def type_name(spec: Union[structures.InputSpec, structures.OutputSpec]) -> str:
    """Return the IR parameter type (NUMBER_INTEGER...) or the schema title."""
    if is_artifact_spec(spec):
        return str(spec.type).split('@')[0]
    canonical = type_utils.get_canonical_name_for_outer_generic(spec.type)
    return type_utils.IN_MEMORY_SPEC_TYPE_TO_IR_TYPE[canonical]


def command_text(element: Any) -> str:
    """Return a command/args element as the string written in IR."""
    return element if isinstance(element, str) else element._to_string()


def describe_component(component: yaml_component.YamlComponent,
                       ir: pipeline_spec_pb2.PipelineSpec) -> Dict[str, Json]:
    """Describe the loaded component in the load-component output format."""
    spec = component.component_spec
    own = ir.components[dsl_utils.sanitize_component_name(spec.name)]
    ir_inputs = {**own.input_definitions.parameters,
                 **own.input_definitions.artifacts}
    ir_outputs = {**own.output_definitions.parameters,
                  **own.output_definitions.artifacts}
    container = spec.implementation.container
    return {
        'name': spec.name,
        'description': spec.description,
        'inputs': {
            name: {
                'type': type_name(input_spec),
                'default': input_spec.default,
                'optional': input_spec.optional,
                'is_artifact_list': input_spec.is_artifact_list,
                'description': ir_inputs[name].description or None,
            } for name, input_spec in (spec.inputs or {}).items()
        },
        'outputs': {
            name: {
                'type': type_name(output_spec),
                'is_artifact_list': output_spec.is_artifact_list,
                'description': ir_outputs[name].description or None,
            } for name, output_spec in (spec.outputs or {}).items()
        },
        'command': [command_text(c) for c in container.command or []],
        'args': [command_text(a) for a in container.args or []],
        'image': container.image,
    }


def summarize_pipeline(path: str) -> Dict[str, Json]:
    """Parse, check and load a compiled pipeline (see parse-pipeline)."""
    spec = parse_pipeline_spec(path)
    executors = spec.deployment_spec.fields['executors'].struct_value.fields
    for key, comp in spec.components.items():
        if comp.executor_label and comp.executor_label not in executors:
            raise HarnessError(
                f'{path}: {key} uses executor {comp.executor_label!r}, '
                'which deploymentSpec.executors does not define')
    tasks = {}
    for name, task in spec.root.dag.tasks.items():
        if task.component_ref.name not in spec.components:
            raise HarnessError(
                f'{path}: task {name!r} refers to undefined component '
                f'{task.component_ref.name!r}')
        tasks[name] = {
            'componentRef': task.component_ref.name,
            'dependentTasks': list(task.dependent_tasks),
            'inputs': {
                'parameters': {
                    k: json_format.MessageToDict(v)
                    for k, v in task.inputs.parameters.items()
                },
                'artifacts': {
                    k: json_format.MessageToDict(v)
                    for k, v in task.inputs.artifacts.items()
                },
            },
        }
    loaded = components.load_component_from_file(path)
    return {
        'name': spec.pipeline_info.name,
        'description': spec.pipeline_info.description or None,
        'loaded_as': implementation_kind(loaded),
        'loaded_description': loaded.component_spec.description,
        'inputs': json_format.MessageToDict(spec.root.input_definitions),
        'outputs': json_format.MessageToDict(spec.root.dag.outputs),
        'tasks': tasks,
    }


# --- arguments --------------------------------------------------------------


def artifact_class(schema_title: str) -> type:
    """Return the dsl class kfp uses for a schema title (default Artifact)."""
    return artifact_types._SCHEMA_TITLE_TO_TYPE.get(schema_title, dsl.Artifact)


def make_artifact(input_name: str, declared_title: str,
                  encoded: Json) -> dsl.Artifact:
    """Decode one ``{"artifact": {...}}`` argument into a dsl.Artifact."""
    fields = encoded.get('artifact') if isinstance(encoded, dict) else None
    if (not isinstance(fields, dict) or len(encoded) != 1 or
            not isinstance(fields.get('uri'), str) or
            not isinstance(fields.get('metadata', {}), dict) or
            not set(fields) <= ARTIFACT_KEYS):
        raise HarnessError(
            f'invalid value for artifact input {input_name!r}: {encoded!r}. '
            'Expected {"artifact": {"uri": ...}} with keys among '
            f'{sorted(ARTIFACT_KEYS)}, or a list of those')
    uri = fields['uri']
    return executor.create_artifact_instance({
        'name': fields.get('name', os.path.basename(uri.rstrip('/'))),
        'type': {'schemaTitle': fields.get('schemaTitle', declared_title)},
        'uri': uri,
        'metadata': fields.get('metadata', {}),
    })


def decode_arguments(spec: structures.ComponentSpec, args: Dict[str, Json],
                     allow_injected: bool) -> Dict[str, Any]:
    """Convert ``--args`` into the keyword arguments kfp expects.

    Like a component call, this rejects undeclared names and missing
    required inputs (``BaseComponent.__call__``).
    """
    inputs = spec.inputs or {}
    missing = [
        name for name, input_spec in inputs.items()
        if not input_spec.optional and name not in args
    ]
    if missing:
        raise HarnessError(
            f'missing required inputs of component {spec.name!r}: '
            f'{", ".join(missing)}')
    decoded: Dict[str, Any] = {}
    for name, value in args.items():
        input_spec = inputs.get(name)
        if input_spec is None:
            if allow_injected and name.startswith('pipelinechannel--'):
                decoded[name] = value
                continue
            raise HarnessError(
                f'input {name!r} not found in component {spec.name!r} '
                f'(declared inputs: {sorted(inputs)})')
        if not is_artifact_spec(input_spec) or value is None:
            decoded[name] = value
        elif isinstance(value, list):
            title = type_name(input_spec)
            decoded[name] = [make_artifact(name, title, v) for v in value]
        else:
            decoded[name] = make_artifact(name, type_name(input_spec), value)
    return decoded


def json_object(text: str) -> Dict[str, Json]:
    """Parse the ``--args`` option, which must be a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f'invalid JSON: {e}') from e
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f'expected a JSON object, got {type(value).__name__}')
    return value


# --- kfp.local --------------------------------------------------------------


def local_component_spec(
    component: yaml_component.YamlComponent
) -> Tuple[str, str, pipeline_spec_pb2.ComponentSpec]:
    """Return the pipeline name, component key and component IR kfp.local runs.

    kfp.local does not run the YAML as written. It recompiles the loaded
    ComponentSpec (``_execute_locally`` in kfp/dsl/pipeline_task.py).
    """
    pipeline_spec = component.component_spec.to_pipeline_spec()
    key, ir = list(pipeline_spec.components.items())[0]
    return pipeline_spec.pipeline_info.name, key, ir


def build_executor_input(component: yaml_component.YamlComponent,
                         args: Dict[str, Json], root: str) -> Dict[str, Json]:
    """Build the executor input dict that kfp.local passes to this task."""
    pipeline_name, key, ir = local_component_spec(component)
    task_root = executor_input_utils.construct_local_task_root(
        pipeline_root=os.path.abspath(root),
        pipeline_resource_name=executor_input_utils
        .get_local_pipeline_resource_name(pipeline_name),
        task_resource_name=executor_input_utils.get_local_task_resource_name(
            key))
    message = executor_input_utils.construct_executor_input(
        component_spec=ir,
        arguments=decode_arguments(
            component.component_spec, args, allow_injected=True),
        task_root=task_root,
        block_input_artifact=False)
    return executor_input_utils.executor_input_to_dict(message, ir)


def whole_floats_to_ints(value: Json) -> Json:
    """Convert whole floats to ints recursively, as Go's protojson prints."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, list):
        return [whole_floats_to_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: whole_floats_to_ints(v) for k, v in value.items()}
    return value


def backend_rendering(executor_input: Dict[str, Json]) -> Dict[str, Json]:
    """Render the executor input as the KFP Go launcher would."""
    inputs = executor_input.get('inputs', {})
    if 'parameterValues' in inputs:
        present = {
            k: v for k, v in inputs['parameterValues'].items() if v is not None
        }
        if present:
            inputs['parameterValues'] = present
        else:
            del inputs['parameterValues']
    return whole_floats_to_ints(executor_input)


def artifact_json(artifact: dsl.Artifact) -> Dict[str, Json]:
    """Convert one output artifact to the read-outputs format."""
    return {
        'name': artifact.name,
        'uri': artifact.uri,
        'schema_title': artifact.schema_title,
        'schema_version': artifact.schema_version,
        'metadata': artifact.metadata,
    }


def outputs_json(outputs: Dict[str, Any],
                 spec: structures.ComponentSpec) -> Dict[str, Json]:
    """Split kfp.local task outputs into parameters and artifacts."""
    result: Dict[str, Dict[str, Json]] = {'parameters': {}, 'artifacts': {}}
    declared = spec.outputs or {}
    for name, value in outputs.items():
        if isinstance(value, list) and name in declared and is_artifact_spec(
                declared[name]):
            result['artifacts'][name] = [artifact_json(v) for v in value]
        elif isinstance(value, dsl.Artifact):
            result['artifacts'][name] = artifact_json(value)
        else:
            result['parameters'][name] = {
                'value': value,
                'python_type': type(value).__name__,
            }
    return result


def read_outputs(component: yaml_component.YamlComponent,
                 executor_input_path: str) -> Dict[str, Json]:
    """Read the outputs of a finished task with kfp.local's own code."""
    with open(executor_input_path) as f:
        message = json_format.Parse(f.read(),
                                    pipeline_spec_pb2.ExecutorInput())
    _, _, ir = local_component_spec(component)
    return outputs_json(
        executor_output_utils.get_outputs_for_task(
            executor_input=message, component_spec=ir),
        component.component_spec)


def bare_python3_only(full_command: List[str], executable: str) -> List[str]:
    """Replace only elements that are exactly ``python3`` by EXECUTABLE."""
    return [executable if part == 'python3' else part for part in full_command]


@contextlib.contextmanager
def container_components_allowed() -> Iterator[None]:
    """Patch kfp.local so that SubprocessRunner runs container components.

    Unpatched, it rejects any command without ``kfp.dsl.executor_main`` and
    commands starting with ``python3 -m kfp.dsl.executor_main``, rejects
    input artifacts outside pipelines, and rewrites every ``python3``
    substring. The patches last until the block exits.
    """
    handler = subprocess_task_handler.SubprocessTaskHandler
    run_task = task_dispatcher.run_single_task_implementation

    def run_task_with_artifacts(**kwargs: Any) -> Any:
        return run_task(**{**kwargs, 'block_input_artifact': False})

    no_op: Callable[..., None] = lambda self, full_command: None
    patches: List[Any] = [
        mock.patch.object(handler, 'validate_not_container_component', no_op),
        mock.patch.object(
            handler, 'validate_not_containerized_python_component', no_op),
        mock.patch.object(subprocess_task_handler, 'replace_python_executable',
                          bare_python3_only),
        mock.patch.object(task_dispatcher, 'run_single_task_implementation',
                          run_task_with_artifacts),
    ]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield


def run_local(component: yaml_component.YamlComponent, args: Dict[str, Json],
              root: str, binary: str) -> Dict[str, Json]:
    """Run the component once through kfp.local with BINARY as its program."""
    spec = component.component_spec
    container = spec.implementation.container
    container.command = [binary, *(container.command or [])[1:]]
    arguments = decode_arguments(spec, args, allow_injected=False)
    has_artifacts = any(
        is_artifact_spec(spec.inputs[k]) and v is not None
        for k, v in arguments.items())
    # Without workspace_root, local.init leaves a kfp-workspace-* temp dir.
    with tempfile.TemporaryDirectory(prefix='kfp-workspace-') as workspace, \
            container_components_allowed():
        local.init(
            runner=local.SubprocessRunner(use_venv=False),
            pipeline_root=root,
            workspace_root=workspace)
        if has_artifacts:
            # The component call rejects artifact arguments, so call what it
            # calls after its argument checks.
            outputs = task_dispatcher.run_single_task(
                pipeline_spec=spec.to_pipeline_spec(), arguments=arguments)
        else:
            outputs = component(**arguments).outputs
    return outputs_json(outputs, spec)


# --- compiling --------------------------------------------------------------


def compile_to_text(pipeline: Any) -> str:
    """Return the text ``Compiler().compile(pipeline, 'x.yaml')`` writes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'x.yaml')
        compiler.Compiler().compile(pipeline, path)
        with open(path) as f:
            return f.read()


def compile_in_pipeline(component: yaml_component.YamlComponent,
                        args: Dict[str, Json]) -> Dict[str, Json]:
    """Compile a one-task @dsl.pipeline that calls COMPONENT and summarize it.

    Parameters are passed as constants. Artifact arguments become pipeline
    inputs of the same type, because kfp has no artifact constants.
    """
    spec = component.component_spec
    decoded = decode_arguments(spec, args, allow_injected=False)
    artifacts = {
        name: value for name, value in decoded.items()
        if is_artifact_spec(spec.inputs[name]) and value is not None
    }
    constants = {k: v for k, v in decoded.items() if k not in artifacts}
    annotations: Dict[str, Any] = {}
    for name, value in artifacts.items():
        cls: Any = artifact_class(type_name(spec.inputs[name]))
        annotations[name] = dsl.Input[List[cls] if isinstance(value, list)
                                      else cls]

    def body(*channels: Any) -> None:
        component(**constants, **dict(zip(artifacts, channels)))

    body.__annotations__ = annotations
    body.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=annotation)
        for name, annotation in annotations.items()
    ])
    pipeline = dsl.pipeline(name=HARNESS_PIPELINE)(body)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'pipeline.yaml')
        with open(path, 'w') as f:
            f.write(compile_to_text(pipeline))
        return summarize_pipeline(path)


def reference_component_yaml() -> str:
    """Compile the reference lightweight component and return its YAML."""
    from kfp.dsl import Dataset, Input, Metrics, Model, Output

    @dsl.component(base_image='python:3.11')
    def train_model(
        data: Input[Dataset],
        model: Output[Model],
        metrics: Output[Metrics],
        rate: float,
        name: str,
        flag: bool,
        items: list,
        config: dict,
        epochs: int = 3,
        note: Optional[str] = None,
    ) -> int:
        """Trains a toy model.

        Reads DATA, writes MODEL and logs one metric.

        Args:
            data: Training rows.
            model: The trained model.
            metrics: Training metrics.
            rate: Learning rate.
            name: Run name.
            flag: A switch.
            items: Some values.
            config: Settings.
            epochs: Passes over the data.
            note: Optional remark.

        Returns:
            Output: Number of rows read.
        """
        metrics.log_metric('rate', rate)
        with open(model.path, 'w') as f:
            f.write(name)
        return epochs

    return compile_to_text(train_model)


# --- command line -----------------------------------------------------------


def cmd_load_component(ns: argparse.Namespace) -> Dict[str, Json]:
    component = load_container_component(ns.spec)
    result = describe_component(component, parse_pipeline_spec(ns.spec))
    result['pipeline'] = compile_in_pipeline(component, ns.args)
    return result


def cmd_load_defaults(ns: argparse.Namespace) -> Dict[str, Json]:
    defaults = {}
    for spec in ns.specs:
        component = load_container_component(spec)
        parse_pipeline_spec(spec)
        inputs = component.component_spec.inputs or {}
        defaults[spec] = {name: input_spec.default
                          for name, input_spec in inputs.items()}
    return defaults


def cmd_executor_input(ns: argparse.Namespace) -> Dict[str, Json]:
    executor_input = build_executor_input(
        load_container_component(ns.spec), ns.args, ns.root)
    return backend_rendering(executor_input) if ns.backend else executor_input


def cmd_read_outputs(ns: argparse.Namespace) -> Dict[str, Json]:
    return read_outputs(load_container_component(ns.spec), ns.executor_input)


def cmd_parse_pipeline(ns: argparse.Namespace) -> Dict[str, Json]:
    return summarize_pipeline(ns.file)


def cmd_reference_component(ns: argparse.Namespace) -> str:
    return reference_component_yaml()


def cmd_run_local(ns: argparse.Namespace) -> Dict[str, Json]:
    return run_local(
        load_container_component(ns.spec), ns.args, ns.root, ns.binary)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='harness.py',
        description='KFP 2.17.3 conformance harness (see module docstring).')
    parser.add_argument(
        '--traceback', action='store_true', help='show tracebacks on failure')
    sub = parser.add_subparsers(dest='command', required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], Any],
            help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add('load-component', cmd_load_component,
            'describe a component and compile it into a pipeline')
    p.add_argument('spec')
    p.add_argument('--args', type=json_object, default={})

    p = add('load-defaults', cmd_load_defaults,
            'load several components and print their input defaults')
    p.add_argument('specs', nargs='+')

    p = add('executor-input', cmd_executor_input,
            'executor input kfp.local builds for one task')
    p.add_argument('spec')
    p.add_argument('--args', type=json_object, required=True)
    p.add_argument('--root', required=True, help='pipeline root directory')
    p.add_argument(
        '--backend', action='store_true', help='render like the Go launcher')

    p = add('read-outputs', cmd_read_outputs,
            'read task outputs with kfp.local')
    p.add_argument('spec')
    p.add_argument('--executor-input', required=True, metavar='FILE')

    p = add('parse-pipeline', cmd_parse_pipeline,
            'strictly parse and summarize a pipeline')
    p.add_argument('file')

    add('reference-component', cmd_reference_component,
        'print the YAML of a kfp-compiled reference component')

    p = add('run-local', cmd_run_local,
            'run a container component through kfp.local')
    p.add_argument('spec')
    p.add_argument('--args', type=json_object, required=True)
    p.add_argument('--root', required=True, help='pipeline root directory')
    p.add_argument('--binary', required=True, help='program to run')
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        # kfp prints logs and subprocess output on stdout, so divert them.
        with contextlib.redirect_stdout(sys.stderr):
            result = ns.handler(ns)
        text = result if isinstance(result, str) else json.dumps(
            result, indent=2, sort_keys=True, allow_nan=False) + '\n'
    except Exception as e:  # Report every failure as one line on stderr.
        if ns.traceback:
            traceback.print_exc()
        message = str(e) if isinstance(e, HarnessError) else (
            f'{type(e).__name__}: {e}')
        message = ANSI_ESCAPE.sub('', message)  # kfp colors task names.
        print(f'harness.py {ns.command}: {message}', file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
