"""Invites: how people join when REGISTRATION=invite (docs/protocol.md "Registration and invites").

Policy:
- Admins make them (admin REST, the web app, `parley invite create`). A token is 32 random URL-safe characters,
  shown once to its maker; the store keeps only its SHA-256, so a leaked database invites nobody.
- An invite is good for one registration until it expires (7 days unless the maker says otherwise, at most
  90) or an admin revokes it. Unknown, used, revoked and expired tokens are refused alike, 403 `invite_invalid`:
  the answer says nothing about which.
- The registration uses the invite in the transaction that creates the user (store/invites.py), so two people
  racing with one link make one account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Literal

from parley import errors
from parley.clock import Clock
from parley.models import Invite, User
from parley.store import Store

# A week: long enough to reach someone over a weekend, short enough that a forgotten link stops working.
DEFAULT_EXPIRY_S = 7 * 24 * 3600
# A quarter: an invite is for someone expected soon, not a standing open door.
MAX_EXPIRY_S = 90 * 24 * 3600
# What a token can look like (secrets.token_urlsafe output); anything else is refused before any hashing.
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")

InviteState = Literal["active", "used", "revoked", "expired"]


def new_token() -> str:
    # 24 random bytes: 192 bits, past guessing.
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def state(invite: Invite, now_ms: int) -> InviteState:
    if invite.used_at is not None:
        return "used"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now_ms:
        return "expired"
    return "active"


def invite_invalid() -> errors.ApiError:
    return errors.ApiError(403, "invite_invalid", "This invite link is not valid: it may be used up or expired.")


def invite_not_found() -> errors.ApiError:
    return errors.ApiError(404, "invite_not_found", "No such invite.")


class Invites:
    def __init__(self, *, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def create(self, creator: User | None, expires_s: int = DEFAULT_EXPIRY_S) -> tuple[Invite, str]:
        """A new invite and its token (the only time the token exists outside the invitee's hands)."""
        if not 1 <= expires_s <= MAX_EXPIRY_S:
            raise errors.validation_failed({"expires_s": [f"Must be between 1 and {MAX_EXPIRY_S}."]})
        token = new_token()
        now_ms = self._clock.now_ms()
        invite = await self._store.create_invite(token_hash(token), creator, now_ms, now_ms + expires_s * 1000)
        return invite, token

    async def list(self) -> list[Invite]:
        return await self._store.list_invites()

    async def revoke(self, invite_id: int) -> Invite:
        """Revoke an invite (one already used or revoked stays as it is); 404 if there is no such invite."""
        if not await self._store.revoke_invite(invite_id, self._clock.now_ms()):
            raise invite_not_found()
        invite = await self._store.invite(invite_id)
        if invite is None:
            raise invite_not_found()
        return invite

    async def id_of_token(self, token: str) -> int | None:
        if TOKEN.fullmatch(token) is None:
            return None
        return await self._store.invite_id_by_hash(token_hash(token))

    def state(self, invite: Invite) -> InviteState:
        return state(invite, self._clock.now_ms())
