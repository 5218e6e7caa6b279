"""A gzip bomb through ConnectionPool: 10 MiB on the wire, 10 GiB decoded, in flat memory.

PROTOCOL-POLICY.md, "Limits": decompressed output is bounded by the reader's
buffer, never by the body's size. The bomb is 10 GiB of zeros compressed by
zlib at level 9 (deflate's best ratio, about 1030:1), built once per process
from zero blocks through one ``compressobj``, and sent by a raw server with
Content-Length and ``Content-Encoding: gzip``. The client reads it with
``readinto`` into one 256 KiB buffer; every decoded byte is counted, and
the gzip trailer (CRC-32 and length) is checked by the decoder at the end.

Memory: the peak of Python allocations (``tracemalloc``) during the
exchange, and the growth of the process's resident size sampled every 64 MiB
decoded (``/proc/self/statm``, which also sees zlib's and the loop's C
allocations; ``ru_maxrss`` would hide growth under the peak that building the
bomb left), must both stay under 64 MiB while the body expands to 10 GiB.

Time, measured on the development machine (2 cores): 30 to 35 s to build
the bomb (zlib deflates zeros at about 330 MB/s) and 23 to 37 s per event
loop to read it (zlib alone inflates level-9 zeros at 2.2 to 2.8 s per GiB);
about 95 s for both loops, hence the 300 s budget. Peaks measured:
tracemalloc 1.1 to 1.2 MiB, resident size growth 0.3 to 1.1 MiB.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
import tracemalloc
import zlib
from typing import Final

import pytest
from _support.rawserver import RawServer, read_request

from aiohttpcore import ConnectionPool, Timeout

pytestmark = [pytest.mark.slow, pytest.mark.asyncio]

GIB: Final = 1 << 30
EXPANDED: Final = 10 * GIB
ZERO_BLOCK: Final = bytes(1 << 20)
BUFFER: Final = 256 * 1024
#: What the server hands its transport at once, so it holds no copy of the bomb.
PIECE: Final = 64 * 1024
FLAT: Final = 64 << 20
#: Sample the resident size every this many reads (64 MiB decoded).
SAMPLE_EVERY: Final = 256
PAGE: Final = os.sysconf("SC_PAGE_SIZE")


@functools.cache
def gzip_bomb() -> bytes:
    """EXPANDED zeros as one gzip member (RFC 1952), about 10 MiB; built once per process."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(ZERO_BLOCK) for _ in range(EXPANDED // len(ZERO_BLOCK))]
    parts.append(compressor.flush())
    return b"".join(parts)


def resident() -> int:
    """The process's resident size now, in bytes (Linux: /proc/self/statm, in pages)."""
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * PAGE


@pytest.mark.timeout(300)
async def test_ten_gib_gzip_bomb_read_through_the_pool_in_flat_memory() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 11 << 20

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb)
        )
        with memoryview(bomb) as view:
            for start in range(0, len(view), PIECE):
                writer.write(view[start : start + PIECE])
                await writer.drain()

    buffer = bytearray(BUFFER)
    total = reads = 0
    rss_before = rss_peak = resident()
    tracemalloc.start()
    try:
        async with (
            RawServer(serve) as server,
            ConnectionPool(timeout=Timeout(connect=5.0, read=60.0, write=60.0)) as pool,
        ):
            tracemalloc.reset_peak()
            baseline, _ = tracemalloc.get_traced_memory()
            started = time.perf_counter()
            async with pool.request("GET", server.base_url + "/bomb") as response:
                assert response.headers["content-encoding"] == "gzip"
                while count := await response.readinto(buffer):
                    assert count <= BUFFER
                    total += count
                    reads += 1
                    if reads % SAMPLE_EVERY == 0:
                        rss_peak = max(rss_peak, resident())
                assert response.closed
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            stats = pool.stats()
    finally:
        tracemalloc.stop()
    growth = max(rss_peak, resident()) - rss_before
    # The figures for the slow session's log (pytest -rP shows them).
    print(
        f"10 GiB decoded in {elapsed:.1f} s; tracemalloc peak {(peak - baseline) / 2**20:.2f} MiB;"
        f" resident size growth {growth / 2**20:.2f} MiB"
    )
    assert total == EXPANDED
    assert response.received == EXPANDED
    assert (stats.active, stats.connecting, stats.waiters) == (0, 0, 0), stats
    assert peak - baseline < FLAT, f"tracemalloc peak {peak - baseline} bytes for 10 GiB"
    assert growth < FLAT, f"the resident size grew by {growth} bytes for 10 GiB"
