"""The loaded catalog: layered directories merged by slug, checked, compiled once.

Layers are the bundled catalog, then the user's (`catalog/` in the user config dir), then each
`--catalog` directory; a later layer's definition replaces an earlier one with the same kind
and slug. Every other command gets its catalog from `load_catalog(settings)`, which refuses
a broken catalog (exit 2) with the full list of problems.

The checks across definitions (`check_catalog`: JSON Schemas, every template compiled) take
~0.1 s; a catalog whose files are exactly those of one that passed them (same layers, same
bytes, same nocdeck and libraries) is not checked again: `nocdeck.parsecache` keeps a marker
per such catalog (no definition, no secret: a name derived from hashes). Its templates then
compile when first used. Each load still reads and validates every file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from nocdeck import __version__, parsecache
from nocdeck.catalog.checks import check_catalog
from nocdeck.catalog.inputs import coerce_inputs
from nocdeck.catalog.loader import Entry, Layer, LayerLoad, Problem, load_layer
from nocdeck.catalog.models import (
    CatalogEntry,
    ComplianceCheck,
    RequestForm,
    Schedule,
    TaskDefinition,
    TaskImplementation,
    UpgradeEntry,
    Workflow,
)
from nocdeck.catalog.rendering import Rendering, RenderMeta, build_context, render_implementation
from nocdeck.catalog.resolution import resolve_implementation
from nocdeck.catalog.revision import combined_revision, directory_revision
from nocdeck.catalog.templates import TemplateCache
from nocdeck.config import Settings, user_config_dir
from nocdeck.errors import CatalogError
from nocdeck.inventory.models import Device
from nocdeck.wording import counted

BUNDLED_DIR = Path(__file__).parent / "bundled"
"""The catalog shipped inside the package."""
CHECKED = "nocdeck catalog checked"
"""What `nocdeck.parsecache` keeps for a catalog that passed its checks."""

M = TypeVar("M", bound=CatalogEntry)


def user_catalog_dir() -> Path:
    return user_config_dir() / "catalog"


def configured_layers(settings: Settings, *, extra: list[Path] | None = None) -> list[Layer]:
    """Bundled, then the user's catalog dir if it exists, then each configured directory."""
    layers = [Layer("bundled", BUNDLED_DIR)]
    user_dir = user_catalog_dir()
    if user_dir.is_dir():
        layers.append(Layer("user", user_dir))
    for directory in [*(Path(d).expanduser() for d in settings.catalog), *(extra or [])]:
        layers.append(Layer(str(directory), directory))
    return layers


