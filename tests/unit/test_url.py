"""parse_url and URL: normalisation, the wire-facing properties, and every rejection.

Each decision documented in ``aiohttpcore/url.py`` has a case here, both the
accepted side and the rejected side, so changing a decision means changing a
visible expectation.
"""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from aiohttpcore import url as url_module
from aiohttpcore.exceptions import InvalidRequest, InvalidURL
from aiohttpcore.url import URL, parse_url

# ------------------------------------------------------------------ accepted


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port", "target"),
    [
        ("http://example.com", "http", "example.com", 80, "/"),
        ("https://example.com", "https", "example.com", 443, "/"),
        ("HTTP://Example.COM/Path", "http", "example.com", 80, "/Path"),
        ("HtTpS://EXAMPLE.com:8443/", "https", "example.com", 8443, "/"),
        ("http://example.com:80/", "http", "example.com", 80, "/"),
        ("http://example.com:443/", "http", "example.com", 443, "/"),
        ("http://example.com:/", "http", "example.com", 80, "/"),
        ("http://example.com:0080/", "http", "example.com", 80, "/"),
        ("http://example.com:65535/", "http", "example.com", 65535, "/"),
        ("http://example.com?q=1", "http", "example.com", 80, "/?q=1"),
        ("http://example.com/?", "http", "example.com", 80, "/?"),
        ("http://example.com#frag", "http", "example.com", 80, "/"),
        ("http://example.com/a/b?c=d&e=f#frag", "http", "example.com", 80, "/a/b?c=d&e=f"),
        ("http://example.com/a#b?c", "http", "example.com", 80, "/a"),
        ("http://example.com//double//slash", "http", "example.com", 80, "//double//slash"),
        ("http://example.com/a/../b/./c", "http", "example.com", 80, "/a/../b/./c"),
        ("http://example.com/a@b:c?d@e/f?g", "http", "example.com", 80, "/a@b:c?d@e/f?g"),
        ("http://my_service.internal/", "http", "my_service.internal", 80, "/"),
        ("http://localhost:8080/x", "http", "localhost", 8080, "/x"),
        ("http://example.com./", "http", "example.com.", 80, "/"),
        ("http://a-b.c-d.example/", "http", "a-b.c-d.example", 80, "/"),
        ("http://host1/", "http", "host1", 80, "/"),
        ("http://127.0.0.1/", "http", "127.0.0.1", 80, "/"),
        ("http://127.0.0.1.:81/", "http", "127.0.0.1", 81, "/"),
        ("http://255.255.255.255/", "http", "255.255.255.255", 80, "/"),
        ("http://1.2.3.4x/", "http", "1.2.3.4x", 80, "/"),
        ("http://[::1]/", "http", "::1", 80, "/"),
        ("http://[::1]:8080/x", "http", "::1", 8080, "/x"),
        ("http://[0:0:0:0:0:0:0:1]/", "http", "::1", 80, "/"),
        ("http://[2001:DB8::A]/", "http", "2001:db8::a", 80, "/"),
        ("http://[fe80::1%25eth0]:8080/", "http", "fe80::1%eth0", 8080, "/"),
        ("http://[::1]:/", "http", "::1", 80, "/"),
    ],
)
def test_parse(text: str, scheme: str, host: str, port: int, target: str) -> None:
    url = parse_url(text)
    assert (url.scheme, url.host, url.port, url.target) == (scheme, host, port, target)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        # Non-ASCII as UTF-8; existing escapes kept as written, case included.
        ("http://h/ä", "/%C3%A4"),
        ("http://h/%c3%a4", "/%c3%a4"),
        ("http://h/%C3%A4?q=ö", "/%C3%A4?q=%C3%B6"),
        ("http://h/€", "/%E2%82%AC"),
        ("http://h/\U0001f600", "/%F0%9F%98%80"),
        # A "%" that starts no escape is itself escaped.
        ("http://h/100%", "/100%25"),
        ("http://h/%zz%41", "/%25zz%41"),
        ("http://h/%4", "/%254"),
        # Outside RFC 3986 pchar: encoded in the path and the query alike.
        ('http://h/"<>', "/%22%3C%3E"),
        ("http://h/a\\b", "/a%5Cb"),
        ("http://h/^`{|}", "/%5E%60%7B%7C%7D"),
        ("http://h/?a[]=1&b[x]=2", "/?a%5B%5D=1&b%5Bx%5D=2"),
        # pchar, "/" and "?" stay as they are.
        ("http://h/-._~!$&'()*+,;=:@", "/-._~!$&'()*+,;=:@"),
        ("http://h/?/?:@", "/?/?:@"),
    ],
)
def test_target_encoding(text: str, target: str) -> None:
    assert parse_url(text).target == target


