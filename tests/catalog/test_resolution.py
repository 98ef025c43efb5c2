"""Task resolution: the right implementation for each device, or an error naming both."""

from __future__ import annotations

import pytest

from nocdeck.catalog import TaskImplementation, load_catalog
from nocdeck.catalog.resolution import resolve_implementation
from nocdeck.catalog.versions import VersionPatternError, parse_version_pattern
from nocdeck.config import load_settings
from nocdeck.errors import ResolutionError
from nocdeck.inventory import Device


def impl(slug: str, **kw: object) -> TaskImplementation:
    data: dict[str, object] = {"slug": slug, "task": "banner", "name": slug,
                               "manufacturer": "Cisco", "template": "x"}
    data.update(kw)
    return TaskImplementation.model_validate(data)


def ios(version: str, platform: str = "cisco_ios") -> Device:
    return Device(name="core-7", platform=platform, host="127.0.0.1", software_version=version)


def test_bundled_catalog_picks_each_platforms_implementation(devices) -> None:
    catalog = load_catalog(load_settings())
    for platform, device in devices.items():
        chosen = catalog.resolve("set-access-vlan", device)
        assert chosen.platform == platform
        assert chosen.slug == f"set-access-vlan-{platform.replace('_', '-')}"


@pytest.mark.parametrize(("version", "expected"), [
    ("15.2(4)E10", "ios-15"),
    ("16.9.4", "generic"),
    ("17.3.1a", "ios-17"),
])
def test_version_range_and_regex(version: str, expected: str) -> None:
    candidates = [
        impl("generic"),
        impl("ios-15", platform="cisco_ios", software_version_pattern=">=15.0,<16.0",
             priority=10),
        impl("ios-17", platform="cisco_ios", software_version_pattern=r"17\..*", priority=10),
    ]
    assert resolve_implementation("banner", candidates, ios(version)).slug == expected


def test_highest_priority_wins_and_disabled_never_does() -> None:
    candidates = [impl("low", priority=1), impl("high", priority=50, enabled=False),
                  impl("mid", priority=20)]
    assert resolve_implementation("banner", candidates, ios("15.2")).slug == "mid"


def test_equal_priority_prefers_the_more_specific_one() -> None:
    candidates = [impl("any-cisco"), impl("ios-only", platform="cisco_ios")]
    assert resolve_implementation("banner", candidates, ios("15.2")).slug == "ios-only"


def test_platform_must_match_when_set() -> None:
    candidates = [impl("xe", platform="cisco_xe", priority=100), impl("generic")]
    assert resolve_implementation("banner", candidates, ios("15.2")).slug == "generic"


def test_no_match_names_the_device_and_what_was_looked_for() -> None:
    candidates = [impl("ios-15", platform="cisco_ios", software_version_pattern=">=15.0,<16.0"),
                  impl("off", enabled=False)]
    with pytest.raises(ResolutionError) as caught:
        resolve_implementation("banner", candidates, ios("12.2(55)SE"))
    assert str(caught.value) == (
        "device core-7: no enabled implementation of task 'banner' matches manufacturer "
        "'Cisco', platform 'cisco_ios', software version '12.2(55)SE'; available: "
        "ios-15 (Cisco/cisco_ios >=15.0,<16.0), off (Cisco/any, disabled)")
    assert caught.value.exit_code == 2


def test_no_implementation_for_a_manufacturer(write, tmp_path) -> None:
    catalog = load_catalog(load_settings())
    nokia = Device(name="pe-1", platform="nokia_sros", host="127.0.0.1", manufacturer="Nokia",
                   software_version="22.10.R1")
    with pytest.raises(ResolutionError, match=r"^device pe-1: no enabled implementation of "
                       r"task 'set-login-banner' matches manufacturer 'Nokia', platform "
                       r"'nokia_sros'"):
        catalog.resolve("set-login-banner", nokia)


@pytest.mark.parametrize(("pattern", "version", "fits"), [
    (">=15.0,<16.0", "15.0", True),
    (">=15.0,<16.0", "15.9(3)M", True),
    (">=15.0,<16.0", "16.0", False),
    ("<4.30", "4.28.3M", True),
    ("==21.4", "21.4R3-S2", False),
    (">=21.4", "21.4R3-S2", True),
    ("!=17.3.1", "17.3.2", True),
    (r"4\.2[0-9]\..*", "4.28.3M", True),
    (r"4\.2[0-9]\..*", "4.31.0F", False),
    ("", "", True),
    (">=1.0", "", False),
])
def test_version_patterns(pattern: str, version: str, fits: bool) -> None:
    assert parse_version_pattern(pattern).matches(version) is fits


@pytest.mark.parametrize("pattern", ["15.(2", ">=15.0,<<16", ">=", ">=15.0,"])
def test_invalid_version_patterns(pattern: str) -> None:
    with pytest.raises(VersionPatternError):
        parse_version_pattern(pattern)
