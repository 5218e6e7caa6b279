"""The command line's argument handling, and what ``cli/_common.py`` gives every command.

Everything here runs ``main()`` in-process without a network: help and
version, argparse's usage errors (exit 2, as argparse uses), the header
syntax, the pool options and body the common options produce, the exit
status table of :func:`report_error`, the event loop :func:`run_async`
picks, and a ``bench`` command whose module cannot be imported.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from pathlib import Path

import pytest
import trustme
import uvloop

import aiohttpcore
from aiohttpcore import cli
from aiohttpcore.cli import main
from aiohttpcore.cli._common import (
    UsageError,
    add_request_options,
    parse_headers,
    pool_options,
    report_error,
    request_body,
    run_async,
)


def common_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_request_options(parser)
    return parser.parse_args(list(argv))


# ---------------------------------------------------------------- main()


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: aiohttpcore ")
    assert "get" in out
    assert "bench" in out


def test_get_help_lists_its_options_and_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "-h"]) == 0
    out = capsys.readouterr().out
    for option in ("-o", "-I", "-v", "-X", "-H", "-d", "--fail", "--insecure", "--cacert"):
        assert f"{option} " in out or f"{option}," in out, option
    assert "22 --fail" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"aiohttpcore {aiohttpcore.__version__}\n"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "usage: aiohttpcore" in err
    assert "required" in err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fetch", "http://127.0.0.1/"]) == 2
    assert "invalid choice: 'fetch'" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "--no-such-option", "http://127.0.0.1/"]) == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_missing_url_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get"]) == 2
    assert "URL" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_bad_timeout_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "--timeout", value, "http://127.0.0.1/"]) == 2
    assert "--timeout" in capsys.readouterr().err


def test_bad_header_syntax_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", "-H", "X-Token abc", "http://127.0.0.1:9/"]) == 2
    err = capsys.readouterr().err
    assert err == "aiohttpcore: error: header 'X-Token abc' is not of the form 'Name: value'\n"


def hide_bench(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``from . import _bench`` fail, as a missing file or dependency of bench would.

    None in ``sys.modules`` makes the import raise; the package attribute an
    earlier import left must go too, or ``from . import`` finds it there.
    """
    monkeypatch.setitem(sys.modules, "aiohttpcore.cli._bench", None)
    monkeypatch.delattr(cli, "_bench", raising=False)


