"""The records the store hands out. Plain frozen data: no behaviour, no I/O."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Account:
    """A user as seen by login and admin code: with the password hash and flags."""

    id: int
    username: str
    password_hash: str
    is_admin: bool
    disabled: bool
    created_at: int
    last_seen: int | None


@dataclass(frozen=True, slots=True)
class Room:
    """A room, or a direct conversation (kind "dm": private, no name of its own, `members` filled in)."""

    id: int
    name: str
    topic: str
    private: bool
    archived: bool
    last_seq: int
    created_at: int
    kind: str = "room"
    # The room's change counter: bumped by every edit, deletion and reaction change (docs/protocol.md).
    change_seq: int = 0
    # A DM's members (by username); empty for rooms, whose member lists can be long.
    members: tuple[User, ...] = ()
    # The reader's own state of the room (zero and False where the reader is not a member).
    last_read_seq: int = 0
    unread: int = 0
    mentions: int = 0
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    username: str
    last_seen: int | None


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    room_id: int
    seq: int
    user_id: int
    username: str
    body: str
    created_at: int
    client_id: str
    # Ids of the users the message mentions, ascending; never its author.
    mentions: tuple[int, ...] = ()
    edited_at: int | None = None
    # A deleted message stays as a tombstone (empty body, no reactions) so seq stays gap-free.
    deleted: bool = False
    # The room's change_seq at this message's last edit, deletion or reaction change (0: never changed).
    change_seq: int = 0
    reactions: tuple[Reaction, ...] = ()
    # The files sent with the message, in the order they were named (none on a tombstone).
    files: tuple[File, ...] = ()


@dataclass(frozen=True, slots=True)
class File:
    """An uploaded file: unsent (message_id None, its uploader's alone) or sent with one message.

    `key` names its bytes in the blob store (store/blobs.py); it never leaves the server."""

    id: int
    room_id: int
    user_id: int
    message_id: int | None
    name: str
    size: int
    content_type: str
    width: int | None
    height: int | None
    thumbnail: bool
    key: str
    created_at: int


@dataclass(frozen=True, slots=True)
class Reaction:
    """One emoji on a message and who added it, in the order they did."""

    emoji: str
    users: tuple[User, ...]


@dataclass(frozen=True, slots=True)
class Page:
    messages: list[Message]
    has_more: bool


@dataclass(frozen=True, slots=True)
class Invite:
    """An invite as the store keeps it: never the token itself, which only its holder knows."""

    id: int
    created_by: User | None  # None when made on the command line
    created_at: int
    expires_at: int
    used_by: User | None
    used_at: int | None
    revoked_at: int | None
