"""Accounts and sessions: argon2id hashing (in a thread), login/logout, revocation, the auth middleware.

A session is a row in the sessions table named by a random id; the cookie (encrypted by aiohttp-session)
only carries that id. Ending a session deletes the row, so revocation is immediate for REST, and the
broker closes that session's WebSockets with 4401.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable

import argon2
from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography import fernet

from . import errors, keys, wire
from .broker import Broker
from .clock import Clock
from .hub import CLOSE_SESSION_ENDED
from .models import Account, User
from .ratelimit import auth_limiter
from .settings import Settings
from .store import Conflict, Store

COOKIE_NAME = "parley_session"
# A login lasts 30 days; after that the user signs in again.
SESSION_MAX_AGE_S = 30 * 24 * 3600


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


class SessionCookies(EncryptedCookieStorage):
    """aiohttp-session's encrypted cookie, marked Secure when configured or when the request came over https."""

    def __init__(self, secret_key: bytes, *, always_secure: bool) -> None:
        # Fernet wants 32 url-safe base64 bytes; derive them from SECRET_KEY so any long secret works.
        key = base64.urlsafe_b64encode(hashlib.sha256(b"parley-session:" + secret_key).digest())
        super().__init__(
            fernet.Fernet(key),
            cookie_name=COOKIE_NAME,
            max_age=SESSION_MAX_AGE_S,
            httponly=True,
            samesite="Lax",
            secure=always_secure,
        )
        self._always_secure = always_secure

    async def save_session(self, request: web.Request, response: web.StreamResponse, session: Session) -> None:
        if session.empty:
            response.del_cookie(self._cookie_name, path="/")
            return
        data = self._encoder(self._get_session_data(session)).encode()
        max_age = session.max_age or SESSION_MAX_AGE_S
        response.set_cookie(
            self._cookie_name,
            self._fernet.encrypt(data).decode(),
            max_age=max_age,
            expires=time.strftime("%a, %d-%b-%Y %T GMT", time.gmtime(time.time() + max_age)),
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self._always_secure or request.secure,
        )

    def cookie_value(self, session_id: str, created_s: int) -> str:
        """The cookie this storage would set for a session: how `parley online` calls the admin API."""
        data = self._encoder({"created": created_s, "session": {"sid": session_id}})
        return str(self._fernet.encrypt(data.encode()).decode())


class Auth:
    def __init__(self, *, store: Store, broker: Broker, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self.passwords = Passwords(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
        self._attempts = auth_limiter(settings.auth_attempts_burst)

    def _throttle(self, request: web.Request) -> None:
        """Password guessing and account spraying: a budget of attempts per client address (behind a trusted
        proxy, the real client's, see http.trusted_proxy)."""
        client = request.remote or "unknown"
        now_ms = self._clock.monotonic_ms()
        if not self._attempts.take(client, now_ms):
            wait_ms = self._attempts.retry_after_ms(client, now_ms)
            raise errors.ApiError(
                429, "rate_limited", f"Too many attempts; try again in {wait_ms // 1000 + 1} s.", retry_after_ms=wait_ms
            )

    async def register(self, request: web.Request, username: str, password: str) -> User:
        self._throttle(request)
        password_hash = await self.passwords.hash(password)
        try:
            account = await self._store.create_user(username, password_hash, self._clock.now_ms())
        except Conflict:
            raise errors.ApiError(409, "username_taken", "That username is taken.") from None
        user = User(account.id, account.username, account.is_admin)
        await self._start_session(request, user)
        general = await self._store.room_by_name("general")
        if general is not None:
            # New users join general: its members' lists grow live, as with any join.
            frame = wire.encode({"type": "member.joined", "room_id": general.id, "user": wire.user(user)})
            self._broker.to_room(general.id, frame, exclude_user=user.id)
        return user

    async def login(self, request: web.Request, username: str, password: str) -> User:
        self._throttle(request)
        account = await self._store.account_by_name(username)
        ok = await self.passwords.verify(account.password_hash if account else None, password)
        if account is None or not ok or account.disabled:
            raise errors.ApiError(401, "invalid_credentials", "Wrong username or password.")
        user = User(account.id, account.username, account.is_admin)
        await self._start_session(request, user)
        return user

    async def logout(self, request: web.Request) -> None:
        session_id = request[keys.SESSION_ID]
        await self._store.end_session(session_id, self._clock.now_ms())
        self._broker.close_sessions([session_id], CLOSE_SESSION_ENDED, "logged out")
        session = await get_session(request)
        session.invalidate()

    async def change_password(self, request: web.Request, current: str, new: str) -> User:
        user = request[keys.USER]
        account = await self._store.account_by_id(user.id)
        if account is None or not await self.passwords.verify(account.password_hash, current):
            raise errors.ApiError(403, "invalid_credentials", "The current password is wrong.")
        await self.set_password(account, new)
        await self._start_session(request, user)
        return user

    async def set_password(self, account: Account, new: str) -> None:
        """Change a password and end every session of that user (the admin reset uses this too)."""
        ended = await self._store.set_password(account.id, await self.passwords.hash(new), self._clock.now_ms())
        self._broker.close_sessions(ended, CLOSE_SESSION_ENDED, "password changed")

    async def _start_session(self, request: web.Request, user: User) -> None:
        session_id = secrets.token_urlsafe(32)
        await self._store.create_session(session_id, user.id, self._clock.now_ms())
        # A fresh cookie on every login: a session id known before login is never reused after it.
        session = await new_session(request)
        session["sid"] = session_id
        request[keys.USER] = user
        request[keys.SESSION_ID] = session_id

    async def authenticate(self, request: web.Request) -> tuple[User, str] | None:
        """The request's user and session id, or None when it has no live session."""
        session = await get_session(request)
        session_id = session.get("sid")
        if not isinstance(session_id, str):
            return None
        not_before = self._clock.now_ms() - SESSION_MAX_AGE_S * 1000
        user = await self._store.session_user(session_id, not_before)
        if user is None:
            return None
        return user, session_id


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC_PATHS = frozenset({"/api/health", "/api/auth/register", "/api/auth/login"})


@web.middleware
async def require_user(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every /api route except the public ones needs a live session; /ws checks its own before upgrading."""
    if request.path.startswith("/api/") and request.path not in PUBLIC_PATHS:
        found = await request.app[keys.AUTH].authenticate(request)
        if found is None:
            raise errors.not_authenticated()
        request[keys.USER], request[keys.SESSION_ID] = found[0], found[1]
    return await handler(request)
