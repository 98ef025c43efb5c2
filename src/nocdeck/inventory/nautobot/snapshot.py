"""The last good Nautobot load, kept on disk so a jump host that loses its link still works.

One JSON file per Nautobot URL, written atomically (0600: it names devices and addresses,
never a token). Read back, it is converted exactly like a live load, and its age is shown.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from nocdeck.inventory.nautobot.client import NautobotError
from nocdeck.inventory.nautobot.loader import NautobotData

SNAPSHOT_FORMAT = 1


def snapshot_path(directory: Path, url: str) -> Path:
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:12]
    return directory / f"snapshot-{digest}.json"


def save_snapshot(directory: Path, data: NautobotData) -> Path:
    path = snapshot_path(directory, data.url)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"format": SNAPSHOT_FORMAT, **data.as_dict()}, handle)
    tmp.replace(path)
    return path


def load_snapshot(directory: Path, url: str) -> NautobotData | None:
    """The snapshot for `url`, or None when there is none; a damaged one is an error."""
    path = snapshot_path(directory, url)
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise NautobotError(f"{path}: the Nautobot snapshot cannot be read ({exc}); delete it "
                            "and load from Nautobot again") from None
    if not isinstance(raw, dict) or raw.get("format") != SNAPSHOT_FORMAT:
        raise NautobotError(f"{path}: not a Nautobot snapshot nocdeck can read; delete it "
                            "and load from Nautobot again")
    return NautobotData(url=str(raw["url"]), version=str(raw.get("version", "")),
                        devices=list(raw["devices"]), vlans=list(raw["vlans"]),
                        prefixes=list(raw["prefixes"]), loaded_at=float(raw["loaded_at"]))


def describe_age(seconds: float) -> str:
    """`42 s`, `17 min`, `5 h 3 min`, `3 days` — how a NOC engineer reads it."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"
    return f"{seconds // 86400:.0f} days"


def age_of(data: NautobotData, now: float | None = None) -> float:
    return (time.time() if now is None else now) - data.loaded_at
