"""What the server sends: records turned into the JSON shapes of docs/protocol.md, and frames encoded once."""

from __future__ import annotations

import json
from typing import Any

from parley.models import Member, Message, Room, User

Json = dict[str, Any]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def encode(frame: Json) -> bytes:
    """One encoding per frame, shared by every recipient."""
    return _encoder.encode(frame).encode()


def user(u: User | Member) -> Json:
    return {"id": u.id, "username": u.username}


def me(u: User) -> Json:
    return {"id": u.id, "username": u.username, "is_admin": u.is_admin}


def room(r: Room, *, joined: bool) -> Json:
    """A room as one user sees it: with their read marker, counts and mute setting."""
    fields = shared_room(r, joined=joined)
    fields.update(last_read_seq=r.last_read_seq, unread=r.unread, mentions=r.mentions, muted=r.muted)
    return fields


def shared_room(r: Room, *, joined: bool) -> Json:
    """A room without anyone's own state: for frames every member gets alike (room.updated) and the admin API."""
    return {
        "id": r.id,
        "name": r.name,
        "topic": r.topic,
        "private": r.private,
        "archived": r.archived,
        "joined": joined,
        "last_seq": r.last_seq,
    }


def message(m: Message) -> Json:
    return {
        "id": m.id,
        "room_id": m.room_id,
        "seq": m.seq,
        "user": {"id": m.user_id, "username": m.username},
        "body": m.body,
        "created_at": m.created_at,
        "client_id": m.client_id,
        "mentions": list(m.mentions),
    }


def member(m: Member, status: str) -> Json:
    return {"id": m.id, "username": m.username, "status": status, "last_seen": m.last_seen}


def presence_entry(m: Member, status: str) -> Json:
    return {"user": user(m), "status": status, "last_seen": m.last_seen}


def error_frame(code: str, text: str, **extra: Any) -> Json:
    frame: Json = {"type": "error", "code": code, "message": text}
    frame.update(extra)
    return frame


def read_frame(room_id: int, seq: int) -> Json:
    return {"type": "read", "room_id": room_id, "seq": seq}


def mute_frame(room_id: int, muted: bool) -> Json:
    return {"type": "mute", "room_id": room_id, "muted": muted}
