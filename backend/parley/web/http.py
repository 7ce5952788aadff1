"""HTTP plumbing shared by every route: JSON errors, the Origin check, trusted proxies, body loading."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from marshmallow import Schema, ValidationError

from parley import errors, keys
from parley.settings import Settings
from parley.store import DatabaseUnavailable

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Matches Settings.max_frame_bytes: no valid REST body comes near it.
MAX_BODY_BYTES = 65_536


def error_response(status: int, code: str, message: str, **extra: Any) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(extra)
    return web.json_response({"error": body}, status=status)


_HTTP_CODES = {
    404: ("not_found", "No such endpoint."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("payload_too_large", "The request body is too large."),
}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure under /api becomes {"error": {"code", "message"}}; nothing a client sends logs a traceback."""
    try:
        return await handler(request)
    except errors.ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, **exc.extra)
    except DatabaseUnavailable:
        meter = request.app.get(keys.EDGE_METER)
        if meter is not None:
            meter.db_errors += 1
        log.warning("database unavailable during %s %s", request.method, request.path)
        return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")
    except web.HTTPException as exc:
        if not request.path.startswith("/api") or exc.status < 400:
            raise
        code, message = _HTTP_CODES.get(exc.status, ("http_error", exc.reason))
        return error_response(exc.status, code, message)


def client_address(request: web.Request) -> str:
    """The client's address (behind a trusted proxy, the real client's: see trusted_proxy)."""
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


@web.middleware
async def check_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in _STATE_CHANGING and not origin_allowed(request, request.app[keys.SETTINGS]):
        raise errors.ApiError(403, "forbidden_origin", "Cross-site request refused.")
    return await handler(request)


Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


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


@web.middleware
async def trusted_proxy(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Believe X-Forwarded-For/-Proto only when the peer is a configured proxy (never a client's say-so)."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    changes: dict[str, Any] = forwarded(peer, request.headers, request.app[keys.SETTINGS].trusted_proxies)
    return await handler(request.clone(**changes) if changes else request)


_INVITE_IN_PATH = re.compile(r"^/invite/[^/?]*")
_INVITE_IN_QUERY = re.compile(r"([?&]invite=)[^&]*")


def loggable_path(path_qs: str) -> str:
    """The request's path and query for the log, with invite tokens (single-use credentials) left out."""
    return _INVITE_IN_QUERY.sub(r"\1…", _INVITE_IN_PATH.sub("/invite/…", path_qs))


class AccessLogger(AbstractAccessLogger):
    """One line per request with the real client address (through a trusted proxy) and the duration."""

    #: set per server by `access_logger_for`; aiohttp builds the logger itself from the class
    trusted: Networks = ()

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        client = forwarded(peer, request.headers, self.trusted).get("remote", request.remote)
        path = loggable_path(request.path_qs)
        self.logger.info('%s "%s %s" %s %.1fms', client, request.method, path, response.status, time * 1000)


async def load_body(request: web.Request, schema: Schema) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise errors.ApiError(413, "payload_too_large", "The request body is too large.")
    raw = await request.read()
    if len(raw) > MAX_BODY_BYTES:
        raise errors.ApiError(413, "payload_too_large", "The request body is too large.")
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise errors.ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise errors.ApiError(400, "invalid_json", "The body must be a JSON object.")
    return load(schema, data)


def field_errors(exc: ValidationError) -> dict[str, Any]:
    messages = exc.messages
    return messages if isinstance(messages, dict) else {"_schema": messages}


def load(schema: Schema, data: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        raise errors.validation_failed(field_errors(exc)) from None
    return result


def access_logger_for(trusted: Networks) -> type[AccessLogger]:
    return type("ParleyAccessLogger", (AccessLogger,), {"trusted": trusted})
