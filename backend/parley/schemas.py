"""Marshmallow schemas for everything a client sends: REST bodies, query strings and WebSocket frames.

Unknown fields are ignored (a newer client may send more); missing or malformed ones are refused with the
field named. Message bodies are checked in chat.py, where their specific error codes are decided.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Database ids are BIGINT; a bigger number cannot name anything.
_ID = validate.Range(min=1, max=2**63 - 1)
_SEQ = validate.Range(min=0, max=2**63 - 1)


class _Strict(Schema):
    class Meta:
        unknown = EXCLUDE


class Credentials(_Strict):
    username = fields.String(required=True)
    password = fields.String(required=True, validate=validate.Length(min=8, max=256))

    @validates("username")
    def _username(self, value: str, **_: Any) -> None:
        if not USERNAME.match(value):
            raise ValidationError(
                "3-32 characters: letters, digits, '_', '.' or '-', starting with a letter or digit."
            )


class Login(_Strict):
    # Login does not re-check the format: a wrong name is just wrong credentials.
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class PasswordChange(_Strict):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=256))


class RoomCreate(_Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    topic = fields.String(load_default="", validate=validate.Length(max=250))
    private = fields.Boolean(load_default=False, truthy={True}, falsy={False})

    @validates("name")
    def _name(self, value: str, **_: Any) -> None:
        if value != value.strip():
            raise ValidationError("No leading or trailing whitespace.")
        if _CONTROL.search(value):
            raise ValidationError("No control characters.")

    @validates("topic")
    def _topic(self, value: str, **_: Any) -> None:
        if _CONTROL.search(value):
            raise ValidationError("No control characters.")


class MemberAdd(_Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))


class HistoryQuery(_Strict):
    before = fields.Integer(load_default=None, validate=_SEQ)
    after = fields.Integer(load_default=None, validate=_SEQ)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1))


# -- WebSocket frames (client -> server) ----------------------------------------------------------------


class MessageSend(_Strict):
    room_id = fields.Integer(required=True, strict=True, validate=_ID)
    body = fields.String(required=True)
    client_id = fields.String(required=True, validate=validate.Regexp(CLIENT_ID, error="1-64 of A-Z a-z 0-9 _ -"))


class PresenceSet(_Strict):
    status = fields.String(required=True, validate=validate.OneOf(["online", "idle"]))


class TypingFrame(_Strict):
    room_id = fields.Integer(required=True, strict=True, validate=_ID)
    active = fields.Boolean(required=True, truthy={True}, falsy={False})


# Schemas are stateless after construction, so one instance of each serves every request.
CLIENT_FRAMES: dict[str, Schema] = {
    "message.send": MessageSend(),
    "presence.set": PresenceSet(),
    "typing": TypingFrame(),
}
