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


@pytest.mark.parametrize("users", [None, "0"], ids=["unset", "user-set-0"])
def test_pydantic_plugins_are_not_searched_unless_the_user_asks(users: str | None) -> None:
    """pydantic reads every installed distribution's metadata for plugins at each start;
    nocdeck turns that off, and a user's own setting of the variable is kept."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if users is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = users
    code = ("import os, nocdeck.inventory.models\n"
            "from pydantic.plugin import _loader\n"
            "print(os.environ['PYDANTIC_DISABLE_PLUGINS'], _loader._plugins is None)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True, env=env)
    searched = users is not None  # the user's "0" keeps pydantic's search on
    assert result.stdout.split() == [users or "__all__", str(not searched)]
