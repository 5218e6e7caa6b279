"""``python -m benchmarks.connection``: see ``_runner.main`` for the options."""

from benchmarks.connection._runner import main

raise SystemExit(main())