def test_encoded_target_is_stable() -> None:
    once = parse_url("http://h/ä b%zz?x=ü".replace(" ", "%20"))
    assert parse_url(str(once)) == once


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("http://bücher.de/", "xn--bcher-kva.de"),
        ("http://BÜCHER.de/", "xn--bcher-kva.de"),
        ("http://Bücher.DE./", "xn--bcher-kva.de."),
        ("http://例え.テスト/", "xn--r8jz45g.xn--zckzah"),
        # UTS #46 maps full-width forms and ideographic dots.
        ("http://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com/", "example.com"),
        ("http://example\u3002com/", "example.com"),
        ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "127.0.0.1"),
    ],
)
def test_idna_hosts(text: str, host: str) -> None:
    assert parse_url(text).host == host


@pytest.mark.parametrize(
    ("name", "encoded"),
    [("bücher.de", "xn--bcher-kva.de"), ("Bücher.DE.", "xn--bcher-kva.de.")],
)
def test_idna_backends_agree_on_common_names(name: str, encoded: str) -> None:
    assert url_module._idna_2003(name) == encoded
    if url_module._HAVE_IDNA:
        assert url_module._idna_2008(name) == encoded


def test_idna_2003_and_2008_differ_on_sharp_s() -> None:
    # The documented difference: IDNA 2003 maps "ß" to "ss", IDNA 2008 keeps it.
    pytest.importorskip("idna")
    assert url_module._idna_2003("faß.de") == "fass.de"
    assert url_module._idna_2008("faß.de") == "xn--fa-hia.de"


