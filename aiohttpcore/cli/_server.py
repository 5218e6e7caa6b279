"""The embedded bench server: a small, fast HTTP/1.1 keep-alive server for ``aiohttpcore bench``.

What it owns: :class:`BenchServer`, an asyncio ``BufferedProtocol`` server
that answers every request for ``/`` with ``200`` and a 13-byte body and
anything else with ``404``, and :func:`start`/:class:`ServerProcess`, which
run it in a process of its own, pinned to one CPU, and stop it. ``aiohttpcore
bench`` without a URL loads it; ``python -m aiohttpcore.cli._server`` runs it
alone. What it must not do: parse with the client's code (it is the other
end of the wire, so a client bug cannot hide in a shared parser), or do
per-request work it can avoid, since every microsecond it spends is taken
from the load it is meant to absorb.

Rules it keeps:

* Pipelining-safe: requests are answered in the order they arrived, the
  answers to every request complete in one read going out in one write.
* It parses just enough: the end of the head, the request line, and the
  framing of a request body (``Content-Length``, or ``Transfer-Encoding:
  chunked`` with its chunk-size lines, RFC 9112 §6.3 and §7.1), which is read
  and thrown away. ``Connection: close`` and HTTP/1.0 without ``keep-alive``
  close the connection after the answer (RFC 9112 §9.3), by a lingering
  close (§9.6): the answer goes out, then a FIN, and whatever the client
  pipelined behind is read and dropped, never answered, until it closes.
* A malformed request gets ``400`` and the connection is closed; a head
  longer than 64 KiB gets ``431`` (RFC 6585 §5).
* Flow control: it stops reading while its transport's write buffer is full,
  so a client that pipelines without reading cannot make it buffer without
  bound.
* It counts the requests it read; :meth:`ServerProcess.stop` returns the
  count, which the bench report and the tests compare with what was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import multiprocessing
import os
import signal
import sys
import typing
from collections.abc import Sequence
from enum import Enum
from multiprocessing.connection import Connection
from typing import Final

from ._common import run_async

__all__ = ["BODY", "BenchServer", "ServerProcess", "main", "start"]

BODY: Final = b"hello world!\n"
"""The body of every ``200`` answer (13 bytes, as the benchmarks' nginx sends)."""

_HEAD_LIMIT: Final = 64 * 1024
_BUFFER: Final = 64 * 1024
_LINGER_S: Final = 2.0
_START_LIMIT: Final = 30.0
"""Seconds the server process is given to start and report its port."""


class _State(Enum):
    HEAD = 1
    BODY = 2  # a Content-Length body: ``_remaining`` bytes to skip
    CHUNK_SIZE = 3
    CHUNK_DATA = 4  # chunk data and its CRLF: ``_remaining`` bytes to skip
    TRAILERS = 5


class _Answers:
    """The prebuilt answers, rebuilt once a second for the ``Date`` header (RFC 9110 §6.6.1).

    ``keep[kind]`` and ``close[kind]`` are the bytes of answer *kind*
    (:data:`FOUND`, :data:`HEAD_ONLY`, :data:`MISSING`, :data:`BAD`,
    :data:`TOO_LARGE`) on a connection that stays open or closes after it.
    """

    __slots__ = ("close", "keep")

    def __init__(self) -> None:
        self.keep: tuple[bytes, ...] = ()
        self.close: tuple[bytes, ...] = ()
        self.refresh()

    def refresh(self) -> None:
        date = email.utils.formatdate(usegmt=True)
        shapes = (
            ("200 OK", BODY, True),
            ("200 OK", BODY, False),  # HEAD: the length of what GET would send, no body
            ("404 Not Found", b"not found\n", True),
            ("400 Bad Request", b"bad request\n", True),
            ("431 Request Header Fields Too Large", b"head too large\n", True),
        )

        def answer(status: str, body: bytes, send_body: bool, connection: str) -> bytes:
            head = (
                f"HTTP/1.1 {status}\r\nServer: aiohttpcore-bench\r\nDate: {date}\r\n"
                f"Content-Type: text/plain\r\nContent-Length: {len(body)}\r\n{connection}\r\n"
            ).encode("latin-1")
            return head + body if send_body else head

        self.keep = tuple(answer(*shape, "") for shape in shapes)
        self.close = tuple(answer(*shape, "Connection: close\r\n") for shape in shapes)


FOUND: Final = 0
HEAD_ONLY: Final = 1
MISSING: Final = 2
BAD: Final = 3
TOO_LARGE: Final = 4


class _Books:
    """What every connection of one server shares: the answers and the request count."""

    __slots__ = ("answers", "connections", "requests")

    def __init__(self) -> None:
        self.answers = _Answers()
        self.requests = 0
        self.connections: set[_Handler] = set()


class _Malformed(Exception):
    """The request cannot be framed: answer 400 and close."""


class _Handler(asyncio.BufferedProtocol):
    """One connection: reads into one buffer, answers whole requests in order."""

    def __init__(self, books: _Books) -> None:
        self._books = books
        self._buffer = bytearray(_BUFFER)
        self._view = memoryview(self._buffer)
        self._start = 0  # first unparsed byte
        self._end = 0  # end of the received bytes
        self._scan = 0  # where the search for the end of the head resumes
        self._state = _State.HEAD
        self._remaining = 0
        self._kind = FOUND  # the answer owed to the request whose body is being read
        self._close_after = False  # ... and whether it asked to close
        self._closing = False  # an answer said close: nothing more is read or answered
        self._lingering: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have asyncio.Transport's methods, not its class.
        self._transport = typing.cast(asyncio.Transport, transport)
        self._books.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._books.connections.discard(self)
        self._transport = None
        if self._lingering is not None:
            self._lingering.cancel()

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        if self._transport is not None and not self._closing:
            self._transport.resume_reading()

    def eof_received(self) -> bool:
        return False  # the client is done: close our side too

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._end == len(self._buffer):
            self._make_room()
        return self._view[self._end :]

    def _make_room(self) -> None:
        """Move the unparsed bytes to the front, or grow the buffer for a long head."""
        start, end = self._start, self._end
        kept = end - start
        if start:
            self._buffer[:kept] = self._view[start:end]  # same size: no resize of a viewed buffer
        else:
            grown = bytearray(2 * len(self._buffer))
            grown[:kept] = self._view[start:end]
            self._view.release()
            self._buffer = grown
            self._view = memoryview(grown)
        self._scan = max(self._scan - start, 0)
        self._start, self._end = 0, kept

    def buffer_updated(self, nbytes: int) -> None:
        if self._closing:  # requests after a close are never processed (RFC 9112 §9.6)
            self._start = self._end = self._scan = 0
            return
        self._end += nbytes
        answers: list[bytes] = []
        try:
            self._parse(answers)
        except _Malformed:
            answers.append(self._books.answers.close[BAD])
            self._closing = True
        transport = self._transport
        if transport is None:
            return
        if answers:
            transport.write(answers[0] if len(answers) == 1 else b"".join(answers))
        if self._closing:
            self._linger(transport)

    def _linger(self, transport: asyncio.Transport) -> None:
        """Close after the answers went out: half-close first, then wait for the client's EOF.

        Closing a socket with unread bytes sends a reset, which can destroy
        answers the client has not read yet; RFC 9112 §9.6 asks for this
        "lingering close" instead, bounded here by :data:`_LINGER_S`.
        """
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        self._lingering = asyncio.get_running_loop().call_later(_LINGER_S, transport.abort)

    def _parse(self, answers: list[bytes]) -> None:
        """Consume every complete request in the buffer, appending its answer."""
        while not self._closing and self._start < self._end:
            state = self._state
            if state is _State.HEAD:
                if not self._head(answers):
                    return
            elif state is _State.BODY or state is _State.CHUNK_DATA:
                taken = min(self._remaining, self._end - self._start)
                self._start += taken
                self._remaining -= taken
                if self._remaining:
                    return
                if state is _State.BODY:
                    self._answer(answers)
                else:
                    self._state = _State.CHUNK_SIZE
            elif state is _State.CHUNK_SIZE:
                if not self._chunk_size():
                    return
            elif not self._trailers(answers):
                return
        if self._start == self._end:
            self._start = self._end = self._scan = 0  # all consumed: fill from the front again

    def _head(self, answers: list[bytes]) -> bool:
        """Parse one request head if it is complete; False when more bytes are needed."""
        # A body read since the last head moved _start past _scan.
        found = self._buffer.find(b"\r\n\r\n", max(self._scan, self._start), self._end)
        if found < 0:
            if self._end - self._start > _HEAD_LIMIT:
                answers.append(self._books.answers.close[TOO_LARGE])
                self._closing = True
            self._scan = max(self._end - 3, self._start)
            return False
        head = bytes(self._view[self._start : found + 2]).lower()  # each line ends in CRLF
        self._start = self._scan = found + 4
        parts = head[: head.find(b"\r\n")].split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"http/1."):
            raise _Malformed
        method, target, version = parts
        self._books.requests += 1
        self._close_after = b"\nconnection: close" in head or (
            version == b"http/1.0" and b"\nconnection: keep-alive" not in head
        )
        if target.partition(b"?")[0] != b"/":
            self._kind = MISSING
        else:
            self._kind = HEAD_ONLY if method == b"head" else FOUND
        coding = _field(head, b"\ntransfer-encoding:")
        if coding is not None:
            # RFC 9112 §6.3: chunked must be the last coding; a request body
            # of any other coding has no length the server could know.
            if coding.rpartition(b",")[2].strip() != b"chunked":
                raise _Malformed
            self._state = _State.CHUNK_SIZE
            return True
        length = _field(head, b"\ncontent-length:")
        if length is not None and length != b"0":
            if not length.isdigit():
                raise _Malformed
            self._remaining = int(length)
            self._state = _State.BODY
            return True
        self._answer(answers)
        return True

    def _chunk_size(self) -> bool:
        line_end = self._buffer.find(b"\r\n", self._start, self._end)
        if line_end < 0:
            if self._end - self._start > _HEAD_LIMIT:
                raise _Malformed
            return False
        size_text = bytes(self._view[self._start : line_end]).partition(b";")[0].strip()
        self._start = line_end + 2
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _Malformed from None
        if size:
            self._state = _State.CHUNK_DATA
            self._remaining = size + 2  # the data and the CRLF after it
        else:
            self._state = _State.TRAILERS
        return True

    def _trailers(self, answers: list[bytes]) -> bool:
        start = self._start
        if self._buffer.startswith(b"\r\n", start, self._end):
            self._start = start + 2  # no trailer fields
        else:
            found = self._buffer.find(b"\r\n\r\n", start, self._end)
            if found < 0:
                if self._end - start > _HEAD_LIMIT:
                    raise _Malformed
                return False
            self._start = found + 4
        self._answer(answers)
        return True

    def _answer(self, answers: list[bytes]) -> None:
        """The request is read whole: queue its answer, and close after it if it asked."""
        self._state = _State.HEAD
        if self._close_after:
            answers.append(self._books.answers.close[self._kind])
            self._closing = True
        else:
            answers.append(self._books.answers.keep[self._kind])


