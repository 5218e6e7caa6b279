"""Real HTTP/1.1 servers as subprocesses, plain and over TLS, for interop tests.

Owns: a trustme CA and server certificate (:class:`TLSFiles`), the server
processes (:class:`ServerFarm`), and the pytest fixtures that hand out
:class:`Server` values. Imports nothing from ``aiohttpcore``: readiness is
probed with a blocking stdlib socket.

Each server runs :mod:`_support.app` on 127.0.0.1 with its usual command line:
uvicorn (``--http h11`` and ``--http httptools``), hypercorn (HTTP/1.1 only:
ALPN offers only ``http/1.1``) and granian (``--interface asgi --http 1``).

Rules kept here:

* No port race where the server allows it: uvicorn (``--fd``) and hypercorn
  (``--bind fd://N``) inherit a socket this process bound to port 0 and
  listens on, so the port is known before the child starts and nobody else
  can take it. TCP_NODELAY is set on that socket because accepted sockets
  inherit it on Linux, and uvicorn labels an ``--fd`` socket AF_UNIX and so
  never sets it itself (Nagle's delay would add 40 ms to a split response);
  for the same reason uvicorn runs on the asyncio loop (``--loop asyncio``).
  granian takes ``--port`` only: a free port is picked and the start retried
  (up to 3 times) if the server reports the address in use.
* Ready means answering ``GET /status/204`` (over TLS where configured), within
  :data:`START_TIMEOUT`; a connect alone proves nothing for an inherited socket.
* No server outlives the pytest process, even one killed without teardown
  (``PR_SET_PDEATHSIG`` on Linux).
* Each server is one process group (``start_new_session``); teardown sends
  SIGTERM to the server, SIGKILL to its group after :data:`STOP_TIMEOUT`
  (granian's workers are children), and reaps it. Signals go only to groups
  this module started, and only while their leader is unreaped.
* Output goes to a log file per process, never to a pipe that could fill and
  stall a server; it is quoted whenever a start fails and added to the report
  of a failing test that used the server (:func:`pytest_runtest_makereport`).

Servers are session-scoped and started lazily: a test run that needs none
starts none. The first test that uses a parametrised fixture
(``http_server``, ``plain_http_server``, ``tls_http_server``) launches every
server of that fixture at once, so their start-up overlaps (about 0.3 s each
alone, about 1 s for all eight together on 2 cores), and waits only for the one
it needs.

Keep-alive timeouts are the servers' defaults (5 s for uvicorn and hypercorn).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Final

import pytest
import trustme
from cryptography.hazmat.primitives import serialization

#: Seconds a server may take to answer its first request.
START_TIMEOUT: Final = 20.0
#: Seconds between SIGTERM and SIGKILL at teardown.
STOP_TIMEOUT: Final = 5.0
#: The address every server listens on (the certificate also names localhost and ::1).
HOST: Final = "127.0.0.1"
#: The ASGI application, importable with ``tests/`` on ``sys.path``.
APP: Final = "_support.app:app"

_TESTS_DIR = Path(__file__).resolve().parent.parent
# Run first in each server process (Linux): PR_SET_PDEATHSIG makes the kernel
# send SIGTERM when this pytest process dies without its teardown (a hard
# timeout, SIGKILL), so no server outlives the run; the flag survives exec.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "if os.getppid() != int(sys.argv[1]): sys.exit(70)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])\n"
)
_LOG_TAIL = 8192
_PORT_ATTEMPTS = 3
_ADDRESS_IN_USE = ("address already in use", "os error 98", "errno 98")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    """A running server: where to connect and, over TLS, what to trust.

    ``ssl_context_for_client`` is shared by every test for the whole session:
    use it as it is (it verifies against the test CA, hostname checked) and
    never change it; build your own from ``ca_pem_path`` to vary settings.
    """

    name: str  #: implementation: "uvicorn-h11", "uvicorn-httptools", "hypercorn", "granian"
    scheme: str  #: "http" or "https"
    host: str
    port: int
    base_url: str  #: "http://127.0.0.1:PORT", no trailing slash
    ca_pem_path: Path | None  #: PEM of the CA that signed the server certificate
    ssl_context_for_client: ssl.SSLContext | None
    log_path: Path = dataclasses.field(compare=False, repr=False)  #: server stdout+stderr

    @property
    def tls(self) -> bool:
        """Whether the server speaks TLS."""
        return self.scheme == "https"

    @property
    def label(self) -> str:
        """``name-scheme``, the fixture parameter id, e.g. ``"granian-https"``."""
        return f"{self.name}-{self.scheme}"

    def url(self, path: str) -> str:
        """Return ``base_url + path``; ``path`` starts with ``/``."""
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/': {path!r}")
        return self.base_url + path

    def log_text(self, offset: int = 0) -> str:
        """Return what the server process has printed from byte ``offset`` on."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TLSFiles:
    """The test PKI: a trustme CA and one server certificate for 127.0.0.1, ::1, localhost."""

    ca: trustme.CA
    ca_pem_path: Path
    cert_pem_path: Path  #: server certificate chain
    key_pem_path: Path  #: server key, PKCS#8 (granian reads no other format)
    client_context: ssl.SSLContext  #: verifies against the CA only

    def server_context(self, alpn: Sequence[str] | None = None) -> ssl.SSLContext:
        """Return a new server-side context with the certificate (for :class:`RawServer` TLS).

        ``alpn``: the protocols the server will pick from, e.g. ``["h2"]`` to
        test a client that must refuse anything but http/1.1; None sets none.
        """
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_pem_path, self.key_pem_path)
        if alpn is not None:
            context.set_alpn_protocols(list(alpn))
        return context


