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

__all__ = [
    "ALPN_PROTOCOLS",
    "check_alpn",
    "client_context",
    "default_ssl_context",
    "unverified_ssl_context",
]

ALPN_PROTOCOLS = ["http/1.1"]

_lock = threading.Lock()
_shared: dict[bool, ssl.SSLContext] = {}  # verify -> the process-wide context
# (verify, cafile, certfile, keyfile, password) -> a context built for that configuration
_configured: dict[tuple[bool, str | None, str | None, str | None, str | None], ssl.SSLContext] = {}


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


def client_context(
    *,
    verify: bool = True,
    cafile: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    password: str | None = None,
) -> ssl.SSLContext:
    """The context for one TLS configuration, built once per process and then shared.

    With nothing but *verify* this is :func:`default_ssl_context` or
    :func:`unverified_ssl_context`. *cafile* trusts those certificates
    instead of the system store; *certfile* (and *keyfile*, *password*) is
    a client certificate, loaded here, when the pool is configured, so a
    bad path or key fails at once and names the file rather than at the
    first handshake.

    Raises:
        ValueError: a file could not be loaded; the message names it.
    """
    if cafile is None and certfile is None:
        return _context(verify)
    config = (verify, cafile, certfile, keyfile, password)
    context = _configured.get(config)
    if context is not None:
        return context
    with _lock:
        context = _configured.get(config)
        if context is None:
            context = _build(verify, cafile, certfile, keyfile, password)
            _configured[config] = context
    return context


def _build(
    verify: bool,
    cafile: str | None,
    certfile: str | None,
    keyfile: str | None,
    password: str | None,
) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"cannot load CA certificates from {cafile!r}: {error}") from error
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if certfile is not None:
        try:
            context.load_cert_chain(certfile, keyfile, password)
        except (OSError, ssl.SSLError) as error:
            files = certfile if keyfile is None else f"{certfile} / {keyfile}"
            raise ValueError(f"cannot load the client certificate {files!r}: {error}") from error
    return _configure(context)


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
