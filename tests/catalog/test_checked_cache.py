"""A catalog that passed its checks is not checked again while its files stay the same: an
edited file (YAML or template) is checked again, a broken one still fails with file:line, and
nothing but a marker is kept."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from nocdeck import parsecache
from nocdeck.catalog import catalog as catalog_module
from nocdeck.catalog import load_catalog
from nocdeck.catalog.catalog import CHECKED
from nocdeck.config import load_settings
from nocdeck.errors import CatalogError
from tests.catalog.conftest import lab_devices

IMPLEMENTATION = """
    kind: implementation
    slug: banner-ios-v2
    task: set-login-banner
    name: Banner v2
    manufacturer: Cisco
    platform: cisco_ios
    priority: 5
    template_file: templates/banner.j2
    """


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the checks across definitions ran."""
    calls: list[int] = []
    real = catalog_module.check_catalog

    def counting(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(catalog_module, "check_catalog", counting)
    return calls


def site_catalog(write: Callable[[str, str], Path]) -> Path:
    template = write("templates/banner.j2", "banner motd ^C\n{{ intended.banner }}\n^C\n")
    write("impl.yaml", IMPLEMENTATION)
    return template


def entries() -> list[Path]:
    folder = parsecache.cache_dir()
    assert folder is not None
    return sorted(folder.glob("*.marshal")) if folder.exists() else []


def test_the_same_catalog_is_checked_once(write, tmp_path: Path, checks: list[int]) -> None:
    site_catalog(write)
    settings = load_settings(flags={"catalog": [str(tmp_path / "catalog")]})
    first = load_catalog(settings)
    second = load_catalog(settings)
    assert len(checks) == 1
    assert second.revision == first.revision
    assert second.implementations.keys() == first.implementations.keys()
    [entry] = entries()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert parsecache.recall(entry.stem) == CHECKED  # a marker: no definition is kept
    # its templates compile when first used, with the same result
    device = next(d for d in lab_devices() if d.platform == "cisco_ios")
    impl = second.implementations["banner-ios-v2"]
    assert second.cache.compilations == 0
    assert second.render(impl, device, {"banner": "hi"}).text == \
        first.render(first.implementations["banner-ios-v2"], device, {"banner": "hi"}).text
    assert second.cache.compilations == 1


def test_an_edited_template_file_is_checked_again_and_named_by_its_line(
        write, tmp_path: Path, checks: list[int]) -> None:
    template = site_catalog(write)
    settings = load_settings(flags={"catalog": [str(tmp_path / "catalog")]})
    load_catalog(settings)
    template.write_text("banner motd ^C\n{{ intended.banner }\n^C\n")
    for _ in range(2):
        with pytest.raises(CatalogError) as err:
            load_catalog(settings)
        assert err.value.problems == [f"{template}:2: template syntax error: unexpected '}}'"]
    assert len(checks) == 3
    assert len(entries()) == 1  # a broken catalog is never marked


def test_an_edited_yaml_file_is_checked_again(write, tmp_path: Path, checks: list[int]) -> None:
    site_catalog(write)
    settings = load_settings(flags={"catalog": [str(tmp_path / "catalog")]})
    load_catalog(settings)
    path = write("impl.yaml", IMPLEMENTATION.replace("task: set-login-banner", "task: nope"))
    with pytest.raises(CatalogError) as err:
        load_catalog(settings)
    assert err.value.problems == [f"{path}:3: task: implementation 'banner-ios-v2' is for "
                                 "unknown task 'nope'"]
    assert len(checks) == 2


def test_another_layer_order_or_place_is_another_catalog(write, tmp_path: Path,
                                                         checks: list[int]) -> None:
    site_catalog(write)
    load_catalog(load_settings(flags={"catalog": [str(tmp_path / "catalog")]}))
    load_catalog(load_settings())
    assert len(checks) == 2


def test_cache_off_checks_every_time(write, tmp_path: Path, checks: list[int],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOCDECK_PARSE_CACHE", "off")
    site_catalog(write)
    settings = load_settings(flags={"catalog": [str(tmp_path / "catalog")]})
    load_catalog(settings)
    load_catalog(settings)
    assert len(checks) == 2


def test_validate_always_checks(write, tmp_path: Path, checks: list[int], cli) -> None:
    site_catalog(write)
    for _ in range(2):
        assert cli("--catalog", str(tmp_path / "catalog"), "catalog", "validate").exit_code == 0
    assert len(checks) == 2
