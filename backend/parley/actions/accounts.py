"""Accounts and sessions: argon2id hashing (in a thread), register/login/logout, password changes, disabling.

A session is a row in the sessions table named by a random id; the cookie (set by the web layer) only carries
that id. Ending a session deletes the row, so revocation is immediate for REST, and the broker closes that
session's WebSockets with 4401. Nothing here knows about HTTP: callers pass the client's address and get
back the session id to put in a cookie.
"""

from __future__ import annotations

import asyncio
import secrets

import argon2

from parley import errors
from parley.actions.sessions import new_session_id
from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import CLOSE_SESSION_ENDED
from parley.live.ratelimit import auth_limiter
from parley.models import Account, User
from parley.settings import SESSION_MAX_AGE_S, Settings
from parley.store import Conflict, Store


class Passwords:
    """argon2id, run in a worker thread: a hash costs tens of milliseconds the event loop must not wait for."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=argon2.Type.ID
        )
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash (unknown user) spend the same time, so timing reveals no names."""
        if password_hash is None:
            if self._dummy is None:
                self._dummy = await self.hash(secrets.token_urlsafe(16))
            password_hash = self._dummy
            await asyncio.to_thread(self._check, password_hash, password)
            return False
        return await asyncio.to_thread(self._check, password_hash, password)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False


def passwords_for(settings: Settings) -> Passwords:
    return Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)


class Accounts:
    def __init__(self, *, store: Store, broker: Broker, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self.passwords = passwords_for(settings)
        self._attempts = auth_limiter(settings.auth_attempts_burst)

    def check_attempt(self, client: str) -> None:
        """Password guessing and account spraying: a budget of attempts per client address (behind a trusted
        proxy, the real client's, see web.middlewares.trusted_proxy)."""
        now_ms = self._clock.monotonic_ms()
        if not self._attempts.take(client, now_ms):
            wait_ms = self._attempts.retry_after_ms(client, now_ms)
            raise errors.ApiError(
                429, "rate_limited", f"Too many attempts; try again in {wait_ms // 1000 + 1} s.", retry_after_ms=wait_ms
            )

    async def register(self, client: str, username: str, password: str) -> tuple[User, str]:
        """Create an account and its first session: (user, session id)."""
        self.check_attempt(client)
        password_hash = await self.passwords.hash(password)
        try:
            account = await self._store.create_user(username, password_hash, self._clock.now_ms())
        except Conflict:
            raise errors.ApiError(409, "username_taken", "That username is taken.") from None
        user = User(account.id, account.username, account.is_admin)
        session_id = await self._start_session(user)
        general = await self._store.room_by_name("general")
        if general is not None:
            # New users join general: its members' lists grow live, as with any join.
            frame = wire.encode({"type": "member.joined", "room_id": general.id, "user": wire.user(user)})
            self._broker.to_room(general.id, frame, exclude_user=user.id)
        return user, session_id

    async def login(self, client: str, username: str, password: str) -> tuple[User, str]:
        self.check_attempt(client)
        account = await self._store.account_by_name(username)
        ok = await self.passwords.verify(account.password_hash if account else None, password)
        if account is None or not ok or account.disabled:
            raise errors.ApiError(401, "invalid_credentials", "Wrong username or password.")
        user = User(account.id, account.username, account.is_admin)
        return user, await self._start_session(user)

    async def logout(self, session_id: str) -> None:
        await self._store.end_session(session_id, self._clock.now_ms())
        self._broker.close_sessions([session_id], CLOSE_SESSION_ENDED, "logged out")

    async def change_password(self, user: User, current: str, new: str) -> str:
        """Check the current password, set the new one, end every session; return the caller's new session."""
        account = await self._store.account_by_id(user.id)
        if account is None or not await self.passwords.verify(account.password_hash, current):
            raise errors.ApiError(403, "invalid_credentials", "The current password is wrong.")
        await self.set_password(account, new)
        return await self._start_session(user)

    async def set_password(self, account: Account, new: str) -> None:
        """Change a password and end every session of that user (the admin reset uses this too)."""
        ended = await self._store.set_password(account.id, await self.passwords.hash(new), self._clock.now_ms())
        self._broker.close_sessions(ended, CLOSE_SESSION_ENDED, "password changed")

    async def set_disabled(self, actor: User, user_id: int, disabled: bool) -> Account:
        """An admin locks a user out (every session ended, sockets closed) or lets them back in."""
        if await self._store.account_by_id(user_id) is None:
            raise errors.user_not_found()
        if disabled and user_id == actor.id:
            raise errors.ApiError(409, "cannot_disable_self", "You cannot disable your own account.")
        ended = await self._store.set_disabled(user_id, disabled, self._clock.now_ms())
        self._broker.close_sessions(ended, CLOSE_SESSION_ENDED, "account disabled")
        account = await self._store.account_by_id(user_id)
        if account is None:
            raise errors.user_not_found()
        return account

    async def _start_session(self, user: User) -> str:
        session_id = new_session_id()
        await self._store.create_session(session_id, user.id, self._clock.now_ms())
        return session_id

    async def authenticate(self, session_id: str) -> User | None:
        """The user of a live session, or None."""
        not_before = self._clock.now_ms() - SESSION_MAX_AGE_S * 1000
        return await self._store.session_user(session_id, not_before)
