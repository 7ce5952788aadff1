"""The rules of reactions: a member adds or removes an emoji on a message; the room hears the message's whole
reaction list.

Adding a reaction one already has, or removing one one does not have, changes nothing and sends nothing. A
deleted message takes none. Who may react is who may send in the room (the message's room, joined), and a
message in a private room or DM the user is not in does not exist for them (`message_not_found`). Each change
takes the room's next change_seq, like an edit.
"""

from __future__ import annotations

from typing import Any

from parley import errors
from parley.actions import emoji
from parley.actions.messages import Messages, message_deleted, message_not_found, room_archived
from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import Connection
from parley.store import MessageDeleted, NotFound, RoomArchived, Store, TooManyReactions

# Distinct emoji on one message: enough for any real conversation, and it bounds what one message's reaction
# list (sent whole with every change) can grow to at this many entries times the room's members.
MAX_EMOJI_PER_MESSAGE = 20


class Reactions:
    def __init__(self, *, store: Store, broker: Broker, messages: Messages, clock: Clock) -> None:
        self._store = store
        self._broker = broker
        self._messages = messages
        self._clock = clock

    def check(self, frame: dict[str, Any]) -> tuple[int, str]:
        """(message_id, the emoji the reaction stands for); the schema has checked the emoji rule already."""
        message_id: int = frame["message_id"]
        value = emoji.canonical(frame["emoji"])
        if value is None:
            raise errors.ApiError(
                400, "invalid_frame", "Not a reaction.", fields={"emoji": [emoji.RULE]}, message_id=message_id
            )
        return message_id, value

    async def react(self, conn: Connection, message_id: int, value: str, *, add: bool) -> None:
        message = await self._messages.target(conn, message_id)
        if message.deleted:
            raise message_deleted(message_id)
        try:
            if add:
                changed = await self._store.add_reaction(
                    message_id, conn.user.id, value, self._clock.now_ms(), max_emoji=MAX_EMOJI_PER_MESSAGE
                )
            else:
                changed = await self._store.remove_reaction(message_id, conn.user.id, value)
        except NotFound:
            raise message_not_found(message_id) from None
        except RoomArchived:
            raise room_archived(message_id) from None
        except MessageDeleted:
            raise message_deleted(message_id) from None
        except TooManyReactions:
            raise errors.ApiError(
                409,
                "too_many_reactions",
                f"A message carries at most {MAX_EMOJI_PER_MESSAGE} different emoji.",
                message_id=message_id,
            ) from None
        if changed is not None:
            self._broker.change(changed.room_id, changed.change_seq, wire.reactions(changed))
