"""ConnectionPool against scripted raw servers: reuse, caps, waits, retries, TLS, life cycle.

Every case checks what is public: the responses, ``pool.stats()``, the trace
events, and what the servers saw (connections accepted, requests per
connection, bodies, whether the client closed). The servers are
:class:`~_pool_helpers.Responder` handlers on :class:`RawServer`, in the
test's own loop, so each race the pool must survive (a server closing an
idle connection, stray bytes, a request left unanswered) is made to happen
at a chosen moment rather than hoped for. Budgets stay small (a second or
two) so a pool that hangs fails fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import socket
import ssl
import time
import urllib.parse
import weakref
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import uvloop
from _support.late_collection import outlive_the_loop
from _support.rawserver import RawServer, read_request
from _support.servers import TLSFiles

from aiohttpcore import (
    BodyFollowing,
    ConnectError,
    ConnectionClosed,
    ConnectionPool,
    HTTPException,
    InsecureRequestWarning,
    NetworkError,
    OriginStats,
    PoolClosed,
    PoolTimeout,
    ReadTimeout,
    Response,
    Retry,
    StateError,
    Timeout,
    TLSError,
    TraceEvent,
    _ssl,
)
from aiohttpcore._pool_state import check as check_books

from ._pool_helpers import (
    Ending,
    Gauge,
    Responder,
    close_without_answer,
    half_close_then_wait,
    half_close_when,
    silent_after_reading,
    stray_bytes_keep_open,
    stray_response_then_close,
    until_client_closes,
)

SHORT = Timeout(connect=2.0, read=2.0, write=2.0, pool=2.0)
STALE_ERRORS = (ConnectionClosed, NetworkError)


async def until(predicate: Callable[[], bool], seconds: float = 1.0) -> None:
    """Poll ``predicate`` until it holds (pool state changes on loop callbacks)."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110  (plain figures: no event to wait on)
            await asyncio.sleep(0.005)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def warm(pool: ConnectionPool, url: str, count: int) -> None:
    """Leave *count* idle connections to *url*'s origin in *pool* (held together, then read)."""
    async with contextlib.AsyncExitStack() as stack:
        responses = [
            await stack.enter_async_context(pool.request("GET", f"{url}/warm{i}"))
            for i in range(count)
        ]
        for response in responses:
            await response.readall()
    assert pool.stats().idle == count


# ---------------------------------------------------------------- 1. reuse


@pytest.mark.asyncio
async def test_sequential_requests_share_one_connection() -> None:
    responder = Responder(b"hello")
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        for i in range(20):
            response = await pool.request("GET", f"{server.base_url}/{i}")
            assert response.status == 200
            assert response.content == b"hello"
            assert await response.read() == b"hello"
        stats = pool.stats()
    assert server.connection_count == 1
    assert responder.on_connection(0) == [f"/{i}" for i in range(20)]
    assert (stats.opened, stats.reused, stats.retried, stats.requests) == (1, 19, 0, 20)
    assert (stats.idle, stats.active, stats.connecting, stats.waiters) == (1, 0, 0, 0)
    assert stats.origins == {
        server.base_url: OriginStats(idle=1, active=0, connecting=0, waiters=0)
    }
    assert stats.closed == {}


# ---------------------------------------------------------------- 2. close detection


@pytest.mark.parametrize("announced", [True, False], ids=["connection-close", "silent-close"])
@pytest.mark.asyncio
async def test_server_closing_after_every_response(announced: bool) -> None:
    headers = (("Connection", "close"),) if announced else ()
    responder = Responder(b"once", headers=headers, per_connection=1)
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        for i in range(20):
            response = await pool.request("GET", f"{server.base_url}/{i}")
            assert (response.status, response.content) == (200, b"once")
        stats = pool.stats()
    assert server.connection_count == 20
    assert [responder.on_connection(i) for i in range(20)] == [[f"/{i}"] for i in range(20)]
    assert stats.opened == 20
    assert stats.reused == stats.retried  # only a stale attempt took an idle connection
    if announced:
        # Connection: close is seen with the response: never parked, never retried.
        assert stats.closed == {"server_closed": 20}
        assert stats.retried == 0
    else:
        # Each silent close is seen at checkin or checkout (server_closed), or costs
        # exactly one retry of the GET on a fresh connection (closed as an error).
        assert stats.closed.get("error", 0) == stats.retried
        assert stats.closed.get("server_closed", 0) + stats.retried in (19, 20)
        assert set(stats.closed) <= {"error", "server_closed"}


@pytest.mark.asyncio
async def test_post_on_a_connection_closed_unanswered_is_not_replayed() -> None:
    # The first request is answered on a kept-alive connection; the second is
    # read whole, then the server closes without a word (deterministic stale race).
    responder = Responder(b"first", per_connection=1, ending=close_without_answer)
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        assert (await pool.request("GET", f"{server.base_url}/first")).content == b"first"
        with pytest.raises(STALE_ERRORS) as info:
            await pool.request("POST", f"{server.base_url}/upload", body=b"payload-123")
        stats = pool.stats()
    assert f"127.0.0.1:{server.port}" in str(info.value)
    assert server.connection_count == 1  # no second attempt, not even on a fresh connection
    posts = [request for request in responder.requests if request.method == "POST"]
    assert [post.body for post in posts] == [b"payload-123"]
    assert (stats.retried, stats.opened, stats.active, stats.idle) == (0, 1, 0, 0)
    assert stats.closed == {"error": 1}


