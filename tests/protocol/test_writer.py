"""The request writer, through :class:`ClientCodec`: pre-send validation, Host, framing, bodies.

PROTOCOL-POLICY.md, "Request writing": no user string puts CR, LF or NUL on
the wire; framing is chosen once and a caller's own Content-Length or
Transfer-Encoding must agree with it; an overrun raises ``ExcessBodyData``
and an early end raises. Every pre-send error must leave the codec exactly
as it was (send state ``IDLE``, nothing owed), so each rejection below also
checks that a correct request can follow it on the same codec.
"""

from __future__ import annotations

import http
from array import array
from collections.abc import Iterator
from typing import Any

import pytest

from aiohttpcore import exceptions as exc
from aiohttpcore.headers import Headers, HeaderTypes
from aiohttpcore.protocol import ClientCodec, RecvState, SendState

HOST = "writer.test"


def make_codec(*, absolute_form: bool = False) -> ClientCodec:
    return ClientCodec(HOST, absolute_form=absolute_form)


def head_of(
    method: Any = "GET",
    target: Any = "/",
    headers: Any = None,
    *,
    body_length: Any = 0,
    expect_continue: bool = False,
    host_header: str | None = HOST,
    absolute_form: bool = False,
) -> bytes:
    return make_codec(absolute_form=absolute_form).send_request(
        method,
        target,
        headers,
        host_header=host_header,
        body_length=body_length,
        expect_continue=expect_continue,
    )


def assert_rejected(
    method: Any = "GET",
    target: Any = "/",
    headers: Any = None,
    *,
    body_length: Any = 0,
    expect_continue: bool = False,
    host_header: str | None = HOST,
    absolute_form: bool = False,
) -> exc.InvalidRequest:
    """Check a pre-send error: raised, names the host, and leaves the codec usable."""
    codec = make_codec(absolute_form=absolute_form)
    with pytest.raises(exc.InvalidRequest) as info:
        codec.send_request(
            method,
            target,
            headers,
            host_header=host_header,
            body_length=body_length,
            expect_continue=expect_continue,
        )
    assert info.value.host == HOST
    assert HOST in str(info.value)
    assert isinstance(info.value, ValueError)
    assert send_state(codec) is SendState.IDLE
    assert codec.recv_state is RecvState.IDLE
    assert codec.pending == 0
    assert codec.is_reusable()
    assert codec.send_request("GET", "/", host_header=HOST) == (
        b"GET / HTTP/1.1\r\nHost: writer.test\r\n\r\n"
    )
    assert codec.pending == 1
    return info.value


def send_state(codec: ClientCodec) -> SendState:
    """The sending half's state, read afresh (not narrowed by earlier asserts)."""
    return codec.send_state


def joined(parts: tuple[object, ...]) -> bytes:
    out = bytearray()
    for part in parts:
        assert isinstance(part, bytes | bytearray | memoryview)
        out += part
    return bytes(out)


def field_lines(head: bytes) -> list[bytes]:
    """The header lines of a head, without the request line and the final CRLF."""
    assert head.endswith(b"\r\n\r\n")
    return head[:-4].split(b"\r\n")[1:]


# ------------------------------------------------------------------ methods


@pytest.mark.parametrize(
    "method",
    ["GET", "POST", "get", "M-SEARCH", "PROPFIND", "X!#$%&'*+.^_`|~9"],
)
def test_token_methods_are_sent_verbatim(method: str) -> None:
    # RFC 9110 §9.1: method names are case-sensitive; any token is allowed.
    assert head_of(method).startswith(method.encode() + b" / HTTP/1.1\r\n")


@pytest.mark.parametrize(
    "method", [http.HTTPMethod.GET, http.HTTPMethod.PATCH, http.HTTPMethod.OPTIONS]
)
def test_http_method_enum_accepted(method: http.HTTPMethod) -> None:
    assert head_of(method, "/", body_length=0).startswith(f"{method.value} / ".encode())


@pytest.mark.parametrize(
    "method",
    [
        "",
        "GE T",
        "GET\r\n",
        "GET\r\nX-Injected: 1",
        "GET\n",
        "G\x00ET",
        "GET\t",
        "GET/",
        "(GET)",
        "GÉT",
        "G€T",
        "GET:",
    ],
)
def test_invalid_methods_rejected(method: str) -> None:
    assert_rejected(method)


@pytest.mark.parametrize("method", [None, 123, b"GET", ["GET"]])
def test_non_string_methods_rejected(method: object) -> None:
    assert_rejected(method)


