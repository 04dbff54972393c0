"""Reading what a reader says they like: paper ids or links, checked against the stored papers."""

from __future__ import annotations

from collections.abc import Iterable

from paperwire.core.ids import split_arxiv_id
from paperwire.db import profiles as store
from paperwire.db.engine import Database

MAX_LIKED = 50


class UnknownPapers(ValueError):
    """Some liked papers are not stored; ``missing`` names them as given."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            f"not stored: {', '.join(missing)} (liked papers must be in the database; ingest them first, "
            "or check the id with `paperwire papers show ID`)"
        )


def liked_ids(db: Database, values: Iterable[str]) -> list[str]:
    """Canonical ids of the liked papers (arXiv ids with or without version, or arxiv.org links), in order,
    each once. Raises ``UnknownPapers`` if any is not a stored paper, ``ValueError`` if there are too many."""
    given = [v.strip() for v in values if v and v.strip()]
    canonical = {v: split_arxiv_id(v)[0] for v in given}
    ids = list(dict.fromkeys(canonical.values()))
    if len(ids) > MAX_LIKED:
        raise ValueError(f"at most {MAX_LIKED} liked papers")
    stored = store.stored_ids(db, ids)
    missing = [v for v in given if canonical[v] not in stored]
    if missing:
        raise UnknownPapers(missing)
    return ids