# ---------------------------------------------------------------- 3. caps


@pytest.mark.asyncio
async def test_caps_hold_for_2000_concurrent_requests_over_six_origins() -> None:
    gauge = Gauge()
    responders = [Responder(b"capped", delay=0.002, gauge=gauge) for _ in range(6)]
    budgets = Timeout(connect=5.0, read=10.0, write=10.0, pool=30.0)
    async with contextlib.AsyncExitStack() as stack:
        servers = [await stack.enter_async_context(RawServer(r)) for r in responders]
        pool = await stack.enter_async_context(
            ConnectionPool(max_connections=50, max_connections_per_host=10, timeout=budgets)
        )

        async def one(i: int) -> tuple[int, bytes]:
            response = await pool.request("GET", f"{servers[i % 6].base_url}/{i}")
            return int(response.status), response.content

        results = await asyncio.gather(*(one(i) for i in range(2000)))
        stats = pool.stats()
    assert results == [(200, b"capped")] * 2000
    assert sorted(int(r.target[1:]) for x in responders for r in x.requests) == list(range(2000))
    # 6 origins x 10 > 50: both caps bind, and both held as the servers saw it.
    assert [x.max_open for x in responders] == [min(x.max_open, 10) for x in responders]
    assert 10 < gauge.max_total <= 50
    assert max(x.max_open for x in responders) == 10
    assert (stats.active, stats.waiters, stats.connecting) == (0, 0, 0)
    assert stats.idle <= 50
    assert stats.requests == 2000
    assert all(o.idle <= 10 and o.active == 0 for o in stats.origins.values())


# ---------------------------------------------------------------- 4. PoolTimeout


@pytest.mark.asyncio
async def test_pool_timeout_leaves_the_books_as_they_were() -> None:
    responder = Responder(b"held")
    loop = asyncio.get_running_loop()
    async with RawServer(responder) as server, ConnectionPool(max_connections=1) as pool:
        async with pool.request("GET", f"{server.base_url}/held") as held:
            before = pool.stats()
            start = loop.time()
            with pytest.raises(PoolTimeout, match="max_connections=1") as info:
                await pool.request("GET", f"{server.base_url}/late", timeout=Timeout(pool=0.2))
            waited = loop.time() - start
            after = pool.stats()
            assert isinstance(info.value, TimeoutError)
            assert 0.19 <= waited < 1.0
            assert (before.active, before.waiters, before.idle) == (1, 0, 0)
            # `requests` counts what was asked of the pool, the timed-out request included.
            assert after.requests == before.requests + 1
            assert dataclasses.replace(after, requests=before.requests) == before
            assert held.status == 200
        # Leaving the block drained the small body: the connection is kept.
        assert (await pool.request("GET", f"{server.base_url}/again")).content == b"held"
        stats = pool.stats()
    assert server.connection_count == 1
    assert responder.on_connection(0) == ["/held", "/again"]  # /late never left the client
    assert (stats.opened, stats.reused, stats.idle, stats.active) == (1, 1, 1, 0)


# ---------------------------------------------------------------- 5. TLS contexts


@pytest.mark.asyncio
async def test_one_tls_context_for_1000_requests_to_three_origins(
    tls_files: TLSFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_contexts = [tls_files.server_context() for _ in range(3)]  # before counting
    created: list[object] = []
    original = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        created.append(kwargs.get("cafile"))
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_ssl, "_configured", {})  # the process-wide cache, restored after
    monkeypatch.setattr(ssl, "create_default_context", counting)
    responders = [Responder(b"secure") for _ in range(3)]
    ca = str(tls_files.ca_pem_path)
    async with contextlib.AsyncExitStack() as stack:
        servers = [
            await stack.enter_async_context(RawServer(r, ssl=c))
            for r, c in zip(responders, server_contexts, strict=True)
        ]
        pool = await stack.enter_async_context(
            ConnectionPool(cafile=ca, max_connections_per_host=4, timeout=SHORT)
        )

        async def one(i: int) -> bytes:
            return (await pool.request("GET", f"{servers[i % 3].base_url}/{i}")).content

        bodies = await asyncio.gather(*(one(i) for i in range(1000)))
        stats = pool.stats()
    assert bodies == [b"secure"] * 1000
    assert created == [ca]  # one context, built when the pool was configured
    assert sum(len(r.requests) for r in responders) == 1000
    assert 3 <= stats.opened <= 12
    assert set(stats.origins) == {s.base_url for s in servers}


@pytest.mark.asyncio
async def test_verify_false_warns_once_per_pool_and_checks_nothing(tls_files: TLSFiles) -> None:
    responder = Responder(b"unchecked")
    async with RawServer(responder, ssl=tls_files.server_context()) as server:
        url = f"{server.base_url}/x"
        with pytest.warns(InsecureRequestWarning, match="verify=False") as warned:
            insecure, other = (ConnectionPool(verify=False, timeout=SHORT) for _ in range(2))
        assert len(warned) == 2  # once per pool
        # Any further warning would fail the test (filterwarnings = error): none per
        # request or per connection.
        async with insecure, other:
            for _ in range(3):
                assert (await insecure.request("GET", url)).content == b"unchecked"
            assert (await other.request("GET", url)).content == b"unchecked"
            async with insecure.connection(url) as conn:
                assert conn.get_ssl_peercert() == {}  # no certificate was checked
        # The verifying default (system store) refuses the test CA: another context.
        async with ConnectionPool(timeout=SHORT) as strict:
            with pytest.raises(TLSError):
                await strict.request("GET", url)
            assert strict.stats().retried == 0
        async with ConnectionPool(cafile=str(tls_files.ca_pem_path), timeout=SHORT) as checked:
            assert (await checked.request("GET", url)).content == b"unchecked"
            async with checked.connection(url) as conn:
                peer = conn.get_ssl_peercert()
                assert isinstance(peer, dict)
                assert peer["subjectAltName"]


