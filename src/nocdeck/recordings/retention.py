"""Retention: transcripts older than `recording_retention_days` are purged, the records kept.

Who was on which device and when stays known (an audit needs that for years); what was
typed and shown goes once it is no longer wanted.
"""

from __future__ import annotations

import datetime as dt

from nocdeck.config import Settings
from nocdeck.errors import BadInput
from nocdeck.store.sessions import SessionsMixin
from nocdeck.store.types import utcnow


def cutoff(days: int) -> dt.datetime:
    if days < 1:
        raise BadInput(f"--older-than must be at least 1 day, got {days}")
    return utcnow() - dt.timedelta(days=days)


async def purge_older_than(store: SessionsMixin, days: int) -> int:
    """Purge the transcripts of sessions started more than `days` days ago; how many."""
    return await store.purge_sessions(cutoff(days))


async def apply_retention(store: SessionsMixin, settings: Settings) -> int:
    """Apply the configured retention (0 keeps everything)."""
    if settings.recording_retention_days <= 0:
        return 0
    return await purge_older_than(store, settings.recording_retention_days)
