"""Catalog: task and workflow definitions as files, their validation and rendering.

Other parts use `load_catalog(settings)` and the `Catalog` it returns: `resolve`, `render`,
`coerce_inputs`, `workflow`, `form_for`, `evaluate`/`test` for step expressions, `revision`.
"""

from __future__ import annotations

from nocdeck.catalog.catalog import (
    BUNDLED_DIR,
    Catalog,
    build_catalog,
    configured_layers,
    load_catalog,
    load_layers,
    user_catalog_dir,
)
from nocdeck.catalog.interfaces import normalise_interface, same_interface, short_interface
from nocdeck.catalog.loader import Layer, Problem
from nocdeck.catalog.models import (
    ComplianceCheck,
    RequestForm,
    RequestFormField,
    TaskDefinition,
    TaskImplementation,
    Workflow,
    WorkflowInput,
    WorkflowStep,
)
from nocdeck.catalog.rendering import Rendering, RenderMeta, build_context, config_lines
from nocdeck.catalog.steps import DeviceCheck, for_platform

__all__ = [
    "BUNDLED_DIR", "Catalog", "ComplianceCheck", "DeviceCheck", "Layer", "Problem",
    "RenderMeta", "Rendering", "RequestForm", "RequestFormField", "TaskDefinition",
    "TaskImplementation", "Workflow", "WorkflowInput", "WorkflowStep", "build_catalog",
    "build_context", "config_lines", "configured_layers", "for_platform", "load_catalog",
    "load_layers", "normalise_interface", "same_interface", "short_interface",
    "user_catalog_dir",
]
