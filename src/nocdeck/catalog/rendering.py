"""Rendering a task implementation for one device: the template context and the result.

The context has the same shape everywhere (DESIGN.md section 3), so a template written
against the lab renders the same against the local inventory or Nautobot. Rendering only
reads: it never connects to a device.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nocdeck.catalog.models import TEMPLATE_TYPES, TaskImplementation
from nocdeck.catalog.templates import CompiledTemplate, TemplateCache
from nocdeck.errors import RenderError
from nocdeck.inventory.models import Device


@dataclass(frozen=True)
class RenderMeta:
    """Who asked, when, for which execution: the `meta` of the template context."""

    requested_by: str = ""
    timestamp: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    execution_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"requested_by": self.requested_by, "timestamp": self.timestamp,
                "execution_id": self.execution_id}


def build_context(device: Device, intended: Mapping[str, Any], *,
                  facts: Mapping[str, Any] | None = None,
                  meta: RenderMeta | None = None) -> dict[str, Any]:
    """`device`, `interfaces`, `vlans`, `vrfs`, `prefixes`, `ip_addresses`, `intended`,
    `facts`, `meta`: the whole template context for one device."""
    context = device.context()
    context["intended"] = dict(intended)
    context["facts"] = dict(facts or {})
    context["meta"] = (meta or RenderMeta()).as_dict()
    return context


def config_lines(text: str) -> list[str]:
    """The lines to push: blank lines dropped, trailing spaces trimmed, indentation kept."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Rendering:
    """What one implementation rendered for one device."""

    device: str
    implementation: TaskImplementation
    text: str
    """The rendered config (jinja2_config), payload (jinja2_payload) or action as JSON."""

    @property
    def lines(self) -> list[str]:
        return config_lines(self.text)


def _render_action(cache: TemplateCache, impl: TaskImplementation, where: str, value: Any,
                   context: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return cache.evaluate_value(value, where, context)
    if isinstance(value, list):
        return [_render_action(cache, impl, where, item, context) for item in value]
    if isinstance(value, dict):
        return {key: _render_action(cache, impl, where, item, context)
                for key, item in value.items()}
    return value


def render_implementation(cache: TemplateCache, impl: TaskImplementation,
                          template: CompiledTemplate | None, device: Device,
                          context: Mapping[str, Any], *, where: str) -> Rendering:
    """Render `impl` for `device`; RenderError names the template file and line."""
    if impl.implementation_type in TEMPLATE_TYPES:
        if template is None:
            raise RenderError(f"{where}: implementation {impl.slug!r} has no template")
        text = template.render(context)
    else:
        action = _render_action(cache, impl, where, impl.action_config, context)
        text = json.dumps(action, indent=2, sort_keys=True, default=str)
    return Rendering(device=device.name, implementation=impl, text=text)
