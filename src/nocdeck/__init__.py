"""nocdeck: a terminal cockpit for NOC engineers."""

from __future__ import annotations

import warnings

__version__ = "0.1.0"

# cryptography (51 here) warns when anything touches its DSA classes, and asyncssh's import does
# (it still supports ssh-dss keys, which nocdeck never offers). The warning is about
# asyncssh, not about anything a user did: it must not land on a NOC engineer's terminal
# above every command's output.
warnings.filterwarnings("ignore", message=r"DSA is deprecated", module=r"asyncssh(\.|$)")
