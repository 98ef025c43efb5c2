"""YAML loading that remembers line numbers, so every problem can say `file:line`.

Inventory and catalog files are validated with pydantic after loading; a validation error
carries a location path (`("devices", "r1", "port")`), and `YamlDocument.line_of` turns that
path back into the line of the file where the offending value stands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


class YamlProblem(Exception):
    """A YAML file that cannot be parsed or holds duplicate keys; carries path and line."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(f"{path}:{line}: {message}")


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML has it: fifteen times faster on a 200-device inventory, with
the same line marks."""


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A SafeLoader that refuses duplicate mapping keys instead of silently keeping the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


@dataclass
class YamlDocument:
    """One YAML document: its data and the node tree that knows every value's line."""

    path: Path
    data: Any
    tree: yaml.Node | None = None
    text: str | None = None
    """The single document's source, composed into `tree` only when a line is asked for
    (data that came from `nocdeck.parsecache` has no tree until an error needs one)."""

    @property
    def node(self) -> yaml.Node | None:
        if self.tree is None and self.text is not None:
            nodes = list(yaml.compose_all(self.text, Loader=_UniqueKeyLoader))
            self.tree, self.text = (nodes[0] if nodes else None), None
        return self.tree

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1 if self.node is not None else 1

    def line_of(self, location: Sequence[str | int]) -> int:
        """The 1-based line of the value at `location`, or of its nearest existing parent."""
        node = self.node
        line = self.line
        for part in location:
            if node is None:
                break
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(part):
                        child = value_node
                        line = key_node.start_mark.line + 1
                        break
            elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
                  and 0 <= part < len(node.value)):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    def problems(self, error: ValidationError, prefix: Sequence[str | int] = ()) -> list[str]:
        """Turn a pydantic error into `path:line: field: message` lines."""
        out = []
        for item in error.errors():
            location = [*prefix, *item["loc"]]
            where = ".".join(str(p) for p in location) or "document"
            message = item["msg"]
            if item["type"] == "extra_forbidden":
                message = "unknown key"
            out.append(f"{self.path}:{self.line_of(location)}: {where}: {message}")
        return out


def _problem_from_yaml_error(path: Path, exc: yaml.YAMLError) -> YamlProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{context}; {problem}" if context and "duplicate" not in str(problem) else problem
    return YamlProblem(path, line, f"invalid YAML: {message}")


def load_documents(path: Path, text: str | None = None) -> Iterator[YamlDocument]:
    """Yield each document of a YAML file with its line map; raise YamlProblem on bad YAML."""
    if text is None:
        text = path.read_text(encoding="utf-8")
    try:
        nodes = list(yaml.compose_all(text, Loader=_UniqueKeyLoader))
    except yaml.YAMLError as exc:
        raise _problem_from_yaml_error(path, exc) from None
    for node in nodes:
        loader = _UniqueKeyLoader("")
        try:
            data = loader.construct_document(node)
        except yaml.YAMLError as exc:
            raise _problem_from_yaml_error(path, exc) from None
        finally:
            loader.dispose()
        yield YamlDocument(path=path, data=data, tree=node)


def load_document(path: Path, text: str | None = None) -> YamlDocument:
    """Load a single-document YAML file (an empty file is an empty mapping at line 1)."""
    docs = list(load_documents(path, text))
    if not docs:
        return YamlDocument(path=path, data={})
    if len(docs) > 1:
        raise YamlProblem(path, docs[1].line, "expected one YAML document, found several")
    return docs[0]
