"""Checks across the merged catalog: references, cycles, schemas, templates that compile.

These run after every layer is loaded, on the definitions that won, so a user's layer may
fix (or break) a bundled workflow by overriding the task it names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from nocdeck.catalog.loader import Entry, Problem
from nocdeck.catalog.models import (
    OBJECT_TYPES,
    ComplianceCheck,
    RequestForm,
    Schedule,
    TaskDefinition,
    TaskImplementation,
    UpgradeEntry,
    Workflow,
)
from nocdeck.catalog.steps import DeviceCheck, NotificationStepConfig, parse_step_config
from nocdeck.catalog.templates import TemplateCache
from nocdeck.catalog.versions import VersionPatternError, parse_version_pattern
from nocdeck.errors import RenderError

Entries = Mapping[tuple[str, str], Entry]


def _schema_problems(entry: Entry, schema: dict[str, Any], *location: str | int
                     ) -> list[Problem]:
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = [*location, *exc.path]
        return [entry.problem(f"{'.'.join(str(p) for p in location)}: invalid JSON Schema: "
                              f"{exc.message}", *where)]
    return []


def _compile(cache: TemplateCache, entry: Entry, text: str, *location: str | int,
             expression: bool = False) -> list[Problem]:
    where = entry.where(*location)
    try:
        if expression:
            cache.expression(text, where)
        else:
            cache.text_template(text, where)
    except RenderError as exc:
        message = str(exc).removeprefix(f"{where}: ")
        return [Problem(entry.path, entry.line_of(*location), message)]
    return []


def _device_check_problems(cache: TemplateCache, entry: Entry, check: DeviceCheck,
                           *location: str | int) -> list[Problem]:
    problems: list[Problem] = []
    commands = check.command.items() if isinstance(check.command, dict) else [(None, check.command)]
    for platform, command in commands:
        at = (*location, "command", platform) if platform else (*location, "command")
        problems += _compile(cache, entry, command, *at)
    for index, assertion in enumerate(check.assertions):
        problems += _compile(cache, entry, assertion, *location, "assert", index, expression=True)
    return problems


def _check_task(entry: Entry, task: TaskDefinition) -> list[Problem]:
    problems = _schema_problems(entry, task.input_schema, "input_schema")
    if task.output_schema:
        problems += _schema_problems(entry, task.output_schema, "output_schema")
    return problems


def _check_implementation(cache: TemplateCache, entries: Entries, entry: Entry,
                          impl: TaskImplementation) -> list[Problem]:
    problems = []
    if ("task", impl.task) not in entries:
        problems.append(entry.problem(f"task: implementation {impl.slug!r} is for unknown "
                                      f"task {impl.task!r}", "task"))
    try:
        parse_version_pattern(impl.software_version_pattern)
    except VersionPatternError as exc:
        problems.append(entry.problem(f"software_version_pattern: {exc}",
                                      "software_version_pattern"))
    if entry.template is not None:
        try:
            cache.template(entry.template)
        except RenderError as exc:
            problems.append(_problem_from_render_error(exc, entry))
    for name in ("pre_checks", "post_checks"):
        for index, check in enumerate(getattr(impl, name)):
            problems += _device_check_problems(cache, entry, check, name, index)
    return problems


def _problem_from_render_error(exc: RenderError, entry: Entry) -> Problem:
    path, _, rest = str(exc).partition(":")
    line, _, message = rest.partition(": ")
    return Problem(path, int(line) if line.isdigit() else entry.line_of(), message)


def _cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    """One cycle of the graph as a path (`a -> b -> a`), or None."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in graph:
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def _check_inputs(entry: Entry, workflow: Workflow) -> Iterator[Problem]:
    yield from _schema_problems(entry, workflow.input_schema, "input_schema")
    properties = workflow.input_schema.get("properties") or {}
    for item in workflow.inputs:
        at = ("input_schema", "properties", item.name)
        if item.object_type is not None and item.object_type not in OBJECT_TYPES:
            yield entry.problem(f"input {item.name!r}: object_type must be one of "
                                f"{', '.join(OBJECT_TYPES)}", *at, "object_type")
        if item.secret and item.schema.get("type", "string") != "string":
            yield entry.problem(f"input {item.name!r}: a secret input holds a 'cred:' "
                                "reference, so its type must be string", *at, "secret")
    for name, value in workflow.default_inputs.items():
        if name not in properties:
            yield entry.problem(f"default_inputs: {name!r} is not an input of this workflow",
                                "default_inputs", name)
            continue
        schema = properties[name] if isinstance(properties[name], dict) else {}
        for error in Draft202012Validator(schema).iter_errors(value):
            yield entry.problem(f"default_inputs.{name}: {error.message}", "default_inputs", name)


