"""Every typed key for state kept on the application or a request, in one place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .auth import Auth
    from .broker import Broker
    from .chat import Chat
    from .clock import Clock
    from .hub import Hub
    from .live import Live
    from .models import User
    from .settings import Settings
    from .store import Store

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
STORE: web.AppKey[Store] = web.AppKey("store")
HUB: web.AppKey[Hub] = web.AppKey("hub")
BROKER: web.AppKey[Broker] = web.AppKey("broker")
AUTH: web.AppKey[Auth] = web.AppKey("auth")
CHAT: web.AppKey[Chat] = web.AppKey("chat")
LIVE: web.AppKey[Live] = web.AppKey("live")

# The authenticated user and session id of a request, set by the auth middleware.
USER: web.RequestKey[User] = web.RequestKey("user")
SESSION_ID: web.RequestKey[str] = web.RequestKey("session_id")
