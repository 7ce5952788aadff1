"""GET /api/search: load the query string with its schema, call the rules layer, answer JSON."""

from __future__ import annotations

from aiohttp import web

from parley import errors, keys
from parley.live import wire
from parley.web import schemas
from parley.web.bodies import load

routes = web.RouteTableDef()

_search = schemas.SearchQuery()


@routes.get("/api/search")
async def search(request: web.Request) -> web.Response:
    try:
        query = load(_search, dict(request.query))
    except errors.ApiError as exc:
        message = "room_id and before must be ids, limit a whole number from 1 to 50, from a username."
        raise errors.ApiError(400, "invalid_query", message, **exc.extra) from None
    hits, has_more = await request.app[keys.SEARCH].search(request[keys.USER], query)
    results = [
        {"message": wire.message(hit.message), "room": wire.shared_room(hit.room, joined=joined)}
        for hit, joined in hits
    ]
    return web.json_response({"results": results, "has_more": has_more})
