"""Device checks on a live device: validation steps, `wait … until`, pre/post checks.

The command is rendered and the output judged by `nocdeck.catalog.devicecheck` (pure); here
the command is sent over the run's session, and a failed assertion fails the step naming the
check, the device and what was false.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from nocdeck.catalog.devicecheck import CheckResult, check_command, evaluate_check
from nocdeck.catalog.steps import DeviceCheck, WaitStepConfig
from nocdeck.catalog.templates import TemplateCache
from nocdeck.engine.session import DeviceSession
from nocdeck.errors import WorkFailed


async def check_once(cache: TemplateCache, session: DeviceSession, check: DeviceCheck,
                     context: Mapping[str, Any], where: str) -> CheckResult:
    platform = session.device.platform
    command = check_command(cache, check, platform, context, where)
    outputs = await session.call(lambda p: p.run_commands([command]))
    return evaluate_check(cache, check, platform, command, outputs.get(command, ""), context,
                          where)


async def run_check(cache: TemplateCache, session: DeviceSession, check: DeviceCheck,
                    context: Mapping[str, Any], where: str) -> CheckResult:
    """Run the check; WorkFailed naming the device and the assertions that were false."""
    result = await check_once(cache, session, check, context, where)
    if not result.passed:
        name = check.name or result.command
        raise WorkFailed(f"{session.device.name}: check {name!r} failed: "
                         + "; ".join(f"not true: {a}" for a in result.failed)
                         + f" (fields: {result.fields}) ({where})")
    session.note(f"check {check.name or result.command!r} passed")
    return result


async def wait_step(cache: TemplateCache, session: DeviceSession, config: WaitStepConfig,
                    context: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Wait a fixed time, or until the check passes (WorkFailed after `timeout_seconds`)."""
    started = time.monotonic()
    if config.seconds is not None:
        session.note(f"waiting {config.seconds:g} s")
        await asyncio.sleep(config.seconds)
        return {"waited": round(time.monotonic() - started, 3)}
    assert config.until is not None
    tries = 0
    while True:
        tries += 1
        result = await check_once(cache, session, config.until, context, where)
        waited = time.monotonic() - started
        if result.passed:
            session.note(f"waited {waited:.1f} s until {config.until.name or result.command!r} "
                         f"passed ({tries} tries)")
            return {"waited": round(waited, 3), "tries": tries, "fields": result.fields}
        if waited + config.interval_seconds > config.timeout_seconds:
            raise WorkFailed(f"{session.device.name}: still not true after "
                             f"{config.timeout_seconds:g} s ({tries} tries): "
                             + "; ".join(result.failed) + f" ({where})")
        await asyncio.sleep(config.interval_seconds)
