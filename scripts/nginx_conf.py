"""nginx.conf for one machine: the repository's nginx.conf with its `# parley:NAME` lines rewritten (paths under a
scratch directory, 127.0.0.1 upstreams, optional TLS with a throwaway certificate), and `nginx -t` on the result.

scripts/cluster.py runs nginx with it; tests/test_nginx.py renders and checks it through cluster.py.
"""

from __future__ import annotations

import dataclasses
import datetime
import grp
import ipaddress
import os
import pwd
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

HOST = "127.0.0.1"
_MARKER = re.compile(r"#\s*parley:(?P<key>[a-z0-9_]+)(?:\s+(?P<edge>begin|end))?\s*$")

Value = str | Sequence[str] | None


class ClusterError(Exception):
    """Something the operator can fix; printed as one line."""


def render_conf(template: str, values: Mapping[str, Value]) -> str:
    """Rewrite the tagged lines of nginx.conf.

    For each `# parley:KEY` line and each `# parley:KEY begin` ... `# parley:KEY end` block: a key missing from
    `values` keeps the text; None removes it; a string (or a list of lines) replaces it, indented like the
    original. Every key in `values` must occur, so a renamed tag fails loudly instead of being ignored.
    """
    out: list[str] = []
    seen: set[str] = set()
    open_block: str | None = None
    for line in template.splitlines():
        match = _MARKER.search(line)
        key = match.group("key") if match else None
        edge = match.group("edge") if match else None
        if open_block is not None:
            if key == open_block and edge == "end":
                open_block = None
            continue
        if key is None or key not in values:
            out.append(line)
            continue
        seen.add(key)
        indent = line[: len(line) - len(line.lstrip())]
        value = values[key]
        if edge == "begin":
            open_block = key
        elif edge == "end":
            raise ClusterError(f"nginx.conf: `# parley:{key} end` without its begin")
        if value is None:
            continue
        lines = [value] if isinstance(value, str) else list(value)
        out.extend(f"{indent}{item}" for item in lines)
    if open_block is not None:
        raise ClusterError(f"nginx.conf: `# parley:{open_block} begin` is never closed")
    missing = sorted(set(values) - seen)
    if missing:
        raise ClusterError(f"nginx.conf has no `# parley:` tag for {', '.join(missing)}")
    return "\n".join(out) + "\n"


@dataclasses.dataclass(frozen=True)
class Tls:
    certificate: Path
    key: Path


def local_values(
    *,
    port: int,
    upstreams: Sequence[int],
    root: Path,
    scratch: Path,
    tls: Tls | None = None,
    http_port: int | None = None,
) -> dict[str, Value]:
    """Values that run nginx.conf on this machine: 127.0.0.1 only, every writable path under `scratch`.

    Plain http on `port` unless `tls` is given; then https on `port` and, with `http_port`, the redirect server.
    """
    values: dict[str, Value] = {
        # Not root: nginx ignores `user` (with a warning), so drop it. Root: workers run as the invoking user,
        # who can read the checkout (production uses www-data and a world-readable root instead).
        "user": _user_line(),
        "pid": f"pid {scratch / 'nginx.pid'};",
        "error_log": f"error_log {scratch / 'error.log'} info;",
        "mime_types": f"include {mime_types_path()};",
        "access_log": f"access_log {scratch / 'access.log'} parley;",
        "upstream": [f"server {HOST}:{p} max_fails=1 fail_timeout=5s;" for p in upstreams],
        "listen6": None,
        "server_name": f"server_name {HOST} localhost;",
        "root": f"root {root};",
        "files_alias": f"alias {scratch / 'files'}/;",
    }
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        values[f"{kind}_temp_path"] = f"{kind}_temp_path {scratch / ('temp_' + kind)};"
    if tls is None:
        values.update(
            listen=f"listen {HOST}:{port};",
            ssl_certificate=None,
            ssl_certificate_key=None,
            tls=None,
            redirect_server=None,
        )
    else:
        values.update(
            listen=f"listen {HOST}:{port} ssl http2;",
            ssl_certificate=f"ssl_certificate {tls.certificate};",
            ssl_certificate_key=f"ssl_certificate_key {tls.key};",
        )
        if http_port is None:
            values["redirect_server"] = None
        else:
            values.update(
                redirect_listen=f"listen {HOST}:{http_port};",
                redirect_listen6=None,
                redirect_server_name=f"server_name {HOST} localhost;",
            )
    return values


def _user_line() -> str | None:
    if os.geteuid() != 0:
        return None
    user = pwd.getpwuid(os.getuid())
    return f"user {user.pw_name} {grp.getgrgid(user.pw_gid).gr_name};"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def mime_types_path() -> str:
    """mime.types next to the nginx build's own configuration file (/etc/nginx on Debian)."""
    binary = nginx_binary()
    if binary:
        out = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False).stderr
        match = re.search(r"--conf-path=(\S+)", out)
        if match:
            candidate = Path(match.group(1)).parent / "mime.types"
            if candidate.is_file():
                return str(candidate)
    return "/etc/nginx/mime.types"


def self_signed(directory: Path) -> Tls:
    """A throwaway certificate for 127.0.0.1 and localhost (the trial's --tls, and the tests)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    tls = Tls(certificate=directory / "tls.crt", key=directory / "tls.key")
    tls.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    tls.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    tls.key.chmod(0o600)
    return tls


def check_nginx_conf(binary: str, conf: Path, scratch: Path) -> None:
    result = subprocess.run(
        [binary, "-t", "-p", str(scratch), "-e", str(scratch / "error.log"), "-c", str(conf)],
        capture_output=True, text=True, check=False, timeout=30,
    )
    if result.returncode != 0:
        raise ClusterError(f"nginx -t refused {conf}:\n{result.stderr.strip()}")
