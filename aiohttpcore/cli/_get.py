"""``aiohttpcore get URL``: one request, its body to stdout or a file; a small curl.

It owns the ``get`` command: its options, the request it makes through a
:class:`~aiohttpcore.ConnectionPool` (the public API only), the streaming
of the body to its destination, the progress bar and the ``-v`` trace.

Rules it keeps:

* Memory does not grow with the body: the body is read with ``readinto``
  into one reusable buffer and written out as it arrives (DESIGN.md,
  "What never happens").
* Nothing is written to the output before the response head has been
  judged: with ``--fail`` a 4xx/5xx response leaves no file behind, and a
  connection error leaves none either. The file is created when the body
  starts, as curl does; a transfer cut short leaves what arrived.
* The body is written as received: no ``Accept-Encoding`` is sent and no
  ``Content-Encoding`` undone (curl without ``--compressed``), so ``-v``
  shows every header that goes on the wire and ``-o`` gets the bytes
  ``Content-Length`` counts.
* stdout carries the body (or, with ``-I``, the response head) and nothing
  else; ``-v`` lines, the progress bar and errors go to stderr.

Exit statuses are the table of :mod:`aiohttpcore.cli._common`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Final

import aiohttpcore

from ._common import (
    EXIT_HTTP,
    EXIT_OK,
    EXIT_WRITE,
    UsageError,
    add_request_options,
    parse_headers,
    pool_options,
    request_body,
    run_async,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["add_parser", "run"]

#: The reusable read buffer: 256 KiB keeps the number of reads (and of
#: writes to the output) per GiB at 4096 while costing nothing noticeable.
CHUNK: Final = 256 * 1024
#: A download shows its progress bar once it is longer than either.
PROGRESS_BYTES: Final = 1 << 20
PROGRESS_SECONDS: Final = 0.5
#: Methods sent without ``Content-Length: 0`` when they have no body (the
#: writer's rule, RFC 9110 §8.6); used only to show the head with ``-v``.
_NO_CONTENT_METHODS: Final = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

_EPILOG = """\
exit status: 0 success, 1 other failure, 2 usage (bad option, header or URL),
6 cannot resolve the host, 7 cannot connect, 22 --fail and status >= 400,
23 cannot write the output, 28 timeout, 35 TLS failure, 130 interrupted
"""


class HTTPFailure(Exception):
    """``--fail`` and the server answered 400 or more; the exit status is 22, as curl's."""

    exit_status: int = EXIT_HTTP


