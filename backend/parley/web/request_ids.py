"""A request id on every request and WebSocket: nginx's X-Request-Id when the peer is a trusted proxy, else a new
one. It goes back in the X-Request-Id response header and onto every log line written while the request (or the
socket's whole life) is handled, with the user id once known and the client's address."""

from __future__ import annotations

import ipaddress
import re
import secrets
from contextvars import ContextVar

from aiohttp import web

from parley import keys
from parley.web.http import Handler

HEADER = "X-Request-Id"
# What we accept from a proxy: nginx's $request_id is 32 hex digits; anything else odd is replaced, never logged.
_VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Context variables are per task: each request (and each socket's reader) sees its own values.
request_id: ContextVar[str | None] = ContextVar("parley_request_id", default=None)
user_id: ContextVar[int | None] = ContextVar("parley_user_id", default=None)
client: ContextVar[str | None] = ContextVar("parley_client", default=None)


def new_request_id() -> str:
    return secrets.token_hex(16)


def _from_trusted_proxy(request: web.Request) -> bool:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    if not isinstance(peer, tuple) or not peer:
        return False
    try:
        address = ipaddress.ip_address(peer[0])
    except ValueError:
        return False
    return any(address in net for net in request.app[keys.SETTINGS].trusted_proxies)


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    given = request.headers.get(HEADER, "")
    rid = given if given and _VALID.fullmatch(given) and _from_trusted_proxy(request) else new_request_id()
    request_id.set(rid)
    user_id.set(None)
    client.set(request.remote)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[HEADER] = rid
        raise
    if not response.prepared:
        response.headers[HEADER] = rid
    return response
