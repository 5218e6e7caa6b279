"""An object used on an event loop, then garbage-collected after that loop closed.

What it owns: the one scenario in which ``__del__`` of a pool or a
connection must not touch its loop (closing a transport schedules its
``connection_lost`` there, and a closed loop raises ``RuntimeError('Event
loop is closed')``, unraisable inside ``__del__``). :func:`outlive_the_loop`
runs it and hands back everything the collection said, for the test to judge.

The server is a blocking thread, not a server on the loop: the connection
must outlive the loop, which a server on that loop could not let it do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import socket
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from .rawserver import http_response

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Leftovers:
    """What closing the loop and collecting the object said."""

    at_close: list[warnings.WarningMessage]  #: warned while the loop closed
    at_collection: list[warnings.WarningMessage]  #: warned while the object was collected
    unraisable: list[object]  #: what ``sys.unraisablehook`` saw (an error in ``__del__``)
    collected: bool  #: the object is gone
    server_saw_close: bool  #: the server saw the client's end of the connection

    @property
    def warnings(self) -> list[warnings.WarningMessage]:
        """Everything warned, closing and collecting."""
        return self.at_close + self.at_collection


def _answer_once_then_wait(listener: socket.socket, closed: threading.Event) -> None:
    """Accept one connection, answer one request with ``200 ok``, wait for the client's close."""
    listener.settimeout(5.0)
    connection, _ = listener.accept()
    with connection:
        connection.settimeout(5.0)
        head = b""
        while b"\r\n\r\n" not in head:
            head += connection.recv(65536)
        connection.sendall(http_response(b"ok"))
        while connection.recv(65536):
            pass
    closed.set()


def outlive_the_loop(
    new_loop: Callable[[], asyncio.AbstractEventLoop],
    make: Callable[[int], T],
    use: Callable[[T, int], Coroutine[Any, Any, None]],
) -> Leftovers:
    """``make(port)`` an object, ``use(it, port)`` on a new loop, close the loop, collect it.

    *use* makes one request to the server on 127.0.0.1:*port* (it answers
    ``200 ok`` once) and asserts what it likes; the object is referenced
    only here, so it is collected by the ``gc.collect()`` this function runs.
    """
    closed = threading.Event()
    unraisable: list[object] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        server = threading.Thread(target=_answer_once_then_wait, args=(listener, closed))
        server.start()
        port = listener.getsockname()[1]
        thing = make(port)
        loop = new_loop()
        try:
            loop.run_until_complete(use(thing, port))
        finally:
            # uvloop closes (and warns about) the transports still open as its loop closes.
            with warnings.catch_warnings(record=True) as at_close:
                warnings.simplefilter("always")
                loop.close()
        ref = weakref.ref(thing)
        del thing
        with (
            pytest.MonkeyPatch.context() as patch,
            warnings.catch_warnings(record=True) as at_collection,
        ):
            patch.setattr(sys, "unraisablehook", unraisable.append)
            warnings.simplefilter("always")
            gc.collect()
        saw_close = closed.wait(2.0)
        server.join(2.0)
    return Leftovers(at_close, at_collection, unraisable, ref() is None, saw_close)