def make_tls_files(directory: Path) -> TLSFiles:
    """Create a CA and a server certificate as PEM files in ``directory``."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "::1", "localhost")
    ca_pem_path = directory / "ca.pem"
    cert_pem_path = directory / "server.pem"
    key_pem_path = directory / "server.key"
    ca.cert_pem.write_to_path(str(ca_pem_path))
    cert_pem_path.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    key = serialization.load_pem_private_key(cert.private_key_pem.bytes(), password=None)
    key_pem_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    client_context = ssl.create_default_context(cafile=str(ca_pem_path))
    return TLSFiles(
        ca=ca,
        ca_pem_path=ca_pem_path,
        cert_pem_path=cert_pem_path,
        key_pem_path=key_pem_path,
        client_context=client_context,
    )


class ServerStartError(RuntimeError):
    """A server exited or did not answer in :data:`START_TIMEOUT`; the message quotes its log."""


# ---------------------------------------------------------------- command lines


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Launch:
    """What a command line needs: the inherited fd or the port, TLS files, a scratch dir."""

    fd: int | None
    port: int
    tls: TLSFiles | None
    workdir: Path


def _uvicorn(http: str) -> Callable[[_Launch], list[str]]:
    def argv(launch: _Launch) -> list[str]:
        # uvicorn wraps an --fd socket as AF_UNIX (socket.fromfd); uvloop would
        # then serve it as a Unix pipe, the asyncio loop serves it as the TCP
        # socket it is.
        args = ["-m", "uvicorn", APP, "--fd", str(launch.fd), "--http", http, "--loop", "asyncio"]
        args += ["--log-level", "warning", "--no-access-log", "--timeout-graceful-shutdown", "1"]
        if launch.tls is not None:
            args += ["--ssl-certfile", str(launch.tls.cert_pem_path)]
            args += ["--ssl-keyfile", str(launch.tls.key_pem_path)]
        return args

    return argv


def _hypercorn(launch: _Launch) -> list[str]:
    # Only HTTP/1.1 in ALPN: with h2 installed hypercorn would otherwise accept
    # a client that offers h2. Settable only in a config file.
    config = launch.workdir / "hypercorn.toml"
    config.write_text('alpn_protocols = ["http/1.1"]\n')
    args = ["-m", "hypercorn", "--config", str(config), "--bind", f"fd://{launch.fd}"]
    args += ["--log-level", "WARNING", "--graceful-timeout", "1"]
    if launch.tls is not None:
        args += ["--certfile", str(launch.tls.cert_pem_path)]
        args += ["--keyfile", str(launch.tls.key_pem_path)]
    return [*args, APP]


def _granian(launch: _Launch) -> list[str]:
    args = ["-m", "granian", "--interface", "asgi", "--http", "1", "--no-ws"]
    args += ["--host", HOST, "--port", str(launch.port), "--workers", "1"]
    args += ["--log-level", "warning", "--working-dir", str(_TESTS_DIR)]
    if launch.tls is not None:
        args += ["--ssl-certificate", str(launch.tls.cert_pem_path)]
        args += ["--ssl-keyfile", str(launch.tls.key_pem_path)]
    return [*args, APP]


@dataclasses.dataclass(frozen=True, slots=True)
class _Kind:
    argv: Callable[[_Launch], list[str]]
    passes_fd: bool  #: inherits a listening socket (else takes --port)


_KINDS: Final[dict[str, _Kind]] = {
    "uvicorn-h11": _Kind(_uvicorn("h11"), passes_fd=True),
    "uvicorn-httptools": _Kind(_uvicorn("httptools"), passes_fd=True),
    "hypercorn": _Kind(_hypercorn, passes_fd=True),
    "granian": _Kind(_granian, passes_fd=False),
}

#: Server names, in fixture order.
SERVER_NAMES: Final = tuple(_KINDS)
#: Every (name, tls) pair, in fixture order: all plain servers, then all TLS ones.
ALL_KEYS: Final = tuple((name, tls) for tls in (False, True) for name in SERVER_NAMES)


def key_id(key: tuple[str, bool]) -> str:
    """The fixture id of a (name, tls) pair, e.g. ``"hypercorn-https"``."""
    return f"{key[0]}-{'https' if key[1] else 'http'}"


# ---------------------------------------------------------------- processes


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((HOST, 0))
        sock.listen(1024)
    except BaseException:
        sock.close()
        raise
    return sock


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _probe(host: str, port: int, context: ssl.SSLContext | None, timeout: float) -> bytes:
    """Send ``GET /status/204`` on a new connection and return the response head."""
    with contextlib.ExitStack() as stack:
        sock = stack.enter_context(socket.create_connection((host, port), timeout=timeout))
        if context is not None:
            sock = stack.enter_context(context.wrap_socket(sock, server_hostname=host))
        sock.sendall(f"GET /status/204 HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            data = sock.recv(4096)
            if not data:
                raise ConnectionResetError("EOF before a response head")
            head += data
        return head


def _tail(path: Path) -> str:
    data = path.read_bytes()
    text = data[-_LOG_TAIL:].decode("utf-8", "replace")
    return text if len(data) <= _LOG_TAIL else "[...]\n" + text


class _ServerProcess:
    """One server: spawned when made, awaited by :meth:`wait_ready`, ended by :meth:`stop`."""

    def __init__(self, name: str, tls: TLSFiles | None, workdir: Path) -> None:
        self.name, self.tls, self.workdir = name, tls, workdir
        self.kind = _KINDS[name]
        self.attempt = 0
        self.server: Server | None = None
        self.proc, self.port, self.log_path = self._spawn()

    def _spawn(self) -> tuple[subprocess.Popen[bytes], int, Path]:
        self.attempt += 1
        label = key_id((self.name, self.tls is not None))
        log_path = self.workdir / f"{label}.{self.attempt}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_TESTS_DIR), env.get("PYTHONPATH")]))
        listener = _listening_socket() if self.kind.passes_fd else None
        try:
            fd = None if listener is None else listener.fileno()
            port = _free_port() if listener is None else listener.getsockname()[1]
            launch = _Launch(fd=fd, port=port, tls=self.tls, workdir=self.workdir)
            with log_path.open("wb") as log:
                wrapper = (
                    ["-c", _DIE_WITH_PARENT, str(os.getpid())] if sys.platform == "linux" else []
                )
                proc = subprocess.Popen(
                    [sys.executable, *wrapper, *self.kind.argv(launch)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=_TESTS_DIR,
                    env=env,
                    pass_fds=() if fd is None else (fd,),
                    start_new_session=True,
                )
        finally:
            # The child holds its own copy; without ours, connects are refused
            # once the server is gone instead of queueing forever.
            if listener is not None:
                listener.close()
        return proc, port, log_path

    def _fail(self, why: str) -> ServerStartError:
        label = key_id((self.name, self.tls is not None))
        return ServerStartError(
            f"{label} {why}; its output ({self.log_path}):\n{_tail(self.log_path)}"
        )

    def wait_ready(self) -> Server:
        """Return the :class:`Server` once it answers; raise :class:`ServerStartError` if not."""
        if self.server is not None:
            if self.exited():
                self.stop()
                raise self._fail(f"exited with {self.proc.returncode} during the session")
            return self.server
        context = None if self.tls is None else self.tls.client_context
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.exited():
                self.stop()
                in_use = any(s in _tail(self.log_path).lower() for s in _ADDRESS_IN_USE)
                if in_use and not self.kind.passes_fd and self.attempt < _PORT_ATTEMPTS:
                    self.proc, self.port, self.log_path = self._spawn()
                    continue
                raise self._fail(f"exited with {self.proc.returncode} before answering")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise self._fail(f"did not answer within {START_TIMEOUT} s")
            try:
                head = _probe(HOST, self.port, context, timeout=min(remaining, 2.0))
            except (ConnectionError, TimeoutError):
                time.sleep(0.02)
                continue
            except OSError as exc:  # e.g. a certificate error: no point waiting
                self.stop()
                raise self._fail(f"probe failed: {exc!r}") from exc
            if not head.startswith(b"HTTP/1.1 204"):
                self.stop()
                raise self._fail(f"answered the probe with {head[:200]!r}")
            self.server = self._describe()
            return self.server

    def _describe(self) -> Server:
        scheme = "http" if self.tls is None else "https"
        return Server(
            name=self.name,
            scheme=scheme,
            host=HOST,
            port=self.port,
            base_url=f"{scheme}://{HOST}:{self.port}",
            ca_pem_path=None if self.tls is None else self.tls.ca_pem_path,
            ssl_context_for_client=None if self.tls is None else self.tls.client_context,
            log_path=self.log_path,
        )

    def exited(self) -> bool:
        """Whether the leader exited, without reaping it (its pid keeps naming the group)."""
        if self.proc.returncode is not None:
            return True
        info = os.waitid(os.P_PID, self.proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        return info is not None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to the whole group after :data:`STOP_TIMEOUT`; reap."""
        if self.proc.returncode is not None:
            return
        if not self.exited():
            self.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while not self.exited() and time.monotonic() < deadline:
            time.sleep(0.01)
        # The leader is alive or a zombie, so its pid still names our group:
        # this reaches granian's worker too, and nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


