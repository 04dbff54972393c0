"""arXiv identifiers: ``2401.00001v2``, ``arXiv:2401.00001``, arxiv.org URLs and old-style ``hep-th/9901001``.

Shared by every source (normalising ids), search (an id typed as a query), the web (canonical paper URLs)
and the CLI.
"""

from __future__ import annotations

import re

_NEW_ID = re.compile(r"(\d{4}\.\d{4,5})(?:v(\d+))?", re.ASCII)
_OLD_ID = re.compile(r"([a-z][a-z.\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?", re.ASCII | re.IGNORECASE)
_ID_PREFIXES = re.compile(
    r"^(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|arxiv:)", re.IGNORECASE
)


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """``'http://arxiv.org/abs/2104.12255v1'`` -> ``('2104.12255', 1)``; non-arXiv ids pass through.

    Old-style ids keep their archive (``hep-th/9901001``); a subject class (``math.GT/0309136``) is
    dropped because arXiv treats ``math/0309136`` as the same paper.
    """
    text = raw.strip()
    stripped = _ID_PREFIXES.sub("", text)
    if stripped.endswith(".pdf"):
        stripped = stripped[:-4]
    if m := _NEW_ID.fullmatch(stripped):
        return m.group(1), parse_version(m.group(2))
    if m := _OLD_ID.fullmatch(stripped):
        archive, number = m.group(1).split("/")
        return f"{archive.split('.')[0].lower()}/{number}", parse_version(m.group(2))
    return text, None


MAX_VERSION = 9999  # arXiv papers have a handful of versions; anything longer is garbage, not a version


def parse_version(digits: str | None) -> int | None:
    """``'3'`` -> ``3``; a missing, zero or absurd version (``v0``, ``v99999999999``) -> ``None``.

    Bounded so that a 5000-digit "version" neither trips ``int()``'s digit limit nor overflows a column.
    """
    if not digits or len(digits) > len(str(MAX_VERSION)) or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    return number if 1 <= number <= MAX_VERSION else None


def is_arxiv_id(paper_id: str) -> bool:
    return bool(_NEW_ID.fullmatch(paper_id) or _OLD_ID.fullmatch(paper_id))
