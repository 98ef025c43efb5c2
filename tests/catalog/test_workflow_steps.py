"""The bundled workflows' expressions and checks, evaluated as the runner will evaluate them."""

from __future__ import annotations

from typing import Any

import pytest

from nocdeck.catalog import Catalog, build_context, load_catalog
from nocdeck.catalog.devicecheck import check_command, evaluate_check
from nocdeck.catalog.steps import ConditionStepConfig, ValidationStepConfig
from nocdeck.config import load_settings
from nocdeck.errors import RenderError

IOS_STATUS = """
Port      Name               Status       Vlan       Duplex  Speed Type
Gi1/0/1   desk 4.12          connected    120        a-full a-1000 10/100/1000BaseTX
Gi1/0/2                      notconnect   10           auto   auto 10/100/1000BaseTX
"""
EOS_STATUS = """Port       Name                         Status       Vlan     Duplex Speed  Type
Et1                                     connected    120      full   1G     1000BASE-T
Et2        uplink                       connected    trunk    full   1G     1000BASE-T
"""
JUNOS_CONFIG = """unit 0 {
    family ethernet-switching {
        interface-mode access;
        vlan {
            members 120;
        }
    }
}
"""
OUTPUTS = {"cisco_ios": ("Gi1/0/1", IOS_STATUS), "arista_eos": ("Ethernet1", EOS_STATUS),
           "juniper_junos": ("ge-0/0/1", JUNOS_CONFIG)}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(load_settings(env={}))


def _validation(catalog: Catalog) -> tuple[ValidationStepConfig, str]:
    workflow = catalog.workflow("access-port-vlan")
    index = next(i for i, s in enumerate(workflow.steps) if s.step_type == "validation")
    config = workflow.steps[index].typed_config
    assert isinstance(config, ValidationStepConfig)
    return config, catalog.where("workflow", "access-port-vlan", "steps", index, "config")


@pytest.mark.parametrize("platform", sorted(OUTPUTS))
@pytest.mark.parametrize(("vlan", "passes"), [(120, True), (130, False)])
def test_access_port_vlan_validation_reads_the_show_output(catalog, devices, platform, vlan,
                                                            passes) -> None:
    config, where = _validation(catalog)
    port, output = OUTPUTS[platform]
    device = devices[platform]
    context: dict[str, Any] = build_context(device, {"interface": port, "vlan": vlan})
    command = check_command(catalog.cache, config, platform, context, where)
    expected_command = ("show configuration interfaces ge-0/0/1" if platform == "juniper_junos"
                        else "show interfaces status")
    assert command == expected_command
    result = evaluate_check(catalog.cache, config, platform, command, output, context, where)
    assert result.passed is passes
    assert result.rows


def test_conditions_and_input_mappings(catalog) -> None:
    inputs = {"device": "ios-1", "interface": "Gi1/0/1", "vlan": 120, "description": ""}
    assert catalog.test("workflow", "access-port-vlan", "inputs.description | length > 0",
                        {"inputs": inputs}, "steps", 1, "condition") is False
    step = catalog.workflow("access-port-vlan").steps[1]
    mapped = {key: catalog.evaluate("workflow", "access-port-vlan", value,
                                    {"inputs": {**inputs, "vlan": 7}}, "steps", 1,
                                    "input_mapping", key)
              for key, value in step.input_mapping.items()}
    assert mapped == {"interface": "Gi1/0/1", "description": ""}
    shut = catalog.workflow("interface-state").steps[0].typed_config
    assert isinstance(shut, ConditionStepConfig)
    expression = shut.expression
    assert catalog.test("workflow", "interface-state", expression,
                        {"inputs": {"enabled": False, "confirm_shutdown": False}}) is False
    assert catalog.test("workflow", "interface-state", expression,
                        {"inputs": {"enabled": False, "confirm_shutdown": True}}) is True


def test_a_whole_expression_mapping_keeps_its_type(catalog) -> None:
    value = catalog.cache.evaluate_value("{{ inputs.vlan }}", "x.yaml:1", {"inputs": {"vlan": 7}})
    assert value == 7
    text = catalog.cache.evaluate_value("VLAN{{ inputs.vlan }}", "x.yaml:1",
                                        {"inputs": {"vlan": 7}})
    assert text == "VLAN7"
    assert catalog.cache.evaluate_value(42, "x.yaml:1", {}) == 42


def test_a_failing_expression_names_the_catalog_line(catalog) -> None:
    where = catalog.where("workflow", "access-port-vlan", "steps", 1, "condition")
    with pytest.raises(RenderError, match=rf"^{where}: expression .*'inputs' is undefined"):
        catalog.test("workflow", "access-port-vlan", "inputs.description | length > 0", {},
                     "steps", 1, "condition")
