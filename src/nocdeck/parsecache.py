"""A parsed copy of large YAML files, keyed by their content, so the next start skips YAML.

A 200-device inventory with its interfaces is ~1 MB of YAML: PyYAML (libyaml's parser, Python
constructor) needs 0.65 s for it on every `nocdeck` command; the same data read back from
`marshal` takes a few milliseconds. Entries are keyed by the sha256 of the file's text, so an
edited file is simply a new key; only data that its caller has validated is kept; files
are private (0600 in a 0700 directory), like the file they copy. Any problem with the cache
(unwritable, corrupt, another Python) means parsing the file again, never an error.
`NOCDECK_PARSE_CACHE=off` turns it off.

`key_of_digest` keys what is made from more than one file: the catalog keeps here that a
catalog with exactly these files passed its checks (`nocdeck.catalog.catalog`).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

MIN_BYTES = 64 * 1024
"""Smaller files parse in a few milliseconds: not worth an entry."""
KEEP = 16
"""Entries kept (the newest used); older ones are removed when one is written."""
_MISSING = object()


def cache_dir() -> Path | None:
    if os.environ.get("NOCDECK_PARSE_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nocdeck" / "parsed"


def key_of(text: str) -> str | None:
    """The cache key of a file's text (None: too small to cache, or caching is off)."""
    if len(text) < MIN_BYTES or cache_dir() is None:
        return None
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
    digest.update(f"{yaml.__version__}:{sys.version_info[:2]}:{marshal.version}".encode())
    return digest.hexdigest()


def key_of_digest(kind: str, digest: bytes) -> str | None:
    """The cache key of data made from several inputs, `digest` being a hash of them all
    (None: caching is off)."""
    if cache_dir() is None:
        return None
    whole = hashlib.sha256(kind.encode() + b"\0" + digest)
    whole.update(f"{yaml.__version__}:{sys.version_info[:2]}:{marshal.version}".encode())
    return whole.hexdigest()


def recall(key: str | None) -> Any:
    """The data kept under `key`, or `MISSING`."""
    folder = cache_dir()
    if key is None or folder is None:
        return _MISSING
    entry = folder / f"{key}.marshal"
    try:
        with entry.open("rb") as file:
            if os.fstat(file.fileno()).st_uid != os.getuid():
                return _MISSING
            # The whole file, then `loads`: `marshal.load` on a file reads it object by
            # object, one read call each (57 ms for a 200-device inventory, against 7 ms).
            data = marshal.loads(file.read())
        os.utime(entry)
    except (OSError, EOFError, ValueError, TypeError):
        return _MISSING
    return data


def missing(value: Any) -> bool:
    return value is _MISSING


def freeze(key: str | None, data: Any) -> bytes | None:
    """`data` as it would be kept (taken before the caller's validation, which may build on
    it); None when it will not be kept."""
    if key is None:
        return None
    try:
        return marshal.dumps(data)
    except ValueError:  # a value marshal cannot hold (a YAML timestamp): not cached
        return None


def keep(key: str | None, payload: bytes | None) -> None:
    """Keep `freeze`'s answer, once the caller validated the data (best effort: a cache that
    cannot be written is skipped)."""
    folder = cache_dir()
    if key is None or payload is None or folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(payload)
            Path(temporary).replace(folder / f"{key}.marshal")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.marshal"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
