"""Sessions: ``tests`` and ``slow`` (both loops inside pytest), ``lint``, ``typecheck``, ``docs``,
``micro``, ``bench``.

Every session installs what it needs itself, so ``nox`` on a machine with only
Python 3.11 and pip is enough (``docs`` also wants Graphviz, ``bench`` nginx
and wrk, from the system's packages: they install them with apt-get when
they run as root).
``tests`` enforces 100 % line and branch coverage of ``aiohttpcore/protocol/``
(CONVENTIONS.md, "Tooling settings").
Long cases (soaks, GiB transfers) are marked ``slow`` and run in their own
session, which CI runs too, bounded by per-test timeouts.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

TEST_DEPS = [
    "pytest>=8.3",
    "pytest-asyncio==1.5.0",
    "pytest-socket>=0.7",
    "pytest-timeout>=2.3",
    "pytest-cov>=6",
    "coverage[toml]>=7.6",
    "hypothesis>=6.100",
    "h11>=0.16",
    "trustme>=1.2",
    "cryptography>=42",
    "uvloop>=0.21",
    # The cli extra: the progress bar of `get`, the histograms of `bench`.
    "rich>=13",
    "hdrhistogram>=0.10",
    # The optional Content-Encoding codecs, so their tests run rather than skip.
    "brotli>=1.2",
    "backports.zstd>=1.0; python_version < '3.14'",
    # The peers the migration pages of the docs show side by side; their examples run.
    "aiohttp>=3.9",
    "httpx>=0.27",
    # Real servers for the interop tests (tests/_support/servers.py), as subprocesses.
    "uvicorn>=0.54",
    "httptools>=0.6",
    "hypercorn>=0.18",
    "granian>=2.8",
]
LINT_DEPS = ["ruff>=0.8"]
DOCS_DEPS = ["sphinx>=8.1", "furo>=2024.8"]
TYPECHECK_DEPS = ["mypy>=1.13", "types-docutils", *TEST_DEPS, *DOCS_DEPS]


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """The default test run: unit, protocol, fuzz and socket tests on asyncio and uvloop."""
    session.install("-e", ".", *TEST_DEPS)
    session.run(
        "pytest",
        "-m",
        "not slow",
        "--cov=aiohttpcore",
        "--cov-report=term",
        *session.posargs,
    )
    # The sans-IO core is fully specified by its tests: every line and branch.
    session.run("coverage", "report", "--include=aiohttpcore/protocol/*", "--fail-under=100")


@nox.session(python="3.11")
def slow(session: nox.Session) -> None:
    """Long cases (GiB transfers, soaks), apart from the default run; CI runs it too."""
    session.install("-e", ".", *TEST_DEPS)
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install(*LINT_DEPS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and the tests."""
    session.install("-e", ".", *TYPECHECK_DEPS)
    session.run("mypy", "--strict", "aiohttpcore", "tests", "docs")


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the docs as CI does: warnings are errors, every cross-reference must resolve.

    The output is docs/_build/html. No network: intersphinx reads the
    committed inventory (docs/conf.py). The examples in the pages are run by
    the ``tests`` session (tests/docs/test_snippets.py), not here.
    """
    _system_tools(session, DOCS_TOOLS, "the build fails where it draws a diagram")
    session.install("-e", ".", *DOCS_DEPS)
    session.run(
        "sphinx-build", "-W", "-n", "--keep-going", "-b", "html", "docs", "docs/_build/html"
    )


@nox.session(python="3.11")
def micro(session: nox.Session) -> None:
    """Codec micro-benchmarks against h11 and httptools (not a test: prints figures)."""
    session.install("-e", ".", "h11>=0.16", "httptools>=0.6")
    session.run("python", "-m", "benchmarks.micro", *session.posargs)


BENCH_DEPS = [
    # The peers the suite measures aiohttpcore against.
    "aiohttp>=3.9",
    "httpx>=0.27",
    "httpcore>=1.0",
    "aiosonic>=0.20",
    "uvloop>=0.21",
    # httpcore 1.0 imports sniffio at every lock it sets up, and recent anyio no longer
    # brings it; without it httpx and httpcore lose a third of their speed at
    # concurrency 1 (benchmarks/pool/README.md), which is not theirs to lose here.
    "sniffio>=1.3",
    # Its latency histograms, its charts, the TLS certificate, the locust comparison.
    "hdrhistogram>=0.10",
    "matplotlib>=3.8",
    "trustme>=1.2",
    "locust>=2.20",
]
# Debian's packages for the tools, the first that installs wins (nginx-light is
# nginx with fewer modules; newer releases have only nginx).
BENCH_TOOLS = {"nginx": ("nginx-light", "nginx"), "wrk": ("wrk",)}
# `dot` draws the state machine's diagrams (docs/_ext/statemachine.py).
DOCS_TOOLS = {"dot": ("graphviz",)}


def _system_tools(session: nox.Session, tools: dict[str, tuple[str, ...]], without: str) -> None:
    """apt-get install the missing ``tools`` when this runs as root; otherwise say so.

    ``without``: what the session does without them, for the warning.
    """
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        session.warn(
            f"not found and not installable here (needs root and apt-get): {', '.join(missing)};"
            f" {without}"
        )
        return
    session.run("apt-get", "update", "-qq", external=True)
    for tool in missing:
        for package in tools[tool]:
            # 100: apt-get's "no such package"; the next name is tried.
            session.run(
                "apt-get", "install", "-y", "-qq", package, external=True, success_codes=[0, 100]
            )
            if shutil.which(tool) is not None:
                break


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmark suite against nginx (not a test: it writes benchmarks/results/).

    ``nox -s bench -- --quick`` is a smoke run of under a minute; the options
    are ``python -m benchmarks.suite --help``'s, the method benchmarks/README.md.
    """
    _system_tools(
        session,
        BENCH_TOOLS,
        "without nginx the suite loads the embedded server of `aiohttpcore bench`,"
        " without wrk it leaves wrk out",
    )
    session.install("-e", ".[cli]", *BENCH_DEPS)
    session.run("python", "-m", "benchmarks.suite", *session.posargs)
