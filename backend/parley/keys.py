"""Every typed key for state kept on the application or a request, in one place (read by web/ and app.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from parley.actions.accounts import Accounts
    from parley.actions.administration import Administration
    from parley.actions.chatter import Chatter
    from parley.actions.dms import Dms
    from parley.actions.files import Files
    from parley.actions.invites import Invites
    from parley.actions.messages import Messages
    from parley.actions.mutes import Mutes
    from parley.actions.reactions import Reactions
    from parley.actions.reads import Reads
    from parley.actions.rooms import Rooms
    from parley.actions.search import Search
    from parley.clock import Clock
    from parley.counters import EdgeMeter
    from parley.live.broker import Broker
    from parley.live.hub import Hub
    from parley.live.read_markers import ReadMarkers
    from parley.live.state import Live
    from parley.models import User
    from parley.settings import Settings
    from parley.store import Store

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
STORE: web.AppKey[Store] = web.AppKey("store")
HUB: web.AppKey[Hub] = web.AppKey("hub")
BROKER: web.AppKey[Broker] = web.AppKey("broker")
LIVE: web.AppKey[Live] = web.AppKey("live")
ACCOUNTS: web.AppKey[Accounts] = web.AppKey("accounts")
ROOMS: web.AppKey[Rooms] = web.AppKey("rooms")
MESSAGES: web.AppKey[Messages] = web.AppKey("messages")
CHATTER: web.AppKey[Chatter] = web.AppKey("chatter")
INVITES: web.AppKey[Invites] = web.AppKey("invites")
ADMINISTRATION: web.AppKey[Administration] = web.AppKey("administration")
READ_MARKERS: web.AppKey[ReadMarkers] = web.AppKey("read_markers")
READS: web.AppKey[Reads] = web.AppKey("reads")
MUTES: web.AppKey[Mutes] = web.AppKey("mutes")
DMS: web.AppKey[Dms] = web.AppKey("dms")
REACTIONS: web.AppKey[Reactions] = web.AppKey("reactions")
FILES: web.AppKey[Files] = web.AppKey("files")
SEARCH: web.AppKey[Search] = web.AppKey("search")
# Plain-number counters of the web edge (WebSockets, frames in, send->ack, refusals, logins), read by /metrics.
EDGE_METER: web.AppKey[EdgeMeter] = web.AppKey("edge_meter")

# The authenticated user and session id of a request, set by the auth middleware.
USER: web.RequestKey[User] = web.RequestKey("user")
SESSION_ID: web.RequestKey[str] = web.RequestKey("session_id")
