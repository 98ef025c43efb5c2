"""The parsed copy of a large inventory: used when the text is the same, never trusted over
the file, never holding what did not validate, never a reason to fail."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nocdeck import parsecache
from nocdeck.errors import InventoryError
from nocdeck.inventory import Device, Inventory, dump_inventory, load_inventory
from nocdeck.inventory.local import write_inventory


def big_inventory(devices: int = 120) -> Inventory:
    """Large enough (> parsecache.MIN_BYTES) to be cached."""
    return Inventory(Device(
        name=f"sw{n}", platform="cisco_ios", host="192.0.2.1", port=2000 + n,
        credentials="cred:netops", software_version="15.2(7)E",
        interfaces=[{"name": f"GigabitEthernet1/0/{i}", "mode": "access", "access_vlan": 10,
                     "description": f"desk {n}-{i}"} for i in range(1, 11)])
        for n in range(devices))


def entries() -> list[Path]:
    folder = parsecache.cache_dir()
    assert folder is not None
    return sorted(folder.glob("*.marshal")) if folder.exists() else []


def test_second_load_reads_the_parsed_copy_and_gives_the_same_inventory(tmp_path: Path
                                                                        ) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(dump_inventory(big_inventory()))  # no parsed copy yet
    assert path.stat().st_size > parsecache.MIN_BYTES
    first = load_inventory(path)
    [entry] = entries()
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    second = load_inventory(path)
    assert [d.model_dump() for d in second] == [d.model_dump() for d in first]
    assert second.get("sw7") is not None and second.get("sw7").port == 2007  # type: ignore[union-attr]


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    write_inventory(big_inventory(), path)  # as `lab up --inventory-out` does
    assert not parsecache.missing(parsecache.recall(parsecache.key_of(path.read_text())))
    path.write_text(path.read_text().replace("port: 2007", "port: 3007"))
    assert load_inventory(path).get("sw7").port == 3007  # type: ignore[union-attr]
    assert len(entries()) == 2


def test_an_invalid_inventory_is_not_kept_and_its_error_names_the_line(tmp_path: Path
                                                                      ) -> None:
    path = tmp_path / "inventory.yaml"
    write_inventory(big_inventory(), path)
    before = entries()
    text = path.read_text().replace("port: 2007", "port: 99999")
    path.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "99999" in row)
    for _ in range(2):
        with pytest.raises(InventoryError) as err:
            load_inventory(path)
        assert str(err.value).startswith(f"{path}:{line}: devices.sw7.port:")
    assert entries() == before


def test_cached_data_that_no_longer_validates_still_names_file_and_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copy kept by an older nocdeck is validated again; the line comes from the file."""
    path = tmp_path / "inventory.yaml"
    write_inventory(big_inventory(), path)
    text = path.read_text()
    data = parsecache.recall(parsecache.key_of(text))
    data["devices"]["sw3"]["port"] = 0
    parsecache.keep(parsecache.key_of(text), parsecache.freeze(parsecache.key_of(text), data))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "port: 2003" in row)
    with pytest.raises(InventoryError, match=rf"^{path}:{line}: devices.sw3.port:"):
        load_inventory(path)


def test_a_corrupt_or_foreign_entry_means_parsing_again(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    write_inventory(big_inventory(), path)
    [entry] = entries()
    entry.write_bytes(b"\x00garbage")
    assert len(load_inventory(path)) == 120


def test_cache_off_and_unwritable_cache_are_not_errors(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "inventory.yaml"
    monkeypatch.setenv("NOCDECK_PARSE_CACHE", "off")
    write_inventory(big_inventory(), path)
    assert len(load_inventory(path)) == 120
    monkeypatch.delenv("NOCDECK_PARSE_CACHE")
    assert entries() == []
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert len(load_inventory(path)) == 120


def test_small_files_are_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    write_inventory(big_inventory(2), path)
    assert len(load_inventory(path)) == 2
    assert entries() == []
    assert os.path.getsize(path) < parsecache.MIN_BYTES
