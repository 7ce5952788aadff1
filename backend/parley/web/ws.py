"""The /ws handler: check Origin and session before the upgrade, then one reader loop per socket.

Every frame is parsed and validated here and dispatched by type to the rules layer; a bad frame gets an
error frame and the connection stays open. The connection is unregistered in `finally`, whatever happens.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web
from marshmallow import ValidationError

from parley import errors, keys
from parley.live import wire
from parley.live.hub import Connection
from parley.live.ratelimit import TokenBucket, message_bucket, typing_bucket
from parley.store import DatabaseUnavailable
from parley.web import request_ids
from parley.web.http import error_response, field_errors, origin_allowed
from parley.web.schemas import CLIENT_FRAMES
from parley.web.sessions import authenticate

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Budgets:
    """One connection's rate limits: message sends, and the chatter (typing and presence.set) that every
    co-member hears and so must not be spammable."""

    send: TokenBucket
    chatter: TokenBucket


def _error(code: str, message: str, **extra: Any) -> bytes:
    return wire.encode(wire.error_frame(code, message, **extra))


async def websocket(request: web.Request) -> web.StreamResponse:
    app = request.app
    settings = app[keys.SETTINGS]
    if not origin_allowed(request, settings):
        return error_response(403, "forbidden_origin", "Cross-site WebSocket refused.")
    try:
        found = await authenticate(request)
    except DatabaseUnavailable:
        return error_response(503, "database_unavailable", "The database is unavailable; try again shortly.")
    if found is None:
        return error_response(401, "not_authenticated", "Log in first.")
    user, session_id = found
    request_ids.user_id.set(user.id)
    hub = app[keys.HUB]
    if len(hub.user_connections(user.id)) >= settings.max_connections_per_user:
        return error_response(429, "too_many_connections", "Too many open connections for this account.")

    # compress=False: permessage-deflate would compress every frame again for every recipient.
    ws = web.WebSocketResponse(
        heartbeat=settings.heartbeat_s, max_msg_size=settings.max_frame_bytes, compress=False, autoping=True
    )
    rid = request_ids.request_id.get()
    if rid is not None:
        ws.headers[request_ids.HEADER] = rid
    await ws.prepare(request)

    live, clock = app[keys.LIVE], app[keys.CLOCK]
    conn = Connection(hub.next_connection_id(), user, session_id, ws, queue_max=settings.send_queue_max)
    budgets = _Budgets(send=message_bucket(clock.monotonic_ms()), chatter=typing_bucket(clock.monotonic_ms()))
    registered = False
    try:
        # Register before reading the rooms' last_seq: anything committed after that read arrives live, anything
        # before it is within the client's catch-up, so nothing falls between.
        room_ids = await app[keys.STORE].room_ids_of(user.id)
        hub.register(conn, room_ids)
        registered = True
        live.connected(conn)
        rooms = await app[keys.READS].my_rooms(user.id)
        hello = {
            "type": "hello",
            "user": wire.me(user),
            "rooms": [wire.room(room, joined=True) for room in rooms],
            "presence": await live.snapshot(user.id),
            "config": {
                "heartbeat_s": settings.heartbeat_s,
                "presence_grace_ms": settings.presence_grace_ms,
                "typing_refresh_ms": settings.typing_refresh_ms,
                "typing_expiry_ms": settings.typing_expiry_ms,
                "idle_after_ms": settings.idle_after_ms,
                "max_body_chars": settings.max_body_chars,
            },
        }
        conn.push_first(wire.encode(hello))
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await _dispatch(conn, budgets, msg.data, request)
            elif msg.type == WSMsgType.BINARY:
                conn.push(_error("binary_unsupported", "Send JSON in text frames."))
            elif msg.type == WSMsgType.ERROR:
                break
    except DatabaseUnavailable:
        await ws.close(code=1011, message=b"database unavailable")
    finally:
        if registered:
            hub.unregister(conn)
            live.disconnected(conn)
    return ws


async def _dispatch(conn: Connection, budgets: _Budgets, text: str, request: web.Request) -> None:
    app = request.app
    try:
        frame = json.loads(text)
    except ValueError:
        conn.push(_error("bad_json", "The frame is not valid JSON."))
        return
    if not isinstance(frame, dict):
        conn.push(_error("bad_json", "The frame must be a JSON object."))
        return
    kind = frame.get("type")
    schema = CLIENT_FRAMES.get(kind) if isinstance(kind, str) else None
    if schema is None:
        conn.push(_error("unknown_type", f"Unknown frame type {kind!r}." if isinstance(kind, str) else "Missing type."))
        return
    client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
    echo = {"client_id": client_id} if client_id is not None and kind == "message.send" else {}
    room_id = frame.get("room_id")
    if kind == "read" and isinstance(room_id, int) and not isinstance(room_id, bool):
        echo = {"room_id": room_id}
    try:
        data: dict[str, Any] = schema.load({k: v for k, v in frame.items() if k != "type"})
    except ValidationError as exc:
        conn.push(_error("invalid_frame", "Some fields are not valid.", fields=field_errors(exc), **echo))
        return
    clock = app[keys.CLOCK]
    try:
        if kind == "message.send":
            if not budgets.send.take(clock.monotonic_ms()):
                raise errors.ApiError(429, "rate_limited", "Slow down: too many messages.", **echo)
            messages = app[keys.MESSAGES]
            room_id, body, client_id_ok = messages.check_send(conn, data)
            await messages.send(conn, room_id, body, client_id_ok)
        elif kind == "typing":
            if not budgets.chatter.take(clock.monotonic_ms()):
                return
            app[keys.CHATTER].typing(conn, data["room_id"], data["active"])
        elif kind == "presence.set":
            if not budgets.chatter.take(clock.monotonic_ms()):
                return
            app[keys.CHATTER].presence(conn, data["status"])
        elif kind == "read":
            # Unlike typing, a read is not repeated by the client: over the budget it is refused, not dropped.
            if not budgets.chatter.take(clock.monotonic_ms()):
                raise errors.ApiError(429, "rate_limited", "Slow down: too many frames.", **echo)
            await app[keys.READS].read(conn, data["room_id"], data["seq"])
    except errors.ApiError as exc:
        conn.push(_error(exc.code, exc.message, **exc.extra))
    except DatabaseUnavailable:
        conn.push(_error("database_unavailable", "The database is unavailable; try again shortly.", **echo))
    except Exception:
        # A bug of ours, not the client's: logged with its traceback, and the connection carries on.
        log.exception("handling a %s frame failed", kind)
        conn.push(_error("internal_error", "Something went wrong on the server.", **echo))