# ------------------------------------------------------------------ targets


@pytest.mark.parametrize(
    "target", ["/", "/a/b?c=d&e=%20f", "/~user/!$&'()*+,;=:@", "//double", "/?"]
)
def test_origin_form(target: str) -> None:
    assert head_of("GET", target).startswith(f"GET {target} HTTP/1.1\r\n".encode())


@pytest.mark.parametrize(
    "target",
    [
        "",
        "/a b",
        "/a\r\nX-Injected: 1",
        "/a\n",
        "/a\r",
        "/a\x00",
        "/a\t",
        "/é",
        "/€",
        "/\x7f",
        "/\x1f",
    ],
)
def test_targets_with_forbidden_characters_rejected(target: str) -> None:
    assert_rejected("GET", target)
    assert_rejected("GET", target, absolute_form=True)


@pytest.mark.parametrize("target", [None, b"/", 1])
def test_non_string_targets_rejected(target: object) -> None:
    assert_rejected("GET", target)


def test_asterisk_form_only_for_options() -> None:
    assert head_of("OPTIONS", "*").startswith(b"OPTIONS * HTTP/1.1\r\n")
    for method in ("GET", "HEAD", "POST", "CONNECT", "options"):
        assert_rejected(method, "*")
    assert_rejected("OPTIONS", "**")


@pytest.mark.parametrize("target", ["example.org:443", "[::1]:8080", "10.0.0.1:1", "a:0"])
def test_authority_form_only_for_connect(target: str) -> None:
    assert head_of("CONNECT", target).startswith(f"CONNECT {target} HTTP/1.1\r\n".encode())
    for method in ("GET", "POST", "OPTIONS"):
        assert_rejected(method, target)


@pytest.mark.parametrize(
    "target", ["example.org", "example.org:", "example.org:https", "user@example.org:443", "x"]
)
def test_connect_needs_host_and_port(target: str) -> None:
    assert_rejected("CONNECT", target)


@pytest.mark.parametrize(
    "target", ["http://example.org/", "https://example.org:8443/a?b", "HTTP://h", "a+b.c-d://h/"]
)
def test_absolute_form_only_when_enabled(target: str) -> None:
    assert_rejected("GET", target)
    assert head_of("GET", target, absolute_form=True).startswith(
        f"GET {target} HTTP/1.1\r\n".encode()
    )


@pytest.mark.parametrize("target", ["example.org/x", "http:/x", "://h/", "1http://h/", "http://"])
def test_absolute_form_must_look_absolute(target: str) -> None:
    assert_rejected("GET", target, absolute_form=True)


# ------------------------------------------------------------------ header fields


@pytest.mark.parametrize(
    "name",
    [
        "",
        "X Y",
        "X:Y",
        "X\r\nY",
        "X\nY",
        "X\x00",
        "X\t",
        " X",
        "X ",
        "(X)",
        "X/Y",
        "X@Y",
        "Ü",
        "X-€",
        "X{}",
    ],
)
def test_invalid_header_names_rejected(name: str) -> None:
    assert_rejected(headers=[(name, "v")])


@pytest.mark.parametrize(
    "value",
    [
        "a\rb",
        "a\nb",
        "a\r\nX-Injected: 1",
        "a\r\n",
        "\r\n",
        "a\x00b",
        "\x00",
        " a",
        "a ",
        "\ta",
        "a\t",
        " ",
        "\t",
        "€",
        "a\u2028b",
    ],
)
def test_invalid_header_values_rejected(value: str) -> None:
    assert_rejected(headers=[("X-Value", value)])
    assert_rejected(headers={"X-Value": value})
    assert_rejected(headers=Headers([("X-Value", value)]))


@pytest.mark.parametrize(
    "value", ["", "a b", "a\tb", "a:  b", "a: \tb", "é", "\x7f", "\x01", "a,  b", "\xff"]
)
def test_unusual_but_valid_values_sent_as_latin_1(value: str) -> None:
    lines = field_lines(head_of(headers=[("X-Value", value)]))
    assert f"X-Value: {value}".encode("latin-1") in lines


@pytest.mark.parametrize("value", [True, False, None, 1.5, object(), ["a"]])
def test_non_text_values_rejected(value: object) -> None:
    assert_rejected(headers=[("X-Value", value)])


@pytest.mark.parametrize("name", [None, 1.5, True])
def test_non_text_names_rejected(name: object) -> None:
    assert_rejected(headers=[(name, "v")])


