"""Response: the status, the headers and an async reader of one response's body.

What it owns: reading one body through the connection's stream, exactly
once, in the caller's choice of ``read(n)``, ``readinto(buf)``,
``readall()``, ``discard()`` or ``async for``; httplib's attribute names
(``status``, ``reason``, ``version``, ``msg``, ``getheader``, ``length``,
``closed``). What it must not do: import the connection or the pool. It
reports the end of its body through the ``on_done`` callback its creator
hands it, which is how a connection learns it may carry the next exchange.

Rules it keeps: two tasks reading one body at once raise at once
(:class:`~aiohttpcore.exceptions.StateError`, CONVENTIONS.md rule 8); a
response dropped with its body unread warns ``ResourceWarning`` (rule 15),
because its connection then cannot be reused.

Decoding: the pool may attach a :class:`~aiohttpcore._decoders.ContentDecoder`
for the body's ``Content-Encoding``; every reader then hands out decoded
bytes, never more at a time than the reader asked for (``readinto`` never
more than the buffer holds), so a decompression bomb costs no memory. The
connection is released as soon as the *encoded* body has arrived; decoded
bytes still inside the decoder are read without it. ``discard`` skips
decoding: what is thrown away need not be decompressed.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable
from typing import Final

from ._decoders import ContentDecoder
from .exceptions import DecodingError, HTTPException, StateError
from .headers import Headers
from .protocol import Data, EndOfMessage, ResponseHead
from .stream import HTTPStream

__all__ = ["Response"]

_DISCARD_BUFFER: Final = 64 * 1024
# The most decoded bytes one read(-1)/readall() step or iteration step yields.
_DECODE_STEP: Final = 256 * 1024


class Response:
    """One response; its body is read from the connection as the caller asks.

    Attributes:
        status: an :class:`http.HTTPStatus` member, or the plain ``int`` of
            an unknown code.
        reason: the reason phrase as sent (may be empty).
        version: ``10`` or ``11``, as ``http.client`` has it.
        headers: the response's :class:`~aiohttpcore.headers.Headers`
            (``msg`` is httplib's name for them).
        method: the method of the request this answers.
        trailers: the trailer fields of a chunked body, once it is read.
    """

    __slots__ = (
        "_buffered",
        "_content",
        "_decoder",
        "_done",
        "_error",
        "_given_up",
        "_on_done",
        "_reading",
        "_release",
        "_stream",
        "_unread",
        "headers",
        "method",
        "reason",
        "received",
        "status",
        "trailers",
        "version",
    )

    def __init__(
        self,
        head: ResponseHead,
        stream: HTTPStream,
        *,
        method: str,
        on_done: Callable[[Response], None],
        bodiless: bool = False,
    ) -> None:
        self.status = head.status
        self.reason = head.reason
        self.version = head.http_version
        self.headers = head.headers
        self.method = method
        self.trailers = Headers()
        self.received = 0
        """Body bytes handed to the caller so far."""
        self._stream = stream
        self._on_done = on_done
        self._buffered = b""  # the rest of a Data event larger than a read asked for
        self._reading = False
        self._done = bodiless
        # Ended without its end: closed unread, or a read failed. Reads then
        # return b"" as httplib's do, but content never claims that was the body.
        self._given_up = False
        # Why the body failed: every later read raises it again, rather than
        # return b"" as if the body had ended there.
        self._error: HTTPException | None = None
        # Decoded bytes a cancelled readall() had gathered, for the next read.
        self._unread = b""
        self._release: Callable[[Response, str], None] | None = None
        self._decoder: ContentDecoder | None = None
        self._content: bytes | None = None

    def __repr__(self) -> str:
        return f"<Response [{int(self.status)} {self.reason}]>"

    def __del__(self) -> None:
        if not self._done:
            warnings.warn(
                f"{self!r} was garbage-collected with its body unread; "
                "read, discard or close it so its connection can be reused or closed",
                ResourceWarning,
                stacklevel=1,
            )

    def _set_release(self, callback: Callable[[Response, str], None]) -> bool:
        """Call *callback* once the body's end has arrived (or the body was given up).

        The pool's hook for giving the connection back; its second argument
        says how the body ended: ``"end"``, ``"unread"`` (closed before its
        end) or ``"error"``. Returns ``False`` (and keeps nothing) when the
        body came with the head, or there is none: release now.
        """
        if self._done:
            return False
        self._release = callback
        return True

    def _notify_done(self, how: str) -> None:
        self._on_done(self)
        release, self._release = self._release, None
        if release is not None:
            release(self, how)

    @property
    def content(self) -> bytes:
        """The whole body, once :meth:`readall` (or ``await pool.request(...)``) read it.

        Raises:
            StateError: the body has not been read whole.
        """
        if self._content is None:
            detail = (
                "the body was given up (closed or failed) before it was read whole"
                if self._given_up
                else "the body was not read: use readall() (or await pool.request(...))"
            )
            raise StateError(detail, host=self._stream.label)
        return self._content

    # ------------------------------------------------------------ httplib's names

    @property
    def msg(self) -> Headers:
        """httplib's name for :attr:`headers`."""
        return self.headers

    @property
    def closed(self) -> bool:
        """True once the body has been read to its end (or discarded)."""
        return self._done and not self._buffered

    @property
    def length(self) -> int | None:
        """Body bytes still to come when the length is announced (httplib's ``length``)."""
        value = self.headers.get("content-length")
        if self._done:
            return len(self._buffered)
        if value is None or self._decoder is not None or not value.isdigit():
            return None
        if "transfer-encoding" in self.headers:
            return None
        return int(value) - self.received

    def getheader(self, name: str, default: str | None = None) -> str | None:
        """The header's values joined with ", ", or *default* (httplib)."""
        return self.headers.get(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        """Every header line as ``(name, value)`` (httplib)."""
        return self.headers.multi_items()

    # ------------------------------------------------------------ reading

    def _enter(self) -> None:
        if self._reading:
            raise StateError(
                "another task is already reading this response's body", host=self._stream.label
            )
        if self._error is not None:
            raise self._error
        self._reading = True

    def close(self) -> None:
        """Give the response up (httplib's ``close``).

        With its body fully read this only marks it closed. Otherwise the
        unread rest can never be told apart from the next response, so the
        connection is closed with it: nothing is silently skipped.
        """
        if self._done:
            self._buffered = self._unread = b""
            return
        self._done = True
        self._given_up = True
        self._buffered = self._unread = b""
        self._decoder = None
        self._stream.abort()
        self._notify_done("unread")

    def _failed(self, error: HTTPException) -> None:
        """A read failed: the body is lost and so is the connection; nothing to warn about."""
        self._error = error
        if not self._done:
            self._done = True
            self._given_up = True
            self._buffered = b""
            self._notify_done("error")

    def _finish(self, end: EndOfMessage) -> None:
        self.trailers = end.trailers
        self._done = True
        self._notify_done("end")

    def _poll_chunk(self) -> bytes | None:
        """The next body bytes if they are here now, ``b""`` at the end, ``None`` to wait.

        A small response is read whole without a single ``await``.
        """
        if self._buffered:
            data, self._buffered = self._buffered, b""
            return data
        if self._done:
            return b""
        try:
            event = self._stream.poll_event()
        except HTTPException as error:
            self._failed(error)
            raise
        return None if event is None else self._chunk_of(event)

    def _chunk_of(self, event: object) -> bytes:
        if isinstance(event, Data):
            return event.data
        assert isinstance(event, EndOfMessage), event
        self._finish(event)
        return b""

    async def _stream_readinto(self, view: memoryview) -> int | EndOfMessage:
        try:
            return await self._stream.readinto(view)
        except HTTPException as error:
            self._failed(error)
            raise

    async def _next_chunk(self) -> bytes:
        """The next body bytes as one piece, or ``b""`` at the end."""
        data = self._poll_chunk()
        if data is not None:
            return data
        try:
            event = await self._stream.next_event()
        except HTTPException as error:
            self._failed(error)
            raise
        return self._chunk_of(event)

    async def _decoded(self, decoder: ContentDecoder, limit: int) -> bytes:
        """The next decoded bytes, at most *limit* of them; ``b""`` at the end of the body."""
        unread = self._unread
        if unread:
            data, self._unread = unread[:limit], unread[limit:]
            return data
        try:
            while True:
                data = decoder.read(limit)
                if data:
                    return data
                if self._done:
                    decoder.finish()
                    return b""
                raw = await self._next_chunk()
                if raw:
                    decoder.feed(raw)
        except DecodingError as error:
            self.close()  # the rest of the body is worthless: so is the connection
            self._error = error
            raise

    async def read(self, amount: int = -1) -> bytes:
        """Up to *amount* body bytes (at least one unless at the end); all of them if negative.

        Returns ``b""`` at the end of the body.
        """
        if amount < 0:
            return await self.readall()
        self._enter()
        try:
            decoder = self._decoder
            if decoder is not None:
                data = await self._decoded(decoder, amount) if amount else b""
                self.received += len(data)
                return data
            data = await self._next_chunk() if amount else b""
            if len(data) > amount:
                data, self._buffered = data[:amount], data[amount:]
            self.received += len(data)
            return data
        finally:
            self._reading = False

    async def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill *buffer* with the next body bytes; return how many (0 at the end).

        While nothing is buffered, the transport writes into *buffer* itself:
        a large download costs no copy and no allocation per read. So the
        buffer belongs to this call until it returns: two reads in flight
        at once (of different responses) must not share one. An empty
        buffer also returns 0.
        """
        self._enter()
        try:
            with memoryview(buffer) as target:
                view = target.cast("B") if target.format != "B" else target
                decoder = self._decoder
                if decoder is not None and view.nbytes:
                    data = await self._decoded(decoder, view.nbytes)
                    count = len(data)
                    view[:count] = data
                    self.received += count
                    return count
                if not view.nbytes or (self._done and not self._buffered):
                    return 0
                if self._buffered:
                    count = min(len(self._buffered), view.nbytes)
                    view[:count] = self._buffered[:count]
                    self._buffered = self._buffered[count:]
                    self.received += count
                    return count
                result = await self._stream_readinto(view)
                if isinstance(result, EndOfMessage):
                    self._finish(result)
                    return 0
                self.received += result
                return result
        finally:
            self._reading = False

    def _take_whole(self) -> bool:
        """Read the whole body now, without waiting, if it is all here: True when done so.

        A small body arrives with its head: it is taken in one piece, not
        as Data and EndOfMessage events (2.4 µs less), and without a
        coroutine (``await pool.request()`` calls this first). Not when
        decoding: a decoding error must still close the connection.
        """
        if (
            self._reading
            or self.received
            or self._buffered
            or self._decoder is not None
            or self._given_up
        ):
            return False
        if self._done:
            self._content = b""  # no body at all (HEAD, 204, 304, length 0)
            return True
        body = self._stream.whole_body()
        if body is None:
            return False
        self._done = True
        self._notify_done("end")
        self.received = len(body)
        self._content = body
        return True

    async def readall(self) -> bytes:
        """The whole rest of the body.

        Read from its first byte, the body is kept as :attr:`content`, and
        later calls return it again (``await pool.request(...)`` reads it
        so, and then ``await resp.read()`` gives the same bytes).
        """
        content = self._content
        if content is not None or self._take_whole():
            return self._content  # type: ignore[return-value]  # set by _take_whole
        self._enter()
        # Bytes gathered here are counted in `received` only once returned: a
        # cancelled call gives them back for the next read, in order.
        pieces: list[bytes] = []
        decoder = self._decoder
        try:
            whole = self.received == 0 and not self._given_up
            while True:
                data: bytes | None
                if decoder is not None:
                    data = await self._decoded(decoder, _DECODE_STEP)
                else:
                    data = self._poll_chunk()
                    if data is None:
                        data = await self._next_chunk()
                if not data:
                    break
                pieces.append(data)
        except BaseException as error:
            if pieces and not isinstance(error, HTTPException):
                if decoder is not None:
                    self._unread = b"".join(pieces) + self._unread
                else:
                    self._buffered = b"".join(pieces) + self._buffered
            raise
        finally:
            self._reading = False
        body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        self.received += len(body)
        if whole:
            self._content = body
        return body

    async def discard(self) -> None:
        """Read the rest of the body and throw it away, without keeping it in memory."""
        self._enter()
        try:
            self.received += len(self._buffered) + len(self._unread)
            self._buffered = self._unread = b""
            self._decoder = None  # what is thrown away need not be decompressed
            if self._done:
                return
            scratch = bytearray(_DISCARD_BUFFER)
            with memoryview(scratch) as view:
                while True:
                    result = await self._stream_readinto(view)
                    if isinstance(result, EndOfMessage):
                        self._finish(result)
                        return
                    self.received += result
        finally:
            self._reading = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[bytes]:
        while True:
            self._enter()
            try:
                decoder = self._decoder
                if decoder is not None:
                    data = await self._decoded(decoder, _DECODE_STEP)
                else:
                    data = await self._next_chunk()
            finally:
                self._reading = False
            if not data:
                return
            self.received += len(data)
            yield data
