"""``python -m benchmarks.suite``: see ``_runner.main`` for the options."""

from benchmarks.suite._runner import main

raise SystemExit(main())
