"""What only the netmiko provider does: netmiko's own platform guess, ntc-templates parsing of
the lab's show output, and refusing what it cannot drive before any connection."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from netmiko import ssh_autodetect
from ntc_templates.parse import parse_output
from tests.providers.conftest import PLATFORMS, LabHandle

from nocdeck.config import Settings
from nocdeck.credentials import LAB_PASSWORD, LAB_USERNAME
from nocdeck.errors import BadInput, CredentialError
from nocdeck.inventory.models import Device
from nocdeck.providers.netmiko_provider import NetmikoProvider
from nocdeck.providers.registry import PROVIDERS, provider_for

pytestmark = pytest.mark.timeout(90)


CONFUSABLE = ("cisco_ios", "cisco_xe", "cisco_xr", "cisco_nxos", "arista_eos", "juniper_junos",
              "cisco_asa", "hp_comware", "huawei", "dell_force10")
"""The device types whose probe is `show version`: netmiko must tell the lab's three apart
from their look-alikes. (Its full probe list spends ~7 s per distinct command, ~2 min on IOS,
whose match has priority 95 and so never ends the search early.)"""


def test_netmiko_ssh_detect_guesses_each_lab_platform(lab: LabHandle,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    mapper = [(name, spec) for name, spec in ssh_autodetect.SSH_MAPPER_BASE
              if name in CONFUSABLE and spec.get("cmd") == "show version"]
    assert {name for name, _ in mapper} >= set(PLATFORMS)
    monkeypatch.setattr(ssh_autodetect, "SSH_MAPPER_BASE", mapper)

    def guess(platform: str) -> str | None:
        device = lab.device(platform)
        detect = ssh_autodetect.SSHDetect(
            device_type="autodetect", host=device.host, port=device.port,
            username=LAB_USERNAME, password=LAB_PASSWORD, conn_timeout=5)
        result: str | None = detect.autodetect()
        return result

    with ThreadPoolExecutor(max_workers=3) as pool:
        guesses = dict(zip(PLATFORMS, pool.map(guess, PLATFORMS), strict=True))
    assert guesses == {p: p for p in PLATFORMS}


PARSED = {
    "cisco_ios": ["show version", "show ip interface brief", "show interfaces status",
                  "show vlan brief"],
    "arista_eos": ["show version", "show ip interface brief", "show interfaces status",
                   "show vlan brief"],
    "juniper_junos": ["show version"],
}


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_ntc_templates_parse_show_output_through_run_commands(lab: LabHandle,
                                                                    platform: str) -> None:
    device = lab.device(platform)
    provider = provider_for(device, Settings(provider="netmiko"))
    async with provider:
        outputs = await provider.run_commands(PARSED[platform])
    for command, output in outputs.items():
        rows = parse_output(platform=platform, command=command, data=output)
        assert rows, f"{platform} {command!r} parsed to nothing:\n{output[:400]}"
    if platform != "juniper_junos":
        interfaces = parse_output(platform=platform, command="show ip interface brief",
                                  data=outputs["show ip interface brief"])
        names = {row["interface"] for row in interfaces}
        assert any(i.name in names for i in device.interfaces)


def _device(**fields: object) -> Device:
    base: dict[str, object] = {"name": "edge-7", "platform": "cisco_ios", "host": "127.0.0.1",
                               "port": 1, "credentials": "lab"}
    base.update(fields)
    return Device.model_validate(base)


def test_an_unknown_platform_is_refused_before_connecting() -> None:
    with pytest.raises(BadInput, match=r"edge-7.*'nokia_sros'.*not one the netmiko"):
        provider_for(_device(platform="nokia_sros"), Settings(provider="netmiko"))


def test_a_missing_credential_is_refused_before_connecting() -> None:
    with pytest.raises(CredentialError, match="edge-7"):
        provider_for(_device(credentials="cred:nope"), Settings(provider="netmiko"))


def test_an_unknown_provider_names_the_device_and_the_known_ones() -> None:
    with pytest.raises(BadInput, match=r"edge-7.*'telnetlib'.*netmiko"):
        provider_for(_device(provider="telnetlib"), Settings())


def test_the_inventory_choice_of_provider_wins_over_the_setting() -> None:
    provider = provider_for(_device(provider="netmiko"), Settings(provider="asyncssh"))
    assert isinstance(provider, NetmikoProvider)
    assert set(PROVIDERS) >= {"netmiko"}


async def test_close_without_connect_and_twice_is_harmless() -> None:
    provider = provider_for(_device(), Settings(provider="netmiko"))
    await provider.close()
    await provider.close()


async def test_many_devices_share_one_pool_sized_by_concurrency(lab: LabHandle) -> None:
    settings = Settings(provider="netmiko", concurrency=3)
    devices = [lab.device(p) for p in PLATFORMS]
    providers = [provider_for(d, settings) for d in devices]

    async def one(provider: NetmikoProvider) -> str:
        async with provider:
            return await provider.get_running_config()

    configs = await asyncio.gather(*(one(p) for p in providers))  # type: ignore[arg-type]
    assert all(configs)