@pytest.mark.parametrize("fields", [[("X-A",)], [("X-A", "1", "2")], [None], [5]])
def test_malformed_pairs_rejected(fields: list[object]) -> None:
    assert_rejected(headers=fields)


@pytest.mark.parametrize("headers", [5, object()])
def test_non_iterable_headers_rejected(headers: object) -> None:
    assert_rejected(headers=headers)


def test_bytes_and_int_inputs() -> None:
    head = head_of(
        "POST",
        headers=[
            (b"X-Bytes", b"\xe9t\xe9"),
            ("X-Int", 42),
            (b"Content-Length", 3),
        ],
        body_length=3,
    )
    assert field_lines(head) == [
        b"Host: writer.test",
        b"X-Bytes: \xe9t\xe9",
        b"X-Int: 42",
        b"Content-Length: 3",
    ]


def test_bytearray_inputs() -> None:
    # Headers() accepts bytearray names and values, so the writer does too.
    head = head_of(headers=[(bytearray(b"X-Bytearray"), bytearray(b"v"))])
    assert field_lines(head) == [b"Host: writer.test", b"X-Bytearray: v"]


def test_bytes_values_with_crlf_rejected() -> None:
    assert_rejected(headers=[(b"X-A", b"a\r\nX-Injected: 1")])
    assert_rejected(headers={b"X-A": b"a\x00"})
    assert_rejected(headers=[(b"X A", b"v")])


def test_header_containers_give_the_same_head() -> None:
    pairs = [("Accept", "*/*"), ("X-Dup", "1"), ("x-dup", "2"), ("User-Agent", "t")]
    expected = (
        b"GET / HTTP/1.1\r\nHost: writer.test\r\nAccept: */*\r\nX-Dup: 1\r\nx-dup: 2\r\n"
        b"User-Agent: t\r\n\r\n"
    )

    def generator() -> Iterator[tuple[str, str]]:
        yield from pairs

    assert head_of(headers=pairs) == expected
    assert head_of(headers=tuple(pairs)) == expected
    assert head_of(headers=Headers(pairs)) == expected
    assert head_of(headers=generator()) == expected
    assert head_of(headers=[(n.encode(), v.encode()) for n, v in pairs]) == expected
    assert head_of(headers={"Accept": "*/*", "X-Dup": "1"}) == (
        b"GET / HTTP/1.1\r\nHost: writer.test\r\nAccept: */*\r\nX-Dup: 1\r\n\r\n"
    )
    assert head_of(headers={b"Accept": b"*/*"}) == (
        b"GET / HTTP/1.1\r\nHost: writer.test\r\nAccept: */*\r\n\r\n"
    )
    empties: list[HeaderTypes | None] = [None, [], (), {}, Headers()]
    for empty in empties:
        assert head_of(headers=empty) == b"GET / HTTP/1.1\r\nHost: writer.test\r\n\r\n"


def test_repeated_requests_give_identical_heads() -> None:
    # Whatever is cached between requests, the second head equals the first.
    fields = [("Accept", "text/html"), ("X-Trace", "abc")]
    first = head_of(headers=fields)
    assert head_of(headers=fields) == first
    assert head_of(headers=list(fields)) == first


def test_validation_survives_many_distinct_names_methods_and_fields() -> None:
    # Thousands of distinct names, methods and fields: every cache the writer
    # may keep fills up, and validation must still reject and accept alike.
    codec = make_codec()
    for index in range(5000):
        head = codec.send_request(
            f"M{index}", "/", [(f"X-N{index}", f"v{index}")], host_header=HOST
        )
        assert (
            head
            == (
                f"M{index} / HTTP/1.1\r\nHost: {HOST}\r\nX-N{index}: v{index}\r\n"
                "Content-Length: 0\r\n\r\n"
            ).encode()
        )
    assert_rejected(headers=[("X-N1", "bad\r\n")])
    assert_rejected(headers=[("X N1", "v")])
    assert_rejected("M 1")
    assert head_of("M1", headers=[("X-N1", "v1")]) == (
        b"M1 / HTTP/1.1\r\nHost: writer.test\r\nX-N1: v1\r\nContent-Length: 0\r\n\r\n"
    )


# ------------------------------------------------------------------ Host


def test_host_added_first() -> None:
    head = head_of("POST", "/x", [("Accept", "*/*")], body_length=2)
    assert head == (
        b"POST /x HTTP/1.1\r\nHost: writer.test\r\nAccept: */*\r\nContent-Length: 2\r\n\r\n"
    )


