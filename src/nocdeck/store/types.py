"""Column types that keep secrets out and timestamps in UTC on both SQLite and PostgreSQL.

Masking lives in the column type, not in each write: whatever path writes a config, a diff,
a dialogue, an error or a JSON payload (ORM object, bulk insert, UPDATE with an expression),
the value passes `nocdeck.redaction.mask` on its way to the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from nocdeck.redaction import AlreadyMasked, mask_for_store

UTC = dt.UTC


def mask_text(value: str) -> AlreadyMasked:
    """Mask secrets line by line, also behind a diff marker or a prompt (text without any
    secret word is kept as it is after one scan); PostgreSQL text cannot hold NUL, which a
    device dialogue may contain. Text masked here (or by a session's recorder) and unchanged
    since is kept as it is: masked once, not twice. A short text masked recently (a line
    pushed to every device of a run, a step's error) is not masked again either: masking is
    a function of the text and the secrets registered, and the answer is reused only while
    no secret was registered since (`AlreadyMasked.trusted`)."""
    if isinstance(value, AlreadyMasked) and value.trusted():
        return value
    if len(value) > _RECENT_LENGTH:
        return mask_for_store(value)
    known = _RECENT.get(value)
    if known is not None and known.trusted():
        return known
    masked = mask_for_store(value)
    if len(_RECENT) >= _RECENT_LIMIT:
        _RECENT.clear()
    _RECENT[str(value)] = masked
    return masked


_RECENT: dict[str, AlreadyMasked] = {}
"""Short texts and their masked form (in memory only, as `redaction`'s own line cache): each
`mask_for_store` call costs ~6 us even for one line, and a run writes the same pushed lines
for each of its devices."""
_RECENT_LENGTH = 512
_RECENT_LIMIT = 4096


def mask_json(value: Any) -> Any:
    """Mask every string inside a JSON value (keys stay, they are names, not secrets)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {str(key): mask_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_json(item) for item in value]
    return value


class MaskedText(TypeDecorator[str]):
    """Text that can hold config or dialogue: masked before it is written (unless
    `mask_text` already did, and nothing changed since: see `AlreadyMasked`)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else str(mask_text(value))


class MaskedJSON(TypeDecorator[Any]):
    """JSON (JSONB on PostgreSQL) whose strings are masked before they are written."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            # Imported here: the PostgreSQL dialect (and asyncpg's) is ~50 ms of imports
            # that a SQLite store never uses.
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else mask_json(value)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp; SQLite keeps it as naive UTC text, sortable."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect
                           ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps UTC timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect
                             ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)
