"""Which driver talks to a device: `device.provider` from the inventory, else the configured
default (`settings.provider`).

The registry maps a name to a `Provider` class. A driver is registered by adding its
"module:Class" to `PROVIDERS` below (asyncssh's sits next to netmiko's); every class takes
the same constructor arguments as `Provider.__init__`. A driver's module
is imported when it is first asked for: a run on asyncssh never pays for importing netmiko
and paramiko (0.15 s at every start).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from nocdeck.config import Settings
from nocdeck.credentials import ResolvedCredentials
from nocdeck.credentials.resolver import resolve_credentials
from nocdeck.errors import BadInput
from nocdeck.inventory.models import Device
from nocdeck.providers.base import DialogueSink, Provider, ProviderOptions
from nocdeck.providers.cli_dialect import dialect_for
from nocdeck.redaction import Redactor


class _Drivers(Mapping[str, type[Provider]]):
    """Driver name -> its Provider class, imported on first use."""

    def __init__(self, paths: Mapping[str, str]) -> None:
        self._paths = dict(paths)
        self._loaded: dict[str, type[Provider]] = {}

    def __getitem__(self, name: str) -> type[Provider]:
        if name not in self._loaded:
            module, _, attribute = self._paths[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attribute)
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:  # a known name, without importing it
        return name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


PROVIDERS: Mapping[str, type[Provider]] = _Drivers({
    "netmiko": "nocdeck.providers.netmiko_provider:NetmikoProvider",
    "asyncssh": "nocdeck.providers.asyncssh_provider:AsyncsshProvider",
})
"""Every driver nocdeck can use, by the name the inventory and settings give it."""


def options_from_settings(settings: Settings) -> ProviderOptions:
    """The per-connection knobs in effect (timeouts, known_hosts)."""
    return ProviderOptions(
        connect_timeout=settings.connect_timeout,
        command_timeout=settings.command_timeout,
        known_hosts=settings.known_hosts or None,
    )


def provider_name(device: Device, settings: Settings) -> str:
    """The driver name for a device, or BadInput naming the device and the known drivers."""
    name = device.provider or settings.provider
    if name not in PROVIDERS:
        source = "inventory" if device.provider else settings.sources.get("provider", "settings")
        raise BadInput(
            f"device {device.name}: unknown provider {name!r} (from {source}); "
            f"known: {', '.join(sorted(PROVIDERS))}"
        )
    return name


def provider_for(
    device: Device,
    settings: Settings,
    *,
    on_dialogue: DialogueSink | None = None,
    redactor: Redactor | None = None,
    options: ProviderOptions | None = None,
) -> Provider:
    """A ready-to-connect provider for `device`; nothing is sent to the device yet. While a
    provider host serves this process (`nocdeck.providers.host`), the driver runs there.

    Raises:
        BadInput: unknown provider or platform, or a credential that cannot be resolved
            (CredentialError) - always before any connection is attempted.
    """
    name = provider_name(device, settings)
    credentials = resolve_credentials(device, settings=settings)
    options = options or options_from_settings(settings)
    from nocdeck.providers.host import serving_host

    host = serving_host() if name == "asyncssh" else None  # netmiko's threads stay here
    if host is not None:
        dialect_for(device.platform, device=device.name)  # BadInput now, as in-process
        return host.provider(name, device, credentials, options=options,
                             on_dialogue=on_dialogue, redactor=redactor,
                             workers=settings.concurrency)
    return construct_provider(name, device, credentials, options=options,
                              on_dialogue=on_dialogue, redactor=redactor,
                              workers=settings.concurrency)


def construct_provider(
    name: str,
    device: Device,
    credentials: ResolvedCredentials,
    *,
    options: ProviderOptions,
    on_dialogue: DialogueSink | None,
    redactor: Redactor | None,
    workers: int,
) -> Provider:
    """The driver `name` for `device`, in this process (`workers`: netmiko's threads)."""
    cls = PROVIDERS[name]
    if name == "netmiko":  # blocking netmiko runs in worker threads, as many as the run uses
        from nocdeck.providers.workers import worker_pool

        return cls(device, credentials, options=options,  # type: ignore[call-arg]
                   on_dialogue=on_dialogue, redactor=redactor, executor=worker_pool(workers))
    return cls(device, credentials, options=options, on_dialogue=on_dialogue, redactor=redactor)
