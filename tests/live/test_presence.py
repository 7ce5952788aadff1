"""PresenceTracker on literal times: every test asserts the exact changes emitted."""

from __future__ import annotations

import pytest

from parley.live.presence import PresenceChange, PresenceTracker

GRACE_MS = 5_000
ALICE = 1
BOB = 2


def online(user_id: int, at_ms: int) -> PresenceChange:
    return PresenceChange(user_id, "online", at_ms, None)


def idle(user_id: int, at_ms: int) -> PresenceChange:
    return PresenceChange(user_id, "idle", at_ms, None)


def offline(user_id: int, at_ms: int, last_seen_ms: int) -> PresenceChange:
    return PresenceChange(user_id, "offline", at_ms, last_seen_ms)


@pytest.fixture
def tracker() -> PresenceTracker:
    return PresenceTracker(grace_ms=GRACE_MS)


def test_first_connection_announces_online(tracker: PresenceTracker) -> None:
    """An offline user opens a tab: online at once, last_seen is null."""
    assert tracker.status(ALICE) == "offline"
    assert tracker.connect(ALICE, "a1", 1_000) == [online(ALICE, 1_000)]
    assert tracker.status(ALICE) == "online"
    assert tracker.online_user_ids() == [ALICE]


def test_two_tabs_closing_one_keeps_user_online(tracker: PresenceTracker) -> None:
    """A second tab announces nothing; closing one of two tabs announces nothing and starts no grace."""
    tracker.connect(ALICE, "a1", 1_000)
    assert tracker.connect(ALICE, "a2", 2_000) == []
    assert tracker.disconnect(ALICE, "a1", 3_000) == []
    assert tracker.next_deadline_ms() is None
    assert tracker.tick(100_000) == []
    assert tracker.status(ALICE) == "online"


def test_last_tab_closes_offline_only_after_grace(tracker: PresenceTracker) -> None:
    """Closing the last tab: still online during the grace, offline at its end with last_seen = disconnect."""
    tracker.connect(ALICE, "a1", 1_000)
    assert tracker.disconnect(ALICE, "a1", 10_000) == []
    assert tracker.status(ALICE) == "online"
    assert tracker.online_user_ids() == [ALICE]
    assert tracker.has_connections(ALICE) is False
    assert tracker.next_deadline_ms() == 15_000
    assert tracker.tick(14_999) == []
    assert tracker.tick(15_000) == [offline(ALICE, 15_000, 10_000)]
    assert tracker.status(ALICE) == "offline"
    assert tracker.online_user_ids() == []
    assert tracker.is_empty()


def test_offline_at_is_the_grace_end_even_when_the_sweep_is_late(tracker: PresenceTracker) -> None:
    """A late sweep still reports the time the grace ended, and last_seen stays the disconnect time."""
    tracker.connect(ALICE, "a1", 1_000)
    tracker.disconnect(ALICE, "a1", 10_000)
    assert tracker.tick(17_500) == [offline(ALICE, 15_000, 10_000)]


def test_reload_inside_grace_announces_nothing(tracker: PresenceTracker) -> None:
    """A page reload: close then reconnect within the grace shows neither offline nor a second online."""
    tracker.connect(ALICE, "a1", 1_000)
    assert tracker.disconnect(ALICE, "a1", 10_000) == []
    assert tracker.connect(ALICE, "a2", 10_300) == []
    assert tracker.next_deadline_ms() is None
    assert tracker.tick(15_000) == []
    assert tracker.tick(60_000) == []
    assert tracker.status(ALICE) == "online"


def test_reload_one_ms_before_grace_end_announces_nothing(tracker: PresenceTracker) -> None:
    tracker.connect(ALICE, "a1", 1_000)
    tracker.disconnect(ALICE, "a1", 10_000)
    assert tracker.connect(ALICE, "a2", 14_999) == []
    assert tracker.tick(15_000) == []


def test_reload_after_grace_offline_then_online(tracker: PresenceTracker) -> None:
    """Reconnecting after the grace ran out: offline was announced, and the new tab announces online."""
    tracker.connect(ALICE, "a1", 1_000)
    tracker.disconnect(ALICE, "a1", 10_000)
    assert tracker.tick(15_000) == [offline(ALICE, 15_000, 10_000)]
    assert tracker.connect(ALICE, "a2", 20_000) == [online(ALICE, 20_000)]


