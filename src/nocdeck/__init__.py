"""nocdeck: a terminal cockpit for NOC engineers."""

from __future__ import annotations

import os
import warnings

__version__ = "0.1.0"

# cryptography (51 here) warns when anything touches its DSA classes, and asyncssh's import does
# (it still supports ssh-dss keys, which nocdeck never offers). The warning is about
# asyncssh, not about anything a user did: it must not land on a NOC engineer's terminal
# above every command's output.
warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"asyncssh(\.|$)")

# pydantic looks for plugins (the `pydantic` entry-point group) when it builds its first
# validator: it reads the metadata of every installed distribution, 10-20 ms at each start of
# nocdeck, of its provider host and of the lab. nocdeck's models are its own input checks; a
# third-party hook has no part in them. A user who sets the variable keeps their setting.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
