"""Accounts and sessions: argon2id hashing (in a thread, a bounded number at once), register/login/logout,
password changes.
Disabling an account is the administrator's (actions/administration.py).

A session is a row in the sessions table named by a random id; the cookie (set by the web layer) only carries
that id. Ending a session deletes the row, so revocation is immediate for REST, and the broker closes that
session's WebSockets with 4401. Nothing here knows about HTTP: callers pass the client's address and the device
token the browser presented, and get back the session id and a fresh device token to put in cookies.

Every password check is admitted by the login throttle first (actions/login_throttle.py), so a refused guess
never reaches argon2; who may register at all is REGISTRATION (open, invite, closed; actions/invites.py).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

import argon2

from parley import errors
from parley.actions import devices
from parley.actions.invites import TOKEN, invite_invalid, token_hash
from parley.actions.login_throttle import LoginThrottle
from parley.actions.sessions import new_session_id
from parley.clock import Clock
from parley.live import wire
from parley.live.broker import Broker
from parley.live.hub import CLOSE_SESSION_ENDED
from parley.live.login_counters import ThrottleState
from parley.models import Account, User
from parley.settings import SESSION_MAX_AGE_S, Settings
from parley.store import Conflict, InviteInvalid, Store, session_key


class Passwords:
    """argon2id, run in a worker thread: a hash costs tens of milliseconds the event loop must not wait for.

    At most `concurrency` hashes run at once (ARGON2_CONCURRENCY); the rest queue in arrival order, so a flood
    of guesses cannot take every core and every worker thread from the logins behind it.
    """

    def __init__(self, *, time_cost: int, memory_kib: int, concurrency: int = 2) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=argon2.Type.ID
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check a password; with no hash (unknown user) spend the same time, so timing reveals no names."""
        if password_hash is None:
            if self._dummy is None:
                self._dummy = await self.hash(secrets.token_urlsafe(16))
            async with self._slots:
                await asyncio.to_thread(self._check, self._dummy, password)
            return False
        async with self._slots:
            return await asyncio.to_thread(self._check, password_hash, password)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False


def passwords_for(settings: Settings) -> Passwords:
    return Passwords(
        time_cost=settings.argon2_time_cost,
        memory_kib=settings.argon2_memory_kib,
        concurrency=settings.argon2_concurrency,
    )


@dataclass(frozen=True, slots=True)
class LoggedIn:
    user: User
    session_id: str
    # A fresh device token (actions/devices.py) for the browser's `parley_device` cookie.
    device: str


class Accounts:
    def __init__(
        self, *, store: Store, broker: Broker, clock: Clock, settings: Settings, throttle_state: ThrottleState
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self._settings = settings
        self.passwords = passwords_for(settings)
        self.throttle = LoginThrottle(throttle_state, settings, clock)

    def _device(self, token: str | None) -> devices.Device | None:
        return devices.read(self._settings.secret_key, token, self._clock.now_ms())

    async def register(self, client: str, username: str, password: str, invite: str | None = None) -> LoggedIn:
        """Create an account and its first session, if REGISTRATION allows it (with `invite` when it must)."""
        mode = self._settings.registration
        if mode == "closed":
            raise errors.ApiError(403, "registration_closed", "Registration is closed; ask an administrator.")
        if mode == "invite" and not invite:
            raise invite_invalid()
        await self.throttle.admit_registration(client)
        invite_hash = None
        if invite:
            # A cheap look first, so a bad link costs no argon2 time; the transaction below decides for real.
            invite_hash = token_hash(invite)
            usable = TOKEN.fullmatch(invite) and await self._store.invite_usable(invite_hash, self._clock.now_ms())
            if not usable:
                raise invite_invalid()
        password_hash = await self.passwords.hash(password)
        try:
            account = await self._store.create_user(
                username, password_hash, self._clock.now_ms(), invite_hash=invite_hash
            )
        except Conflict:
            raise errors.ApiError(409, "username_taken", "That username is taken.") from None
        except InviteInvalid:
            raise invite_invalid() from None
        user = User(account.id, account.username, account.is_admin)
        logged_in = await self._start_session(user)
        general = await self._store.room_by_name("general")
        if general is not None:
            # New users join general: its members' lists grow live, as with any join.
            frame = wire.encode({"type": "member.joined", "room_id": general.id, "user": wire.user(user)})
            self._broker.to_room(general.id, frame, exclude_user=user.id)
        return logged_in

    async def login(self, client: str, username: str, password: str, device: str | None = None) -> LoggedIn:
        account = await self._store.account_by_name(username)
        attempt = await self.throttle.admit(client, username, self._device(device), account)
        ok = await self.passwords.verify(account.password_hash if account else None, password)
        if account is None or not ok or account.disabled:
            raise errors.ApiError(401, "invalid_credentials", "Wrong username or password.")
        await self.throttle.succeeded(attempt)
        return await self._start_session(User(account.id, account.username, account.is_admin))

    async def logout(self, session_id: str) -> None:
        await self._store.end_session(session_id, self._clock.now_ms())
        # Sockets are registered under the session's key (what the database and the revocations log hold).
        self._broker.close_sessions([session_key(session_id)], CLOSE_SESSION_ENDED, "logged out")

    async def change_password(
        self, user: User, current: str, new: str, client: str, device: str | None = None
    ) -> LoggedIn:
        """Check the current password (under the same throttle as a login: a stolen session cookie does not
        allow unlimited guessing), set the new one, end every session; return the caller's new session."""
        account = await self._store.account_by_id(user.id)
        attempt = await self.throttle.admit(client, user.username, self._device(device), account)
        if account is None or not await self.passwords.verify(account.password_hash, current):
            raise errors.ApiError(403, "invalid_credentials", "The current password is wrong.")
        await self.throttle.succeeded(attempt)
        await self.set_password(account, new)
        return await self._start_session(user)

    async def set_password(self, account: Account, new: str) -> None:
        """Change a password and end every session of that user (the admin reset uses this too)."""
        ended = await self._store.set_password(account.id, await self.passwords.hash(new), self._clock.now_ms())
        self._broker.close_sessions(ended, CLOSE_SESSION_ENDED, "password changed")

    async def _start_session(self, user: User) -> LoggedIn:
        session_id = new_session_id()
        now_ms = self._clock.now_ms()
        await self._store.create_session(session_id, user.id, now_ms)
        return LoggedIn(user, session_id, devices.issue(self._settings.secret_key, user.id, now_ms))

    async def authenticate(self, session_id: str) -> User | None:
        """The user of a live session, or None."""
        return await self._store.session_user(session_id, self.sessions_not_before_ms())

    def sessions_not_before_ms(self) -> int:
        """Sessions created before this are too old to be live."""
        return self._clock.now_ms() - SESSION_MAX_AGE_S * 1000
