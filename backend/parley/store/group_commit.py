"""Group commit of message sends: one transaction stores every send that arrived while the previous one was
committing.

Why: a send is acked only after its commit, and a commit costs about the same for one row as for a hundred (the
log flush, the round trips). One transaction per send caps the server at a few thousand messages a second and
makes the senders of a busy room queue on its row lock; a batch takes each room's lock once and allocates the
room's whole seq range at once.

How: no timer and no added wait. Rooms are spread over a few lanes (room id modulo the lane count); a send that
finds its lane idle starts a flush at once (a batch of one), and sends that arrive while it commits wait and go
together in the lane's next transaction, whatever their rooms. A room belongs to one lane and a lane runs one
flush at a time, so a room's seqs follow arrival order; lanes flush in parallel, each on its own connection.
A flush is a task per batch, never per message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ..models import Message, User
from .core import StoreError

# Sends per transaction, at most: enough to amortize the commit, few enough to keep row locks short and the
# statement well under every backend's limit on parameters (SQLite: 32,766; six per message).
MAX_BATCH = 256
# How long a closing store waits for the sends already queued: a commit takes milliseconds, a stuck one forever.
DRAIN_S = 5.0


@dataclass(frozen=True, slots=True)
class Send:
    """A message to store, as the actions layer asked for it."""

    room_id: int
    author: User
    body: str
    client_id: str
    now_ms: int
    mentions: tuple[int, ...]
    # Uploads sent with it (store/files.py attaches them in the same transaction).
    file_ids: tuple[int, ...] = ()


# (message, created): created is False when the author had already sent this client_id.
Stored = tuple[Message, bool]
# Stores sends (of any rooms, each room's in arrival order) and answers each, in the order given: what was stored,
# or the refusal of that one send (a missing or archived room).
StoreBatch = Callable[[list[Send]], Awaitable[list[Stored | StoreError]]]


class GroupCommit:
    def __init__(self, store_batch: StoreBatch, *, lanes: int = 1, max_batch: int = MAX_BATCH) -> None:
        self._store_batch = store_batch
        self._lanes = lanes
        self._max_batch = max_batch
        self._queues: dict[int, list[tuple[Send, asyncio.Future[Stored]]]] = {}
        self._flushes: dict[int, asyncio.Task[None]] = {}

    async def submit(self, send: Send) -> Stored:
        """Store `send` in its lane's next transaction; return once that committed (or raise what it raised).

        A sender that goes away (its socket closed) cancels only its wait: the send is stored anyway, and a resend
        with the same client_id gets that message.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Stored] = loop.create_future()
        lane = send.room_id % self._lanes
        self._queues.setdefault(lane, []).append((send, future))
        if lane not in self._flushes:
            self._flushes[lane] = loop.create_task(self._flush(lane))
        return await future

    async def _flush(self, lane: int) -> None:
        try:
            while queue := self._queues.get(lane):
                batch, rest = queue[: self._max_batch], queue[self._max_batch :]
                if rest:
                    self._queues[lane] = rest
                else:
                    del self._queues[lane]
                try:
                    results = await self._store_batch([send for send, _ in batch])
                except Exception as exc:  # every waiter learns what happened to its send
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                except BaseException:
                    for _, future in batch:
                        future.cancel()
                    raise
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, StoreError):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            del self._flushes[lane]

    async def drain(self, timeout_s: float = DRAIN_S) -> None:
        """Wait until every queued send is stored (or failed), before the database closes; after `timeout_s`,
        cancel what is still running (its senders get no answer and resend: the client_id makes that safe)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._flushes:
            left = deadline - loop.time()
            if left <= 0:
                for task in list(self._flushes.values()):
                    task.cancel()
                await asyncio.gather(*self._flushes.values(), return_exceptions=True)
                return
            await asyncio.wait(list(self._flushes.values()), timeout=left)
