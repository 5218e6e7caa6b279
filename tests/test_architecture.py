"""The dependency rules of CONVENTIONS.md, checked by reading every module's imports.

An ``ast`` walk over ``aiohttpcore/**/*.py`` (whatever exists today) checks:

(a) ``protocol/`` is sans-IO: it never imports asyncio, socket, ssl, time,
    logging or selectors, and from the package only ``exceptions``,
    ``headers``, ``status`` and its own ``protocol.*`` modules.
(b) The layer order ``cli → pool → proxy → response → connection → stream |
    protocol``: a module imports its own layer and layers ranked below it,
    never one above or a sibling of the same rank (``stream`` and
    ``protocol`` know nothing of each other). The shared vocabulary
    (exceptions, headers, status, url, timeouts, retry, _ssl) imports no
    layer module.

Every import counts, including those under ``if TYPE_CHECKING:``: a type
annotation that names an upper layer is still a dependency on its API. A
failure lists each offending file, line and import; a module missing from
:data:`LAYERS` fails too, so every new module gets a place in the order.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "aiohttpcore"
ROOT = Path(__file__).resolve().parent.parent

# (layer, rank, modules relative to the package; "x.*" is every module under x/,
# "" the package's __init__). A module may import its own layer or any layer of
# lower rank; equal rank and different layer is forbidden.
LAYERS: list[tuple[str, int, tuple[str, ...]]] = [
    ("vocabulary", 0, ("exceptions", "headers", "status", "url", "timeouts", "retry", "_ssl")),
    ("protocol", 1, ("protocol", "protocol.*")),
    ("decoders", 1, ("_decoders",)),
    # The stream pushes received bytes straight into the codec, so it sits
    # above the protocol layer, never beside it.
    ("stream", 2, ("stream",)),
    # The response sits below the connection that creates it: a Response reads
    # through the stream and gives its connection back through a callback, so
    # it never imports connection.py (or the pool).
    ("response", 3, ("response",)),
    ("connection", 4, ("connection",)),
    ("proxy", 5, ("proxy",)),
    ("pool", 6, ("pool", "_pool_state", "_resolver", "_observe")),
    ("public API", 7, ("",)),
    ("cli", 8, ("cli", "cli.*", "__main__")),
]

PROTOCOL_FORBIDDEN_STDLIB = {"asyncio", "socket", "ssl", "time", "logging", "selectors"}
PROTOCOL_ALLOWED_PACKAGE = {"exceptions", "headers", "status"}


@dataclass(frozen=True, slots=True)
class Import:
    """One imported module, resolved to its absolute dotted name."""

    path: Path
    line: int
    statement: str
    target: str

    def where(self, root: Path) -> str:
        return f"{self.path.relative_to(root)}:{self.line}: `{self.statement}`"


def module_name(path: Path, root: Path) -> str:
    """The dotted name of the module in *path*, relative to the package (``""`` for __init__)."""
    parts = list(path.relative_to(root / PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str, root: Path) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    """Every import in *path*, relative ones resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path, root)
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, ast.unparse(node), alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _from_base(node, own, is_package)
            for alias in node.names:
                # "from . import x" imports the module x when there is one.
                candidate = f"{base}.{alias.name}"
                target = candidate if _is_module(candidate, root) else base
                yield Import(path, node.lineno, ast.unparse(node), target)


