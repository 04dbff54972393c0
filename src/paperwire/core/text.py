"""Text every column can hold: the one rule all writers (sources, search queries) apply."""

from __future__ import annotations

import re

# Characters no database column should hold: NUL and the other C0/DEL controls that are not whitespace
# (PostgreSQL refuses NUL outright) and lone surrogates (from JSON "\ud800" escapes; not encodable as UTF-8).
_UNSAFE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\ud800-\udfff]")


def safe_text(text: str) -> str:
    """``text`` without NUL/control characters and with lone surrogates replaced by U+FFFD."""
    if not _UNSAFE.search(text):  # the usual case: one scan, no copy
        return text
    return _UNSAFE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", text)