# ---------------------------------------------------------------- 6. misbehaviour while idle


@pytest.mark.parametrize(
    "ending",
    [stray_response_then_close, stray_bytes_keep_open, half_close_then_wait],
    ids=["stray-408-then-close", "stray-bytes", "half-close"],
)
@pytest.mark.asyncio
async def test_idle_connection_spoiled_by_the_server_is_not_reused(ending: Ending) -> None:
    responder = Responder(b"fresh", per_connection=1, ending=ending, limited=1)
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        assert (await pool.request("GET", f"{server.base_url}/1")).content == b"fresh"
        async with asyncio.timeout(1.0):
            await responder.misbehaved.wait()
        await asyncio.sleep(0.05)  # the bytes or the FIN reach the client
        second = await pool.request("GET", f"{server.base_url}/2")
        assert (second.status, second.content) == (200, b"fresh")  # never the stray answer
        async with asyncio.timeout(1.0):
            await server.connections[0].wait_lost()
        stats = pool.stats()
    assert server.connection_count == 2
    assert [responder.on_connection(0), responder.on_connection(1)] == [["/1"], ["/2"]]
    assert stats.closed == {"server_closed": 1}
    assert (stats.opened, stats.reused, stats.retried) == (2, 0, 0)
    if ending is not stray_response_then_close:
        assert server.connections[0].closed_by_client


# ---------------------------------------------------------------- 7. keepalive_expiry


@pytest.mark.asyncio
async def test_idle_connection_expires_on_its_own() -> None:
    responder = Responder()
    loop = asyncio.get_running_loop()
    async with RawServer(responder) as server, ConnectionPool(keepalive_expiry=0.2) as pool:
        await pool.request("GET", f"{server.base_url}/1")
        parked = loop.time()
        record = server.connections[0]

        async def when_closed() -> float:
            await record.wait_closed_by_client()
            return loop.time()

        closing = asyncio.create_task(when_closed())
        await asyncio.sleep(0.1)
        assert not record.closed_by_client
        assert pool.stats().idle == 1
        await asyncio.sleep(0.3)  # 0.4 s idle, and no request to trigger a sweep
        assert closing.done()
        assert closing.result() - parked >= 0.19
        stats = pool.stats()
        assert stats.closed == {"expired": 1}
        assert (stats.idle, stats.active) == (0, 0)
        await pool.request("GET", f"{server.base_url}/2")
        assert pool.stats().opened == 2
    assert server.connection_count == 2
    assert [responder.on_connection(0), responder.on_connection(1)] == [["/1"], ["/2"]]


# ---------------------------------------------------------------- 8. leaving a body unread


@pytest.mark.asyncio
async def test_small_body_left_unread_is_drained_and_the_connection_kept() -> None:
    responder = Responder(b"small body")
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        async with pool.request("GET", f"{server.base_url}/1") as response:
            assert response.status == 200
        assert response.closed
        assert (await pool.request("GET", f"{server.base_url}/2")).content == b"small body"
        stats = pool.stats()
    assert server.connection_count == 1
    assert responder.on_connection(0) == ["/1", "/2"]
    assert (stats.opened, stats.reused, stats.closed) == (1, 1, {})


def _chunked(body: bytes, size: int = 65536) -> bytes:
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size])
        for i in range(0, len(body), size)
    )
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"


BIG = b"b" * (10 * 1024 * 1024)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.asyncio
async def test_big_body_left_unread_closes_the_connection(framing: str) -> None:
    responder = Responder(BIG) if framing == "content-length" else Responder(raw=_chunked(BIG))
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        async with pool.request("GET", f"{server.base_url}/1") as response:
            assert await response.read(10) == b"b" * 10
        assert response.closed
        stats = pool.stats()
        assert stats.closed == {"unread": 1}
        assert (stats.idle, stats.active) == (0, 0)
        again = await pool.request("GET", f"{server.base_url}/2")
        assert len(again.content) == len(BIG)
        stats = pool.stats()
    assert server.connection_count == 2
    assert [responder.on_connection(0), responder.on_connection(1)] == [["/1"], ["/2"]]
    assert (stats.opened, stats.reused) == (2, 0)


# ---------------------------------------------------------------- 9. retries


@pytest.mark.asyncio
async def test_connect_failure_is_not_retried_by_default() -> None:
    port = closed_port()
    events: list[TraceEvent] = []
    async with ConnectionPool(trace=events.append, timeout=SHORT) as pool:
        with pytest.raises(ConnectError) as info:
            await pool.request("GET", f"http://127.0.0.1:{port}/")
        stats = pool.stats()
    assert f"127.0.0.1:{port}" in str(info.value)
    assert [e.name for e in events] == ["connect_start", "connection_closed"]
    assert (stats.retried, stats.opened, stats.active, stats.connecting) == (0, 0, 0, 0)


