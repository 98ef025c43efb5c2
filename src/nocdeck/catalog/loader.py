"""Reading one catalog directory: every YAML document, each problem with its file:line.

Loading never stops at the first problem: a NOC engineer fixing a catalog wants the whole
list at once. Documents that fail their schema are left out of the layer; the problems say
why.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from nocdeck.catalog.models import KINDS, CatalogEntry, TaskImplementation, Workflow
from nocdeck.catalog.steps import STEP_CONFIGS
from nocdeck.catalog.templates import TemplateSource
from nocdeck.errors import CatalogError
from nocdeck.yamlsource import YamlDocument, YamlProblem, load_documents


@dataclass(frozen=True, order=True)
class Problem:
    """One catalog problem; prints as `PATH:LINE: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Layer:
    """One catalog directory: `bundled`, `user` or a `--catalog` path."""

    name: str
    path: Path


@dataclass
class Entry:
    """A loaded definition and where it stands, for cross-reference problems."""

    kind: str
    slug: str
    model: CatalogEntry
    doc: YamlDocument
    prefix: tuple[str | int, ...]
    layer: Layer
    template: TemplateSource | None = None

    @property
    def path(self) -> str:
        return str(self.doc.path)

    def line_of(self, *location: str | int) -> int:
        return self.doc.line_of([*self.prefix, *location])

    def problem(self, message: str, *location: str | int) -> Problem:
        return Problem(self.path, self.line_of(*location), message)

    def where(self, *location: str | int) -> str:
        return f"{self.path}:{self.line_of(*location)}"


@dataclass
class LayerLoad:
    layer: Layer
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fingerprint: bytes = b""
    """sha256 over every file the layer was loaded from (name and text): YAML files and the
    template files they name. Same fingerprint, same definitions."""


def pydantic_problems(doc: YamlDocument, error: ValidationError,
                      prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """One Problem per pydantic error, at the line of the offending key."""
    out = []
    for item in error.errors():
        location = [*prefix, *item["loc"]]
        where = ".".join(str(p) for p in location)
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        out.append(Problem(str(doc.path), doc.line_of(location),
                           f"{where}: {message}" if where else message))
    return out


def _node_at(doc: YamlDocument, location: list[str | int]) -> yaml.Node | None:
    node = doc.node
    for part in location:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if 0 <= part < len(node.value) else None
        else:
            return None
    return node


def catalog_files(directory: Path) -> list[Path]:
    """Every `*.yaml` / `*.yml` under `directory`, hidden directories skipped, sorted."""
    found = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                found.append(Path(root) / name)
    return found


def _inline_source(doc: YamlDocument, prefix: tuple[str | int, ...], text: str
                   ) -> TemplateSource:
    key_line = doc.line_of([*prefix, "template"])
    node = _node_at(doc, [*prefix, "template"])
    block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    return TemplateSource(text=text, path=doc.path, line_offset=key_line if block else key_line - 1)


def _template_source(entry: Entry, model: TaskImplementation, layer: Layer
                     ) -> TemplateSource | Problem | None:
    if model.template is not None:
        return _inline_source(entry.doc, entry.prefix, model.template)
    if model.template_file is None:
        return None
    path = Path(os.path.normpath(entry.doc.path.parent / model.template_file))
    try:
        inside = path.resolve().is_relative_to(layer.path.resolve())
    except OSError:
        inside = False
    if not inside:
        return entry.problem(f"template_file {model.template_file!r} is outside the catalog "
                             f"directory {layer.path}", "template_file")
    if not path.is_file():
        return entry.problem(f"template file {model.template_file!r} does not exist "
                             f"(looked for {path})", "template_file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return entry.problem(f"template file {model.template_file!r} cannot be read: {exc}",
                             "template_file")
    return TemplateSource(text=text.rstrip("\n"), path=path, line_offset=0)


def _step_config_problems(doc: YamlDocument, model: Workflow) -> list[Problem]:
    problems = []
    for index, step in enumerate(model.steps):
        config_model: type[BaseModel] = STEP_CONFIGS[step.step_type]
        try:
            config_model.model_validate(step.config)
        except ValidationError as exc:
            problems.extend(pydantic_problems(doc, exc, ("steps", index, "config")))
    return problems


def _parse_document(doc: YamlDocument, layer: Layer, load: LayerLoad) -> None:
    data: Any = doc.data
    if data is None:
        return
    if not isinstance(data, dict):
        load.problems.append(Problem(str(doc.path), doc.line,
                                     "expected a mapping with a 'kind:' key"))
        return
    kind = data.get("kind")
    if kind is None:
        load.problems.append(Problem(str(doc.path), doc.line,
                                     f"missing 'kind:' (one of: {', '.join(KINDS)})"))
        return
    model_class = KINDS.get(str(kind))
    if model_class is None:
        load.problems.append(Problem(str(doc.path), doc.line_of(["kind"]),
                                     f"kind: unknown kind {kind!r} (one of: {', '.join(KINDS)})"))
        return
    try:
        model: CatalogEntry = model_class.model_validate(data)  # type: ignore[assignment]
    except ValidationError as exc:
        load.problems.extend(pydantic_problems(doc, exc))
        return
    entry = Entry(kind=str(kind), slug=model.slug, model=model, doc=doc, prefix=(), layer=layer)
    if isinstance(model, Workflow):
        config_problems = _step_config_problems(doc, model)
        if config_problems:
            load.problems.extend(config_problems)
            return
    if isinstance(model, TaskImplementation):
        source = _template_source(entry, model, layer)
        if isinstance(source, Problem):
            load.problems.append(source)
            return
        entry.template = source
    load.entries.append(entry)


def check_directory(directory: Path) -> None:
    """Raise CatalogError (exit 2) when a catalog directory cannot be read at all."""
    if not directory.exists():
        raise CatalogError(f"{directory}: catalog directory does not exist")
    if not directory.is_dir():
        raise CatalogError(f"{directory}: is not a directory")
    if not os.access(directory, os.R_OK | os.X_OK):
        raise CatalogError(f"{directory}: catalog directory cannot be read (permission denied)")


def load_layer(layer: Layer) -> LayerLoad:
    """Load every document of one directory; duplicate slugs within it are problems."""
    check_directory(layer.path)
    load = LayerLoad(layer=layer)
    digest = hashlib.sha256()
    for path in catalog_files(layer.path):
        try:
            text = path.read_text(encoding="utf-8")
            _digest_file(digest, path, text)
            docs = list(load_documents(path, text))
        except YamlProblem as exc:
            load.problems.append(Problem(exc.path, exc.line, exc.message))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            load.problems.append(Problem(str(path), 1, f"cannot read: {exc}"))
            continue
        for doc in docs:
            _parse_document(doc, layer, load)
    seen: dict[tuple[str, str], Entry] = {}
    for entry in load.entries:
        key = (entry.kind, entry.slug)
        if key in seen:
            first = seen[key]
            load.problems.append(entry.problem(
                f"slug: duplicate {entry.kind} slug {entry.slug!r} "
                f"(first defined at {first.where('slug')})", "slug"))
        else:
            seen[key] = entry
    load.entries = list(seen.values())
    for entry in load.entries:  # a template_file's text (an inline one is hashed twice)
        if entry.template is not None:
            _digest_file(digest, entry.template.path, entry.template.text)
    load.fingerprint = digest.digest()
    return load


def _digest_file(digest: hashlib._Hash, path: Path, text: str) -> None:
    name = str(path).encode("utf-8", "surrogateescape")
    digest.update(len(name).to_bytes(8, "big") + name)
    data = text.encode("utf-8", "surrogatepass")
    digest.update(len(data).to_bytes(8, "big") + data)
