"""How an export line names its room, and how an import finds (or makes) it again.

A room is named by its name. A direct conversation (DM) has none: it is named by its members' usernames, and an
import matches it by them, making the DM with exactly them as members when the installation lacks it.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from parley.actions import names
from parley.admin.tools import Context
from parley.models import Room
from parley.store.base import room_name_key, username_key
from parley.store.conversations import DM_NAME_PREFIX

_ID = validate.Range(min=1, max=2**63 - 1)


def room_ref(room: Room) -> dict[str, Any]:
    if room.kind == "dm":
        return {"id": room.id, "name": "", "kind": "dm", "members": [u.username for u in room.members]}
    return {"id": room.id, "name": room.name}


class RoomRef(Schema):
    id = fields.Integer(required=True, strict=True, validate=_ID)
    name = fields.String(required=True, validate=validate.Length(max=64))
    kind = fields.String(load_default="room", validate=validate.OneOf(["room", "dm"]))
    members = fields.List(fields.String(validate=validate.Regexp(names.USERNAME)), load_default=None)

    @validates_schema
    def _named(self, data: dict[str, Any], **_: Any) -> None:
        if data["kind"] == "room" and not data["name"]:
            raise ValidationError("a room needs its name", "name")
        if data["kind"] == "dm" and not (data["members"] and 2 <= len(data["members"]) <= 9):
            raise ValidationError("a direct conversation lists its 2-9 members", "members")


def ref_key(ref: dict[str, Any]) -> str:
    """A loaded RoomRef's key among an import's rooms: a room's name key, or for a DM a control character (which
    no room name key holds) and its members' username keys."""
    if ref["kind"] == "dm":
        return DM_NAME_PREFIX + ",".join(sorted({username_key(name) for name in ref["members"]}))
    return room_name_key(ref["name"])


async def open_dms(ctx: Context, dms: dict[str, list[str]], users: dict[str, int], rooms: dict[str, int]) -> None:
    """Find or make each DM (by ref_key, with its members' usernames) once its members exist: into `rooms`."""
    for key, members in sorted(dms.items()):
        ids = sorted({users[username_key(name)] for name in members})
        room, created = await ctx.store.open_dm(ids, ids[0], ctx.clock.now_ms())
        if created:
            print(f"created direct conversation of {', '.join(sorted(members))} (id {room.id})")
        rooms[key] = room.id
