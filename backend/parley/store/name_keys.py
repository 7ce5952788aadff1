"""Recomputing the uniqueness keys of usernames and room names when the way keys are made changes (migration
0008: NFKC folding on top of case folding).

Two rows whose names used to differ may now fold to one key. The unique index keeps the first of them (lowest id)
on the new key and the other on the key it had, and each such pair is reported (never dropped silently): the
operator renames one (`parley rename-room`), after which `parley check-names` finds nothing to report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .core import NAME_KEY_MAX, Conflict, Database, room_name_key, username_key


@dataclass(frozen=True, slots=True)
class KeyClash:
    """`name` (row `id` of `table`) folds to `key`, which row `holder_id` named `holder_name` already has."""

    table: str  # "users" or "rooms"
    id: int
    name: str
    key: str
    holder_id: int
    holder_name: str


# (table, name column, key column, key function, which rows). A DM has no name: its key is made from its members
# (store/conversations.py), so it is no name to fold.
_TABLES = (
    ("users", "username", "username_key", username_key, ""),
    ("rooms", "name", "name_key", room_name_key, " WHERE kind = 'room'"),
)


async def recompute_name_keys(db: Database) -> list[KeyClash]:
    """Set every user's and room's key to what the current key functions make of its name, where no other row
    holds that key; return the rows that could not get theirs. Idempotent."""
    clashes: list[KeyClash] = []
    for table, name_column, key_column, fold, which in _TABLES:
        async with db.transaction() as tx:
            rows = await tx.fetchall(f"SELECT id, {name_column}, {key_column} FROM {table}{which} ORDER BY id")
            # A key longer than the column keeps the old one; `parley check-names` reports that name as too long.
            stale = {
                int(r[0]): (r[1], fold(r[1])) for r in rows if fold(r[1]) != r[2] and len(fold(r[1])) <= NAME_KEY_MAX
            }
            # A row may wait for another to move off its new key first: repeat while a pass makes progress.
            while stale:
                moved = []
                for row_id, (_name, key) in stale.items():
                    try:
                        await tx.execute(f"UPDATE {table} SET {key_column} = %s WHERE id = %s", (key, row_id))
                    except Conflict:
                        continue
                    moved.append(row_id)
                for row_id in moved:
                    del stale[row_id]
                if not moved:
                    break
            for row_id, (name, key) in stale.items():
                holder = await tx.fetchone(f"SELECT id, {name_column} FROM {table} WHERE {key_column} = %s", (key,))
                if holder is not None:
                    clashes.append(KeyClash(table, row_id, name, key, int(holder[0]), holder[1]))
    return clashes
