"""Command-line tests: ``aiohttpcore get`` and the argument handling every command shares."""
