"""The suite's vocabulary: its workloads, its clients, what a client is given and provides.

Each ``_<name>_client.py`` module is one client with the same three names:
``NAME``, ``version()`` and ``open_lane(work)``, an async context manager that
builds what a user of that library builds for *work* (a pool, a session,
connections) and yields a ``Lane``: ``lane(number, lanes)`` runs requests
back to back until ``lanes.stop`` and appends each one's latency to
``lanes.latencies`` (``benchmarks.pool._client``'s contract, so one harness
times every client). A client whose API is awaitable gives one request as a
``Get`` and lets ``awaited`` make the lane, so the timing code is the same for
all of them; the callback ceiling and the pipelining lanes drive themselves.

Which client runs which workload is decided here, in ``CLIENTS``, and
nowhere else: the runner reads it without importing any client. Nothing
here imports a peer.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

from benchmarks.connection._common import Session, Target, WrongAnswer
from benchmarks.pool._client import Lane, awaited_lane
from benchmarks.pool._common import Get, sessions

__all__ = [
    "CEILING",
    "CLIENTS",
    "SUBJECT",
    "WORKLOADS",
    "Answer",
    "Peer",
    "Target",
    "Work",
    "Workload",
    "WrongAnswer",
    "awaited",
    "by_lane",
    "check",
    "clients_of",
    "composed",
    "drain",
    "sized",
    "unsupported",
]


@dataclass(frozen=True, slots=True)
class Workload:
    """One of the issue's workloads: what one request is, and at which concurrencies."""

    key: str
    title: str
    kind: str
    """``get``, ``download``, ``close``, ``upload`` or ``pipeline``: what a lane repeats."""
    levels: tuple[int, ...]
    """Concurrencies: lanes, each with a connection of its own (F: connections)."""
    quick_levels: tuple[int, ...]
    tls: bool = False
    bulk: bool = False
    """One 100 MiB transfer at a time, timed whole: MiB/s and peak RSS rather than req/s."""


WORKLOADS: Final = {
    w.key: w
    for w in (
        Workload("A", "small GETs, kept-alive connections", "get", (1, 16, 64, 256), (1, 64)),
        Workload("B", "download, one connection", "download", (1,), (1,), bulk=True),
        Workload("C", "small GETs with Connection: close", "close", (16,), (16,)),
        Workload("D", "HTTPS small GETs, kept alive", "get", (16, 64), (16,), tls=True),
        Workload("E", "upload, one connection", "upload", (1,), (1,), bulk=True),
        Workload("F", "pipelined small GETs, 16 in flight a connection", "pipeline", (4,), (4,)),
    )
}

PIPELINE_DEPTH: Final = 16
"""Requests in flight per connection in F (the issue's depth)."""

SUBJECT: Final = "aiohttpcore"
CEILING: Final = "raw"
"""The ratios' ceiling: one future per response, the limit for any awaitable API."""

CLIENTS: Final = {
    "aiohttpcore": "ABCDEF",
    "aiohttpcore_conn": "ABCDE",
    "aiohttp": "ABCDE",
    "httpx": "ABCDE",
    "httpcore": "ABCDE",
    "aiosonic": "ABCDE",
    "raw": "ABCDEF",
    "raw_cb": "ACDF",
    "wrk": "ABCDF",
}
"""Every client and the workloads it runs, in the tables' order.

``aiohttpcore`` is ``ConnectionPool`` (``pool.request``; F: ``pool.connection``
with ``send_request``/``read_response``), ``aiohttpcore_conn`` one
``HTTPConnection`` per lane; ``raw`` and ``raw_cb`` are the two ceilings (one
future per response; callbacks only); ``wrk`` is the C reference, run by the
runner itself (no Python, no loop). wrk takes no part in E (a 100 MiB body
would be a 100 MiB Lua string), the ceilings and the pools none in what they
cannot do (``raw_cb`` has nothing to gain over ``raw`` on 100 MiB transfers;
only ``aiohttpcore`` among the libraries can pipeline).
"""