@pytest.mark.asyncio
async def test_connect_failure_retried_as_allowed_with_backoff() -> None:
    port = closed_port()
    events: list[TraceEvent] = []
    loop = asyncio.get_running_loop()
    retry = Retry(connect=2, backoff_factor=0.01)
    async with ConnectionPool(trace=events.append, retries=retry, timeout=SHORT) as pool:
        start = loop.time()
        with pytest.raises(ConnectError):
            await pool.request("GET", f"http://127.0.0.1:{port}/")
        elapsed = loop.time() - start
        stats = pool.stats()
    starts = [e for e in events if e.name == "connect_start"]
    assert len(starts) == 3
    assert elapsed >= 0.01 + 0.02  # backoff before retries 1 and 2
    assert starts[2].time - starts[0].time >= 0.029
    assert (stats.retried, stats.opened, stats.active, stats.connecting) == (2, 0, 0, 0)


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PUT", b"replayable")])
@pytest.mark.asyncio
async def test_idempotent_request_on_a_stale_connection_is_retried_once(
    method: str, body: bytes | None
) -> None:
    responder = Responder(b"answer", per_connection=1, ending=close_without_answer)
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        await warm(pool, server.base_url, 1)
        response = await pool.request(method, f"{server.base_url}/stale", body=body)
        assert (response.status, response.content) == (200, b"answer")
        stats = pool.stats()
    assert server.connection_count == 2
    assert [responder.on_connection(0), responder.on_connection(1)] == [
        ["/warm0", "/stale"],
        ["/stale"],
    ]
    stale = [r for r in responder.requests if r.target == "/stale"]
    assert [r.body for r in stale] == [body or b""] * 2  # the same body, sent whole twice
    assert (stats.retried, stats.opened) == (1, 2)
    assert stats.closed == {"error": 1}


@pytest.mark.asyncio
async def test_stale_retry_happens_once_and_never_twice() -> None:
    responder = Responder(b"answer", per_connection=1, ending=close_without_answer)
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        await warm(pool, server.base_url, 2)
        # Both idle connections are stale: the retry lands on the second and fails too.
        with pytest.raises(STALE_ERRORS):
            await pool.request("GET", f"{server.base_url}/twice")
        stats = pool.stats()
    assert server.connection_count == 2  # no third attempt on a fresh connection
    assert [r.target for r in responder.requests].count("/twice") == 2
    assert {responder.on_connection(0)[-1], responder.on_connection(1)[-1]} == {"/twice"}
    assert stats.retried == 1
    assert stats.closed == {"error": 2}


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.asyncio
async def test_a_read_timeout_on_a_reused_connection_is_not_retried(method: str) -> None:
    """A silent server is slow, not a stale connection.

    Sending the request again would double both the caller's wait and the
    server's work: the server saw it once, and only once.
    """
    responder = Responder(b"answer", per_connection=1, ending=silent_after_reading)
    timeout = dataclasses.replace(SHORT, read=0.2)
    async with RawServer(responder) as server, ConnectionPool(timeout=timeout) as pool:
        await warm(pool, server.base_url, 1)
        with pytest.raises(ReadTimeout):
            await pool.request(method, f"{server.base_url}/slow", body=b"x")
        stats = pool.stats()
    assert server.connection_count == 1
    assert [r.target for r in responder.requests].count("/slow") == 1
    assert (stats.retried, stats.closed) == (0, {"error": 1})


@pytest.mark.asyncio
async def test_retry_never_surfaces_the_stale_connection() -> None:
    responder = Responder(b"answer", per_connection=1, ending=close_without_answer)
    pool = ConnectionPool(retries=Retry.never(), timeout=SHORT)
    async with RawServer(responder) as server, pool:
        await warm(pool, server.base_url, 1)
        with pytest.raises(STALE_ERRORS):
            await pool.request("GET", f"{server.base_url}/once")
        stats = pool.stats()
    assert server.connection_count == 1
    assert responder.on_connection(0) == ["/warm0", "/once"]
    assert (stats.retried, stats.closed) == (0, {"error": 1})


# ---------------------------------------------------------------- 10. one event loop


@pytest.mark.asyncio
async def test_request_from_another_event_loop_raises_state_error() -> None:
    responder = Responder()
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        url = f"{server.base_url}/x"
        await pool.request("GET", url)

        async def elsewhere() -> None:
            async with asyncio.timeout(2.0):
                await pool.request("GET", url)

        with pytest.raises(StateError, match="event loop"):
            await asyncio.to_thread(asyncio.run, elsewhere())
        assert (await pool.request("GET", url)).content == b"ok"  # still fine at home
        stats = pool.stats()
    assert responder.on_connection(0) == ["/x", "/x"]
    assert (stats.opened, stats.idle, stats.active) == (1, 1, 0)


@pytest.mark.asyncio
async def test_borrowing_from_another_event_loop_raises_state_error() -> None:
    responder = Responder()
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        url = f"{server.base_url}/x"
        await pool.request("GET", url)

        async def elsewhere() -> None:
            async with asyncio.timeout(2.0), pool.connection(url):
                pass  # never touch a connection of the other loop

        with pytest.raises(StateError, match="event loop"):
            await asyncio.to_thread(asyncio.run, elsewhere())
        stats = pool.stats()
    assert (stats.opened, stats.idle, stats.active) == (1, 1, 0)


