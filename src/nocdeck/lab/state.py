"""`--state-dir`: what a lab device keeps between runs (its NVRAM and its host key).

Per device, a folder with `running-config`, `startup-config` (IOS/EOS, as the device prints
them, so a user can read them) or `state.pickle` (other platforms' own models), and the SSH
host key, so clients that verified it once keep trusting it.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from pathlib import Path
from typing import Any

import asyncssh

from nocdeck.errors import LabError
from nocdeck.lab.platform import LabDevice

log = logging.getLogger(__name__)

TEXT_PLATFORMS = ("cisco_ios", "arista_eos")
HOST_KEY = "ssh_host_ed25519_key"


class StateDir:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser()

    def check(self) -> None:
        """Fail before anything starts when the folder cannot be read and written."""
        root = self.root
        if root.exists() and not root.is_dir():
            raise LabError(f"--state-dir {root}: is not a directory")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LabError(f"--state-dir {root}: cannot create it ({exc.strerror})") from None
        if not os.access(root, os.R_OK | os.W_OK | os.X_OK):
            raise LabError(f"--state-dir {root}: not readable and writable by this user")
        probe = root / ".nocdeck-probe"
        try:
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
            for child in root.iterdir():
                if child.is_dir():
                    list(child.iterdir())
        except OSError as exc:
            raise LabError(f"--state-dir {root}: cannot be used ({exc.strerror})") from None

    def _folder(self, name: str) -> Path:
        return self.root / name

    def load_device(self, name: str, platform: str) -> LabDevice | None:
        folder = self._folder(name)
        meta_file = folder / "device.json"
        if not meta_file.is_file():
            return None
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            if meta.get("platform") != platform:
                log.info("lab %s: state is for %s, starting fresh as %s", name,
                         meta.get("platform"), platform)
                return None
            if platform in TEXT_PLATFORMS:
                from nocdeck.lab.ciscoconf import parse_config
                from nocdeck.lab.flavor import load_flavor

                layout = load_flavor(platform).layout
                running = parse_config((folder / "running-config").read_text("utf-8"), layout)
                startup = parse_config((folder / "startup-config").read_text("utf-8"), layout)
            else:
                with (folder / "state.pickle").open("rb") as handle:
                    running, startup = pickle.load(handle)
        except (OSError, ValueError, pickle.UnpicklingError, EOFError) as exc:
            raise LabError(f"--state-dir {folder}: cannot read the saved state of {name} "
                           f"({exc})") from None
        facts = dict(meta.get("facts", {}))
        return LabDevice(name=name, platform=platform, running=running, startup=startup,
                         facts=facts)

    def save_device(self, device: LabDevice) -> None:
        folder = self._folder(device.name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if device.platform in TEXT_PLATFORMS:
                (folder / "running-config").write_text(device.running.render(), "utf-8")
                (folder / "startup-config").write_text(device.startup.render(), "utf-8")
            else:
                with (folder / "state.pickle").open("wb") as handle:
                    pickle.dump((device.running, device.startup), handle)
            meta = {"platform": device.platform, "facts": device.facts}
            (folder / "device.json").write_text(json.dumps(meta, indent=2), "utf-8")
        except (OSError, pickle.PicklingError, TypeError) as exc:
            log.error("lab %s: cannot save its state in %s: %s", device.name, folder, exc)

    def host_key(self, name: str) -> Any:
        """The device's saved host key, created on first use."""
        path = self._folder(name) / HOST_KEY
        if path.is_file():
            try:
                return asyncssh.read_private_key(str(path))
            except (OSError, asyncssh.KeyImportError) as exc:
                raise LabError(f"--state-dir {path}: unreadable host key ({exc})") from None
        key = asyncssh.generate_private_key("ssh-ed25519")
        self.save_host_key(name, key)
        return key

    def save_host_key(self, name: str, key: Any) -> None:
        path = self._folder(name) / HOST_KEY
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            key.write_private_key(str(path))
            path.chmod(0o600)
        except OSError as exc:
            raise LabError(f"--state-dir {path}: cannot write the host key "
                           f"({exc.strerror})") from None
