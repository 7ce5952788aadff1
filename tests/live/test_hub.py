"""The hub on its own: ordered delivery with gap filling, and a stalled receiver that slows nobody else."""

from __future__ import annotations

import asyncio

from parley.live.connection import BEATS_PER_HEARTBEAT
from parley.live.hub import CLOSE_TOO_SLOW, Connection, Hub
from parley.live.write_batch import BUSY_WRITES
from parley.models import User


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, payload) of each unmasked frame in `data`: what a client would read."""
    frames, i = [], 0
    while i < len(data):
        opcode, size = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if size in (126, 127):
            width = 2 if size == 126 else 8
            size = int.from_bytes(data[i : i + width], "big")
            i += width
        frames.append((opcode, data[i : i + size]))
        i += size
    return frames


class FakeSocket:
    """Stands in for aiohttp's WebSocket over its transport: records what is written, write by write. A stalled
    one pauses after its first write (the peer stopped reading) and never drains; one with a gate pauses after
    its first write until the gate is set, like a transport whose peer reads again."""

    def __init__(self, *, stalled: bool = False, gate: asyncio.Event | None = None, hang_close: bool = False) -> None:
        self.writes: list[bytes] = []
        self.sent: list[bytes] = []
        self.pings = 0
        self.stalls = stalled or gate is not None
        self.writing_paused = False
        self.hang_close = hang_close
        self.gate = gate
        self.closed_with: int | None = None
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            raise ConnectionResetError("closing")
        self.writes.append(data)
        for opcode, payload in _frames(data):
            if opcode == 9:
                self.pings += 1
            else:
                self.sent.append(payload)
        if self.stalls:
            self.writing_paused = True

    async def drained(self) -> None:
        if self.gate is None:
            await asyncio.Event().wait()
        else:
            await self.gate.wait()
            self.writing_paused = self.stalls = False

    def ping(self) -> None:
        self.write(b"\x89\x00")

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        self.closed_with = code
        self.closed = True
        if self.hang_close:
            await asyncio.Event().wait()  # like aiohttp waiting on a peer that never reads its close frame
        return True


async def _turn() -> None:
    """Let the loop run the write batch's flush (the first callback of the next turn)."""
    await asyncio.sleep(0)


def _conn(
    hub: Hub, user_id: int, socket: FakeSocket, rooms: list[int], queue_max: int = 8, queue_max_bytes: int = 2**20
) -> Connection:
    user = User(user_id, f"u{user_id}")
    conn = Connection(
        hub.next_connection_id(),
        user,
        f"s{user_id}",
        socket,
        hub.writes,
        queue_max=queue_max,
        queue_max_bytes=queue_max_bytes,
    )
    hub.register(conn, rooms)
    return conn


async def _no_gap(room: int, after: int, upto: int) -> list[tuple[int, bytes]]:
    raise AssertionError("no gap expected")


async def test_out_of_order_publishes_are_delivered_in_seq_order() -> None:
    hub = Hub(fill_gap=_no_gap, gap_wait_s=5)
    hub.seed({1: 0})
    sock = FakeSocket()
    _conn(hub, 1, sock, [1])
    hub.message(1, 2, b"m2", None, None)
    hub.message(1, 3, b"m3", None, None)
    await asyncio.sleep(0)
    assert sock.sent == []
    hub.message(1, 1, b"m1", None, None)
    hub.message(1, 2, b"m2-again", None, None)  # a duplicate publish is ignored
    await asyncio.sleep(0.01)
    assert sock.sent == [b"m1", b"m2", b"m3"]
    await hub.stop()


async def test_a_gap_not_filled_in_time_is_read_from_the_store() -> None:
    asked: list[tuple[int, int, int]] = []

    async def fill(room: int, after: int, upto: int) -> list[tuple[int, bytes]]:
        asked.append((room, after, upto))
        return [(seq, f"stored{seq}".encode()) for seq in range(after + 1, upto + 1)]

    hub = Hub(fill_gap=fill, gap_wait_s=0.01)
    hub.seed({7: 10})
    sock = FakeSocket()
    _conn(hub, 1, sock, [7])
    hub.message(7, 13, b"m13", None, None)
    await asyncio.sleep(0.1)
    assert asked == [(7, 10, 12)]
    assert sock.sent == [b"stored11", b"stored12", b"m13"]
    await hub.stop()


