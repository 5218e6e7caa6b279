"""The TLS defaults of PROTOCOL-POLICY.md: built once per process, never a caller's context."""

from __future__ import annotations

import ssl

import pytest

from aiohttpcore import _ssl


def test_the_default_context_is_built_once_and_verifies() -> None:
    context = _ssl.default_ssl_context()
    assert _ssl.default_ssl_context() is context
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_NO_COMPRESSION


def test_the_unverified_context_is_separate_and_shared() -> None:
    context = _ssl.unverified_ssl_context()
    assert _ssl.unverified_ssl_context() is context
    assert context is not _ssl.default_ssl_context()
    assert context.verify_mode is ssl.CERT_NONE
    assert not context.check_hostname
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2


class _Chosen:
    def __init__(self, protocol: str | None) -> None:
        self.protocol = protocol

    def selected_alpn_protocol(self) -> str | None:
        return self.protocol


@pytest.mark.parametrize("chosen", [None, "http/1.1"])
def test_alpn_http11_or_none_is_accepted(chosen: str | None) -> None:
    assert _ssl.check_alpn(_Chosen(chosen)) == chosen  # type: ignore[arg-type]
    assert _ssl.check_alpn(None) is None


def test_any_other_alpn_answer_fails() -> None:
    with pytest.raises(ValueError, match="'h2'"):
        _ssl.check_alpn(_Chosen("h2"))  # type: ignore[arg-type]
