"""The middlewares every request passes, in this order (app.py): trusted proxies, JSON errors (the catch-all),
Host, Origin; then the session ones (web/sessions.py). Security headers are added to every response as it is
prepared (web/headers.py)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable
from typing import Any

from aiohttp import web

from parley import errors, keys
from parley.store import DatabaseUnavailable
from parley.web.http import Handler, error_response, forwarded, host_allowed, origin_allowed

log = logging.getLogger(__name__)

_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Paths a load balancer probes by address, not by name: they answer whatever Host they come with.
HOST_FREE_PATHS = frozenset({"/api/health"})
# Characters of a failing request's path in the one log line it gets.
_LOGGED_PATH_MAX = 200

_HTTP_CODES = {
    404: ("not_found", "No such endpoint."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("payload_too_large", "The request body is too large."),
}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure under /api becomes {"error": {"code", "message"}}, and a fault of ours anywhere a JSON 500
    `internal_error`: the client never sees a traceback, and the log gets one line, not one per frame."""
    try:
        return await handler(request)
    except errors.ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, **exc.extra)
    except DatabaseUnavailable:
        meter = request.app.get(keys.EDGE_METER)
        if meter is not None:
            meter.db_errors += 1
        log.warning("database unavailable during %s %r", request.method, request.path[:_LOGGED_PATH_MAX])
        return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")
    except web.HTTPException as exc:
        if not request.path.startswith("/api") or exc.status < 400:
            raise
        code, message = _HTTP_CODES.get(exc.status, ("http_error", exc.reason))
        return error_response(exc.status, code, message)
    except Exception as exc:
        log.error("internal error on %s %r: %s", request.method, request.path[:_LOGGED_PATH_MAX], _summary(exc))
        return error_response(500, "internal_error", "Something went wrong on the server.")


def _summary(exc: BaseException) -> str:
    """`ValueError: message (at module.py:123 in function)`: where it happened, in one short line."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {str(exc)[:200]!r}{where}"


# The checks below only decide before the handler runs: they are plain functions that return the handler's
# awaitable rather than coroutines that await it, so a WebSocket, whose handler runs as long as the socket is
# open, does not keep a suspended frame of each of them alive (issue #14: memory per idle connection).


@web.middleware
def check_host(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    if request.path not in HOST_FREE_PATHS and not host_allowed(request, request.app[keys.SETTINGS]):
        raise errors.ApiError(400, "bad_host", "This server does not answer to that Host name.")
    return handler(request)


@web.middleware
def check_origin(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    if request.method in _STATE_CHANGING and not origin_allowed(request, request.app[keys.SETTINGS]):
        raise errors.ApiError(403, "forbidden_origin", "Cross-site request refused.")
    return handler(request)


@web.middleware
def trusted_proxy(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Believe X-Forwarded-For/-Proto only when the peer is a configured proxy (never a client's say-so)."""
    peer = request.transport.get_extra_info("peername") if request.transport else None
    changes: dict[str, Any] = forwarded(peer, request.headers, request.app[keys.SETTINGS].trusted_proxies)
    return handler(request.clone(**changes) if changes else request)
