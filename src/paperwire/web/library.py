"""A signed-in reader's library: the papers they saved on the site, and those they saved from a digest
(the "Save" link in the mail, recorded for the subscription with the same address). Page and downloads
(BibTeX, CSV) show the same list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paperwire.db import feedback, papers
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.users import User
from paperwire.trending import reactions


def library_papers(db: Database, user: User) -> list[dict[str, Any]]:
    """Saved papers, most recently saved first, each with ``saved_at`` and ``from_digest`` (saved from a mail
    and not also on the site)."""
    found = {row["id"]: {**row, "from_digest": False} for row in reactions.saved_papers(db, str(user.id))}
    subscriber = subs.find(db, user.email)
    if subscriber is not None:
        from_mail = {f.paper_id: f.at for f in feedback.for_reader(db, subscriber.id) if f.kind == feedback.SAVE}
        rows = papers.papers_by_ids(db, [paper_id for paper_id in from_mail if paper_id not in found])
        for paper_id, row in rows.items():
            if not row["deleted"]:
                found[paper_id] = {**row, "saved_at": from_mail[paper_id], "from_digest": True}
    return sorted(found.values(), key=lambda row: (_moment(row["saved_at"]), row["id"]), reverse=True)


def _moment(value: datetime | None) -> datetime:
    return value or datetime.min
