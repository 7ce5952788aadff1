"""The presence board merges per-process statuses: several processes, idle everywhere, a process dying."""

from __future__ import annotations

from parley.live.presence_board import BoardChange, PresenceBoard
from parley.models import User

ANA = User(1, "ana")
R = frozenset({1})


def test_one_process_passes_statuses_through() -> None:
    board = PresenceBoard()
    assert board.update("a", ANA, R, "online") == BoardChange(ANA, "online", R)
    assert board.update("a", ANA, R, "idle") == BoardChange(ANA, "idle", R)
    assert board.update("a", ANA, R, "offline") == BoardChange(ANA, "offline", R)
    assert board.is_empty()


def test_online_anywhere_is_online() -> None:
    board = PresenceBoard()
    board.update("a", ANA, R, "idle")
    assert board.update("b", ANA, frozenset({2}), "online") == BoardChange(ANA, "online", frozenset({1, 2}))
    assert board.update("a", ANA, R, "offline") is None
    assert board.status(1) == "online"
    assert board.update("b", ANA, frozenset({2}), "idle") == BoardChange(ANA, "idle", frozenset({2}))


def test_idle_only_when_idle_everywhere() -> None:
    board = PresenceBoard()
    board.update("a", ANA, R, "online")
    board.update("b", ANA, R, "online")
    assert board.update("a", ANA, R, "idle") is None
    assert board.update("b", ANA, R, "idle") == BoardChange(ANA, "idle", R)


def test_a_dead_process_takes_its_users_offline() -> None:
    board = PresenceBoard()
    bo = User(2, "bo")
    board.update("a", ANA, R, "online")
    board.update("a", bo, R, "online")
    board.update("b", bo, R, "idle")
    changes = board.drop_process("a")
    assert changes == [BoardChange(ANA, "offline", R), BoardChange(bo, "idle", R)]
    assert board.present_user_ids() == [2]
    assert board.processes() == {"b"}
