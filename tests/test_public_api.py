"""The public API is exactly ``aiohttpcore.__all__``, and ``__all__`` is honest.

CONVENTIONS.md rule 13: one explicit public API, checked by a test. Here:
``__all__`` is sorted (the isort-style order ruff's RUF022 enforces, so the
linter and this test never disagree), every name in it resolves, every name
``__init__.py`` binds publicly is in it, re-exports use the explicit
``from .x import Name as Name`` form type checkers honour, and a star import
yields exactly ``__all__``. The package's metadata (version, typing marker,
console script) is checked against ``pyproject.toml`` here too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest

import aiohttpcore
from aiohttpcore import __main__ as cli_main
from aiohttpcore import cli

ROOT = Path(__file__).resolve().parent.parent
INIT = ROOT / "aiohttpcore" / "__init__.py"


def isort_key(name: str) -> tuple[int, str]:
    """RUF022's order: SCREAMING_CASE, then CamelCase, then the rest, each alphabetically."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _bound_by_init() -> dict[str, ast.stmt]:
    """Names ``__init__.py`` binds at module level, with the statement binding each."""
    bound: dict[str, ast.stmt] = {}
    for node in ast.parse(INIT.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom | ast.Import):
            for alias in node.names:
                bound[(alias.asname or alias.name).partition(".")[0]] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    bound[target.id] = node
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound[node.name] = node
    return bound


def test_all_is_sorted() -> None:
    assert aiohttpcore.__all__ == sorted(aiohttpcore.__all__, key=isort_key)


def test_all_has_no_duplicates() -> None:
    assert len(aiohttpcore.__all__) == len(set(aiohttpcore.__all__))


@pytest.mark.parametrize("name", aiohttpcore.__all__)
def test_every_name_in_all_resolves(name: str) -> None:
    assert getattr(aiohttpcore, name, None) is not None


def test_every_public_name_bound_in_init_is_in_all() -> None:
    public = {name for name in _bound_by_init() if not name.startswith("_")}
    assert sorted(public - set(aiohttpcore.__all__)) == []
    assert sorted(set(aiohttpcore.__all__) - public) == []


def test_every_public_runtime_attribute_is_in_all() -> None:
    # Submodules become attributes when imported; they are not re-exports.
    public = {
        name
        for name, value in vars(aiohttpcore).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sorted(public - set(aiohttpcore.__all__)) == []


def test_reexports_use_the_explicit_form() -> None:
    loose = [
        f"line {node.lineno}: {ast.unparse(node)}"
        for name, node in _bound_by_init().items()
        if isinstance(node, ast.ImportFrom)
        and not name.startswith("_")
        and any(alias.asname != alias.name for alias in node.names)
    ]
    assert loose == [], "write `from .x import Name as Name`"


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from aiohttpcore import *", namespace)
    namespace.pop("__builtins__", None)
    assert sorted(namespace) == sorted(aiohttpcore.__all__)


def test_core_names_are_exported() -> None:
    expected = {
        "HTTPException",
        "InvalidURL",
        "Headers",
        "CaseInsensitiveDict",
        "URL",
        "parse_url",
        "HTTPStatus",
        "HTTPMethod",
        "is_temp_network_error",
    }
    assert expected <= set(aiohttpcore.__all__)


# ------------------------------------------------------------------ metadata


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    assert isinstance(project, dict)
    return project


def test_version_matches_pyproject() -> None:
    assert aiohttpcore.__version__ == _pyproject()["version"]


def test_package_is_marked_typed() -> None:
    assert (ROOT / "aiohttpcore" / "py.typed").is_file()


def test_console_script_points_at_main() -> None:
    scripts = _pyproject()["scripts"]
    assert isinstance(scripts, dict)
    assert scripts["aiohttpcore"] == "aiohttpcore.__main__:main"


def test_main_is_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main is cli.main
    assert cli_main.main(["--version"]) == 0
    assert capsys.readouterr().out == f"aiohttpcore {aiohttpcore.__version__}\n"


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "aiohttpcore", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: aiohttpcore ")
    assert "get" in result.stdout
    assert "bench" in result.stdout