# ---------------------------------------------------------------- 11. leaks


@pytest.mark.asyncio
async def test_pool_dropped_with_an_open_connection_warns() -> None:
    responder = Responder()
    async with RawServer(responder) as server:
        pool = ConnectionPool(timeout=SHORT)
        response = await pool.request("GET", f"{server.base_url}/")
        assert pool.stats().idle == 1
        ref = weakref.ref(pool)
        del pool, response
        try:
            with pytest.warns(ResourceWarning) as warned:
                gc.collect()
            assert any("ConnectionPool" in str(w.message) for w in warned)
            assert ref() is None
        finally:
            leftover = ref()
            if leftover is not None:  # a failed check must not leak into other tests
                await leftover.aclose()
                del leftover
        async with asyncio.timeout(1.0):
            await server.connections[0].wait_closed_by_client()


@pytest.mark.parametrize(
    "new_loop", [asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"]
)
def test_pool_dropped_after_its_loop_closed_only_warns(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    """Collected once the loop it ran on is closed, a pool warns and leaves that loop alone.

    Closing a transport schedules its ``connection_lost`` on its loop, and a
    closed loop raises ``RuntimeError('Event loop is closed')``: inside
    ``__del__`` that is an unraisable exception, after the warning that
    already said what was wrong. Not an asyncio test: it owns the loop that
    closes, and its server is a thread, so that the connection outlives it.
    """

    async def request(pool: ConnectionPool, port: int) -> None:
        assert (await pool.request("GET", f"http://127.0.0.1:{port}/")).content == b"ok"
        assert pool.stats().idle == 1

    left = outlive_the_loop(new_loop, lambda _port: ConnectionPool(timeout=SHORT), request)
    assert left.collected
    assert left.unraisable == []
    ours = [w for w in left.at_collection if "ConnectionPool" in str(w.message)]
    assert len(ours) == 1, [str(w.message) for w in left.warnings]
    # The rest are the loop's own about its transports: asyncio's warn (and close
    # their sockets) when collected with the pool, uvloop's when the loop closed.
    assert {w.category for w in left.warnings} == {ResourceWarning}
    assert left.server_saw_close


# ---------------------------------------------------------------- 12. aclose


@pytest.mark.asyncio
async def test_aclose_fails_waiters_readers_and_later_requests() -> None:
    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
        await until_client_closes(reader)

    async with RawServer(stall) as server:
        pool = ConnectionPool(max_connections=1, timeout=SHORT)
        url = f"{server.base_url}/stalled"

        async def request() -> Response:
            return await pool.request("GET", url)

        async with pool.request("GET", url) as response:
            assert await response.read(5) == b"hello"
            waiter = asyncio.create_task(request())
            reader = asyncio.create_task(response.read(5))
            await until(lambda: pool.stats().waiters == 1)
            await pool.aclose()
            with pytest.raises(PoolClosed):
                await waiter
            async with asyncio.timeout(1.0):
                with pytest.raises(HTTPException) as info:
                    await reader
            assert not isinstance(info.value, PoolClosed)  # the read failed, named as such
        with pytest.raises(PoolClosed):
            await pool.request("GET", url)
        await pool.aclose()  # twice is fine
        stats = pool.stats()
        async with asyncio.timeout(1.0):
            await server.connections[0].wait_closed_by_client()
    assert server.connection_count == 1
    assert (stats.idle, stats.active, stats.waiters, stats.connecting) == (0, 0, 0, 0)


# ---------------------------------------------------------------- 13. trace hooks


@pytest.mark.asyncio
async def test_trace_of_a_tls_request_then_a_reused_one(tls_files: TLSFiles) -> None:
    events: list[TraceEvent] = []
    responder = Responder(b"traced")
    pool = ConnectionPool(cafile=str(tls_files.ca_pem_path), trace=events.append, timeout=SHORT)
    async with RawServer(responder, ssl=tls_files.server_context()) as server:
        async with pool:
            await pool.request("GET", f"{server.base_url}/1")
            first = list(events)
            await pool.request("GET", f"{server.base_url}/2")
            second = events[len(first) :]
        closing = events[len(first) + len(second) :]
    assert [e.name for e in first] == [
        "connect_start",
        "connect_end",
        "tls_done",
        "request_sent",
        "response_head",
        "response_end",
        "connection_released",
    ]
    assert [e.name for e in second] == [e.name for e in first[3:]]  # reused: no connect events
    assert [(e.name, e.detail) for e in closing] == [("connection_closed", "pool_closed")]
    assert {(e.origin, e.connection) for e in events} == {(server.base_url, first[0].connection)}
    times = [e.time for e in events]
    assert times == sorted(times)
    assert [e.detail for e in events if e.name == "response_head"] == [200, 200]


@pytest.mark.asyncio
async def test_trace_of_a_bodiless_response_has_its_end() -> None:
    events: list[TraceEvent] = []
    responder = Responder(raw=b"HTTP/1.1 204 No Content\r\n\r\n")
    pool = ConnectionPool(trace=events.append, timeout=SHORT)
    async with RawServer(responder) as server, pool:
        response = await pool.request("GET", f"{server.base_url}/empty")
        assert (response.status, response.content) == (204, b"")
        assert pool.stats().idle == 1
    names = [e.name for e in events]
    assert names[: names.index("connection_released") + 1] == [
        "connect_start",
        "connect_end",
        "request_sent",
        "response_head",
        "response_end",
        "connection_released",
    ]


# The reason a connection_closed event gives is the one stats().closed counts.


async def _expire_on_the_sweep_timer(pool: ConnectionPool, url: str) -> None:
    await pool.request("GET", f"{url}/1")
    await until(lambda: pool.stats().idle == 0)  # no request comes: the timer sweeps


async def _expire_before_a_checkout(pool: ConnectionPool, url: str) -> None:
    await pool.request("GET", f"{url}/1")
    # The loop is blocked past the expiry, so its sweep timer cannot run first:
    # the next checkout finds the expired connection and drops it itself.
    time.sleep(0.1)  # noqa: ASYNC251
    await pool.request("GET", f"{url}/2")


async def _two_requests(pool: ConnectionPool, url: str) -> None:
    for i in range(2):
        await pool.request("GET", f"{url}/{i}")


async def _leave_a_large_body_unread(pool: ConnectionPool, url: str) -> None:
    async with pool.request("GET", f"{url}/large") as response:
        assert await response.read(10)


async def _go_to_another_origin(pool: ConnectionPool, url: str) -> None:
    await pool.request("GET", f"{url}/1")
    # The same server under another name: another origin, and the one slot is taken.
    await pool.request("GET", f"{url.replace('127.0.0.1', 'localhost')}/2")


async def _check_in_while_another_origin_waits(pool: ConnectionPool, url: str) -> None:
    """Checked in clean, parked, then evicted at once for a waiter of another origin."""
    async with pool.request("GET", f"{url}/1") as first:
        other = asyncio.ensure_future(
            pool.request("GET", f"{url.replace('127.0.0.1', 'localhost')}/2")
        )
        async with asyncio.timeout(2.0):
            while pool.stats().waiters != 1:  # noqa: ASYNC110  (no event says "queued")
                await asyncio.sleep(0.005)
        await first.readall()
    await other


@dataclasses.dataclass(frozen=True, slots=True)
class Closing:
    """A way for the pool to close connections, and what stats() counts for it."""

    steps: Callable[[ConnectionPool, str], Awaitable[None]]
    reason: str
    count: int
    released: int  #: connection_released events: never for a connection closed at check-in
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()
    keepalive_expiry: float = 30.0
    max_connections: int = 100
    max_idle_connections: int | None = None


CLOSINGS = {
    "expired-on-the-sweep-timer": Closing(
        _expire_on_the_sweep_timer, "expired", 1, 1, keepalive_expiry=0.05
    ),
    "expired-at-checkout": Closing(
        _expire_before_a_checkout, "expired", 1, 2, keepalive_expiry=0.05
    ),
    "connection-close-at-checkin": Closing(
        _two_requests, "server_closed", 2, 0, headers=(("Connection", "close"),)
    ),
    "body-left-unread": Closing(_leave_a_large_body_unread, "unread", 1, 0, body=bytes(1 << 18)),
    "over-the-idle-limit": Closing(_two_requests, "idle_limit", 2, 0, max_idle_connections=0),
    "evicted-for-another-origin": Closing(
        _go_to_another_origin, "evicted", 1, 2, max_connections=1
    ),
    # The books park it, then evict it for the waiter: traced as idle_limit once.
    "evicted-at-checkin-for-a-waiter": Closing(
        _check_in_while_another_origin_waits, "evicted", 1, 1, max_connections=1
    ),
}


@pytest.mark.parametrize("case", CLOSINGS.values(), ids=CLOSINGS.keys())
@pytest.mark.asyncio
async def test_connection_closed_events_give_the_reasons_stats_count(case: Closing) -> None:
    events: list[TraceEvent] = []
    responder = Responder(case.body, headers=case.headers)
    pool = ConnectionPool(
        keepalive_expiry=case.keepalive_expiry,
        max_connections=case.max_connections,
        max_idle_connections=case.max_idle_connections,
        trace=events.append,
        timeout=SHORT,
    )
    async with RawServer(responder) as server, pool:
        await case.steps(pool, server.base_url)
        stats = pool.stats()
        traced = list(events)
    assert stats.closed == {case.reason: case.count}
    closes = Counter(e.detail for e in traced if e.name == "connection_closed")
    assert dict(closes) == stats.closed
    assert [e.name for e in traced].count("connection_released") == case.released


# A trace hook that raises fails the call that caused the event, after the pool has
# acted on it: nothing it granted, queued or opened is left behind.


class HookFailed(Exception):
    """What the failing trace hooks below raise: a bug in the caller's own hook."""


class FailingHook:
    """A trace hook that records every event and, while armed, raises on those named *on*."""

    def __init__(self, on: str) -> None:
        self.on = on
        self.armed = True
        self.events: list[TraceEvent] = []

    def __call__(self, event: TraceEvent) -> None:
        self.events.append(event)
        if self.armed and event.name == self.on:
            raise HookFailed(event.name)


#: The event a hook raises on -> (stats().closed, idle connections) after two requests.
HOOK_FAILURES: dict[str, tuple[dict[str, int], int]] = {
    "connect_start": ({}, 0),
    "connect_end": ({}, 0),  # opened, then closed as a failed connect: never in the books
    "request_sent": ({"error": 2}, 0),
    "response_head": ({"unread": 2}, 0),
    "response_end": ({}, 1),
    "connection_released": ({}, 1),
    "connection_closed": ({"server_closed": 2}, 0),
}


@pytest.mark.parametrize(("event", "after"), HOOK_FAILURES.items(), ids=HOOK_FAILURES.keys())
@pytest.mark.asyncio
async def test_a_raising_trace_hook_fails_its_request_and_strands_nobody(
    event: str, after: tuple[dict[str, int], int]
) -> None:
    """Two requests share one slot: a grant left behind would be a PoolTimeout after 1 s.

    Measured before the fix: with the hook raising on ``connection_released``,
    the connection was already handed to the waiter when the hook raised, the
    waiter was never woken, and the second request failed with PoolTimeout.
    """
    hook = FailingHook(event)
    closing = event == "connection_closed"
    responder = Responder(headers=(("Connection", "close"),) if closing else ())
    loop = asyncio.get_running_loop()
    pool = ConnectionPool(
        max_connections=1, timeout=dataclasses.replace(SHORT, pool=1.0), trace=hook
    )
    async with RawServer(responder) as server, pool:

        async def fetch(path: str) -> bytes:
            return (await pool.request("GET", f"{server.base_url}/{path}")).content

        start = loop.time()
        results = await asyncio.gather(fetch("1"), fetch("2"), return_exceptions=True)
        elapsed = loop.time() - start
        stats = pool.stats()
        check_books(pool._books)
        # No socket left open but the idle ones (a connect_end hook's too is closed).
        await until(lambda: sum(not c.closed_by_client for c in server.connections) == stats.idle)
        hook.armed = False
        assert await fetch("after") == b"ok"  # the pool still serves
    assert [type(result) for result in results] == [HookFailed, HookFailed], results
    assert elapsed < 0.5
    assert (stats.active, stats.connecting, stats.waiters) == (0, 0, 0)
    assert (stats.closed, stats.idle) == after


@pytest.mark.asyncio
async def test_a_raising_trace_hook_in_the_sweep_timer_is_reported_and_sweeping_goes_on() -> None:
    """The timer's sweep has no caller to fail: the loop's exception handler gets the error.

    Two idle connections, parked 0.1 s apart: the timer closes the first and
    the hook raises; the second expires only later, so the timer must have
    been set again all the same.
    """
    loop = asyncio.get_running_loop()
    reported: list[object] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context.get("exception")))
    hook = FailingHook("connection_closed")
    pool = ConnectionPool(keepalive_expiry=0.2, trace=hook, timeout=SHORT)
    try:
        async with RawServer(Responder()) as server, pool:
            async with contextlib.AsyncExitStack() as stack:
                first = await stack.enter_async_context(pool.request("GET", server.base_url))
                second = await stack.enter_async_context(pool.request("GET", server.base_url))
                await first.readall()
                await asyncio.sleep(0.1)
                await second.readall()
            await until(lambda: pool.stats().idle == 0, 1.0)
            stats = pool.stats()
            hook.armed = False
    finally:
        loop.set_exception_handler(None)
    assert stats.closed == {"expired": 2}
    assert [type(error) for error in reported] == [HookFailed, HookFailed]