def _from_base(node: ast.ImportFrom, own: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    package = [PACKAGE, *filter(None, own.split("."))]
    if not is_package:
        package.pop()
    if node.level > 1:
        package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def layer_of(relative: str) -> tuple[str, int] | None:
    """The (layer, rank) of a module named relative to the package, or None if unlisted."""
    for layer, rank, patterns in LAYERS:
        for pattern in patterns:
            if pattern.endswith(".*"):
                if relative.startswith(pattern[:-1]):
                    return layer, rank
            elif relative == pattern:
                return layer, rank
    return None


def _package_relative(target: str) -> str | None:
    if target == PACKAGE:
        return ""
    if target.startswith(PACKAGE + "."):
        return target[len(PACKAGE) + 1 :]
    return None


def package_files(root: Path) -> list[Path]:
    return sorted((root / PACKAGE).rglob("*.py"))


def protocol_violations(root: Path) -> list[str]:
    """Rule (a): what ``protocol/`` imports that a sans-IO core must not."""
    found = []
    for path in package_files(root):
        if module_name(path, root).partition(".")[0] != "protocol":
            continue
        for imp in imports_of(path, root):
            top = imp.target.partition(".")[0]
            relative = _package_relative(imp.target)
            if top in PROTOCOL_FORBIDDEN_STDLIB:
                found.append(f"{imp.where(root)}: protocol/ is sans-IO and must not use {top}")
            elif relative is not None and not (
                relative in PROTOCOL_ALLOWED_PACKAGE or layer_of(relative) == ("protocol", 1)
            ):
                found.append(
                    f"{imp.where(root)}: protocol/ may import only exceptions, headers, status"
                    f" and protocol.* from the package, not {imp.target}"
                )
    return found


def layer_violations(root: Path) -> list[str]:
    """Rule (b): imports that go up the layer order or sideways to a sibling layer."""
    found = []
    for path in package_files(root):
        own = module_name(path, root)
        own_layer = layer_of(own)
        if own_layer is None:
            found.append(
                f"{path.relative_to(root)}: module {own!r} has no place in LAYERS"
                " (tests/test_architecture.py); add it where CONVENTIONS.md puts it"
            )
            continue
        for imp in imports_of(path, root):
            relative = _package_relative(imp.target)
            if relative is None:
                continue
            target_layer = layer_of(relative)
            if target_layer is None or target_layer[0] == own_layer[0]:
                continue  # unlisted targets are reported as modules of their own
            if target_layer[1] >= own_layer[1]:
                found.append(
                    f"{imp.where(root)}: layer {own_layer[0]!r} (rank {own_layer[1]}) must not"
                    f" import layer {target_layer[0]!r} (rank {target_layer[1]})"
                )
    return found


# ------------------------------------------------------------------ the real package


def test_the_walk_sees_the_package() -> None:
    names = {module_name(path, ROOT) for path in package_files(ROOT)}
    assert {"", "exceptions", "headers", "status", "url"} <= names


def test_protocol_is_sans_io() -> None:
    violations = protocol_violations(ROOT)
    assert not violations, "\n".join(["protocol/ imports what it must not:", *violations])


def test_layers_import_only_downwards() -> None:
    violations = layer_violations(ROOT)
    assert not violations, "\n".join(["layer order broken:", *violations])


# ------------------------------------------------------------------ the checker itself


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in {"__init__.py": "", **files}.items():
        path = tmp_path / PACKAGE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("source", "culprit"),
    [
        ("import asyncio\n", "must not use asyncio"),
        ("import asyncio.events\n", "must not use asyncio"),
        ("from socket import socket\n", "must not use socket"),
        ("import ssl as _ssl\n", "must not use ssl"),
        ("from time import monotonic\n", "must not use time"),
        ("import logging\n", "must not use logging"),
        ("import selectors\n", "must not use selectors"),
        ("from .. import url\n", "not aiohttpcore.url"),
        ("from ..url import URL\n", "not aiohttpcore.url"),
        ("from aiohttpcore.stream import S\n", "not aiohttpcore.stream"),
        ("import aiohttpcore\n", "not aiohttpcore"),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import asyncio\n", "asyncio"),
    ],
)
def test_protocol_checker_catches(tmp_path: Path, source: str, culprit: str) -> None:
    root = _tree(
        tmp_path,
        {"protocol/__init__.py": "", "protocol/parser.py": source, "url.py": "", "stream.py": ""},
    )
    violations = protocol_violations(root)
    assert len(violations) == 1
    assert violations[0].startswith("aiohttpcore/protocol/parser.py:")
    assert culprit in violations[0]


@pytest.mark.parametrize(
    "source",
    [
        "import re\nfrom .. import exceptions, headers, status\n",
        "from ..exceptions import InvalidResponse\nfrom .events import Data\n",
        "from aiohttpcore.protocol.events import Data\nfrom . import events\n",
    ],
)
def test_protocol_checker_allows(tmp_path: Path, source: str) -> None:
    root = _tree(
        tmp_path,
        {
            "protocol/__init__.py": "",
            "protocol/events.py": "",
            "protocol/parser.py": source,
            "exceptions.py": "",
            "headers.py": "",
            "status.py": "",
        },
    )
    assert protocol_violations(root) == []


@pytest.mark.parametrize(
    ("module", "source", "culprit"),
    [
        ("response.py", "from .connection import C\n", "'response' (rank 3)"),
        ("connection.py", "from aiohttpcore.pool import P\n", "'connection' (rank 4)"),
        ("stream.py", "from .response import Response\n", "'stream' (rank 2) must not import"),
        ("protocol/codec.py", "from ..stream import S\n", "'protocol' (rank 1)"),
        ("url.py", "from .connection import C\n", "'vocabulary' (rank 0)"),
        ("exceptions.py", "import aiohttpcore\n", "layer 'public API'"),
        ("pool.py", "from .cli import main\n", "layer 'cli'"),
        ("response.py", "from . import proxy\n", "layer 'proxy'"),
    ],
)
def test_layer_checker_catches(tmp_path: Path, module: str, source: str, culprit: str) -> None:
    names = ["connection", "response", "pool", "proxy", "stream", "url", "exceptions"]
    files = {f"{name}.py": "" for name in names}
    files.update({"cli/__init__.py": "", "protocol/__init__.py": "", "protocol/codec.py": ""})
    files[module] = source
    violations = layer_violations(_tree(tmp_path, files))
    assert len(violations) == 1
    assert violations[0].startswith(f"aiohttpcore/{module}:1: `")
    assert culprit in violations[0]


def test_layer_checker_allows_downward_and_same_layer(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "exceptions.py": "",
            "url.py": "from .exceptions import InvalidURL\n",
            "protocol/__init__.py": "",
            "protocol/codec.py": "from ..exceptions import X\nfrom . import events\n",
            "protocol/events.py": "",
            "stream.py": "from .exceptions import X\nfrom .protocol import codec\n",
            "connection.py": "from .protocol.codec import C\nfrom .response import R\n",
            "response.py": "from .stream import S\n",
            "pool.py": "from ._pool_state import books\nfrom .response import R\n",
            "_pool_state.py": "from .url import URL\n",
            "cli/__init__.py": "import aiohttpcore\nfrom aiohttpcore import pool\n",
            "__main__.py": "from .cli import main\n",
        },
    )
    assert layer_violations(root) == []


def test_unlisted_module_is_reported(tmp_path: Path) -> None:
    violations = layer_violations(_tree(tmp_path, {"mystery.py": ""}))
    assert violations == [
        "aiohttpcore/mystery.py: module 'mystery' has no place in LAYERS"
        " (tests/test_architecture.py); add it where CONVENTIONS.md puts it"
    ]
