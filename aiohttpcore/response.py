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
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Callable
from typing import Final

from .exceptions import HTTPException, StateError
from .headers import Headers
from .protocol import Data, EndOfMessage, ResponseHead
from .stream import HTTPStream

__all__ = ["Response"]

_DISCARD_BUFFER: Final = 64 * 1024


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
        "_done",
        "_on_done",
        "_reading",
        "_stream",
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

    # ------------------------------------------------------------ httplib's names

    @property
    def msg(self) -> Headers:
        """httplib's name for :attr:`headers`."""
        return self.headers

    @property
    def closed(self) -> bool:
        """True once the body has been read to its end (or discarded)."""
        return self._done

    @property
    def length(self) -> int | None:
        """Body bytes still to come when the length is announced (httplib's ``length``)."""
        value = self.headers.get("content-length")
        if self._done:
            return 0
        if value is None or "transfer-encoding" in self.headers or not value.isdigit():
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
        self._reading = True

    def close(self) -> None:
        """Give the response up (httplib's ``close``).

        With its body fully read this only marks it closed. Otherwise the
        unread rest can never be told apart from the next response, so the
        connection is closed with it: nothing is silently skipped.
        """
        if self._done:
            return
        self._done = True
        self._buffered = b""
        self._stream.abort()
        self._on_done(self)

    def _failed(self) -> None:
        """A read failed: the body is lost and so is the connection; nothing to warn about."""
        if not self._done:
            self._done = True
            self._buffered = b""
            self._on_done(self)

    def _finish(self, end: EndOfMessage) -> None:
        self.trailers = end.trailers
        self._done = True
        self._on_done(self)

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
        except HTTPException:
            self._failed()
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
        except HTTPException:
            self._failed()
            raise

    async def _next_chunk(self) -> bytes:
        """The next body bytes as one piece, or ``b""`` at the end."""
        data = self._poll_chunk()
        if data is not None:
            return data
        try:
            event = await self._stream.next_event()
        except HTTPException:
            self._failed()
            raise
        return self._chunk_of(event)

    async def read(self, amount: int = -1) -> bytes:
        """Up to *amount* body bytes (at least one unless at the end); all of them if negative.

        Returns ``b""`` at the end of the body.
        """
        if amount < 0:
            return await self.readall()
        self._enter()
        try:
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
        a large download costs no copy and no allocation per read.
        """
        self._enter()
        try:
            with memoryview(buffer) as target:
                view = target.cast("B") if target.format != "B" else target
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

    async def readall(self) -> bytes:
        """The whole rest of the body."""
        self._enter()
        try:
            pieces = []
            while True:
                data = self._poll_chunk()
                if data is None:
                    data = await self._next_chunk()
                if not data:
                    break
                pieces.append(data)
            body = pieces[0] if len(pieces) == 1 else b"".join(pieces)
            self.received += len(body)
            return body
        finally:
            self._reading = False

    async def discard(self) -> None:
        """Read the rest of the body and throw it away, without keeping it in memory."""
        self._enter()
        try:
            self._buffered = b""
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
                data = await self._next_chunk()
            finally:
                self._reading = False
            if not data:
                return
            self.received += len(data)
            yield data