@pytest.mark.parametrize("granted", ["slot", "connection"])
@pytest.mark.asyncio
async def test_a_raising_trace_hook_at_checkout_gives_back_what_was_granted(granted: str) -> None:
    """A checkout drops idle connections (expired, or spoiled by the server); the hook
    raises on their close.

    The books had already granted the request a slot (no idle connection
    was fit) or the next idle connection: it goes back unused.
    """
    hook = FailingHook("connection_closed")
    go = asyncio.Event()
    if granted == "slot":
        responder = Responder()
        pool = ConnectionPool(keepalive_expiry=0.05, trace=hook, timeout=SHORT)
    else:  # the first connection is spoiled by the server once both are idle
        responder = Responder(per_connection=1, ending=half_close_when(go), limited=1)
        pool = ConnectionPool(trace=hook, timeout=SHORT)
    async with RawServer(responder) as server, pool:
        async with contextlib.AsyncExitStack() as stack:
            first = await stack.enter_async_context(pool.request("GET", f"{server.base_url}/1"))
            second = await stack.enter_async_context(pool.request("GET", f"{server.base_url}/2"))
            await second.readall()
            await first.readall()  # the newest idle: the one a checkout takes first
        if granted == "slot":
            time.sleep(0.1)  # noqa: ASYNC251  (past the expiry, before the sweep timer runs)
        else:
            go.set()
            async with asyncio.timeout(1.0):
                await responder.misbehaved.wait()
            await asyncio.sleep(0.05)  # the FIN reaches the client
        with pytest.raises(HookFailed):
            await pool.request("GET", f"{server.base_url}/3")
        stats = pool.stats()
        check_books(pool._books)
        hook.armed = False
        assert (await pool.request("GET", f"{server.base_url}/4")).content == b"ok"
    assert (stats.active, stats.connecting, stats.waiters) == (0, 0, 0)
    assert (stats.opened, stats.reused) == (2, 0)  # the connection given back was never used
    if granted == "slot":
        assert (stats.closed, stats.idle) == ({"expired": 2}, 0)
    else:
        assert (stats.closed, stats.idle) == ({"server_closed": 1}, 1)
    assert "/3" not in [request.target for request in responder.requests]


