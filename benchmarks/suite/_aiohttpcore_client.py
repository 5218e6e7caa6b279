"""aiohttpcore's ``ConnectionPool``: what a user of the pool writes, for every workload.

A, C, D: the pool benchmark's client (``resp = await pool.request("GET",
url)``, ``resp.content`` checked), its pool given the TLS context (D) or the
``Connection: close`` header as a default header (C). B: ``async with
pool.request("GET", url) as resp`` and ``readinto`` one reused 256 KiB
buffer until it returns 0. E: ``await pool.request("POST", url,
body=body)`` with the 100 MiB ``bytes``, then the small GET (on the same
connection, the pool's only one). F: ``async with pool.connection(url) as
conn`` per lane, 16 ``send_request`` calls, then ``read_response`` and
``readall`` for each answer, sending the next request after each
(dugong-style pipelining, one task per connection). Defaults otherwise.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Final

from aiohttpcore import ConnectionPool
from benchmarks.connection import _aiohttpcore_client as _connection_peer
from benchmarks.connection._common import DOWNLOAD_BUFFER
from benchmarks.pool import _aiohttpcore_client as _pool_peer
from benchmarks.pool._client import Lane, Lanes
from benchmarks.pool._common import Get
from benchmarks.suite._common import Work, WrongAnswer, awaited, check, unsupported

__all__ = ["NAME", "open_lane", "version"]

NAME: Final = "aiohttpcore"

version = _connection_peer.version


def _download(pool: ConnectionPool, work: Work) -> Get:
    target = work.target
    url, size = target.url(target.big_path), target.big_size
    buffer = bytearray(DOWNLOAD_BUFFER)

    async def download(lane: int) -> None:
        total = 0
        async with pool.request("GET", url) as resp:
            if resp.status != 200:
                raise WrongAnswer(f"status {resp.status}")
            readinto = resp.readinto
            while n := await readinto(buffer):
                total += n
        if total != size:
            raise WrongAnswer(f"download of {total} bytes, expected {size}")

    return download


def _upload(pool: ConnectionPool, work: Work) -> Get:
    target = work.target
    url, small, body = target.url(work.upload_path), target.url(target.small_path), work.body
    expected = target.small_body

    async def upload(lane: int) -> None:
        resp = await pool.request("POST", url, body=body)
        check(resp.status, resp.content, expected)
        resp = await pool.request("GET", small)
        check(resp.status, resp.content, expected)

    return upload


async def _pipeline(pool: ConnectionPool, work: Work, number: int, lanes: Lanes) -> None:
    target = work.target
    path, expected = target.small_path, target.small_body
    perf, record = time.perf_counter, lanes.latencies.append
    flight: deque[float] = deque()
    started = False
    async with pool.connection(target.url(path)) as conn:
        send, read = conn.send_request, conn.read_response
        for _ in range(work.depth):
            flight.append(perf())
            await send("GET", path)
        while flight:
            resp = await read()
            check(resp.status, await resp.readall(), expected)
            record(perf() - flight.popleft())
            if not started:
                started = True
                lanes.lane_started()
            if not lanes.stop:
                flight.append(perf())
                await send("GET", path)


@asynccontextmanager
async def open_lane(work: Work) -> AsyncIterator[Lane]:
    target, size = work.target, work.concurrency
    if work.kind in ("get", "close"):
        async with _pool_peer.pool(target, size) as get:
            yield awaited(get)
        return
    async with ConnectionPool(
        max_connections=size, max_connections_per_host=size, ssl_context=target.ssl
    ) as pool:
        if work.kind == "download":
            yield awaited(_download(pool, work))
        elif work.kind == "upload":
            yield awaited(_upload(pool, work))
        elif work.kind == "pipeline":
            yield partial(_pipeline, pool, work)
        else:
            raise unsupported(NAME, work)
