"""The hub's change stream on its own: edits, deletions and reactions reach a room's connections in change_seq
order, independently of its messages, and a gap is read back from the store as the changed messages' current
state, passing over changes a later change of the same message superseded."""

from __future__ import annotations

import asyncio

from test_hub import FakeSocket, _conn, _no_gap, _turn

from parley.live.hub import Hub


async def test_out_of_order_changes_go_out_in_change_seq_order() -> None:
    hub = Hub(fill_gap=_no_gap, fill_changes=_no_gap, gap_wait_s=5)
    hub.seed({1: 4})
    hub.seed_changes({1: 0})
    sock = FakeSocket()
    _conn(hub, 1, sock, [1])
    hub.change(1, 2, b"c2")
    hub.change(1, 3, b"c3")
    hub.message(1, 5, b"m5", None, None)  # messages are a stream of their own: nothing waits for the changes
    await asyncio.sleep(0)
    assert sock.sent == [b"m5"]
    hub.change(1, 1, b"c1")
    hub.change(1, 2, b"c2-again")  # a duplicate publish is ignored
    await asyncio.sleep(0.01)
    assert sock.sent == [b"m5", b"c1", b"c2", b"c3"]
    await hub.stop()


async def test_a_room_made_after_start_up_starts_at_change_1() -> None:
    hub = Hub(fill_gap=_no_gap, fill_changes=_no_gap, gap_wait_s=5)
    sock = FakeSocket()
    _conn(hub, 1, sock, [9])
    hub.change(9, 1, b"c1")
    await _turn()
    assert sock.sent == [b"c1"]
    await hub.stop()


async def test_a_gap_is_read_back_skipping_superseded_changes() -> None:
    asked: list[tuple[int, int, int]] = []

    async def fill(room: int, after: int, upto: int) -> list[tuple[int, bytes]]:
        # The store keeps each message's latest change only: changes 11 and 13 were superseded (by 12 and 15).
        asked.append((room, after, upto))
        return [(seq, f"now{seq}".encode()) for seq in (12, 14) if after < seq <= upto]

    hub = Hub(fill_gap=_no_gap, fill_changes=fill, gap_wait_s=0.01)
    hub.seed_changes({7: 10})
    sock = FakeSocket()
    _conn(hub, 1, sock, [7])
    hub.change(7, 15, b"c15")
    await asyncio.sleep(0.1)
    assert asked == [(7, 10, 14)]
    assert sock.sent == [b"now12", b"now14", b"c15"]
    hub.change(7, 16, b"c16")
    await _turn()
    assert sock.sent[-1] == b"c16"
    await hub.stop()


async def test_a_purged_message_in_a_gap_does_not_swallow_the_ones_after_it() -> None:
    """Seq 12 was purged: the store returns 11 and 13 for the gap 10..13, and both go out."""

    async def fill(room: int, after: int, upto: int) -> list[tuple[int, bytes]]:
        return [(seq, f"stored{seq}".encode()) for seq in (11, 13) if after < seq <= upto]

    hub = Hub(fill_gap=fill, gap_wait_s=0.01)
    hub.seed({7: 10})
    sock = FakeSocket()
    _conn(hub, 1, sock, [7])
    hub.message(7, 14, b"m14", None, None)
    await asyncio.sleep(0.1)
    assert sock.sent == [b"stored11", b"stored13", b"m14"]
    await hub.stop()
