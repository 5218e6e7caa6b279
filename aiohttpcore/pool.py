"""ConnectionPool: many requests, many origins, a bounded set of kept-alive connections.

What it owns: the :class:`~aiohttpcore.connection.HTTPConnection` objects of
one pool, keyed by origin (scheme, host, port, TLS context, SNI name); the
waiting tasks; the TLS contexts; retries; decoding of ``Content-Encoding``;
the statistics and trace hooks. Who holds what is written in the books of
:mod:`aiohttpcore._pool_state`, plain synchronous functions: this module
calls them, then acts on what they return (close these, wake those), and
awaits only once the books balance (CONVENTIONS.md rule 6). What it must
not do: parse or frame HTTP (the connection does), or touch a transport.

Rules it keeps (PROTOCOL-POLICY.md, "Connection reuse"):

1. A connection is handed out only if ``is_reusable()``: idle, nothing
   buffered, no EOF or stray byte seen. The books test that at checkout, a
   flag read without I/O, and LIFO, so the check is O(1) per request.
2. It goes back to idle only if ``is_reusable()`` holds after the exchange;
   anything else (an error, a cancellation, an unread body, ``Connection:
   close``) closes it and frees its slot in the same step.
3. A task cancelled at any await leaves nothing behind: its waiter leaves
   the queue, its reserved slot is freed, its connection is closed unless
   it is provably clean (no byte of the request reached the transport).
4. Retries follow :class:`~aiohttpcore.retry.Retry`: a stale keep-alive
   connection once, connect failures only when allowed.
5. ``PoolTimeout`` bounds the wait for a slot and leaves no trace.

A pool is bound to the event loop it first runs on: connections and
futures belong to one loop, and using them from another one would hang or
corrupt silently, so that raises :class:`~aiohttpcore.exceptions.StateError`.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import warnings
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from time import perf_counter
from typing import Final, TypeAlias

from . import _decoders, _pool_state, _ssl
from ._observe import OriginStats, PoolStats, TraceEvent
from ._pool_state import Books, Waiter
from ._resolver import CachingResolver
from .connection import BodyFollowing, HTTPConnection
from .exceptions import (
    ConnectError,
    HTTPException,
    InsecureRequestWarning,
    PoolClosed,
    PoolTimeout,
    StateError,
)
from .headers import Headers, HeaderTypes
from .protocol import ClientCodec, ParserLimits, Profile
from .response import Response
from .retry import DEFAULT_RETRY, Retry
from .status import method_name
from .stream import HTTPStream
from .timeouts import DEFAULT_TIMEOUT, Timeout
from .url import UNIX_HOST_HEADER, URL, parse_url

__all__ = ["ConnectionPool", "OriginStats", "PoolStats", "TraceEvent"]

_PoolKey: TypeAlias = tuple[str, str, int, "ssl.SSLContext | None", "str | None"]

# A response left before the end of its body is drained, to keep its
# connection, only if the rest is small and quick to come; otherwise the
# connection is closed (re-opening costs one round trip, draining a large
# body costs its whole transfer).
_DRAIN_BYTES: Final = 64 * 1024
_DRAIN_SECONDS: Final = 0.5
_SWEEP_INTERVAL: Final = 1.0
_TARGET_CACHE: Final = 1024
_USER_AGENT: Final = "aiohttpcore/0.1"


class _Target:
    """What one URL means to the pool, computed once per distinct URL string."""

    __slots__ = ("host", "key", "origin", "port", "sni", "target", "tls", "uds")

    def __init__(self, url: URL) -> None:
        self.tls = url.scheme == "https"
        self.uds = url.host if url.scheme == "http+unix" else None
        self.host = UNIX_HOST_HEADER if self.uds is not None else url.host
        self.port = url.port or 80
        self.sni = url.sni_hostname if self.tls else None
        self.target = url.target
        shown = f"[{url.host}]" if ":" in url.host else url.host
        self.origin = f"{url.scheme}://{shown}:{url.port}"
        self.key: _PoolKey = (url.scheme, url.host, url.port, None, self.sni)


class _Pooled(HTTPConnection):
    """An :class:`HTTPConnection` that knows its place in the books."""

    def __init__(self, key: _PoolKey, number: int, origin: str, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.key = key
        self.number = number
        self.origin = origin
        self.exchanges = 0
        self.out = False  # checked out of the books: exactly one checkin may follow
        self.release_hook: Callable[[Response, str], None] = _ignore


def _ignore(_response: Response, _how: str) -> None:
    return None


def _replayable(body: object) -> bool:
    return body is None or isinstance(body, bytes | bytearray | memoryview)


class _RequestContext:
    """``await pool.request(...)`` reads the whole body; ``async with`` streams it."""

    __slots__ = ("_body", "_headers", "_method", "_pool", "_response", "_timeout", "_url")

    def __init__(
        self,
        pool: ConnectionPool,
        method: str,
        url: str,
        headers: HeaderTypes | None,
        body: object,
        timeout: Timeout | None,
    ) -> None:
        self._pool = pool
        self._method = method
        self._url = url
        self._headers = headers
        self._body = body
        self._timeout = timeout
        self._response: Response | None = None

    def __await__(self) -> Generator[object, None, Response]:
        return self._pool._exchange(
            self._method, self._url, self._headers, self._body, self._timeout, True
        ).__await__()

    async def __aenter__(self) -> Response:
        self._response = await self._pool._exchange(
            self._method, self._url, self._headers, self._body, self._timeout, False
        )
        return self._response

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        response, self._response = self._response, None
        if response is not None:
            await self._pool._leave(response, failed=exc_type is not None)


class ConnectionPool:
    """Connections to any number of origins, reused while kept alive.

    Args:
        max_connections: open (or opening) connections, all origins together.
        max_connections_per_host: the same for one origin (``None``: no
            cap beyond ``max_connections``).
        max_idle_connections: idle connections kept (default: all).
        keepalive_expiry: seconds an idle connection is kept (``None``:
            until the server closes it).
        timeout: the default budgets; ``timeout.pool`` bounds the wait for
            a slot.
        ssl_context: the TLS context for HTTPS origins; never mutated.
        verify: ``False`` turns certificate checks off (warns
            :class:`~aiohttpcore.exceptions.InsecureRequestWarning` once).
        cafile: trust these CA certificates instead of the system store.
        cert: a client certificate: a file, or ``(certfile, keyfile)``;
            loaded now, so errors name the file.
        retries: when a failed request is sent again.
        local_address: the local IP address to connect from.
        uds: connect every origin through this Unix socket.
        decode_content: undo ``Content-Encoding`` (gzip, deflate, br, zstd
            as available) and send a matching ``Accept-Encoding``.
        headers: sent with every request unless the request sets them; a
            ``User-Agent`` is added unless given here.
        profile: the parser's strictness.
        limits: the parser's budgets.
        dns_cache_ttl: keep name resolutions this many seconds (``None``:
            resolve on every new connection, as the loop does).
        trace: called with a :class:`TraceEvent` at every step; ``None``
            costs nothing. It is called once the pool has acted on the
            step (connections checked in or closed, waiters woken), so a
            hook that raises leaves no slot, waiter or socket behind. Its
            exception propagates to the call that caused the event, which
            fails: the request (or the read that ended a body, or
            ``aclose()``, once everything is closed); the rest of that
            step's events are not reported. A connection that call had
            been granted goes back unused. The keep-alive sweep on its
            timer has no caller: its hook's exception goes to the event
            loop's exception handler, and sweeping goes on.

    Raises:
        ValueError: a limit is out of range, or ``ssl_context`` was given
            together with ``verify``/``cafile``/``cert``.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_connections_per_host: int | None = None,
        max_idle_connections: int | None = None,
        keepalive_expiry: float | None = 30.0,
        timeout: Timeout = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
        cafile: str | None = None,
        cert: str | tuple[str, str] | None = None,
        retries: Retry = DEFAULT_RETRY,
        local_address: str | None = None,
        uds: str | None = None,
        decode_content: bool = True,
        headers: HeaderTypes | None = None,
        profile: Profile = Profile.STRICT,
        limits: ParserLimits | None = None,
        dns_cache_ttl: float | None = None,
        trace: Callable[[TraceEvent], None] | None = None,
    ) -> None:
        self._books: Books[_PoolKey, _Pooled] = Books(
            max_connections=max_connections,
            max_per_host=max_connections_per_host,
            max_idle=max_idle_connections,
            keepalive_expiry=keepalive_expiry,
        )
        self._timeout = timeout
        self._retry = retries
        self._local_address = local_address
        self._uds = uds
        self._decode = decode_content
        self._profile = profile
        self._limits = limits or ParserLimits()
        self._trace = trace
        self._resolver = CachingResolver(dns_cache_ttl) if dns_cache_ttl else None
        self._ssl_context = ssl_context
        self._tls_config = self._check_tls(ssl_context, verify, cafile, cert)
        self._headers = self._default_headers(headers)
        self._header_names = frozenset(name.lower() for name, _ in self._headers)
        self._targets: dict[str, _Target] = {}
        self._connections: set[_Pooled] = set()
        self._numbers = 0
        self._retried = 0
        self._requests = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_sweep = 0.0
        self._sweeper: asyncio.TimerHandle | None = None
        self._closed = False

    def _check_tls(
        self,
        ssl_context: ssl.SSLContext | None,
        verify: bool,
        cafile: str | None,
        cert: str | tuple[str, str] | None,
    ) -> dict[str, object]:
        if ssl_context is not None:
            if not verify or cafile is not None or cert is not None:
                raise ValueError(
                    "pass either ssl_context or verify/cafile/cert: "
                    "a caller's context is never changed"
                )
            return {}
        certfile, keyfile = (cert, None) if isinstance(cert, str) or cert is None else cert
        config: dict[str, object] = {
            "verify": verify,
            "cafile": cafile,
            "certfile": certfile,
            "keyfile": keyfile,
        }
        if not verify:
            warnings.warn(
                "this pool does not verify TLS certificates (verify=False): "
                "anyone on the path can read and change its HTTPS traffic",
                InsecureRequestWarning,
                stacklevel=3,
            )
        if cafile is not None or certfile is not None:
            # Loaded now, so a bad file fails here, naming itself
            # (PROTOCOL-POLICY.md, "TLS defaults").
            self._ssl_context = _ssl.client_context(
                verify=verify, cafile=cafile, certfile=certfile, keyfile=keyfile
            )
        return config

    def _default_headers(self, headers: HeaderTypes | None) -> tuple[tuple[str, str], ...]:
        given = Headers(headers)
        if "user-agent" not in given:
            given.add("User-Agent", _USER_AGENT)
        if self._decode and "accept-encoding" not in given:
            given.add("Accept-Encoding", _decoders.ACCEPT_ENCODING)
        return tuple(given.multi_items())

    def __repr__(self) -> str:
        books = self._books
        state = "closed" if self._closed else "open"
        return (
            f"<ConnectionPool {state} connections={books.total} idle={books.total_idle} "
            f"waiters={len(books.waiters)}>"
        )

    def __del__(self) -> None:
        # After the loop closed too (a pool collected late): the stream does not
        # touch a closed loop when it aborts (HTTPStream.abort).
        sweeper = getattr(self, "_sweeper", None)
        if sweeper is not None:
            sweeper.cancel()
        connections = getattr(self, "_connections", None)
        if connections and not self._closed:
            warnings.warn(
                f"{self!r} was garbage-collected with connections open: "
                "close it (async with, aclose)",
                ResourceWarning,
                stacklevel=1,
            )
            for connection in list(connections):
                connection.disconnect()

    async def __aenter__(self) -> ConnectionPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection, idle or busy, and fail every waiter with ``PoolClosed``.

        Requests in progress fail with a network error. Safe to call twice.
        """
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        waiters, to_close = _pool_state.close_all(self._books)
        for waiter in waiters:
            future = waiter.wake
            if isinstance(future, asyncio.Future) and not future.done():
                future.set_exception(PoolClosed("the pool was closed while waiting for it"))
        try:
            self._settle([], to_close)
        finally:
            # The busy ones too, whatever the trace hook did: aclose always closes.
            for connection in list(self._connections):
                connection.disconnect()
        await asyncio.sleep(0)  # let the transports deliver connection_lost

    # ------------------------------------------------------------ observability

    def stats(self) -> PoolStats:
        """Counts per origin and in total, and counters since the pool was created."""
        books = self._books
        origins = {}
        idle = active = connecting = 0
        for key in books.origins:
            count = books.origin(key)
            if not (count.idle or count.active or count.connecting or count.waiters):
                continue  # an origin the books keep until the next sweep
            scheme, host, port, _context, _sni = key
            shown = f"[{host}]" if ":" in host else host
            origins[f"{scheme}://{shown}:{port}"] = OriginStats(
                count.idle, count.active, count.connecting, count.waiters
            )
            idle += count.idle
            active += count.active
            connecting += count.connecting
        return PoolStats(
            origins=origins,
            idle=idle,
            active=active,
            connecting=connecting,
            waiters=len(books.waiters),
            opened=books.opened,
            reused=books.reused,
            closed=dict(books.closed),
            retried=self._retried,
            requests=self._requests,
        )

    def _emit(self, name: str, connection: _Pooled, detail: object = None) -> None:
        # Called only once the pool has acted on the step. The hook's exception is
        # not caught: it fails the call that caused the event, as an httpx trace
        # extension's does (httpcore calls it inline) and an aiohttp TraceConfig
        # callback's (its signals are awaited inline). Users of both expect a
        # broken hook, or an assert in one, to fail the request, not to be logged.
        trace = self._trace
        if trace is not None:
            trace(TraceEvent(name, connection.origin, perf_counter(), connection.number, detail))

    # ------------------------------------------------------------ the public requests

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: HeaderTypes | None = None,
        body: object = None,
        timeout: Timeout | None = None,
    ) -> _RequestContext:
        """Send a request; ``await`` it for the whole response, or ``async with`` it to stream.

        ``resp = await pool.request(...)`` reads the body into
        ``resp.content`` and gives the connection back at once.
        ``async with pool.request(...) as resp:`` hands the response over
        with its body unread (``read``, ``readinto``, ``readall``,
        ``discard``, ``async for``); on leaving the block the rest of a small
        body is drained to keep the connection, a large one closes it.

        Args:
            method: the method (a ``str`` or :class:`http.HTTPMethod`).
            url: an absolute ``http``, ``https`` or ``http+unix`` URL.
            headers: the request's headers, over the pool's defaults.
            body: bytes, a file, an (async) iterable of bytes, or ``None``.
            timeout: budgets for this request instead of the pool's.

        Raises:
            InvalidURL, InvalidRequest: before anything was sent.
            PoolTimeout: no slot came free within ``timeout.pool``.
            PoolClosed: the pool is closed.
            NetworkError, InvalidResponse, ConnectionClosed: subclasses, after
                the retries :class:`~aiohttpcore.retry.Retry` allows.
        """
        return _RequestContext(self, method, url, headers, body, timeout)

    @asynccontextmanager
    async def connection(
        self,
        url: str,
        *,
        timeout: Timeout | None = None,  # noqa: ASYNC109  # budgets kept by the connection
    ) -> AsyncIterator[HTTPConnection]:
        """Borrow one connection to *url*'s origin, for pipelining or the httplib API.

        It comes back to the pool when the block ends, if it is clean
        (:meth:`HTTPConnection.is_reusable`); otherwise it is closed.
        """
        if self._loop is not asyncio.get_running_loop():
            self._bind()
        target = self._target(url)
        budgets = timeout or self._timeout
        connection, _reused = await self._checkout(target, budgets)
        try:
            yield connection
        except BaseException as error:
            self._checkin(connection, _failure_reason(error))
            raise
        self._checkin(connection, "not_reusable")

    # ------------------------------------------------------------ one exchange

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            target = _Target(parse_url(url))
            if len(self._targets) >= _TARGET_CACHE:
                self._targets.clear()
            self._targets[url] = target
        return target

    def _bind(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise StateError(
                "this ConnectionPool belongs to the event loop it first ran on; "
                "create one pool per event loop"
            )
        return loop

    def _headers_for(self, headers: HeaderTypes) -> HeaderTypes:
        defaults = self._headers
        pairs = Headers(headers).multi_items()
        if not defaults:
            return pairs
        given = {name.lower() for name, _ in pairs}
        pairs.extend(pair for pair in defaults if pair[0].lower() not in given)
        return pairs

    async def _exchange(
        self,
        method: str,
        url: str,
        headers: HeaderTypes | None,
        body: object,
        request_budgets: Timeout | None,
        whole: bool,
    ) -> Response:
        """Send the request and read the response head, retrying as :class:`Retry` allows.

        With *whole*, read the body too (into ``content``): one coroutine
        for the common ``await pool.request(...)``, not two.
        """
        if self._loop is not asyncio.get_running_loop():
            self._bind()
        if self._closed:
            raise PoolClosed("the pool is closed")
        target = self._targets.get(url) or self._target(url)
        if isinstance(body, BodyFollowing):
            raise StateError(
                "BodyFollowing needs a connection of its own: use pool.connection(url)",
                host=target.origin,
            )
        fields = self._headers if headers is None else self._headers_for(headers)
        budgets = request_budgets or self._timeout
        self._requests += 1
        retry = self._retry
        retries = connects = stale = 0
        while True:
            if target.tls and target.key[3] is None:
                await self._use_tls_context(target)
            # The common case, without a coroutine: an idle connection is at hand.
            connection, reserved = self._take(target, budgets)
            if connection is not None:
                reused = True
            else:
                try:
                    connection, reused = await self._obtain(target, budgets, reserved)
                except ConnectError as error:
                    if not retry.connect_retry(error, retries, connects):
                        raise
                    retries += 1
                    connects += 1
                    self._retried += 1
                    await asyncio.sleep(retry.backoff(connects))
                    continue
            try:
                await connection.send_request(method, target.target, fields, body)
                connection.exchanges += 1
                if self._trace is not None:
                    self._emit("request_sent", connection)
                response = await connection.read_response()
            except HTTPException as error:
                started = connection.response_started()
                self._checkin(connection, "error")
                if not retry.stale_retry(
                    error,
                    method=method_name(method),
                    reused=reused,
                    response_started=started,
                    replayable=_replayable(body),
                    retries=retries,
                    stale_retries=stale,
                ):
                    raise
                retries += 1
                stale += 1
                self._retried += 1
                continue
            except BaseException as error:
                # Cancelled, or failed outside the protocol (a body iterator, the trace hook).
                self._checkin(connection, _failure_reason(error))
                raise
            self._deliver(connection, response)
            if whole and not response._take_whole():
                try:
                    await response.readall()
                except BaseException:
                    response.close()
                    raise
            return response

    def _deliver(self, connection: _Pooled, response: Response) -> None:
        """Hand the connection over to the response, whose end checks it in; set up decoding."""
        body = response._set_release(connection.release_hook)
        if self._trace is not None:
            try:
                self._emit("response_head", connection, int(response.status))
            except BaseException:
                # The hook fails the request: the response is given up, and its end
                # checks the connection in (closed if its body was still to come).
                if body:
                    response.close()
                else:
                    self._response_done(connection, response, "end")
                raise
        if not body:
            self._response_done(connection, response, "end")  # no body: over already
        if self._decode and not response._done:  # a body is coming: maybe encoded
            coding = response.headers.get("content-encoding")
            if coding is not None:
                try:
                    response._decoder = _decoders.make_decoder(coding, host=connection.label)
                except HTTPException:
                    response.close()  # its end checks the connection in, closed
                    raise

    def _response_done(self, connection: _Pooled, response: Response, how: str) -> None:
        """The Response's release hook: its body has ended or was given up."""
        try:
            if self._trace is not None:
                self._emit("response_end", connection, how)
        finally:
            # Checked in whatever the hook did, or its slot would be lost for good.
            self._checkin(connection, "server_closed" if how == "end" else how)

    async def _leave(self, response: Response, *, failed: bool) -> None:
        """The ``async with`` block of a streamed response ends."""
        if response.closed:
            return
        if failed:
            response.close()
            return
        length = response.length if response._decoder is None else None
        if length is not None and length > _DRAIN_BYTES:
            response.close()
            return
        response._decoder = None  # what is thrown away need not be decompressed
        scratch = bytearray(16 * 1024)
        drained = 0
        try:
            async with asyncio.timeout(_DRAIN_SECONDS):
                while drained <= _DRAIN_BYTES:
                    count = await response.readinto(scratch)
                    if not count:
                        return
                    drained += count
        except (HTTPException, TimeoutError):
            pass
        except BaseException:
            response.close()
            raise
        response.close()

    # ------------------------------------------------------------ checkout and checkin

    async def _checkout(self, target: _Target, budgets: Timeout) -> tuple[_Pooled, bool]:
        """A connection to *target*'s origin, checked out: ``(connection, reused)``."""
        if target.tls and target.key[3] is None:
            await self._use_tls_context(target)
        connection, reserved = self._take(target, budgets)
        if connection is None:
            return await self._obtain(target, budgets, reserved)
        return connection, True

    def _take(self, target: _Target, budgets: Timeout) -> tuple[_Pooled | None, bool]:
        """An idle connection checked out, or whether a slot was reserved for a new one."""
        loop = self._loop
        assert loop is not None
        if self._closed:
            raise PoolClosed("the pool is closed")
        now = loop.time()
        if now >= self._next_sweep:
            self._sweep(now)
        key = target.key
        connection, reserved, to_close = _pool_state.acquire(self._books, key, now)
        if to_close:  # expired, dead or evicted
            try:
                self._settle([], to_close)
            except BaseException:
                # The trace hook failed this request before it used its grant: the
                # grant goes back as an unused one does (the books' cancel).
                grant: Waiter[_PoolKey, _Pooled] = Waiter(key)
                grant.queued = False
                grant.connection = connection
                grant.slot = reserved
                self._give_back(grant, now)
                raise
        if connection is not None:
            self._hand_out(connection, budgets)
        return connection, reserved

    @staticmethod
    def _hand_out(connection: _Pooled, budgets: Timeout) -> None:
        """An existing connection leaves the books for one exchange, with its budgets."""
        connection.out = True
        if connection.timeout is not budgets:
            connection.set_timeout(budgets)

    async def _obtain(
        self, target: _Target, budgets: Timeout, reserved: bool
    ) -> tuple[_Pooled, bool]:
        """The slow way to a connection: wait for one to come free, or open one."""
        key = target.key
        connection = None if reserved else await self._wait(key, budgets)
        if connection is None:
            return await self._open(target, key, budgets), False
        self._hand_out(connection, budgets)
        return connection, True

    async def _use_tls_context(self, target: _Target) -> None:
        """Put the pool's TLS context into *target*'s key (pool rule 1: its identity is in it)."""
        context = self._ssl_context
        if context is None:
            context = await asyncio.to_thread(
                functools.partial(_ssl.client_context, **self._tls_config)  # type: ignore[arg-type]
            )
            if self._ssl_context is None:
                self._ssl_context = context
            context = self._ssl_context
        scheme, host, port, _none, sni = target.key
        target.key = (scheme, host, port, context, sni)

    async def _wait(self, key: _PoolKey, budgets: Timeout) -> _Pooled | None:
        """Queue for a slot; the connection handed over, or ``None`` for a slot to open in."""
        loop = self._loop
        assert loop is not None
        books = self._books
        waiter, woken, to_close = _pool_state.enqueue(books, key)
        try:
            self._settle(woken, to_close)
        except BaseException:
            self._give_back(waiter, loop.time())  # the trace hook failed this request
            raise
        if waiter.queued:
            future: asyncio.Future[None] = loop.create_future()
            waiter.wake = future
            try:
                async with asyncio.timeout(budgets.pool):
                    await future
            except BaseException as error:
                self._give_back(waiter, loop.time())
                if isinstance(error, TimeoutError) and not isinstance(error, HTTPException):
                    raise PoolTimeout(
                        f"no connection came free within {budgets.pool} s "
                        f"(max_connections={books.max_connections}, "
                        f"max_connections_per_host={books.max_per_host})",
                        host=f"{key[1]}:{key[2]}",
                    ) from None
                raise
        connection = waiter.connection
        waiter.connection = None
        waiter.slot = False
        return connection

    def _settle(
        self,
        woken: list[Waiter[_PoolKey, _Pooled]],
        to_close: list[tuple[_Pooled, str]],
    ) -> None:
        """Act on what the books decided: close these, wake those; then trace the closes.

        Each ``connection_closed`` event gives the reason the books returned
        with the connection, the one ``stats().closed`` counts. The hook
        runs last: if it raises, everything here is done already
        (CONVENTIONS.md rule 6), and the caller fails with its exception.
        """
        for connection, _reason in to_close:
            self._connections.discard(connection)
            connection.disconnect()
        for waiter in woken:
            future = waiter.wake
            if isinstance(future, asyncio.Future) and not future.done():
                future.set_result(None)
        if to_close and self._trace is not None:
            for connection, reason in to_close:
                self._emit("connection_closed", connection, reason)

    def _give_back(self, waiter: Waiter[_PoolKey, _Pooled], now: float) -> None:
        """*waiter*'s task gave up: undo what it held (its place, a slot or a connection)."""
        self._settle(*_pool_state.cancel(self._books, waiter, now))

    async def _open(self, target: _Target, key: _PoolKey, budgets: Timeout) -> _Pooled:
        """Open a connection in the slot reserved for *key*; free the slot if that fails."""
        books = self._books
        try:
            connection = await self._connect(target, key, budgets)
        except BaseException:
            self._settle(*_pool_state.connect_failed(books, key))
            raise
        _pool_state.connected(books, key)
        connection.out = True
        if self._closed:
            self._checkin(connection, "pool_closed")
            raise PoolClosed("the pool was closed while connecting")
        return connection

    async def _connect(self, target: _Target, key: _PoolKey, budgets: Timeout) -> _Pooled:
        context = key[3]
        self._numbers += 1
        connection = _Pooled(
            key,
            self._numbers,
            target.origin,
            host=target.host,
            port=target.port,
            ssl_context=context,
            timeout=budgets,
            uds=target.uds or self._uds,
            local_address=self._local_address,
            server_hostname=target.sni,
            profile=self._profile,
            limits=self._limits,
            opener=self._opener(target, context, budgets),
        )
        connection.release_hook = functools.partial(self._response_done, connection)
        self._connections.add(connection)
        try:
            self._emit("connect_start", connection)
            await connection.connect()
            # A hook that raises here fails the connect: the connection is closed
            # below, and _open frees its slot.
            self._emit("connect_end", connection)
            if context is not None:
                self._emit("tls_done", connection)
        except BaseException:
            self._connections.discard(connection)
            connection.disconnect()
            self._emit("connection_closed", connection, "connect_failed")
            raise
        return connection

    def _opener(
        self, target: _Target, context: ssl.SSLContext | None, budgets: Timeout
    ) -> Callable[[ClientCodec], Awaitable[HTTPStream]] | None:
        """Connect through the DNS cache when the pool has one (never for Unix sockets)."""
        resolver = self._resolver
        if resolver is None or target.uds is not None or self._uds is not None:
            return None
        return resolver.opener(
            target.host,
            target.port,
            budgets=budgets,
            ssl_context=context,
            server_hostname=target.sni,
            local_address=self._local_address,
        )

    def _checkin(self, connection: _Pooled, reason: str) -> None:
        """A checked-out connection comes back: to idle if clean, else closed."""
        if not connection.out:
            return  # already back (a response's end after its connection failed)
        connection.out = False
        loop = self._loop
        assert loop is not None
        reusable = not self._closed and connection.is_reusable()
        now = loop.time()
        woken, to_close = _pool_state.release(
            self._books, connection.key, connection, now, reusable=reusable, reason=reason
        )
        if reusable and self._sweeper is None and self._books.keepalive_expiry is not None:
            self._sweeper = loop.call_at(
                now + self._books.keepalive_expiry + 0.01, _sweep_later, weakref.ref(self)
            )
        if self._trace is None:
            # Most check-ins wake and close nothing: not calling costs ~60 ns less
            # (a timed _take + _checkin loop, CPython 3.11.7: 1.62 -> 1.56 us).
            if woken or to_close:
                self._settle(woken, to_close)
            return
        # The hook runs only after the books' decisions are carried out (rule 6):
        # one that raises fails this call, never the waiter handed the connection.
        self._settle(woken, to_close)
        if reusable and all(closed is not connection for closed, _ in to_close):
            self._emit("connection_released", connection)  # kept: idle or handed over

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + _SWEEP_INTERVAL
        self._settle(*_pool_state.sweep(self._books, now))

    def _on_sweep_timer(self) -> None:
        """Close idle connections that expired while the pool was quiet."""
        self._sweeper = None
        loop = self._loop
        if loop is None or self._closed:
            return
        try:
            self._sweep(loop.time())
        finally:
            # Set again even if the trace hook raised (the loop reports that: this
            # callback has no caller), or the idle connections left would never expire.
            if self._books.total_idle and self._books.keepalive_expiry is not None:
                self._sweeper = loop.call_at(
                    loop.time() + self._books.keepalive_expiry / 2,
                    _sweep_later,
                    weakref.ref(self),
                )


def _sweep_later(pool: weakref.ref[ConnectionPool]) -> None:
    """The sweep timer's callback: it holds the pool weakly, so a forgotten pool can be
    collected (and warn ``ResourceWarning``) instead of living until its timer fires."""
    alive = pool()
    if alive is not None:
        alive._on_sweep_timer()


def _failure_reason(error: BaseException) -> str:
    return "error" if isinstance(error, Exception) else "cancelled"