class ServerFarm:
    """The session's servers, keyed by (name, tls), each started on first demand."""

    def __init__(self, workdir: Path, tls: TLSFiles) -> None:
        self._workdir, self._tls = workdir, tls
        self._processes: dict[tuple[str, bool], _ServerProcess] = {}

    def launch(self, *keys: tuple[str, bool]) -> None:
        """Start the servers for ``keys`` not yet started, without waiting for them."""
        for name, tls in keys:
            if (name, tls) not in self._processes:
                process = _ServerProcess(name, self._tls if tls else None, self._workdir)
                self._processes[name, tls] = process

    def get(self, name: str, *, tls: bool) -> Server:
        """Return server ``name`` (plain or TLS), starting it and waiting if needed."""
        if name not in _KINDS:
            raise KeyError(f"unknown server {name!r}; known: {', '.join(SERVER_NAMES)}")
        self.launch((name, tls))
        return self._processes[name, tls].wait_ready()

    def close(self) -> None:
        """Stop every server: all are signalled first, so their shutdowns overlap."""
        for process in self._processes.values():
            if process.proc.returncode is None and not process.exited():
                process.proc.send_signal(signal.SIGTERM)
        for process in self._processes.values():
            process.stop()
        self._processes.clear()


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """The test CA, the servers' certificate and key, and a client context trusting the CA."""
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def server_farm(
    tmp_path_factory: pytest.TempPathFactory, tls_files: TLSFiles
) -> Iterator[ServerFarm]:
    """Every server process of the session; stopped and reaped at its end."""
    farm = ServerFarm(tmp_path_factory.mktemp("servers"), tls_files)
    try:
        yield farm
    finally:
        farm.close()


