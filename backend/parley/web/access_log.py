"""The access log: one line per request, naming the real client (through a trusted proxy) and the duration."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from parley.web.http import Networks, forwarded

_INVITE_IN_PATH = re.compile(r"^/invite/[^/?]*")
_INVITE_IN_QUERY = re.compile(r"([?&]invite=)[^&]*")


def loggable_path(path_qs: str) -> str:
    """The request's path and query for the log, with invite tokens (single-use credentials) left out."""
    return _INVITE_IN_QUERY.sub(r"\1…", _INVITE_IN_PATH.sub("/invite/…", path_qs))


class AccessLogger(AbstractAccessLogger):
    """One line per request with the real client address (through a trusted proxy) and the duration."""

    #: set per server by `access_logger_for`; aiohttp builds the logger itself from the class
    trusted: Networks = ()

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        client = forwarded(peer, request.headers, self.trusted).get("remote", request.remote)
        path = loggable_path(request.path_qs)
        self.logger.info('%s "%s %s" %s %.1fms', client, request.method, path, response.status, time * 1000)


def access_logger_for(trusted: Networks) -> type[AccessLogger]:
    return type("ParleyAccessLogger", (AccessLogger,), {"trusted": trusted})
