"""Retry after a transient error, with backoff: one policy and one wording for every phase.

The plan's read of a running config and the run's push both retry a timeout or a refused,
unreachable or dropped connection (`TRANSIENT_ERRORS`), after `backoff` seconds, doubled for
each next retry, `retries` times. A refused login, an unknown host key or a rejected line
is never retried: trying again cannot change the answer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nocdeck.errors import TRANSIENT_ERRORS, DeviceError

T = TypeVar("T")
RETRY_NOTE = re.compile(r"; retry \d+ of \d+ in \S+ s$")
"""How `retry_note` ends: a log that shows no other engine note can still pick it out."""


def backoff_delay(backoff: float, attempt: int) -> float:
    """Seconds before retry number `attempt` (1 for the first)."""
    return backoff * 2.0 ** (attempt - 1)


def retry_note(detail: str, attempt: int, retries: int, delay: float) -> str:
    """The line a person sees for each retry, in the live log and the record."""
    return f"{detail}; retry {attempt} of {retries} in {delay:g} s"


def is_retry_note(text: str) -> bool:
    return RETRY_NOTE.search(text) is not None


async def retry_transient(work: Callable[[], Awaitable[T]], failed: DeviceError, *,
                          retries: int, backoff: float, note: Callable[[str], None]) -> T:
    """Try `work` again after its first attempt failed with `failed` (transient).

    Called only once the first attempt has failed, so the caller's path where it works
    costs nothing more.

    Raises:
        DeviceError: the last transient error, of the same class, its message saying how many
            attempts were made; any other error of `work` at once, unchanged.
    """
    error = failed
    for attempt in range(1, retries + 1):
        delay = backoff_delay(backoff, attempt)
        note(retry_note(error.detail, attempt, retries, delay))
        await asyncio.sleep(delay)
        try:
            return await work()
        except TRANSIENT_ERRORS as exc:
            error = exc
    if retries < 1:
        raise error
    raise gave_up(error, retries + 1) from error


def gave_up(error: DeviceError, attempts: int) -> DeviceError:
    """The last transient error, of its own class, saying how many attempts were made."""
    return type(error)(error.device, f"{error.detail}; gave up after {attempts} attempts")
