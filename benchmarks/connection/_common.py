"""What every client module provides, and what it is given.

Each ``_*_client.py`` module is one peer and has the same three names:
``NAME``, ``version()`` and ``async def connect(target) -> Session``. The
harness in ``_client.py`` does all timing and counting, so a peer's code is
only what a user of that library would write for one request. Nothing here
imports a peer.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Final, Protocol

__all__ = ["DOWNLOAD_BUFFER", "Peer", "Session", "Target", "WrongAnswer"]

DOWNLOAD_BUFFER: Final = 256 * 1024
"""The one reused buffer of ``readinto`` and of the raw ceiling, and aiohttp's chunk size."""


class WrongAnswer(RuntimeError):
    """A peer got something other than the expected status and body: the run is void."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """The server: where it is, its two paths, what they answer, and how to ask.

    ``ssl``: speak TLS with this context (``port`` is then the TLS port);
    ``headers``: sent with every request, on top of what each library sends
    by itself (the suite's ``Connection: close`` workload). Both default to
    what the connection and pool benchmarks use: plain HTTP, nothing added.
    """

    host: str
    port: int
    small_path: str
    small_body: bytes
    big_path: str
    big_size: int
    ssl: ssl.SSLContext | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def url(self, path: str) -> str:
        scheme = "http" if self.ssl is None else "https"
        return f"{scheme}://{self.host}:{self.port}{path}"


class Session(Protocol):
    """One client holding one kept-alive connection to the target.

    ``small`` sends one GET of the small path and reads the whole response,
    raising ``WrongAnswer`` unless the status is 200 and the body is the one
    expected. ``download`` GETs the big path and reads the body to its end,
    returning the number of body bytes (the harness checks it). Both leave
    the connection ready for the next request.
    """

    async def small(self) -> None: ...

    async def download(self) -> int: ...

    async def aclose(self) -> None: ...


class Peer(Protocol):
    """The module-level interface of each ``_*_client.py``."""

    @property
    def NAME(self) -> str:
        """The column heading (a module-level constant satisfies this property)."""

    def version(self) -> str: ...

    async def connect(self, target: Target) -> Session: ...
