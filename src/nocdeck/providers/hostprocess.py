"""Start the provider host process (`nocdeck.providers.host`) as early as a command allows.

The host needs ~0.5 s to import its drivers. Started by `nocdeck run` before the command's
own modules load (`nocdeck.commands.load_command`), it is ready by the time the plan opens
its first connection, on the other core, instead of making the plan wait. Only the standard
library is imported here, so starting it costs this process ~1 ms.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys

_spare: tuple[subprocess.Popen[bytes], socket.socket] | None = None


def spawn() -> tuple[subprocess.Popen[bytes], socket.socket]:
    """A new host process and this process's end of the socketpair it serves."""
    mine, theirs = socket.socketpair()
    try:
        # start_new_session: the terminal's Ctrl-C reaches nocdeck only, which decides what
        # stops (the engine's CancelToken); the host follows its calls.
        process = subprocess.Popen(
            # -P: not the working directory first on sys.path (`-m` would put it there), so
            # no module of the directory nocdeck runs in is imported beside the credentials.
            [sys.executable, "-P", "-m", "nocdeck.providers.hostmain", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            start_new_session=True)
    except BaseException:
        mine.close()
        raise
    finally:
        theirs.close()
    return process, mine


def cores() -> int:
    """The CPU cores this process may use (all of the machine's where that is not known)."""
    if hasattr(os, "sched_getaffinity"):  # Linux; not macOS
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def wanted(setting: str) -> bool:
    """Whether a `provider_host` setting (auto, on, off) asks for a host on this machine."""
    return setting == "on" or (setting == "auto" and cores() >= 2)


def prestart() -> None:
    """Start a host now for a command that will probably use one (`take` hands it over),
    unless NOCDECK_PROVIDER_HOST says no (the settings file is not read yet: a host it
    turns off is discarded once it is)."""
    global _spare
    if _spare is not None or not wanted(os.environ.get("NOCDECK_PROVIDER_HOST", "auto")):
        return
    try:
        _spare = spawn()
    except OSError:  # `take` tries again, and the command runs without a host if it fails
        return


def take() -> tuple[subprocess.Popen[bytes], socket.socket]:
    """The prestarted host if there is one (and it is alive), else a new one."""
    global _spare
    spare, _spare = _spare, None
    if spare is not None and spare[0].poll() is None:
        return spare
    if spare is not None:
        spare[1].close()
    return spawn()


@atexit.register
def discard() -> None:
    """A host nobody will take (the settings say no, or the command stopped early) sees
    its socket close and exits."""
    global _spare
    spare, _spare = _spare, None
    if spare is not None:
        spare[1].close()