@pytest.mark.parametrize("name", ["Host", "host", "HOST"])
def test_user_host_kept_in_place(name: str) -> None:
    head = head_of(headers=[("Accept", "*/*"), (name, "other.test:8080")], host_header=HOST)
    assert field_lines(head) == [b"Accept: */*", f"{name}: other.test:8080".encode()]
    # host_header is only a default: not needed when the caller gave Host.
    assert head_of(headers=[(name, "other.test")], host_header=None) == (
        f"GET / HTTP/1.1\r\n{name}: other.test\r\n\r\n".encode()
    )


def test_two_host_headers_are_refused_before_sending() -> None:
    # RFC 9112 §3.2: a server must answer 400 to more than one Host.
    codec = make_codec()
    with pytest.raises(exc.InvalidRequest, match="more than one Host") as info:
        codec.send_request("GET", "/", [("Host", "a.test"), ("host", "b.test")])
    assert info.value.host == HOST
    assert codec.send_state is SendState.IDLE


def test_host_header_forms() -> None:
    assert field_lines(head_of(host_header="[::1]:8080")) == [b"Host: [::1]:8080"]
    assert field_lines(head_of(host_header="xn--bcher-kva.example.")) == [
        b"Host: xn--bcher-kva.example."
    ]


@pytest.mark.parametrize("host_header", [None, ""])
def test_missing_host_rejected(host_header: str | None) -> None:
    assert_rejected(host_header=host_header)


@pytest.mark.parametrize(
    "host_header", ["a\r\nX-Injected: 1", "a\n", "a\x00", " a", "a ", "a\t", "\u0430.test"]
)
def test_bad_host_header_rejected(host_header: str) -> None:
    assert_rejected(host_header=host_header)


@pytest.mark.parametrize("value", ["a\r\nX: 1", " a", "a\x00"])
def test_bad_user_host_rejected(value: str) -> None:
    assert_rejected(headers=[("Host", value)])


# ------------------------------------------------------------------ framing


@pytest.mark.parametrize("method", ["GET", "HEAD", "DELETE", "OPTIONS", "TRACE"])
def test_empty_body_of_no_content_methods_has_no_length(method: str) -> None:
    codec = make_codec()
    target = "*" if method == "OPTIONS" else "/"
    head = codec.send_request(method, target, host_header=HOST, body_length=0)
    assert head == f"{method} {target} HTTP/1.1\r\nHost: writer.test\r\n\r\n".encode()
    assert send_state(codec) is SendState.IDLE
    assert codec.pending == 1


def test_empty_body_of_connect_has_no_length() -> None:
    codec = make_codec()
    head = codec.send_request("CONNECT", "h.test:443", host_header="h.test:443")
    assert head == b"CONNECT h.test:443 HTTP/1.1\r\nHost: h.test:443\r\n\r\n"
    assert send_state(codec) is SendState.IDLE


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "PROPFIND", "get"])
def test_empty_body_of_other_methods_says_content_length_0(method: str) -> None:
    codec = make_codec()
    head = codec.send_request(method, "/", host_header=HOST, body_length=0)
    assert field_lines(head) == [b"Host: writer.test", b"Content-Length: 0"]
    assert send_state(codec) is SendState.IDLE
    with pytest.raises(exc.StateError):
        codec.send_data(b"x")


@pytest.mark.parametrize("method", ["POST", "GET", "DELETE"])
def test_known_length_gives_content_length(method: str) -> None:
    codec = make_codec()
    head = codec.send_request(method, "/", host_header=HOST, body_length=11)
    assert field_lines(head) == [b"Host: writer.test", b"Content-Length: 11"]
    assert send_state(codec) is SendState.BODY
    assert joined(codec.send_data(b"hello ")) == b"hello "
    assert joined(codec.send_data(b"world")) == b"world"
    assert codec.end_request() == b""
    assert send_state(codec) is SendState.IDLE


def test_large_known_length() -> None:
    length = 2**63 - 1
    head = head_of("PUT", body_length=length)
    assert f"Content-Length: {length}".encode() in field_lines(head)


def test_unknown_length_is_chunked() -> None:
    codec = make_codec()
    head = codec.send_request("POST", "/", host_header=HOST, body_length=None)
    assert field_lines(head) == [b"Host: writer.test", b"Transfer-Encoding: chunked"]
    assert send_state(codec) is SendState.BODY


