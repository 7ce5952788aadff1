"""Marshmallow schemas for everything a client sends: REST bodies, query strings and WebSocket frames.

Unknown fields are ignored (a newer client may send more); missing or malformed ones are refused with the
field named. Every string field is a `Text`, which refuses what cannot be encoded as UTF-8. What a valid name
looks like is decided in actions/names.py; message bodies are checked in actions/messages.py, where their
specific error codes are decided.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from parley.actions import administration, dms, emoji, names

# Database ids are BIGINT; a bigger number cannot name anything.
_ID_MAX = 2**63 - 1
_ID = validate.Range(min=1, max=_ID_MAX)
_SEQ = validate.Range(min=0, max=2**63 - 1)
# Files one message may carry.
FILES_PER_MESSAGE = 10


def _refuse(problem: Callable[[str], str | None], value: str) -> None:
    reason = problem(value)
    if reason is not None:
        raise ValidationError(reason)


class _Bool(fields.Boolean):
    """true or false only: JSON 1 and 0 are numbers, not booleans (Python's 1 == True would let them through)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Text(fields.String):
    """A string that can be stored and sent: JSON lets a client write a lone surrogate ("\\ud800"), which no
    UTF-8 encoder (the database's, the socket's) accepts. Every string field of every schema is a Text."""

    # marshmallow merges this class attribute with the base classes' messages.
    default_error_messages: dict[str, Any] = {"surrogate": "Not valid Unicode text (lone surrogate)."}  # noqa: RUF012

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise self.make_error("surrogate") from None
        return text


class _Strict(Schema):
    class Meta:
        unknown = EXCLUDE


class Credentials(_Strict):
    username = Text(required=True)
    password = Text(required=True, validate=validate.Length(min=names.PASSWORD_MIN, max=names.PASSWORD_MAX))

    @validates("username")
    def _username(self, value: str, **_: Any) -> None:
        _refuse(names.username_problem, value)


class Registration(Credentials):
    # An invite link's token: needed when REGISTRATION=invite; its format is checked with the invite itself.
    invite = Text(load_default=None, allow_none=True, validate=validate.Length(max=128))


class InviteCreate(_Strict):
    # Seconds until the invite expires; the rules layer bounds it (actions/invites.py).
    expires_s = fields.Integer(load_default=None, allow_none=True, strict=True)


class AdminUsersQuery(_Strict):
    # A part of a username (any case); "" lists everyone.
    q = Text(load_default="", validate=validate.Length(max=64))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=administration.MAX_PAGE))


class AdminFlag(_Strict):
    is_admin = _Bool(required=True)


class RoomRename(_Strict):
    name = Text(required=True, validate=validate.Length(min=1, max=names.ROOM_NAME_MAX))

    @validates("name")
    def _name(self, value: str, **_: Any) -> None:
        _refuse(names.room_name_problem, value)


class Login(_Strict):
    # Login does not re-check the format: a wrong name is just wrong credentials.
    username = Text(required=True, validate=validate.Length(min=1, max=64))
    password = Text(required=True, validate=validate.Length(min=1, max=names.PASSWORD_MAX))


class PasswordChange(_Strict):
    current_password = Text(required=True, validate=validate.Length(min=1, max=names.PASSWORD_MAX))
    new_password = Text(required=True, validate=validate.Length(min=names.PASSWORD_MIN, max=names.PASSWORD_MAX))


class RoomCreate(_Strict):
    name = Text(required=True, validate=validate.Length(min=1, max=names.ROOM_NAME_MAX))
    topic = Text(load_default="", validate=validate.Length(max=names.TOPIC_MAX))
    private = fields.Boolean(load_default=False, truthy={True}, falsy={False})

    @validates("name")
    def _name(self, value: str, **_: Any) -> None:
        _refuse(names.room_name_problem, value)

    @validates("topic")
    def _topic(self, value: str, **_: Any) -> None:
        _refuse(names.topic_problem, value)


class MemberAdd(_Strict):
    username = Text(required=True, validate=validate.Length(min=1, max=64))


class MuteSet(_Strict):
    muted = _Bool(required=True)


class HistoryQuery(_Strict):
    before = fields.Integer(load_default=None, validate=_SEQ)
    after = fields.Integer(load_default=None, validate=_SEQ)
    around = fields.Integer(load_default=None, validate=_SEQ)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1))


