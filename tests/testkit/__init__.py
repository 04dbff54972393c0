"""Helpers the tests share: real databases, a replay HTTP server, an SMTP sink, a live site, data builders.

Imported as ``from testkit.<module> import ...`` (pytest puts tests/ on the path through its rootdir conftest).
"""
