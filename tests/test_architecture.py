"""The core never imports Textual (DESIGN.md section 2), checked in a clean interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import nocdeck

CORE_PACKAGES = ["catalog", "engine", "inventory", "providers", "store", "recordings", "lab",
                 "credentials"]


def _core_modules() -> list[str]:
    modules = []
    for package in CORE_PACKAGES:
        name = f"nocdeck.{package}"
        modules.append(name)
        module = __import__(name, fromlist=["__path__"])
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{name}."):
            modules.append(info.name)
    return modules


@pytest.mark.parametrize("module", _core_modules())
def test_core_module_does_not_import_textual(module: str) -> None:
    code = (f"import sys, importlib; importlib.import_module({module!r}); "
            "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, f"{module} imports Textual: {result.stdout}{result.stderr}"


def test_nothing_outside_app_imports_screens() -> None:
    root = nocdeck.__path__[0]
    offenders = []
    import pathlib

    for path in pathlib.Path(root).rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("screens/") or rel == "app.py":
            continue
        text = path.read_text()
        if "nocdeck.screens" in text or "from nocdeck import screens" in text:
            offenders.append(rel)
    assert offenders == []


RUN_PATH = ["nocdeck.cli", "nocdeck.commands.run", "nocdeck.commands.plan", "nocdeck.engine.run",
            "nocdeck.engine.devicerun", "nocdeck.engine.schedule", "nocdeck.engine.recovery",
            "nocdeck.workspace", "nocdeck.providers.registry", "nocdeck.credentials.resolver"]
NOT_ON_RUN_PATH = ["netmiko", "paramiko", "alembic", "httpx", "keyring", "textual", "asyncpg",
                   "sqlalchemy.dialects.postgresql"]
"""What `nocdeck run` on asyncssh, a SQLite store and lab or key credentials does not need:
each is imported when its feature is used (a netmiko device, a migration, Nautobot, a
vault, a PostgreSQL store), so a run does not pay for it at every start (together ~0.35 s)."""


def test_the_run_path_imports_only_what_a_run_uses() -> None:
    code = ("import sys, importlib\n"
            f"for name in {RUN_PATH!r}: importlib.import_module(name)\n"
            f"bad = sorted(m for m in sys.modules for p in {NOT_ON_RUN_PATH!r}\n"
            "          if m == p or m.startswith(p + '.'))\n"
            "print(' '.join(bad))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.split() == []
