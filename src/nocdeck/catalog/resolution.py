"""Task resolution: which implementation of a task does this device get.

The choice must be predictable, because it decides what is pushed: among the enabled
implementations whose manufacturer, platform (when set) and software version pattern fit
the device, the highest priority wins; a tie goes to the more specific one (platform set,
then version pattern set), then to the slug, so the same catalog always picks the same one.
"""

from __future__ import annotations

from collections.abc import Iterable

from nocdeck.catalog.models import TaskImplementation
from nocdeck.catalog.versions import VersionPatternError, parse_version_pattern
from nocdeck.errors import ResolutionError
from nocdeck.inventory.models import Device


def _fits(impl: TaskImplementation, device: Device) -> bool:
    if impl.manufacturer.strip().lower() != device.manufacturer.strip().lower():
        return False
    if impl.platform and impl.platform != device.platform:
        return False
    try:
        return parse_version_pattern(impl.software_version_pattern).matches(
            device.software_version)
    except VersionPatternError:
        return False


def _rank(impl: TaskImplementation) -> tuple[int, int, int, str]:
    return (-impl.priority, 0 if impl.platform else 1,
            0 if impl.software_version_pattern.strip() else 1, impl.slug)


def candidates(task: str, implementations: Iterable[TaskImplementation], device: Device
               ) -> list[TaskImplementation]:
    """Every enabled implementation of `task` that fits `device`, best first."""
    fitting = [impl for impl in implementations
               if impl.task == task and impl.enabled and _fits(impl, device)]
    return sorted(fitting, key=_rank)


def resolve_implementation(task: str, implementations: Iterable[TaskImplementation],
                           device: Device) -> TaskImplementation:
    """The implementation of `task` for `device`; ResolutionError names both when none fits."""
    implementations = list(implementations)
    found = candidates(task, implementations, device)
    if found:
        return found[0]
    of_task = [impl for impl in implementations if impl.task == task]
    sought = (f"manufacturer {device.manufacturer or '(none)'!r}, platform {device.platform!r}, "
              f"software version {device.software_version or '(unknown)'!r}")
    if not of_task:
        detail = "the task has no implementations"
    else:
        offered = ", ".join(
            f"{impl.slug} ({impl.manufacturer}/{impl.platform or 'any'}"
            f"{' ' + impl.software_version_pattern if impl.software_version_pattern else ''}"
            f"{'' if impl.enabled else ', disabled'})"
            for impl in sorted(of_task, key=lambda i: i.slug))
        detail = f"available: {offered}"
    raise ResolutionError(f"device {device.name}: no enabled implementation of task {task!r} "
                          f"matches {sought}; {detail}")