async def test_ack_goes_to_the_sender_new_to_everyone_else() -> None:
    hub = Hub(fill_gap=_no_gap)
    a, b = FakeSocket(), FakeSocket()
    sender = _conn(hub, 1, a, [1])
    _conn(hub, 2, b, [1])
    hub.message(1, 1, b"new", b"ack", sender.id)
    await asyncio.sleep(0.01)
    assert a.sent == [b"ack"]
    assert b.sent == [b"new"]


async def test_stalled_receiver_is_closed_and_others_keep_receiving() -> None:
    hub = Hub(fill_gap=_no_gap)
    stalled, healthy = FakeSocket(stalled=True), FakeSocket()
    slow = _conn(hub, 1, stalled, [1], queue_max=4)
    _conn(hub, 2, healthy, [1], queue_max=4)
    for seq in range(1, 8):
        hub.message(1, seq, f"m{seq}".encode(), None, None)
        await _turn()
    await asyncio.sleep(0.01)
    assert healthy.sent == [f"m{seq}".encode() for seq in range(1, 8)]
    assert stalled.sent == [b"m1"]  # written before the transport paused; m2..m5 queued, m6 was one too many
    assert slow.closing
    assert stalled.closed_with == CLOSE_TOO_SLOW
    assert slow.queued() == 0


async def test_registry_is_empty_after_unregister() -> None:
    hub = Hub(fill_gap=_no_gap)
    conns = [_conn(hub, i % 3, FakeSocket(), [1, 2, 3]) for i in range(9)]
    for conn in conns:
        hub.unregister(conn)
    assert hub.is_empty()


async def test_a_paused_transport_queues_and_keeps_order() -> None:
    """What a turn pushed goes out in one write; once the transport is paused, frames queue, and follow in
    order when it drains; then writes go once per turn again."""
    hub = Hub(fill_gap=_no_gap)
    gate = asyncio.Event()
    sock = FakeSocket(gate=gate)
    conn = _conn(hub, 1, sock, [1], queue_max=8)
    for seq in range(1, 4):
        hub.message(1, seq, f"m{seq}".encode(), None, None)
    await _turn()
    assert (sock.sent, len(sock.writes)) == ([b"m1", b"m2", b"m3"], 1)
    for seq in range(4, 6):
        hub.message(1, seq, f"m{seq}".encode(), None, None)
    await asyncio.sleep(0.01)
    assert (len(sock.sent), conn.queued()) == (3, 2)
    gate.set()
    await asyncio.sleep(0.01)
    assert sock.sent == [b"m1", b"m2", b"m3", b"m4", b"m5"]
    assert conn.queued() == 0
    hub.message(1, 6, b"m6", None, None)  # keeping up again: written at the next turn
    await _turn()
    assert sock.sent[-1] == b"m6"


async def test_a_receiver_too_many_bytes_behind_is_closed() -> None:
    """Bytes bound the queue as well as frames: 3 frames of 400 bytes behind a 1,000-byte bound close it."""
    hub = Hub(fill_gap=_no_gap)
    stalled = FakeSocket(stalled=True)
    slow = _conn(hub, 1, stalled, [1], queue_max=100, queue_max_bytes=1_000)
    hub.message(1, 1, b"x" * 400, None, None)  # written (then the transport pauses): not in the queue
    await _turn()
    hub.message(1, 2, b"x" * 400, None, None)
    hub.message(1, 3, b"x" * 400, None, None)
    assert (slow.queued(), slow.queued_bytes(), slow.closing) == (2, 800, False)
    hub.message(1, 4, b"x" * 400, None, None)
    await asyncio.sleep(0.01)
    assert slow.closing
    assert stalled.closed_with == CLOSE_TOO_SLOW
    assert (slow.queued(), slow.queued_bytes()) == (0, 0)


async def test_queued_bytes_go_down_as_frames_are_written() -> None:
    hub = Hub(fill_gap=_no_gap)
    gate = asyncio.Event()
    conn = _conn(hub, 1, FakeSocket(gate=gate), [1], queue_max_bytes=1_000)
    hub.message(1, 1, b"y" * 300, None, None)
    await _turn()
    for seq in range(2, 4):
        hub.message(1, seq, b"y" * 300, None, None)
    assert conn.queued_bytes() == 600
    gate.set()
    await asyncio.sleep(0.01)
    assert conn.queued_bytes() == 0
    for seq in range(4, 7):  # the same bytes again fit: the count went down, it did not only go up
        hub.message(1, seq, b"y" * 300, None, None)
    assert not conn.closing


