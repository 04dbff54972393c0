from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from paperwire.core.records import PaperRecord, Version
from paperwire.db import papers
from paperwire.db.engine import Database
from paperwire.db.schema import paper_versions
from paperwire.db.schema import papers as papers_table
from paperwire.ingest.normalize import make_record

NOW = datetime(2026, 11, 27, 12, 0)


def record(**overrides: object) -> PaperRecord:
    fields: dict[str, object] = {
        "raw_id": "2401.00001v1",
        "title": "Sparse mixtures of experts",
        "abstract": "We route tokens.",
        "source": "test",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": "cs.LG stat.ML",
        "submitted": "2024-01-01T10:00:00Z",
        "updated": "2024-01-01T10:00:00Z",
    }
    fields.update(overrides)
    built = make_record(**fields)  # type: ignore[arg-type]
    assert isinstance(built, PaperRecord)
    return built


def store(db: Database, *records: PaperRecord) -> papers.UpsertCounts:
    with db.write() as conn:
        return papers.upsert_papers(conn, list(records), now=NOW)


def snapshot(db: Database) -> list[dict[str, object]]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute(select(papers_table).order_by(papers_table.c.id)).mappings()]


def test_insert_then_same_record_changes_nothing(db: Database) -> None:
    first = store(db, record())
    before = snapshot(db)
    again = store(db, record())
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (1, 0, 0, 1)
    assert snapshot(db) == before


def test_fields_round_trip(db: Database) -> None:
    store(db, record(doi="10.1/x", comments="See https://github.com/acme/moe", announced=date(2024, 1, 2)))
    paper = papers.get_paper(db, "2401.00001")
    assert paper is not None
    assert paper["authors"] == ["Ada Lovelace", "Alan Turing"]
    assert paper["categories"] == ["cs.LG", "stat.ML"]
    assert paper["primary_category"] == "cs.LG"
    assert paper["code_links"] == ["https://github.com/acme/moe"]
    assert paper["announced_on"] == date(2024, 1, 2)
    assert paper["submitted_at"] == datetime(2024, 1, 1, 10, 0)
    assert paper["versions"] == [{"version": 1, "submitted_at": datetime(2024, 1, 1, 10, 0), "size": None}]


def test_newer_version_updates_and_records_version(db: Database) -> None:
    store(db, record())
    seq_before = snapshot(db)[0]["seq"]
    counts = store(db, record(raw_id="2401.00001v2", title="Sparse MoE, revised", updated="2024-02-01"))
    assert counts.updated == 1
    paper = papers.get_paper(db, "2401.00001")
    assert paper is not None
    assert (paper["title"], paper["version"]) == ("Sparse MoE, revised", 2)
    assert paper["seq"] > seq_before
    assert paper["submitted_at"] == datetime(2024, 1, 1, 10, 0)  # first version's date is kept
    assert [v["version"] for v in paper["versions"]] == [1, 2]


def test_older_version_never_overwrites_but_fills_gaps(db: Database) -> None:
    store(db, record(raw_id="2401.00001v3", title="Final title", updated="2024-03-01"))
    counts = store(db, record(raw_id="2401.00001v1", title="Draft title", ai_summary="A summary."))
    paper = papers.get_paper(db, "2401.00001")
    assert paper is not None
    assert counts.updated == 1
    assert (paper["title"], paper["version"], paper["ai_summary"]) == ("Final title", 3, "A summary.")


def test_versions_from_source_are_recorded_once(db: Database) -> None:
    versions = (Version(1, datetime(2024, 1, 1), "10kb"), Version(2, datetime(2024, 2, 1), "12kb"))
    store(db, record(raw_id="2401.00001", versions=versions, submitted=None, updated=None))
    store(db, record(raw_id="2401.00001", versions=versions, submitted=None, updated=None))
    with db.read() as conn:
        rows = conn.execute(select(paper_versions.c.version, paper_versions.c.size)).all()
    assert sorted(rows) == [(1, "10kb"), (2, "12kb")]
    paper = papers.get_paper(db, "2401.00001")
    assert paper is not None
    assert (paper["submitted_at"], paper["updated_at"]) == (datetime(2024, 1, 1), datetime(2024, 2, 1))


def test_deletion_marks_known_paper_and_skips_unknown(db: Database) -> None:
    store(db, record())
    gone = make_record(raw_id="2401.00001v2", title=None, abstract=None, source="oai", deleted=True)
    unknown = make_record(raw_id="2401.99999", title=None, abstract=None, source="oai", deleted=True)
    assert isinstance(gone, PaperRecord)
    assert isinstance(unknown, PaperRecord)
    counts = store(db, gone, unknown)
    assert (counts.updated, counts.skipped) == (1, 1)
    paper = papers.get_paper(db, "2401.00001")
    assert paper is not None
    assert paper["deleted"] is True
    assert paper["title"] == "Sparse mixtures of experts"  # metadata kept for history
    assert papers.count_papers(db) == 0
    assert papers.count_papers(db, include_deleted=True) == 1


def test_duplicate_ids_in_one_batch_merge(db: Database) -> None:
    counts = store(db, record(), record(raw_id="2401.00001v2", title="v2 title", updated="2024-05-01"))
    assert (counts.inserted, counts.updated) == (1, 0)
    paper = papers.get_paper(db, "2401.00001")
    assert paper is not None
    assert (paper["title"], paper["version"]) == ("v2 title", 2)


def test_seq_is_monotonic_across_batches(db: Database) -> None:
    store(db, record(raw_id="2401.00001"), record(raw_id="2401.00002"))
    store(db, record(raw_id="2401.00003"))
    seqs = {row["id"]: row["seq"] for row in snapshot(db)}
    assert seqs["2401.00001"] < seqs["2401.00002"] < seqs["2401.00003"]


def test_failed_write_leaves_nothing(db: Database) -> None:
    try:
        with db.write() as conn:
            papers.upsert_papers(conn, [record()], now=NOW)
            raise RuntimeError("crash half-way")
    except RuntimeError:
        pass
    assert papers.count_papers(db, include_deleted=True) == 0


def test_latest_papers_orders_by_announcement(db: Database) -> None:
    store(
        db,
        record(raw_id="2401.00001", announced=date(2024, 1, 1)),
        record(raw_id="2401.00002", announced=date(2024, 1, 3)),
        record(raw_id="2401.00003", announced=None),
    )
    assert [p["id"] for p in papers.latest_papers(db)] == ["2401.00002", "2401.00001", "2401.00003"]