@pytest.mark.asyncio
async def test_aclose_closes_everything_though_the_trace_hook_raises() -> None:
    hook = FailingHook("connection_closed")
    async with RawServer(Responder()) as server:
        pool = ConnectionPool(trace=hook, timeout=SHORT)
        await warm(pool, server.base_url, 2)
        with pytest.raises(HookFailed):
            await pool.aclose()  # raises the hook's error, once everything is closed
        stats = pool.stats()
        async with asyncio.timeout(1.0):
            for record in server.connections:
                await record.wait_closed_by_client()
        with pytest.raises(PoolClosed):
            await pool.request("GET", server.base_url)
    assert (stats.idle, stats.active, stats.closed) == (0, 0, {"pool_closed": 2})


# ---------------------------------------------------------------- 14. borrowed connections


async def _pipeline_three(pool: ConnectionPool, url: str) -> None:
    async with pool.connection(url) as conn:
        for i in range(3):
            await conn.send_request("GET", f"/pipe{i}")
        for _ in range(3):
            response = await conn.read_response()
            assert await response.readall() == b"piped"
        assert conn.is_reusable()


@pytest.mark.asyncio
async def test_borrowed_connection_pipelines_then_serves_the_pool() -> None:
    responder = Responder(b"piped")
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        await _pipeline_three(pool, f"{server.base_url}/")  # the pool's very first use
        assert pool.stats().idle == 1
        assert (await pool.request("GET", f"{server.base_url}/after")).content == b"piped"
        stats = pool.stats()
    assert server.connection_count == 1
    assert responder.on_connection(0) == ["/pipe0", "/pipe1", "/pipe2", "/after"]
    assert (stats.opened, stats.idle, stats.active) == (1, 1, 0)


