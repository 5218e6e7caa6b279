"""``python -m benchmarks.pool``: see ``_runner.main`` for the options."""

from benchmarks.pool._runner import main

raise SystemExit(main())
