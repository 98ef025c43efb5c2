"""Faults a lab device can be told to have, so failure handling can be tried offline.

`nocdeck lab up --fault r2:slow=2.0 --fault r3:reject=^ntp` and `Lab.set_faults()` set the
same `DeviceFaults`; the SSH server reads them on every login and every line, so a change at
run time applies to the next line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nocdeck.errors import LabError

FAULT_SYNTAX = ("NAME:FAULT[=VALUE], FAULT one of: reject-login, slow=SECONDS, "
                "drop-after=N (config lines), reject=REGEX, hang")


@dataclass(frozen=True)
class DeviceFaults:
    """What is wrong with one device; the default is a healthy device."""

    reject_login: bool = False
    """Every login fails, as with a wrong password."""
    latency: float = 0.0
    """Seconds the device waits before answering each line."""
    drop_after_config_lines: int | None = None
    """Accept this many lines in configuration mode, then drop the connection at the next."""
    reject_pattern: str | None = None
    """Lines matching this regex get the platform's invalid-input error."""
    hang_after_login: bool = False
    """Login succeeds, then the device never answers (no prompt, no echo)."""

    def __post_init__(self) -> None:
        if self.latency < 0:
            raise LabError(f"fault latency must be >= 0 seconds, got {self.latency}")
        if self.drop_after_config_lines is not None and self.drop_after_config_lines < 0:
            raise LabError(f"fault drop-after must be >= 0 lines, got "
                           f"{self.drop_after_config_lines}")
        if self.reject_pattern is not None:
            try:
                re.compile(self.reject_pattern)
            except re.error as exc:
                raise LabError(f"fault reject pattern {self.reject_pattern!r} is not a valid "
                               f"regex: {exc}") from None

    def rejects(self, line: str) -> bool:
        return self.reject_pattern is not None and re.search(self.reject_pattern, line) is not None

    @property
    def healthy(self) -> bool:
        return self == DeviceFaults()

    def describe(self) -> str:
        parts = []
        if self.reject_login:
            parts.append("reject-login")
        if self.latency:
            parts.append(f"slow={self.latency:g}")
        if self.drop_after_config_lines is not None:
            parts.append(f"drop-after={self.drop_after_config_lines}")
        if self.reject_pattern is not None:
            parts.append(f"reject={self.reject_pattern}")
        if self.hang_after_login:
            parts.append("hang")
        return ",".join(parts)


def parse_fault(text: str, into: dict[str, DeviceFaults] | None = None
                ) -> dict[str, DeviceFaults]:
    """Add one `--fault NAME:FAULT[=VALUE]` to a {device: faults} map (LabError if bad)."""
    faults = dict(into or {})
    name, colon, fault = text.partition(":")
    if not colon or not name or not fault:
        raise LabError(f"--fault {text!r}: expected {FAULT_SYNTAX}")
    kind, equals, value = fault.partition("=")
    kind = kind.strip().lower().replace("_", "-")
    current = faults.get(name, DeviceFaults())
    try:
        if kind == "reject-login" and not equals:
            current = replace(current, reject_login=True)
        elif kind == "hang" and not equals:
            current = replace(current, hang_after_login=True)
        elif kind in ("slow", "latency") and equals:
            current = replace(current, latency=float(value))
        elif kind == "drop-after" and equals:
            current = replace(current, drop_after_config_lines=int(value))
        elif kind == "reject" and equals and value:
            current = replace(current, reject_pattern=value)
        else:
            raise LabError(f"--fault {text!r}: unknown fault {kind!r}; expected {FAULT_SYNTAX}")
    except ValueError:
        raise LabError(f"--fault {text!r}: {value!r} is not a number") from None
    faults[name] = current
    return faults