def _field(head: bytes, name: bytes) -> bytes | None:
    """The value of the first field *name* (``b"\\nname:"``, lower case) in *head*, stripped."""
    at = head.find(name)
    if at < 0:
        return None
    start = at + len(name)
    return head[start : head.find(b"\r\n", start)].strip()


class BenchServer:
    """The server on the running event loop: :meth:`start` it, read :attr:`requests`, close it.

    Args:
        host: the address to listen on (ignored with *path*).
        port: the TCP port; 0 picks a free one (see :attr:`port`).
        path: listen on this Unix socket instead of TCP.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, path: str | None = None) -> None:
        self.host = host
        self.port = port
        self.path = path
        self._books = _Books()
        self._server: asyncio.Server | None = None
        self._clock: asyncio.TimerHandle | None = None

    @property
    def requests(self) -> int:
        """Requests answered (or being answered) since the server started."""
        return self._books.requests

    async def start(self) -> None:
        """Listen; :attr:`port` is the real port afterwards."""
        loop = asyncio.get_running_loop()
        books = self._books
        if self.path is not None:
            self._server = await loop.create_unix_server(lambda: _Handler(books), self.path)
        else:
            self._server = await loop.create_server(
                lambda: _Handler(books), self.host, self.port, backlog=4096
            )
            self.port = self._server.sockets[0].getsockname()[1]
        self._tick()

    def _tick(self) -> None:
        self._books.answers.refresh()
        loop = asyncio.get_running_loop()
        # At the next whole second, when the Date header's text changes.
        self._clock = loop.call_at(loop.time() + 1.0 - (loop.time() % 1.0), self._tick)

    async def aclose(self) -> None:
        """Stop listening and drop every connection."""
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for handler in list(self._books.connections):
            handler.abort()
        await server.wait_closed()
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


def pin(cpus: set[int] | None) -> None:
    """Run this process on *cpus* only (Linux; a no-op elsewhere or for ``None``)."""
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)


def _serve(control: Connection, cpu: int | None, loop: str | None, path: str | None) -> None:
    """The server process: report the port, serve until told to stop, report the count."""
    # Ctrl-C reaches every process of the terminal's group: the bench that
    # started this one stops it when its own report is ready, not before.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pin(None if cpu is None else {cpu})

    async def serve() -> int:
        server = BenchServer(path=path)
        await server.start()
        control.send(("listening", server.port))
        stopped = asyncio.get_running_loop().create_future()

        def stop() -> None:  # "stop" arrived, or the parent died (EOF)
            if not stopped.done():
                stopped.set_result(None)

        asyncio.get_running_loop().add_reader(control.fileno(), stop)
        try:
            await stopped
        finally:
            asyncio.get_running_loop().remove_reader(control.fileno())
            await server.aclose()
        with contextlib.suppress(OSError):
            control.send(("stopped", server.requests))
        return 0

    run_async(serve(), loop=loop)
    control.close()


class ServerProcess:
    """The embedded server running in a process of its own; :meth:`stop` ends it."""

    def __init__(
        self, process: multiprocessing.process.BaseProcess, control: Connection, port: int
    ) -> None:
        self._process = process
        self._control = control
        self.port = port
        self.requests: int | None = None
        """The count of requests it answered, known once :meth:`stop` returned."""

    def stop(self, grace: float = 5.0) -> int | None:
        """Stop the server; the number of requests it answered (``None`` if it died)."""
        control, process = self._control, self._process
        if not control.closed:
            with contextlib.suppress(OSError, EOFError):
                control.send("stop")
                if control.poll(grace):
                    kind, count = control.recv()
                    if kind == "stopped":
                        self.requests = count
            control.close()
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join()
        return self.requests


def start(
    *, cpu: int | None = None, loop: str | None = None, path: str | None = None
) -> ServerProcess:
    """Start the embedded server in a new process (pinned to *cpu*) and wait for its port.

    Raises:
        RuntimeError: the process did not start listening within 30 s.
    """
    context = multiprocessing.get_context("spawn")  # no fork of a parent that may hold threads
    control, child_end = context.Pipe()
    process = context.Process(
        target=_serve,
        args=(child_end, cpu, loop, path),
        name="aiohttpcore-bench-server",
        daemon=True,
    )
    process.start()
    child_end.close()
    message: object = None
    with contextlib.suppress(EOFError, OSError):
        if control.poll(_START_LIMIT):
            message = control.recv()
    if not (isinstance(message, tuple) and message[0] == "listening"):
        control.close()
        process.kill()
        process.join()
        raise RuntimeError(f"the embedded server did not start (exit status {process.exitcode})")
    return ServerProcess(process, control, message[1])


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m aiohttpcore.cli._server``: serve in the foreground until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m aiohttpcore.cli._server", description=__doc__.partition("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--unix", metavar="PATH", help="listen on this Unix socket instead")
    parser.add_argument("--cpu", type=int, help="pin the server to this CPU")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"))
    args = parser.parse_args(argv)
    pin(None if args.cpu is None else {args.cpu})

    async def serve() -> int:
        server = BenchServer(args.host, args.port, path=args.unix)
        await server.start()
        where = f"unix:{args.unix}" if args.unix else f"http://{args.host}:{server.port}/"
        print(f"listening on {where} (Ctrl-C stops)", file=sys.stderr, flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            print(f"{server.requests} requests answered", file=sys.stderr)
            await server.aclose()
        return 0

    with contextlib.suppress(KeyboardInterrupt):
        run_async(serve(), loop=args.loop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
