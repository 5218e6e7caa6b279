"""``python -m benchmarks.micro``: see ``_runner.main`` for the options."""

from benchmarks.micro._runner import main

raise SystemExit(main())