async def test_a_held_connection_sends_nothing_before_its_first_frame() -> None:
    """Registered while its hello is being prepared: what arrives meanwhile waits, and goes after the hello."""
    hub = Hub(fill_gap=_no_gap)
    sock = FakeSocket()
    conn = Connection(
        hub.next_connection_id(), User(1, "u1"), "s1", sock, hub.writes, queue_max=8, queue_max_bytes=2**20, held=True
    )
    hub.register(conn, [1])
    hub.message(1, 1, b"m1", None, None)
    await asyncio.sleep(0.01)
    assert sock.sent == []
    conn.push_first(b"hello")
    await asyncio.sleep(0.01)
    assert sock.sent == [b"hello", b"m1"]


async def test_connection_slots_are_reserved_up_to_the_limit_and_released() -> None:
    hub = Hub(fill_gap=_no_gap)
    assert [hub.reserve(1, 3) for _ in range(4)] == [True, True, True, False]
    assert hub.reserve(2, 3)  # per user
    hub.release(1)
    assert hub.reserve(1, 3)
    assert not hub.reserve(1, 3)
    for _ in range(3):
        hub.release(1)
    hub.release(2)
    assert hub.is_empty()


async def test_a_close_the_peer_never_takes_drops_the_connection() -> None:
    """A peer that does not read its close frame is cut off after the close timeout (the transport is aborted)."""
    aborted: list[bool] = []
    sock = FakeSocket(hang_close=True)
    conn = Connection(
        "c1",
        User(1, "u1"),
        "s1",
        sock,
        Hub(fill_gap=_no_gap).writes,
        queue_max=8,
        queue_max_bytes=2**20,
        abort=lambda: aborted.append(True),
        close_timeout_s=0.05,
    )
    conn.close(1008, "too many invalid frames")
    assert conn.close_task is not None
    await asyncio.wait_for(conn.close_task, 1)
    assert (sock.closed_with, aborted) == (1008, [True])


async def test_the_queue_high_water_is_the_deepest_queue_ever_not_the_depth_now() -> None:
    """Three frames queue up behind a paused transport, then drain: the queue is empty again, but
    the high-water says 3, and still does once the connection is gone (issue #12: the metric used to be the depth
    at scrape time, which a burst between scrapes never showed)."""
    hub = Hub(fill_gap=_no_gap)
    gate = asyncio.Event()
    sock = FakeSocket(gate=gate)
    conn = _conn(hub, 1, sock, [1], queue_max=8)
    _conn(hub, 2, FakeSocket(), [1])
    hub.message(1, 1, b"m1", None, None)
    await _turn()
    for seq in range(2, 5):
        hub.message(1, seq, f"m{seq}".encode(), None, None)
    assert (conn.queued(), conn.high_water) == (3, 3)
    gate.set()
    await asyncio.sleep(0.01)
    assert conn.queued() == 0
    assert hub.queue_high_water() == 3
    hub.unregister(conn)
    assert hub.queue_high_water() == 3


