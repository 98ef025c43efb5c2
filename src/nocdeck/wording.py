"""How nocdeck words counts and inputs, the same in the CLI, the TUI and the record."""

from __future__ import annotations

import json
from typing import Any


def counted(count: int, noun: str) -> str:
    """`1 device`, `2 devices`: a count and its noun, as a person writes it."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def input_text(value: Any) -> str:
    """An input as `--input NAME=VALUE` takes it: a list of plain values comma-separated, a
    string as is, anything else as JSON (what `--input` parses back to the same value)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(
            (isinstance(item, (int, float)) and not isinstance(item, bool))
            or (isinstance(item, str) and item and "," not in item and item == item.strip())
            for item in value):
        return ",".join(str(item) for item in value)
    return json.dumps(value, default=str)


__all__ = ["counted", "input_text"]
