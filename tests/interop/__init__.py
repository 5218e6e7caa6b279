"""Interop tests: HTTPConnection against real HTTP/1.1 servers, plain and over TLS."""