def test_a_command_that_cannot_be_imported_fails_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide_bench(monkeypatch)
    assert main(["bench", "-c", "4", "http://127.0.0.1:9/"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("aiohttpcore: error: the bench command cannot start: ")
    assert err.count("\n") == 1
    assert main(["--help"]) == 0
    assert "bench" in capsys.readouterr().out
    assert main(["get", "--help"]) == 0


def test_a_command_that_cannot_be_imported_shows_the_traceback_with_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hide_bench(monkeypatch)
    assert main(["bench", "--debug"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


# ---------------------------------------------------------------- the common options


def test_parse_headers_splits_at_the_first_colon() -> None:
    values = ["X-A: 1", "x-b:two:three", "X-Empty:", "  X-Spaced  :  v  "]
    assert parse_headers(values) == [
        ("X-A", "1"),
        ("x-b", "two:three"),
        ("X-Empty", ""),
        ("X-Spaced", "v"),
    ]


@pytest.mark.parametrize("value", ["no colon", ": value", "   : value", ""])
def test_parse_headers_rejects_what_is_not_name_colon_value(value: str) -> None:
    with pytest.raises(UsageError, match="not of the form 'Name: value'"):
        parse_headers([value])


def test_pool_options_by_default_leave_the_library_defaults() -> None:
    assert pool_options(common_args()) == {"verify": True, "cafile": None}


def test_pool_options_from_every_common_option(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca))
    args = common_args("--insecure", "--cacert", str(ca), "--timeout", "2.5")
    assert pool_options(args) == {
        "verify": False,
        "cafile": str(ca),
        "timeout": aiohttpcore.Timeout.all(2.5),
    }


def test_headers_accumulate_and_default_to_none() -> None:
    assert common_args().headers == []
    assert common_args("-H", "A: 1", "--header", "B: 2").headers == ["A: 1", "B: 2"]


def test_request_body_from_text_and_from_a_file(tmp_path: Path) -> None:
    assert request_body(common_args()) is None
    assert request_body(common_args("-d", "a=1&b=é")) == "a=1&b=é".encode()
    path = tmp_path / "body.bin"
    path.write_bytes(b"\x00\r\nbinary\n")
    assert request_body(common_args("--data", f"@{path}")) == b"\x00\r\nbinary\n"


def test_request_body_from_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot read the body from .*missing"):
        request_body(common_args("-d", f"@{tmp_path / 'missing'}"))


def test_the_data_option_can_take_other_flags() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-d", "--duration")
    add_request_options(parser, data_flags=("--body",))
    args = parser.parse_args(["-d", "10", "--body", "x"])
    assert (args.duration, request_body(args)) == ("10", b"x")


# ---------------------------------------------------------------- errors and exit statuses


def _with_cause(error: BaseException, cause: BaseException) -> BaseException:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UsageError("bad option"), 2),
        (aiohttpcore.InvalidURL("invalid URL 'x': no scheme"), 2),
        (aiohttpcore.InvalidRequest("CR in a header", host="h:80"), 2),
        (
            _with_cause(
                aiohttpcore.ConnectError("cannot resolve h", host="h:80"),
                socket.gaierror(-2, "Name or service not known"),
            ),
            6,
        ),
        (aiohttpcore.ConnectError("refused", host="h:80"), 7),
        (aiohttpcore.ConnectTimeout("connect timed out", host="h:80"), 28),
        (aiohttpcore.ReadTimeout("read timed out", host="h:80"), 28),
        (aiohttpcore.PoolTimeout("no slot", host="h:80"), 28),
        (aiohttpcore.TLSError("certificate verify failed", host="h:443"), 35),
        (aiohttpcore.IncompleteRead(b"ab", 3, host="h:80"), 1),
        (aiohttpcore.ConnectionClosed(host="h:80"), 1),
        (OSError(28, "No space left on device"), 1),
        (KeyboardInterrupt(), 130),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_report_error_prints_one_line_and_maps_the_exit_status(
    error: BaseException, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert report_error(error, debug=False) == status
    err = capsys.readouterr().err
    assert err.startswith("aiohttpcore: error: ")
    assert err.count("\n") == 1
    if isinstance(error, aiohttpcore.HTTPException) and error.host:
        assert f"(host {error.host})" in err


def test_report_error_honours_an_exit_status_attribute(
    capsys: pytest.CaptureFixture[str],
) -> None:
    class Custom(Exception):
        exit_status = 42

    assert report_error(Custom("told"), debug=False, program="prog") == 42
    assert capsys.readouterr().err == "prog: error: told\n"


def test_report_error_with_debug_prints_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(aiohttpcore.ConnectError) as caught:
        raise aiohttpcore.ConnectError("refused", host="h:80")
    assert report_error(caught.value, debug=True) == 7
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last)")
    assert "ConnectError: refused (host h:80)" in err


# ---------------------------------------------------------------- the event loop


async def _loop_kind() -> int:
    return 1 if isinstance(asyncio.get_running_loop(), uvloop.Loop) else 0


def test_run_async_prefers_uvloop_and_obeys_loop() -> None:
    assert run_async(_loop_kind()) == 1
    assert run_async(_loop_kind(), loop="uvloop") == 1
    assert run_async(_loop_kind(), loop="asyncio") == 0


def test_run_async_rejects_an_unknown_loop_without_leaking_the_coroutine() -> None:
    # An unawaited coroutine would warn RuntimeWarning: an error here.
    with pytest.raises(UsageError, match="unknown event loop 'trio'"):
        run_async(_loop_kind(), loop="trio")