@pytest.mark.parametrize("name", ["Content-Length", "content-length"])
def test_unknown_length_with_user_content_length(name: str) -> None:
    codec = make_codec()
    head = codec.send_request("POST", "/", [(name, "7")], host_header=HOST, body_length=None)
    assert field_lines(head) == [b"Host: writer.test", f"{name}: 7".encode()]
    assert send_state(codec) is SendState.BODY
    assert joined(codec.send_data(b"1234567")) == b"1234567"
    assert codec.end_request() == b""
    assert send_state(codec) is SendState.IDLE


def test_unknown_length_with_user_content_length_overrun() -> None:
    codec = make_codec()
    codec.send_request("POST", "/", [("Content-Length", "3")], host_header=HOST, body_length=None)
    with pytest.raises(exc.ExcessBodyData):
        codec.send_data(b"1234")


@pytest.mark.parametrize("value", ["chunked", "Chunked", "CHUNKED"])
def test_unknown_length_with_user_chunked(value: str) -> None:
    codec = make_codec()
    head = codec.send_request(
        "POST", "/", [("Transfer-Encoding", value)], host_header=HOST, body_length=None
    )
    assert field_lines(head) == [b"Host: writer.test", f"Transfer-Encoding: {value}".encode()]
    assert joined(codec.send_data(b"abc")) == b"3\r\nabc\r\n"
    assert codec.end_request() == b"0\r\n\r\n"


def test_user_content_length_agreeing_is_kept_once() -> None:
    head = head_of("POST", headers=[("Content-Length", "5")], body_length=5)
    assert field_lines(head) == [b"Host: writer.test", b"Content-Length: 5"]
    head = head_of(
        "POST", headers=[("Content-Length", "5"), ("Content-Length", "5")], body_length=5
    )
    assert field_lines(head) == [b"Host: writer.test", b"Content-Length: 5", b"Content-Length: 5"]
    head = head_of("POST", headers=[("Content-Length", "0")], body_length=0)
    assert field_lines(head) == [b"Host: writer.test", b"Content-Length: 0"]


@pytest.mark.parametrize(
    ("user", "body_length"),
    [("4", 5), ("6", 5), ("1", 0), ("0", 1), ("5", 50)],
)
def test_user_content_length_disagreeing_rejected(user: str, body_length: int) -> None:
    assert_rejected("POST", headers=[("Content-Length", user)], body_length=body_length)


@pytest.mark.parametrize(
    "value", ["", "abc", "-1", "+5", "5.0", "0x5", "1" * 20, " 5", "5 ", "5, 5", "²"]
)
@pytest.mark.parametrize("body_length", [5, None])
def test_invalid_user_content_length_rejected(value: str, body_length: int | None) -> None:
    assert_rejected("POST", headers=[("Content-Length", value)], body_length=body_length)


def test_conflicting_user_content_lengths_rejected() -> None:
    assert_rejected(
        "POST", headers=[("Content-Length", "5"), ("Content-Length", "6")], body_length=None
    )


@pytest.mark.parametrize("body_length", [0, 5])
def test_user_chunked_with_known_length_rejected(body_length: int) -> None:
    assert_rejected("POST", headers=[("Transfer-Encoding", "chunked")], body_length=body_length)


@pytest.mark.parametrize(
    "value", ["gzip", "gzip, chunked", "chunked, gzip", "identity", "chunked;q=1", ""]
)
def test_transfer_encoding_other_than_chunked_rejected(value: str) -> None:
    assert_rejected("POST", headers=[("Transfer-Encoding", value)], body_length=None)


def test_repeated_transfer_encoding_rejected() -> None:
    assert_rejected(
        "POST",
        headers=[("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")],
        body_length=None,
    )


