"""Recommendations: picks for a reader and a period, shared by the digest, the For-you page and the feed.

The package is filled in by the recommend issue; it exists so the import rules (pyproject.toml) can name it.
"""