def _check_steps(cache: TemplateCache, entries: Entries, entry: Entry, workflow: Workflow
                 ) -> Iterator[Problem]:
    names: dict[str, int] = {}
    properties = workflow.input_schema.get("properties") or {}
    for index, step in enumerate(workflow.steps):
        at = ("steps", index)
        if step.name in names:
            yield entry.problem(f"steps[{index}]: duplicate step name {step.name!r} "
                                f"(also step {names[step.name] + 1})", *at, "name")
        names.setdefault(step.name, index)
        if step.task is not None:
            task_entry = entries.get(("task", step.task))
            if task_entry is None:
                yield entry.problem(f"steps[{index}] {step.name!r}: unknown task {step.task!r}",
                                    *at, "task")
            elif isinstance(task_entry.model, TaskDefinition):
                task_props = task_entry.model.input_schema.get("properties") or {}
                for required in task_entry.model.input_schema.get("required") or []:
                    if required not in step.input_mapping and required not in properties:
                        yield entry.problem(
                            f"steps[{index}] {step.name!r}: task {step.task!r} needs input "
                            f"{required!r}, which is neither a workflow input nor in "
                            "input_mapping", *at, "task")
                for key in step.input_mapping:
                    if task_props and key not in task_props:
                        yield entry.problem(f"steps[{index}] {step.name!r}: input_mapping key "
                                            f"{key!r} is not an input of task {step.task!r}",
                                            *at, "input_mapping", key)
        if step.condition:
            yield from _compile(cache, entry, step.condition, *at, "condition", expression=True)
        for key, value in step.input_mapping.items():
            if isinstance(value, str):
                yield from _compile(cache, entry, value, *at, "input_mapping", key)
        for key, value in step.output_mapping.items():
            yield from _compile(cache, entry, value, *at, "output_mapping", key)
        yield from _check_step_config(cache, entry, workflow, index)
    for index, step in enumerate(workflow.steps):
        for dep_index, dependency in enumerate(step.depends_on):
            if dependency not in names:
                yield entry.problem(f"steps[{index}] {step.name!r}: depends_on names unknown "
                                    f"step {dependency!r}", "steps", index, "depends_on",
                                    dep_index)
    cycle = _cycle({s.name: list(s.depends_on) for s in workflow.steps})
    if cycle:
        first = names[cycle[0]]
        yield entry.problem(f"steps: depends_on forms a cycle: {' -> '.join(cycle)}",
                            "steps", first, "depends_on")


def _check_step_config(cache: TemplateCache, entry: Entry, workflow: Workflow, index: int
                       ) -> Iterator[Problem]:
    step = workflow.steps[index]
    config = parse_step_config(step.step_type, step.config)
    at = ("steps", index, "config")
    targets = getattr(config, "targets", None)
    for target in targets or []:
        if target not in workflow.device_inputs:
            yield entry.problem(f"steps[{index}] {step.name!r}: target {target!r} is not a "
                                "device input of this workflow", *at, "targets")
    if isinstance(config, DeviceCheck):
        yield from _device_check_problems(cache, entry, config, *at)
    if isinstance(config, NotificationStepConfig):
        yield from _compile(cache, entry, config.message, *at, "message")
    expression = getattr(config, "expression", None)
    if expression:
        yield from _compile(cache, entry, expression, *at, "expression", expression=True)
    until = getattr(config, "until", None)
    if isinstance(until, DeviceCheck):
        yield from _device_check_problems(cache, entry, until, *at, "until")


