"""Sphinx configuration: autodoc + napoleon, furo, nitpicky, and no network.

``nox -s docs`` builds with ``-W -n``: a warning or an unresolved
cross-reference fails the build. Nothing here fetches anything: the Python
inventory intersphinx reads is the committed ``_inventories/python.inv``
(the ``objects.inv`` of the Python 3.11 documentation), so the build is the
same on a machine without internet.

Public names are documented where users import them, ``aiohttpcore.Name``
(each API page says ``.. currentmodule:: aiohttpcore``), even though they are
defined in submodules. Docstrings and annotations may still name a class by
its defining module (``aiohttpcore.exceptions.StateError``, or the private
``aiohttpcore._observe.TraceEvent``); :func:`_public_alias` resolves such a
reference to the public entry, and to nothing else, so a reference to a
name that is not public still fails the build.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.ext import intersphinx

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))

import aiohttpcore  # noqa: E402  (after the path is set, for a build without an install)
import aiohttpcore.protocol  # noqa: E402

project = "aiohttpcore"
author = "the aiohttpcore developers"
copyright = "2026, the aiohttpcore developers"
release = aiohttpcore.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.graphviz",
    "statemachine",
    "benchresults",
    "exceptiontree",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
nitpicky = True
default_role = "any"

html_theme = "furo"
html_title = f"aiohttpcore {release}"
html_static_path = ["_static"]
html_css_files = ["aiohttpcore.css"]

# The local inventory, never a download (module docstring).
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", str(DOCS / "_inventories" / "python.inv")),
}
intersphinx_timeout = 0.001

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
# Bases are shown where they say something (the exception tree, the enums):
# those entries ask for them with :show-inheritance:.
autodoc_default_options = {"members": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

graphviz_output_format = "svg"

# Type aliases and typing internals that have no page of their own: autodoc
# would otherwise turn each into an unresolved reference.
nitpick_ignore = [
    # The TypeVar of Headers.get's default.
    ("py:class", "aiohttpcore.headers._T"),
    # What ConnectionPool.request returns: an object to await or to use with
    # ``async with``; its docstring says so, and it has no API of its own.
    ("py:class", "_RequestContext"),
]


# The packages whose ``__all__`` names are documented at the package's level;
# ``asyncio`` because annotations name its classes by their defining module
# (``asyncio.transports.BaseTransport``) and its docs by the package's.
PUBLIC_PACKAGES: dict[str, frozenset[str]] = {
    "aiohttpcore.protocol": frozenset(aiohttpcore.protocol.__all__),
    "aiohttpcore": frozenset(aiohttpcore.__all__),
    "asyncio": frozenset(asyncio.__all__),
}


def _public_alias(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.Element | None:
    """Resolve ``package.<module>.Name[.attr]`` to ``package.Name[.attr]``.

    Only for the names in the ``__all__`` of a package of
    :data:`PUBLIC_PACKAGES`; anything else stays unresolved and fails the
    nitpicky build.
    """
    if node.get("refdomain") != "py":
        return None
    target: str = node["reftarget"]
    parts = target.split(".")
    if len(parts) < 3 or parts[0] not in PUBLIC_PACKAGES:
        return None
    for package, names in PUBLIC_PACKAGES.items():
        if not target.startswith(package + "."):
            continue
        for index in range(2, len(parts)):
            if parts[index] in names:
                public = ".".join([package, *parts[index:]])
                if not package.startswith("aiohttpcore"):
                    moved = node.deepcopy()
                    moved["reftarget"] = public
                    return intersphinx.missing_reference(app, env, moved, contnode)
                domain: Any = env.get_domain("py")
                return domain.resolve_xref(  # type: ignore[no-any-return]
                    env,
                    node.get("refdoc", ""),
                    app.builder,
                    node["reftype"],
                    public,
                    node,
                    contnode,
                )
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", _public_alias)
    return {"parallel_read_safe": True}
