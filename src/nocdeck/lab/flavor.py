"""What differs between the IOS-like and EOS-like simulators, read from their data files.

The two share one session engine (`nocdeck.lab.cisco`); their grammar, messages, config
layout and interface names live in `data/ios.yaml` and `data/eos.yaml`, so a quirk of one
platform is a data change, not a code branch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from nocdeck.lab.ciscoconf import Layout
from nocdeck.lab.grammar import Grammar, build_commands

FLAVOR_FILES = {"cisco_ios": "ios.yaml", "arista_eos": "eos.yaml"}


@dataclass(frozen=True)
class Flavor:
    platform: str
    layout: Layout
    messages: dict[str, str]
    grammars: dict[str, Grammar]
    logical_interfaces: tuple[str, ...]
    stored_no: dict[str, tuple[str, ...]]
    """`no X` lines the device keeps in its config (`no switchport`), per mode."""

    def message(self, name: str, **values: Any) -> str:
        return self.messages[name].format(**values)

    def is_logical(self, interface: str) -> bool:
        return interface.startswith(self.logical_interfaces)


def _flatten(entries: list[Any]) -> list[Any]:
    out: list[Any] = []
    for entry in entries:
        out.extend(_flatten(entry) if isinstance(entry, list) else [entry])
    return out


def data_text(name: str) -> str:
    """A file shipped in `nocdeck/lab/data`."""
    return resources.files("nocdeck.lab").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def load_flavor(platform: str) -> Flavor:
    """The flavor of `cisco_ios` or `arista_eos` (parsed once per process)."""
    spec = yaml.safe_load(data_text(FLAVOR_FILES[platform]))
    raw_layout = spec["layout"]
    layout = Layout(
        indent=raw_layout["indent"],
        order=tuple(raw_layout["order"]),
        child_order=tuple(raw_layout["child_order"]),
        interface_types=tuple((full, short) for full, short in raw_layout["interface_types"]),
        banner_style=raw_layout["banner_style"],
    )
    grammars = {
        mode: Grammar(build_commands(_flatten(entries)), layout.canonical_interface)
        for mode, entries in spec["modes"].items()
    }
    return Flavor(
        platform=platform,
        layout=layout,
        messages={k: str(v) for k, v in spec["messages"].items()},
        grammars=grammars,
        logical_interfaces=tuple(raw_layout["logical_interfaces"]),
        stored_no={k: tuple(v) for k, v in spec.get("stored_no", {}).items()},
    )
