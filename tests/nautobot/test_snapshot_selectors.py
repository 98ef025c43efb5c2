"""The jump host loses its link to Nautobot: nocdeck keeps working read-only from the last
good load and says how old it is. And the form's selectors filter as the user types."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from nocdeck.config import Settings, load_settings
from nocdeck.errors import InputError
from nocdeck.inventory.nautobot import NautobotError, load_nautobot_inventory
from nocdeck.inventory.nautobot.selectors import interfaces_of, search_devices, vlans_of
from nocdeck.inventory.nautobot.snapshot import snapshot_path
from tests.nautobot.conftest import RunningNautobot
from tests.nautobot.proxy import Relay


def _settings(vault: dict[str, str], url: str) -> Settings:
    return load_settings(env={}, flags={"inventory": "nautobot", **vault, "nautobot_url": url,
                                        "nautobot_timeout": 5.0})


def test_offline_the_snapshot_serves_read_only_with_its_age(
        nautobot: RunningNautobot, token_vault: dict[str, str]) -> None:
    relay = Relay(urlparse(nautobot.url).port or 80)
    settings = _settings(token_vault, relay.url)
    online = load_nautobot_inventory(settings)
    assert not online.offline and not online.read_only
    snapshot = snapshot_path(Path(token_vault["nautobot_snapshot_dir"]), relay.url)
    assert stat.S_IMODE(os.stat(snapshot).st_mode) == 0o600
    assert nautobot.token not in snapshot.read_text(encoding="utf-8")

    relay.cut()
    data = json.loads(snapshot.read_text(encoding="utf-8"))
    data["loaded_at"] = time.time() - 3 * 3600 - 120
    snapshot.write_text(json.dumps(data), encoding="utf-8")
    offline = load_nautobot_inventory(settings)
    assert offline.offline and offline.read_only
    assert offline.names == online.names
    assert offline.unmanageable == online.unmanageable
    assert offline.get("sw-hq-1") == online.get("sw-hq-1")
    line = offline.status_line()
    assert f"Nautobot {relay.url} unreachable: read-only snapshot from 3 h 2 min ago" in line
    # Selectors keep answering from the snapshot.
    assert [o.value for o in search_devices(offline, "sw-hq", {"site": "hq"})
            if o.manageable] == ["sw-hq-1", "sw-hq-2"]


def test_a_damaged_snapshot_is_named(nautobot: RunningNautobot,
                                     token_vault: dict[str, str]) -> None:
    relay = Relay(urlparse(nautobot.url).port or 80)
    settings = _settings(token_vault, relay.url)
    load_nautobot_inventory(settings)
    relay.cut()
    snapshot = snapshot_path(Path(token_vault["nautobot_snapshot_dir"]), relay.url)
    snapshot.write_text("{not json", encoding="utf-8")
    with pytest.raises(NautobotError) as caught:
        load_nautobot_inventory(settings)
    assert str(snapshot) in str(caught.value) and "cannot be read" in str(caught.value)


def test_selectors_filter_as_you_type(nautobot: RunningNautobot,
                                      token_vault: dict[str, str]) -> None:
    inventory = load_nautobot_inventory(_settings(token_vault, nautobot.url))
    by_text = search_devices(inventory, "sw-hq")
    assert [o.value for o in by_text] == ["sw-hq-1", "sw-hq-2"]
    assert "cisco_ios" in by_text[0].detail and "hq" in by_text[0].detail
    assert [o.value for o in search_devices(inventory, "", {"site": "hq", "tag": "floor1"})
            ] == ["sw-hq-1"]
    assert [o.value for o in search_devices(inventory, "", {"platform": "arista_eos", "site": "hq"})
            ] == ["sw-hq-2"]
    assert [o.value for o in search_devices(inventory, "", {"role": "core"})] == ["rt-dc-1"]
    assert search_devices(inventory, "sw", limit=1)[0].value == "sw-hq-1"
    blocked = search_devices(inventory, "no-ip")
    assert [(o.value, o.manageable) for o in blocked] == [("no-ip-1", False)]
    assert "has no primary IP" in blocked[0].detail
    with pytest.raises(InputError, match="'colour' is not a device filter"):
        search_devices(inventory, "", {"colour": "blue"})

    ports = interfaces_of(inventory, "sw-hq-1", "1/0/1")
    assert [(o.value, o.detail) for o in ports] == [
        ("GigabitEthernet1/0/1", "access · VLAN 10 · desk 12")]
    assert len(interfaces_of(inventory, "sw-hq-1")) == 4
    assert [o.value for o in vlans_of(inventory, "sw-hq-1", {"id__gte": 20})] == ["20"]
