"""Moments typed by an engineer looking for a run: `2026-11-24`, `2026-11-24T10:30`, `2h`.

The CLI (`--since`, `--until`) and the TUI's history filter (`since=…`, `until=…`) read them
the same way. Times are UTC, as the history shows them, unless they carry an offset; a bare
date given as an upper bound means the end of that day, so `until=2026-11-24` includes it.
"""

from __future__ import annotations

import datetime as dt
import re

from nocdeck.errors import InputError

_AGO = re.compile(r"(\d+)\s*([mhdw])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_when(text: str, *, what: str, end_of_day: bool = False,
               now: dt.datetime | None = None) -> dt.datetime:
    """A timezone-aware moment; InputError naming `what` (`--since`, `until=`) when unclear.

    Accepts an ISO date or date-time (`2026-11-24`, `2026-11-24 10:30`, `…T10:30:00+01:00`,
    `…Z`) or an age counted back from now (`30m`, `2h`, `3d`, `1w`).
    """
    value = text.strip()
    ago = _AGO.fullmatch(value)
    if ago:
        now = now or dt.datetime.now(dt.UTC)
        unit = _UNITS[ago.group(2).lower()]
        return now - dt.timedelta(**{unit: int(ago.group(1))})
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{what} {text!r}: use a date (2026-11-24), a UTC time "
                         f"(2026-11-24T10:30) or an age (30m, 2h, 3d, 1w)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if end_of_day and _DATE.fullmatch(value):
        moment += dt.timedelta(days=1)
    return moment