@pytest.mark.parametrize("body_length", [None, 5, 0])
def test_content_length_and_transfer_encoding_together_rejected(body_length: int | None) -> None:
    assert_rejected(
        "POST",
        headers=[("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
        body_length=body_length,
    )
    assert_rejected(
        "POST",
        headers=[("Transfer-Encoding", "chunked"), ("Content-Length", "5")],
        body_length=body_length,
    )


@pytest.mark.parametrize("body_length", [-1, True, False, 1.5, "5", b"5", [5]])
def test_invalid_body_length_rejected(body_length: object) -> None:
    assert_rejected("POST", body_length=body_length)


# ------------------------------------------------------------------ Expect: 100-continue


def test_expect_continue_added() -> None:
    codec = make_codec()
    head = codec.send_request("PUT", "/", host_header=HOST, body_length=3, expect_continue=True)
    assert field_lines(head) == [
        b"Host: writer.test",
        b"Content-Length: 3",
        b"Expect: 100-continue",
    ]
    assert send_state(codec) is SendState.AWAITING_CONTINUE


def test_expect_continue_with_chunked_body() -> None:
    codec = make_codec()
    head = codec.send_request("PUT", "/", host_header=HOST, body_length=None, expect_continue=True)
    assert b"Expect: 100-continue" in field_lines(head)
    assert send_state(codec) is SendState.AWAITING_CONTINUE


@pytest.mark.parametrize("value", ["100-continue", "100-Continue"])
def test_user_expect_continue_kept_once(value: str) -> None:
    codec = make_codec()
    head = codec.send_request(
        "PUT", "/", [("Expect", value)], host_header=HOST, body_length=3, expect_continue=True
    )
    assert field_lines(head) == [
        b"Host: writer.test",
        f"Expect: {value}".encode(),
        b"Content-Length: 3",
    ]
    assert send_state(codec) is SendState.AWAITING_CONTINUE
    # The caller's header alone asks for the wait.
    codec = make_codec()
    codec.send_request("PUT", "/", [("Expect", value)], host_header=HOST, body_length=3)
    assert send_state(codec) is SendState.AWAITING_CONTINUE


def test_expect_continue_without_body_rejected() -> None:
    assert_rejected("POST", body_length=0, expect_continue=True)
    assert_rejected("GET", body_length=0, expect_continue=True)
    assert_rejected("POST", headers=[("Expect", "100-continue")], body_length=0)


def test_other_expectation_does_not_wait() -> None:
    codec = make_codec()
    head = codec.send_request("PUT", "/", [("Expect", "x-other")], host_header=HOST, body_length=3)
    assert send_state(codec) is SendState.BODY
    assert b"100-continue" not in head.lower()


def test_waiting_for_100_only_when_the_head_asks_for_it() -> None:
    # If the codec waits for 100 Continue, the head on the wire must ask for
    # it (RFC 9110 §10.1.1): a server not asked never sends 100.
    codec = make_codec()
    head = codec.send_request(
        "PUT", "/", [("Expect", "x-other")], host_header=HOST, body_length=3, expect_continue=True
    )
    assert send_state(codec) is SendState.AWAITING_CONTINUE
    assert b"100-continue" in head.lower()


# ------------------------------------------------------------------ bodies


def test_chunked_framing_bytes() -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=None)
    assert joined(codec.send_data(b"hello")) == b"5\r\nhello\r\n"
    assert joined(codec.send_data(bytearray(b"x" * 4096))) == b"1000\r\n" + b"x" * 4096 + b"\r\n"
    assert joined(codec.send_data(memoryview(b"abcdefghijklmnop")[1:])) == (
        b"f\r\nbcdefghijklmnop\r\n"
    )
    # A multi-byte memoryview counts bytes, not items.
    words = array("H", [1, 2, 3])
    assert joined(codec.send_data(memoryview(words))) == b"6\r\n" + words.tobytes() + b"\r\n"
    assert codec.end_request() == b"0\r\n\r\n"
    assert send_state(codec) is SendState.IDLE


def test_chunked_data_is_passed_through_without_copy() -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=None)
    data = memoryview(bytearray(b"payload"))
    parts = codec.send_data(data)
    assert any(part is data for part in parts)


@pytest.mark.parametrize("empty", [b"", bytearray(), memoryview(b"")])
def test_empty_writes_produce_nothing(empty: bytes | bytearray | memoryview) -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=None)
    assert joined(codec.send_data(empty)) == b""  # an empty chunk would end the body
    assert joined(codec.send_data(b"a")) == b"1\r\na\r\n"
    assert codec.end_request() == b"0\r\n\r\n"

    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=1)
    assert joined(codec.send_data(empty)) == b""
    assert joined(codec.send_data(b"a")) == b"a"
    assert joined(codec.send_data(empty)) == b""
    assert codec.end_request() == b""


def test_known_length_passes_data_through() -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=6)
    words = array("H", [1, 2, 3])
    assert joined(codec.send_data(memoryview(words))) == words.tobytes()
    assert codec.end_request() == b""