def test_idna_2003_fallback_is_used_without_idna(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(url_module, "_to_ascii", url_module._idna_2003)
    assert url_module._parse_cached.__wrapped__("http://faß.de/").host == "fass.de"
    with pytest.raises(InvalidURL, match="not allowed in a host name"):
        # NFKC maps U+FF0F to "/": the result is checked again after IDNA.
        url_module._parse_cached.__wrapped__("http://evil.com\uff0fx.example/")


@pytest.mark.parametrize(
    ("text", "path", "target"),
    [
        ("http+unix://%2Fvar%2Frun%2Fx.sock/path?q", "/var/run/x.sock", "/path?q"),
        ("http+unix://%2fvar%2frun%2fx.sock", "/var/run/x.sock", "/"),
        ("HTTP+UNIX://%2Ftmp%2Fa%20b.sock/", "/tmp/a b.sock", "/"),
        ("http+unix://relative.sock/", "relative.sock", "/"),
        ("http+unix://%2Ftmp%2Fport%3A80/", "/tmp/port:80", "/"),
        ("http+unix://%2Ftmp%2F%FF.sock/", "/tmp/\udcff.sock", "/"),
    ],
)
def test_unix_socket(text: str, path: str, target: str) -> None:
    url = parse_url(text)
    assert (url.scheme, url.host, url.port, url.target) == ("http+unix", path, 0, target)
    assert url.host_header == "localhost"
    assert url.is_default_port
    assert url.sni_hostname is None
    assert url.origin == ("http+unix", path, 0)
    assert parse_url(str(url)) == url


# ------------------------------------------------------------------ properties


@pytest.mark.parametrize(
    ("text", "host_header", "is_default"),
    [
        ("http://example.com/", "example.com", True),
        ("http://example.com:80/", "example.com", True),
        ("http://example.com:443/", "example.com:443", False),
        ("https://example.com:443/", "example.com", True),
        ("https://example.com:80/", "example.com:80", False),
        ("http://example.com.:8080/", "example.com.:8080", False),
        ("http://bücher.de/", "xn--bcher-kva.de", True),
        ("http://[::1]/", "[::1]", True),
        ("https://[::1]:8443/", "[::1]:8443", False),
        ("http://[fe80::1%25eth0]/", "[fe80::1]", True),
        ("http://127.0.0.1:8000/", "127.0.0.1:8000", False),
    ],
)
def test_host_header(text: str, host_header: str, is_default: bool) -> None:
    url = parse_url(text)
    assert url.host_header == host_header
    assert url.is_default_port is is_default


@pytest.mark.parametrize(
    ("text", "sni"),
    [
        ("https://example.com/", "example.com"),
        ("https://example.com./", "example.com"),
        ("https://bücher.de/", "xn--bcher-kva.de"),
        ("https://127.0.0.1/", None),
        ("https://[::1]/", None),
        ("https://[fe80::1%25eth0]/", None),
        ("https://host1/", "host1"),
    ],
)
def test_sni_hostname(text: str, sni: str | None) -> None:
    assert parse_url(text).sni_hostname == sni


def test_origin_groups_urls_by_connection() -> None:
    a = parse_url("https://Example.com/a?x")
    b = parse_url("https://example.com:443/b#y")
    c = parse_url("http://example.com/a")
    assert a.origin == b.origin == ("https", "example.com", 443)
    assert a.origin != c.origin


@pytest.mark.parametrize(
    "text",
    [
        "http://example.com/",
        "https://example.com:8443/a/b?c=d",
        "http://[::1]:8080/",
        "http://[fe80::1%25eth0]/",
        "http://example.com./x",
        "http+unix://%2Fvar%2Frun%2Fx.sock/p",
    ],
)
def test_str_round_trips(text: str) -> None:
    url = parse_url(text)
    assert str(url) == text
    assert parse_url(str(url)) == url


def test_url_is_an_immutable_hashable_picklable_value() -> None:
    url = parse_url("https://example.com:8443/a?b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        url.host = "other"  # type: ignore[misc]
    assert not hasattr(url, "__dict__")
    assert url == URL(scheme="https", host="example.com", port=8443, target="/a?b")
    assert {url: 1}[parse_url("https://EXAMPLE.com:8443/a?b")] == 1
    copy = pickle.loads(pickle.dumps(url))
    assert copy == url
    assert copy.host_header == "example.com:8443"
    moved = dataclasses.replace(url, port=443)
    assert moved.host_header == "example.com"


def test_parse_url_caches_results() -> None:
    assert parse_url("http://cache.example/") is parse_url("http://cache.example/")


# ------------------------------------------------------------------ rejected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # scheme
        ("example.com/path", "no scheme"),
        ("//example.com/", "no scheme"),
        ("/path", "no scheme"),
        ("", "no scheme"),
        ("127.0.0.1:80/", "no scheme"),
        ("localhost:8080", "unknown scheme 'localhost'"),
        ("ftp://example.com/", "unknown scheme 'ftp'"),
        ("ws://example.com/", "unknown scheme 'ws'"),
        ("https+unix://%2Fx/", "unknown scheme 'https+unix'"),
        ("http:example.com", "'//' must follow 'http:'"),
        ("http:/example.com", "'//' must follow 'http:'"),
        # host
        ("http://", "no host"),
        ("http:///path", "no host"),
        ("http://:80/", "no host"),
        ("http://?q", "no host"),
        ("http://ex%61mple.com/", "percent-encoding in the host"),
        ("http://exa!mple.com/", "character '!' is not allowed"),
        ("http://exa*mple.com/", "character '*' is not allowed"),
        ("http://[example.com]/", "not an IPv6 address"),
        ("http://example.com]/", "character ']' is not allowed"),
        ("http://a..b/", "empty label"),
        ("http://.a/", "empty label"),
        ("http://a.b../", "empty label"),
        ("http://./", "empty label"),
        ("http://" + "a" * 64 + ".com/", "longer than 63"),
        ("http://" + ".".join(["a" * 63] * 4) + "/", "longer than 253"),
        ("http://a\\@b/", "backslash"),
        ("http://a\\b/", "backslash"),
        # numeric hosts that inet_aton would read differently
        ("http://127.1/", "not a dotted-quad"),
        ("http://0x7f.0.0.1/", "not a dotted-quad"),
        ("http://1.2.3.0x4/", "not a dotted-quad"),
        ("http://0177.0.0.1/", "not a dotted-quad"),
        ("http://2130706433/", "not a dotted-quad"),
        ("http://256.0.0.1/", "not a dotted-quad"),
        ("http://1.2.3.4.5/", "not a dotted-quad"),
        ("http://example.123/", "not a dotted-quad"),
        # IPv6
        ("http://::1/", "put an IPv6 address in brackets"),
        ("http://[::1/", "'[' without ']'"),
        ("http://[::1]x/", "unexpected 'x' after the IPv6 address"),
        ("http://[::1]]/", "unexpected ']' after the IPv6 address"),
        ("http://[::g]/", "not an IPv6 address"),
        ("http://[1.2.3.4]/", "not an IPv6 address"),
        ("http://[v1.x]/", "not an IPv6 address"),
        ("http://[]/", "not an IPv6 address"),
        ("http://[fe80::1%eth0]/", "zone must be written '%25'"),
        ("http://[fe80::1%25]/", "zone must be written '%25'"),
        ("http://[fe80::1%25e/h]/", "'[' without ']'"),
        # IDNA
        ("http://☃.net/", "not a valid internationalised name"),
        ("http://ü..de/", "not a valid internationalised name"),
        ("http://evil.com\uff0fx.example/", "evil.com"),
        # port
        ("http://h:x/", "port 'x' is not a decimal number"),
        ("http://h:-1/", "port '-1' is not a decimal number"),
        ("http://h:+80/", "port '+80' is not a decimal number"),
        ("http://h:8o/", "port '8o' is not a decimal number"),
        ("http://h:\uff18\uff10/", "not a decimal number"),
        ("http://h:65536/", "port 65536 is not in 1-65535"),
        ("http://h:99999/", "port 99999 is not in 1-65535"),
        ("http://h:0/", "port 0 is not in 1-65535"),
        ("http://h:00000/", "not in 1-65535"),
        ("http://h:" + "9" * 5000 + "/", "not in 1-65535"),
        ("http://h:80:80/", "more than one ':'"),
        ("http://[::1]:x/", "port 'x' is not a decimal number"),
        ("http://[::1]:70000/", "not in 1-65535"),
        # user information
        ("http://user@example.com/", "user information is not supported"),
        ("http://user:pass@example.com/", "Authorization header"),
        ("http://@example.com/", "user information is not supported"),
        ("http://a@b@example.com/", "user information is not supported"),
        ("http+unix://user@%2Fx.sock/", "user information is not supported"),
        # Unix sockets
        ("http+unix:///var/run/x.sock", "no socket path"),
        ("http+unix://", "no socket path"),
        ("http+unix://%2Fx.sock:80/", "a Unix socket has no port"),
        ("http+unix://%2Fx%00.sock/", "control character in the socket path"),
        ("http+unix://%2Fx%0A.sock/", "control character in the socket path"),
        # path and query
        ("http://h/\ud800", "lone surrogate"),
        ("http://h/?q=\udfff", "lone surrogate"),
    ],
)
def test_rejected(text: str, problem: str) -> None:
    with pytest.raises(InvalidURL) as info:
        parse_url(text)
    message = str(info.value)
    assert problem in message
    assert message.startswith("invalid URL ")


