"""aiohttpcore.exceptions: the tree, pickling, messages, retry advice, is_temp_network_error.

The hierarchy is part of the public contract (DESIGN.md, "Errors"): code
written against ``http.client`` catches ``BadStatusLine`` or
``ImproperConnectionState``, code written for asyncio catches the builtin
``TimeoutError``, argument checks raise ``ValueError``. Each relation is
asserted here so a refactoring of the tree cannot drop one silently.
"""

from __future__ import annotations

import pickle

import pytest

from aiohttpcore import exceptions
from aiohttpcore.exceptions import (
    BadStatusLine,
    CannotSendHeader,
    CannotSendRequest,
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    ExcessBodyData,
    FramingError,
    HeadTooLarge,
    HTTPException,
    ImproperConnectionState,
    IncompleteRead,
    InvalidHeader,
    InvalidRequest,
    InvalidResponse,
    InvalidURL,
    LimitExceeded,
    LineTooLong,
    NetworkError,
    NotConnected,
    PoolClosed,
    PoolTimeout,
    ProxyError,
    ReadError,
    ReadTimeout,
    ResponseNotReady,
    StateError,
    TLSError,
    TooManyHeaders,
    UnknownProtocol,
    UnknownTransferEncoding,
    UnsupportedResponse,
    WriteError,
    WriteTimeout,
    is_temp_network_error,
)

HOST = "api.example.org"

CLASSES: list[type[HTTPException]] = [
    value
    for name in exceptions.__all__
    if isinstance(value := getattr(exceptions, name), type) and issubclass(value, HTTPException)
]


def build(cls: type[HTTPException]) -> HTTPException:
    """One instance of *cls* with every constructor argument given."""
    if cls is BadStatusLine:
        return BadStatusLine("HTTP/1.1 2OO OK", host=HOST, reason="status code is not 3 digits")
    if cls is IncompleteRead:
        return IncompleteRead(b"partial body", 100, host=HOST)
    if cls is ConnectionClosed:
        return ConnectionClosed("closed before the response", host=HOST, unprocessed=True)
    return cls("something went wrong", host=HOST)


# ------------------------------------------------------------------ the tree


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (InvalidRequest, (HTTPException, ValueError)),
        (InvalidURL, (InvalidRequest, ValueError)),
        (ExcessBodyData, (HTTPException,)),
        (StateError, (HTTPException,)),
        (ImproperConnectionState, (StateError,)),
        (CannotSendRequest, (StateError, ImproperConnectionState)),
        (CannotSendHeader, (StateError, ImproperConnectionState)),
        (ResponseNotReady, (StateError, ImproperConnectionState)),
        (NotConnected, (StateError,)),
        (InvalidResponse, (HTTPException,)),
        (BadStatusLine, (InvalidResponse,)),
        (InvalidHeader, (InvalidResponse,)),
        (FramingError, (InvalidResponse,)),
        (LimitExceeded, (InvalidResponse,)),
        (LineTooLong, (LimitExceeded, InvalidResponse)),
        (HeadTooLarge, (LimitExceeded,)),
        (TooManyHeaders, (LimitExceeded,)),
        (IncompleteRead, (InvalidResponse,)),
        (UnsupportedResponse, (InvalidResponse,)),
        (UnknownProtocol, (UnsupportedResponse, InvalidResponse)),
        (UnknownTransferEncoding, (UnsupportedResponse, InvalidResponse)),
        (ConnectionClosed, (HTTPException,)),
        (NetworkError, (HTTPException,)),
        (ConnectError, (NetworkError,)),
        (TLSError, (ConnectError,)),
        (ReadError, (NetworkError,)),
        (WriteError, (NetworkError,)),
        (ConnectTimeout, (ConnectError, TimeoutError)),
        (ReadTimeout, (ReadError, TimeoutError)),
        (WriteTimeout, (WriteError, TimeoutError)),
        (PoolTimeout, (HTTPException, TimeoutError)),
        (PoolClosed, (HTTPException,)),
        (exceptions.DecodingError, (InvalidResponse,)),
        (ProxyError, (HTTPException,)),
    ],
)
def test_hierarchy(cls: type[HTTPException], bases: tuple[type[BaseException], ...]) -> None:
    for base in bases:
        assert issubclass(cls, base), f"{cls.__name__} should be a {base.__name__}"


def test_every_class_is_under_the_root() -> None:
    classes = [getattr(exceptions, name) for name in exceptions.__all__]
    errors = [cls for cls in classes if isinstance(cls, type) and not issubclass(cls, Warning)]
    assert all(issubclass(cls, HTTPException) for cls in errors), (
        "every exported error class derives from HTTPException"
    )
    # All but is_temp_network_error and the one warning class.
    assert len(CLASSES) == len(exceptions.__all__) - 2