@pytest.mark.parametrize(
    ("writes", "overrun"),
    [([b"abc", b"def"], b"g"), ([], b"1234567890"), ([b"abcdef"], b"x"), ([b"abcd"], b"xyz")],
)
def test_overrun_raises_excess_body_data(writes: list[bytes], overrun: bytes) -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=6)
    for data in writes:
        assert joined(codec.send_data(data)) == data
    with pytest.raises(exc.ExcessBodyData) as info:
        codec.send_data(overrun)
    assert info.value.host == HOST
    # The request can never be completed: the codec refuses all further sending.
    assert send_state(codec) is SendState.ERROR
    assert not codec.is_reusable()
    with pytest.raises(exc.StateError):
        codec.send_data(b"")
    with pytest.raises(exc.StateError):
        codec.end_request()
    with pytest.raises(exc.CannotSendRequest):
        codec.send_request("GET", "/", host_header=HOST)
    with pytest.raises(exc.CannotSendRequest):
        codec.start_request("GET", "/")


def test_overrun_by_memoryview_counts_bytes() -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=5)
    with pytest.raises(exc.ExcessBodyData):
        codec.send_data(memoryview(array("H", [1, 2, 3])))


@pytest.mark.parametrize("sent", [b"", b"abc", b"abcde"])
def test_ending_a_known_length_body_early_raises(sent: bytes) -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=6)
    codec.send_data(sent)
    with pytest.raises(exc.InvalidRequest) as info:
        codec.end_request()
    assert info.value.host == HOST
    assert send_state(codec) is SendState.ERROR
    assert not codec.is_reusable()
    with pytest.raises(exc.StateError):
        codec.send_data(b"x")
    with pytest.raises(exc.CannotSendRequest):
        codec.send_request("GET", "/", host_header=HOST)


# ------------------------------------------------------------------ trailers


def chunked_codec() -> ClientCodec:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=None)
    codec.send_data(b"data")
    return codec


def test_trailers_sent_after_the_last_chunk() -> None:
    expected = b"0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
    pairs = [("X-Checksum", "abc"), ("X-Other", "1")]
    assert chunked_codec().end_request(pairs) == expected
    assert chunked_codec().end_request(Headers(pairs)) == expected
    assert chunked_codec().end_request(dict(pairs)) == expected
    assert chunked_codec().end_request([(b"X-Checksum", b"abc"), (b"X-Other", b"1")]) == expected
    assert chunked_codec().end_request([("X-Latin", "\xe9")]) == b"0\r\nX-Latin: \xe9\r\n\r\n"
    empties: list[HeaderTypes | None] = [None, [], {}, Headers()]
    for empty in empties:
        codec = chunked_codec()
        assert codec.end_request(empty) == b"0\r\n\r\n"
        assert send_state(codec) is SendState.IDLE


@pytest.mark.parametrize(
    "name",
    [
        "Content-Length",
        "transfer-encoding",
        "Host",
        "CONNECTION",
        "TE",
        "Trailer",
        "Expect",
    ],
)
def test_forbidden_trailers_rejected(name: str) -> None:
    codec = chunked_codec()
    with pytest.raises(exc.InvalidRequest) as info:
        codec.end_request([(name, "1")])
    assert info.value.host == HOST


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X A", "1"),
        ("", "1"),
        ("X-A", "a\r\nX-Injected: 1"),
        ("X-A", "a\x00"),
        ("X-A", " a"),
        ("X-A", "a\t"),
        ("X-A", "€"),
        ("X-€", "1"),
    ],
)
def test_invalid_trailers_rejected(name: str, value: str) -> None:
    codec = chunked_codec()
    with pytest.raises(exc.InvalidRequest) as info:
        codec.end_request([(name, value)])
    assert info.value.host == HOST
    assert not codec.is_reusable()


def test_trailers_need_a_chunked_body() -> None:
    codec = make_codec()
    codec.send_request("POST", "/", host_header=HOST, body_length=1)
    codec.send_data(b"x")
    with pytest.raises(exc.InvalidRequest):
        codec.end_request([("X-Checksum", "abc")])
    assert not codec.is_reusable()


# ------------------------------------------------------------------ httplib step by step


def test_step_by_step_gives_the_same_head() -> None:
    codec = make_codec()
    codec.start_request("POST", "/upload")
    assert send_state(codec) is SendState.HEADERS
    codec.add_header("Accept", "*/*")
    codec.add_header("X-Dup", "1")
    codec.add_header("X-Dup", "2")
    head = codec.end_headers(host_header=HOST, body_length=4)
    assert head == head_of(
        "POST", "/upload", [("Accept", "*/*"), ("X-Dup", "1"), ("X-Dup", "2")], body_length=4
    )
    assert send_state(codec) is SendState.BODY
    assert joined(codec.send_data(b"abcd")) == b"abcd"
    assert codec.end_request() == b""
    assert send_state(codec) is SendState.IDLE
    assert codec.pending == 1