@pytest.mark.parametrize("char", [*map(chr, range(0x21)), "\x7f", "\x85", "\x9f"])
@pytest.mark.parametrize(
    "template",
    ["{}http://h/", "http://h/{}", "http://h{}/", "http://h/?q={}", "http://h/#{}", "ht{}tp://h/"],
)
def test_control_characters_and_spaces_rejected_anywhere(template: str, char: str) -> None:
    text = template.format(char)
    with pytest.raises(InvalidURL, match="control character or space") as info:
        parse_url(text)
    assert f"at index {text.index(char)}" in str(info.value)


def test_error_names_the_url_and_is_an_invalid_request() -> None:
    with pytest.raises(InvalidURL) as info:
        parse_url("http://example.com:99999/path")
    assert "'http://example.com:99999/path'" in str(info.value)
    assert isinstance(info.value, InvalidRequest)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        "http://user:s3cret@example.com/",
        "http://user:s3cret@example.com:bad/",
        "http://user:s3cret@exa mple.com/",
        "https://s3cret@[::1]/",
    ],
)
def test_error_masks_credentials(text: str) -> None:
    with pytest.raises(InvalidURL) as info:
        parse_url(text)
    assert "s3cret" not in str(info.value)
    assert "***@" in str(info.value)


def test_error_cuts_long_urls() -> None:
    text = "http://h:bad/" + "a" * 10_000
    with pytest.raises(InvalidURL) as info:
        parse_url(text)
    assert len(str(info.value)) < 400
    assert "..." in str(info.value)


