"""Fixtures for the lab's own tests: real SSH to the lab on 127.0.0.1, never a mock."""

from __future__ import annotations

from tests.fixtures.isolation import isolated_home  # noqa: F401 - autouse fixture
from tests.fixtures.lab import lab, lab_factory  # noqa: F401 - fixtures
