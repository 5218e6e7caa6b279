"""The pipelined lane of a bench worker: ``--pipeline N`` requests in flight on one connection.

What it owns: :class:`_PipelinedLoad`, the :class:`~aiohttpcore.cli._load._Load`
whose lanes keep up to N requests in flight on each connection, with one
sender and one reader task per connection, and :class:`_Flight`, the books
of one such connection (started, written, answered) that the two tasks
share. Everything else (the run, admission and pacing, the count of each
request) is the :class:`~aiohttpcore.cli._load._Load` it extends. It uses
the public API only (``import aiohttpcore``).

Rules it keeps:

* A request pipelined behind a response that announced ``Connection:
  close`` was never processed (RFC 9112 §9.6) and is sent again on the next
  connection, its start unchanged; so is one never written
  (``NotConnected`` is raised before any byte).
* A failed send stops the sending, not the reading: the responses already
  on their way are still read and counted. A request whose write failed
  may have left in part, and counts as failed, as do the requests left
  unanswered when the reader fails.
* The sender never waits for a reader that has stopped: the reader's end
  wakes it (:meth:`_Flight.reader_done`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque

import aiohttpcore

from ._load import _WHOLE_DIGITS, _Load, _Schedule, _stream_body


class _Flight:
    """The requests on one pipelined connection: started, written, answered."""

    __slots__ = (
        "_reader",
        "_sender",
        "broken",
        "closing",
        "read",
        "read_error",
        "send_error",
        "sending",
        "sent",
        "sent_at",
        "starts",
    )

    def __init__(self) -> None:
        self.starts: deque[int] = deque()  # every request given to this connection, unanswered
        self.sent_at: deque[int] = deque()
        self.sent = 0  # requests written
        self.read = 0  # responses read whole
        self.sending = True
        self.closing = False  # a response said Connection: close: send nothing more
        self.broken = False  # the reader stopped: send nothing more
        self.read_error: Exception | None = None
        self.send_error: Exception | None = None
        self._reader: asyncio.Future[None] | None = None
        self._sender: asyncio.Future[None] | None = None

    def full(self, limit: int) -> bool:
        """True when *limit* requests are unanswered, or nothing more may be sent."""
        return len(self.starts) >= limit or self.closing or self.broken

    async def room(self, limit: int) -> bool:
        """Wait until fewer than *limit* are unanswered; False if nothing more may be sent."""
        while len(self.starts) >= limit and not (self.closing or self.broken):
            self._sender = asyncio.get_running_loop().create_future()
            await self._sender
        return not (self.closing or self.broken)

    def reader_done(self, _reader: object) -> None:
        """The reader ended (failed, most likely): the sender must not wait for it."""
        self.broken = True
        self.wake_sender()

    async def wait_sender(self) -> None:
        """The reader waits for a request to be written (or the sender to finish)."""
        self._reader = asyncio.get_running_loop().create_future()
        await self._reader

    def wake_sender(self) -> None:
        waiter, self._sender = self._sender, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def wake_reader(self) -> None:
        waiter, self._reader = self._reader, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class _PipelinedLoad(_Load):
    """A worker's load whose lanes pipeline: ``depth`` requests in flight on each connection."""

    async def _lane(self, lane: int) -> None:
        """One connection, ``depth`` requests in flight: a sender and a reader task."""
        assert self._pool is not None
        schedule = self._schedule(lane)
        carried: deque[int] = deque()  # admitted, not answered: sent first on the next connection
        while True:
            if not carried:
                start = await self._next(schedule)
                if start < 0:
                    return
                carried.append(start)
            flight = _Flight()
            opened = time.perf_counter_ns()
            try:
                async with self._pool.connection(self._plan.url) as conn:
                    self._connected(conn, opened)
                    await self._exchange_pipelined(conn, flight, schedule, carried)
            except Exception as error:  # no connection: the requests meant for it failed
                for start in carried:
                    self._failed(start, error)
                carried.clear()
                continue
            self._settle(flight, carried)

    def _settle(self, flight: _Flight, carried: deque[int]) -> None:
        """After a pipelined connection: count what was lost, keep what was never processed."""
        starts = list(flight.starts)
        unanswered = flight.sent - flight.read
        lost, unsent = starts[:unanswered], starts[unanswered:]
        read_error, send_error = flight.read_error, flight.send_error
        if flight.closing or (
            isinstance(read_error, aiohttpcore.ConnectionClosed) and read_error.unprocessed
        ):
            # Behind an announced close: never processed (RFC 9112 §9.6).
            resend = starts
        else:
            if read_error is not None:
                for start in lost:
                    self._failed(start, read_error)
            if send_error is not None and not isinstance(send_error, aiohttpcore.NotConnected):
                for start in unsent:  # a write failed: the request may have left in part
                    self._failed(start, send_error)
                unsent = []
            resend = unsent  # never written (NotConnected is raised before any byte)
        carried.extendleft(reversed(resend))

    async def _exchange_pipelined(
        self,
        conn: aiohttpcore.HTTPConnection,
        flight: _Flight,
        schedule: _Schedule | None,
        carried: deque[int],
    ) -> None:
        """Send and read on *conn* until the run ends or it breaks; errors go to *flight*.

        A failed send stops the sending, not the reading: the responses
        already on their way are still read and counted.
        """
        reader = asyncio.create_task(self._read_pipelined(conn, flight))
        reader.add_done_callback(flight.reader_done)
        try:
            await self._send_pipelined(conn, flight, schedule, carried)
        except Exception as error:
            flight.send_error = error
        except BaseException:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
            raise
        try:
            await reader
        except Exception as error:
            flight.read_error = error

    async def _send_pipelined(
        self,
        conn: aiohttpcore.HTTPConnection,
        flight: _Flight,
        schedule: _Schedule | None,
        carried: deque[int],
    ) -> None:
        plan = self._plan
        depth, method, target, fields, body = (
            plan.depth,
            plan.method,
            plan.target,
            plan.fields,
            plan.body,
        )
        perf = time.perf_counter_ns
        starts = flight.starts
        try:
            while True:
                if carried:
                    start = carried.popleft()
                elif schedule is None:
                    # Closed loop: a request starts when there is room for it.
                    if flight.full(depth) and not await flight.room(depth):
                        break
                    start = self._admit(perf())
                else:
                    start = await self._paced(schedule)
                if start < 0:
                    break
                starts.append(start)
                # Open loop (or a resent request): it waits for room, on its clock.
                if flight.full(depth + 1) and not await flight.room(depth + 1):
                    break
                flight.sent_at.append(perf())
                await conn.send_request(method, target, fields, body)
                flight.sent += 1
                flight.wake_reader()
        finally:
            flight.sending = False
            flight.wake_reader()

    async def _read_pipelined(self, conn: aiohttpcore.HTTPConnection, flight: _Flight) -> None:
        perf = time.perf_counter_ns
        while True:
            if flight.read == flight.sent:
                if not flight.sending:
                    return
                await flight.wait_sender()
                continue
            response = await conn.read_response()
            head = perf()
            length = response.headers.get("content-length")
            if length is not None and len(length) < _WHOLE_DIGITS:
                size = len(await response.readall())
            else:
                size = await _stream_body(response)
            end = perf()
            start = flight.starts.popleft()
            sent_at = flight.sent_at.popleft()
            flight.read += 1
            flight.wake_sender()
            self._done(start, sent_at, head, end, response.status, size)
            if "close" in response.headers.get("connection", "").lower():
                flight.closing = True  # RFC 9112 §9.6: nothing after this one is processed
                flight.wake_sender()
