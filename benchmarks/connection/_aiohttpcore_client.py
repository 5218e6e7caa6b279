"""aiohttpcore as a peer: one ``HTTPConnection`` driven through its dugong-style API.

A small request is ``send_request`` + ``read_response`` + ``readall``; a
download is ``readinto`` one reused 256 KiB buffer until it returns 0 (the
path meant to let the kernel write into the caller's buffer). No pool: the
connection layer is what this benchmark is about.
"""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Final

import aiohttpcore
from aiohttpcore.connection import HTTPConnection
from benchmarks.connection._common import DOWNLOAD_BUFFER, Target, WrongAnswer

__all__ = ["NAME", "connect", "version"]

NAME: Final = "aiohttpcore"


def version() -> str:
    """The package version and a digest of its sources, since the tree is often uncommitted."""
    source = inspect.getsourcefile(aiohttpcore)
    assert source is not None
    digest = hashlib.sha256()
    for path in sorted(Path(source).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    release = getattr(aiohttpcore, "__version__", "unreleased")
    return f"{release} (aiohttpcore/ sha256 {digest.hexdigest()[:12]})"


class _AiohttpcoreSession:
    __slots__ = ("_big", "_body", "_buffer", "_conn", "_headers", "_small")

    def __init__(self, conn: HTTPConnection, target: Target) -> None:
        self._conn = conn
        self._headers = target.headers or None
        self._small = target.small_path
        self._big = target.big_path
        self._body = target.small_body
        self._buffer = bytearray(DOWNLOAD_BUFFER)

    @property
    def conn(self) -> HTTPConnection:
        """The connection, for requests this module does not make (the suite's uploads)."""
        return self._conn

    async def small(self) -> None:
        conn = self._conn
        await conn.send_request("GET", self._small, self._headers)
        resp = await conn.read_response()
        body = await resp.readall()
        if resp.status != 200 or body != self._body:
            raise WrongAnswer(f"status {resp.status}, body {body[:64]!r}")

    async def download(self) -> int:
        conn = self._conn
        await conn.send_request("GET", self._big)
        resp = await conn.read_response()
        if resp.status != 200:
            raise WrongAnswer(f"status {resp.status}")
        readinto = resp.readinto
        buffer = self._buffer
        total = 0
        while n := await readinto(buffer):
            total += n
        return total

    async def aclose(self) -> None:
        await self._conn.aclose()


async def connect(target: Target) -> _AiohttpcoreSession:
    conn = HTTPConnection(target.host, target.port, ssl_context=target.ssl)
    return _AiohttpcoreSession(conn, target)
