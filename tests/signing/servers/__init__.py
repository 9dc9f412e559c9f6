"""Real loopback servers (RFC 3161 TSA, CSC signing API) and throw-away PKI for tests.

Servers bind 127.0.0.1 on an ephemeral port and run in a daemon thread; use them as
context managers so the port is released when the test ends.
"""
