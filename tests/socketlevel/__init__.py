"""Socket-level tests: the client against real loopback servers and scripted raw servers."""
