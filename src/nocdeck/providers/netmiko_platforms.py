"""What differs per platform for the netmiko provider, in one place (scrapli's lesson).

Each netmiko device_type nocdeck drives maps to the command that shows its running config,
the pattern that marks a rejected config line, and whether a change needs a commit (Junos)
or a save (`write memory`) to survive a reload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nocdeck.providers.cli_dialect import dialect_for


def _unanchored(platform: str) -> str:
    """The platform's rejected-line pattern (one definition, in cli_dialect), without its
    line-start anchor: netmiko searches a whole reply, and the match runs to the line end."""
    pattern = dialect_for(platform).error_pattern.removeprefix(r"^\s*")
    return f"(?:{pattern}).*$"


IOS_LIKE_ERRORS = _unanchored("cisco_ios")
"""A rejected line on IOS/EOS/NX-OS: the device's message, from its marker to the line end."""
JUNOS_ERRORS = _unanchored("juniper_junos")


@dataclass(frozen=True)
class NetmikoPlatform:
    """How one netmiko device_type is driven."""

    device_type: str
    running_config_command: str
    error_pattern: str
    commits: bool = False
    """True when a change is a candidate that must be committed (Junos)."""
    has_enable: bool = True
    """True when privileged commands need `enable` (and an enable secret if one is set)."""
    enter_config: str = "configure terminal"
    leave_config: str = "end"
    config_prompt: str = r"{base}\(config[^)]*\)#\s*$"
    """The prompt in any config mode; `{base}` is the escaped base prompt (`r1`, `admin@r3`)."""
    exec_prompt: str = r"{base}#\s*$"
    """The privileged exec prompt, where config mode has been left."""
    save_command: str = "write memory"

    def prompt(self, which: str, base: str) -> str:
        """The regex of a prompt (`config_prompt`/`exec_prompt`) for a device's base prompt."""
        template: str = getattr(self, which)
        return template.replace("{base}", re.escape(base))


PLATFORMS: dict[str, NetmikoPlatform] = {
    p.device_type: p
    for p in (
        NetmikoPlatform("cisco_ios", "show running-config", IOS_LIKE_ERRORS),
        NetmikoPlatform("cisco_xe", "show running-config", IOS_LIKE_ERRORS),
        NetmikoPlatform("cisco_nxos", "show running-config", IOS_LIKE_ERRORS),
        NetmikoPlatform("arista_eos", "show running-config", IOS_LIKE_ERRORS),
        NetmikoPlatform("juniper_junos", "show configuration", JUNOS_ERRORS, commits=True,
                        has_enable=False, enter_config="configure",
                        leave_config="exit configuration-mode", config_prompt=r"{base}#\s*$",
                        exec_prompt=r"{base}>\s*$", save_command=""),
    )
}
"""Device types the netmiko provider can drive; anything else is refused before connecting."""


def platform_for(device_type: str) -> NetmikoPlatform | None:
    return PLATFORMS.get(device_type)
