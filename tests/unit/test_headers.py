"""aiohttpcore.headers: Headers (ordered case-insensitive multimap) and CaseInsensitiveDict.

What callers rely on: lookups ignore case, every line keeps its place and
its original spelling, repeated fields join with ", " for ``[]``/``get`` and
stay apart for ``getall``/``multi_items``/``raw``, and bytes from the wire
survive a round trip exactly (ISO-8859-1 maps each byte to one code point).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import pytest

from aiohttpcore.headers import CaseInsensitiveDict, Headers

LINES = [
    ("Content-Type", "text/html"),
    ("Set-Cookie", "a=1"),
    ("X-Custom", "x"),
    ("set-cookie", "b=2"),
]


@pytest.fixture
def headers() -> Headers:
    return Headers(LINES)


# ------------------------------------------------------------------ construction


@pytest.mark.parametrize(
    "source",
    [
        [("Host", "example.org"), ("Accept", "*/*")],
        (("Host", "example.org"), ("Accept", "*/*")),
        {"Host": "example.org", "Accept": "*/*"},
        [(b"Host", b"example.org"), (b"Accept", b"*/*")],
        {b"Host": b"example.org", b"Accept": b"*/*"},
        Headers([("Host", "example.org"), ("Accept", "*/*")]),
        iter([("Host", "example.org"), ("Accept", "*/*")]),
    ],
    ids=["list", "tuple", "dict", "bytes-list", "bytes-dict", "headers", "iterator"],
)
def test_construction_sources(source: Any) -> None:
    headers = Headers(source)
    assert headers.multi_items() == [("Host", "example.org"), ("Accept", "*/*")]


def test_empty() -> None:
    for headers in (Headers(), Headers(None), Headers([]), Headers({})):
        assert len(headers) == 0
        assert list(headers) == []
        assert headers.raw == []
        assert headers.get("x") is None
        assert "x" not in headers


def test_is_a_mutable_mapping(headers: Headers) -> None:
    assert isinstance(headers, MutableMapping)
    assert isinstance(headers, Mapping)


def test_copy_constructor_is_independent(headers: Headers) -> None:
    other = Headers(headers)
    other.add("X-New", "1")
    assert "X-New" not in headers


def test_from_lines_adopts_the_list() -> None:
    lines = [("host", "Host", "a")]
    headers = Headers._from_lines(lines)
    assert headers["HOST"] == "a"
    assert headers._lines is lines


# ------------------------------------------------------------------ lookup


@pytest.mark.parametrize("name", ["content-type", "Content-Type", "CONTENT-TYPE", "cOnTeNt-TyPe"])
def test_lookup_ignores_case(headers: Headers, name: str) -> None:
    assert headers[name] == "text/html"
    assert headers.get(name) == "text/html"
    assert headers.getheader(name) == "text/html"
    assert headers.getall(name) == ["text/html"]
    assert name in headers


def test_repeated_fields_join_for_get_and_stay_apart_for_getall(headers: Headers) -> None:
    assert headers["SET-COOKIE"] == "a=1, b=2"
    assert headers.get("set-cookie") == "a=1, b=2"
    assert headers.getall("Set-Cookie") == ["a=1", "b=2"]


def test_missing(headers: Headers) -> None:
    with pytest.raises(KeyError, match="Missing"):
        headers["Missing"]
    assert headers.get("missing") is None
    assert headers.get("missing", "default") == "default"
    assert headers.getheader("missing") is None
    assert headers.getheader("missing", "d") == "d"
    assert headers.getall("missing") == []
    assert "missing" not in headers


def test_present_but_empty_value_is_not_missing() -> None:
    headers = Headers([("X-Empty", "")])
    assert headers["x-empty"] == ""
    assert headers.get("x-empty", "default") == ""


@pytest.mark.parametrize("key", [b"content-type", 1, None, ("content-type",)])
def test_contains_non_str_is_false(headers: Headers, key: object) -> None:
    assert key not in headers


def test_keys_iteration_and_len_see_each_name_once_in_first_spelling(headers: Headers) -> None:
    assert list(headers) == ["Content-Type", "Set-Cookie", "X-Custom"]
    assert list(headers.keys()) == ["Content-Type", "Set-Cookie", "X-Custom"]
    assert len(headers) == 3


def test_items_and_values_join(headers: Headers) -> None:
    assert list(headers.items()) == [
        ("Content-Type", "text/html"),
        ("Set-Cookie", "a=1, b=2"),
        ("X-Custom", "x"),
    ]
    assert list(headers.values()) == ["text/html", "a=1, b=2", "x"]


def test_multi_items_keep_every_line_in_order_and_case(headers: Headers) -> None:
    assert headers.multi_items() == LINES


def test_raw_gives_wire_bytes(headers: Headers) -> None:
    assert headers.raw == [(name.encode(), value.encode()) for name, value in LINES]


def test_bytes_decode_as_latin1_losslessly() -> None:
    every_byte = bytes(range(256))
    headers = Headers([(b"X-Bin", every_byte)])
    assert headers["x-bin"] == every_byte.decode("latin-1")
    assert len(headers["x-bin"]) == 256
    assert headers.raw == [(b"X-Bin", every_byte)]


def test_obs_text_value_round_trips() -> None:
    headers = Headers([(b"Content-Disposition", b'attachment; filename="caf\xe9"')])
    assert headers["content-disposition"] == 'attachment; filename="café"'
    assert headers.raw[0][1] == b'attachment; filename="caf\xe9"'


# ------------------------------------------------------------------ changes


def test_setitem_replaces_all_lines_at_the_first_place(headers: Headers) -> None:
    headers["SET-COOKIE"] = "c=3"
    assert headers.multi_items() == [
        ("Content-Type", "text/html"),
        ("SET-COOKIE", "c=3"),
        ("X-Custom", "x"),
    ]
    assert headers.getall("set-cookie") == ["c=3"]


def test_setitem_new_name_appends(headers: Headers) -> None:
    headers["X-New"] = "1"
    assert headers.multi_items()[-1] == ("X-New", "1")
    assert len(headers) == 4


def test_delitem_removes_every_line(headers: Headers) -> None:
    del headers["set-COOKIE"]
    assert "Set-Cookie" not in headers
    assert headers.multi_items() == [("Content-Type", "text/html"), ("X-Custom", "x")]
    with pytest.raises(KeyError):
        del headers["set-cookie"]


def test_add_appends_and_keeps_existing(headers: Headers) -> None:
    headers.add("X-CUSTOM", "y")
    assert headers.getall("x-custom") == ["x", "y"]
    assert headers.multi_items()[-1] == ("X-CUSTOM", "y")
    assert headers["x-custom"] == "x, y"


def test_mutable_mapping_helpers(headers: Headers) -> None:
    assert headers.pop("x-custom") == "x"
    assert "x-custom" not in headers
    assert headers.setdefault("Accept", "*/*") == "*/*"
    assert headers.setdefault("accept", "other") == "*/*"
    headers.update({"content-type": "text/plain"})
    assert headers.getall("Content-Type") == ["text/plain"]


def test_copy_is_independent(headers: Headers) -> None:
    copy = headers.copy()
    assert copy == headers
    assert copy is not headers
    copy.add("X-New", "1")
    copy["content-type"] = "text/plain"
    assert "X-New" not in headers
    assert headers["content-type"] == "text/html"


# ------------------------------------------------------------------ comparison


def test_equality_ignores_name_case_and_field_order_but_not_value_case() -> None:
    a = Headers([("Content-Type", "text/html"), ("X-A", "1")])
    assert a == Headers([("content-type", "text/html"), ("x-a", "1")])
    assert a == [("CONTENT-TYPE", "text/html"), ("X-A", "1")]
    assert a == {"content-type": "text/html", "x-a": "1"}
    assert a != Headers([("Content-Type", "TEXT/HTML"), ("X-A", "1")])
    assert a == Headers([("X-A", "1"), ("Content-Type", "text/html")])
    assert a != Headers([("Content-Type", "text/html")])


@pytest.mark.parametrize("other", [None, 1, "Content-Type", object(), [1, 2]])
def test_equality_with_unrelated_types_is_false(other: object) -> None:
    assert Headers([("Content-Type", "text/html")]) != other


def test_equality_with_non_str_keys_is_false() -> None:
    assert Headers([("a", "1")]) != {1: "1"}


def test_unhashable(headers: Headers) -> None:
    with pytest.raises(TypeError):
        hash(headers)


def test_repr_shows_every_line(headers: Headers) -> None:
    assert repr(headers) == f"Headers({LINES!r})"


# ------------------------------------------------------------------ CaseInsensitiveDict


def test_cidict_last_set_case_wins() -> None:
    d = CaseInsensitiveDict()
    d["Content-Type"] = "text/html"
    d["content-type"] = "text/plain"
    assert list(d) == ["content-type"]
    assert d["CONTENT-TYPE"] == "text/plain"
    assert len(d) == 1


def test_cidict_basics() -> None:
    d = CaseInsensitiveDict({"Accept": "*/*", "Host": "example.org"})
    assert isinstance(d, MutableMapping)
    assert "accept" in d
    assert "ACCEPT" in d
    foreign_keys: list[object] = [b"accept", 1, None]
    assert not any(key in d for key in foreign_keys)
    assert d.get("HOST") == "example.org"
    assert dict(d.items()) == {"Accept": "*/*", "Host": "example.org"}
    assert list(d.lower_items()) == [("accept", "*/*"), ("host", "example.org")]
    del d["accept"]
    assert list(d) == ["Host"]
    with pytest.raises(KeyError):
        d["accept"]
    with pytest.raises(KeyError):
        del d["accept"]


def test_cidict_from_pairs_keeps_order() -> None:
    d = CaseInsensitiveDict([("B", "2"), ("a", "1"), ("b", "3")])
    assert list(d.items()) == [("b", "3"), ("a", "1")]


def test_cidict_copy_is_independent() -> None:
    d = CaseInsensitiveDict({"A": "1"})
    copy = d.copy()
    copy["a"] = "2"
    assert d["A"] == "1"
    assert list(d) == ["A"]
    assert list(copy) == ["a"]


def test_cidict_equality_ignores_case() -> None:
    d = CaseInsensitiveDict({"Content-Type": "text/html"})
    assert d == {"content-type": "text/html"}
    assert d == CaseInsensitiveDict({"CONTENT-TYPE": "text/html"})
    assert d != {"content-type": "TEXT/HTML"}
    assert d != [("content-type", "text/html")]
    assert d != "content-type"


def test_cidict_equality_with_non_str_keys_is_false() -> None:
    assert CaseInsensitiveDict({"a": "1"}) != {1: "1"}


def test_cidict_unhashable_and_repr() -> None:
    d = CaseInsensitiveDict({"Accept": "*/*"})
    with pytest.raises(TypeError):
        hash(d)
    assert repr(d) == "CaseInsensitiveDict({'Accept': '*/*'})"
