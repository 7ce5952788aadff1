"""What a request says about itself, read the same way by every part of the edge: the JSON error shape, the
client's address and scheme through a trusted proxy, and whether its Origin and Host are ours."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from parley.settings import Settings

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


def error_response(status: int, code: str, message: str, **extra: Any) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(extra)
    return web.json_response({"error": body}, status=status)


def client_address(request: web.Request) -> str:
    """The client's address (behind a trusted proxy, the real client's: see middlewares.trusted_proxy)."""
    return request.remote or "unknown"


def origin_allowed(request: web.Request, settings: Settings) -> bool:
    """No Origin (curl, scripts) passes; a browser's Origin must be this server's own or listed."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.lower().rstrip("/")
    if origin in settings.allowed_origins:
        return True
    return origin == f"{request.scheme}://{request.host}".lower()


def host_name(header: str) -> str:
    """The name in a Host header, without its port, lower case and without a final dot: `[::1]:8080` -> `::1`."""
    value = header.strip().lower()
    if value.startswith("["):
        value = value[1 : value.find("]")] if "]" in value else value[1:]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def host_allowed(request: web.Request, settings: Settings) -> bool:
    """A browser always sends Host: it must name this server (ALLOWED_HOSTS), or a page on any domain that
    resolves to this address (DNS rebinding) could use the API as its visitor. No Host (HTTP/1.0 scripts) passes."""
    header = request.headers.get("Host")
    if header is None or "*" in settings.allowed_hosts:
        return True
    return host_name(header) in settings.allowed_hosts


def forwarded(peer: object, headers: Any, trusted: Networks) -> dict[str, str]:
    """What a trusted proxy says about the client: {"remote": ip, "scheme": proto}, or {} from anyone else.

    The right-most X-Forwarded-For address that is not itself a trusted proxy is the client: everything left of
    it was written by the client and proves nothing.
    """
    if not trusted or not isinstance(peer, tuple) or not peer:
        return {}
    try:
        address = ipaddress.ip_address(peer[0])
    except ValueError:
        return {}
    if not any(address in net for net in trusted):
        return {}
    changes: dict[str, str] = {}
    hops = [hop.strip() for hop in headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            hop_address = ipaddress.ip_address(hop)
        except ValueError:
            break
        changes["remote"] = hop
        if not any(hop_address in net for net in trusted):
            break
    proto = headers.get("X-Forwarded-Proto", "").strip().lower()
    if proto in ("http", "https"):
        changes["scheme"] = proto
    return changes