class SearchQuery(_Strict):
    # Lengths and the filters typed in it are checked by the rules (actions/search.py), with their own codes.
    q = Text(load_default="")
    room_id = fields.Integer(load_default=None, validate=_ID)
    # `from` is a Python keyword: the query string's `from` is loaded as `from`.
    author = Text(load_default=None, data_key="from", validate=validate.Length(min=1, max=64))
    before = fields.Integer(load_default=None, validate=_ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50))


class DmOpen(_Strict):
    usernames = fields.List(
        Text(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=dms.MAX_OTHERS),
    )


class ChangesQuery(_Strict):
    since = fields.Integer(required=True, validate=_SEQ)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1))


# -- WebSocket frames (client -> server) ----------------------------------------------------------------


class MessageSend(_Strict):
    room_id = fields.Integer(required=True, strict=True, validate=_ID)
    body = Text(required=True)
    client_id = Text(required=True, validate=validate.Regexp(names.CLIENT_ID, error="1-64 of A-Z a-z 0-9 _ -"))
    # Uploads sent with the message (docs/protocol.md "Files"), each once.
    file_ids = fields.List(
        fields.Integer(strict=True, validate=_ID),
        load_default=list,
        validate=validate.Length(max=FILES_PER_MESSAGE),
    )

    @validates("file_ids")
    def _distinct(self, value: list[int], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each file once.")


def quick_message_send(frame: dict[str, Any]) -> dict[str, Any] | None:
    """What MessageSend().load(frame) returns, for the common frame (room, body and client id well-formed, no
    file_ids); None for any other, which the schema then loads (and words the refusal of). This is the one frame
    sent at the rate of the chat, and the schema's generic machinery cost more than storing the message did. It
    accepts only what the schema accepts (tests/web/test_quick_frames.py compares the two)."""
    room_id, body, client_id = frame.get("room_id"), frame.get("body"), frame.get("client_id")
    if type(room_id) is not int or not 1 <= room_id <= _ID_MAX or "file_ids" in frame:
        return None
    if type(body) is not str or type(client_id) is not str or not names.CLIENT_ID.fullmatch(client_id):
        return None
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the schema's Text refuses it
        return None
    return {"room_id": room_id, "body": body, "client_id": client_id, "file_ids": []}


class PresenceSet(_Strict):
    status = Text(required=True, validate=validate.OneOf(["online", "idle"]))


# The most users one presence.watch can name: more than a screen of members shows.
PRESENCE_WATCH_MAX = 100


class PresenceWatch(_Strict):
    user_ids = fields.List(
        fields.Integer(strict=True, validate=_ID),
        required=True,
        validate=validate.Length(max=PRESENCE_WATCH_MAX),
    )


class TypingFrame(_Strict):
    room_id = fields.Integer(required=True, strict=True, validate=_ID)
    active = fields.Boolean(required=True, truthy={True}, falsy={False})


class ReadFrame(_Strict):
    room_id = fields.Integer(required=True, strict=True, validate=_ID)
    seq = fields.Integer(required=True, strict=True, validate=_SEQ)


class MessageEdit(_Strict):
    message_id = fields.Integer(required=True, strict=True, validate=_ID)
    body = Text(required=True)


class MessageDelete(_Strict):
    message_id = fields.Integer(required=True, strict=True, validate=_ID)


class ReactionFrame(_Strict):
    message_id = fields.Integer(required=True, strict=True, validate=_ID)
    emoji = Text(required=True)

    @validates("emoji")
    def _emoji(self, value: str, **_: Any) -> None:
        if emoji.canonical(value) is None:
            raise ValidationError(emoji.RULE)


# Schemas are stateless after construction, so one instance of each serves every request.
CLIENT_FRAMES: dict[str, Schema] = {
    "message.send": MessageSend(),
    "message.edit": MessageEdit(),
    "message.delete": MessageDelete(),
    "reaction.add": ReactionFrame(),
    "reaction.remove": ReactionFrame(),
    "presence.set": PresenceSet(),
    "presence.watch": PresenceWatch(),
    "typing": TypingFrame(),
    "read": ReadFrame(),
}

# Frames with a quicker path to the same result as their schema's load (None: load it with the schema).
QUICK_FRAMES: dict[str, Callable[[dict[str, Any]], dict[str, Any] | None]] = {"message.send": quick_message_send}

# The frames that name a stored message: their refusals echo its `message_id`.
MESSAGE_FRAMES = frozenset({"message.edit", "message.delete", "reaction.add", "reaction.remove"})
