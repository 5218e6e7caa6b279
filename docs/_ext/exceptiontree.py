"""Draw the exception tree from the classes themselves.

``.. exception-tree::`` renders every exception and warning of
``aiohttpcore.__all__`` as a text tree under the builtin it derives from, in
the order the classes are defined in :mod:`aiohttpcore.exceptions`, so the
picture on the errors page is the code's own hierarchy and cannot drift from
it. A class sits under its first base; a builtin it also mixes in (a
``ValueError``, a ``TimeoutError``) is named after it, as the classes say in
their docstrings.
"""

from __future__ import annotations

import builtins
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import aiohttpcore
from aiohttpcore import exceptions

# The builtins the tree starts from: everything of ours derives from one of them.
ROOTS: tuple[type[BaseException], ...] = (Exception,)
_PLAIN = {BaseException, Exception, Warning, UserWarning, object}


def public_classes() -> list[type[BaseException]]:
    """Our exceptions and warnings, in the order the module defines them."""
    public = set(aiohttpcore.__all__)
    return [
        value
        for name, value in vars(exceptions).items()
        if name in public and isinstance(value, type) and issubclass(value, BaseException)
    ]


def _is_builtin(cls: type) -> bool:
    return getattr(builtins, cls.__name__, None) is cls


def mixed_in(cls: type[BaseException]) -> list[str]:
    """The builtins *cls* also is beside its line of first bases (``ValueError``...)."""
    line: set[type] = set()
    step: type = cls
    while step is not object:
        line.add(step)
        step = step.__bases__[0]
    found: list[str] = []
    for ancestor in cls.__mro__:
        if _is_builtin(ancestor):
            continue
        for base in ancestor.__bases__:
            new = base.__name__ not in found
            if new and _is_builtin(base) and base not in line and base not in _PLAIN:
                found.append(base.__name__)
    return found


def tree_lines(classes: list[type[BaseException]]) -> list[str]:
    """The tree as text, one class a line, box-drawing characters for the branches."""
    children: dict[type, list[type]] = {}
    for cls in classes:
        children.setdefault(cls.__bases__[0], []).append(cls)
    # The builtins between a root and our classes (Warning, UserWarning) join the tree.
    for cls in list(children):
        step = cls
        while step not in ROOTS and _is_builtin(step):
            parent = step.__bases__[0]
            siblings = children.setdefault(parent, [])
            if step not in siblings:
                siblings.append(step)
            step = parent
    lines: list[str] = []

    def draw(cls: type, prefix: str, last: bool, top: bool) -> None:
        name = cls.__name__
        if top:
            lines.append(name)
        else:
            lines.append(f"{prefix}{'└── ' if last else '├── '}{name}")
        if not _is_builtin(cls):
            notes = [f"also {base}" for base in mixed_in(cls)]
            if issubclass(cls, Warning):
                notes.append("a warning, never raised")
            if notes:
                lines[-1] = f"{lines[-1]:<39}({', '.join(notes)})"
        below = children.get(cls, [])
        inner = "" if top else prefix + ("    " if last else "│   ")
        for index, child in enumerate(below):
            draw(child, inner, index == len(below) - 1, False)

    for root in ROOTS:
        draw(root, "", True, True)
    return lines


class ExceptionTree(SphinxDirective):
    """``.. exception-tree::``: the package's exceptions and warnings as a text tree."""

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(exceptions.__file__)
        text = "\n".join(tree_lines(public_classes()))
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("exception-tree", ExceptionTree)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
