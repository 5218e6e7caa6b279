"""Sessions: ``tests`` and ``slow`` (both loops inside pytest), ``lint``, ``typecheck``, ``micro``.

Every session installs what it needs itself, so ``nox`` on a machine with only
Python 3.11 and pip is enough. ``tests`` enforces 100 % line and branch
coverage of ``aiohttpcore/protocol/`` (CONVENTIONS.md, "Tooling settings").
Long cases (soaks, GiB transfers) are marked ``slow`` and run in their own
session, which CI runs too, bounded by per-test timeouts.
"""

from __future__ import annotations

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
    # The optional Content-Encoding codecs, so their tests run rather than skip.
    "brotli>=1.2",
    "backports.zstd>=1.0; python_version < '3.14'",
    # Real servers for the interop tests (tests/_support/servers.py), as subprocesses.
    "uvicorn>=0.54",
    "httptools>=0.6",
    "hypercorn>=0.18",
    "granian>=2.8",
]
LINT_DEPS = ["ruff>=0.8"]
TYPECHECK_DEPS = ["mypy>=1.13", *TEST_DEPS]


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
    session.run("mypy", "--strict", "aiohttpcore", "tests")


@nox.session(python="3.11")
def micro(session: nox.Session) -> None:
    """Codec micro-benchmarks against h11 and httptools (not a test: prints figures)."""
    session.install("-e", ".", "h11>=0.16", "httptools>=0.6")
    session.run("python", "-m", "benchmarks.micro", *session.posargs)
