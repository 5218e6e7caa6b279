"""Every code example in the docs runs, against real local servers.

What runs (``docs/`` pages, see ``_rst.py`` for how blocks are found):

* ``python`` blocks: in order, one namespace per page (a page reads like a
  notebook: a later block may use what an earlier one defined), on one event
  loop per page (each page runs on asyncio's loop and on uvloop), in a fresh
  working directory. A block with a top-level
  ``await`` runs as ``python -m asyncio`` would run it (compiled with
  ``PyCF_ALLOW_TOP_LEVEL_AWAIT``, awaited on the page's loop); a block
  without one runs as a script, so ``asyncio.run(main())`` works too.
* ``console`` blocks: each ``$ aiohttpcore ...`` command (``\\`` continues a
  line) runs as ``python -m aiohttpcore ...`` in a subprocess and must exit
  0; a command ending in ``; echo $?`` must exit with the status its output
  ends with, so failures are examples too. Other commands (``pip``,
  ``nox``, ``python -m benchmarks...``) install things or run for minutes;
  they are shown, not run.

Where the examples point: port 8080 is a uvicorn (h11) server running
``tests/_support/app.py`` and 8443 the same over TLS; the numbers are
replaced by the servers' real ports (and ``http://localhost:8080`` by
``http://127.0.0.1:PORT``, where that server listens). The working
directory holds ``ca.pem`` (the CA of the TLS server) and ``client.pem`` /
``client.key`` (a client certificate that CA issued), the names the TLS page
uses.

Warnings are errors here as everywhere (``filterwarnings = error``), so an
example that leaves a pool or a response open, or turns verification off
without saying so, fails.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvloop
from _support.servers import Server, TLSFiles

from ._rst import DOCS, Block, blocks, pages

RUNNABLE = ("python", "console")
#: The loops users run us on, as ``tests/conftest.py`` has them for the asyncio tests.
LOOP_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}
#: The only program console examples run; the rest are shown, not run.
CLI = "aiohttpcore"
#: Per command: ``bench`` examples run for seconds, not minutes.
COMMAND_TIMEOUT = 60.0


def _runnable(path: Path) -> list[Block]:
    return [block for block in blocks(path) if block.language in RUNNABLE]


PAGES = [path for path in pages() if _runnable(path)]


def _page_id(path: Path) -> str:
    return str(path.relative_to(DOCS).with_suffix(""))


class Ports:
    """The replacements that point an example at the test servers."""

    def __init__(self, plain: Server, tls: Server) -> None:
        self._rules = (
            (re.compile(r"http://localhost:8080\b"), f"http://127.0.0.1:{plain.port}"),
            (re.compile(r"\b8080\b"), str(plain.port)),
            (re.compile(r"\b8443\b"), str(tls.port)),
        )

    def apply(self, text: str) -> str:
        for pattern, replacement in self._rules:
            text = pattern.sub(replacement, text)
        return text


def _write_client_files(tls_files: TLSFiles, directory: Path) -> None:
    (directory / "ca.pem").write_bytes(tls_files.ca_pem_path.read_bytes())
    client = tls_files.ca.issue_cert("client.docs.test")
    (directory / "client.pem").write_bytes(b"".join(b.bytes() for b in client.cert_chain_pems))
    (directory / "client.key").write_bytes(client.private_key_pem.bytes())


def _run_python(
    block: Block, source: str, namespace: dict[str, object], loop: asyncio.AbstractEventLoop
) -> None:
    # Padding keeps line numbers in a traceback equal to the page's.
    padded = "\n" * (block.line - 1) + source
    code = compile(padded, str(block.path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    if code.co_flags & inspect.CO_COROUTINE:
        loop.run_until_complete(eval(code, namespace))
    else:
        exec(code, namespace)


#: The shell idiom that shows a command's exit status as its last line of output.
ECHO_STATUS = "; echo $?"


def commands(text: str) -> Iterator[tuple[str, list[str]]]:
    """The ``$ ...`` lines of a console block (continuations joined), each with its output."""
    current: tuple[str, list[str]] | None = None
    pending: str | None = None
    for line in text.splitlines():
        if pending is not None:
            pending += " " + line.strip()
        elif line.startswith("$ "):
            if current is not None:
                yield current
                current = None
            pending = line[2:].strip()
        else:
            if current is not None:
                current[1].append(line)
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        current = (pending, [])
        pending = None
    if current is not None:
        yield current


def _expected_status(command: str, output: list[str], where: str) -> tuple[str, int]:
    """The command to run and the exit status it must end with (0 unless ``; echo $?``)."""
    if not command.endswith(ECHO_STATUS):
        return command, 0
    status = output[-1].strip() if output else ""
    assert status.isdigit(), f"{where}: `{command}` must end its output with the status it echoes"
    return command.removesuffix(ECHO_STATUS), int(output[-1])


def _run_console(block: Block, source: str, cwd: Path) -> None:
    for shown, output in commands(source):
        command, expected = _expected_status(shown, output, block.where)
        argv = shlex.split(command)
        if argv[0] != CLI:
            continue
        done = subprocess.run(
            [sys.executable, "-m", "aiohttpcore", *argv[1:]],
            cwd=cwd,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        assert done.returncode == expected, (
            f"{block.where}: `{command}` exited {done.returncode}, not {expected}\n"
            f"stdout:\n{done.stdout.decode(errors='replace')}\n"
            f"stderr:\n{done.stderr.decode(errors='replace')}"
        )


def _run_on(loop_factory: Callable[[], asyncio.AbstractEventLoop]) -> Callable[..., object]:
    """``asyncio.run`` on the loop *loop_factory* makes, for the examples that call it."""

    def run(main: Coroutine[Any, Any, object], *, debug: bool | None = None) -> object:
        with asyncio.Runner(debug=debug, loop_factory=loop_factory) as runner:
            return runner.run(main)

    return run


@pytest.mark.parametrize("loop_name", LOOP_FACTORIES)
@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_examples_run(
    page: Path,
    loop_name: str,
    uvicorn_h11_server: Server,
    uvicorn_h11_tls_server: Server,
    tls_files: TLSFiles,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each page on each loop users run us on (``tests/conftest.py``'s two).

    Examples that call ``asyncio.run`` get the same loop through it. The
    ``aiohttpcore`` commands run in both variants (a later Python block may
    read what one wrote), though the command line picks its loop itself.
    """
    ports = Ports(uvicorn_h11_server, uvicorn_h11_tls_server)
    _write_client_files(tls_files, tmp_path)
    monkeypatch.chdir(tmp_path)
    factory = LOOP_FACTORIES[loop_name]
    monkeypatch.setattr(asyncio, "run", _run_on(factory))
    namespace: dict[str, object] = {"__name__": "__main__"}
    loop = factory()
    try:
        for block in _runnable(page):
            source = ports.apply(block.text)
            if block.language == "python":
                _run_python(block, source, namespace, loop)
            else:
                _run_console(block, source, tmp_path)
        leftover = [task for task in asyncio.all_tasks(loop) if not task.done()]
        assert not leftover, f"{_page_id(page)} left tasks running: {leftover}"
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def test_pages_have_examples_or_say_why() -> None:
    """The guide pages teach by example; only the reference and design pages may have none."""
    without = {_page_id(path) for path in pages()} - {_page_id(path) for path in PAGES}
    allowed = {"index", "design", "benchmarks"} | {
        _page_id(path) for path in pages() if path.parent.name == "api"
    }
    assert without <= allowed, f"pages without a runnable example: {sorted(without - allowed)}"


def test_console_commands_are_split_like_a_shell() -> None:
    text = "$ aiohttpcore get \\\n    -o out.bin http://x/\nout\n$ pip install x\n"
    assert list(commands(text)) == [
        ("aiohttpcore get -o out.bin http://x/", ["out"]),
        ("pip install x", []),
    ]


def test_an_echoed_status_is_the_expected_one() -> None:
    (command, output), *_ = commands("$ aiohttpcore get -f http://x/; echo $?\nerror\n22\n")
    assert _expected_status(command, output, "here") == ("aiohttpcore get -f http://x/", 22)
    assert _expected_status("aiohttpcore get http://x/", ["body"], "here") == (
        "aiohttpcore get http://x/",
        0,
    )
