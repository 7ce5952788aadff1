"""Invites: made, listed and revoked by admins; used (once) by a registration, inside its transaction."""

from __future__ import annotations

from ..models import Invite, User
from .core import Database, Row, StoreError, Tx

# Rows an invite listing returns, newest first: far more than any team has open, bounded all the same.
INVITES_LISTED_MAX = 500

_COLUMNS = (
    "i.id, i.created_at, i.expires_at, i.used_at, i.revoked_at,"
    " c.id, c.username, c.is_admin, u.id, u.username, u.is_admin"
)
_FROM = "invites i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users u ON u.id = i.used_by"


class InviteInvalid(StoreError):
    """No usable invite has that token: unknown, used, revoked or expired (deliberately not said which)."""


def _user(row: Row, at: int) -> User | None:
    return None if row[at] is None else User(int(row[at]), row[at + 1], bool(row[at + 2]))


def _invite(row: Row) -> Invite:
    return Invite(
        id=int(row[0]),
        created_by=_user(row, 5),
        created_at=int(row[1]),
        expires_at=int(row[2]),
        used_by=_user(row, 8),
        used_at=None if row[3] is None else int(row[3]),
        revoked_at=None if row[4] is None else int(row[4]),
    )


async def use_invite(tx: Tx, token_hash: str, now_ms: int) -> None:
    """Mark the invite used in the caller's transaction, or raise InviteInvalid (the caller's work rolls back).

    One statement decides: of two registrations with one token, the second waits for the first's row lock
    (MySQL) or write lock (SQLite) and then finds used_at set, so exactly one wins.
    """
    changed = await tx.execute(
        "UPDATE invites SET used_at = %s WHERE token_hash = %s"
        " AND used_at IS NULL AND revoked_at IS NULL AND expires_at > %s",
        (now_ms, token_hash, now_ms),
    )
    if changed != 1:
        raise InviteInvalid("invite")


async def record_invitee(tx: Tx, token_hash: str, user_id: int) -> None:
    await tx.execute("UPDATE invites SET used_by = %s WHERE token_hash = %s", (user_id, token_hash))


class InviteQueries(Database):
    async def create_invite(self, token_hash: str, created_by: User | None, now_ms: int, expires_ms: int) -> Invite:
        async with self.transaction() as tx:
            invite_id = await tx.insert(
                "INSERT INTO invites (token_hash, created_by, created_at, expires_at) VALUES (%s, %s, %s, %s)",
                (token_hash, None if created_by is None else created_by.id, now_ms, expires_ms),
            )
        return Invite(invite_id, created_by, now_ms, expires_ms, None, None, None)

    async def invite(self, invite_id: int) -> Invite | None:
        async with self.read() as tx:
            row = await tx.fetchone(f"SELECT {_COLUMNS} FROM {_FROM} WHERE i.id = %s", (invite_id,))
        return None if row is None else _invite(row)

    async def invite_id_by_hash(self, token_hash: str) -> int | None:
        async with self.read() as tx:
            row = await tx.fetchone("SELECT id FROM invites WHERE token_hash = %s", (token_hash,))
        return None if row is None else int(row[0])

    async def invite_usable(self, token_hash: str, now_ms: int) -> bool:
        """Whether a registration could use this invite now (it may still lose the race to use it)."""
        async with self.read() as tx:
            row = await tx.fetchone(
                "SELECT 1 FROM invites WHERE token_hash = %s AND used_at IS NULL AND revoked_at IS NULL"
                " AND expires_at > %s",
                (token_hash, now_ms),
            )
        return row is not None

    async def list_invites(self, limit: int = INVITES_LISTED_MAX) -> list[Invite]:
        async with self.read() as tx:
            rows = await tx.fetchall(f"SELECT {_COLUMNS} FROM {_FROM} ORDER BY i.id DESC LIMIT %s", (limit,))
        return [_invite(r) for r in rows]

    async def revoke_invite(self, invite_id: int, now_ms: int) -> bool:
        """Revoke an invite that is not yet used or revoked; False if there is no such invite at all."""
        async with self.transaction() as tx:
            if await tx.fetchone("SELECT id FROM invites WHERE id = %s", (invite_id,)) is None:
                return False
            await tx.execute(
                "UPDATE invites SET revoked_at = %s WHERE id = %s AND used_at IS NULL AND revoked_at IS NULL",
                (now_ms, invite_id),
            )
        return True
