"""TypingTracker on literal times: every test asserts the exact changes emitted."""

from __future__ import annotations

import pytest

from parley.live.typing_state import TypingChange, TypingTracker

EXPIRY_MS = 6_000
ROOM = 10
OTHER_ROOM = 20
ALICE = 1
BOB = 2


def on(room_id: int, user_id: int) -> TypingChange:
    return TypingChange(room_id, user_id, True)


def off(room_id: int, user_id: int) -> TypingChange:
    return TypingChange(room_id, user_id, False)


@pytest.fixture
def tracker() -> TypingTracker:
    return TypingTracker(expiry_ms=EXPIRY_MS)


def test_start_announces_once_and_refresh_is_silent(tracker: TypingTracker) -> None:
    assert tracker.start(ROOM, ALICE, 1_000) == [on(ROOM, ALICE)]
    assert tracker.start(ROOM, ALICE, 4_000) == []
    assert tracker.typing_in(ROOM) == [ALICE]


def test_expiry_is_inclusive_at_the_deadline(tracker: TypingTracker) -> None:
    """Not refreshed: still typing 1 ms before start + expiry, over at exactly that instant."""
    tracker.start(ROOM, ALICE, 1_000)
    assert tracker.next_deadline_ms() == 7_000
    assert tracker.tick(6_999) == []
    assert tracker.tick(7_000) == [off(ROOM, ALICE)]
    assert tracker.typing_in(ROOM) == []
    assert tracker.is_empty()


def test_refresh_extends_the_deadline(tracker: TypingTracker) -> None:
    """Refreshes every 3 s keep the state alive; it expires expiry_ms after the last one."""
    tracker.start(ROOM, ALICE, 1_000)
    assert tracker.start(ROOM, ALICE, 4_000) == []
    assert tracker.start(ROOM, ALICE, 7_000) == []
    assert tracker.tick(7_000) == []  # the first deadline passed, but was moved
    assert tracker.tick(12_999) == []
    assert tracker.next_deadline_ms() == 13_000
    assert tracker.tick(13_000) == [off(ROOM, ALICE)]
    assert tracker.is_empty()


def test_refresh_at_the_deadline_before_a_sweep_reports_the_expiry_first(tracker: TypingTracker) -> None:
    """Same sequence as a punctual sweep: the state ended at its deadline, the late refresh starts a new one."""
    tracker.start(ROOM, ALICE, 1_000)
    assert tracker.start(ROOM, ALICE, 7_000) == [off(ROOM, ALICE), on(ROOM, ALICE)]
    assert tracker.tick(7_000) == []
    assert tracker.tick(13_000) == [off(ROOM, ALICE)]


def test_restart_after_expiry_announces_again(tracker: TypingTracker) -> None:
    tracker.start(ROOM, ALICE, 1_000)
    assert tracker.tick(7_000) == [off(ROOM, ALICE)]
    assert tracker.start(ROOM, ALICE, 8_000) == [on(ROOM, ALICE)]


def test_stop_ends_at_once(tracker: TypingTracker) -> None:
    tracker.start(ROOM, ALICE, 1_000)
    assert tracker.stop(ROOM, ALICE) == [off(ROOM, ALICE)]
    assert tracker.tick(7_000) == []  # the old deadline announces nothing
    assert tracker.is_empty()


def test_stop_of_a_non_typing_user_is_silent(tracker: TypingTracker) -> None:
    assert tracker.stop(ROOM, ALICE) == []
    tracker.start(ROOM, ALICE, 1_000)
    tracker.stop(ROOM, ALICE)
    assert tracker.stop(ROOM, ALICE) == []
    assert tracker.stop(OTHER_ROOM, BOB) == []
    assert tracker.is_empty()


def test_message_sent_clears_typing(tracker: TypingTracker) -> None:
    tracker.start(ROOM, ALICE, 1_000)
    assert tracker.message_sent(ROOM, ALICE) == [off(ROOM, ALICE)]
    assert tracker.message_sent(ROOM, ALICE) == []  # a second message while not typing: nothing
    assert tracker.is_empty()


def test_message_sent_in_another_room_keeps_typing(tracker: TypingTracker) -> None:
    tracker.start(ROOM, ALICE, 1_000)
    assert tracker.message_sent(OTHER_ROOM, ALICE) == []
    assert tracker.typing_in(ROOM) == [ALICE]


def test_left_room_clears_typing_there_only(tracker: TypingTracker) -> None:
    tracker.start(ROOM, ALICE, 1_000)
    tracker.start(OTHER_ROOM, ALICE, 1_000)
    assert tracker.left_room(ROOM, ALICE) == [off(ROOM, ALICE)]
    assert tracker.typing_in(ROOM) == []
    assert tracker.typing_in(OTHER_ROOM) == [ALICE]


def test_user_gone_clears_every_room_of_that_user(tracker: TypingTracker) -> None:
    """The user's last connection closed: their typing ends in every room, others are untouched."""
    tracker.start(OTHER_ROOM, ALICE, 1_000)
    tracker.start(ROOM, ALICE, 1_500)
    tracker.start(ROOM, BOB, 2_000)
    assert tracker.user_gone(ALICE) == [off(ROOM, ALICE), off(OTHER_ROOM, ALICE)]
    assert tracker.user_gone(ALICE) == []
    assert tracker.typing_in(ROOM) == [BOB]
    assert tracker.tick(7_500) == []
    assert tracker.tick(8_000) == [off(ROOM, BOB)]
    assert tracker.is_empty()


def test_several_rooms_and_users_expire_in_deadline_order(tracker: TypingTracker) -> None:
    assert tracker.start(ROOM, ALICE, 1_000) == [on(ROOM, ALICE)]
    assert tracker.start(ROOM, BOB, 2_000) == [on(ROOM, BOB)]
    assert tracker.start(OTHER_ROOM, ALICE, 3_000) == [on(OTHER_ROOM, ALICE)]
    assert tracker.typing_in(ROOM) == [ALICE, BOB]
    assert tracker.typing_in(OTHER_ROOM) == [ALICE]
    assert tracker.next_deadline_ms() == 7_000
    assert tracker.tick(8_000) == [off(ROOM, ALICE), off(ROOM, BOB)]
    assert tracker.typing_in(ROOM) == []
    assert tracker.next_deadline_ms() == 9_000
    assert tracker.tick(9_000) == [off(OTHER_ROOM, ALICE)]
    assert tracker.next_deadline_ms() is None
    assert tracker.is_empty()


def test_next_deadline_skips_stale_entries(tracker: TypingTracker) -> None:
    tracker.start(ROOM, ALICE, 1_000)
    tracker.start(ROOM, BOB, 2_000)
    tracker.stop(ROOM, ALICE)
    assert tracker.next_deadline_ms() == 8_000
    tracker.start(ROOM, BOB, 5_000)
    assert tracker.next_deadline_ms() == 11_000


def test_tables_empty_after_long_typing_sessions(tracker: TypingTracker) -> None:
    """Many refreshes in many rooms, then silence: everything expires and nothing is held."""
    for t in range(0, 60_000, 3_000):
        for room_id in range(5):
            for user_id in range(4):
                tracker.start(room_id, user_id, t)
    assert len(tracker._heap) <= 3 * 20 + 64  # refreshes leave a bounded number of stale deadlines
    changes = tracker.tick(100_000)
    assert len(changes) == 20
    assert all(not c.active for c in changes)
    assert tracker.is_empty()


def test_non_positive_expiry_is_refused() -> None:
    with pytest.raises(ValueError, match="expiry_ms"):
        TypingTracker(expiry_ms=0)
