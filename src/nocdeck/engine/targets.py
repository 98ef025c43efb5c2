"""Which devices a workflow run targets, and its inputs normalised per device.

A workflow with a device-type input takes its targets from that input (`--input device=r1`);
only a workflow without one takes `--device NAME|GLOB` / `--filter k=v`. Interface inputs are
accepted in short form (`Gi1/0/1`) and normalised to the device's own name for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nocdeck.catalog import Workflow, normalise_interface, same_interface
from nocdeck.errors import BadInput
from nocdeck.inventory.models import Device, Inventory


def parse_filters(filters: Sequence[str]) -> dict[str, str]:
    """`["role=access", "site=hq"]` -> `{"role": "access", "site": "hq"}`."""
    out: dict[str, str] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"--filter {item!r}: expected KEY=VALUE (e.g. role=access)")
        out[key.strip()] = value.strip()
    return out


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise BadInput(f"device input: expected a device name or a list of names, got {value!r}")


def check_target_options(workflow: Workflow, *, devices: Sequence[str],
                         filters: Sequence[str]) -> None:
    """BadInput when `--device`/`--filter` is given to a workflow with a device input."""
    if workflow.device_inputs and (devices or filters):
        name = workflow.device_inputs[0]
        raise BadInput(f"workflow {workflow.slug} takes its devices from its input {name!r}: "
                       f"use --input {name}=NAME, not --device/--filter")


def select_targets(
    workflow: Workflow,
    inputs: Mapping[str, Any],
    inventory: Inventory,
    *,
    devices: Sequence[str] = (),
    filters: Sequence[str] = (),
) -> list[Device]:
    """The target devices, in inventory order; BadInput names what matched nothing. The
    options were checked first (`check_target_options`, before the inputs' schema)."""
    device_inputs = workflow.device_inputs
    if device_inputs:
        wanted: list[str] = []
        for name in device_inputs:
            if name in inputs and inputs[name] not in (None, ""):
                wanted += _names(inputs[name])
        selected: dict[str, Device] = {}
        for name in wanted:
            device = inventory.get(name)
            if device is None:
                raise BadInput(f"input device: unknown device {name!r} "
                               f"(not in inventory {inventory.source or ''})".rstrip())
            selected[name] = device
        if not selected:
            raise BadInput(f"workflow {workflow.slug}: no device given "
                           f"(--input {device_inputs[0]}=NAME)")
        return list(selected.values())

    if not devices and not filters:
        raise BadInput(f"workflow {workflow.slug} has no device input: "
                       "choose targets with --device NAME|GLOB or --filter KEY=VALUE")
    chosen: dict[str, Device] = {}
    for pattern in devices:
        matched = inventory.select(pattern)
        if not matched:
            raise BadInput(f"--device {pattern!r} matches no device in the inventory")
        chosen.update((d.name, d) for d in matched)
    criteria = parse_filters(filters)
    pool = list(chosen.values()) if devices else list(inventory)
    if criteria:
        keep = {d.name for d in inventory.filter(**criteria)}
        pool = [d for d in pool if d.name in keep]
        if not pool:
            shown = " ".join(f"--filter {f}" for f in filters)
            raise BadInput(f"{shown}: no device matches")
    order = {name: index for index, name in enumerate(inventory.names)}
    return sorted(pool, key=lambda d: order[d.name])


def inputs_for_device(workflow: Workflow, inputs: Mapping[str, Any], device: Device
                      ) -> dict[str, Any]:
    """The inputs as this device sees them: interface names in the device's long form.

    When the inventory lists the device's interfaces, an interface it does not have is
    BadInput naming the device, before anything is rendered.
    """
    out = dict(inputs)
    for item in workflow.inputs:
        if item.object_type != "interface" or not isinstance(out.get(item.name), str):
            continue
        value = normalise_interface(out[item.name], device.platform)
        if device.interfaces:
            known = [i.name for i in device.interfaces]
            match = next((k for k in known if same_interface(k, value, device.platform)), None)
            if match is None:
                raise BadInput(f"input {item.name}: device {device.name} has no interface "
                               f"{out[item.name]!r}")
            value = match
        out[item.name] = value
    return out
