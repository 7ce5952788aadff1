"""Files in `parley export | import | purge | delete-message`, on SQLite and MariaDB: the export names them, import
copies them in from `--files DIR` (checked before anything is stored, never outside DIR), purge and delete-message
delete their bytes, and purge removes uploads nobody sent within a day."""

from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from test_admin_cli import DAY_MS, SECRET, all_messages, fails, url_string, with_store

from parley import cli
from parley.models import File, User
from parley.settings import DatabaseUrl
from parley.store import Store
from parley.store.blobs import Blobs


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), "red").save(out, "PNG")
    return out.getvalue()


def _stored(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def db(database_url: DatabaseUrl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> DatabaseUrl:
    """A migrated database the environment points at."""
    monkeypatch.chdir(tmp_path)
    for key in ("HOST", "PORT", "REDIS_URL", "COOKIE_SECURE", "FILES_ACCEL_REDIRECT"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", url_string(database_url))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert cli.main(["migrate"]) == 0
    return database_url


@pytest.fixture
def files_dir(db: DatabaseUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "uploads"
    monkeypatch.setenv("FILES_DIR", str(root))
    return root


def seed(url: DatabaseUrl, root: Path, created_ms: int) -> tuple[int, int]:
    """ann sends a PNG and a text file with one message in general; she also has an upload she never sent.
    Returns (message id, unsent file id)."""

    async def run(store: Store) -> tuple[int, int]:
        blobs = Blobs(root)
        ann = await store.create_user("ann", "h", 1)
        ids = []
        for name, data, kind in (("red.png", _png(), "image/png"), ("notes.txt", b"notes", "application/octet-stream")):
            key = blobs.new_key()
            await blobs.save_bytes(key, data)
            record = File(0, 1, ann.id, None, name, len(data), kind, None, None, False, key, created_ms)
            ids.append((await store.insert_file(record)).id)
        message, _ = await store.insert_message(1, User(ann.id, "ann"), "", "c-1", created_ms, file_ids=ids[:2])
        assert [f.id for f in message.files] == ids
        key = blobs.new_key()
        await blobs.save_bytes(key, b"left behind")
        unsent = await store.insert_file(
            File(0, 1, ann.id, None, "x", 11, "text/plain", None, None, False, key, created_ms)
        )
        return message.id, unsent.id

    return with_store(url, run)


def test_export_purge_import_with_files(
    db: DatabaseUrl, files_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message_id, unsent_id = seed(db, files_dir, int(time.time() * 1000) - 10 * DAY_MS)
    export = tmp_path / "history.jsonl"
    assert cli.main(["export", "-o", str(export)]) == 0
    (line,) = [json.loads(x) for x in export.read_text().splitlines()]
    assert [(f["name"], f["size"], f["content_type"]) for f in line["files"]] == [
        ("red.png", len(_png()), "image/png"),
        ("notes.txt", 5, "application/octet-stream"),
    ]
    # The operator copies FILES_DIR with the export.
    copy = tmp_path / "copy"
    for rel in _stored(files_dir):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_bytes((files_dir / rel).read_bytes())
    assert all((copy / f["path"]).is_file() for f in line["files"])

    capsys.readouterr()
    assert cli.main(["purge", "--older-than", "1d", "--yes"]) == 0
    assert capsys.readouterr().out == (
        "deleted 1 message(s) in 1 batch(es)\ndeleted 1 upload(s) never sent within a day\n"
    )
    assert _stored(files_dir) == []  # the message's files, and the unsent upload
    assert with_store(db, lambda s: s.file(unsent_id)) is None

    fails(capsys, cli.main(["import", str(export)]), "the export names files: pass --files DIR")
    assert all_messages(db) == []
    assert cli.main(["import", str(export), "--files", str(copy)]) == 0
    (message,) = all_messages(db)
    assert message.id == message_id and [f.name for f in message.files] == ["red.png", "notes.txt"]
    png, notes = message.files
    # Copied in under new keys; sniffed and thumbnailed again.
    assert (png.content_type, png.thumbnail, png.width, png.height) == ("image/png", True, 64, 32)
    assert (notes.content_type, notes.thumbnail) == ("application/octet-stream", False)
    assert (files_dir / Blobs(files_dir).relative_path(png.key)).read_bytes() == _png()
    assert len(_stored(files_dir)) == 3  # two files and a thumbnail
    # Again: nothing added, no file copied twice.
    assert cli.main(["import", str(export), "--files", str(copy)]) == 0
    assert len(_stored(files_dir)) == 3

    # The operator's delete-message deletes the bytes too.
    assert cli.main(["delete-message", str(message_id)]) == 0
    assert _stored(files_dir) == []


@pytest.mark.parametrize(
    "path", ["../../etc/passwd", "/etc/passwd", "ab/cd/../../../../etc/passwd", "ab/cd/NOTAKEY", "ab/cd/" + "0" * 31]
)
def test_import_refuses_file_paths_outside_the_files_dir(
    db: DatabaseUrl, files_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    record = {
        "id": 1,
        "room": {"id": 1, "name": "general"},
        "seq": 1,
        "user": {"id": 7, "username": "ann"},
        "body": "",
        "created_at": 1_600_000_000_000,
        "client_id": "c-1",
        "files": [{"name": "passwd", "size": 1, "content_type": "text/plain", "path": path}],
    }
    export = tmp_path / "evil.jsonl"
    export.write_text(json.dumps(record) + "\n")
    fails(
        capsys, cli.main(["import", str(export), "--files", str(tmp_path), "--create-users"]), "not a Parley file path"
    )
    assert all_messages(db) == [] and _stored(files_dir) == []


def test_import_refuses_a_missing_file_before_storing_anything(
    db: DatabaseUrl, files_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record = {
        "id": 1,
        "room": {"id": 1, "name": "general"},
        "seq": 1,
        "user": {"id": 7, "username": "ann"},
        "body": "",
        "created_at": 1_600_000_000_000,
        "client_id": "c-1",
        "files": [{"name": "a", "size": 1, "content_type": "text/plain", "path": "ab/cd/" + "ab" * 16}],
    }
    export = tmp_path / "gone.jsonl"
    export.write_text(json.dumps(record) + "\n")
    fails(capsys, cli.main(["import", str(export), "--files", str(tmp_path), "--create-users"]), "is not in")
    assert all_messages(db) == []
    assert with_store(db, lambda s: s.account_by_name("ann")) is None
