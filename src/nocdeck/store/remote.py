"""The store of a command whose device sessions run in the provider host, held there too.

`nocdeck run` spends a third of its start-up importing SQLAlchemy and the store's tables,
on one core, before its first device session can be recorded. With a provider host
(`nocdeck.providers.host`) the host imports them instead, on the other core, while nocdeck
loads its catalog and inventory; the store's writer thread then runs there too. nocdeck
keeps a `RemoteStore`: every `Store` coroutine, the same arguments, the same records and
the same typed errors, each call one message to the host and its answer.

What stays exact: each call is awaited as before (written before the next action); the
secrets nocdeck knows reach the host before the call that could carry them, so the host
masks what this process would (`ProviderHost._send`); a call nocdeck stops waiting for is
cancelled there (its transaction rolls back). If the host dies, the call in flight and all
later ones fail with a StoreError naming the store, as when the database goes away.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from nocdeck.errors import StoreError
from nocdeck.providers import hostwire as wire

if TYPE_CHECKING:
    from nocdeck.config import Settings
    from nocdeck.providers.host import ProviderHost
    from nocdeck.store import Store


class RemoteStore:
    """A `Store` opened in the provider host: its coroutines, called there."""

    def __init__(self, host: ProviderHost, store_id: int, url: str) -> None:
        self._host = host
        self._id = store_id
        self.url = url
        """The store's URL as shown (the host's answer to opening it: no password)."""

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name.startswith("_"):
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self._host.call(self, self._id, name, *args, **kwargs)

        call.__name__ = name
        return call

    # -- how its failures read (providers.host.Caller) ------------------------------------
    def error_from(self, encoded: Any) -> BaseException:
        """The store's own error as it raised it; a built-in one (a bug's ValueError) as
        itself; anything else as a StoreError naming the store."""
        known = wire.decoded_nocdeck_error(encoded)
        if known is not None:
            return known
        _kind, name, args, _state = encoded
        cls = getattr(builtins, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls(*args)
        return StoreError(f"store at {self.url}: {name}: {args[0] if args else ''}")

    def unanswered(self, reason: str) -> BaseException:
        return StoreError(f"store at {self.url}: {reason}; whether its last write was "
                          "committed is unknown")

    def unreachable(self, reason: str) -> BaseException:
        return StoreError(f"store at {self.url}: {reason}")


async def open_store(settings: Settings) -> Store:
    """The settings' store: in the provider host when one serves this command (nocdeck then
    never imports SQLAlchemy), else in this process."""
    from nocdeck.providers.host import serving_host

    host = serving_host()
    if host is not None:
        remote = await host.open_store(settings.effective_store_url)
        if remote is not None:
            return cast("Store", remote)
    from nocdeck.store import Store

    return await Store.open(settings.effective_store_url)