async def test_the_heartbeat_pings_a_silent_peer_and_drops_one_that_stays_silent() -> None:
    """One sweep beats every connection (BEATS_PER_HEARTBEAT per heartbeat): silent for a heartbeat, a peer is
    pinged; anything it sends resets the count; silent half a heartbeat after a ping, it is dropped."""
    hub = Hub(fill_gap=_no_gap)
    sock, quiet_sock = FakeSocket(), FakeSocket()
    talker = _conn(hub, 1, sock, [1])
    quiet = _conn(hub, 2, quiet_sock, [1])
    for _ in range(BEATS_PER_HEARTBEAT):
        for conn in (talker, quiet):
            conn.beat()
    assert sock.pings == quiet_sock.pings == 1
    talker.heard()  # its pong
    for _ in range(BEATS_PER_HEARTBEAT // 2):
        for conn in (talker, quiet):
            conn.beat()
    await asyncio.sleep(0)
    assert (talker.dropped, talker.closing) == (False, False)
    assert quiet.dropped and quiet.closing


async def test_a_turns_frames_leave_in_one_write_and_a_broadcast_is_framed_once() -> None:
    """Issue #14: one write per connection per loop turn, whatever it was pushed; the frame of a broadcast is
    built once and the same bytes go to every recipient."""
    hub = Hub(fill_gap=_no_gap)
    socks = [FakeSocket() for _ in range(3)]
    for i, sock in enumerate(socks):
        _conn(hub, i + 1, sock, [1])
    for seq in range(1, 4):
        hub.message(1, seq, f"m{seq}".encode(), None, None)
    hub.to_user(1, b"just-for-one")
    await _turn()
    assert [len(s.writes) for s in socks] == [1, 1, 1]
    assert socks[0].sent == [b"m1", b"m2", b"m3", b"just-for-one"]
    assert socks[1].sent == socks[2].sent == [b"m1", b"m2", b"m3"]
    assert hub.writes.flushes == 1
    hub.message(1, 4, b"m4" * 100, None, None)
    await _turn()
    assert socks[1].writes[-1] is socks[2].writes[-1]  # one frame object for every recipient
    assert socks[1].writes[-1] == b"\x81\x7e\x00\xc8" + b"m4" * 100  # 200 bytes: the 16-bit length form


async def test_frames_pushed_before_a_close_are_never_written_after_it() -> None:
    hub = Hub(fill_gap=_no_gap)
    sock = FakeSocket()
    conn = _conn(hub, 1, sock, [1])
    hub.message(1, 1, b"m1", None, None)
    conn.close(1008, "bye")
    await _turn()
    await asyncio.sleep(0.01)
    assert (sock.writes, sock.closed_with) == ([], 1008)


async def test_a_peer_gone_before_the_flush_costs_the_others_nothing() -> None:
    hub = Hub(fill_gap=_no_gap)
    gone, there = FakeSocket(), FakeSocket()
    _conn(hub, 1, gone, [1])
    _conn(hub, 2, there, [1])
    gone.closed = True  # the TCP connection went away; the reader loop has not unregistered it yet
    hub.message(1, 1, b"m1", None, None)
    await _turn()
    hub.message(1, 2, b"m2", None, None)
    await _turn()
    assert (gone.sent, there.sent) == ([], [b"m1", b"m2"])


async def test_under_a_fan_out_writes_linger_and_a_quiet_server_writes_at_once() -> None:
    """WS_WRITE_LINGER_MS: after a flush to BUSY_WRITES or more connections, the next one waits out the linger
    (so the broadcasts of those milliseconds share writes); after a small flush, the next turn writes."""
    hub = Hub(fill_gap=_no_gap, write_linger_s=0.05)
    socks = [FakeSocket() for _ in range(BUSY_WRITES)]
    for i, sock in enumerate(socks):
        _conn(hub, i + 1, sock, [1])
    hub.message(1, 1, b"m1", None, None)
    await _turn()  # no flush before it: written at once
    assert [len(s.writes) for s in socks] == [1] * BUSY_WRITES
    hub.message(1, 2, b"m2", None, None)
    await _turn()
    hub.message(1, 3, b"m3", None, None)
    await _turn()
    assert socks[0].sent == [b"m1"]  # lingering
    await asyncio.sleep(0.1)
    assert [len(s.writes) for s in socks] == [2] * BUSY_WRITES  # m2 and m3 in one write each
    assert socks[0].sent == [b"m1", b"m2", b"m3"]
    await asyncio.sleep(0.06)  # the linger is over: the next frame is written at the next turn
    hub.to_user(1, b"dm")
    await _turn()
    assert socks[0].sent[-1] == b"dm"
    hub.to_user(2, b"dm2")  # after a small flush nothing lingers
    await _turn()
    assert socks[1].sent[-1] == b"dm2"


async def test_a_users_rooms_are_those_their_open_connections_hear() -> None:
    """A user's second socket registers with the rooms the first one hears (moved by every join and leave since),
    without asking the database; a user with no connection here has none to give."""
    hub = Hub(fill_gap=_no_gap)
    assert hub.rooms_of_user(1) is None
    first = _conn(hub, 1, FakeSocket(), [1, 2])
    hub.joined(1, 3, None)
    hub.left(1, 1, None)
    rooms = hub.rooms_of_user(1)
    assert rooms == {2, 3}
    assert rooms is not first.rooms  # a copy: the new connection's set is its own
    _conn(hub, 2, FakeSocket(), [9])
    assert hub.rooms_of_user(2) == {9} and hub.rooms_of_user(1) == {2, 3}
    hub.unregister(first)
    assert hub.rooms_of_user(1) is None
    await hub.stop()
