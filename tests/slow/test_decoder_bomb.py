"""10 GiB decompression bombs, one per coding, decoded in flat memory (``nox -s slow``).

Each test compresses 10 GiB of zeros while feeding it: one compressor over
one reused 1 MiB block of zeros, its output cut into 256 KiB "network"
chunks, so building the bomb is as flat in memory as decoding it. Each chunk
is fed to a :class:`~aiohttpcore._decoders.ContentDecoder` and read with
``read(256 KiB)`` until it returns ``b""``, as a response does; the test
counts the decoded bytes, which must be exactly 10 GiB.

Memory is measured two ways. ``tracemalloc`` sees every Python object and
zlib's buffers: its peak must stay within a few MiB, whatever the body's
size. The process's resident set, sampled every 512 MiB of output, also sees
what the brotli and zstd libraries allocate in C: it may not grow by more
than 32 MiB (brotli's window alone may be 16 MiB).

The compressors run at their fastest levels (gzip 1, br 1, zstd 1): memory
does not depend on the ratio, while time does. Measured on the development
machine (2 cores), build and decode together: gzip 19 to 22 s (of which
compressing is 12 s; zlib inflates zeros in 0.6 s per GiB from level 1 but
2.2 s from level 9, which would make this test take about 45 s), br 7 to
8 s, zstd 2.3 s. The peaks measured: tracemalloc 2.0 to 2.4 MiB (the 1 MiB
block of zeros and the compressors' buffers included), resident set growth
1.5 MiB (gzip), 7.2 MiB (br), 2.8 MiB (zstd).
"""

from __future__ import annotations

import os
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _support.codecs import brotli, zstd

from aiohttpcore._decoders import make_decoder

pytestmark = pytest.mark.slow

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
BOMB = 10 * GIB
CHUNK = 256 * KIB  # one network read, as the stream hands them out
READ = 256 * KIB  # the response's decode step
TRACED_LIMIT = 8 * MIB
RSS_GROWTH_LIMIT = 32 * MIB
RSS_SAMPLE = 512 * MIB  # decoded bytes between two resident-set samples


def _rss() -> int | None:
    """The resident set size in bytes now (Linux), or None where /proc is missing."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def zeros_compressed(
    compress: Callable[[bytes], bytes], end: Callable[[], bytes]
) -> Iterator[bytes]:
    """:data:`BOMB` zeros through *compress* then *end*, in chunks of at most :data:`CHUNK`.

    Lazy: each MiB is compressed when the decoder wants more input.
    """
    block = bytes(MIB)
    batch = bytearray()
    for index in range(BOMB // MIB + 1):
        batch += compress(block) if index < BOMB // MIB else end()
        while len(batch) >= CHUNK:
            yield bytes(batch[:CHUNK])
            del batch[:CHUNK]
    if batch:
        yield bytes(batch)


def gzip_chunks() -> Iterator[bytes]:
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    return zeros_compressed(compressor.compress, compressor.flush)


def br_chunks() -> Iterator[bytes]:
    compressor = brotli.Compressor(quality=1)
    return zeros_compressed(compressor.process, compressor.finish)


def zstd_chunks() -> Iterator[bytes]:
    compressor = zstd.ZstdCompressor(level=1)
    return zeros_compressed(compressor.compress, compressor.flush)


def decode_bomb(coding: str, chunks: Iterator[bytes]) -> tuple[int, int, int | None]:
    """Decode *chunks*; return the decoded size, the tracemalloc peak and the RSS growth."""
    decoder = make_decoder(coding, host="bomb.example")
    assert decoder is not None
    baseline = _rss()
    rss_peak = baseline or 0
    total = 0
    next_sample = RSS_SAMPLE
    tracemalloc.start()
    try:
        for chunk in chunks:
            decoder.feed(chunk)
            while data := decoder.read(READ):
                assert len(data) <= READ
                total += len(data)
                if total >= next_sample:
                    next_sample += RSS_SAMPLE
                    rss_peak = max(rss_peak, _rss() or 0)
        decoder.finish()
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return total, traced_peak, None if baseline is None else rss_peak - baseline


def check_bomb(coding: str, chunks: Iterator[bytes]) -> None:
    total, traced_peak, rss_growth = decode_bomb(coding, chunks)
    assert total == BOMB
    assert traced_peak < TRACED_LIMIT, f"tracemalloc peak {traced_peak / MIB:.1f} MiB"
    if rss_growth is not None:
        assert rss_growth < RSS_GROWTH_LIMIT, f"resident set grew by {rss_growth / MIB:.1f} MiB"


@pytest.mark.timeout(180)  # 19 to 22 s here; room for runners three times slower
def test_gzip_bomb_of_10_gib_in_flat_memory() -> None:
    check_bomb("gzip", gzip_chunks())


def test_br_bomb_of_10_gib_in_flat_memory() -> None:
    check_bomb("br", br_chunks())


def test_zstd_bomb_of_10_gib_in_flat_memory() -> None:
    check_bomb("zstd", zstd_chunks())
