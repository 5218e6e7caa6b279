"""Scripted origins for the pool tests: a keep-alive responder that remembers what it saw.

Owns :class:`Responder`, a :class:`~_support.rawserver.RawServer` handler that
answers every request on a connection with one canned response, logs each
request with the index of the connection it came on, and can be told how a
connection ends: after *n* answers, with or without ``Connection: close``,
by reading one more request and closing without an answer (the stale
keep-alive race made deterministic), or with stray bytes or a half-close
while the client holds the connection idle. It also measures how many of
its connections were open at once, sampled when a request arrives, so a
client's close that the server has not processed yet is never counted as
open (the old connection's FIN always reaches the server before a request
on the new one can). Imports nothing from ``aiohttpcore``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable

from _support.rawserver import RawRequest, http_response, read_request

#: What a connection does once it has given its ``per_connection`` answers.
Ending = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Responder"], Awaitable[None]]


@dataclasses.dataclass(frozen=True, slots=True)
class Seen:
    """One request as the server received it, and the connection it came on (0 first)."""

    connection: int
    request: RawRequest


def _alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """Whether the client still holds this connection open, as the server knows it now."""
    return not (reader.at_eof() or reader.exception() is not None or writer.is_closing())


class Gauge:
    """Connections open at once, per responder and in total, shared by several responders.

    Sampled whenever a request arrives: a connection counts as open until the
    server has seen the client close or reset it.
    """

    def __init__(self) -> None:
        self.max_total = 0
        self.max_each: Counter[int] = Counter()  # responder id -> most open at once
        self._live: dict[asyncio.StreamWriter, tuple[int, asyncio.StreamReader]] = {}

    def add(self, owner: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._live[writer] = (owner, reader)

    def remove(self, writer: asyncio.StreamWriter) -> None:
        del self._live[writer]

    def sample(self) -> None:
        """Record the figures of this moment."""
        owners = Counter(
            owner for writer, (owner, reader) in self._live.items() if _alive(reader, writer)
        )
        self.max_total = max(self.max_total, sum(owners.values()))
        for owner, count in owners.items():
            self.max_each[owner] = max(self.max_each[owner], count)


async def until_client_closes(reader: asyncio.StreamReader) -> bytes:
    """Everything the client sends until it closes (FIN or RST)."""
    data = bytearray()
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            data += chunk
    return bytes(data)


async def close_without_answer(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, responder: Responder
) -> None:
    """Read one more request whole, log it, and close: the client waited for nothing."""
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        responder.record(writer, await read_request(reader))
        responder.misbehaved.set()


async def silent_after_reading(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, responder: Responder
) -> None:
    """Read one more request whole, log it, then say nothing until the client gives up."""
    await close_without_answer(reader, writer, responder)  # the close is the handler's return
    await until_client_closes(reader)


async def stray_response_then_close(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, responder: Responder
) -> None:
    """While the client holds the connection idle: a 408 nobody asked for, then FIN."""
    del reader
    stray = http_response(status=408, reason="Request Timeout", headers=[("Connection", "close")])
    writer.write(stray)
    await writer.drain()
    responder.misbehaved.set()


async def stray_bytes_keep_open(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, responder: Responder
) -> None:
    """A stray 200 on the idle connection, kept open: reading it as an answer would be wrong."""
    writer.write(http_response(b"stray"))
    await writer.drain()
    responder.misbehaved.set()
    await until_client_closes(reader)


async def half_close_then_wait(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, responder: Responder
) -> None:
    """FIN on the idle connection, then keep reading until the client closes its side."""
    await writer.drain()
    writer.write_eof()
    responder.misbehaved.set()
    await until_client_closes(reader)


def half_close_when(go: asyncio.Event) -> Ending:
    """An ending that holds the idle connection until *go* is set, then half-closes it."""

    async def ending(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, responder: Responder
    ) -> None:
        await go.wait()
        await half_close_then_wait(reader, writer, responder)

    return ending


class Responder:
    """A RawServer (or Unix server) handler: one canned response to every request, and a log.

    Args:
        body: the response body (Content-Length framing).
        headers: extra response header fields.
        raw: the whole response as bytes, instead of *body* and *headers*.
        delay: seconds to wait before each answer.
        per_connection: answers per connection, then *ending* runs (default: no limit).
        ending: what happens after the last answer; ``None`` closes (FIN).
        limited: how many connections, the first ones, keep to *per_connection*
            and *ending*; later ones answer without limit (default: all).
        gauge: shared with other responders to measure connections open in total.
    """

    def __init__(
        self,
        body: bytes = b"ok",
        *,
        headers: tuple[tuple[str, str], ...] = (),
        raw: bytes | None = None,
        delay: float = 0.0,
        per_connection: int | None = None,
        ending: Ending | None = None,
        limited: int | None = None,
        gauge: Gauge | None = None,
    ) -> None:
        self.response = raw if raw is not None else http_response(body, headers=headers)
        self.delay = delay
        self.per_connection = per_connection
        self.ending = ending
        self.limited = limited
        self.gauge = gauge or Gauge()
        self.seen: list[Seen] = []
        self.connections = 0  #: accepted so far
        self.finished = 0  #: connections whose handler returned
        self.misbehaved = asyncio.Event()  #: set once an ending did its damage
        self._index: dict[asyncio.StreamWriter, int] = {}

    @property
    def requests(self) -> list[RawRequest]:
        """Every request received, in arrival order."""
        return [seen.request for seen in self.seen]

    @property
    def max_open(self) -> int:
        """The most connections to this responder open at once, as sampled."""
        return self.gauge.max_each[id(self)]

    def on_connection(self, index: int) -> list[str]:
        """The targets of the requests received on connection *index*."""
        return [seen.request.target for seen in self.seen if seen.connection == index]

    def record(self, writer: asyncio.StreamWriter, request: RawRequest) -> None:
        """Log *request* and sample how many connections are open now."""
        self.seen.append(Seen(self._index[writer], request))
        self.gauge.sample()

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._index[writer] = self.connections
        self.connections += 1
        self.gauge.add(id(self), reader, writer)
        try:
            await self._serve(reader, writer)
        finally:
            self.gauge.remove(writer)
            self.finished += 1

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = self._index[writer]
        limit = self.per_connection
        if self.limited is not None and index >= self.limited:
            limit = None
        answered = 0
        while limit is None or answered < limit:
            try:
                request = await read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # the client closed (or reset) between two requests
            self.record(writer, request)
            if self.delay:
                await asyncio.sleep(self.delay)
            writer.write(self.response)
            try:
                await writer.drain()
            except ConnectionError:
                return  # the client gave the response up (a large body left unread)
            answered += 1
        if self.ending is not None and limit is not None:
            await self.ending(reader, writer, self)
