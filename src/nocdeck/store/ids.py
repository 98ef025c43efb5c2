"""Record ids a NOC engineer can read out and type: `ex-20261124-0fjk3m7q`.

Date, then the milliseconds of the day in Crockford base32 (so ids sort by time), then two
random characters so that two processes creating an execution in the same millisecond
still differ; the store retries the rare collision.
"""

from __future__ import annotations

import datetime as dt
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str, now: dt.datetime | None = None) -> str:
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    millis = (now - midnight) // dt.timedelta(milliseconds=1)
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(2))
    return f"{prefix}-{now:%Y%m%d}-{_base32(millis, 6)}{suffix}"
