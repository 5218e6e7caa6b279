"""The ASGI 3 application every interop server runs: a plain callable, no framework.

It owns the routes below and the deterministic bodies they send, so a test can
compute what it must receive (:func:`pattern`, :func:`stamped_body`,
:func:`stamped_sha256`) without a second request. It imports nothing from
``aiohttpcore`` and nothing outside the standard library, since it runs inside
uvicorn, hypercorn and granian subprocesses.

Invariant: no route holds a large body in memory. Downloads are generated piece
by piece and sent under the server's flow control (an ASGI ``send`` awaits
until the transport drains); ``/upload-sha256`` hashes each piece as it
arrives. Only ``/echo`` buffers, and it refuses more than :data:`ECHO_LIMIT`.

Routes (``HEAD`` is accepted wherever ``GET`` is and sends the same headers
with no body, RFC 9110 §9.3.2, so the framing headers a client sees for HEAD
are the ones GET would carry)::

    GET  /bytes/{n}           n bytes of pattern(n), Content-Length
    GET  /chunked/{n}?size=k  the same bytes in pieces of k (default 4096), no
                              Content-Length, so the server sends chunked
    POST|PUT /echo            the request body back; X-Method, X-Body-Length,
                              X-Content-Length-Seen, X-Transfer-Encoding-Seen
    GET  /headers             JSON list of [name, value] request header pairs
    GET  /status/{code}       that status (200-599), a short text body except
                              for 204, 205, 304
    GET  /close               a small body with Connection: close
    GET  /sleep?ms=m          answers after m milliseconds (at most 60 000)
    GET  /sha256/{n}          stamped_body(n) streamed, Content-Length and
                              X-Body-SHA256; n up to 1 GiB
    GET  /gzip/{n}            pattern(n) compressed, Content-Encoding: gzip
                              (whatever the request accepts); n up to 16 MiB
    POST|PUT /upload-sha256   reads the body incrementally; X-Body-Length and
                              X-Body-SHA256 headers, the same as JSON body

The ``-Seen`` headers are present only when the request carried that header.
Unknown paths answer 404, wrong methods 405 with ``Allow``, bad numbers 400.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import hashlib
import http
import json
import re
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

#: 64 printable bytes: a body cut at any offset still reads well in a failing assert.
PATTERN_UNIT = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/"
#: Size of one stamped block; each starts with its index, see :func:`stamped_body`.
STAMP_BLOCK = 64 * 1024
#: Largest body ``/bytes``, ``/chunked`` and ``/sha256`` generate: 1 GiB.
MAX_GENERATED = 1 << 30
#: Largest body ``/gzip`` compresses (in memory, at once).
MAX_GZIP = 16 * 1024 * 1024
#: Largest body ``/echo`` buffers (it answers 413 beyond).
ECHO_LIMIT = 16 * 1024 * 1024
#: Longest ``/sleep``.
MAX_SLEEP_MS = 60_000

# Pieces handed to ``send``: 64 KiB keeps per-message overhead small (16 Ki sends
# per GiB) while the servers' write buffers stay bounded.
_SEND_PIECE = 64 * 1024
_UNIT_BLOCK = PATTERN_UNIT * (STAMP_BLOCK // len(PATTERN_UNIT))
_GET_METHODS = ("GET", "HEAD")
_BODY_METHODS = ("POST", "PUT")


def pattern(n: int, offset: int = 0) -> bytes:
    """Return bytes ``offset .. offset+n`` of the endless repetition of :data:`PATTERN_UNIT`."""
    start = offset % len(PATTERN_UNIT)
    reps = (start + n) // len(PATTERN_UNIT) + 1
    return (PATTERN_UNIT * reps)[start : start + n]


def iter_pattern(n: int, piece: int) -> Iterator[bytes]:
    """Yield :func:`pattern` ``(n)`` in pieces of ``piece`` bytes (the last may be shorter)."""
    if piece <= 0:
        raise ValueError(f"piece must be positive, got {piece}")
    for offset in range(0, n, piece):
        yield pattern(min(piece, n - offset), offset)


def _stamped_block(index: int) -> bytes:
    return index.to_bytes(8, "big") + _UNIT_BLOCK[8:]


def iter_stamped(n: int) -> Iterator[bytes]:
    """Yield :func:`stamped_body` ``(n)`` block by block, never more than 64 KiB at once."""
    for index, offset in enumerate(range(0, n, STAMP_BLOCK)):
        block = _stamped_block(index)
        yield block if n - offset >= STAMP_BLOCK else block[: n - offset]


def stamped_body(n: int) -> bytes:
    """Return the ``/sha256/{n}`` body whole (for small n in tests).

    Block ``i`` (64 KiB) is ``i`` as 8 big-endian bytes, then the pattern: unlike a
    plain repetition, a lost, repeated or reordered block changes the digest.
    """
    return b"".join(iter_stamped(n))


@functools.cache
def stamped_sha256(n: int) -> str:
    """Return the hex SHA-256 of :func:`stamped_body` ``(n)``; about 0.6 s per GiB, cached."""
    digest = hashlib.sha256()
    for block in iter_stamped(n):
        digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- plumbing


def _header(scope: Scope, name: bytes) -> bytes | None:
    """Return the request header ``name`` (lower case), several joined by ``, ``."""
    values = [v for k, v in scope["headers"] if k.lower() == name]
    return b", ".join(values) if values else None


def _query_int(scope: Scope, name: str, default: int) -> int:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return int(values[0]) if values else default


async def _respond(
    scope: Scope, send: Send, status: int, headers: Headers, body: bytes = b""
) -> None:
    """Send a whole response with Content-Length (no body for HEAD)."""
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


async def _stream(scope: Scope, send: Send, headers: Headers, pieces: Iterator[bytes]) -> None:
    """Send a 200 whose body is ``pieces``, each as its own ASGI message (none for HEAD)."""
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if scope["method"] != "HEAD":
        for piece in pieces:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _text(
    scope: Scope, send: Send, status: int, text: str, extra: Headers | None = None
) -> None:
    headers = [(b"content-type", b"text/plain"), *(extra or [])]
    await _respond(scope, send, status, headers, text.encode())


def _size(raw: str) -> int:
    n = int(raw)
    if not 0 <= n <= MAX_GENERATED:
        raise ValueError(f"size {n} outside 0..{MAX_GENERATED}")
    return n


def _seen_headers(scope: Scope) -> Headers:
    seen: Headers = []
    for name, echo in (
        (b"content-length", b"x-content-length-seen"),
        (b"transfer-encoding", b"x-transfer-encoding-seen"),
    ):
        value = _header(scope, name)
        if value is not None:
            seen.append((echo, value))
    return seen


# ---------------------------------------------------------------- routes


async def _bytes(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    n = _size(arg)
    headers = [(b"content-type", b"application/octet-stream"), (b"content-length", arg.encode())]
    await _stream(scope, send, headers, iter_pattern(n, _SEND_PIECE))


async def _chunked(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    n, piece = _size(arg), _query_int(scope, "size", 4096)
    if piece <= 0:
        raise ValueError("size must be positive")
    # No Content-Length and every piece sent with more_body: no server can
    # frame this by length, so HTTP/1.1 responses are chunked (RFC 9112 §7.1).
    await _stream(
        scope, send, [(b"content-type", b"application/octet-stream")], iter_pattern(n, piece)
    )


async def _gzip(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    n = int(arg)
    if not 0 <= n <= MAX_GZIP:
        raise ValueError(f"size {n} outside 0..{MAX_GZIP}")
    headers = [(b"content-type", b"application/octet-stream"), (b"content-encoding", b"gzip")]
    # mtime=0: the same n always gives the same bytes.
    await _respond(scope, send, 200, headers, gzip.compress(pattern(n), mtime=0))


async def _sha256(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    n = _size(arg)
    digest = await asyncio.get_running_loop().run_in_executor(None, stamped_sha256, n)
    headers = [
        (b"content-type", b"application/octet-stream"),
        (b"content-length", arg.encode()),
        (b"x-body-sha256", digest.encode()),
    ]
    await _stream(scope, send, headers, iter_stamped(n))


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """Return the whole request body, or None past ``limit`` or on disconnect."""
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        if size > limit:
            return None
        if not message.get("more_body", False):
            return b"".join(parts)


async def _echo(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    body = await _read_body(receive, ECHO_LIMIT)
    if body is None:
        await _text(scope, send, 413, f"echo takes at most {ECHO_LIMIT} bytes\n")
        return
    headers = [
        (b"content-type", _header(scope, b"content-type") or b"application/octet-stream"),
        (b"x-method", scope["method"].encode()),
        (b"x-body-length", str(len(body)).encode()),
        *_seen_headers(scope),
    ]
    await _respond(scope, send, 200, headers, body)


async def _upload_sha256(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    digest, length = hashlib.sha256(), 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        piece = message.get("body", b"")
        digest.update(piece)
        length += len(piece)
        if not message.get("more_body", False):
            break
    hexdigest = digest.hexdigest()
    headers = [
        (b"content-type", b"application/json"),
        (b"x-body-length", str(length).encode()),
        (b"x-body-sha256", hexdigest.encode()),
        *_seen_headers(scope),
    ]
    body = json.dumps({"length": length, "sha256": hexdigest}).encode()
    await _respond(scope, send, 200, headers, body)


async def _headers(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    pairs = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]]
    body = json.dumps(pairs).encode()
    await _respond(scope, send, 200, [(b"content-type", b"application/json")], body)


async def _status(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    code = int(arg)
    if not 200 <= code <= 599:
        raise ValueError(f"status {code} outside 200..599")
    try:
        phrase = http.HTTPStatus(code).phrase
    except ValueError:
        phrase = "Unknown"
    # RFC 9110 §15.3.5, §15.3.6, §15.4.5: 204, 205 and 304 carry no content.
    body = b"" if code in (204, 205, 304) else f"{code} {phrase}\n".encode()
    headers = [(b"content-type", b"text/plain")] if body else []
    if code in (204, 304):  # no Content-Length either: some servers refuse one here
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await _respond(scope, send, code, headers, body)


async def _close(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    headers = [(b"content-type", b"text/plain"), (b"connection", b"close")]
    await _respond(scope, send, 200, headers, b"closing\n")


async def _sleep(scope: Scope, receive: Receive, send: Send, arg: str) -> None:
    ms = _query_int(scope, "ms", 0)
    if not 0 <= ms <= MAX_SLEEP_MS:
        raise ValueError(f"ms {ms} outside 0..{MAX_SLEEP_MS}")
    await asyncio.sleep(ms / 1000)
    await _text(scope, send, 200, f"slept {ms} ms\n")


Handler = Callable[[Scope, Receive, Send, str], Awaitable[None]]

#: (path regex with one optional group, allowed methods, handler)
ROUTES: tuple[tuple[re.Pattern[str], tuple[str, ...], Handler], ...] = (
    (re.compile(r"/bytes/(\d+)"), _GET_METHODS, _bytes),
    (re.compile(r"/chunked/(\d+)"), _GET_METHODS, _chunked),
    (re.compile(r"/echo()"), _BODY_METHODS, _echo),
    (re.compile(r"/headers()"), _GET_METHODS, _headers),
    (re.compile(r"/status/(\d+)"), _GET_METHODS, _status),
    (re.compile(r"/close()"), _GET_METHODS, _close),
    (re.compile(r"/sleep()"), _GET_METHODS, _sleep),
    (re.compile(r"/sha256/(\d+)"), _GET_METHODS, _sha256),
    (re.compile(r"/gzip/(\d+)"), _GET_METHODS, _gzip),
    (re.compile(r"/upload-sha256()"), _BODY_METHODS, _upload_sha256),
)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI 3 entry point: ``_support.app:app``."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        raise RuntimeError(f"unsupported scope type {scope['type']!r}")
    for regex, methods, handler in ROUTES:
        match = regex.fullmatch(scope["path"])
        if match is None:
            continue
        if scope["method"] not in methods:
            allow = ", ".join(methods).encode()
            await _text(scope, send, 405, "method not allowed\n", [(b"allow", allow)])
            return
        try:
            await handler(scope, receive, send, match.group(1))
        except ValueError as exc:  # raised before any response byte
            await _text(scope, send, 400, f"{exc}\n")
        return
    await _text(scope, send, 404, f"no route for {scope['path']}\n")