# ------------------------------------------------------------------ direct construction


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"scheme": "ftp", "host": "h", "port": 21}, "unknown scheme"),
        ({"scheme": "http", "host": "Example.com", "port": 80}, "host 'Example.com'"),
        ({"scheme": "http", "host": "", "port": 80}, "host ''"),
        ({"scheme": "http", "host": "h\r\nX: y", "port": 80}, "is not a lower-case ASCII"),
        ({"scheme": "http", "host": "[::1]", "port": 80}, "is not a lower-case ASCII"),
        ({"scheme": "http", "host": "h", "port": 0}, "not in 1-65535"),
        ({"scheme": "http", "host": "h", "port": 65536}, "not in 1-65535"),
        ({"scheme": "http", "host": "h", "port": 80, "target": "x"}, "must start with '/'"),
        ({"scheme": "http", "host": "h", "port": 80, "target": "/a b"}, "percent-encoded"),
        ({"scheme": "http", "host": "h", "port": 80, "target": "/\r\n"}, "percent-encoded"),
        ({"scheme": "http", "host": "h", "port": 80, "target": "/%"}, "percent-encoded"),
        ({"scheme": "http", "host": "h", "port": 80, "target": "/#f"}, "percent-encoded"),
        ({"scheme": "http+unix", "host": "", "port": 0}, "bad Unix socket path"),
        ({"scheme": "http+unix", "host": "/x\x00", "port": 0}, "bad Unix socket path"),
        ({"scheme": "http+unix", "host": "/x", "port": 80}, "port 80 on a Unix socket"),
    ],
)
def test_direct_construction_is_checked(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidURL, match="invalid URL field") as info:
        URL(**fields)  # type: ignore[arg-type]
    assert problem in str(info.value)


def test_direct_construction_accepts_normalised_fields() -> None:
    url = URL(scheme="https", host="::1", port=8443)
    assert url.target == "/"
    assert url.host_header == "[::1]:8443"
    assert str(url) == "https://[::1]:8443/"
