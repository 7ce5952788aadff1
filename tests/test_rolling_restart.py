"""A rolling restart behind nginx (two processes, MariaDB, Redis) while 20 clients send without pause: nothing
is lost and nothing is duplicated.

Each client is a person with one tab: it sends a message every ~150 ms, remembers what is not acked yet, and
when its socket closes (1001 from a process going down, or an error) it reconnects through nginx and sends the
unacked ones again with the same client_id (docs/protocol.md: a repeated client_id returns the original
message). Meanwhile process 0 and then process 1 get SIGTERM and are started again. Afterwards the database holds
each message exactly once, seq runs 1..N with no gap, every client got an ack for each of its messages, every
process that was stopped exited by itself (status 0, within SHUTDOWN_TIMEOUT_S) and logged no traceback, and
every client, from what it saw live plus one catch-up page, has every seq exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pymysql

from conftest import MYSQL_SOCKET
from nginx_fixtures import Client, cluster, cluster_mod

CLIENTS = 20
PER_CLIENT = 30
SEND_EVERY_S = 0.15
PASSWORD = "rolling restart password"
# Bounds: a client that cannot reconnect within this many tries, or a run longer than this, fails the test.
RECONNECT_TRIES = 100
RUN_LIMIT_S = 90


class Sender:
    def __init__(self, index: int, base_url: str) -> None:
        self.index = index
        self.name = f"sender{index:02d}"
        # One source address per person: registration and login budgets are per address, as for real users.
        self.client = Client(base_url, local_addr=f"127.0.0.{10 + index}")
        self.acked: dict[str, int] = {}  # client_id -> seq
        self.pending: dict[str, str] = {}  # client_id -> body, sent and not acked
        self.seen: set[int] = set()
        self.reconnects = 0
        self.close_codes: list[int | None] = []

    async def register(self) -> None:
        resp = await self.client.post("/api/auth/register", json={"username": self.name, "password": PASSWORD})
        assert resp.status == 201, await resp.text()

    async def connect(self) -> aiohttp.ClientWebSocketResponse:
        for _ in range(RECONNECT_TRIES):
            try:
                ws, _ = await self.client.ws()
                return ws
            except (aiohttp.ClientError, AssertionError, TimeoutError, ConnectionError):
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} could not reconnect")

    async def run(self, room: int) -> None:
        ws = await self.connect()
        reader = asyncio.create_task(self.read(ws))
        sent = 0
        while sent < PER_CLIENT or self.pending:
            if ws.closed or reader.done():
                self.close_codes.append(ws.close_code)
                await reader
                self.reconnects += 1
                ws = await self.connect()
                reader = asyncio.create_task(self.read(ws))
                for client_id, body in list(self.pending.items()):
                    await self._send(ws, room, client_id, body)
            if sent < PER_CLIENT:
                client_id = f"{self.name}-{sent}"
                self.pending[client_id] = f"{self.name} says {sent}"
                await self._send(ws, room, client_id, self.pending[client_id])
                sent += 1
            await asyncio.sleep(SEND_EVERY_S)
        await ws.close()
        await reader

    async def _send(self, ws: aiohttp.ClientWebSocketResponse, room: int, client_id: str, body: str) -> None:
        with contextlib.suppress(ConnectionError, aiohttp.ClientError, RuntimeError):
            await ws.send_json({"type": "message.send", "room_id": room, "body": body, "client_id": client_id})

    async def read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            frame: dict[str, Any] = msg.json()
            if frame["type"] == "message.ack":
                client_id = frame["client_id"]
                seq = frame["message"]["seq"]
                assert self.acked.get(client_id, seq) == seq, f"{client_id} acked as two messages"
                self.acked[client_id] = seq
                self.pending.pop(client_id, None)
                self.seen.add(seq)
            elif frame["type"] == "message.new":
                self.seen.add(frame["message"]["seq"])
            elif frame["type"] == "error":
                # Refused sends (a rate limit while catching up) are sent again after the next reconnect.
                assert frame["code"] in ("rate_limited", "database_unavailable"), frame


def _rows(database_url: str, room: int) -> list[tuple[int, str, str]]:
    parts = urlsplit(database_url)
    socket_path = parse_qs(parts.query).get("unix_socket", [MYSQL_SOCKET])[0]
    conn = pymysql.connect(unix_socket=socket_path, user="root", password="", database=parts.path.lstrip("/"))
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT m.seq, u.username, m.client_id FROM messages m JOIN users u ON u.id = m.user_id"
                " WHERE m.room_id = %s ORDER BY m.seq",
                (room,),
            )
            return [(int(r[0]), str(r[1]), str(r[2])) for r in cur.fetchall()]
    finally:
        conn.close()


async def test_a_rolling_restart_loses_and_duplicates_nothing() -> None:
    with cluster(2, app_env={"SHUTDOWN_TIMEOUT_S": "10"}) as running:
        senders = [Sender(i, running.url) for i in range(CLIENTS)]
        try:
            for sender in senders:
                await sender.register()
            resp = await senders[0].client.post("/api/rooms", json={"name": "restarts"})
            room = (await resp.json())["room"]["id"]
            for sender in senders[1:]:
                assert (await sender.client.post(f"/api/rooms/{room}/join")).status == 200

            stopped: list[Any] = []

            async def restart_each() -> None:
                for index in range(len(running.apps)):
                    await asyncio.sleep(1.0)
                    old = running.apps[index]
                    began = time.monotonic()
                    await asyncio.to_thread(old.stop, signal.SIGTERM)
                    stopped.append((old, time.monotonic() - began))
                    await asyncio.to_thread(cluster_mod.start_app, running, index)

            async with asyncio.timeout(RUN_LIMIT_S):
                await asyncio.gather(restart_each(), *(sender.run(room) for sender in senders))

            rows = _rows(running.config.database_url, room)
            total = CLIENTS * PER_CLIENT
            assert [seq for seq, _, _ in rows] == list(range(1, total + 1))
            assert sorted((name, cid) for _, name, cid in rows) == sorted(
                (s.name, f"{s.name}-{n}") for s in senders for n in range(PER_CLIENT)
            )
            for sender in senders:
                assert sorted(sender.acked) == sorted(f"{sender.name}-{n}" for n in range(PER_CLIENT))
                assert not sender.pending
            acked_seqs = [seq for s in senders for seq in s.acked.values()]
            assert sorted(acked_seqs) == list(range(1, total + 1))
            # The restarts really cut connections (else this proved nothing), and only with documented codes.
            assert sum(s.reconnects for s in senders) >= CLIENTS // 2
            for sender in senders:
                assert set(sender.close_codes) <= {1001, 1006, None}, sender.close_codes
            for process, seconds in stopped:
                assert process.popen.returncode == 0, process.log_text()[-2000:]
                assert seconds < 10, seconds
                assert "Traceback" not in process.log_text()

            # Every client ends with every seq: what it saw live, plus one catch-up page after its last contiguous.
            for sender in senders:
                have = set(sender.seen)
                after = 0
                while after + 1 in have:
                    after += 1
                page = await (await sender.client.get(f"/api/rooms/{room}/messages?after={after}&limit=100")).json()
                have.update(m["seq"] for m in page["messages"])
                while page["has_more"]:
                    after = page["messages"][-1]["seq"]
                    page = await (await sender.client.get(f"/api/rooms/{room}/messages?after={after}&limit=100")).json()
                    have.update(m["seq"] for m in page["messages"])
                assert have == set(range(1, total + 1)), sender.name
        finally:
            for sender in senders:
                await sender.client.close()
