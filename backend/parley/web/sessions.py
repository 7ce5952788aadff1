"""Sessions on the wire: the encrypted cookie (aiohttp-session), putting a new session in it, reading it back,
the middleware that makes every non-public /api route need a live one, and the known-device cookie."""

from __future__ import annotations

import time
from collections.abc import Awaitable

from aiohttp import web
from aiohttp_session import Session, get_session, new_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from parley import errors, keys
from parley.actions.accounts import LoggedIn
from parley.actions.devices import DEVICE_COOKIE, DEVICE_MAX_AGE_S
from parley.actions.sessions import COOKIE_NAME, cookie_fernet
from parley.models import User
from parley.settings import SESSION_MAX_AGE_S
from parley.web import request_ids
from parley.web.http import Handler


class SessionCookies(EncryptedCookieStorage):
    """aiohttp-session's encrypted cookie, marked Secure when configured or when the request came over https."""

    def __init__(self, secret_key: bytes, *, always_secure: bool) -> None:
        super().__init__(
            cookie_fernet(secret_key),
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


async def put_session(request: web.Request, logged_in: LoggedIn) -> None:
    """A fresh cookie on every login: a session id known before login is never reused after it."""
    session = await new_session(request)
    session["sid"] = logged_in.session_id
    request[keys.USER] = logged_in.user
    request[keys.SESSION_ID] = logged_in.session_id
    request_ids.user_id.set(logged_in.user.id)


def device_token(request: web.Request) -> str | None:
    """The known-device token the browser sent (actions/devices.py checks it)."""
    return request.cookies.get(DEVICE_COOKIE)


def put_device(request: web.Request, response: web.StreamResponse, logged_in: LoggedIn) -> None:
    """Remember this browser as one the user logged in from: HttpOnly, SameSite=Lax, Secure like the session."""
    response.set_cookie(
        DEVICE_COOKIE,
        logged_in.device,
        max_age=DEVICE_MAX_AGE_S,
        path="/api/auth/",
        httponly=True,
        samesite="Lax",
        secure=request.app[keys.SETTINGS].cookie_secure or request.secure,
    )


async def drop_session(request: web.Request) -> None:
    session = await get_session(request)
    session.invalidate()


async def authenticate(request: web.Request) -> tuple[User, str] | None:
    """The request's user and session id, or None when it has no live session."""
    session = await get_session(request)
    session_id = session.get("sid")
    if not isinstance(session_id, str):
        return None
    user = await request.app[keys.ACCOUNTS].authenticate(session_id)
    if user is None:
        return None
    return user, session_id


PUBLIC_PATHS = frozenset(
    {"/api/health", "/api/ready", "/api/openapi.yaml", "/api/auth/register", "/api/auth/login",
     "/api/auth/registration"}
)


@web.middleware
def require_user(request: web.Request, handler: Handler) -> Awaitable[web.StreamResponse]:
    """Every /api route except the public ones needs a live session; /ws checks its own before upgrading (and,
    a plain function for it, keeps no frame of this one alive while its socket is open)."""
    if request.path.startswith("/api/") and request.path not in PUBLIC_PATHS:
        return _with_user(request, handler)
    return handler(request)


async def _with_user(request: web.Request, handler: Handler) -> web.StreamResponse:
    found = await authenticate(request)
    if found is None:
        raise errors.not_authenticated()
    request[keys.USER], request[keys.SESSION_ID] = found[0], found[1]
    request_ids.user_id.set(found[0].id)
    return await handler(request)
