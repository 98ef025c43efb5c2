"""The built-in lab: simulated IOS, EOS and Junos devices over real SSH on 127.0.0.1."""

from __future__ import annotations

from nocdeck.lab.faults import DeviceFaults
from nocdeck.lab.server import Lab, LabDeviceInfo, LabSpec, run_lab
from nocdeck.lab.thread import LabThread

__all__ = ["DeviceFaults", "Lab", "LabDeviceInfo", "LabSpec", "LabThread", "run_lab"]
