"""Jinja2 templates of the catalog: sandboxed, strict, compiled once, errors with file:line.

Templates come from catalog files that anyone with commit access can change, and they render
on the jump host next to credentials, so they run in Jinja2's immutable sandbox: no dunder
access, no mutation of the context shared between devices. `StrictUndefined` makes a typo in
a variable name an error instead of an empty string pushed to a device.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from nocdeck.catalog.interfaces import normalise_interface, short_interface
from nocdeck.errors import RenderError

_WHOLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.DOTALL)


def _junos_quote(value: Any) -> str:
    """A Junos string literal: always double-quoted, quotes and backslashes escaped."""
    text = " ".join(str(value).split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one_line(value: Any) -> str:
    """Collapse newlines and runs of spaces: a description must never start a new command."""
    return " ".join(str(value).split())


class CatalogSandbox(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, deciding each attribute's safety once per kind of object.

    The sandbox asks, at every attribute a template reads, whether it is safe; its answer
    (`is_internal_attribute`, `modifies_known_mutable`) depends only on the attribute's name
    and on what `isinstance` says of the object, never on the value. A template looping over
    a device's 50 interfaces asks the same question 150 times per device: the answer is kept
    per (type, `__class__`, name), the two things `isinstance` looks at.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._safe: dict[tuple[type, type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), obj.__class__, attr)
        try:
            return self._safe[key]
        except KeyError:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
            return safe


def make_environment() -> ImmutableSandboxedEnvironment:
    """The one environment every catalog template and expression is compiled in."""
    env = CatalogSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update({
        "interface_name": normalise_interface,
        "short_interface": short_interface,
        "ios_interface": lambda name: normalise_interface(name, "cisco_ios"),
        "eos_interface": lambda name: normalise_interface(name, "arista_eos"),
        "junos_quote": _junos_quote,
        "one_line": _one_line,
    })
    return env


@dataclass(frozen=True)
class TemplateSource:
    """Where a template's text came from, so an error can point at the catalog file."""

    text: str
    path: Path
    line_offset: int = 0
    """Template line N is line N + line_offset of `path` (non-zero for inline templates)."""

    def where(self, template_line: int | None) -> str:
        return f"{self.path}:{(template_line or 1) + self.line_offset}"


def _template_line(tb: TracebackType | None, filename: str) -> int | None:
    """The template line of the innermost traceback frame that runs `filename`."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if type(exc).__name__ == "SecurityError":
        return f"refused by the sandbox: {text}"
    return text


class CompiledTemplate:
    """A template compiled once; `render` maps every failure to a RenderError with file:line."""

    def __init__(self, env: ImmutableSandboxedEnvironment, source: TemplateSource) -> None:
        self.source = source
        self._filename = str(source.path)
        try:
            code = env.compile(source.text, name=self._filename, filename=self._filename)
        except TemplateSyntaxError as exc:
            raise RenderError(f"{source.where(exc.lineno)}: template syntax error: "
                              f"{exc.message}") from None
        self._template: Template = env.template_class.from_code(
            env, code, env.make_globals(None), None)

    def render(self, context: Mapping[str, Any]) -> str:
        try:
            return self._template.render(dict(context))
        except Exception as exc:
            line = _template_line(exc.__traceback__, self._filename)
            raise RenderError(f"{self.source.where(line)}: {_message(exc)}") from None


class CompiledExpression:
    """A Jinja2 expression (a condition, an assertion), compiled once."""

    def __init__(self, env: ImmutableSandboxedEnvironment, text: str, where: str) -> None:
        self.text = text
        self.where = where
        try:
            self._expr = env.compile_expression(text, undefined_to_none=False)
        except TemplateSyntaxError as exc:
            raise RenderError(f"{where}: expression syntax error in {text!r}: "
                              f"{exc.message}") from None

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        try:
            return self._expr(**context)
        except Exception as exc:
            raise RenderError(f"{self.where}: expression {self.text!r}: {_message(exc)}") from None


class TemplateCache:
    """Compiled templates and expressions of one catalog load, keyed by their text and place."""

    def __init__(self) -> None:
        self.env = make_environment()
        self._templates: dict[tuple[str, str, int], CompiledTemplate] = {}
        self._expressions: dict[tuple[str, str], CompiledExpression] = {}
        self.compilations = 0
        """How many templates were compiled: plans assert it does not grow per device."""

    def template(self, source: TemplateSource) -> CompiledTemplate:
        key = (source.text, str(source.path), source.line_offset)
        compiled = self._templates.get(key)
        if compiled is None:
            compiled = CompiledTemplate(self.env, source)
            self.compilations += 1
            self._templates[key] = compiled
        return compiled

    def expression(self, text: str, where: str) -> CompiledExpression:
        key = (text, where)
        compiled = self._expressions.get(key)
        if compiled is None:
            compiled = CompiledExpression(self.env, text, where)
            self._expressions[key] = compiled
        return compiled

    def text_template(self, text: str, where: str) -> CompiledTemplate:
        """A short template held in a YAML value (a command, a message, a mapping value)."""
        path, _, line = where.rpartition(":")
        offset = int(line) - 1 if line.isdigit() else 0
        return self.template(TemplateSource(text=text, path=Path(path or where),
                                            line_offset=offset))

    def value(self, value: Any, where: str) -> Any:
        """Compile-check one mapping value; see `evaluate_value` for what it means."""
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            match = _WHOLE_EXPRESSION.match(value)
            if match is not None:
                return self.expression(match.group("expr"), where)
            return self.text_template(value, where)
        return value

    def evaluate_value(self, value: Any, where: str, context: Mapping[str, Any]) -> Any:
        """A mapping value: `{{ expr }}` alone keeps its type, other `{{ }}` text renders to a
        string, anything else is a literal."""
        compiled = self.value(value, where)
        if isinstance(compiled, CompiledExpression):
            return compiled.evaluate(context)
        if isinstance(compiled, CompiledTemplate):
            return compiled.render(context)
        return compiled
