"""nocdeck: a terminal cockpit for NOC engineers."""

from __future__ import annotations

__version__ = "0.1.0"
