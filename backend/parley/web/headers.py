"""The security headers of every response: one definition, sent by the built-in server (the hook below) and by
nginx in production (nginx.conf's `add_header` block, which tests/test_nginx.py checks against this one).

The built web app loads only its own script and stylesheet files (no inline script or style, no eval), so
'self' is enough; `connect-src 'self'` covers fetch() and the same-origin WebSocket in CSP Level 3 browsers.
"""

from __future__ import annotations

from aiohttp import web, web_response

from parley import keys
from parley.web.http import forwarded

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Room URLs stay on this site: other sites learn nothing from links people follow out of a chat.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
CSP = "Content-Security-Policy"
# Over https only (browsers ignore it over http). Two years: what the HSTS preload list asks for.
HSTS = ("Strict-Transport-Security", "max-age=63072000")
# Instead of aiohttp's `Python/3.x aiohttp/3.y`: versions help nobody but someone matching exploits to them.
SERVER = "Parley"


def hide_server_version() -> None:
    """`Server: Parley` on the responses aiohttp makes before any app sees the request (400 for a malformed request
    head), where the hook below cannot reach: it reads the header from this module constant. Called by
    `parley serve` at start-up, never at import."""
    web_response.SERVER_SOFTWARE = SERVER  # type: ignore[attr-defined]


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """An on_response_prepare hook: every response this app sends, errors and the WebSocket upgrade included."""
    # A response that set its own Content-Security-Policy (a file download's, stricter) keeps it.
    response.headers.update({k: v for k, v in SECURITY_HEADERS.items() if k != CSP or CSP not in response.headers})
    # The request as it arrived (the hook does not see middlewares.trusted_proxy's clone): ask the proxy again.
    peer = request.transport.get_extra_info("peername") if request.transport else None
    scheme = forwarded(peer, request.headers, request.app[keys.SETTINGS].trusted_proxies).get("scheme")
    if (scheme or request.scheme) == "https":
        response.headers[HSTS[0]] = HSTS[1]
    response.headers["Server"] = SERVER
