"""The one server every client talks to: nginx from the distribution, configured here.

What it owns: a temporary directory holding a generated ``nginx.conf``, the
100 MiB file, the pid and error log; the nginx process (``daemon off``, one
worker) started pinned to one CPU with ``taskset`` and stopped by its own pid
when the run ends. It serves two locations on ``127.0.0.1`` at a free port:

* ``/small``: ``return 200 "hello world!\\n"`` with ``Content-Type:
  text/plain``, 13 body bytes, the same head length every time (the Date
  header has a fixed width, RFC 9110 section 5.6.7);
* ``/big``: a static file served with ``sendfile``, so the server side of a
  download costs little CPU and the client is what is measured;
* ``/upload``: takes a request body of any size (``client_max_body_size 0``)
  and answers as ``/small`` does. nginx reads and discards the body (its
  ``return`` discards a body to keep the connection: a next request is read
  only after the whole body), and logs each upload's ``$request_length`` to
  ``Server.upload_log``, so a harness can check that every byte arrived.

Given ``tls`` (a certificate chain and its key, PEM files), the same
locations are also served over TLS on a second port, ``Server.tls_port``.

``keepalive_requests`` is high enough that nginx never closes a connection
a client keeps for its whole run; ``connections`` (default 64) sizes nginx's
``worker_connections`` and the listen backlog, so a pool benchmark can hold
hundreds of connections open at once. This module knows nothing of the
clients.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "BIG_PATH",
    "SMALL_BODY",
    "SMALL_PATH",
    "UPLOAD_PATH",
    "Server",
    "TLSFiles",
    "nginx_version",
    "running",
]

SMALL_PATH: Final = "/small"
BIG_PATH: Final = "/big"
UPLOAD_PATH: Final = "/upload"
SMALL_BODY: Final = b"hello world!\n"

_CONFIG: Final = """\
daemon off;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{
    worker_connections {connections};
}}
http {{
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 600s;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    default_type text/plain;
    log_format upload $request_length;
    server {{
        listen 127.0.0.1:{port} backlog={connections};
{tls}        root {root}/www;
        location = {small} {{
            return 200 "{body}";
        }}
        location = {big} {{
            default_type application/octet-stream;
        }}
        location = {upload} {{
            client_max_body_size 0;
            access_log {root}/upload.log upload;
            return 200 "{body}";
        }}
    }}
}}
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    """Where the running server is and what it serves."""

    host: str
    port: int
    big_size: int
    cpu: int
    tls_port: int | None = None
    """The TLS listener's port, when ``running`` was given ``tls``."""
    upload_log: Path | None = None
    """One line per upload: the request's length in bytes, head and body (nginx's log)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TLSFiles:
    """The server's certificate chain and private key, PEM files nginx can read."""

    chain: Path
    key: Path


def nginx_version(nginx: str = "nginx") -> str:
    """``nginx/1.22.1`` or the like; nginx prints it on stderr."""
    done = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
    return (done.stderr or done.stdout).strip().removeprefix("nginx version: ")


def _free_port() -> int:
    # Racy in principle (another process may take it before nginx binds);
    # the start-up check below notices, since it demands our body back.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _write_big_file(path: Path, size: int) -> None:
    # The content does not matter to any client; a repeated 1 MiB pattern is
    # written in well under a second and then stays in the page cache.
    block = bytes(range(256)) * 4096
    with path.open("wb") as out:
        left = size
        while left:
            step = min(left, len(block))
            out.write(block[:step])
            left -= step


def _wait_ready(host: str, port: int, proc: subprocess.Popen[bytes], root: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 10.0
    while True:
        if proc.poll() is not None:
            log = (root / "error.log").read_text(errors="replace")
            raise RuntimeError(f"nginx exited with status {proc.returncode}:\n{log}")
        try:
            with opener.open(f"http://{host}:{port}{SMALL_PATH}", timeout=1.0) as answer:
                if answer.read() == SMALL_BODY:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"nginx did not answer on {host}:{port} within 10 s")
        time.sleep(0.05)


def _tls_lines(tls: TLSFiles | None, port: int, connections: int) -> str:
    if tls is None:
        return ""
    indent = " " * 8
    return "".join(
        f"{indent}{line};\n"
        for line in (
            f"listen 127.0.0.1:{port} ssl backlog={connections}",
            f"ssl_certificate {tls.chain}",
            f"ssl_certificate_key {tls.key}",
        )
    )


@contextmanager
def running(
    *,
    big_size: int,
    cpu: int = 0,
    nginx: str = "nginx",
    connections: int = 64,
    tls: TLSFiles | None = None,
) -> Iterator[Server]:
    """Start nginx pinned to *cpu*, yield where it listens, stop it (by its pid) afterwards.

    *connections* is nginx's ``worker_connections`` and the listen backlog:
    more than the most connections the clients hold open at once. With
    *tls*, the locations are served over TLS too, on ``Server.tls_port``.
    """
    if shutil.which(nginx) is None:
        raise RuntimeError("nginx not found: apt-get install -y nginx-light (or nginx)")
    if shutil.which("taskset") is None:
        raise RuntimeError("taskset not found (util-linux)")
    host, port = "127.0.0.1", _free_port()
    tls_port = _free_port() if tls is not None else None
    with tempfile.TemporaryDirectory(prefix="aiohttpcore-bench-nginx-") as tmp:
        root = Path(tmp)
        # nginx's worker drops to an unprivileged user, which must reach the files.
        root.chmod(0o755)
        (root / "www").mkdir()
        (root / "tmp").mkdir()
        _write_big_file(root / "www" / BIG_PATH.lstrip("/"), big_size)
        body = SMALL_BODY.decode("ascii").replace("\n", "\\n")
        config = _CONFIG.format(
            root=root,
            port=port,
            small=SMALL_PATH,
            big=BIG_PATH,
            upload=UPLOAD_PATH,
            body=body,
            connections=connections,
            tls=_tls_lines(tls, tls_port or 0, connections),
        )
        (root / "nginx.conf").write_text(config, encoding="ascii")
        command = [
            "taskset",
            "-c",
            str(cpu),
            nginx,
            "-p",
            str(root),
            "-c",
            str(root / "nginx.conf"),
        ]
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            _wait_ready(host, port, proc, root)
            yield Server(
                host=host,
                port=port,
                big_size=big_size,
                cpu=cpu,
                tls_port=tls_port,
                upload_log=root / "upload.log",
            )
        finally:
            # SIGQUIT is nginx's graceful stop; its master takes its worker down.
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGQUIT)
                try:
                    proc.wait(timeout=10.0)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
