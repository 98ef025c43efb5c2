"""How nocdeck words what it counts, in the CLI, the TUI and the record alike."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`1 device`, `2 devices`: a count and its noun, as a person writes it."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


__all__ = ["counted"]
