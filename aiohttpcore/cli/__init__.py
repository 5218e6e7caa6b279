"""The ``aiohttpcore`` command line: ``aiohttpcore get URL`` and ``aiohttpcore bench [URL]``.

It owns the top-level parser and the dispatch to one module per command.
Each command module provides ``add_parser(subparsers)``, which registers
its subparser and sets ``run`` as its default, and ``run(args) -> int``,
which does the work and returns the exit status. What they share (request
options, error reporting, exit statuses, the event loop) lives in
:mod:`aiohttpcore.cli._common`. Like every module under ``cli/`` it uses
the public API only (``import aiohttpcore``).

Rules it keeps:

* :func:`main` returns the exit status and never raises for a user's
  mistake or a network failure: argparse's exits become return values,
  and an exception from a command becomes one line on stderr (a traceback
  with ``--debug``) through :func:`~aiohttpcore.cli._common.report_error`.
* A command whose module cannot be imported (``bench`` needs
  ``hdrhistogram``, from the ``cli`` extra) fails only when it is run,
  with that ``ImportError`` as its error; the other commands still work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Protocol

import aiohttpcore

from ._common import EXIT_ERROR, report_error

__all__ = ["main"]

PROGRAM = "aiohttpcore"

_Subparsers = argparse._SubParsersAction  # argparse's type for add_subparsers()' result
_Runner = Callable[[argparse.Namespace], int]


class _Command(Protocol):
    """What a command module provides (a module satisfies a Protocol, PEP 544)."""

    def add_parser(self, subparsers: _Subparsers[argparse.ArgumentParser], /) -> None: ...

    def run(self, args: argparse.Namespace, /) -> int: ...


class _Unavailable:
    """A stand-in for a command whose module failed to import: running it raises that error.

    Its subparser takes every argument as it comes (no option is known, so
    ``prefix_chars`` matches none), so the command line reaches :meth:`run`
    and the user reads why the command is missing rather than an argparse
    complaint about the options of a command that cannot run anyway.
    """

    def __init__(self, name: str, error: ImportError) -> None:
        self.name = name
        self.error = error

    def add_parser(self, subparsers: _Subparsers[argparse.ArgumentParser], /) -> None:
        parser = subparsers.add_parser(
            self.name,
            help=f"not available here ({self.error})",
            add_help=False,
            prefix_chars="\0",
        )
        parser.add_argument("arguments", nargs=argparse.REMAINDER)
        parser.set_defaults(run=self.run)

    def run(self, args: argparse.Namespace, /) -> int:
        args.debug = "--debug" in args.arguments
        message = f"the {self.name} command cannot start: {self.error}"
        missing = self.error.name or ""
        if missing and not missing.startswith("aiohttpcore"):
            message += "; install the cli extra: pip install 'aiohttpcore[cli]'"
        raise ImportError(message) from self.error


def _commands() -> list[_Command]:
    """The command modules, in the order ``--help`` lists them."""
    from . import _get  # imported here so that importing cli stays cheap

    try:
        from . import _bench  # may be missing: see the module's rules
    except ImportError as error:
        return [_get, _Unavailable("bench", error)]
    return [_get, _bench]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command's subparser registered."""
    parser = argparse.ArgumentParser(
        prog=PROGRAM,
        description="An asyncio HTTP/1.1 client: fetch a URL, or load-test a server.",
        epilog=f"Run '{PROGRAM} COMMAND -h' for a command's options.",
    )
    parser.add_argument(
        "--version", action="version", version=f"{PROGRAM} {aiohttpcore.__version__}"
    )
    subparsers = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND", required=True
    )
    for module in _commands():
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status.

    Args:
        argv: the arguments after the program name (``sys.argv[1:]`` when
            ``None``).

    Returns:
        0 on success; otherwise the status of the table in
        :mod:`aiohttpcore.cli._common` (2 for a usage error, as argparse).
        The console script passes it to ``sys.exit``.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or argparse's usage error (2)
        code = stop.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return EXIT_ERROR
    run: _Runner = args.run
    try:
        return run(args)
    except (Exception, KeyboardInterrupt) as error:
        return report_error(error, debug=getattr(args, "debug", False), program=PROGRAM)
