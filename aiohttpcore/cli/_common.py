"""What the ``get`` and ``bench`` commands share: options, error reporting, the loop.

It owns the request options both commands accept (headers, TLS trust,
timeouts, a body), their translation into :class:`~aiohttpcore.ConnectionPool`
keyword arguments, the one place where an exception becomes a line on
stderr and an exit status, and the choice of event loop. Like all of
``cli/`` it imports the public API (``aiohttpcore``) only, never a module
of the library below it (DESIGN.md, "Layers").

Exit statuses, chosen to match curl's where curl has one (``man curl``,
"EXIT CODES"), so scripts written for curl read ours the same way:

====  ===========================================================
0     success
1     any other failure: a protocol error, a reset, a local file
2     usage: a bad option, header, URL or request (as argparse)
6     the host name could not be resolved
7     the connection could not be opened (refused, unreachable)
22    ``--fail`` and the response status is 400 or more
23    the output (stdout or ``-o FILE``) could not be written
28    a timeout: connect, read, write or waiting for the pool
35    the TLS handshake or the certificate check failed
130   interrupted (Ctrl-C), as a shell reports SIGINT
====  ===========================================================
"""

from __future__ import annotations

import argparse
import asyncio
import math
import socket
import ssl
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final

import aiohttpcore

__all__ = [
    "EXIT_CONNECT",
    "EXIT_ERROR",
    "EXIT_HTTP",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_RESOLVE",
    "EXIT_TIMEOUT",
    "EXIT_TLS",
    "EXIT_USAGE",
    "EXIT_WRITE",
    "UsageError",
    "add_request_options",
    "parse_headers",
    "pool_options",
    "report_error",
    "request_body",
    "run_async",
]

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_RESOLVE: Final = 6
EXIT_CONNECT: Final = 7
EXIT_HTTP: Final = 22
EXIT_WRITE: Final = 23
EXIT_TIMEOUT: Final = 28
EXIT_TLS: Final = 35
EXIT_INTERRUPTED: Final = 130


class UsageError(Exception):
    """The command line asks for something that cannot be done as written.

    Raised before any request is sent; the exit status is 2, as argparse
    uses for its own usage errors. The message says what to fix.
    """

    exit_status: int = EXIT_USAGE


