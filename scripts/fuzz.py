#!/usr/bin/env python3
"""The hostile-input suite: generated REST requests and WebSocket frames against a real `parley serve`.

    .venv/bin/python scripts/fuzz.py --rest 48000 --ws 62000      # `make fuzz`: over 100,000 inputs
    .venv/bin/python scripts/fuzz.py --rest 400 --ws 1500         # the smoke that CI runs (tests/web/test_hostile.py)

REST: schemathesis generates valid and invalid requests for every operation of docs/openapi.yaml, as an
anonymous client, a member and an administrator; every answer must be below 500 and conform to the description
(status code, content type, body schema). WebSocket: hypothesis generates frames (arbitrary JSON, frames of every
type with fields of the wrong type, lone surrogates, deep nesting, garbage text, binary, oversized frames); the
server must never answer `internal_error` and may close a socket only with a documented code.

Afterwards: zero tracebacks in the server's log, and the server's RSS stayed under --max-rss-mib throughout.
The server runs on a throwaway SQLite database; only 127.0.0.1 is contacted; every loop is bounded in count.
Exit status 0 when every check held, 1 otherwise (the findings are printed, a few of each kind).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "docs" / "openapi.yaml"
PARLEY = str(Path(sys.executable).with_name("parley"))
PAGE = os.sysconf("SC_PAGE_SIZE")
PASSWORD = "fuzzing-password-1"
# Close codes a hostile client may earn: policy violation (too many bad frames), too big, too slow, ended session.
ALLOWED_CLOSES = {1000, 1001, 1008, 1009, 4401, 4408}
ROLES = ["anonymous", "fuzzuser", "fuzzadmin"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@dataclass
class Findings:
    inputs_rest: int = 0
    inputs_ws: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)
    max_rss_mib: float = 0.0

    def add(self, kind: str, detail: str) -> None:
        self.problems.setdefault(kind, []).append(detail[:500])

    def summary(self) -> dict[str, Any]:
        return {
            "inputs_rest": self.inputs_rest,
            "inputs_ws": self.inputs_ws,
            "inputs": self.inputs_rest + self.inputs_ws,
            "max_rss_mib": round(self.max_rss_mib, 1),
            "problems": {kind: {"count": len(v), "first": v[:3]} for kind, v in self.problems.items()},
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


@dataclass
class Server:
    url: str
    pid: int
    log: Path
    env: dict[str, str]
    # Everything the server wrote, once it has stopped (the log file goes with the temporary directory).
    final_log: str = ""


@contextlib.contextmanager
def server(extra_env: dict[str, str] | None = None) -> Iterator[Server]:
    with tempfile.TemporaryDirectory(prefix="parley-fuzz-") as tmp:
        port = _free_port()
        env = dict(os.environ)
        env.update(
            DATABASE_URL=f"sqlite:///{tmp}/fuzz.db",
            SECRET_KEY=secrets.token_urlsafe(48),
            HOST="127.0.0.1",
            PORT=str(port),
            # Generated logins are many; the real cost only slows the run, it changes no answer.
            ARGON2_TIME_COST="1",
            ARGON2_MEMORY_KIB="1024",
            # The throttles have their own attack tests; here they would only stop the fixture's own re-logins
            # (which also carry their known-device cookie, so the per-account backoff does not stop them).
            LOGIN_ADDRESS_FAILURES="1000000",
            REGISTRATIONS_PER_HOUR="1000000",
        )
        env.update(extra_env or {})
        subprocess.run([PARLEY, "migrate"], env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        for name, admin in (("fuzzadmin", True), ("fuzzuser", False)):
            argv = [PARLEY, "create-user", name, "--password-stdin", *(["--admin"] if admin else [])]
            subprocess.run(
                argv, env=env, cwd=tmp, check=True, input=PASSWORD + "\n", text=True, stdout=subprocess.DEVNULL
            )
        log = Path(tmp) / "server.log"
        with log.open("wb") as log_file:
            proc = subprocess.Popen([PARLEY, "serve"], env=env, cwd=tmp, stdout=log_file, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}"
            try:
                for _ in range(100):
                    with contextlib.suppress(requests.RequestException):
                        if requests.get(f"{url}/api/health", timeout=1).status_code == 200:
                            break
                    time.sleep(0.1)
                else:
                    raise RuntimeError("the server did not come up:\n" + log.read_text())
                srv = Server(url, proc.pid, log, env)
                yield srv
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if "srv" in locals():
            srv.final_log = log.read_text(errors="replace")


class Identities:
    """Logged-in sessions for the roles the generated requests use; re-established when a request ends one."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.passwords = {"fuzzadmin": PASSWORD, "fuzzuser": PASSWORD}
        self.sessions: dict[str, requests.Session] = {"anonymous": requests.Session()}
        self.devices: dict[str, str | None] = {}
        for name in self.passwords:
            self.login(name)

    def login(self, name: str) -> requests.Session:
        session = requests.Session()
        # The browser's known-device cookie from the last login: generated wrong passwords for this account do
        # not lock the fixture out (docs/protocol.md "Login throttle").
        device = self.devices.get(name)
        if device is not None:
            session.cookies.set("parley_device", device, path="/api/auth/")
        response = session.post(
            f"{self.url}/api/auth/login", json={"username": name, "password": self.passwords[name]}, timeout=10
        )
        if response.status_code != 200:
            raise RuntimeError(f"cannot log {name} back in: {response.status_code} {response.text}")
        self.sessions[name] = session
        self.devices[name] = session.cookies.get("parley_device", path="/api/auth/") or device
        return session

    def user_id(self, name: str) -> int:
        return int(self.sessions[name].get(f"{self.url}/api/me", timeout=10).json()["user"]["id"])

    def repair(self, name: str, case: Any, response: requests.Response) -> None:
        """Undo what a generated request did to the fixture's own accounts, so the next one runs as intended."""
        path = case.operation.path
        if name != "anonymous" and path == "/api/auth/password" and response.status_code == 200:
            self.passwords[name] = case.body["new_password"]
        if path == "/api/admin/users/{user_id}/disable" and response.status_code == 200:
            admin = self.sessions["fuzzadmin"]
            admin.post(f"{self.url}/api/admin/users/{case.path_parameters['user_id']}/enable", timeout=10)
        if path == "/api/admin/rooms/{room_id}/archive" and response.status_code == 200:
            admin = self.sessions["fuzzadmin"]
            admin.post(f"{self.url}/api/admin/rooms/{case.path_parameters['room_id']}/unarchive", timeout=10)
        if path == "/api/admin/users/{user_id}/admin" and response.status_code == 200:
            # fuzzuser may have been made an admin, and then taken fuzzadmin's rights: it gives them back first
            # (403, harmlessly, when it is no admin), then fuzzadmin takes fuzzuser's.
            ids = {role: self.user_id(role) for role in self.passwords}
            flags = f"{self.url}/api/admin/users/{{}}/admin"
            self.sessions["fuzzuser"].put(flags.format(ids["fuzzadmin"]), json={"is_admin": True}, timeout=10)
            self.sessions["fuzzadmin"].put(flags.format(ids["fuzzuser"]), json={"is_admin": False}, timeout=10)
        for role in self.passwords:
            if self.sessions[role].get(f"{self.url}/api/me", timeout=10).status_code == 401:
                self.login(role)


