"""Content-Encoding through ConnectionPool, against a scripted raw server.

What this file covers: the pool's half of decoding (``decode_content``,
pool.py ``_attach_decoder``; the codecs themselves are tested without
sockets in ``tests/unit/test_decoders.py``): every coding the process can
decode (gzip and its alias x-gzip, deflate zlib-wrapped and raw, br, zstd,
stacked codings), each framed by Content-Length and chunked, read whole by
``await pool.request()`` and streamed with ``readinto`` into small buffers
that are never overrun; ``decode_content=False``; the ``Accept-Encoding``
the pool sends unless the caller set one; and the failures: a complete HTTP
body holding a truncated compressed stream, a corrupt stream (the connection
is closed: the server sees it), an unknown coding, too many codings. HEAD,
204 and 304 responses, and empty bodies, carry a Content-Encoding and no
body: no error, nothing to decode.

How it tests: bodies are compressed here with the reference libraries and
sent by a :class:`RawServer` that also records each request; after each case
the pool's books are checked through ``stats()`` and a connection is reused
only where its body ended cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import random
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Final

import pytest
from _support.codecs import brotli, zstd
from _support.rawserver import RawRequest, RawServer, read_requests

from aiohttpcore import ConnectionPool, DecodingError, HeaderTypes, PoolStats, Retry, Timeout
from aiohttpcore._decoders import ACCEPT_ENCODING, MAX_CODINGS

pytestmark = pytest.mark.asyncio

BUDGETS: Final = Timeout.all(5.0)
#: Incompressible bytes, text, and a long zero run that expands far beyond
#: any read buffer here: 1.1 MiB decoded.
DATA: Final = (
    random.Random(3).randbytes(40_000) + b"aiohttpcore decodes this\n" * 4_000 + bytes(1 << 20)
)
#: Chunks of a chunked body: a prime, so boundaries fall anywhere in the codec's frames.
CHUNK: Final = 7_919
#: The readinto buffer: odd, so that no codec's block size divides it.
BUFFER: Final = 997
FRAMINGS: Final = ("content-length", "chunked")


def _zlib(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def encode(coding: str, data: bytes) -> bytes:
    """*data* as the sender of ``Content-Encoding: coding`` would send it (one coding)."""
    if coding in ("gzip", "x-gzip"):
        return gzip.compress(data, mtime=0)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "raw-deflate":  # RFC 1951 without the zlib wrapper, as some servers send
        return _zlib(data, -zlib.MAX_WBITS)
    if coding == "br":
        return bytes(brotli.compress(data, quality=5))
    if coding == "zstd":
        return bytes(zstd.compress(data))
    raise AssertionError(coding)


def encode_all(codings: tuple[str, ...], data: bytes) -> bytes:
    """*data* with each coding applied in the order listed (RFC 9110 §8.4)."""
    for coding in codings:
        data = encode(coding, data)
    return data


def header_value(codings: tuple[str, ...]) -> str:
    return ", ".join("deflate" if coding == "raw-deflate" else coding for coding in codings)


def _case(*codings: str) -> object:
    return pytest.param(codings, id="+".join(codings))


CASES: Final = [
    _case("gzip"),
    _case("x-gzip"),
    _case("deflate"),
    _case("raw-deflate"),
    _case("br"),
    _case("zstd"),
    _case("gzip", "br"),
    _case("deflate", "zstd", "gzip"),
]


def response_bytes(
    body: bytes,
    *,
    framing: str = "content-length",
    coding: str | None = None,
    status: str = "200 OK",
) -> bytes:
    """A response carrying *body* as is, framed by *framing*; chunked in CHUNK pieces."""
    head = [f"HTTP/1.1 {status}"]
    if coding is not None:
        head.append(f"Content-Encoding: {coding}")
    if framing == "chunked":
        head.append("Transfer-Encoding: chunked")
        pieces = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    else:
        head.append(f"Content-Length: {len(body)}")
        payload = body
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload


def encoded_response(codings: tuple[str, ...], framing: str, data: bytes = DATA) -> bytes:
    return response_bytes(encode_all(codings, data), framing=framing, coding=header_value(codings))


class Scripted:
    """A RawServer answering each target from a table; it records the requests it read."""

    def __init__(self, answers: Mapping[str, bytes]) -> None:
        self.answers = dict(answers)
        self.requests: list[RawRequest] = []
        self.server = RawServer(self._handler)

    async def _handler(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The client closes a connection whose body failed: a reset is expected.
        with contextlib.suppress(ConnectionError):
            async for request in read_requests(reader):
                self.requests.append(request)
                answer = self.answers[request.target]
                if request.method == "HEAD":  # the head as GET would have it, no body
                    answer = answer[: answer.index(b"\r\n\r\n") + 4]
                writer.write(answer)
                await writer.drain()

    def url(self, target: str) -> str:
        return self.server.base_url + target

    @property
    def label(self) -> str:
        """How the client names the server in errors."""
        return f"{self.server.host}:{self.server.port}"


@contextlib.asynccontextmanager
async def scripted(
    answers: Mapping[str, bytes],
    *,
    decode_content: bool = True,
    headers: HeaderTypes | None = None,
) -> AsyncIterator[tuple[Scripted, ConnectionPool]]:
    script = Scripted(answers)
    async with (
        script.server,
        ConnectionPool(
            max_connections=1,
            timeout=BUDGETS,
            retries=Retry.never(),
            decode_content=decode_content,
            headers=headers,
        ) as pool,
    ):
        yield script, pool


def assert_clean(pool: ConnectionPool, *, idle: int) -> PoolStats:
    stats = pool.stats()
    assert (stats.active, stats.connecting, stats.waiters, stats.idle) == (0, 0, 0, idle), stats
    return stats


async def closed_by_client(script: Scripted, index: int = 0) -> None:
    async with asyncio.timeout(2.0):
        await script.server.connections[index].wait_closed_by_client()


async def read_whole(pool: ConnectionPool, url: str) -> bytes:
    return (await pool.request("GET", url)).content


async def read_streamed(pool: ConnectionPool, url: str) -> bytes:
    """The body through ``readinto`` into one small buffer."""
    async with pool.request("GET", url) as response:
        buffer = bytearray(BUFFER)
        received = bytearray()
        while count := await response.readinto(buffer):
            received += buffer[:count]
        return bytes(received)


READERS: Final[dict[str, Callable[[ConnectionPool, str], Awaitable[bytes]]]] = {
    "whole": read_whole,
    "readinto": read_streamed,
}


# ---------------------------------------------------------------- decoded bodies


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("codings", CASES)
async def test_whole_body_is_decoded(codings: tuple[str, ...], framing: str) -> None:
    async with scripted({"/": encoded_response(codings, framing)}) as (script, pool):
        for _ in range(2):  # the second on the same connection: the first ended cleanly
            response = await pool.request("GET", script.url("/"))
            assert response.status == 200
            assert response.headers["content-encoding"] == header_value(codings)
            assert response.content == DATA
            assert response.received == len(DATA)
        stats = assert_clean(pool, idle=1)
        assert (stats.opened, stats.reused) == (1, 1), stats


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("codings", CASES)
async def test_readinto_small_buffers_is_never_overrun(
    codings: tuple[str, ...], framing: str
) -> None:
    """Each readinto fills at most the buffer it is given, however much a byte expands to."""
    backing = bytearray(b"\xa5" * (BUFFER + 64))
    buffer = memoryview(backing)[:BUFFER]
    async with scripted({"/": encoded_response(codings, framing)}) as (script, pool):
        async with pool.request("GET", script.url("/")) as response:
            decoded = bytearray()
            largest = 0
            while count := await response.readinto(buffer):
                assert 0 < count <= BUFFER
                assert backing[BUFFER:] == b"\xa5" * 64  # nothing written past the view
                decoded += buffer[:count]
                largest = max(largest, count)
            assert response.closed
        buffer.release()
        assert decoded == DATA
        assert largest == BUFFER  # the zero run alone fills whole buffers
        assert_clean(pool, idle=1)


@pytest.mark.parametrize("codings", CASES)
async def test_read_and_iteration_give_the_same_bytes(codings: tuple[str, ...]) -> None:
    async with scripted({"/": encoded_response(codings, "chunked")}) as (script, pool):
        async with pool.request("GET", script.url("/")) as response:
            pieces = []
            while piece := await response.read(5000):
                assert len(piece) <= 5000
                pieces.append(piece)
        assert b"".join(pieces) == DATA
        async with pool.request("GET", script.url("/")) as response:
            assert b"".join([piece async for piece in response]) == DATA
        stats = assert_clean(pool, idle=1)
        assert stats.opened == 1, stats


@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("codings", CASES)
async def test_decode_content_false_gives_the_raw_bytes(
    codings: tuple[str, ...], framing: str
) -> None:
    raw = encode_all(codings, DATA)
    answers = {"/": encoded_response(codings, framing)}
    async with scripted(answers, decode_content=False) as (script, pool):
        response = await pool.request("GET", script.url("/"))
        assert response.content == raw
        assert await read_streamed(pool, script.url("/")) == raw
        # Nothing was offered, so the pool adds no Accept-Encoding.
        assert [r.get("accept-encoding") for r in script.requests] == [None, None]
        assert_clean(pool, idle=1)


# ---------------------------------------------------------------- Accept-Encoding


async def test_accept_encoding_is_sent_by_default() -> None:
    async with scripted({"/": encoded_response(("gzip",), "content-length")}) as (script, pool):
        response = await pool.request("GET", script.url("/"))
        assert response.content == DATA
        async with pool.request("GET", script.url("/")) as streamed:
            await streamed.discard()
    assert [r.get_all("accept-encoding") for r in script.requests] == [[ACCEPT_ENCODING]] * 2
    available = ["gzip", "deflate", "br", "zstd"]  # the test sessions install both packages
    assert ", ".join(available) == ACCEPT_ENCODING  # all this process can decode, no more


@pytest.mark.parametrize("where", ["request", "pool"])
@pytest.mark.parametrize("value", ["identity", "gzip;q=1.0, *;q=0", "BR"])
async def test_accept_encoding_set_by_the_caller_is_sent_alone(where: str, value: str) -> None:
    """The caller's value replaces the pool's (any case); a coded answer is still decoded."""
    given = {"accept-encoding" if value == "BR" else "Accept-Encoding": value}
    answers = {"/": encoded_response(("gzip",), "chunked")}
    async with scripted(answers, headers=given if where == "pool" else None) as (script, pool):
        response = await pool.request(
            "GET", script.url("/"), headers=given if where == "request" else None
        )
        assert response.content == DATA
    assert script.requests[0].get_all("accept-encoding") == [value]


# ---------------------------------------------------------------- broken streams


@pytest.mark.parametrize("style", ["whole", "readinto"])
@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("codings", CASES)
async def test_truncated_stream_in_a_complete_body(
    codings: tuple[str, ...], framing: str, style: str
) -> None:
    """The HTTP body is complete, the compressed stream in it is cut: DecodingError.

    The framing is intact, so the connection is clean and is reused
    (response.py: it is released once the encoded body has arrived).
    """
    encoded = encode_all(codings, DATA)
    cut = response_bytes(
        encoded[: len(encoded) // 2], framing=framing, coding=header_value(codings)
    )
    answers = {"/cut": cut, "/ok": encoded_response(codings, framing)}
    async with scripted(answers) as (script, pool):
        with pytest.raises(DecodingError) as info:
            await READERS[style](pool, script.url("/cut"))
        assert info.value.host == script.label
        assert script.label in str(info.value)
        assert_clean(pool, idle=1)
        assert (await pool.request("GET", script.url("/ok"))).content == DATA
        stats = assert_clean(pool, idle=1)
        assert stats.opened == 1, stats


#: The zlib window bits of each zlib-based coding: gzip, zlib-wrapped, raw (RFC 1950-1952).
ZLIB_WBITS: Final = {"gzip": 31, "x-gzip": 31, "deflate": 15, "raw-deflate": -15}


def flip(data: bytes, start: int) -> bytes:
    """*data* with the 64 bytes from *start* inverted."""
    return data[:start] + bytes(b ^ 0xFF for b in data[start : start + 64]) + data[start + 64 :]


def refused_midstream(coding: str, body: bytes) -> bool:
    """A streaming reference decoder raises on *body*: it is corrupt, not merely cut short."""
    try:
        if coding in ZLIB_WBITS:
            zlib.decompressobj(ZLIB_WBITS[coding]).decompress(body)
        elif coding == "br":
            brotli.Decompressor().process(body)
        else:
            zstd.ZstdDecompressor().decompress(body)
    except Exception:  # zlib.error, brotli.error, ZstdError: no common base but this
        return True
    return False


def corrupt(codings: tuple[str, ...]) -> bytes:
    """DATA under *codings*, the outermost stream made undecodable half-way through."""
    inner = encode_all(codings[:-1], DATA)
    outer = codings[-1]
    if outer in ZLIB_WBITS:
        # Half the input, flushed to a byte boundary, then a final block of the
        # reserved type 3 (RFC 1951 §3.2.3): invalid at once, checksum or not.
        compressor = zlib.compressobj(6, zlib.DEFLATED, ZLIB_WBITS[outer])
        half = compressor.compress(inner[: len(inner) // 2])
        return half + compressor.flush(zlib.Z_FULL_FLUSH) + b"\x07" + bytes(range(256)) * 4
    if outer == "zstd":
        # With a checksum (RFC 8878 §3.1.1) any change is caught at the frame's end.
        encoded = bytes(zstd.compress(inner, options={zstd.CompressionParameter.checksum_flag: 1}))
        return flip(encoded, len(encoded) // 2)
    # br has no checksum: inverted stored bytes would decode, wrongly but
    # silently. Take the first inverted window past the middle the reference refuses.
    encoded = encode(outer, inner)
    for start in range(len(encoded) // 2, len(encoded) - 64, 64):
        candidate = flip(encoded, start)
        if refused_midstream(outer, candidate):
            return candidate
    raise AssertionError(f"no inverted window of this {outer} stream is refused")


@pytest.mark.parametrize("style", ["whole", "readinto"])
@pytest.mark.parametrize("framing", FRAMINGS)
@pytest.mark.parametrize("codings", CASES)
async def test_corrupt_stream_fails_and_closes_the_connection(
    codings: tuple[str, ...], framing: str, style: str
) -> None:
    body = corrupt(codings)
    assert refused_midstream(codings[-1], body)  # the reference library refuses it too
    answers = {
        "/bad": response_bytes(body, framing=framing, coding=header_value(codings)),
        "/ok": encoded_response(codings, framing),
    }
    async with scripted(answers) as (script, pool):
        with pytest.raises(DecodingError) as info:
            await READERS[style](pool, script.url("/bad"))
        assert info.value.host == script.label
        assert script.label in str(info.value)
        stats = assert_clean(pool, idle=0)
        assert sum(stats.closed.values()) == 1, stats
        await closed_by_client(script)
        assert (await pool.request("GET", script.url("/ok"))).content == DATA
        stats = assert_clean(pool, idle=1)
        assert stats.opened == 2, stats


@pytest.mark.parametrize(
    ("coding", "named"),
    [
        ("compress", "'compress'"),
        ("gzip, compress", "'compress'"),
        (", ".join(["gzip"] * (MAX_CODINGS + 1)), f"limit of {MAX_CODINGS}"),
    ],
    ids=["compress", "stacked-compress", "too-many"],
)
@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
async def test_undecodable_coding_fails_before_the_body(
    coding: str, named: str, streamed: bool
) -> None:
    """Refused when the head arrives: nothing of the body is read, the connection closes."""
    answers = {
        "/": response_bytes(b"\x1f\x9d" + bytes(50_000), coding=coding),
        "/ok": encoded_response(("gzip",), "content-length"),
    }
    async with scripted(answers) as (script, pool):
        with pytest.raises(DecodingError) as info:
            await READERS["readinto" if streamed else "whole"](pool, script.url("/"))
        assert info.value.host == script.label
        assert script.label in str(info.value)
        assert named in str(info.value)
        stats = assert_clean(pool, idle=0)
        assert sum(stats.closed.values()) == 1, stats
        await closed_by_client(script)
        assert (await pool.request("GET", script.url("/ok"))).content == DATA


# ---------------------------------------------------------------- no body to decode


def _bodiless_answers(coding: str) -> dict[str, bytes]:
    head_only = f"Content-Encoding: {coding}\r\n"
    return {
        # HEAD: the handler sends this head alone; its Content-Length is GET's.
        "/head": response_bytes(b"x" * 12_345, coding=coding),
        "/304": f'HTTP/1.1 304 Not Modified\r\n{head_only}ETag: "v1"\r\n\r\n'.encode(),
        "/204": f"HTTP/1.1 204 No Content\r\n{head_only}\r\n".encode(),
        "/empty-length": response_bytes(b"", coding=coding),
        "/empty-chunked": response_bytes(b"", framing="chunked", coding=coding),
    }


@pytest.mark.parametrize("coding", ["gzip", "br, zstd", "compress"])
@pytest.mark.parametrize("target", ["/head", "/304", "/204", "/empty-length", "/empty-chunked"])
async def test_no_body_no_decoding_error(target: str, coding: str) -> None:
    """RFC 9110 §9.3.2, §15.4.5: HEAD and 304 carry the coding's header, not a body.

    An empty 200 body decodes to nothing for every coding (_decoders.py).
    An unknown coding on an empty chunked body is still refused: a decoder
    is made for every body that is not known empty before it is read.
    """
    method = "HEAD" if target == "/head" else "GET"
    async with scripted(_bodiless_answers(coding)) as (script, pool):
        if coding == "compress" and target == "/empty-chunked":
            with pytest.raises(DecodingError):
                await pool.request(method, script.url(target))
            return
        for _ in range(2):
            response = await pool.request(method, script.url(target))
            assert response.content == b""
            assert response.closed
            async with pool.request(method, script.url(target)) as streamed:
                assert await streamed.readinto(bytearray(BUFFER)) == 0
        stats = assert_clean(pool, idle=1)
        assert (stats.opened, stats.reused) == (1, 3), stats


# ---------------------------------------------------------------- a cancelled readall


@pytest.mark.asyncio
async def test_a_cancelled_readall_gives_its_decoded_bytes_back() -> None:
    """What it had decoded comes first in the next read, then the rest: nothing is lost."""
    data = random.Random(7).randbytes(200_000)  # incompressible: decoded as it arrives
    encoded = gzip.compress(data, mtime=0)
    go = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            async for _request in read_requests(reader):
                half = len(encoded) // 2
                writer.write(response_bytes(encoded, coding="gzip")[: -len(encoded) + half])
                await writer.drain()
                await go.wait()
                writer.write(encoded[half:])
                await writer.drain()

    async with RawServer(handler) as server, ConnectionPool() as pool:
        async with pool.request("GET", f"{server.base_url}/") as response:
            reading = asyncio.create_task(response.readall())
            await asyncio.sleep(0.1)  # half was decoded; it waits for the rest
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading
            go.set()
            assert await response.readall() == data
            assert response.content == data
        stats = pool.stats()
    assert (stats.idle, stats.closed) == (1, {})