def _check_form(cache: TemplateCache, entries: Entries, entry: Entry, form: RequestForm
                ) -> Iterator[Problem]:
    workflow_entry = entries.get(("workflow", form.workflow))
    if workflow_entry is None:
        yield entry.problem(f"workflow: form {form.slug!r} is for unknown workflow "
                            f"{form.workflow!r}", "workflow")
        return
    assert isinstance(workflow_entry.model, Workflow)
    workflow = workflow_entry.model
    names: dict[str, int] = {}
    for index, item in enumerate(form.fields):
        at = ("fields", index)
        if item.field_name in names:
            yield entry.problem(f"fields[{index}]: duplicate field {item.field_name!r}",
                                *at, "field_name")
        names.setdefault(item.field_name, index)
        wf_input = workflow.input(item.field_name)
        if wf_input is None:
            yield entry.problem(f"fields[{index}]: field {item.field_name!r} maps to no input "
                                f"of workflow {workflow.slug!r} (inputs: "
                                f"{', '.join(i.name for i in workflow.inputs) or 'none'})",
                                *at, "field_name")
        elif (item.object_type and wf_input.object_type
              and item.object_type != wf_input.object_type):
            yield entry.problem(f"fields[{index}]: selects a {item.object_type} but input "
                                f"{item.field_name!r} is a {wf_input.object_type}",
                                *at, "object_type")
        if item.validation_rules:
            yield from _schema_problems(entry, item.validation_rules, *at, "validation_rules")
        if item.show_condition:
            yield from _compile(cache, entry, item.show_condition, *at, "show_condition",
                                expression=True)
        if item.default is not None and item.choices and item.field_type == "choice" and \
                item.default not in item.choice_values:
            yield entry.problem(f"fields[{index}]: default {item.default!r} is not one of the "
                                "choices", *at, "default")
    for index, item in enumerate(form.fields):
        if item.depends_on is not None and item.depends_on not in names:
            yield entry.problem(f"fields[{index}]: depends_on names unknown field "
                                f"{item.depends_on!r}", "fields", index, "depends_on")
    cycle = _cycle({f.field_name: [f.depends_on] if f.depends_on else [] for f in form.fields})
    if cycle:
        yield entry.problem(f"fields: depends_on forms a cycle: {' -> '.join(cycle)}",
                            "fields", names[cycle[0]], "depends_on")
    for wf_item in workflow.inputs:
        if (wf_item.required and wf_item.name not in names and wf_item.default is None
                and wf_item.name not in workflow.default_inputs):
            yield entry.problem(f"form {form.slug!r} does not ask for required input "
                                f"{wf_item.name!r} of workflow {workflow.slug!r}", "fields")


def _check_other(cache: TemplateCache, entries: Entries, entry: Entry) -> Iterator[Problem]:
    model = entry.model
    if isinstance(model, ComplianceCheck):
        if model.remediation_workflow and ("workflow", model.remediation_workflow) not in entries:
            yield entry.problem(f"remediation_workflow: unknown workflow "
                                f"{model.remediation_workflow!r}", "remediation_workflow")
        if model.check_type == "config_template":
            yield from _compile(cache, entry, model.check_logic, "check_logic")
    elif isinstance(model, Schedule):
        target = entries.get(("workflow", model.workflow))
        if target is None:
            yield entry.problem(f"workflow: unknown workflow {model.workflow!r}", "workflow")
        elif isinstance(target.model, Workflow) and not target.model.schedule_allowed:
            yield entry.problem(f"workflow: workflow {model.workflow!r} does not allow "
                                "scheduling (schedule_allowed: false)", "workflow")
    elif isinstance(model, UpgradeEntry):
        if model.workflow and ("workflow", model.workflow) not in entries:
            yield entry.problem(f"workflow: unknown workflow {model.workflow!r}", "workflow")
        try:
            parse_version_pattern(model.current_version_pattern)
        except VersionPatternError as exc:
            yield entry.problem(f"current_version_pattern: {exc}", "current_version_pattern")


def check_catalog(entries: Entries, cache: TemplateCache) -> list[Problem]:
    """Every cross-entry problem of a merged catalog; compiles every template into `cache`."""
    problems: list[Problem] = []
    for entry in entries.values():
        model = entry.model
        if isinstance(model, TaskDefinition):
            problems += _check_task(entry, model)
        elif isinstance(model, TaskImplementation):
            problems += _check_implementation(cache, entries, entry, model)
        elif isinstance(model, Workflow):
            problems += list(_check_inputs(entry, model))
            problems += list(_check_steps(cache, entries, entry, model))
        elif isinstance(model, RequestForm):
            problems += list(_check_form(cache, entries, entry, model))
        else:
            problems += list(_check_other(cache, entries, entry))
    return problems