def test_connect_after_grace_before_sweep_reports_the_overdue_offline_first(tracker: PresenceTracker) -> None:
    """The same sequence as a punctual sweep, even if no tick ran: grace end is inclusive."""
    tracker.connect(ALICE, "a1", 1_000)
    tracker.disconnect(ALICE, "a1", 10_000)
    assert tracker.connect(ALICE, "a2", 15_000) == [offline(ALICE, 15_000, 10_000), online(ALICE, 15_000)]
    assert tracker.tick(15_000) == []  # the stale deadline is skipped
    assert tracker.status(ALICE) == "online"
    assert tracker.next_deadline_ms() is None


def test_idle_only_when_all_tabs_idle(tracker: PresenceTracker) -> None:
    """One idle tab of two keeps the user online; both idle makes them idle; one back to online, online."""
    tracker.connect(ALICE, "a1", 1_000)
    tracker.connect(ALICE, "a2", 1_000)
    assert tracker.report(ALICE, "a1", "idle", 2_000) == []
    assert tracker.status(ALICE) == "online"
    assert tracker.report(ALICE, "a2", "idle", 3_000) == [idle(ALICE, 3_000)]
    assert tracker.status(ALICE) == "idle"
    assert tracker.report(ALICE, "a1", "idle", 3_500) == []  # repeated report: no transition
    assert tracker.report(ALICE, "a1", "online", 4_000) == [online(ALICE, 4_000)]
    assert tracker.status(ALICE) == "online"


def test_new_tab_of_idle_user_makes_them_online(tracker: PresenceTracker) -> None:
    """A new connection starts active."""
    tracker.connect(ALICE, "a1", 1_000)
    assert tracker.report(ALICE, "a1", "idle", 2_000) == [idle(ALICE, 2_000)]
    assert tracker.connect(ALICE, "a2", 3_000) == [online(ALICE, 3_000)]


def test_closing_only_active_tab_while_other_idle_makes_user_idle(tracker: PresenceTracker) -> None:
    tracker.connect(ALICE, "a1", 1_000)
    tracker.connect(ALICE, "a2", 1_000)
    tracker.report(ALICE, "a2", "idle", 2_000)
    assert tracker.disconnect(ALICE, "a1", 3_000) == [idle(ALICE, 3_000)]
    assert tracker.status(ALICE) == "idle"


def test_closing_idle_tab_while_other_active_announces_nothing(tracker: PresenceTracker) -> None:
    tracker.connect(ALICE, "a1", 1_000)
    tracker.connect(ALICE, "a2", 1_000)
    tracker.report(ALICE, "a2", "idle", 2_000)
    assert tracker.disconnect(ALICE, "a2", 3_000) == []
    assert tracker.status(ALICE) == "online"


def test_idle_user_in_grace_keeps_idle_and_reload_announces_online(tracker: PresenceTracker) -> None:
    """An idle user's last tab closes: they show idle during the grace; a reload makes them online."""
    tracker.connect(ALICE, "a1", 1_000)
    tracker.report(ALICE, "a1", "idle", 2_000)
    assert tracker.disconnect(ALICE, "a1", 3_000) == []
    assert tracker.status(ALICE) == "idle"
    assert tracker.online_user_ids() == [ALICE]
    assert tracker.connect(ALICE, "a2", 4_000) == [online(ALICE, 4_000)]


def test_idle_user_goes_offline_after_grace(tracker: PresenceTracker) -> None:
    tracker.connect(ALICE, "a1", 1_000)
    tracker.report(ALICE, "a1", "idle", 2_000)
    tracker.disconnect(ALICE, "a1", 3_000)
    assert tracker.tick(8_000) == [offline(ALICE, 8_000, 3_000)]


def test_last_seen_is_the_last_disconnect_not_the_first(tracker: PresenceTracker) -> None:
    tracker.connect(ALICE, "a1", 1_000)
    tracker.connect(ALICE, "a2", 1_000)
    tracker.disconnect(ALICE, "a1", 2_000)
    tracker.disconnect(ALICE, "a2", 9_000)
    assert tracker.tick(13_999) == []
    assert tracker.tick(14_000) == [offline(ALICE, 14_000, 9_000)]