class OutputError(Exception):
    """The body could not be written to its destination; the exit status is 23, as curl's."""

    exit_status: int = EXIT_WRITE


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Plan:
    """Everything the command line asks for, checked before any I/O."""

    method: str
    url: aiohttpcore.URL
    text_url: str
    headers: list[tuple[str, str]]
    body: bytes | None
    output: str | None  # None or "-": stdout
    head_only: bool
    verbose: bool
    fail: bool
    progress: bool
    pool: dict[str, object]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``get`` and its options on the top-level parser's *subparsers*."""
    parser = subparsers.add_parser(
        "get",
        help="fetch a URL: the body to stdout or a file (a small curl)",
        description="Send one request and write the response body to stdout or -o FILE.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", metavar="URL", help="an http://, https:// or http+unix:// URL")
    parser.add_argument(
        "-X",
        "--request",
        metavar="METHOD",
        help="the method (default GET; POST with -d; HEAD with -I)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the body to FILE ('-': stdout)"
    )
    parser.add_argument(
        "-I",
        "--head",
        action="store_true",
        help="send HEAD and write the response head instead of a body",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the request and response heads on stderr ('>' sent, '<' received)",
    )
    parser.add_argument(
        "-f",
        "--fail",
        action="store_true",
        help="exit 22 without writing the body when the status is 400 or more",
    )
    parser.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="no progress bar (there is none unless -o FILE and stderr is a terminal)",
    )
    parser.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        help="the event loop (default: uvloop when installed)",
    )
    add_request_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``get`` as *args* say; return the exit status.

    Raises:
        UsageError, aiohttpcore.InvalidURL: the command line cannot be
            carried out; nothing was sent.
        aiohttpcore.HTTPException: a subclass, when the exchange failed.
        HTTPFailure, OutputError: as their docstrings say.
    """
    return run_async(_fetch(_plan(args)), loop=args.loop)


def _plan(args: argparse.Namespace) -> _Plan:
    """Check the command line and settle what to send, before any I/O."""
    url = aiohttpcore.parse_url(args.url)
    body = request_body(args)
    if args.head and body is not None and args.request is None:
        # With -X the method is the caller's, and -I only prints the head (curl's way).
        raise UsageError("-I sends HEAD, which has no body: drop -d, or name the method with -X")
    method = args.request or ("HEAD" if args.head else "GET" if body is None else "POST")
    output = None if args.output in {None, "-"} else args.output
    return _Plan(
        method=method,
        url=url,
        text_url=args.url,
        headers=_request_headers(parse_headers(args.headers)),
        body=body,
        output=output,
        head_only=args.head,
        verbose=args.verbose,
        fail=args.fail,
        progress=args.progress and output is not None and sys.stderr.isatty(),
        pool=pool_options(args),
    )


def _request_headers(given: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """curl's default headers, each unless the user gave it, then the user's own, in order."""
    names = {name.lower() for name, _ in given}
    defaults = [("User-Agent", f"aiohttpcore/{aiohttpcore.__version__}"), ("Accept", "*/*")]
    return [*(pair for pair in defaults if pair[0].lower() not in names), *given]


def _host(url: aiohttpcore.URL) -> str:
    """``host:port`` as the library's errors name it."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return host if url.scheme == "http+unix" else f"{host}:{url.port}"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def _fetch(plan: _Plan) -> int:
    """Make the request and write out what the plan asks for."""
    trace = _tracer(plan) if plan.verbose else None
    with warnings.catch_warnings():
        # --insecure is the user's explicit choice, as curl's -k: no warning.
        warnings.simplefilter("ignore", aiohttpcore.InsecureRequestWarning)
        pool = aiohttpcore.ConnectionPool(
            max_connections=1,
            decode_content=False,
            trace=trace,
            **plan.pool,  # type: ignore[arg-type]  # pool_options() is loosely typed, for both commands
        )
    if plan.verbose and plan.pool.get("verify") is False:
        _say("* TLS certificates are not verified (--insecure)")
    async with (
        pool,
        pool.request(plan.method, plan.text_url, headers=plan.headers, body=plan.body) as resp,
    ):
        if plan.verbose:
            for line in _response_head(resp):
                _say(f"< {line}")
            _say("<")
        if plan.fail and resp.status >= 400:
            raise HTTPFailure(
                f"the server answered {int(resp.status)} {resp.reason} (host {_host(plan.url)})"
            )
        if plan.head_only:
            _write_head(resp, plan.output)
        else:
            await _write_body(resp, plan)
    return EXIT_OK


def _tracer(plan: _Plan) -> Callable[[aiohttpcore.TraceEvent], None]:
    """The pool's trace hook for ``-v``: curl's ``*`` and ``>`` lines."""

    def trace(event: aiohttpcore.TraceEvent) -> None:
        if event.name == "connect_start":
            _say(f"* connecting to {event.origin}")
        elif event.name == "connect_end":
            _say(f"* connected to {event.origin} (connection #{event.connection})")
        elif event.name == "request_sent":
            for line in _request_head(plan):
                _say(f"> {line}")
            _say(">")
            if plan.body:
                _say(f"* sent a body of {len(plan.body)} bytes")

    return trace


def _request_head(plan: _Plan) -> list[str]:
    """The request head as the library's writer puts it on the wire (for ``-v``).

    The writer sends ``Host`` first unless given, then the fields in order,
    then ``Content-Length`` unless the caller framed the body itself.
    """
    names = {name.lower() for name, _ in plan.headers}
    lines = [f"{plan.method} {plan.url.target} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {plan.url.host_header}")
    lines.extend(f"{name}: {value}" for name, value in plan.headers)
    framed = bool(names & {"content-length", "transfer-encoding"})
    if not framed and (plan.body or plan.method not in _NO_CONTENT_METHODS):
        lines.append(f"Content-Length: {len(plan.body or b'')}")
    return lines


