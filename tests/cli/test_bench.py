"""``aiohttpcore bench`` and its embedded server, run for real on loopback.

What is checked, and how (no timing assertions: a loaded CI machine may be
slow, never wrong):

* argument handling: every bad value and bad combination exits 2 before
  anything starts;
* every mode against the embedded server for about a second (closed loop,
  open loop ``-R``, ``--pipeline 4``, ``--workers 2``), the JSON report's
  schema and that its counts add up: ``requests`` = successes + errors =
  the status codes' sum + errors, and the latency histogram (decoded from
  the report) holds one value per success;
* ``-n 100`` sends exactly 100 requests, counted by the server;
* requests pipelined behind ``Connection: close`` are sent again, not lost
  and not counted as errors;
* an unreachable URL gives errors counted by kind and exit status 1 (0
  with ``--allow-errors``);
* the histogram slot arithmetic is ``hdrh``'s own, and merging is exact;
* the embedded server answers pipelined requests in order, reads bodies of
  both framings, closes when asked, and rejects what it cannot frame;
* a few runs through ``python -m aiohttpcore bench`` in a subprocess.

``main()`` runs in-process; a run against a server in the test's own loop
runs it in a thread (it makes an event loop of its own).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _support.rawserver import RawServer, http_response, read_request, read_requests
from _support.servers import make_tls_files
from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]  # no type hints

from aiohttpcore.cli import _bench_report, _bench_tally, _server, main

ROOT = Path(__file__).resolve().parents[2]


def bench(tmp_path: Path, *argv: str, code: int = 0) -> dict[str, Any]:
    """Run ``aiohttpcore bench ARGV --json FILE`` in-process; its report, checked for sense."""
    report_file = tmp_path / "report.json"
    assert main(["bench", *argv, "--quiet", "--json", str(report_file)]) == code
    report: dict[str, Any] = json.loads(report_file.read_text(encoding="utf-8"))
    check_report(report)
    return report


def check_report(report: dict[str, Any]) -> None:
    """The schema of :class:`BenchReport`, and every count that must add up."""
    required = _bench_report.BenchReport.__required_keys__
    assert required <= report.keys()
    assert report.keys() <= required | _bench_report.BenchReport.__optional_keys__
    assert report["schema"] == "aiohttpcore-bench/1"
    assert report["options"].keys() == _bench_report.OptionsReport.__required_keys__
    successes, errors = report["successes"], report["errors"]
    assert report["requests"] == successes + errors
    assert sum(report["status_codes"].values()) == successes
    assert sum(report["errors_by_kind"].values()) == errors
    assert sum(bucket["count"] for bucket in report["distribution"]) == successes
    for name in ("latency", "first_byte", "connect", "service_time"):
        if name not in report:
            assert name == "service_time"
            continue
        timing = report[name]
        assert timing.keys() == _bench_report.HistogramReport.__required_keys__
        decoded = HdrHistogram.decode(timing["hdr"])
        assert decoded.get_total_count() == timing["count"]
        if timing["count"]:
            assert list(timing["percentiles_us"]) == ["50", "75", "90", "99", "99.9"]
            assert timing["min_us"] <= timing["percentiles_us"]["50"] <= timing["max_us"]
    assert report["latency"]["count"] == successes
    assert report["first_byte"]["count"] == successes
    assert report["connect"]["count"] == report["connections_opened"]


@pytest.fixture(scope="module")
def server() -> Iterator[_server.ServerProcess]:
    """One embedded server process for the mode tests (each run with a URL)."""
    process = _server.start()
    yield process
    process.stop()


def server_url(server: _server.ServerProcess) -> str:
    return f"http://127.0.0.1:{server.port}/"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# ---------------------------------------------------------------- argument handling


@pytest.mark.parametrize(
    "argv",
    [
        ["-c", "0"],
        ["-c", "many"],
        ["-d", "0"],
        ["-d", "-1"],
        ["-d", "nan"],
        ["-n", "0"],
        ["-d", "1", "-n", "5"],
        ["-R", "0"],
        ["--warmup", "-1"],
        ["--pipeline", "0"],
        ["--workers", "0"],
        ["--workers", "3", "-c", "2"],
        ["--no-keepalive", "--pipeline", "2"],
        ["--body", "x", "--body-file", "setup.cfg"],
        ["--body-file", "/nonexistent/body"],
        ["--cacert", "/nonexistent/ca.pem"],
        ["--cacert", "pyproject.toml"],
        ["-m", "BAD METHOD"],
        ["-H", "no colon"],
        ["--loop", "trio"],
        ["--json", "/nonexistent/dir/report.json"],
        ["ftp://127.0.0.1/"],
        ["http://user:secret@127.0.0.1/"],
    ],
)
def test_bad_arguments_exit_2_before_anything_starts(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = [] if "://" in argv[-1] else ["http://127.0.0.1:9/"]
    assert main(["bench", *argv, *url]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "error" in captured.err
    assert "embedded server" not in captured.err


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "-h"]) == 0
    out = capsys.readouterr().out
    for option in (
        "-c", "-d", "-n", "--warmup", "-R", "--pipeline", "--workers", "--loop", "-m", "-H",
        "--body", "--body-file", "--no-keepalive", "--timeout", "--insecure", "--cacert",
        "--quiet", "--json", "--allow-errors",
    ):  # fmt: skip
        assert f" {option}" in out, option


# ---------------------------------------------------------------- every mode, about a second each


def test_closed_loop(server: _server.ServerProcess, tmp_path: Path) -> None:
    report = bench(tmp_path, server_url(server), "-d", "0.7", "--warmup", "0.3", "-c", "8")
    assert report["options"]["mode"] == "closed"
    assert report["successes"] > 0
    assert report["errors"] == 0
    assert report["status_codes"] == {"200": report["successes"]}
    assert report["body_bytes"] == 13 * report["successes"]
    assert report["connections_opened"] == 8
    assert "service_time" not in report


def test_open_loop_sends_no_more_than_its_schedule(
    server: _server.ServerProcess, tmp_path: Path
) -> None:
    report = bench(
        tmp_path, server_url(server), "-R", "400", "-d", "1", "--warmup", "0", "-c", "4"
    )
    assert report["options"]["mode"] == "open"
    assert report["options"]["rate"] == 400
    # Intended starts are 1/400 s apart: at most 400 fall in a 1 s window.
    assert 0 < report["requests"] + report["unsent"] <= 400
    assert report["errors"] == 0
    assert report["service_time"]["count"] == report["successes"]


def test_pipeline(server: _server.ServerProcess, tmp_path: Path) -> None:
    report = bench(tmp_path, server_url(server), "--pipeline", "4", "-c", "4", "-d", "0.7")
    assert report["options"]["pipeline"] == 4
    assert report["successes"] > 0
    assert report["errors"] == 0
    assert report["connections_opened"] == 4


def test_open_loop_pipelined(server: _server.ServerProcess, tmp_path: Path) -> None:
    report = bench(
        tmp_path, server_url(server), "--pipeline", "2", "-R", "300", "-d", "0.7", "-c", "2"
    )
    assert 0 < report["requests"] + report["unsent"] <= 210  # 0.7 s at 300/s
    assert report["errors"] == 0


def test_two_workers_merge_their_counts(server: _server.ServerProcess, tmp_path: Path) -> None:
    report = bench(tmp_path, server_url(server), "--workers", "2", "-c", "4", "-d", "0.7")
    assert report["options"]["workers"] == 2
    assert report["successes"] > 0
    assert report["errors"] == 0
    assert report["connections_opened"] == 4


def test_two_workers_share_n_exactly(tmp_path: Path) -> None:
    report = bench(tmp_path, "-n", "101", "--workers", "2", "-c", "3")
    assert report["requests"] == report["successes"] == 101
    assert report["server_requests"] == 101


def test_post_with_a_body_and_no_keepalive(server: _server.ServerProcess, tmp_path: Path) -> None:
    body = tmp_path / "body.bin"
    body.write_bytes(b"x" * 1000)
    report = bench(
        tmp_path, server_url(server), "--body-file", str(body), "--no-keepalive",
        "-n", "30", "-c", "2",
    )  # fmt: skip
    assert report["options"]["method"] == "POST"
    assert report["options"]["keepalive"] is False
    assert report["status_codes"] == {"200": 30}
    assert report["connections_opened"] == 30  # Connection: close, every time


# ---------------------------------------------------------------- exact counts


def test_n_sends_exactly_n_requests_to_the_embedded_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = bench(tmp_path, "-n", "100", "-c", "7")
    assert report["embedded_server"] is True
    assert report["requests"] == report["successes"] == 100
    assert report["server_requests"] == 100
    captured = capsys.readouterr()
    assert "no URL given: load-testing an embedded server at http://127.0.0.1:" in captured.err
    assert "requests    100 in " in captured.out
    assert "latency distribution (100 successes)" in captured.out


@pytest.mark.parametrize("pipeline", ["1", "4"])
@pytest.mark.asyncio
async def test_requests_behind_a_close_are_sent_again(tmp_path: Path, pipeline: str) -> None:
    answered = 0

    async def every_third_closes(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        nonlocal answered
        for number in range(1, 4):
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:  # the client is done
                return
            answered += 1
            headers = [("Connection", "close")] if number == 3 else []
            writer.write(http_response(b"ok", headers=headers))
        # A lingering close (RFC 9112 §9.6): the pipelined requests behind the
        # close are read and dropped, never answered, until the client closes.
        writer.write_eof()
        while await reader.read(65536):
            pass

    async with RawServer(every_third_closes) as raw:
        argv = [f"{raw.base_url}/", "-n", "20", "-c", "1", "--pipeline", pipeline]
        report = await asyncio.to_thread(bench, tmp_path, *argv)
    assert report["successes"] == answered == 20
    assert report["errors"] == 0
    assert report["connections_opened"] == raw.connection_count == 7


@pytest.mark.asyncio
async def test_pipelined_requests_lost_to_an_unannounced_close_are_errors(tmp_path: Path) -> None:
    answered = 0

    async def two_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal answered
        for _ in range(2):
            try:
                await read_request(reader)
            except asyncio.IncompleteReadError:
                return
            answered += 1
            writer.write(http_response(b"ok"))
        writer.write_eof()  # no Connection: close: the requests behind may have been seen
        while await reader.read(65536):
            pass

    async with RawServer(two_then_close) as raw:
        argv = [f"{raw.base_url}/", "-n", "10", "-c", "1", "--pipeline", "4"]
        report = await asyncio.to_thread(bench, tmp_path, *argv, code=1)
    # How many went out behind each close depends on timing; the books do not.
    assert report["successes"] == answered
    assert report["errors"] == 10 - answered > 0
    assert set(report["errors_by_kind"]) <= {"ConnectionClosed", "ReadError", "WriteError"}
    assert report["connections_opened"] == raw.connection_count >= answered / 2


async def answer_all(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Keep-alive: answer every request until the client goes (closing or aborting)."""
    with contextlib.suppress(ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        async for _request in read_requests(reader):
            writer.write(http_response(b"ok"))


@pytest.mark.asyncio
async def test_https_with_cacert_insecure_and_without(tmp_path: Path) -> None:
    tls = make_tls_files(tmp_path)
    async with RawServer(answer_all, ssl=tls.server_context()) as raw:
        url = f"{raw.base_url}/"
        trusted = await asyncio.to_thread(
            bench, tmp_path, url, "-n", "20", "-c", "2", "--cacert", str(tls.ca_pem_path)
        )
        insecure = await asyncio.to_thread(bench, tmp_path, url, "-n", "20", "--insecure")
        untrusted = await asyncio.to_thread(bench, tmp_path, url, "-n", "3", "-c", "1", code=1)
    assert trusted["successes"] == insecure["successes"] == 20
    assert trusted["connections_opened"] == 2
    assert untrusted["errors_by_kind"] == {"TLSError": 3}


@pytest.mark.parametrize("pipeline", ["1", "3"])
@pytest.mark.asyncio
async def test_large_and_chunked_bodies_are_counted_whole(tmp_path: Path, pipeline: str) -> None:
    large = http_response(b"x" * 200_000)
    chunked = http_response(
        b"7\r\nchunked\r\n3\r\n-ok\r\n0\r\n\r\n",
        headers=[("Transfer-Encoding", "chunked")],
        content_length=False,
    )

    async def alternate(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            number = 0
            async for _request in read_requests(reader):
                writer.write(large if number % 2 == 0 else chunked)
                number += 1

    async with RawServer(alternate) as raw:
        argv = [f"{raw.base_url}/", "-n", "10", "-c", "1", "--pipeline", pipeline]
        report = await asyncio.to_thread(bench, tmp_path, *argv)
    assert report["successes"] == 10
    assert report["body_bytes"] == 5 * 200_000 + 5 * 10


# ---------------------------------------------------------------- errors


def test_unreachable_url_counts_errors_by_kind_and_exits_1(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    report = bench(tmp_path, url, "-d", "0.3", "--warmup", "0", "-c", "2", code=1)
    assert report["successes"] == 0
    assert report["errors"] == report["requests"] > 0
    assert report["errors_by_kind"] == {"ConnectError": report["errors"]}
    assert report["latency"]["count"] == 0
    assert report["distribution"] == []


def test_allow_errors_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    report = bench(tmp_path, url, "-n", "5", "-c", "1", "--allow-errors")
    assert report["errors_by_kind"] == {"ConnectError": 5}
    assert "ConnectError: 5" in capsys.readouterr().out


def test_a_request_the_library_refuses_is_a_usage_error(
    server: _server.ServerProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", server_url(server), "-n", "5", "-H", "Bad Name: x", "--quiet"]) == 2
    assert "error" in capsys.readouterr().err


# ---------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_the_run_and_still_reports(
    server: _server.ServerProcess, tmp_path: Path, workers: str
) -> None:
    # The worker processes start in about half a second; the signal comes
    # well after, to the parent only (which passes it on to its workers).
    timer = threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        argv = [server_url(server), "-d", "30", "--warmup", "0", "-c", "4", "--workers", workers]
        report = bench(tmp_path, *argv, code=130)
    finally:
        timer.cancel()
    assert report["interrupted"] is True
    assert report["successes"] > 0
    assert report["duration_s"] < 30


# ---------------------------------------------------------------- the histogram arithmetic


def test_slots_are_hdrh_slots() -> None:
    reference = HdrHistogram(_bench_tally.LOWEST_US, _bench_tally.HIGHEST_US, _bench_tally.DIGITS)
    generator = random.Random(6)
    values = [*range(5000), *(1 << bit for bit in range(26)), _bench_tally.HIGHEST_US]
    values += [int(generator.lognormvariate(7, 3)) % _bench_tally.HIGHEST_US for _ in range(20000)]
    for value in values:
        assert _bench_tally._slot(value) == reference._counts_index_for(value), value
    assert _bench_tally._slot(_bench_tally.HIGHEST_US * 10) == _bench_tally._slot(
        _bench_tally.HIGHEST_US
    )


def test_histograms_from_slots_equal_hdrh_and_merge_exactly() -> None:
    generator = random.Random(7)
    first = [int(generator.lognormvariate(6, 1)) for _ in range(3000)]
    second = [int(generator.lognormvariate(9, 2)) for _ in range(3000)]

    def counts(values: list[int]) -> dict[int, int]:
        slots = [0] * _bench_tally._LENGTH
        for value in values:
            slots[_bench_tally._slot(value)] += 1
        return _bench_tally._sparse(slots)

    reference = HdrHistogram(_bench_tally.LOWEST_US, _bench_tally.HIGHEST_US, _bench_tally.DIGITS)
    for value in first + second:
        reference.record_value(value)
    merged = _bench_report._Histogram(_bench_tally._merge([counts(first), counts(second)]))
    report = merged.report()
    assert report["hdr"] == reference.encode().decode("ascii")
    assert report["count"] == 6000
    assert report["max_us"] == reference.get_max_value()
    expected = reference.get_percentile_to_value_dict([50.0, 99.0])
    assert report["percentiles_us"]["50"] == expected[50.0]
    assert report["percentiles_us"]["99"] == expected[99.0]
    assert _bench_report._percentile(counts(first + second), 99.0) == expected[99.0]


# ---------------------------------------------------------------- what people read


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (0, "0 µs"),
        (850, "850 µs"),
        (999.6, "1.00 ms"),
        (1234, "1.23 ms"),
        (12_345, "12.3 ms"),
        (123_456, "123 ms"),
        (1_500_000, "1.50 s"),
        (60_000_000, "60.0 s"),
    ],
)
def test_durations_keep_three_digits(micros: float, shown: str) -> None:
    assert _bench_report._us(micros) == shown


def test_the_live_line_adds_up_the_workers() -> None:
    live = _bench_report._LiveLine(workers=2, duration=10.0, requests=None)
    assert live.line() == ""
    first_slots = {_bench_tally._slot(100): 98, _bench_tally._slot(5000): 2}
    live._latest = [_bench_tally._Progress("warmup", 0.5, 0, 0, {}), None]
    assert live.line() == "warming up  0.5 s"
    live._latest = [
        _bench_tally._Progress("run", 2.0, 100, 1, first_slots),
        _bench_tally._Progress("run", 1.9, 100, 0, {_bench_tally._slot(100): 100}),
    ]
    assert live.line() == "  2.0 s of 10 s   100 req/s   errors 1   p99 100 µs"
    live._latest = [_bench_tally._Progress("drain", 10.0, 0, 0, {})] * 2
    assert live.line() == "finishing the requests in flight"
    counted = _bench_report._LiveLine(workers=1, duration=None, requests=500)
    counted._latest = [_bench_tally._Progress("run", 1.0, 200, 0, first_slots)]
    assert counted.line() == "200 of 500 requests   200 req/s   errors 0   p99 5.00 ms"


# ---------------------------------------------------------------- the embedded server


async def exchange(port: int, data: bytes, *, drip: bool = False) -> bytes:
    """Send *data* (one write, or a byte at a time), half-close, read all until EOF."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if drip:
            for byte in data:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0)
        else:
            writer.write(data)
        writer.write_eof()
        async with asyncio.timeout(5):
            return await reader.read()
    finally:
        writer.close()
        await writer.wait_closed()


PIPELINED = (
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n"
    b"POST /?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    b"GET /missing HTTP/1.1\r\nHost: a\r\n\r\n"
    b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
    b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"  # after the close: never answered
)


def statuses(answer: bytes) -> list[str]:
    """The status codes of the answers in *answer* (bodies end in a bare LF, not CRLF)."""
    return [code.decode() for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)]


@pytest.mark.parametrize("drip", [False, True])
@pytest.mark.asyncio
async def test_server_answers_pipelined_requests_in_order(drip: bool) -> None:
    server = _server.BenchServer()
    await server.start()
    try:
        answer = await exchange(server.port, PIPELINED, drip=drip)
    finally:
        await server.aclose()
    assert statuses(answer) == ["200", "200", "200", "404", "200", "200"]
    assert answer.count(_server.BODY) == 4  # GET, two POSTs, the last GET; not HEAD
    assert answer.endswith(b"Connection: close\r\n\r\n" + _server.BODY)
    assert server.requests == 6


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NONSENSE\r\n\r\n", "400"),
        (b"GET / HTTP/2.0\r\n\r\n", "400"),
        (b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", "400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000, "431"),
    ],
)
@pytest.mark.asyncio
async def test_server_rejects_what_it_cannot_frame(request_bytes: bytes, status: str) -> None:
    server = _server.BenchServer()
    await server.start()
    try:
        answer = await exchange(server.port, request_bytes)
    finally:
        await server.aclose()
    assert statuses(answer) == [status]
    assert b"Connection: close\r\n" in answer


@pytest.mark.asyncio
async def test_server_on_a_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "bench.sock")
    server = _server.BenchServer(path=path)
    await server.start()
    try:
        reader, writer = await asyncio.open_unix_connection(path)
        writer.write(b"GET / HTTP/1.0\r\n\r\n")  # HTTP/1.0: closes after the answer
        async with asyncio.timeout(5):
            answer = await reader.read()
        writer.close()
        await writer.wait_closed()
    finally:
        await server.aclose()
    assert statuses(answer) == ["200"]
    assert not Path(path).exists()  # noqa: ASYNC240  # one stat of a local file


def test_bench_over_a_unix_socket(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    process = _server.start(path=str(path))
    try:
        url = "http+unix://" + str(path).replace("/", "%2F") + "/"
        report = bench(tmp_path, url, "-n", "50", "-c", "2", "--pipeline", "2")
    finally:
        served = process.stop()
    assert report["successes"] == served == 50


# ---------------------------------------------------------------- as a user runs it


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "aiohttpcore", "bench", *argv],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )


def test_cli_embedded_server(tmp_path: Path) -> None:
    report_file = tmp_path / "out.json"
    done = run_cli("-n", "200", "-c", "4", "--json", str(report_file))
    assert done.returncode == 0, done.stderr
    assert "no URL given: load-testing an embedded server at http://127.0.0.1:" in done.stderr
    assert "latency distribution (200 successes)" in done.stdout
    report = json.loads(report_file.read_text(encoding="utf-8"))
    check_report(report)
    assert report["server_requests"] == 200


def test_cli_unreachable_exits_1() -> None:
    done = run_cli(f"http://127.0.0.1:{closed_port()}/", "-n", "3", "-c", "1")
    assert done.returncode == 1
    assert "ConnectError: 3" in done.stdout
    assert done.stderr == ""
