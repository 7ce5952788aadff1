#!/usr/bin/env python3
"""A terminal chat client: log in (or register), join a room, print what arrives, send what you type.

    .venv/bin/python scripts/chat_cli.py --username alice --password 'wonderland1' --register
    .venv/bin/python scripts/chat_cli.py --username bob --password 'builder123' --register --room general

Type a line and press Enter to send it; Ctrl-D or Ctrl-C quits. Uses only the public REST and /ws protocol.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from datetime import datetime

import aiohttp


def _line(message: dict) -> str:  # type: ignore[type-arg]
    when = datetime.fromtimestamp(message["created_at"] / 1000).strftime("%H:%M:%S")
    return f"[{when}] #{message['seq']} {message['user']['username']}: {message['body']}"


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--register", action="store_true", help="create the account first (ignored if it exists)")
    parser.add_argument("--room", default="general")
    args = parser.parse_args()

    async with aiohttp.ClientSession(args.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        creds = {"username": args.username, "password": args.password}
        if args.register:
            resp = await http.post("/api/auth/register", json=creds)
            if resp.status not in (201, 409):
                print(f"register failed: {await resp.text()}", file=sys.stderr)
                return 1
        resp = await http.post("/api/auth/login", json=creds)
        if resp.status != 200:
            print(f"login failed: {await resp.text()}", file=sys.stderr)
            return 1
        rooms = (await (await http.get("/api/rooms")).json())["rooms"]
        room = next((r for r in rooms if r["name"].lower() == args.room.lower()), None)
        if room is None:
            print(f"no room named {args.room!r}", file=sys.stderr)
            return 1
        if not room["joined"]:
            await http.post(f"/api/rooms/{room['id']}/join")
        page = await (await http.get(f"/api/rooms/{room['id']}/messages?limit=20")).json()
        for message in page["messages"]:
            print(_line(message))
        async with http.ws_connect("/ws") as ws:
            print(f"-- connected to #{room['name']} as {args.username}; type to send --", flush=True)

            async def reader() -> None:
                async for msg in ws:
                    frame = msg.json()
                    kind = frame["type"]
                    if kind in ("message.new", "message.ack") and frame["message"]["room_id"] == room["id"]:
                        print(_line(frame["message"]), flush=True)
                    elif kind == "presence":
                        print(f"-- {frame['user']['username']} is {frame['status']}", flush=True)
                    elif kind == "typing" and frame["room_id"] == room["id"] and frame["active"]:
                        print(f"-- {frame['user']['username']} is typing…", flush=True)
                    elif kind == "error":
                        print(f"!! {frame['code']}: {frame['message']}", flush=True)

            task = asyncio.create_task(reader())
            loop = asyncio.get_running_loop()
            while True:
                text = await loop.run_in_executor(None, sys.stdin.readline)
                if not text:
                    break
                if text.strip():
                    frame = {"type": "message.send", "room_id": room["id"], "body": text, "client_id": uuid.uuid4().hex}
                    await ws.send_json(frame)
            await ws.close()
            task.cancel()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(130)
