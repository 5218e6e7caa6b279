"""TLS contexts: the default one, built once per process, and the checks every handshake gets.

What it owns: PROTOCOL-POLICY.md's "TLS defaults" — the system trust store,
TLS 1.2 at least, no compression, ALPN ``http/1.1`` and nothing else,
``SSLKEYLOGFILE`` honoured. What it must not do: mutate a context a caller
passed in (callers share them between clients), or build a context on the
hot path (``create_default_context`` loads the trust store: milliseconds).
"""

from __future__ import annotations

import os
import ssl
import threading

__all__ = ["ALPN_PROTOCOLS", "check_alpn", "default_ssl_context", "unverified_ssl_context"]

ALPN_PROTOCOLS = ["http/1.1"]

_lock = threading.Lock()
_shared: dict[bool, ssl.SSLContext] = {}  # verify -> the process-wide context


def _configure(context: ssl.SSLContext) -> ssl.SSLContext:
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION
    context.set_alpn_protocols(ALPN_PROTOCOLS)
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        context.keylog_filename = keylog
    return context


def _context(verify: bool) -> ssl.SSLContext:
    context = _shared.get(verify)
    if context is None:
        with _lock:
            context = _shared.get(verify)
            if context is None:
                context = ssl.create_default_context()
                if not verify:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                context = _shared[verify] = _configure(context)
    return context


def default_ssl_context() -> ssl.SSLContext:
    """The process-wide verifying context, created on first use and then shared."""
    return _context(verify=True)


def unverified_ssl_context() -> ssl.SSLContext:
    """The process-wide context for ``verify=False``: encryption without authentication."""
    return _context(verify=False)


def check_alpn(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> str | None:
    """The protocol the server chose, if it is one we speak; ``None`` when ALPN was not used.

    Raises:
        ValueError: the server chose a protocol other than HTTP/1.1 (say
            ``h2`` offered by a caller's own context): we cannot speak it.
    """
    chosen = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
    if chosen is not None and chosen not in ALPN_PROTOCOLS:
        raise ValueError(f"the server chose ALPN protocol {chosen!r}; only http/1.1 is spoken")
    return chosen