def test_the_warning_is_a_user_warning_not_an_error() -> None:
    assert issubclass(exceptions.InsecureRequestWarning, UserWarning)
    assert not issubclass(exceptions.InsecureRequestWarning, HTTPException)


@pytest.mark.parametrize("cls", [ConnectTimeout, ReadTimeout, WriteTimeout, PoolTimeout])
def test_timeouts_are_caught_as_builtin_timeout_error(cls: type[HTTPException]) -> None:
    with pytest.raises(TimeoutError):
        raise build(cls)


@pytest.mark.parametrize(
    "cls", [StateError, InvalidResponse, ConnectionClosed, ExcessBodyData, ProxyError]
)
def test_non_timeouts_are_not_timeout_errors(cls: type[HTTPException]) -> None:
    assert not isinstance(build(cls), TimeoutError)


def test_request_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="bad header"):
        raise InvalidRequest("bad header", host=HOST)
    assert not issubclass(InvalidResponse, ValueError)


# ------------------------------------------------------------------ pickling, messages


def test_every_exported_class_is_built_here() -> None:
    # build() must know each class that takes arguments beyond (detail, host).
    for cls in CLASSES:
        assert isinstance(build(cls), cls)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_pickle_round_trip(cls: type[HTTPException]) -> None:
    original = build(cls)
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is cls
    assert copy.args == original.args
    assert copy.host == HOST
    assert copy.detail == original.detail
    assert vars(copy) == vars(original)
    assert str(copy) == str(original)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_str_names_the_host(cls: type[HTTPException]) -> None:
    error = build(cls)
    assert HOST in str(error)
    assert error.detail in str(error)
    assert repr(error).startswith(f"{cls.__name__}(")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_without_host_str_is_the_detail(cls: type[HTTPException]) -> None:
    error = build(cls)
    error.host = None
    assert str(error) == error.detail


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_docstring_says_whether_retry_is_safe(cls: type[HTTPException]) -> None:
    doc = cls.__doc__ or ""
    assert any(word in doc for word in ("retry", "Retry", "retrying")), doc


def test_specific_fields() -> None:
    bad = BadStatusLine("HTTP/1.1 2OO OK", host=HOST, reason="not 3 digits")
    assert bad.line == "HTTP/1.1 2OO OK"
    assert bad.args == ("HTTP/1.1 2OO OK",)
    assert "'HTTP/1.1 2OO OK'" in str(bad)
    assert "not 3 digits" in str(bad)

    incomplete = IncompleteRead(b"abc", 7, host=HOST)
    assert (incomplete.partial, incomplete.expected) == (b"abc", 7)
    assert "3 bytes read, 7 more expected" in str(incomplete)
    assert "3 bytes read)" in str(IncompleteRead(b"abc"))
    assert str(IncompleteRead(b"", 5, detail="chunk 3 cut short")) == "chunk 3 cut short"

    closed = ConnectionClosed(host=HOST)
    assert closed.unprocessed is False
    assert "closed" in str(closed)
    assert pickle.loads(pickle.dumps(ConnectionClosed(unprocessed=True))).unprocessed is True


def test_timeout_pickles_despite_oserror_base() -> None:
    # TimeoutError is an OSError, whose pickling differs from Exception's.
    error = ReadTimeout("no data for 30 s", host=HOST)
    error.__cause__ = TimeoutError()
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == f"no data for 30 s (host {HOST})"
    assert copy.errno is None


# ------------------------------------------------------------------ is_temp_network_error


@pytest.mark.parametrize(
    ("error", "temporary"),
    [
        (ConnectError("refused", host=HOST), True),
        (ConnectTimeout("slow", host=HOST), True),
        (ReadError("reset", host=HOST), True),
        (ReadTimeout("silent", host=HOST), True),
        (WriteError("broken pipe", host=HOST), True),
        (WriteTimeout("stalled", host=HOST), True),
        (ConnectionClosed(host=HOST), True),
        (PoolTimeout("busy", host=HOST), True),
        (ConnectionResetError(), True),
        (BrokenPipeError(), True),
        (TimeoutError(), True),
        (TLSError("bad certificate", host=HOST), False),
        (BadStatusLine("junk", host=HOST), False),
        (InvalidURL("bad", host=HOST), False),
        (CannotSendRequest("busy", host=HOST), False),
        (PoolClosed("closed", host=HOST), False),
        (ValueError(), False),
        (OSError(), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_is_temp_network_error(error: BaseException, temporary: bool) -> None:
    assert is_temp_network_error(error) is temporary
