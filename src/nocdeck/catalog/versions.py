"""Software version patterns: a regex (`17\\..*`) or a range (`>=15.0,<16.0`).

Network OS versions are not PEP 440 (`15.2(4)E10`, `4.28.3M`, `21.4R3-S2`), so a range
compares the numbers found in the version, in order: `15.2(4)E10` is (15, 2, 4, 10). Missing
trailing numbers count as zero, so `15.2` equals `15.2.0`.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

_RANGE_START = re.compile(r"^\s*(>=|<=|==|!=|>|<)")
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:[.()\-A-Za-z]*\d+)*[A-Za-z]*)\s*$")
_NUMBER = re.compile(r"\d+")

_OPERATORS: dict[str, Callable[[tuple[int, ...], tuple[int, ...]], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
    ">": operator.gt, "<": operator.lt,
}


class VersionPatternError(ValueError):
    """A software_version_pattern that is neither a valid regex nor a valid range."""


def version_numbers(version: str) -> tuple[int, ...]:
    """The numbers of a version string, in order: `15.2(4)E10` -> (15, 2, 4, 10)."""
    return tuple(int(n) for n in _NUMBER.findall(version))


def _padded(left: tuple[int, ...], right: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    width = max(len(left), len(right))
    return left + (0,) * (width - len(left)), right + (0,) * (width - len(right))


@dataclass(frozen=True)
class VersionPattern:
    """A compiled pattern; `matches` is what task resolution asks."""

    text: str
    regex: re.Pattern[str] | None
    clauses: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def is_range(self) -> bool:
        return self.regex is None

    def matches(self, version: str) -> bool:
        """True when `version` fits; an empty pattern fits every version, even an unknown one."""
        if not self.text.strip():
            return True
        if self.regex is not None:
            return self.regex.fullmatch(version.strip()) is not None
        numbers = version_numbers(version)
        if not numbers:
            return False
        for op, bound in self.clauses:
            actual, wanted = _padded(numbers, bound)
            if not _OPERATORS[op](actual, wanted):
                return False
        return True


def parse_version_pattern(text: str | None) -> VersionPattern:
    """Compile a pattern; raise VersionPatternError saying what is wrong with it."""
    text = (text or "").strip()
    if not text:
        return VersionPattern(text="", regex=None, clauses=())
    if _RANGE_START.match(text):
        clauses = []
        for clause in text.split(","):
            match = _CLAUSE.match(clause)
            if match is None:
                raise VersionPatternError(
                    f"invalid version range clause {clause.strip()!r} in {text!r} "
                    "(expected e.g. '>=15.0,<16.0')"
                )
            clauses.append((match.group(1), version_numbers(match.group(2))))
        return VersionPattern(text=text, regex=None, clauses=tuple(clauses))
    try:
        return VersionPattern(text=text, regex=re.compile(text), clauses=())
    except re.error as exc:
        raise VersionPatternError(f"invalid regex {text!r}: {exc}") from None
