"""The rows a search page shows: read through the stdlib driver on SQLite, the same as through SQLAlchemy."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import update

from paperwire.core.records import PaperRecord
from paperwire.db import embeddings, papers
from paperwire.db.engine import Database
from paperwire.db.schema import papers as papers_table
from paperwire.ingest.normalize import make_record

NOW = datetime(2026, 11, 27, 12, 0)


def _record(n: int, **overrides: object) -> PaperRecord:
    fields: dict[str, object] = {
        "raw_id": f"2401.{n:05d}v2",
        "title": f"Paper {n}: Schrödinger bridges for “diffusion”",
        "abstract": f"We study ünicode and $\\alpha$-stable noise ({n}).",
        "source": "test",
        "authors": ["Ada Lovelace", "Tat-Seng Chua", "José Núñez"],
        "categories": "cs.LG stat.ML",
        "submitted": "2024-01-01T10:00:00Z",
        "updated": "2024-01-03T08:30:15.250000Z",
        "announced": date(2024, 1, 2),
        "code_links": ["https://github.com/acme/bridge"],
    }
    fields.update(overrides)
    built = make_record(**fields)  # type: ignore[arg-type]
    assert isinstance(built, PaperRecord)
    return built


@pytest.fixture
def stored(sqlite_db: Database) -> list[str]:
    records = [_record(n) for n in range(1, 1200)]  # more than one chunk of ids (SQLite's parameter limit)
    records += [
        _record(1200, raw_id="hf-only-1", submitted=None, updated=None, announced=None, code_links=[], version=None),
        _record(1201, authors=[], categories="math.AG"),
    ]
    with sqlite_db.write() as conn:
        papers.upsert_papers(conn, records, now=NOW)
        conn.execute(update(papers_table).where(papers_table.c.id == "2401.00007").values(deleted=True))
    return [r.id for r in records]


def test_the_stdlib_read_equals_the_sqlalchemy_read(sqlite_db: Database, stored: list[str]) -> None:
    ids = [*stored, "2401.99999", "not-a-paper"]  # unknown ids: left out by both
    through_sqlalchemy = embeddings._live_by_id_sqlalchemy(sqlite_db, ids)
    through_driver = embeddings._live_by_id_sqlite(sqlite_db, ids)
    assert through_driver == through_sqlalchemy
    assert len(through_driver) == len(stored) - 1  # the deleted paper is not shown
    assert "2401.00007" not in through_driver
    for paper_id, row in through_sqlalchemy.items():  # equal values of other types would compare equal too
        assert list(through_driver[paper_id]) == list(row)
        assert [type(v) for v in through_driver[paper_id].values()] == [type(v) for v in row.values()]
    sparse = through_driver["hf-only-1"]
    assert (sparse["version"], sparse["announced_on"], sparse["submitted_at"], sparse["code_links"]) == (
        None,
        None,
        None,
        [],
    )
    assert isinstance(through_driver["2401.00001"]["announced_on"], date)
    assert isinstance(through_driver["2401.00001"]["updated_at"], datetime)


def test_sqlite_reads_through_the_driver(
    sqlite_db: Database, stored: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = embeddings._live_by_id_sqlalchemy(sqlite_db, stored[:20])

    def not_here(_db: Database, _ids: object) -> None:
        raise AssertionError("SQLite rows are read through the stdlib driver")

    monkeypatch.setattr(embeddings, "_live_by_id_sqlalchemy", not_here)
    assert embeddings.live_papers_by_id(sqlite_db, stored[:20]) == expected
    assert embeddings.live_papers_by_id(sqlite_db, []) == {}