_PLAIN_KEYS: Final = tuple(key for key in ALL_KEYS if not key[1])
_TLS_KEYS: Final = tuple(key for key in ALL_KEYS if key[1])


def _one_of(
    request: pytest.FixtureRequest, farm: ServerFarm, keys: tuple[tuple[str, bool], ...]
) -> Server:
    farm.launch(*keys)  # the others boot while this one is awaited
    name, tls = request.param
    return farm.get(name, tls=tls)


@pytest.fixture(scope="session", params=ALL_KEYS, ids=key_id)
def http_server(request: pytest.FixtureRequest, server_farm: ServerFarm) -> Server:
    """Each server, plain and over TLS (8 parameters)."""
    return _one_of(request, server_farm, ALL_KEYS)


@pytest.fixture(scope="session", params=_PLAIN_KEYS, ids=key_id)
def plain_http_server(request: pytest.FixtureRequest, server_farm: ServerFarm) -> Server:
    """Each server without TLS (4 parameters)."""
    return _one_of(request, server_farm, _PLAIN_KEYS)


@pytest.fixture(scope="session", params=_TLS_KEYS, ids=key_id)
def tls_http_server(request: pytest.FixtureRequest, server_farm: ServerFarm) -> Server:
    """Each server over TLS (4 parameters)."""
    return _one_of(request, server_farm, _TLS_KEYS)


