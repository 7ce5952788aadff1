"""The /ws handler: check Origin and session and take a connection slot before the upgrade, then one reader loop
per socket.

Every frame is parsed and validated here and dispatched by type to the rules layer; a bad frame gets an error
frame and the connection stays open, up to INVALID_FRAMES_MAX bad frames in a row, which close it with 1008. An
error frame never carries more of what the client sent than a short, checked part. The connection slot and the
registration are given back in `finally`, whatever happens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import aiohttp_session
from aiohttp import WSMsgType, web
from marshmallow import ValidationError

from parley import errors, keys
from parley.actions import names
from parley.live import wire
from parley.live.connection import CLOSE_POLICY, CLOSE_SESSION_ENDED, Connection
from parley.models import Room, User
from parley.store import DatabaseUnavailable, session_key
from parley.web import request_ids
from parley.web.bodies import JsonError, field_errors, parse_json
from parley.web.http import error_response, origin_allowed
from parley.web.schemas import CLIENT_FRAMES, MESSAGE_FRAMES, QUICK_FRAMES
from parley.web.sessions import authenticate
from parley.web.ws_socket import WebSocketSocket

log = logging.getLogger(__name__)

# Bad frames in a row (not JSON, unknown type, invalid fields, binary) before the socket is closed with 1008: a
# client with a bug sees its errors long before this; a client sending nothing but garbage is cut off.
INVALID_FRAMES_MAX = 20
# At most this much of a client's unknown frame type is shown back to it.
SHOWN_TYPE_CHARS = 32


@dataclass(frozen=True, slots=True)
class _Frame:
    kind: str
    data: dict[str, Any]
    # What an error about this frame repeats of it: a message.send's client_id, a read's room_id, the message_id of
    # an edit, deletion or reaction.
    echo: dict[str, Any]


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
    # Read once and never written back (a WebSocket response carries no cookie): not kept for the socket's life.
    request.pop(aiohttp_session.SESSION_KEY, None)
    request_ids.user_id.set(user.id)
    hub = app[keys.HUB]
    # The slot is taken here, before anything else awaits, and held until the handler ends.
    if not hub.reserve(user.id, settings.max_connections_per_user):
        return error_response(429, "too_many_connections", "Too many open connections for this account.")
    try:
        return await _serve(request, user, session_id)
    finally:
        hub.release(user.id)


async def _serve(request: web.Request, user: User, session_id: str) -> web.WebSocketResponse:
    app = request.app
    settings, hub, live, meter = app[keys.SETTINGS], app[keys.HUB], app[keys.LIVE], app[keys.EDGE_METER]
    # compress=False: permessage-deflate would compress every frame again for every recipient. No heartbeat of
    # aiohttp's (a timer per connection): the hub's one sweep pings (live/connection.py), and the reader loop
    # answers pings and notes pongs itself (autoping off), since any frame shows the peer is there.
    ws = web.WebSocketResponse(max_msg_size=settings.max_frame_bytes, compress=False, autoping=False)
    rid = request_ids.request_id.get()
    if rid is not None:
        ws.headers[request_ids.HEADER] = rid
    await ws.prepare(request)
    # The response headers (security headers and all) are on the wire now; an idle connection need not keep
    # them (about 1 KB each, issue #14).
    ws.headers.clear()
    meter.opened += 1
    transport = request.transport
    conn = Connection(
        hub.next_connection_id(),
        user,
        session_key(session_id),
        WebSocketSocket(ws, request.protocol),
        hub.writes,
        queue_max=settings.send_queue_max,
        queue_max_bytes=settings.send_queue_max_bytes,
        abort=transport.abort if transport is not None else None,
        held=True,
    )
    registered = announced = False
    try:
        # Register before reading the rooms' last_seq: anything committed after that read arrives live, anything
        # before it is within the client's catch-up, so nothing falls between. A user's other sockets here
        # already hear the rooms they are in (every join and leave event since they registered moved them): no
        # query for a second tab. Nothing awaits between taking their rooms and registering.
        room_ids = hub.rooms_of_user(user.id)
        hub.register(conn, room_ids if room_ids is not None else await app[keys.STORE].room_ids_of(user.id))
        registered = True
        # This frame lives as long as the socket: what the handshake read is not kept (issue 14).
        del room_ids
        # A logout (password change, disable) that landed since `authenticate` found nothing here to close, and
        # the revocation poll may have passed it by: ask again now that any later one will find this socket. The
        # hello's rooms are read with that check (one round trip, issue 14); on a session that ended, unused.
        not_before_ms = app[keys.ACCOUNTS].sessions_not_before_ms()
        rooms = await app[keys.READS].my_rooms_if_live(session_id, not_before_ms, user.id)
        if rooms is None:
            conn.close(CLOSE_SESSION_ENDED, "session ended")
        else:
            live.connected(conn)
            announced = True
            conn.push_first(wire.encode(await _hello(request, conn, rooms)))
        del rooms
        await _read(conn, ws, request)
        if conn.close_task is not None:
            # Ours to finish: the handler must not end (which drops the TCP connection) before the peer had its
            # bounded chance to take the close frame and answer it.
            await conn.close_task
    except DatabaseUnavailable:
        meter.db_errors += 1
        await ws.close(code=1011, message=b"database unavailable")
    finally:
        code = 1006 if conn.dropped else ws.close_code
        meter.closed.add(str(code) if code is not None else "none")
        if registered:
            hub.unregister(conn)
        if announced:
            live.disconnected(conn)
    return ws


async def _hello(request: web.Request, conn: Connection, rooms: list[Room]) -> wire.Json:
    app = request.app
    settings, user = app[keys.SETTINGS], conn.user
    return {
        "type": "hello",
        "user": wire.me(user),
        "rooms": [wire.room(room, joined=True) for room in rooms],
        "presence": await app[keys.LIVE].snapshot(user.id, conn.rooms),
        "config": {
            "heartbeat_s": settings.heartbeat_s,
            "presence_grace_ms": settings.presence_grace_ms,
            "typing_refresh_ms": settings.typing_refresh_ms,
            "typing_expiry_ms": settings.typing_expiry_ms,
            "idle_after_ms": settings.idle_after_ms,
            "max_body_chars": settings.max_body_chars,
        },
    }


async def _read(conn: Connection, ws: web.WebSocketResponse, request: web.Request) -> None:
    """The reader loop. Once the connection is closing nothing more is acted on; aiohttp ends the loop as soon as
    the close frame is out. Closing for bad frames leaves the loop at once instead, so that the close itself reads
    (and drops) what the client still sends until it answers: dropping the TCP connection on a client that is
    still sending would reset it before it read its close frame."""
    invalid_in_a_row = 0
    meter = request.app[keys.EDGE_METER]
    async for msg in ws:
        conn.heard()
        if msg.type == WSMsgType.PING:
            await ws.pong(msg.data)
            continue
        if conn.closing:
            continue
        if msg.type == WSMsgType.TEXT:
            parsed = _parse(msg.data)
            # Only the types the server knows become label values; anything else a client sends is "other".
            meter.frames_in.add(parsed.kind if isinstance(parsed, _Frame) else "other")
        elif msg.type == WSMsgType.BINARY:
            parsed = _error("binary_unsupported", "Send JSON in text frames.")
        elif msg.type == WSMsgType.ERROR:
            break
        else:
            continue
        if isinstance(parsed, bytes):
            invalid_in_a_row += 1
            if invalid_in_a_row >= INVALID_FRAMES_MAX:
                conn.close(CLOSE_POLICY, "too many invalid frames")
                break
            conn.push(parsed)
            continue
        invalid_in_a_row = 0
        await _dispatch(conn, parsed, request)


def _parse(text: str) -> _Frame | bytes:
    """A frame that passed its schema, or the error frame that refuses it."""
    try:
        frame = parse_json(text)
    except JsonError:
        return _error("bad_json", "The frame is not valid JSON.")
    if not isinstance(frame, dict):
        return _error("bad_json", "The frame must be a JSON object.")
    kind = frame.get("type")
    if not isinstance(kind, str):
        return _error("unknown_type", "Missing type.")
    schema = CLIENT_FRAMES.get(kind)
    if schema is None:
        shown = kind if len(kind) <= SHOWN_TYPE_CHARS else kind[:SHOWN_TYPE_CHARS] + "…"
        return _error("unknown_type", f"Unknown frame type {shown!r}.")
    # Echoed only when well-formed (a plain client_id, a room or message id in range), whatever else is wrong with
    # the frame.
    echo: dict[str, Any] = {}
    client_id, room_id = frame.get("client_id"), frame.get("room_id")
    if kind == "message.send" and isinstance(client_id, str) and names.CLIENT_ID.fullmatch(client_id):
        echo = {"client_id": client_id}
    elif kind == "read" and type(room_id) is int and 1 <= room_id < 2**63:
        echo = {"room_id": room_id}
    elif kind in MESSAGE_FRAMES and type(frame.get("message_id")) is int and 1 <= frame["message_id"] < 2**63:
        echo = {"message_id": frame["message_id"]}
    quick = QUICK_FRAMES.get(kind)
    data = quick(frame) if quick is not None else None
    if data is None:
        try:
            data = schema.load({k: v for k, v in frame.items() if k != "type"})
        except ValidationError as exc:
            return _error("invalid_frame", "Some fields are not valid.", fields=field_errors(exc), **echo)
    return _Frame(kind, data, echo)


async def _dispatch(conn: Connection, frame: _Frame, request: web.Request) -> None:
    app, echo = request.app, frame.echo
    meter = app[keys.EDGE_METER]
    try:
        if frame.kind == "message.send":
            received_s = perf_counter()
            messages = app[keys.MESSAGES]
            await messages.check_rate(conn.user, frame.data["client_id"])
            room_id, body, client_id = messages.check_send(conn, frame.data)
            await messages.send(conn, room_id, body, client_id, frame.data["file_ids"])
            # The ack is pushed inside send (stored, then announced): this is frame receipt to ack.
            meter.send_ack.observe(perf_counter() - received_s)
        elif frame.kind == "typing":
            await app[keys.CHATTER].typing(conn, frame.data["room_id"], frame.data["active"])
        elif frame.kind == "presence.set":
            await app[keys.CHATTER].presence(conn, frame.data["status"])
        elif frame.kind == "presence.watch":
            conn.push(await app[keys.CHATTER].watch(conn, frame.data["user_ids"]))
        elif frame.kind == "read":
            # Unlike typing, a read is not repeated by the client: over the budget it is refused, not dropped.
            await app[keys.CHATTER].check_rate(conn, **echo)
            await app[keys.READS].read(conn, frame.data["room_id"], frame.data["seq"])
        elif frame.kind in MESSAGE_FRAMES:
            # Edits, deletions and reactions are stored and fan out like sends: they spend the same budget.
            await app[keys.MESSAGES].check_change_rate(conn.user, **echo)
            await _change(conn, frame.kind, frame.data, request)
    except errors.ApiError as exc:
        if exc.code == "rate_limited":
            meter.rate_limited.add(frame.kind)
        conn.push(_error(exc.code, exc.message, **exc.extra))
    except DatabaseUnavailable:
        meter.db_errors += 1
        conn.push(_error("database_unavailable", "The database is unavailable; try again shortly.", **echo))
    except Exception:
        # A bug of ours, not the client's: logged with its traceback, and the connection carries on.
        log.exception("handling a %s frame failed", frame.kind)
        conn.push(_error("internal_error", "Something went wrong on the server.", **echo))


async def _change(conn: Connection, kind: str, data: dict[str, Any], request: web.Request) -> None:
    """message.edit, message.delete, reaction.add, reaction.remove: a change of a stored message."""
    app = request.app
    if kind == "message.edit":
        messages = app[keys.MESSAGES]
        message_id, body = messages.check_edit(data)
        await messages.edit(conn, message_id, body)
    elif kind == "message.delete":
        await app[keys.MESSAGES].delete(conn, data["message_id"])
    else:
        reactions = app[keys.REACTIONS]
        message_id, emoji = reactions.check(data)
        await reactions.react(conn, message_id, emoji, add=kind == "reaction.add")
