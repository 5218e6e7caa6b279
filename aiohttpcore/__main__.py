"""The ``aiohttpcore`` command (``python -m aiohttpcore`` and the console script).

Its commands, ``aiohttpcore get URL`` and ``aiohttpcore bench [URL]``, arrive
with a later issue and will live in ``aiohttpcore/cli/``, which uses the public
API only. Until then this entry point exists so that the console script named
in ``pyproject.toml`` installs and says plainly that there is nothing to run,
exiting with status 2 (a usage error, as argparse uses) so that no script
mistakes it for a finished job.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

NOT_YET = (
    "aiohttpcore: the 'get' and 'bench' commands arrive with a later issue; "
    "nothing is implemented yet."
)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; today, report that the commands are not there yet.

    Args:
        argv: The arguments after the program name (``sys.argv[1:]`` when
            ``None``); ignored until the commands exist.

    Returns:
        2, the exit status of a command that cannot do what was asked. The
        console script wrapper passes it to ``sys.exit``.
    """
    del argv  # the commands that will read it arrive with a later issue
    print(NOT_YET, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