@pytest.fixture(scope="session")
def uvicorn_h11_server(server_farm: ServerFarm) -> Server:
    """uvicorn --http h11, plain."""
    return server_farm.get("uvicorn-h11", tls=False)


@pytest.fixture(scope="session")
def uvicorn_h11_tls_server(server_farm: ServerFarm) -> Server:
    """uvicorn --http h11 over TLS."""
    return server_farm.get("uvicorn-h11", tls=True)


@pytest.fixture(scope="session")
def uvicorn_httptools_server(server_farm: ServerFarm) -> Server:
    """uvicorn --http httptools, plain."""
    return server_farm.get("uvicorn-httptools", tls=False)


@pytest.fixture(scope="session")
def uvicorn_httptools_tls_server(server_farm: ServerFarm) -> Server:
    """uvicorn --http httptools over TLS."""
    return server_farm.get("uvicorn-httptools", tls=True)


@pytest.fixture(scope="session")
def hypercorn_server(server_farm: ServerFarm) -> Server:
    """hypercorn (HTTP/1.1), plain."""
    return server_farm.get("hypercorn", tls=False)


@pytest.fixture(scope="session")
def hypercorn_tls_server(server_farm: ServerFarm) -> Server:
    """hypercorn over TLS, ALPN offering only http/1.1."""
    return server_farm.get("hypercorn", tls=True)


@pytest.fixture(scope="session")
def granian_server(server_farm: ServerFarm) -> Server:
    """granian --interface asgi --http 1, plain."""
    return server_farm.get("granian", tls=False)


@pytest.fixture(scope="session")
def granian_tls_server(server_farm: ServerFarm) -> Server:
    """granian --interface asgi --http 1 over TLS (TLS 1.3 minimum, its default)."""
    return server_farm.get("granian", tls=True)


# ---------------------------------------------------------------- reporting

_LOG_OFFSETS = pytest.StashKey[dict[Path, int]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the output of every server a failing test used to its report.

    Only what the server printed after the test's setup, so one crash does not
    follow every later test. Register by importing this hook into a conftest.
    """
    report: pytest.TestReport = yield
    funcargs = getattr(item, "funcargs", {})
    servers = [value for value in funcargs.values() if isinstance(value, Server)]
    if report.when == "setup":
        item.stash[_LOG_OFFSETS] = {s.log_path: s.log_path.stat().st_size for s in servers}
    elif report.failed:
        offsets = item.stash.get(_LOG_OFFSETS, {})
        for server in servers:
            text = server.log_text(offsets.get(server.log_path, 0))
            title = f"server {server.label} output"
            if text and all(section[0] != title for section in report.sections):
                report.sections.append((title, text[-_LOG_TAIL:]))
    return report