@pytest.mark.asyncio
async def test_borrowed_connection_is_the_idle_one() -> None:
    responder = Responder(b"piped")
    async with RawServer(responder) as server, ConnectionPool(timeout=SHORT) as pool:
        assert (await pool.request("GET", f"{server.base_url}/before")).content == b"piped"
        await _pipeline_three(pool, f"{server.base_url}/")
        assert (await pool.request("GET", f"{server.base_url}/after")).content == b"piped"
        stats = pool.stats()
    assert server.connection_count == 1
    assert responder.on_connection(0) == ["/before", "/pipe0", "/pipe1", "/pipe2", "/after"]
    assert (stats.opened, stats.reused, stats.idle, stats.active) == (1, 2, 1, 0)


# ---------------------------------------------------------------- 15. Unix sockets


@contextlib.asynccontextmanager
async def unix_server(path: Path, responder: Responder) -> AsyncIterator[None]:
    """Serve *responder* on a Unix socket; on exit, wait for every handler, close everything."""
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            await responder(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_unix_server(serve, path=str(path))
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
        await until(lambda: responder.finished == responder.connections, 2.0)
        for writer in writers:
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@pytest.mark.asyncio
async def test_http_unix_url(tmp_path: Path) -> None:
    path = tmp_path / "pool.sock"
    responder = Responder(b"unix")
    url = f"http+unix://{urllib.parse.quote(str(path), safe='')}/over/unix"
    async with unix_server(path, responder), ConnectionPool(timeout=SHORT) as pool:
        for _ in range(2):
            response = await pool.request("GET", url)
            assert (response.status, response.content) == (200, b"unix")
        stats = pool.stats()
    assert responder.connections == 1
    assert [(r.target, r.get("host")) for r in responder.requests] == [
        ("/over/unix", "localhost")
    ] * 2
    assert (stats.opened, stats.reused, stats.idle) == (1, 1, 1)


@pytest.mark.asyncio
async def test_pool_wide_unix_socket(tmp_path: Path) -> None:
    path = tmp_path / "pool.sock"
    responder = Responder(b"unix")
    pool = ConnectionPool(uds=str(path), timeout=SHORT)
    async with unix_server(path, responder), pool:
        for _ in range(2):
            assert (await pool.request("GET", "http://api.test/v1")).content == b"unix"
    assert responder.connections == 1
    assert [(r.target, r.get("host")) for r in responder.requests] == [("/v1", "api.test")] * 2


# ---------------------------------------------------------------- 16. DNS cache


@pytest.mark.asyncio
async def test_dns_cache_resolves_a_name_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    resolved: list[tuple[object, object]] = []
    original = loop.getaddrinfo

    async def counting(host: object, port: object, *args: object, **kwargs: object) -> object:
        resolved.append((host, port))
        return await original(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "getaddrinfo", counting)
    # A new connection per request: each one would resolve without the cache.
    responder = Responder(b"dns", headers=(("Connection", "close"),))
    async with (
        RawServer(responder) as server,
        ConnectionPool(dns_cache_ttl=60, timeout=SHORT) as pool,
    ):
        url = f"http://localhost:{server.port}/cached"
        for _ in range(5):
            assert (await pool.request("GET", url)).content == b"dns"
        stats = pool.stats()
    assert resolved.count(("localhost", server.port)) == 1
    assert stats.opened == 5
    assert server.connection_count == 5
    assert [r.get("host") for r in responder.requests] == [f"localhost:{server.port}"] * 5


@pytest.mark.asyncio
async def test_body_following_is_refused_before_any_connection_is_taken() -> None:
    async with ConnectionPool() as pool:
        with pytest.raises(StateError, match=r"pool\.connection"):
            await pool.request("PUT", "http://127.0.0.1:9/", body=BodyFollowing(3))
        assert pool.stats().opened == 0
