"""A small Nautobot API client: GraphQL and REST over one pooled HTTP connection.

Every failure is a `NautobotError` that names the URL and what was wrong (unreachable, a
refused token, a missing endpoint, a rejected write), never a traceback; the token is
registered with the redactor and never appears in a message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from nocdeck.errors import InventoryError
from nocdeck.redaction import GLOBAL_REDACTOR

MIN_VERSION = (2, 0)
"""Nautobot 2.0 brought the data model nocdeck reads (locations, roles, network_driver)."""


class NautobotError(InventoryError):
    """Nautobot answered with an error, or not at all; names the URL and the object."""


class NautobotUnreachable(NautobotError):
    """No answer from Nautobot (connection refused, DNS, timeout): the snapshot can serve."""


class NautobotClient:
    """GraphQL queries, paged REST reads and REST writes against one Nautobot."""

    def __init__(self, url: str, token: str, *, timeout: float = 10.0,
                 token_reference: str = "") -> None:
        self.url = url.rstrip("/")
        self.token_reference = token_reference or "the API token"
        GLOBAL_REDACTOR.add_secrets([token])
        self._http = httpx.Client(
            base_url=self.url, timeout=timeout,
            headers={"Authorization": f"Token {token}", "Accept": "application/json",
                     "Content-Type": "application/json"})
        self.requests = 0
        """How many HTTP requests this client made (the bench and the tests count them)."""
        self._version: str | None = None
        self._api_version: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NautobotClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, what: str = "") -> Any:
        """One request; the JSON answer, or a NautobotError naming `what` and the URL."""
        self.requests += 1
        where = f"Nautobot {self.url}"
        try:
            answer = self._http.request(method, path, params=params, json=json)
        except httpx.TimeoutException:
            label = f"{what}: " if what else ""
            raise NautobotUnreachable(f"{where}: {label}no answer within "
                                      f"{self._http.timeout.read} s ({method} {path})") from None
        except httpx.HTTPError as exc:
            detail = GLOBAL_REDACTOR.mask(str(exc)) or type(exc).__name__
            raise NautobotUnreachable(f"{where} is unreachable: {detail}") from None
        self._api_version = answer.headers.get("API-Version", self._api_version)
        if answer.status_code in (401, 403):
            raise NautobotError(f"{where} refused {self.token_reference} "
                                f"({answer.status_code}: {_detail(answer)}); check the token "
                                "stored under that credential")
        if answer.status_code == 404 and not what:
            raise NautobotError(f"{where} has no {path} endpoint (404); nocdeck needs "
                                f"Nautobot {'.'.join(map(str, MIN_VERSION))} or later")
        if answer.status_code >= 400:
            label = f"{what}: " if what else ""
            raise NautobotError(f"{where}: {label}{method} {path} failed "
                                f"({answer.status_code}: {_detail(answer)})")
        if answer.status_code == 204 or not answer.content:
            return None
        try:
            return answer.json()
        except ValueError:
            raise NautobotError(f"{where}: {method} {path} did not answer JSON; is this a "
                                "Nautobot URL?") from None

    # -- what nocdeck uses -------------------------------------------------------------------

    def version(self) -> str:
        """The server's Nautobot API version (`2.4`); refuses one older than MIN_VERSION.

        Read from the `API-Version` header of the API root, a cheap request (the status
        endpoint checks every worker and takes a second).
        """
        if self._version is None:
            self.request("GET", "/api/")
            version = self._api_version
            if not version:
                raise NautobotError(f"Nautobot {self.url}: /api/ did not name an API "
                                    "version; is this a Nautobot URL?")
            parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
            if parts < MIN_VERSION:
                raise NautobotError(f"Nautobot {self.url} is version {version}; nocdeck "
                                    f"needs {'.'.join(map(str, MIN_VERSION))} or later")
            self._version = version
        return self._version

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a GraphQL query; errors name the first problem Nautobot reported."""
        answer = self.request("POST", "/api/graphql/",
                              json={"query": query, "variables": dict(variables or {})})
        if not isinstance(answer, dict):
            raise NautobotError(f"Nautobot {self.url}: GraphQL answered {answer!r}")
        if answer.get("errors"):
            first = answer["errors"][0]
            message = first.get("message", first) if isinstance(first, dict) else first
            raise NautobotError(f"Nautobot {self.url}: GraphQL query refused: {message}")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise NautobotError(f"Nautobot {self.url}: GraphQL answered no data")
        return data

    def pages(self, path: str, params: Mapping[str, Any] | None = None, *,
              page_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every object of a paged REST list, following `next`."""
        query: dict[str, Any] = {"limit": page_size, "offset": 0, **(params or {})}
        while True:
            answer = self.request("GET", path, params=query)
            results = answer.get("results", []) if isinstance(answer, dict) else []
            yield from results
            if not isinstance(answer, dict) or not answer.get("next") or not results:
                return
            query["offset"] = int(query["offset"]) + len(results)

    def find(self, path: str, **params: Any) -> dict[str, Any] | None:
        """The one object matching `params`, or None."""
        answer = self.request("GET", path, params={**params, "limit": 2})
        results = answer.get("results", []) if isinstance(answer, dict) else []
        return results[0] if results else None

    def create(self, path: str, data: Mapping[str, Any], *, what: str) -> dict[str, Any]:
        created = self.request("POST", path, json=dict(data), what=what)
        assert isinstance(created, dict)
        return created

    def update(self, path: str, object_id: str, data: Mapping[str, Any], *, what: str
               ) -> dict[str, Any]:
        updated = self.request("PATCH", f"{path.rstrip('/')}/{object_id}/", json=dict(data),
                               what=what)
        assert isinstance(updated, dict)
        return updated

    def delete(self, path: str, object_id: str, *, what: str) -> None:
        self.request("DELETE", f"{path.rstrip('/')}/{object_id}/", what=what)


def _detail(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return GLOBAL_REDACTOR.mask(answer.text[:200].strip()) or answer.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return GLOBAL_REDACTOR.mask(str(body["detail"]))
    return GLOBAL_REDACTOR.mask(str(body)[:300])
