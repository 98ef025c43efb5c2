"""Sub-commands load on first use, with the garbage collector off while they load and put
back as it was, also when a command's module fails to import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nocdeck import commands


def test_a_command_loads_in_a_fresh_process_and_the_collector_is_back_on() -> None:
    code = ("import gc, sys\n"
            "from nocdeck.commands import load_command\n"
            "assert 'nocdeck.commands.run' not in sys.modules\n"
            "frozen = gc.get_freeze_count()\n"
            "command = load_command('run')\n"
            "print(command.name, gc.isenabled(), gc.get_freeze_count() > frozen)\n"
            "print(load_command('no-such-command'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.split() == ["run", "True", "True", "None"]


def test_a_module_that_fails_to_import_leaves_the_collector_as_it_was(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(commands.COMMANDS, "broken", ("no_such_module", "command"))
    with pytest.raises(ModuleNotFoundError):
        commands.load_command("broken")
    import gc

    assert gc.isenabled()
