"""The Kaggle arXiv snapshot reader, on real snapshot lines (tests/fixtures/kaggle, see PROVENANCE.md)."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from datetime import datetime
from pathlib import Path

import pytest

from paperwire.core.records import Page, PaperRecord, RecordError, SourceError, Version
from paperwire.ingest.kaggle import CategoryFilter, parse_kaggle_record, read_kaggle

SNAPSHOT = Path(__file__).parent.parent / "fixtures" / "kaggle" / "arxiv-metadata-oai-snapshot.head100.json"
CS_IDS = ["0704.0002", "0704.0046", "0704.0047", "0704.0050", "0704.0062", "0704.0090", "0704.0098"]


def items(pages: list[Page]) -> list[PaperRecord | RecordError]:
    return [item for page in pages for item in page.items]


def records(pages: list[Page]) -> list[PaperRecord]:
    return [item for item in items(pages) if isinstance(item, PaperRecord)]


def by_id(pages: list[Page]) -> dict[str, PaperRecord]:
    return {record.id: record for record in records(pages)}


def real_lines() -> list[str]:
    return SNAPSHOT.read_text(encoding="utf-8").splitlines(keepends=True)


def test_reads_every_real_line_as_a_record() -> None:
    pages = list(read_kaggle(SNAPSHOT))
    assert len(records(pages)) == 100
    assert not [item for item in items(pages) if isinstance(item, RecordError)]
    assert [r.id for r in records(pages)][:3] == ["0704.0001", "0704.0002", "0704.0003"]


def test_first_paper_has_its_real_metadata() -> None:
    paper = by_id(list(read_kaggle(SNAPSHOT)))["0704.0001"]
    assert paper.title == ("Calculation of prompt diphoton production cross sections at Tevatron and LHC energies")
    assert paper.source == "kaggle"
    # authors_parsed gives Unicode accents and order; the arXiv parser's "C. -P." is undone.
    assert paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan")
    assert paper.categories == ("hep-ph",)
    assert paper.versions == (
        Version(1, datetime(2007, 4, 2, 19, 18, 42)),
        Version(2, datetime(2007, 7, 24, 20, 10, 27)),
    )
    assert paper.version == 2
    assert paper.submitted == datetime(2007, 4, 2, 19, 18, 42)
    assert paper.updated == datetime(2007, 7, 24, 20, 10, 27)
    assert paper.doi == "10.1103/PhysRevD.76.013009"
    assert paper.journal_ref == "Phys.Rev.D76:013009,2007"
    assert paper.comments == "37 pages, 15 figures; published version"
    assert paper.license is None
    assert paper.abstract.startswith("A fully differential calculation in perturbative quantum")


def test_categories_primary_first_and_license_kept() -> None:
    paper = by_id(list(read_kaggle(SNAPSHOT)))["0704.0002"]
    assert paper.title == "Sparsity-certifying Graph Decompositions"
    assert paper.authors == ("Ileana Streinu", "Louis Theran")
    assert paper.categories == ("math.CO", "cs.CG")
    assert paper.primary_category == "math.CO"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert [v.number for v in paper.versions] == [1, 2]


def test_affiliation_in_authors_parsed_is_not_a_name() -> None:
    papers = by_id(list(read_kaggle(SNAPSHOT)))
    # authors_parsed: [["Mishchenko", "A. S.", "", "1 and 2"], ["Nagaosa", "N.", "", "1 and 3"]]
    assert papers["0704.0025"].authors == ("A. S. Mishchenko", "N. Nagaosa")
    assert papers["0704.0090"].categories == (
        "cs.CE",
        "cond-mat.stat-mech",
        "cs.MS",
        "cs.NA",
        "physics.data-an",
    )


def test_pages_are_batches_labelled_by_line() -> None:
    pages = list(read_kaggle(SNAPSHOT, batch_size=40))
    name = SNAPSHOT.name
    assert [page.label for page in pages] == [f"{name}:1-40", f"{name}:41-80", f"{name}:81-100"]
    assert [len(page.items) for page in pages] == [40, 40, 20]
    assert all(page.resume is None for page in pages)


def test_progress_counts_bytes_of_the_file() -> None:
    snapshot = read_kaggle(SNAPSHOT, batch_size=25)
    assert snapshot.total_bytes == SNAPSHOT.stat().st_size
    seen = []
    for _page in snapshot:
        seen.append(snapshot.bytes_read)
    assert seen == sorted(seen)
    assert seen[0] < snapshot.total_bytes
    assert seen[-1] == snapshot.total_bytes


@pytest.mark.parametrize("pattern", ["cs", "cs.*", "CS"])
def test_archive_filter_matches_any_category(pattern: str) -> None:
    # 0704.0046 is quant-ph first, with cs.IT cross-listed: a cross-list counts.
    pages = list(read_kaggle(SNAPSHOT, categories=[pattern]))
    assert [r.id for r in records(pages)] == CS_IDS


def test_exact_filter() -> None:
    pages = list(read_kaggle(SNAPSHOT, categories=["cs.IT"]))
    assert [(r.id, r.categories) for r in records(pages)] == [
        ("0704.0046", ("quant-ph", "cs.IT", "math.IT")),
        ("0704.0098", ("cs.IT", "math.IT")),
    ]


def test_several_patterns_and_hyphenated_archives() -> None:
    pages = list(read_kaggle(SNAPSHOT, categories=["math-ph", "cs.IT"]))
    assert [r.id for r in records(pages)] == [
        "0704.0041",
        "0704.0046",
        "0704.0072",
        "0704.0081",
        "0704.0097",
        "0704.0098",
    ]
    # "math" is the archive math.*, not every archive whose name starts with "math".
    assert not CategoryFilter.parse(["math"]).matches(["math-ph"])
    assert CategoryFilter.parse(["math"]).matches(["math-ph", "math.MP"])
    assert CategoryFilter.parse(["cs.LG,stat.ML"]).matches(["stat.ML"])


def test_gzip_input_reads_the_same_and_counts_compressed_bytes(tmp_path: Path) -> None:
    plain = records(list(read_kaggle(SNAPSHOT)))
    # Named without .gz on purpose: gzip is recognised by its magic bytes.
    for name in ("snapshot.json.gz", "snapshot.json"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(SNAPSHOT.read_bytes()))
        snapshot = read_kaggle(path, categories=None, batch_size=30)
        assert records(list(snapshot)) == plain
        assert snapshot.total_bytes == path.stat().st_size < SNAPSHOT.stat().st_size
        assert snapshot.bytes_read == snapshot.total_bytes


def test_malformed_line_is_a_record_error_and_the_rest_is_kept(tmp_path: Path) -> None:
    lines = real_lines()
    lines[2] = lines[2][:120] + "\n"  # 0704.0003 cut mid-line, as in a truncated download
    lines[4] = "[1, 2]\n"
    path = tmp_path / "snapshot.json"
    path.write_text("".join(lines), encoding="utf-8")
    found = items(list(read_kaggle(path)))
    errors = [item for item in found if isinstance(item, RecordError)]
    assert [e.id for e in errors] == ["line 3", "line 5"]
    assert "invalid JSON" in errors[0].reason
    assert "snapshot.json line 3" in errors[0].reason
    assert "expected a JSON object" in errors[1].reason
    assert len(found) == 100
    assert "0704.0003" not in {r.id for r in found if isinstance(r, PaperRecord)}
    assert sum(isinstance(r, PaperRecord) for r in found) == 98


def test_record_without_title_names_its_line(tmp_path: Path) -> None:
    lines = real_lines()
    obj = json.loads(lines[1])
    obj["title"] = None
    lines[1] = json.dumps(obj) + "\n"
    path = tmp_path / "snapshot.json"
    path.write_text("".join(lines), encoding="utf-8")
    errors = [i for i in items(list(read_kaggle(path))) if isinstance(i, RecordError)]
    assert errors == [RecordError("0704.0002", "missing title (snapshot.json line 2)")]


def test_update_date_stands_in_only_without_versions() -> None:
    obj = json.loads(real_lines()[0])
    obj["versions"] = []
    record = parse_kaggle_record(obj)
    assert isinstance(record, PaperRecord)
    assert record.updated == datetime(2008, 11, 26)
    assert record.versions == ()
    assert record.version is None


def test_missing_file_fails_at_once(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        read_kaggle(tmp_path / "arxiv-metadata-oai-snapshot.json")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"id,title\n0704.0001,Calculation\n", "snapshot.json line 1: not the Kaggle arXiv snapshot"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "snapshot.json line 1: binary data"),
        (b'[{"id": "0704.0001"}]\n', "snapshot.json line 1: not the Kaggle arXiv snapshot"),
    ],
)
def test_a_file_that_is_not_a_snapshot_is_a_source_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "snapshot.json"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        list(read_kaggle(path))


def test_empty_file_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    path.write_bytes(b"")
    assert list(read_kaggle(path)) == []


def test_truncated_gzip_is_a_source_error_naming_the_line(tmp_path: Path) -> None:
    data = gzip.compress(SNAPSHOT.read_bytes())
    path = tmp_path / "snapshot.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceError, match=r"snapshot.json.gz line \d+: corrupt gzip data"):
        list(read_kaggle(path))


# --- memory stays flat: the real file is 4 GB ------------------------------------------------------------


def write_synthetic_snapshot(path: Path, megabytes: int) -> int:
    """Real lines repeated with fresh ids until the file is ``megabytes`` big; returns the line count."""
    source = [json.loads(line) for line in real_lines()]
    size = count = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as out:
        while size < megabytes * 1_000_000:
            obj = dict(source[count % len(source)])
            obj["id"] = f"{9000 + count // 100_000}.{count % 100_000:05d}"
            line = json.dumps(obj) + "\n"
            out.write(line)
            size += len(line.encode("utf-8"))
            count += 1
    return count


def stream_under_tracemalloc(path: Path, categories: list[str] | None, batch_size: int = 500) -> tuple[int, int, int]:
    """(records, bytes_read at the end, peak traced bytes) while streaming ``path`` page by page."""
    tracemalloc.start()
    try:
        snapshot = read_kaggle(path, categories=categories, batch_size=batch_size)
        count = sum(len(page.items) for page in snapshot)  # each page is dropped once counted
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, snapshot.bytes_read, peak


@pytest.mark.slow
def test_memory_stays_flat_over_a_50_mb_file(tmp_path: Path) -> None:
    path = tmp_path / "arxiv-metadata-oai-snapshot.json"
    lines = write_synthetic_snapshot(path, 50)
    # The filter makes this fast under tracemalloc; every line is still read and decoded.
    count, bytes_read, peak = stream_under_tracemalloc(path, ["cs"])
    cycles, rest = divmod(lines, 100)
    cs_positions = {int(i[-4:]) - 1 for i in CS_IDS}  # 0704.0002 is line 2, index 1
    assert count == cycles * len(CS_IDS) + len([p for p in cs_positions if p < rest])
    assert bytes_read == path.stat().st_size > 50_000_000
    assert peak < 5_000_000


def test_memory_stays_flat_without_a_filter_on_gzip(tmp_path: Path) -> None:
    path = tmp_path / "arxiv-metadata-oai-snapshot.json.gz"
    lines = write_synthetic_snapshot(path, 5)
    count, bytes_read, peak = stream_under_tracemalloc(path, None, batch_size=100)
    assert count == lines > 3000
    assert bytes_read == path.stat().st_size
    # Pages of 100 records come and go: the peak is a page or two, far below the 5 MB of content.
    assert peak < 2_000_000