class Catalog:
    """Definitions by kind and slug, where each came from, and the compiled templates."""

    def __init__(self, entries: Mapping[tuple[str, str], Entry], layers: list[Layer],
                 cache: TemplateCache, layer_revisions: list[tuple[str, str]]) -> None:
        self.entries = dict(entries)
        self.layers = layers
        self.cache = cache
        self.layer_revisions = layer_revisions
        self.revision = combined_revision(layer_revisions)
        """Recorded on each Execution: Git commit or content hash, per layer when layered."""
        self.tasks: dict[str, TaskDefinition] = self._of(TaskDefinition)
        self.implementations: dict[str, TaskImplementation] = self._of(TaskImplementation)
        self.workflows: dict[str, Workflow] = self._of(Workflow)
        self.forms: dict[str, RequestForm] = self._of(RequestForm)
        self.compliance_checks: dict[str, ComplianceCheck] = self._of(ComplianceCheck)
        self.schedules: dict[str, Schedule] = self._of(Schedule)
        self.upgrades: dict[str, UpgradeEntry] = self._of(UpgradeEntry)

    def _of(self, model: type[M]) -> dict[str, M]:
        found = {slug: e.model for (_, slug), e in self.entries.items()
                 if isinstance(e.model, model)}
        return dict(sorted(found.items()))

    def entry(self, kind: str, slug: str) -> Entry:
        try:
            return self.entries[(kind, slug)]
        except KeyError:
            raise CatalogError(f"unknown {kind} {slug!r}") from None

    def where(self, kind: str, slug: str, *location: str | int) -> str:
        """`path:line` of a definition or one of its values, for messages and expressions."""
        return self.entry(kind, slug).where(*location)

    def workflow(self, slug: str) -> Workflow:
        """The workflow named `slug`; a CatalogError listing the known ones otherwise."""
        found = self.workflows.get(slug)
        if found is None:
            known = ", ".join(self.workflows) or "none"
            raise CatalogError(f"unknown workflow {slug!r} (known: {known})")
        return found

    def task(self, slug: str) -> TaskDefinition:
        found = self.tasks.get(slug)
        if found is None:
            raise CatalogError(f"unknown task {slug!r} (known: {', '.join(self.tasks)})")
        return found

    def form_for(self, workflow: str) -> RequestForm | None:
        """The published form of a workflow (the first by slug when several exist)."""
        for form in self.forms.values():
            if form.workflow == workflow and form.published:
                return form
        return None

    def implementations_of(self, task: str) -> list[TaskImplementation]:
        return [impl for impl in self.implementations.values() if impl.task == task]

    def resolve(self, task: str, device: Device) -> TaskImplementation:
        """The implementation of `task` for `device` (ResolutionError when none fits)."""
        self.task(task)
        return resolve_implementation(task, self.implementations_of(task), device)

    def coerce_inputs(self, workflow: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Workflow inputs with defaults, coerced and validated (InputError names the field)."""
        return coerce_inputs(self.workflow(workflow), raw)

    def render(self, implementation: TaskImplementation | str, device: Device,
               intended: Mapping[str, Any], *, facts: Mapping[str, Any] | None = None,
               meta: RenderMeta | None = None) -> Rendering:
        """Render an implementation (or resolve a task slug first) for one device."""
        impl = (self.resolve(implementation, device) if isinstance(implementation, str)
                else implementation)
        entry = self.entry("implementation", impl.slug)
        template = self.cache.template(entry.template) if entry.template else None
        context = build_context(device, intended, facts=facts, meta=meta)
        return render_implementation(self.cache, impl, template, device, context,
                                     where=entry.where("action_config"))

    def evaluate(self, kind: str, slug: str, value: Any, context: Mapping[str, Any],
                 *location: str | int) -> Any:
        """Evaluate a mapping value or condition of a definition (see TemplateCache.value)."""
        return self.cache.evaluate_value(value, self.where(kind, slug, *location), context)

    def test(self, kind: str, slug: str, expression: str, context: Mapping[str, Any],
             *location: str | int) -> bool:
        """Evaluate a Jinja2 expression (a condition, an assertion) to True or False."""
        compiled = self.cache.expression(expression, self.where(kind, slug, *location))
        return bool(compiled.evaluate(context))

    def source_layer(self, kind: str, slug: str) -> str:
        return self.entry(kind, slug).layer.name


@cache
def _checks_identity() -> bytes:
    """What the outcome of the checks depends on besides the catalog's files: this nocdeck's
    catalog code and the libraries that validate and compile, each named by its files'
    sizes and times (as Python's own bytecode cache checks a module)."""
    import jinja2
    import jsonschema
    import pydantic

    parts = [__version__]
    files = sorted(Path(__file__).parent.glob("*.py"))
    files += [Path(module.__file__ or "") for module in (pydantic, jsonschema, jinja2)]
    for path in files:
        stat = path.stat()
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts).encode()


def _checked_key(loads: list[LayerLoad]) -> str | None:
    """The `nocdeck.parsecache` key of a catalog made of exactly these layers' files."""
    try:
        digest = hashlib.sha256(_checks_identity())
    except OSError:
        return None
    for load in loads:
        for part in (load.layer.name, str(load.layer.path)):
            data = part.encode("utf-8", "surrogateescape")
            digest.update(len(data).to_bytes(8, "big") + data)
        digest.update(load.fingerprint)
    return parsecache.key_of_digest("catalog", digest.digest())


def build_catalog(layers: list[Layer], *, trust_checked: bool = False
                  ) -> tuple[Catalog, list[Problem]]:
    """Load and check every layer; return the catalog and every problem found, sorted.

    With `trust_checked`, a catalog whose files passed every check before is not checked
    again (see the module's docstring); `nocdeck catalog validate` always checks.

    Raises CatalogError only when a directory cannot be read at all.
    """
    merged: dict[tuple[str, str], Entry] = {}
    problems: list[Problem] = []
    revisions: list[tuple[str, str]] = []
    loads: list[LayerLoad] = []
    for layer in layers:
        load = load_layer(layer)
        loads.append(load)
        problems += load.problems
        for entry in load.entries:
            merged[(entry.kind, entry.slug)] = entry
        revisions.append((layer.name, directory_revision(layer.path,
                                                         use_git=layer.name != "bundled")))
    cache = TemplateCache()
    key = None if problems else _checked_key(loads)
    if not (trust_checked and parsecache.recall(key) == CHECKED):
        problems += check_catalog(merged, cache)
        if not problems:
            parsecache.keep(key, parsecache.freeze(key, CHECKED))
    catalog = Catalog(merged, layers, cache, revisions)
    return catalog, sorted(set(problems))


def load_layers(layers: list[Layer]) -> Catalog:
    """A checked catalog from these layers; CatalogError listing every problem otherwise."""
    catalog, problems = build_catalog(layers, trust_checked=True)
    if problems:
        count = len(problems)
        raise CatalogError(f"the catalog has {counted(count, 'problem')} "
                           "(run: nocdeck catalog validate, with the same --catalog options)",
                           [str(p) for p in problems])
    return catalog


def load_catalog(settings: Settings) -> Catalog:
    """The catalog in effect for these settings: what every command runs against."""
    return load_layers(configured_layers(settings))