def clients_of(workload: str, among: list[str]) -> list[str]:
    """The clients of *among* that run *workload*, in ``CLIENTS`` order."""
    return [name for name in CLIENTS if name in among and workload in CLIENTS[name]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Work:
    """What one client process is asked to do.

    ``target`` carries the server, the TLS context (D) and the extra request
    headers (C: ``Connection: close``); ``upload_path`` and ``body`` are E's
    (the body is made once per process, before its RSS is first read);
    ``depth`` is F's.
    """

    workload: Workload
    concurrency: int
    target: Target
    upload_path: str
    body: bytes = b""
    depth: int = PIPELINE_DEPTH

    @property
    def kind(self) -> str:
        return self.workload.kind


class Peer(Protocol):
    """The module-level interface of each ``_*_client.py``."""

    @property
    def NAME(self) -> str:
        """The row heading (a module-level constant satisfies this property)."""

    def version(self) -> str: ...

    def open_lane(self, work: Work) -> AbstractAsyncContextManager[Lane]:
        """What the library's user builds for *work*; closed when the block ends.

        Raises:
            ValueError: *work* is a workload this client does not run.
        """


def awaited(get: Get) -> Lane:
    """The lane of an awaitable client: ``get(number)`` back to back, each one timed."""
    return functools.partial(awaited_lane, get)


def check(status: int, body: bytes | bytearray, expected: bytes) -> None:
    """``WrongAnswer`` unless the status is 200 and the body the one expected."""
    if status != 200 or body != expected:
        raise WrongAnswer(f"status {status}, body {bytes(body[:64])!r}")


def unsupported(name: str, work: Work) -> ValueError:
    """The error ``open_lane`` raises for a workload its client does not run."""
    return ValueError(f"{name} does not run workload {work.workload.key} ({work.kind})")


def by_lane(ops: Sequence[Callable[[], Awaitable[None]]]) -> Get:
    """A ``Get`` for clients with a session per lane: lane *n* calls ``ops[n]``."""

    def get(lane: int) -> Awaitable[None]:
        return ops[lane]()

    return get


async def drain(status: int, chunks: AsyncIterable[bytes], size: int) -> None:
    """Read a streamed download's *chunks* to the end: ``WrongAnswer`` unless 200 and *size*."""
    if status != 200:
        raise WrongAnswer(f"status {status}")
    total = 0
    async for chunk in chunks:
        total += len(chunk)
    if total != size:
        raise WrongAnswer(f"download of {total} bytes, expected {size}")


def sized(download: Callable[[], Awaitable[int]], size: int) -> Get:
    """A ``Get`` of a whole download that must return *size* bytes (``WrongAnswer`` if not)."""

    async def get(lane: int) -> None:
        got = await download()
        if got != size:
            raise WrongAnswer(f"download of {got} bytes, expected {size}")

    return get


S = TypeVar("S", bound=Session)
OpenLane = Callable[[Work], AbstractAsyncContextManager[Lane]]


Answer = tuple[int, bytes]
"""A status and a whole body."""
Post = Callable[[S, str, bytes], Awaitable[Answer]]
"""``post(session, url, body)``: one POST on the library's session; its status and body."""


def composed(
    pool: Callable[[Target, int], AbstractAsyncContextManager[Get]],
    connect: Callable[[Target], Awaitable[S]],
    post: Post[S],
    name: str,
) -> OpenLane:
    """``open_lane`` for a library both earlier benchmarks measure, from their clients' parts.

    A, C, D: the pool benchmark's *pool* (``pool(target, size)``); B: the
    connection benchmark's session (*connect*), its ``download``; E: *post*
    on such a session, the one thing added here, then its small GET.
    """

    def upload(session: S, work: Work) -> Get:
        url, body, expected = work.target.url(work.upload_path), work.body, work.target.small_body

        async def get(lane: int) -> None:
            status, answer = await post(session, url, body)
            check(status, answer, expected)
            await session.small()

        return get

    @asynccontextmanager
    async def open_lane(work: Work) -> AsyncIterator[Lane]:
        target = work.target
        if work.kind in ("get", "close"):
            async with pool(target, work.concurrency) as get:
                yield awaited(get)
            return
        async with sessions(connect, target, 1) as (session,):
            if work.kind == "download":
                yield awaited(sized(session.download, target.big_size))
            elif work.kind == "upload":
                yield awaited(upload(session, work))
            else:
                raise unsupported(name, work)

    return open_lane
