"""The API reference documents every public name, each exactly once.

CONVENTIONS.md rule 13: ``__all__`` and the docs agree. The reference pages
(``docs/api/*.rst``) document each name of ``aiohttpcore.__all__`` under
``.. currentmodule:: aiohttpcore`` with an ``auto*`` or ``py:*`` directive;
the names of ``aiohttpcore.protocol.__all__`` likewise under
``aiohttpcore.protocol``. Read with a line scanner, so no Sphinx is needed.
"""

from __future__ import annotations

import re
import types
from collections import Counter

import pytest

import aiohttpcore
import aiohttpcore.protocol
import aiohttpcore.stream

from ._rst import DOCS

API = DOCS / "api"
_CURRENT = re.compile(r"^\.\. (?:current)?module:: (\S+)\s*$")
_OBJECT = re.compile(
    r"^\.\. (?:auto(?:class|exception|function|data)|py:(?:class|exception|function|data))"
    r":: (\w+)"
)


def documented() -> Counter[str]:
    """Every ``module.Name`` the API pages document, counted."""
    found: Counter[str] = Counter()
    for page in sorted(API.glob("*.rst")):
        module = ""
        for line in page.read_text(encoding="utf-8").splitlines():
            if (current := _CURRENT.match(line)) is not None:
                module = current[1]
            elif (entry := _OBJECT.match(line)) is not None:
                found[f"{module}.{entry[1]}"] += 1
    return found


@pytest.mark.parametrize(
    "package", [aiohttpcore, aiohttpcore.protocol, aiohttpcore.stream], ids=lambda m: m.__name__
)
def test_every_public_name_is_documented_once(package: types.ModuleType) -> None:
    name = package.__name__
    public = {f"{name}.{item}" for item in package.__all__}
    found = documented()
    missing = sorted(public - set(found))
    assert not missing, f"in {name}.__all__ but not in docs/api/: {missing}"
    twice = sorted(item for item in public if found[item] > 1)
    assert not twice, f"documented more than once in docs/api/: {twice}"


def test_nothing_private_is_documented() -> None:
    public = {
        f"{package.__name__}.{item}"
        for package in (aiohttpcore, aiohttpcore.protocol, aiohttpcore.stream)
        for item in package.__all__
    }
    extra = sorted(set(documented()) - public)
    assert not extra, f"documented in docs/api/ but not public: {extra}"


def test_every_api_page_is_in_the_reference_index() -> None:
    index = (API / "index.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^   (\w+)$", index, flags=re.MULTILINE))
    pages = {page.stem for page in API.glob("*.rst")} - {"index"}
    assert pages == listed


def test_the_scanner_finds_entries() -> None:
    """The scanner is not vacuous: it finds the reference's own entries."""
    found = documented()
    assert found["aiohttpcore.ConnectionPool"] == 1
    assert found["aiohttpcore.protocol.ClientCodec"] == 1
    assert "aiohttpcore.NoSuchName" not in found
