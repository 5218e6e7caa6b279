"""``aiohttpcore get``, run in-process against scripted raw servers on loopback.

A :class:`RawServer` runs in the test's loop (asyncio and uvloop, as every
asyncio test here); ``main()`` is synchronous and runs its own loop, so it
runs in a worker thread (:func:`asyncio.to_thread`), on the same kind of
loop as the test (``--loop``), while the server answers. What the server
received is checked as it arrived on the wire, and what the command wrote
through ``capsysbinary`` (stdout is the body, stderr the rest).
"""

from __future__ import annotations

import asyncio
import io
import socket
import subprocess
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop
from _support.app import pattern
from _support.rawserver import RawRequest, RawServer, http_response, read_request
from _support.servers import TLSFiles, make_tls_files
from rich.console import Console

from aiohttpcore.cli import main
from aiohttpcore.cli._get import PROGRESS_BYTES, _ProgressBar

ROOT = Path(__file__).resolve().parent.parent.parent
BODY = b"hello\x00\xff\r\nworld"

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]


def answer(response: bytes, requests: list[RawRequest] | None = None) -> Handler:
    """A handler that records each request and sends *response* to it, one per connection."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        if requests is not None:
            requests.append(request)
        writer.write(response)
        await writer.drain()

    return handler


async def get(*argv: str) -> int:
    """Run ``aiohttpcore get ARGV`` in a thread, on the same kind of loop as the test."""
    loop = "uvloop" if isinstance(asyncio.get_running_loop(), uvloop.Loop) else "asyncio"
    return await asyncio.to_thread(main, ["get", "--loop", loop, *argv])


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return make_tls_files(tmp_path_factory.mktemp("tls"))


# ---------------------------------------------------------------- the body


@pytest.mark.asyncio
async def test_body_goes_to_stdout_byte_for_byte(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    requests: list[RawRequest] = []
    async with RawServer(answer(http_response(BODY), requests)) as server:
        assert await get(f"{server.base_url}/path?q=1") == 0
    out, err = capsysbinary.readouterr()
    assert (out, err) == (BODY, b"")
    [request] = requests
    assert (request.method, request.target, request.body) == ("GET", "/path?q=1", b"")
    assert (request.get("user-agent") or "").startswith("aiohttpcore/")
    assert request.get("accept") == "*/*"
    assert request.get("accept-encoding") is None  # the body is written as sent


@pytest.mark.asyncio
async def test_output_file_gets_a_multi_mib_body(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    size = 5 * 1024 * 1024 + 7  # several reads of the CLI's buffer, and a ragged end
    body = pattern(size)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(http_response(headers=[("Content-Length", str(size))], content_length=False))
        for offset in range(0, size, 100_000):
            writer.write(body[offset : offset + 100_000])
            await writer.drain()

    target = tmp_path / "download.bin"
    async with RawServer(handler) as server:
        assert await get("-o", str(target), f"{server.base_url}/big") == 0
    assert target.stat().st_size == size
    assert target.read_bytes() == body
    out, err = capsysbinary.readouterr()
    assert (out, err) == (b"", b"")  # stderr is no terminal: no progress bar


@pytest.mark.asyncio
async def test_a_body_of_unknown_length_is_read_to_its_end(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n"
    )
    async with RawServer(answer(chunked)) as server:
        assert await get(server.base_url + "/") == 0
    assert capsysbinary.readouterr().out == b"hello!"


@pytest.mark.asyncio
async def test_output_dash_is_stdout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    async with RawServer(answer(http_response(BODY))) as server:
        assert await get("-o", "-", server.base_url + "/") == 0
    assert capsysbinary.readouterr().out == BODY


@pytest.mark.asyncio
async def test_an_output_file_that_cannot_be_written_exits_23(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    target = tmp_path / "no-such-directory" / "file"
    async with RawServer(answer(http_response(BODY))) as server:
        assert await get("-o", str(target), server.base_url + "/") == 23
    err = capsysbinary.readouterr().err.decode()
    assert err == f"aiohttpcore: error: cannot write to {target}: No such file or directory\n"


# ---------------------------------------------------------------- heads: -I and -v


@pytest.mark.asyncio
async def test_head_prints_the_response_head_only(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    requests: list[RawRequest] = []
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nX-Test: yes\r\n\r\n"
    async with RawServer(answer(head, requests)) as server:
        assert await get("-I", server.base_url + "/file") == 0
    assert requests[0].method == "HEAD"
    out, err = capsysbinary.readouterr()
    assert out == b"HTTP/1.1 200 OK\nContent-Length: 1000\nX-Test: yes\n\n"
    assert err == b""


@pytest.mark.asyncio
async def test_verbose_shows_both_heads_as_they_went_over_the_wire(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    requests: list[RawRequest] = []
    response = http_response(BODY, headers=[("X-Test", "yes")])
    async with RawServer(answer(response, requests)) as server:
        argv = ("-v", "-X", "PUT", "-d", "a=1", "-H", "X-Token: abc", server.base_url + "/v")
        assert await get(*argv) == 0
    out, err = capsysbinary.readouterr()
    assert out == BODY
    lines = err.decode().splitlines()
    sent = [line[2:] for line in lines if line.startswith("> ")]
    assert sent == requests[0].head.decode("latin-1").split("\r\n")[:-2]
    assert sent[0] == "PUT /v HTTP/1.1"
    received = [line[2:] for line in lines if line.startswith("< ")]
    assert received == ["HTTP/1.1 200 OK", "X-Test: yes", f"Content-Length: {len(BODY)}"]
    assert lines.index(">") < lines.index("<")
    assert any(line.startswith("* connected to http://127.0.0.1:") for line in lines)


@pytest.mark.asyncio
async def test_verbose_head_of_a_bodiless_post_matches_the_wire(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    requests: list[RawRequest] = []
    async with RawServer(answer(http_response(b""), requests)) as server:
        assert await get("-v", "-X", "POST", server.base_url + "/") == 0
    err = capsysbinary.readouterr().err.decode()
    sent = [line[2:] for line in err.splitlines() if line.startswith("> ")]
    assert sent == requests[0].head.decode("latin-1").split("\r\n")[:-2]
    assert "Content-Length: 0" in sent


# ---------------------------------------------------------------- the request: -X, -d, -H


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("argv", "method"),
    [(("-d", "a=1&b=2"), "POST"), (("-X", "PUT", "-d", "a=1&b=2"), "PUT")],
    ids=["data-posts", "explicit-method"],
)
async def test_data_is_sent_as_the_body(
    argv: tuple[str, ...], method: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    requests: list[RawRequest] = []
    async with RawServer(answer(http_response(b"done"), requests)) as server:
        assert await get(*argv, server.base_url + "/form") == 0
    assert capsysbinary.readouterr().out == b"done"
    [request] = requests
    assert (request.method, request.body, request.content_length) == (method, b"a=1&b=2", 7)


@pytest.mark.asyncio
async def test_data_from_a_file(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = tmp_path / "body.bin"
    path.write_bytes(b"\x00binary\r\n")
    requests: list[RawRequest] = []
    async with RawServer(answer(http_response(b""), requests)) as server:
        assert await get("-d", f"@{path}", server.base_url + "/") == 0
    assert requests[0].body == b"\x00binary\r\n"
    capsysbinary.readouterr()


@pytest.mark.asyncio
async def test_headers_are_sent_and_replace_the_defaults(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    requests: list[RawRequest] = []
    async with RawServer(answer(http_response(b""), requests)) as server:
        argv = ("-H", "X-Token: abc", "-H", "accept: text/plain", "-H", "X-Empty:")
        assert await get(*argv, server.base_url + "/") == 0
    [request] = requests
    assert request.get_all("x-token") == ["abc"]
    assert request.get_all("accept") == ["text/plain"]
    assert request.get_all("x-empty") == [""]
    capsysbinary.readouterr()


@pytest.mark.parametrize("cafile", ["/nonexistent/ca.pem", "pyproject.toml"])
def test_a_cacert_that_cannot_be_loaded_is_a_usage_error(
    cafile: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["get", "--cacert", cafile, "https://127.0.0.1:9/"]) == 2
    err = capsysbinary.readouterr().err.decode()
    assert err.startswith(f"aiohttpcore: error: cannot load --cacert {cafile}: ")


def test_head_with_data_is_a_usage_error(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["get", "-I", "-d", "x", "http://127.0.0.1:9/"]) == 2
    assert capsysbinary.readouterr().err == (
        b"aiohttpcore: error: -I sends HEAD, which has no body: "
        b"drop -d, or name the method with -X\n"
    )


@pytest.mark.asyncio
async def test_head_only_with_a_named_method_sends_its_body(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    """``-X POST -d x -I``: curl's reading, the POST goes out and only its answer's head shows."""
    requests: list[RawRequest] = []
    async with RawServer(answer(http_response(BODY), requests)) as server:
        assert await get("-X", "POST", "-d", "x", "-I", server.base_url + "/p") == 0
    assert (requests[0].method, requests[0].body) == ("POST", b"x")
    out, err = capsysbinary.readouterr()
    assert out.startswith(b"HTTP/1.1 200 OK\n")
    assert BODY not in out
    assert err == b""


@pytest.mark.asyncio
async def test_a_method_that_is_not_a_token_is_a_usage_error(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    async def nothing_arrives(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.read() == b""  # the library refuses the head before sending

    async with RawServer(nothing_arrives) as server:
        assert await get("-X", "GET /x", server.base_url + "/") == 2
        # The client may be done before this loop accepted its connection:
        # see it through, or a transport accepted late outlives the test.
        async with asyncio.timeout(5):
            await server.wait_connections(1)
            await server.connections[0].wait_lost()
    err = capsysbinary.readouterr().err.decode()
    assert err.startswith("aiohttpcore: error: ")
    assert f"127.0.0.1:{server.port}" in err
    assert err.count("\n") == 1


# ---------------------------------------------------------------- --fail


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "code"), [(200, 0), (404, 22), (503, 22)])
async def test_fail_exit_statuses(
    status: int, code: int, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    target = tmp_path / "out"
    async with RawServer(answer(http_response(b"page", status=status, reason="Why"))) as server:
        assert await get("--fail", "-o", str(target), server.base_url + "/") == code
    err = capsysbinary.readouterr().err.decode()
    if code:
        assert not target.exists()  # no file for a failed request
        assert err == (
            f"aiohttpcore: error: the server answered {status} Why "
            f"(host 127.0.0.1:{server.port})\n"
        )
    else:
        assert target.read_bytes() == b"page"
        assert err == ""


@pytest.mark.asyncio
async def test_without_fail_an_error_status_is_written_and_exits_0(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    async with RawServer(answer(http_response(b"not here", status=404, reason="Nope"))) as server:
        assert await get(server.base_url + "/") == 0
    assert capsysbinary.readouterr().out == b"not here"


# ---------------------------------------------------------------- network failures


def test_unreachable_host_is_one_line_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    assert main(["get", f"http://127.0.0.1:{port}/"]) == 7
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("aiohttpcore: error: ")
    assert f"127.0.0.1:{port}" in captured.err
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    assert main(["get", "--debug", f"http://127.0.0.1:{port}/"]) == 7
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last)")
    assert f"ConnectError: connecting to 127.0.0.1:{port} failed" in err


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("example.org/", "no scheme"),
        ("ftp://example.org/", "unknown scheme 'ftp'"),
        ("http://exa mple.org/", "control character or space"),
        ("http://127.0.0.1:99999/", "port 99999 is not in 1-65535"),
    ],
)
def test_bad_url_exits_2_naming_the_problem(
    url: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["get", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"aiohttpcore: error: invalid URL {url!r}: ")
    assert problem in err
    assert err.count("\n") == 1


@pytest.mark.asyncio
async def test_a_silent_server_times_out_with_28(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # until the client gives up and closes

    async with RawServer(silent) as server:
        assert await get("--timeout", "0.2", server.base_url + "/") == 28
    err = capsysbinary.readouterr().err.decode()
    assert err.startswith("aiohttpcore: error: ")
    assert f"127.0.0.1:{server.port}" in err


@pytest.mark.asyncio
async def test_a_body_that_stalls_times_out_with_28_not_as_a_write_error(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # A ReadTimeout is also a builtin TimeoutError, hence an OSError: it must
    # not be mistaken for a failed write of the output.
    async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(http_response(headers=[("Content-Length", "100")], content_length=False))
        writer.write(b"half")
        await reader.read()

    target = tmp_path / "partial"
    async with RawServer(stalls) as server:
        assert await get("--timeout", "0.2", "-o", str(target), server.base_url + "/") == 28
    assert target.read_bytes() == b"half"  # what arrived is kept, as curl does
    err = capsysbinary.readouterr().err.decode()
    assert err.startswith("aiohttpcore: error: ")
    assert "cannot write" not in err
    assert f"127.0.0.1:{server.port}" in err


# ---------------------------------------------------------------- TLS


@pytest.mark.asyncio
async def test_cacert_trusts_the_test_ca(
    tls: TLSFiles, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    async with RawServer(answer(http_response(BODY)), ssl=tls.server_context()) as server:
        assert await get("--cacert", str(tls.ca_pem_path), server.base_url + "/") == 0
    assert capsysbinary.readouterr() == (BODY, b"")


@pytest.mark.asyncio
async def test_an_untrusted_certificate_exits_35_naming_the_host(
    tls: TLSFiles, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    async def refused(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # the client aborts the handshake

    async with RawServer(refused, ssl=tls.server_context()) as server:
        assert await get(server.base_url + "/") == 35
    err = capsysbinary.readouterr().err.decode()
    assert err.startswith("aiohttpcore: error: ")
    assert f"127.0.0.1:{server.port}" in err
    assert "certificate" in err
    assert err.count("\n") == 1


@pytest.mark.asyncio
async def test_insecure_skips_verification_without_a_warning(
    tls: TLSFiles, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # filterwarnings = error: an InsecureRequestWarning would fail the command.
    async with RawServer(answer(http_response(BODY)), ssl=tls.server_context()) as server:
        assert await get("--insecure", "-v", server.base_url + "/") == 0
    out, err = capsysbinary.readouterr()
    assert out == BODY
    assert b"* TLS certificates are not verified (--insecure)" in err


# ---------------------------------------------------------------- the real thing


@pytest.mark.asyncio
async def test_python_dash_m_aiohttpcore_get(tmp_path: Path) -> None:
    async with RawServer(answer(http_response(BODY))) as server:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "aiohttpcore",
            "get",
            server.base_url + "/",
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        async with asyncio.timeout(30):
            out, err = await process.communicate()
    assert (process.returncode, out, err) == (0, BODY, b"")


# ---------------------------------------------------------------- the progress bar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def bar_console() -> tuple[Console, io.StringIO]:
    text = io.StringIO()
    return Console(file=text, force_terminal=True, width=100), text


def test_progress_bar_waits_for_a_long_download() -> None:
    console, text = bar_console()
    clock = Clock()
    with _ProgressBar(
        10 * PROGRESS_BYTES, name="f", enabled=True, console=console, clock=clock
    ) as bar:
        bar.advance(PROGRESS_BYTES)
        early = bar.shown  # 1 MiB in no time: too short to bother
        bar.advance(1)
        assert (early, bar.shown) == (False, True)
    assert "1.0/10.5 MB" in text.getvalue()


def test_progress_bar_shows_a_slow_download() -> None:
    console, _ = bar_console()
    clock = Clock()
    with _ProgressBar(None, name="f", enabled=True, console=console, clock=clock) as bar:
        bar.advance(10)
        early = bar.shown
        clock.now += 0.6
        bar.advance(10)
        assert (early, bar.shown) == (False, True)


def test_progress_bar_disabled_never_shows() -> None:
    clock = Clock()
    with _ProgressBar(None, name="f", enabled=False, clock=clock) as bar:
        clock.now += 10
        bar.advance(10 * PROGRESS_BYTES)
        assert not bar.shown
        assert bar.done == 10 * PROGRESS_BYTES
