"""The typed read model of a stored paper, and the row-shaped mapping view templates and JSON output use."""

from __future__ import annotations

import json
from datetime import date, datetime

from paperwire.core.records import Page, PaperRecord, Version
from paperwire.db import papers
from paperwire.db.engine import Database
from paperwire.ingest.normalize import make_record
from paperwire.ingest.pipeline import store_page


def test_get_paper_is_typed_and_reads_like_its_row(db: Database) -> None:
    record = make_record(
        raw_id="2401.00001v2",
        title="Sparse mixtures",
        abstract="Code at https://github.com/acme/moe",
        source="test",
        authors=["Ada Lovelace", "Alan Turing"],
        categories="cs.LG stat.ML",
        announced=date(2024, 1, 2),
        versions=[Version(1, datetime(2024, 1, 1), "10kb"), Version(2, datetime(2024, 2, 1), None)],
    )
    assert isinstance(record, PaperRecord)
    store_page(db, Page([record], label="test"), now=datetime(2024, 1, 2))
    paper = papers.get_paper(db, "2401.00001")
    assert paper is not None
    assert (paper.title, paper.version, paper.announced_on) == ("Sparse mixtures", 2, date(2024, 1, 2))
    assert paper.authors == ("Ada Lovelace", "Alan Turing")
    assert paper.code_links == ("https://github.com/acme/moe",)
    assert [v.version for v in paper.versions] == [1, 2]
    assert paper.versions[0] == papers.PaperVersion(1, datetime(2024, 1, 1), "10kb")
    # the mapping view: the row's shape, lists for list columns, versions as dicts
    row = dict(paper)
    assert row["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert row["versions"][1] == {"version": 2, "submitted_at": datetime(2024, 2, 1), "size": None}
    assert set(row) >= {"id", "seq", "deleted", "first_seen_at", "changed_at"}
    assert json.loads(json.dumps(paper.as_dict(), default=str))["categories"] == ["cs.LG", "stat.ML"]
    assert papers.latest_papers(db)[0].versions == ()  # lists do not read versions
    assert papers.papers_announced_on(db, date(2024, 1, 2))[0].id == "2401.00001"
