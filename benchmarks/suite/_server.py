"""The suite's server: the connection benchmark's nginx, plus TLS with a throwaway CA.

What it owns: a temporary directory with a CA made by ``trustme`` (its
certificate is what the clients trust, ``--cafile``) and a certificate for
``127.0.0.1`` and ``localhost`` signed by it, readable by nginx's worker;
the nginx itself is ``benchmarks/connection/_server.py``'s (one worker,
pinned, ``/small``, ``/big``, ``/upload``), started with that certificate so
it also listens for TLS. Before yielding, a TLS request is made with the
CA, so a broken TLS set-up fails here rather than in every D run.

Without nginx (``nginx`` not on ``PATH``) the embedded server of ``aiohttpcore
bench`` (``aiohttpcore/cli/_server.py``) stands in, imported only then: it
answers ``/`` with the same 13 bytes and reads and drops request bodies, but
has no big file and no TLS, so the suite runs A, C, E and F against it, says
so in the report, and skips B and D.
"""

from __future__ import annotations

import contextlib
import shutil
import ssl
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from benchmarks.connection import _server

__all__ = ["EMBEDDED_WORKLOADS", "Running", "running"]

EMBEDDED_WORKLOADS: Final = "ACEF"
"""What the embedded server can serve: small answers and uploads; no big file, no TLS."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Running:
    """The server the clients are pointed at, and what to tell them and the reader."""

    server: _server.Server
    cafile: Path | None
    """The CA certificate to trust for the TLS port; None without TLS."""
    description: str
    workloads: str
    """The workloads this server can serve."""
    small_path: str = _server.SMALL_PATH
    big_path: str = _server.BIG_PATH
    upload_path: str = _server.UPLOAD_PATH
    fallback: str | None = None
    """Why this is not nginx, when it is not: the report says so."""


def _certificates(root: Path) -> tuple[_server.TLSFiles, Path]:
    import trustme  # the bench session installs it; only a run with nginx needs it

    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1", "localhost")
    root.chmod(0o755)  # nginx's worker drops to an unprivileged user
    files = _server.TLSFiles(chain=root / "chain.pem", key=root / "key.pem")
    issued.private_key_and_cert_chain_pem.write_to_path(str(files.chain))
    issued.private_key_pem.write_to_path(str(files.key))
    cafile = root / "ca.pem"
    authority.cert_pem.write_to_path(str(cafile))
    for path in (files.chain, files.key, cafile):
        path.chmod(0o644)
    return files, cafile


def _check_tls(server: _server.Server, cafile: Path) -> None:
    context = ssl.create_default_context(cafile=str(cafile))
    url = f"https://{server.host}:{server.tls_port}{_server.SMALL_PATH}"
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    with opener.open(url, timeout=5.0) as answer:
        if answer.read() != _server.SMALL_BODY:
            raise RuntimeError(f"nginx's TLS port answered something else at {url}")


@contextlib.contextmanager
def running(*, big_size: int, cpu: int, connections: int) -> Iterator[Running]:
    """nginx with TLS pinned to *cpu* (or the embedded server, when there is no nginx)."""
    if shutil.which("nginx") is None:
        with _embedded(cpu) as server:
            yield server
        return
    with tempfile.TemporaryDirectory(prefix="aiohttpcore-bench-tls-") as tmp:
        tls, cafile = _certificates(Path(tmp))
        with _server.running(
            big_size=big_size, cpu=cpu, connections=connections, tls=tls
        ) as server:
            _check_tls(server, cafile)
            yield Running(
                server=server,
                cafile=cafile,
                description=(
                    f"{_server.nginx_version()}, 1 worker, worker_connections {connections},"
                    f" keepalive_requests 1000000, access_log off, sendfile; TLS with a"
                    f" trustme CA ({ssl.OPENSSL_VERSION} on the client side)"
                ),
                workloads="ABCDEF",
            )


@contextlib.contextmanager
def _embedded(cpu: int) -> Iterator[Running]:
    # Imported only here: the suite does not otherwise depend on the CLI's modules.
    from aiohttpcore.cli import _server as embedded

    process = embedded.start(cpu=cpu)
    try:
        yield Running(
            server=_server.Server(host="127.0.0.1", port=process.port, big_size=0, cpu=cpu),
            cafile=None,
            description=(
                f"the embedded server of aiohttpcore bench (aiohttpcore/cli/_server.py),"
                f" pinned to CPU {cpu}: nginx was not found"
            ),
            workloads=EMBEDDED_WORKLOADS,
            small_path="/",
            upload_path="/",
            fallback=(
                "nginx not found: the embedded server of aiohttpcore bench stands in; it has no"
                " big file and no TLS, so B and D are skipped, and its figures are not"
                " comparable with nginx's (install nginx: apt-get install -y nginx-light)"
            ),
        )
    finally:
        process.stop()
