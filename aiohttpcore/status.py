"""Status codes, reason phrases and method names: httplib's vocabulary on ``http`` enums.

Status codes are :class:`http.HTTPStatus` members wherever the code is one
the standard library knows, so ``resp.status == 404``, ``resp.status is
NOT_FOUND`` and ``resp.status.phrase`` all work; a code it does not know (a
server may send any three digits, RFC 9110 §15) stays a plain ``int``, never
an error. The module-level constants (``OK``, ``NOT_FOUND``...) are the very
members ``http.client`` exports, generated from ``HTTPStatus`` as it does, so
code moving from httplib keeps its imports' meaning. Methods may be given as
``str`` or :class:`http.HTTPMethod` anywhere; :func:`method_name` is the one
place that turns either into the plain ``str`` the writer serialises.

Rules: the parser calls :func:`status_of` once per response, so the lookups
here are precomputed dictionaries, not ``HTTPStatus(code)`` (an enum call with
an exception for unknown codes). This module imports nothing from the package,
and ``protocol/`` may import it.
"""

from __future__ import annotations

from http import HTTPMethod, HTTPStatus

__all__ = [  # the fixed names, then every HTTPStatus member name
    "HTTPMethod",
    "HTTPStatus",
    "method_name",
    "reason_of",
    "responses",
    "status_of",
    *HTTPStatus.__members__,
]

# The constants below are declared for type checkers and filled from
# ``HTTPStatus.__members__`` at import, exactly as ``http.client`` fills its
# namespace; ``tests/unit/test_status.py`` checks the two lists agree.
CONTINUE: HTTPStatus
SWITCHING_PROTOCOLS: HTTPStatus
PROCESSING: HTTPStatus
EARLY_HINTS: HTTPStatus
OK: HTTPStatus
CREATED: HTTPStatus
ACCEPTED: HTTPStatus
NON_AUTHORITATIVE_INFORMATION: HTTPStatus
NO_CONTENT: HTTPStatus
RESET_CONTENT: HTTPStatus
PARTIAL_CONTENT: HTTPStatus
MULTI_STATUS: HTTPStatus
ALREADY_REPORTED: HTTPStatus
IM_USED: HTTPStatus
MULTIPLE_CHOICES: HTTPStatus
MOVED_PERMANENTLY: HTTPStatus
FOUND: HTTPStatus
SEE_OTHER: HTTPStatus
NOT_MODIFIED: HTTPStatus
USE_PROXY: HTTPStatus
TEMPORARY_REDIRECT: HTTPStatus
PERMANENT_REDIRECT: HTTPStatus
BAD_REQUEST: HTTPStatus
UNAUTHORIZED: HTTPStatus
PAYMENT_REQUIRED: HTTPStatus
FORBIDDEN: HTTPStatus
NOT_FOUND: HTTPStatus
METHOD_NOT_ALLOWED: HTTPStatus
NOT_ACCEPTABLE: HTTPStatus
PROXY_AUTHENTICATION_REQUIRED: HTTPStatus
REQUEST_TIMEOUT: HTTPStatus
CONFLICT: HTTPStatus
GONE: HTTPStatus
LENGTH_REQUIRED: HTTPStatus
PRECONDITION_FAILED: HTTPStatus
REQUEST_ENTITY_TOO_LARGE: HTTPStatus
REQUEST_URI_TOO_LONG: HTTPStatus
UNSUPPORTED_MEDIA_TYPE: HTTPStatus
REQUESTED_RANGE_NOT_SATISFIABLE: HTTPStatus
EXPECTATION_FAILED: HTTPStatus
IM_A_TEAPOT: HTTPStatus
MISDIRECTED_REQUEST: HTTPStatus
UNPROCESSABLE_ENTITY: HTTPStatus
LOCKED: HTTPStatus
FAILED_DEPENDENCY: HTTPStatus
TOO_EARLY: HTTPStatus
UPGRADE_REQUIRED: HTTPStatus
PRECONDITION_REQUIRED: HTTPStatus
TOO_MANY_REQUESTS: HTTPStatus
REQUEST_HEADER_FIELDS_TOO_LARGE: HTTPStatus
UNAVAILABLE_FOR_LEGAL_REASONS: HTTPStatus
INTERNAL_SERVER_ERROR: HTTPStatus
NOT_IMPLEMENTED: HTTPStatus
BAD_GATEWAY: HTTPStatus
SERVICE_UNAVAILABLE: HTTPStatus
GATEWAY_TIMEOUT: HTTPStatus
HTTP_VERSION_NOT_SUPPORTED: HTTPStatus
VARIANT_ALSO_NEGOTIATES: HTTPStatus
INSUFFICIENT_STORAGE: HTTPStatus
LOOP_DETECTED: HTTPStatus
NOT_EXTENDED: HTTPStatus
NETWORK_AUTHENTICATION_REQUIRED: HTTPStatus

# Aliases included (newer Pythons add some, e.g. CONTENT_TOO_LARGE in 3.13).
globals().update(HTTPStatus.__members__)

responses: dict[int, str] = {status: status.phrase for status in HTTPStatus}
"""Code to reason phrase, like ``http.client.responses`` (keys are the members)."""

# Every code a valid status line can carry (RFC 9110 §15: 100-599) mapped to
# what status_of returns, so the hot path is one dictionary lookup: 0.09 µs
# against 0.65 µs for HTTPStatus(200) (timeit, CPython 3.11.7).
_STATUS_BY_CODE: dict[int, int] = {code: code for code in range(100, 600)}
_STATUS_BY_CODE.update((int(status), status) for status in HTTPStatus)


def status_of(code: int) -> int:
    """Return the :class:`~http.HTTPStatus` member for *code*, or *code* itself if unknown.

    The result always compares and hashes as the number, so callers need not
    care which they got; known codes additionally carry ``.phrase``.

    Args:
        code: A status code as parsed from a status line.

    Returns:
        The ``HTTPStatus`` member for a code the standard library knows,
        otherwise the plain ``int``.

    Raises:
        ValueError: *code* is outside 100-599, which no HTTP/1.1 status line
            may carry (RFC 9110 §15). The parser reports that as
            ``BadStatusLine``; this is the backstop for other callers.
    """
    try:
        return _STATUS_BY_CODE[code]
    except KeyError:
        raise ValueError(f"status code {code!r} is outside 100-599") from None


def reason_of(code: int) -> str:
    """Return the standard reason phrase for *code*, or ``""`` when there is none.

    Used when a server sends an empty reason (RFC 9112 §4 lets it) and a
    caller wants something to print; the empty string for unknown codes keeps
    the result a ``str`` without inventing text.
    """
    return responses.get(code, "")


def method_name(method: str | HTTPMethod) -> str:
    """Return *method* as a plain ``str``, accepting :class:`http.HTTPMethod` members.

    Method names are case-sensitive (RFC 9110 §9.1), so nothing is upper-cased
    here: ``"get"`` is a different, extension method. Checking that the name is
    a token is the writer's job, done once when the request is serialised.

    Raises:
        TypeError: *method* is not a string.
    """
    if type(method) is str:  # the common case first: one type check
        return method
    if isinstance(method, HTTPMethod):
        return method.value
    if isinstance(method, str):  # some other str subclass: hand on an exact str
        return str.__str__(method)
    raise TypeError(f"an HTTP method must be a str or http.HTTPMethod, not {type(method)!r}")