def test_step_by_step_with_expect_and_chunked() -> None:
    codec = make_codec()
    codec.start_request(http.HTTPMethod.PUT, "/")
    head = codec.end_headers(host_header=HOST, body_length=None, expect_continue=True)
    assert head == b"PUT / HTTP/1.1\r\nHost: writer.test\r\nTransfer-Encoding: chunked\r\n" + (
        b"Expect: 100-continue\r\n\r\n"
    )
    assert send_state(codec) is SendState.AWAITING_CONTINUE


@pytest.mark.parametrize(
    ("name", "value"), [("X A", "v"), ("X-A", "a\r\nb"), ("X-A", " v"), ("X-A", "a\x00")]
)
def test_add_header_validates_at_once(name: str, value: str) -> None:
    codec = make_codec()
    codec.start_request("GET", "/")
    with pytest.raises(exc.InvalidRequest) as info:
        codec.add_header(name, value)
    assert info.value.host == HOST
    # The bad field was not kept; the head can still be finished.
    assert send_state(codec) is SendState.HEADERS
    assert codec.end_headers(host_header=HOST) == b"GET / HTTP/1.1\r\nHost: writer.test\r\n\r\n"


@pytest.mark.parametrize(
    ("name", "value"), [(b"X-A", "v"), ("X-A", b"v"), ("X-A", 1), (None, "v")]
)
def test_add_header_wants_text(name: object, value: object) -> None:
    codec = make_codec()
    codec.start_request("GET", "/")
    anything: Any = (name, value)
    with pytest.raises(exc.InvalidRequest):
        codec.add_header(*anything)


def test_end_headers_pre_send_error_leaves_codec_idle() -> None:
    codec = make_codec()
    codec.start_request("GET", "/")
    with pytest.raises(exc.InvalidRequest):
        codec.end_headers(host_header=None)
    assert send_state(codec) is SendState.IDLE
    assert codec.pending == 0
    with pytest.raises(exc.CannotSendHeader):
        codec.add_header("X-A", "1")
    codec.start_request("GET", "/ bad")  # the target is checked when the head is finished
    with pytest.raises(exc.InvalidRequest):
        codec.end_headers(host_header=HOST)
    assert send_state(codec) is SendState.IDLE
    assert codec.send_request("GET", "/", host_header=HOST).startswith(b"GET / ")


# ------------------------------------------------------------------ the head cache


def test_repeated_immutable_request_is_served_from_the_head_cache() -> None:
    from aiohttpcore.protocol import writer

    fields = (("User-Agent", "cache-test/1"), ("Accept", "*/*"))
    first = make_codec().send_request("GET", "/cached", fields, host_header="example.org")
    key_count = len(writer._HEAD_CACHE)
    second_codec = make_codec()
    second = second_codec.send_request("GET", "/cached", fields, host_header="example.org")
    assert second == first
    assert len(writer._HEAD_CACHE) == key_count  # a hit: nothing new stored
    # Each request gets its own record: answering one early must not mark the other.
    pending = second_codec._state.pending[0]
    pending.close = True
    third_codec = make_codec()
    third_codec.send_request("GET", "/cached", fields, host_header="example.org")
    assert third_codec._state.pending[0].close is False


def test_head_cache_never_holds_a_rejected_head() -> None:
    from aiohttpcore.protocol import writer

    bad = (("X-Bad", "a\r\nInjected: 1"),)
    for _ in range(2):
        with pytest.raises(exc.InvalidRequest):
            make_codec().send_request("GET", "/", bad, host_header="example.org")
    assert not any(key[2] == bad for key in writer._HEAD_CACHE)


def test_unhashable_tuple_headers_are_encoded_without_the_cache() -> None:
    fields: Any = (["X-List", "value"],)
    data = make_codec().send_request("GET", "/", fields, host_header="example.org")
    assert b"X-List: value\r\n" in data


def test_head_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttpcore.protocol import writer

    monkeypatch.setattr(writer, "_HEAD_CACHE_SIZE", 3)
    monkeypatch.setattr(writer, "_HEAD_CACHE", {})
    for index in range(7):
        make_codec().send_request("GET", f"/{index}", (), host_header="example.org")
        assert len(writer._HEAD_CACHE) <= 3


def test_head_cache_tells_false_from_zero() -> None:
    # False == 0 and hash(False) == hash(0): a cache keyed on equality alone
    # would hand a body_length=False request the accepted head of a 0.
    make_codec().send_request("POST", "/", None, host_header=HOST, body_length=0)
    assert_rejected("POST", body_length=False)
