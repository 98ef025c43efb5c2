"""Notification steps: a line in the run's log, or a webhook POST with a JSON body.

The POST runs in a thread with a timeout so a slow receiver never stalls the run's other
devices; a failure names the URL (masked) and the HTTP status, never a header's token.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from nocdeck.errors import WorkFailed
from nocdeck.redaction import GLOBAL_REDACTOR

WEBHOOK_TIMEOUT = 10.0


def _post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "nocdeck", **headers})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return int(response.status)


async def post_webhook(url: str, payload: Mapping[str, Any], *,
                       headers: Mapping[str, str] | None = None,
                       limit: float = WEBHOOK_TIMEOUT) -> int:
    """POST `payload` as JSON; WorkFailed naming the URL when it is not delivered."""
    if not url.startswith(("http://", "https://")):
        raise WorkFailed(f"webhook {url!r}: only http:// and https:// URLs are supported")
    for value in (headers or {}).values():
        GLOBAL_REDACTOR.add_secret(value)
    body = json.dumps(dict(payload), default=str).encode()
    shown = GLOBAL_REDACTOR.mask(url)
    try:
        return await asyncio.to_thread(_post, url, body, dict(headers or {}), limit)
    except urllib.error.HTTPError as exc:
        raise WorkFailed(f"webhook {shown}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WorkFailed(f"webhook {shown}: not delivered ({reason})") from None
