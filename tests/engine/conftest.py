"""The engine tests' shared fixtures: the bundled catalog and a three-device lab over SSH."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nocdeck.catalog import Catalog, load_catalog
from nocdeck.config import Settings
from nocdeck.lab import Lab, LabSpec, run_lab


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    """r1 (IOS), r2 (EOS), r3 (Junos); a module may override it with another size."""
    async with run_lab(LabSpec(devices=3)) as running:
        yield running


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(Settings())
