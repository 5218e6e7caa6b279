"""aiohttpcore.status: httplib's constants and ``responses``, status_of, reason_of, method_name."""

from __future__ import annotations

import http
import http.client

import pytest

from aiohttpcore import status
from aiohttpcore.status import HTTPMethod, HTTPStatus, method_name, reason_of, status_of

HTTPLIB_STATUS_NAMES = sorted(
    name for name in dir(http.client) if isinstance(getattr(http.client, name), HTTPStatus)
)


def test_httplib_names_are_all_here() -> None:
    assert len(HTTPLIB_STATUS_NAMES) >= 60
    missing = [name for name in HTTPLIB_STATUS_NAMES if not hasattr(status, name)]
    assert missing == []


@pytest.mark.parametrize("name", HTTPLIB_STATUS_NAMES)
def test_constant_is_the_httplib_member(name: str) -> None:
    value = getattr(status, name)
    assert value is getattr(http.client, name)
    assert value is HTTPStatus[name]
    assert name in status.__all__


def test_declared_constants_match_the_members() -> None:
    # The annotations exist for type checkers; they must name exactly the members.
    declared = {name for name, kind in status.__annotations__.items() if kind == "HTTPStatus"}
    assert declared == {member.name for member in HTTPStatus}


def test_well_known_constants() -> None:
    assert status.OK == 200
    assert status.NOT_FOUND == 404
    assert status.NOT_FOUND.phrase == "Not Found"
    assert status.CONTINUE is HTTPStatus.CONTINUE


def test_all_resolves() -> None:
    for name in status.__all__:
        assert hasattr(status, name), name
    assert len(status.__all__) == len(set(status.__all__))


def test_responses_matches_httplib() -> None:
    assert status.responses == http.client.responses
    assert status.responses[404] == "Not Found"
    assert all(type(code) is HTTPStatus for code in status.responses)


@pytest.mark.parametrize("member", list(HTTPStatus))
def test_status_of_known_code_is_the_member(member: HTTPStatus) -> None:
    result = status_of(int(member))
    assert result is member
    assert status_of(member) is member


@pytest.mark.parametrize("code", [150, 199, 209, 299, 430, 499, 520, 599])
def test_status_of_unknown_code_is_a_plain_int(code: int) -> None:
    result = status_of(code)
    assert type(result) is int
    assert result == code


@pytest.mark.parametrize("code", [-1, 0, 1, 99, 600, 999, 1000, 10**30])
def test_status_of_outside_range(code: int) -> None:
    with pytest.raises(ValueError, match="outside 100-599"):
        status_of(code)


def test_status_of_result_behaves_as_int_either_way() -> None:
    assert {status_of(200): "a", status_of(299): "b"}[200] == "a"
    assert status_of(299) + 1 == 300


@pytest.mark.parametrize(
    ("code", "phrase"),
    [(200, "OK"), (404, "Not Found"), (418, "I'm a Teapot"), (299, ""), (600, ""), (0, "")],
)
def test_reason_of(code: int, phrase: str) -> None:
    assert reason_of(code) == phrase


@pytest.mark.parametrize("method", list(HTTPMethod))
def test_method_name_of_httpmethod_is_plain_str(method: HTTPMethod) -> None:
    name = method_name(method)
    assert type(name) is str
    assert name == method.value


@pytest.mark.parametrize("method", ["GET", "PURGE", "get", "M-SEARCH"])
def test_method_name_of_str_is_unchanged(method: str) -> None:
    name = method_name(method)
    assert name is method  # no copy on the hot path, and no case change (RFC 9110 §9.1)


def test_method_name_of_str_subclass_is_exact_str() -> None:
    class Verb(str):
        def __str__(self) -> str:
            return "overridden"

    name = method_name(Verb("PATCH"))
    assert type(name) is str
    assert name == "PATCH"


@pytest.mark.parametrize("method", [b"GET", 1, None])
def test_method_name_rejects_non_strings(method: object) -> None:
    with pytest.raises(TypeError, match=r"str or http\.HTTPMethod"):
        method_name(method)  # type: ignore[arg-type]


def test_http_enums_are_the_standard_ones() -> None:
    assert status.HTTPStatus is http.HTTPStatus
    assert status.HTTPMethod is http.HTTPMethod