def _seconds(text: str) -> float:
    """An argparse type: a finite, non-negative number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be finite and >= 0, not {text!r}")
    return value


def add_request_options(
    parser: argparse.ArgumentParser, *, data_flags: Sequence[str] = ("-d", "--data")
) -> None:
    """Register the options every command that sends requests accepts.

    ``-H/--header`` (repeatable, into ``args.headers``), ``--insecure``,
    ``--cacert FILE``, ``--timeout SECONDS``, a body (``args.data``) and
    ``--debug``. A command whose ``-d`` means something else (``bench -d``
    is a duration) passes other *data_flags*; the destination stays
    ``data``, so :func:`request_body` reads it either way.
    """
    group = parser.add_argument_group("request options")
    group.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header; repeat for more",
    )
    group.add_argument(
        *data_flags,
        dest="data",
        metavar="DATA",
        help="send DATA as the body; @FILE sends a file's bytes, @- standard input",
    )
    group.add_argument(
        "--insecure",
        action="store_true",
        help="do not verify the server's TLS certificate: anyone on the path can read it all",
    )
    group.add_argument(
        "--cacert",
        metavar="FILE",
        help="trust the CA certificates in this PEM file instead of the system's",
    )
    group.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="budget for each of connect, read, write and pool waits (default: the library's)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of an error instead of one line",
    )


def parse_headers(values: list[str]) -> list[tuple[str, str]]:
    """Split each ``'Name: value'`` at its first colon, as curl's ``-H`` does.

    Whitespace around the name and the value is dropped; the library checks
    what is left (a name must be a token, no CR/LF/NUL anywhere).

    Raises:
        UsageError: a value has no colon or an empty name.
    """
    headers: list[tuple[str, str]] = []
    for value in values:
        name, colon, rest = value.partition(":")
        if not colon or not name.strip():
            raise UsageError(f"header {value!r} is not of the form 'Name: value'")
        headers.append((name.strip(), rest.strip()))
    return headers


def pool_options(args: argparse.Namespace) -> dict[str, object]:
    """The :class:`~aiohttpcore.ConnectionPool` keyword arguments the common options set.

    ``verify`` and ``cafile`` always; ``timeout`` only when ``--timeout``
    was given, so the library's defaults stay the defaults.

    Raises:
        UsageError: the ``--cacert`` file cannot be loaded (checked here, once,
            so that it is a usage error before anything is sent).
    """
    if args.cacert is not None:
        try:
            ssl.create_default_context(cafile=args.cacert)
        except (OSError, ssl.SSLError) as error:
            raise UsageError(f"cannot load --cacert {args.cacert}: {error}") from error
    options: dict[str, object] = {"verify": not args.insecure, "cafile": args.cacert}
    if args.timeout is not None:
        options["timeout"] = aiohttpcore.Timeout.all(args.timeout)
    return options


def request_body(args: argparse.Namespace) -> bytes | None:
    """The body the data option asks for, or ``None`` when it was not given.

    ``@FILE`` reads the file's bytes as they are (curl's ``--data-binary``:
    no newline is stripped), ``@-`` reads standard input, anything else is
    sent as its UTF-8 encoding. The body is read whole: for a body larger
    than memory, use the library's streamed upload instead.

    Raises:
        UsageError: the file cannot be read.
    """
    data: str | None = args.data
    if data is None:
        return None
    if not data.startswith("@"):
        return data.encode("utf-8")
    path = data[1:]
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise UsageError(f"cannot read the body from {path!r}: {error.strerror}") from error


def _exit_status(error: BaseException) -> int:
    """The exit status for *error*; the table is in the module docstring."""
    status = getattr(error, "exit_status", None)
    if isinstance(status, int):
        return status
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, aiohttpcore.TLSError):
        return EXIT_TLS
    if isinstance(error, TimeoutError):  # ours all are builtin TimeoutErrors too
        return EXIT_TIMEOUT
    if isinstance(error, aiohttpcore.ConnectError):
        # The resolver keeps the socket.gaierror as the cause.
        if isinstance(error.__cause__, socket.gaierror):
            return EXIT_RESOLVE
        return EXIT_CONNECT
    if isinstance(error, aiohttpcore.InvalidRequest | argparse.ArgumentError):
        return EXIT_USAGE  # InvalidURL included: fixed by the caller, not by a retry
    return EXIT_ERROR


def report_error(error: BaseException, *, debug: bool, program: str = "aiohttpcore") -> int:
    """Tell the user what failed, in one line on stderr, and give the exit status.

    The line is ``<program>: error: <message>``; the library's messages name
    the host, so nothing is added. With *debug* the full traceback is
    printed instead. An exception carrying an ``int`` ``exit_status``
    attribute (as :class:`UsageError`) exits with it; any other is mapped
    by the table in this module's docstring.
    """
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    else:
        message = str(error) or type(error).__name__
        if isinstance(error, KeyboardInterrupt):
            message = "interrupted"
        print(f"{program}: error: {message}", file=sys.stderr)
    return _exit_status(error)


def _loop_factory(loop: str | None) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The factory for *loop*; ``None`` (asyncio's own) when no uvloop is wanted or installed.

    Raises:
        UsageError: ``loop`` is unknown, or ``"uvloop"`` is not installed.
    """
    if loop not in {None, "asyncio", "uvloop"}:
        raise UsageError(f"unknown event loop {loop!r}: choose asyncio or uvloop")
    if loop == "asyncio":
        return None
    try:
        import uvloop  # optional: the cli extra installs it
    except ImportError:
        if loop == "uvloop":
            raise UsageError("--loop uvloop: uvloop is not installed") from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run_async(coro: Coroutine[Any, Any, int], *, loop: str | None = None) -> int:
    """Run *coro* to completion on a new event loop and return its exit status.

    The loop is uvloop when it is installed (its transports cost less per
    request) unless *loop* says ``"asyncio"``; ``"uvloop"`` insists on it.

    Raises:
        UsageError: the requested loop is unknown or not installed; *coro*
            is closed unrun.
    """
    try:
        factory = _loop_factory(loop)
    except UsageError:
        coro.close()
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)
