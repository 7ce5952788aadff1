"""Names already stored, against today's rules: `parley migrate` (after the migration that changed how names
fold) and `parley check-names` list what an operator must fix by hand.

Two kinds of finding: a name that breaks the rules of actions/names.py (an "admin\\n" registered before the rules
were tightened, a room name mixing scripts), and two names that now fold to the same key (full-width `GENERAL` beside
`general`), of which the newer keeps its old key until one is renamed. Nothing is changed but the keys.
"""

from __future__ import annotations

from parley.actions import names
from parley.store import Store
from parley.store.name_keys import recompute_name_keys


async def check_names(store: Store) -> list[str]:
    """Recompute the keys where possible; return one line per finding (empty: nothing to fix)."""
    findings = []
    for clash in await recompute_name_keys(store):
        kind, fix = ("user", "parley disable one of them") if clash.table == "users" else ("room", "parley rename-room")
        findings.append(
            f"{kind} {clash.id} {clash.name!r} folds to the same name as {kind} {clash.holder_id}"
            f" {clash.holder_name!r}: {fix}"
        )
    for account in await store.list_accounts():
        problem = names.username_problem(account.username)
        if problem is not None:
            findings.append(f"user {account.id} {account.username!r} breaks the username rule: {problem}")
    for room in await store.all_rooms():
        if room.kind == "dm":
            continue  # no name of its own
        problem = names.room_name_problem(room.name)
        if problem is not None:
            findings.append(f"room {room.id} {room.name!r} breaks the room name rule: {problem}")
    return findings
