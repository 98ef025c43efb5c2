"""Devices: the inventory with a filter, each device's last backup and executions.

Only the first rows that match are put in the table (the built-in DataTable is slow with
tens of thousands of rows); the filter narrows thousands of devices as you type. `b` takes
a backup of the highlighted device through the engine; `s` opens a recorded SSH session on
it (the app hands the terminal over) and the side pane lists its recorded sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from nocdeck.screens.sessions import SessionRecorded

if TYPE_CHECKING:
    from nocdeck.inventory.models import Device
    from nocdeck.screens.backend import Backend

SHOWN = 200


def device_matches(device: Device, query: str) -> bool:
    words = query.lower().split()
    haystack = " ".join([device.name, device.platform, device.site, device.role,
                         device.host, *device.tags]).lower()
    return all(word in haystack for word in words)


class DevicesScreen(Screen[None]):
    CSS_PATH = "devices.tcss"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="devices.filter"),
        Binding("b", "backup", "Back up", id="devices.backup"),
        Binding("s", "ssh", "SSH", id="devices.ssh"),
        Binding("r", "reload", "Refresh", id="devices.refresh"),
    ]

    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.devices: list[Device] = []
        self.shown: list[Device] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ filter by name, platform, site, role, tag", id="devices-filter")
        with Horizontal():
            yield DataTable(id="devices-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="devices-detail", markup=False)
        yield Static("", id="devices-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "devices"
        table = self.query_one(DataTable)
        table.add_columns("device", "platform", "site", "role", "last backup")
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.load()

    @work(exclusive=True, group="devices", exit_on_error=False)
    async def load(self) -> None:
        status = self.query_one("#devices-status", Static)
        try:
            workspace = await self.backend.workspace()
        except Exception as exc:
            status.update(f"cannot open the workspace: {exc}")
            return
        self.devices = list(workspace.need_inventory())
        await self.refill(self.query_one("#devices-filter", Input).value)

    async def refill(self, query: str) -> None:
        matches = [d for d in self.devices if device_matches(d, query)]
        self.shown = matches[:SHOWN]
        names = [d.name for d in self.shown]
        status = self.query_one("#devices-status", Static)
        try:
            backups = await self.backend.call(lambda ws: ws.store.latest_backups(names))
        except Exception as exc:
            backups = {}
            self.notify(f"cannot read backups: {exc}", severity="error")
        table = self.query_one(DataTable)
        table.clear()
        for device in self.shown:
            backup = backups.get(device.name)
            when = backup.taken_at.strftime("%Y-%m-%d %H:%M") if backup else "never"
            table.add_row(device.name, device.platform, device.site or "-",
                          device.role or "-", when, key=device.name)
        more = f" (first {SHOWN}; filter to narrow)" if len(matches) > SHOWN else ""
        status.update(f"{len(matches)} of {len(self.devices)} devices{more}")

    @on(Input.Changed, "#devices-filter")
    async def filter_changed(self, event: Input.Changed) -> None:
        await self.refill(event.value)

    @on(Input.Submitted, "#devices-filter")
    def filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#devices-filter", Input).focus()

    def current(self) -> Device | None:
        table = self.query_one(DataTable)
        if 0 <= table.cursor_row < len(self.shown):
            return self.shown[table.cursor_row]
        return None

    @on(DataTable.RowHighlighted, "#devices-table")
    def highlighted(self) -> None:
        device = self.current()
        if device is not None:
            self.show_detail(device.name)

    @work(exclusive=True, group="device-detail", exit_on_error=False)
    async def show_detail(self, name: str) -> None:
        detail = self.query_one("#devices-detail", Static)
        try:
            runs = await self.backend.call(
                lambda ws: ws.store.list_executions(device=name, limit=10))
            backups = await self.backend.call(lambda ws: ws.store.list_backups(name, limit=5))
            sessions = await self.backend.call(
                lambda ws: ws.store.list_sessions(device=name, limit=5))
        except Exception as exc:
            detail.update(f"cannot read the store: {exc}")
            return
        lines = [name, "", "Executions:"]
        lines += [f"  {r.created_at:%m-%d %H:%M} {r.kind} {r.workflow} {r.status}"
                  for r in runs] or ["  none"]
        lines += ["", "Backups:"]
        lines += [f"  #{b.id} {b.taken_at:%m-%d %H:%M} {b.method}" for b in backups] or \
            ["  none"]
        lines += ["", "Sessions (s opens one):"]
        lines += [f"  {s.id} {s.started_at:%m-%d %H:%M} "
                  f"{'exit ' + str(s.exit_status) if s.complete else s.status}"
                  for s in sessions] or ["  none"]
        detail.update("\n".join(lines))

    async def action_ssh(self) -> None:
        device = self.current()
        if device is not None:
            await self.app.run_action(f"ssh({device.name!r})")

    def on_session_recorded(self, event: SessionRecorded) -> None:
        device = self.current()
        if device is not None and device.name == event.device:
            self.show_detail(device.name)

    def action_backup(self) -> None:
        device = self.current()
        if device is not None:
            self.backup(device)

    @work(group="backup", exit_on_error=False)
    async def backup(self, device: Device) -> None:
        from nocdeck.engine.backup import backup_devices

        self.notify(f"backing up {device.name}…")
        try:
            (outcome,) = await self.backend.call(
                lambda ws: backup_devices([device], settings=ws.settings, store=ws.store))
        except Exception as exc:
            self.notify(f"{device.name}: backup failed: {exc}", severity="error")
            return
        if outcome.error:
            self.notify(f"{device.name}: backup failed: {outcome.error}", severity="error")
            return
        self.notify(f"{device.name}: backup #{outcome.backup.id if outcome.backup else '?'} "
                    "stored")
        await self.refill(self.query_one("#devices-filter", Input).value)
        self.show_detail(device.name)
