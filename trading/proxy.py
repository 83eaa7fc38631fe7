"""Forwarded headers, believed only from listed proxies (``GGZY_TRUSTED_PROXIES``).

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are whatever the sender wrote unless the peer that
sent them is a proxy we run. Uvicorn's own handling trusts 127.0.0.1 by default, so anyone
reaching a local proxy that passes the header through chose their own address (and escaped
the per-address log-in throttle). ``ggzy web`` turns uvicorn's handling off and this
middleware, first in the stack, rewrites the scope's client and scheme only when the direct
peer is listed; every later layer (throttles, the log's IP, Secure cookies, HSTS) reads the
scope.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from trading.settings import SettingsError, get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def parse_proxies(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise SettingsError(f"GGZY_TRUSTED_PROXIES: {entry!r} is not an address or "
                                "network (e.g. 10.0.0.5 or 10.0.0.0/24)") from error
    return tuple(networks)


def is_trusted(host: str | None, networks: Iterable[Network]) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def _values(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[str]:
    found = [v.decode("latin-1") for k, v in headers if k == name]
    return [part.strip() for value in found for part in value.split(",") if part.strip()]


def forwarded_client(peer: str | None, headers: Iterable[tuple[bytes, bytes]],
                     networks: tuple[Network, ...]) -> tuple[str | None, str | None]:
    """The client address and scheme to believe: (peer, None) unless the peer is trusted.

    X-Forwarded-For is read from the right: each trusted proxy appends the address it saw,
    so the first address from the right that is not a trusted proxy is the client.
    """
    headers = list(headers)
    if not networks or not is_trusted(peer, networks):
        return peer, None
    client = peer
    for address in reversed(_values(headers, b"x-forwarded-for")):
        client = address
        if not is_trusted(address, networks):
            break
    protos = _values(headers, b"x-forwarded-proto")
    scheme = protos[-1].lower() if protos and protos[-1].lower() in ("http", "https") else None
    return client, scheme


class ForwardedHeadersMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP, ScopeType.WEBSOCKET)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        networks = parse_proxies(get_settings().trusted_proxies)
        if networks:
            direct = scope.get("client")
            peer = direct[0] if direct else None
            client, scheme = forwarded_client(peer, scope["headers"], networks)
            if client != peer and client is not None:
                scope["client"] = (client, 0)
            if scheme:
                websocket = scope["type"] == ScopeType.WEBSOCKET
                scope["scheme"] = scheme.replace("http", "ws") if websocket else scheme
        await next_app(scope, receive, send)