def test_reload_then_close_again_restarts_the_grace(tracker: PresenceTracker) -> None:
    """The first grace is cancelled by the reload; only the second one's end counts."""
    tracker.connect(ALICE, "a1", 1_000)
    tracker.disconnect(ALICE, "a1", 10_000)
    tracker.connect(ALICE, "a2", 11_000)
    tracker.disconnect(ALICE, "a2", 12_000)
    assert tracker.next_deadline_ms() == 17_000
    assert tracker.tick(15_000) == []
    assert tracker.tick(17_000) == [offline(ALICE, 17_000, 12_000)]
    assert tracker.is_empty()


def test_several_users_go_offline_in_deadline_order(tracker: PresenceTracker) -> None:
    tracker.connect(ALICE, "a1", 1_000)
    tracker.connect(BOB, "b1", 1_000)
    assert tracker.online_user_ids() == [ALICE, BOB]
    tracker.disconnect(BOB, "b1", 2_000)
    tracker.disconnect(ALICE, "a1", 3_000)
    assert tracker.next_deadline_ms() == 7_000
    assert tracker.tick(10_000) == [offline(BOB, 7_000, 2_000), offline(ALICE, 8_000, 3_000)]
    assert tracker.is_empty()


def test_users_are_independent(tracker: PresenceTracker) -> None:
    tracker.connect(ALICE, "a1", 1_000)
    assert tracker.connect(BOB, "b1", 1_500) == [online(BOB, 1_500)]
    assert tracker.report(BOB, "b1", "idle", 2_000) == [idle(BOB, 2_000)]
    assert tracker.status(ALICE) == "online"
    tracker.disconnect(ALICE, "a1", 3_000)
    assert tracker.tick(8_000) == [offline(ALICE, 8_000, 3_000)]
    assert tracker.status(BOB) == "idle"


def test_unknown_connection_events_are_ignored(tracker: PresenceTracker) -> None:
    """A close seen twice, or a presence.set racing its connection's close, changes nothing."""
    assert tracker.disconnect(ALICE, "nope", 1_000) == []
    assert tracker.report(ALICE, "nope", "idle", 1_000) == []
    tracker.connect(ALICE, "a1", 1_000)
    tracker.disconnect(ALICE, "a1", 2_000)
    assert tracker.disconnect(ALICE, "a1", 2_001) == []
    assert tracker.report(ALICE, "a1", "idle", 2_002) == []
    assert tracker.status(ALICE) == "online"
    assert tracker.next_deadline_ms() == 7_000


def test_tables_empty_after_many_connections_and_reloads(tracker: PresenceTracker) -> None:
    """No leak per connection: after every close and every grace, nothing is held."""
    for i in range(200):
        user_id = i % 7
        tracker.connect(user_id, f"c{i}", 1_000 + i)
        tracker.report(user_id, f"c{i}", "idle", 1_000 + i)
        tracker.disconnect(user_id, f"c{i}", 1_000 + i)  # each one reloads inside the grace of the previous
    assert not tracker.is_empty()
    changes = tracker.tick(1_000_000)
    assert [c.status for c in changes] == ["offline"] * 7
    assert tracker.is_empty()
    assert tracker.next_deadline_ms() is None


def test_cancelled_graces_do_not_pile_up(tracker: PresenceTracker) -> None:
    """Reload churn without a sweep leaves a bounded number of stale deadlines behind (heap compaction)."""
    tracker.connect(ALICE, "keep", 0)
    tracker.connect(BOB, "b0", 0)
    for i in range(1, 1_000):
        tracker.disconnect(BOB, f"b{i - 1}", i)
        tracker.connect(BOB, f"b{i}", i)
    assert len(tracker._heap) < 200
    assert tracker.next_deadline_ms() is None


def test_zero_grace_goes_offline_on_the_next_tick() -> None:
    tracker = PresenceTracker(grace_ms=0)
    tracker.connect(ALICE, "a1", 1_000)
    assert tracker.disconnect(ALICE, "a1", 2_000) == []
    assert tracker.tick(2_000) == [offline(ALICE, 2_000, 2_000)]


def test_negative_grace_is_refused() -> None:
    with pytest.raises(ValueError, match="grace_ms"):
        PresenceTracker(grace_ms=-1)
