"""What the server sends: records turned into the JSON shapes of docs/protocol.md, and frames encoded once."""

from __future__ import annotations

import json
from typing import Any

from parley.models import File, Member, Message, Reaction, Room, User

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
    data: Json = {
        "id": r.id,
        "kind": r.kind,
        "name": r.name,
        "topic": r.topic,
        "private": r.private,
        "archived": r.archived,
        "joined": joined,
        "last_seq": r.last_seq,
        "change_seq": r.change_seq,
    }
    if r.kind == "dm":
        data["members"] = [user(u) for u in r.members]
    return data


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
        "edited_at": m.edited_at,
        "deleted": m.deleted,
        "change_seq": m.change_seq,
        "reactions": [reaction(r) for r in m.reactions],
        "files": [file(f) for f in m.files],
    }


def message_frames(m: Message, client_id: str) -> tuple[bytes, bytes]:
    """A new message's `message.new` (for the room) and `message.ack` (for its sender), the message encoded once
    for both: the same bytes as encoding each frame whole."""
    payload = _encoder.encode(message(m))
    new = '{"type":"message.new","message":' + payload + "}"
    ack = '{"type":"message.ack","client_id":' + _encoder.encode(client_id) + ',"message":' + payload + "}"
    return new.encode(), ack.encode()


def file(f: File) -> Json:
    data: Json = {
        "id": f.id,
        "name": f.name,
        "size": f.size,
        "content_type": f.content_type,
        "thumbnail": f.thumbnail,
    }
    if f.width is not None and f.height is not None:
        data["width"] = f.width
        data["height"] = f.height
    return data


def reaction(r: Reaction) -> Json:
    return {"emoji": r.emoji, "count": len(r.users), "users": [user(u) for u in r.users]}


# -- change frames: each carries the room's new change_seq (docs/protocol.md, "Changes: change_seq") ----------


def message_updated(m: Message) -> bytes:
    """The whole current message: what an edit sends, and what a change read back from the store is sent as."""
    return encode({"type": "message.updated", "room_id": m.room_id, "change_seq": m.change_seq, "message": message(m)})


def message_deleted(m: Message) -> bytes:
    frame = {
        "type": "message.deleted",
        "room_id": m.room_id,
        "message_id": m.id,
        "seq": m.seq,
        "change_seq": m.change_seq,
    }
    return encode(frame)


def reactions(m: Message) -> bytes:
    frame = {
        "type": "reactions",
        "room_id": m.room_id,
        "message_id": m.id,
        "seq": m.seq,
        "change_seq": m.change_seq,
        "reactions": [reaction(r) for r in m.reactions],
    }
    return encode(frame)


def changed(m: Message) -> bytes:
    """A change known only by the message's current state (read back from the store): its deletion if it is a
    tombstone, else the whole message."""
    return message_deleted(m) if m.deleted else message_updated(m)


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