def _response_head(resp: aiohttpcore.Response) -> list[str]:
    """The status line and header lines as received (names keep their case)."""
    version = "HTTP/1.0" if resp.version == 10 else "HTTP/1.1"
    status = f"{version} {int(resp.status)} {resp.reason}".rstrip()
    return [status, *(f"{name}: {value}" for name, value in resp.headers.multi_items())]


def _write_head(resp: aiohttpcore.Response, output: str | None) -> None:
    """``-I``: the response head where the body would go (stdout or ``-o FILE``), as curl."""
    text = "".join(f"{line}\n" for line in _response_head(resp)) + "\n"
    with _Sink(output) as sink:
        sink.write(text.encode("latin-1", "replace"))


async def _write_body(resp: aiohttpcore.Response, plan: _Plan) -> None:
    """Copy the body to its destination chunk by chunk, through one buffer."""
    buffer = bytearray(CHUNK)
    progress = _ProgressBar(resp.length, name=plan.output or "", enabled=plan.progress)
    with _Sink(plan.output) as sink, memoryview(buffer) as view, progress:
        while count := await resp.readinto(view):
            sink.write(view[:count])
            progress.advance(count)


class _Sink:
    """The body's destination: stdout's binary buffer, or a file created (truncated) on entry.

    Only its own operations translate ``OSError`` into :class:`OutputError`:
    an error raised by the network while the sink is open passes untouched
    (a read timeout is a builtin ``TimeoutError``, hence an ``OSError`` too).
    """

    __slots__ = ("_file", "name", "path")

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.name = path or "standard output"
        self._file: IO[bytes] = sys.stdout.buffer

    def __enter__(self) -> _Sink:
        if self.path is not None:
            try:
                self._file = open(self.path, "wb")  # closed by __exit__
            except OSError as error:
                raise self._failed(error) from error
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.path is None:
                self._file.flush()
            else:
                self._file.close()
        except OSError as error:
            raise self._failed(error) from error

    def write(self, data: bytes | memoryview) -> None:
        """Write all of *data*, or raise :class:`OutputError`."""
        try:
            self._file.write(data)
        except OSError as error:
            raise self._failed(error) from error

    def _failed(self, error: OSError) -> OutputError:
        if isinstance(error, BrokenPipeError):
            # The reader went away (``| head``). Point stdout at /dev/null so
            # that Python's flush at exit does not fail again (Python docs,
            # signal module, "Note on SIGPIPE").
            with contextlib.suppress(OSError, ValueError, AttributeError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            return OutputError(f"cannot write to {self.name}: the reader closed the pipe")
        return OutputError(f"cannot write to {self.name}: {error.strerror or error}")


class _ProgressBar:
    """A rich progress bar (size, speed, ETA) on stderr, shown only for a long download.

    Long means more than :data:`PROGRESS_BYTES` received or more than
    :data:`PROGRESS_SECONDS` elapsed, so a small file fetched in a blink
    leaves no bar behind. Without rich (it comes with the ``cli`` extra)
    there is no bar.
    """

    def __init__(
        self,
        total: int | None,
        *,
        name: str,
        enabled: bool,
        console: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.name = name
        self.enabled = enabled
        self.done = 0
        self._console = console
        self._clock = clock
        self._started = clock()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    @property
    def shown(self) -> bool:
        """Whether the bar is on the screen (the download turned out long)."""
        return self._bar is not None

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, count: int) -> None:
        """Count *count* more bytes; show the bar once the download is long."""
        self.done += count
        if not self.enabled:
            return
        if self._bar is None:
            long = self.done > PROGRESS_BYTES or self._clock() - self._started > PROGRESS_SECONDS
            if not long:
                return
            self._start()
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done)

    def _start(self) -> None:
        try:
            from rich.console import Console  # optional: the cli extra
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )
        except ImportError:
            self.enabled = False
            return
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=self._console or Console(file=sys.stderr),
        )
        self._bar.start()
        self._task = self._bar.add_task(self.name, total=self.total, completed=self.done)
