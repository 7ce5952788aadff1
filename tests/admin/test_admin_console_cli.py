"""The `parley` commands that share their rules with the admin console's API (actions/administration.py):
end-sessions, list-users --search, and the room changes a running server hears of through the room_events log.
The operator at the shell is not an actor: the web app's "not yourself" rules do not bind them."""

from __future__ import annotations

import json

import pytest
import test_admin_cli
from test_admin_cli import add_user, fails, with_store

from parley import cli
from parley.settings import DatabaseUrl
from parley.store import Store, session_key

# The environment and migrated database of the admin command tests.
env = test_admin_cli.env
db = test_admin_cli.db


def test_end_sessions_logs_a_user_out_and_keeps_the_account(
    db: DatabaseUrl, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id = add_user(db, "ann")

    async def sessions(store: Store) -> None:
        await store.create_session("s1", user_id, 1)
        await store.create_session("s2", user_id, 1)

    with_store(db, sessions)
    assert cli.main(["end-sessions", "ANN"]) == 0
    assert cli.main(["end-sessions", "ann"]) == 0
    assert capsys.readouterr().out.splitlines() == ["2 session(s) of ann ended", "0 session(s) of ann ended"]
    ended = with_store(db, lambda s: s.revocations_after(0))
    assert sorted((key, reason) for _, key, reason in ended) == sorted(
        [(session_key("s1"), "reset"), (session_key("s2"), "reset")]
    )
    account = with_store(db, lambda s: s.account_by_id(user_id))
    assert account is not None and not account.disabled and account.password_hash == "h"
    fails(capsys, cli.main(["end-sessions", "nobody"]), "no user named 'nobody'")


def test_list_users_search(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("Anna", "hannah", "bob", "a_b"):
        add_user(db, name)
    assert cli.main(["list-users", "--json", "--search", "ANN"]) == 0
    assert [json.loads(line)["username"] for line in capsys.readouterr().out.splitlines()] == ["Anna", "hannah"]
    assert cli.main(["list-users", "--json", "--search", "_"]) == 0
    assert [json.loads(line)["username"] for line in capsys.readouterr().out.splitlines()] == ["a_b"]
    assert cli.main(["list-users", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_the_operator_may_demote_and_disable_anyone(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    user_id = add_user(db, "root", admin=True)
    assert cli.main(["unset-admin", "root"]) == 0
    assert cli.main(["disable", "root"]) == 0
    account = with_store(db, lambda s: s.account_by_id(user_id))
    assert account is not None and (account.is_admin, account.disabled) == (False, True)


def test_room_changes_are_logged_for_running_servers(db: DatabaseUrl, capsys: pytest.CaptureFixture[str]) -> None:
    user_id = add_user(db, "ann")
    assert cli.main(["add-member", "general", "ann"]) == 0
    start = with_store(db, lambda s: s.last_room_event_id())
    assert cli.main(["rename-room", "general", "lobby"]) == 0
    assert cli.main(["archive-room", "lobby"]) == 0
    assert cli.main(["remove-member", "lobby", "ann"]) == 0
    assert cli.main(["remove-member", "lobby", "ann"]) == 0
    events = with_store(db, lambda s: s.room_events_after(start))
    assert [(room, user, kind) for _, room, user, kind in events] == [
        (1, None, "updated"),
        (1, None, "updated"),
        (1, user_id, "member_removed"),
    ]
    fails(capsys, cli.main(["rename-room", "lobby", " padded"]), "bad room name ' padded'")
