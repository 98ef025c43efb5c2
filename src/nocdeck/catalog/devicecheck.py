"""Device checks without the device: the command to send, and the verdict on its output.

The runner sends `check_command(...)` to the device and hands the output to
`evaluate_check(...)`; both are pure, so the same check is tested here against a captured
`show` output and used by validation steps, `wait … until` and pre/post checks alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nocdeck.catalog.steps import DeviceCheck, for_platform
from nocdeck.catalog.templates import TemplateCache
from nocdeck.errors import RenderError


@dataclass(frozen=True)
class CheckResult:
    """The parsed output and which assertions failed (empty means the check passed)."""

    command: str
    rows: list[dict[str, Any]]
    failed: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def fields(self) -> dict[str, Any]:
        return self.rows[0] if self.rows else {}


def check_command(cache: TemplateCache, check: DeviceCheck, platform: str,
                  context: Mapping[str, Any], where: str) -> str:
    """The command for this platform, rendered with the step's context."""
    command = for_platform(check.command, platform)
    if command is None:
        raise RenderError(f"{where}: check {check.name or '(unnamed)'!r} has no command for "
                          f"platform {platform!r}")
    return cache.text_template(command, where).render(context).strip()


def parse_output(check: DeviceCheck, platform: str, command: str, output: str, where: str
                 ) -> list[dict[str, Any]]:
    """Rows of fields from a command's output, by the check's parser."""
    if check.parser == "none":
        return []
    if check.parser == "regex":
        pattern = for_platform(check.pattern, platform)
        if pattern is None:
            raise RenderError(f"{where}: check has no regex pattern for platform {platform!r}")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise RenderError(f"{where}: invalid check pattern {pattern!r}: {exc}") from None
        return [match.groupdict() for match in compiled.finditer(output)]
    from ntc_templates.parse import parse_output as ntc_parse

    try:
        rows: list[dict[str, Any]] = ntc_parse(platform=platform, command=command, data=output)
    except Exception as exc:
        raise RenderError(f"{where}: no TextFSM template parses {command!r} on {platform}: "
                          f"{exc}") from None
    return rows


def evaluate_check(cache: TemplateCache, check: DeviceCheck, platform: str, command: str,
                   output: str, context: Mapping[str, Any], where: str) -> CheckResult:
    """Parse `output` and evaluate every assertion with `output`, `rows`, `fields` added."""
    rows = parse_output(check, platform, command, output, where)
    scope = {**context, "output": output, "rows": rows, "fields": rows[0] if rows else {}}
    failed = []
    for assertion in check.assertions:
        if not cache.expression(assertion, where).evaluate(scope):
            failed.append(assertion)
    return CheckResult(command=command, rows=rows, failed=failed)
