"""Workflow inputs from the command line or a form: coerced by the schema, then validated.

`--input vlan=120` arrives as the string "120"; the workflow's JSON Schema says it is an
integer, so it becomes 120 before validation. Every error names the field, and all of them
are reported at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from nocdeck.catalog.models import Workflow
from nocdeck.errors import InputError

CRED_PREFIX = "cred:"
_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    return []


def coerce_value(value: Any, schema: Mapping[str, Any]) -> Any:
    """Turn a string into what the schema asks for (int, number, bool, list, object).

    A value that cannot be converted is returned unchanged, so validation reports it with
    the schema's own words.
    """
    if not isinstance(value, str):
        return value
    types = _types(schema)
    text = value.strip()
    for kind in types:
        try:
            if kind == "integer":
                return int(text)
            if kind == "number":
                return float(text) if any(c in text for c in ".eE") else int(text)
            if kind == "boolean":
                if text.lower() in _TRUE:
                    return True
                if text.lower() in _FALSE:
                    return False
            if kind == "array":
                if text.startswith("["):
                    return json.loads(text)
                items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
                return [coerce_value(part.strip(), items or {}) for part in text.split(",")
                        if part.strip()]
            if kind == "object" and text.startswith("{"):
                return json.loads(text)
            if kind == "null" and text.lower() in {"null", "none", ""}:
                return None
        except ValueError:
            continue
        if kind == "string":
            return value
    return value


def coerce_inputs(workflow: Workflow, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults, then coercion, then validation; InputError lists every bad field."""
    properties: dict[str, Any] = workflow.input_schema.get("properties") or {}
    problems: list[str] = []
    values: dict[str, Any] = {}
    for item in workflow.inputs:
        if item.default is not None:
            values[item.name] = item.default
    values.update(workflow.default_inputs)
    for name, value in raw.items():
        if name not in properties and workflow.input_schema.get("additionalProperties") is not True:
            known = ", ".join(properties) or "none"
            problems.append(f"input {name!r}: workflow {workflow.slug!r} has no such input "
                            f"(inputs: {known})")
            continue
        schema = properties.get(name) if isinstance(properties.get(name), dict) else {}
        values[name] = coerce_value(value, schema or {})
    for item in workflow.inputs:
        value = values.get(item.name)
        if item.secret and value is not None and not (
                isinstance(value, str) and value.startswith(CRED_PREFIX)
                and len(value) > len(CRED_PREFIX)):
            problems.append(f"input {item.name!r}: a secret input takes a credential "
                            f"reference like 'cred:NAME', never the secret itself")
    validator = Draft202012Validator(workflow.input_schema,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in sorted(validator.iter_errors(values), key=lambda e: list(e.path)):
        field = ".".join(str(p) for p in error.path)
        if not field and error.validator == "required":
            problems.append(f"input: {error.message}")
            continue
        name = str(error.path[0]) if error.path else ""
        shown = error.message
        wf_input = workflow.input(name)
        if wf_input is not None and wf_input.secret:
            shown = f"invalid value ({error.validator})"
        problems.append(f"input {field!r}: {shown}")
    if problems:
        raise InputError(f"workflow {workflow.slug}: " + "; ".join(problems))
    return values
