"""Sources of devices: the local YAML file, the lab, and (later) Nautobot."""

from __future__ import annotations

from nocdeck.inventory.local import dump_inventory, load_inventory
from nocdeck.inventory.models import Device, Interface, Inventory, IPAddress, Vlan

__all__ = ["Device", "IPAddress", "Interface", "Inventory", "Vlan", "dump_inventory",
           "load_inventory"]