def fuzz_rest(srv: Server, count: int, findings: Findings, seed: int) -> None:
    schema = schemathesis.openapi.from_path(str(SPEC))
    operations = [result.ok() for result in schema.get_all_operations()]
    identities = Identities(srv.url)
    # Rounded up: each new operation must not shrink every other's share below the total asked for.
    per_operation = max(1, -(-count // (2 * len(operations))))
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=per_operation,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @fixed_seed(seed)
            @given(
                case=operation.as_strategy(generation_mode=mode),
                role=st.sampled_from(["anonymous", "fuzzuser", "fuzzadmin"]),
            )
            def run(case: Any, role: str) -> None:
                findings.inputs_rest += 1
                try:
                    response = case.call(base_url=srv.url, session=identities.sessions[role], timeout=10)
                except requests.RequestException as exc:
                    findings.add("rest_transport", f"{case.method} {case.formatted_path}: {exc}")
                    return
                if response.status_code >= 500:
                    findings.add(
                        "rest_5xx", f"{case.method} {case.formatted_path} {case.body!r:.200} -> {response.text}"
                    )
                else:
                    try:
                        case.validate_response(response, checks=CHECKS)
                    except Exception as exc:  # schemathesis groups its failures in one exception
                        findings.add("rest_nonconforming", f"{case.method} {case.formatted_path} as {role}: {exc}")
                identities.repair(role, case, response)
                if findings.inputs_rest % 500 == 0:
                    findings.max_rss_mib = max(findings.max_rss_mib, rss_mib(srv.pid))

            with contextlib.suppress(Exception):
                run()  # a strategy that cannot generate (no invalid input exists) is not a finding
            if findings.inputs_rest >= count:
                return


# -- WebSocket frames -----------------------------------------------------------------------------------------

FRAME_TYPES = [
    "message.send",
    "message.edit",
    "message.delete",
    "reaction.add",
    "reaction.remove",
    "presence.set",
    "typing",
    "read",
    "zzz",
    "",
    "message.SEND",
    None,
]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u202e", "1", "general", "x" * 5000]),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_frame = st.fixed_dictionaries(
    {"type": st.sampled_from(FRAME_TYPES)},
    optional={
        "room_id": st.one_of(st.integers(min_value=-5, max_value=2**64), _scalars),
        "body": st.one_of(st.text(max_size=300), _scalars),
        "client_id": st.one_of(st.text(max_size=70), _scalars),
        "message_id": st.one_of(st.integers(min_value=-5, max_value=2**64), _scalars),
        "emoji": st.one_of(
            st.text(max_size=20), st.sampled_from(["\U0001f44d", ":+1:", "\U0001f1eb\U0001f1f7"]), _scalars
        ),
        "status": st.one_of(st.sampled_from(["online", "idle", "offline"]), _scalars),
        "active": _scalars,
        "seq": st.one_of(st.integers(min_value=-5, max_value=2**64), _scalars),
        "extra": _json,
    },
)


def _encode(value: Any) -> str:
    # ensure_ascii keeps lone surrogates as \ud800 escapes, which is how a hostile client would send them.
    return json.dumps(value, ensure_ascii=True)


_texts = st.one_of(
    _frame.map(_encode),
    _json.map(_encode),
    st.text(max_size=200),
    st.integers(min_value=1, max_value=20_000).map(lambda n: "[" * n),
    st.integers(min_value=1, max_value=20_000).map(lambda n: '{"a":' * n),
    st.sampled_from(
        ['{"type": "message.send"', "null", "[]", '"str"', "1e999999", '{"type": "zzz' + "z" * 60_000 + '"}']
    ),
)
_inputs = st.one_of(_texts.map(lambda t: ("text", t)), st.binary(max_size=200).map(lambda b: ("binary", b)))


def generate_frames(count: int, seed: int) -> list[tuple[str, Any]]:
    frames: list[tuple[str, Any]] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @fixed_seed(seed)
    @given(item=_inputs)
    def collect(item: tuple[str, Any]) -> None:
        frames.append(item)

    collect()
    random.Random(seed).shuffle(frames)
    return frames


# The server's frame limit (Settings.max_frame_bytes): past it aiohttp closes with 1009, or, when the socket is
# already closing (after a 1008), drops the connection, which the client sees as 1006.
MAX_FRAME_BYTES = 65_536


@dataclass
class SocketState:
    oversized_sent: bool = False


async def fuzz_ws(srv: Server, count: int, findings: Findings, seed: int) -> None:
    frames = generate_frames(count, seed)
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(srv.url, cookie_jar=jar) as http:
        response = await http.post("/api/auth/login", json={"username": "fuzzuser", "password": PASSWORD})
        if response.status != 200:
            raise RuntimeError(f"login for the WebSocket fuzz failed: {response.status}")
        ws = await http.ws_connect("/ws")
        state = SocketState()
        reader = asyncio.create_task(_read(ws, findings, state))
        for n, (kind, data) in enumerate(frames):
            if ws.closed:
                await reader
                ws = await http.ws_connect("/ws")
                state = SocketState()
                reader = asyncio.create_task(_read(ws, findings, state))
            size = len(data.encode("utf-8", "surrogatepass")) if kind == "text" else len(data)
            state.oversized_sent |= size > MAX_FRAME_BYTES
            with contextlib.suppress(ConnectionError, aiohttp.ClientError):
                if kind == "text":
                    await ws.send_str(data)
                else:
                    await ws.send_bytes(data)
            findings.inputs_ws += 1
            if n % 200 == 0:
                await asyncio.sleep(0.01)  # let the reader keep up, as a real client reads
                findings.max_rss_mib = max(findings.max_rss_mib, rss_mib(srv.pid))
        await asyncio.sleep(0.2)
        await ws.close()
        await reader


async def _read(ws: aiohttp.ClientWebSocketResponse, findings: Findings, state: SocketState) -> None:
    async for msg in ws:
        if msg.type == aiohttp.WSMsgType.TEXT:
            frame = json.loads(msg.data)
            if frame.get("type") == "error" and frame.get("code") == "internal_error":
                findings.add("ws_internal_error", msg.data)
            if len(msg.data) > 2_000 and frame.get("type") == "error":
                findings.add("ws_error_echoes_input", msg.data[:200])
    code = ws.close_code
    if code is None or code in ALLOWED_CLOSES:
        return
    if code == 1006 and state.oversized_sent:
        return  # an oversized frame into a socket already closing: dropped without a close frame (see above)
    findings.add("ws_close_code", f"closed with {code}")


def check_log(srv: Server, findings: Findings) -> None:
    """Every traceback the server logged, by its last lines (where it was raised and what)."""
    lines = srv.log.read_text(errors="replace").splitlines()
    for n, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = n + 1
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end][:1].isdigit()):
                end += 1
            findings.add("traceback_in_log", " | ".join(lines[max(n, end - 4) : end]))


def run(rest: int, ws: int, seed: int, max_rss_mib: float) -> Findings:
    findings = Findings()
    with server() as srv:
        if rest:
            fuzz_rest(srv, rest, findings, seed)
        if ws:
            asyncio.run(fuzz_ws(srv, ws, findings, seed))
        findings.max_rss_mib = max(findings.max_rss_mib, rss_mib(srv.pid))
        check_log(srv, findings)
    if findings.max_rss_mib > max_rss_mib:
        findings.add("rss", f"server RSS reached {findings.max_rss_mib:.1f} MiB (bound {max_rss_mib} MiB)")
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rest", type=int, default=40_000, help="generated REST requests")
    parser.add_argument("--ws", type=int, default=60_000, help="generated WebSocket frames")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rss-mib", type=float, default=200.0)
    args = parser.parse_args()
    started = time.monotonic()
    findings = run(args.rest, args.ws, args.seed, args.max_rss_mib)
    print(json.dumps({**findings.summary(), "seconds": round(time.monotonic() - started, 1)}, indent=2))
    return 1 if findings.problems else 0


if __name__ == "__main__":
    sys.exit(main())
