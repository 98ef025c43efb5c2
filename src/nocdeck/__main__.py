"""Allow `python -m nocdeck`."""

from __future__ import annotations

from nocdeck.cli import main

if __name__ == "__main__":
    main()
