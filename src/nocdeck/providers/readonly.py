"""Which commands may run where only reading is allowed (`nocdeck exec`, `run_commands`).

A change goes through a workflow, with its plan, approval and record; a command that enters
configuration mode, saves, reloads or deletes is refused before any device is touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nocdeck.errors import BadInput

_CHANGING = re.compile(
    r"""^\s*(?:
        conf(?:i(?:g(?:u(?:re?)?)?)?)?        # conf, conf t, configure, configure private
      | edit | commit | rollback | load
      | wr(?:i(?:te?)?)? | copy | erase | delete | format | reload | request
    )(?:\s|$)""",
    re.IGNORECASE | re.VERBOSE,
)


def changing_command(command: str) -> bool:
    """True when `command` enters config mode or changes the device's state."""
    return _CHANGING.match(command) is not None


def check_read_only(commands: Iterable[str], *, where: str = "exec") -> None:
    """Raise BadInput naming the first command that would change a device."""
    for command in commands:
        if not command.strip():
            raise BadInput(f"{where}: an empty command was given")
        if changing_command(command):
            raise BadInput(
                f"{where}: {command!r} changes the device; exec runs read-only commands only "
                f"(push a change with a workflow: nocdeck plan / nocdeck run)"
            )
