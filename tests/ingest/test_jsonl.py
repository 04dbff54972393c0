"""Plain JSONL/CSV import, on real day files of the shared arXiv listing corpus (fixtures/arxiv_daily)."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from paperwire.core.records import Page, PaperRecord, RecordError, SourceError
from paperwire.ingest.jsonl import read_jsonl, record_from_row

FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv_daily"
DAY = FIXTURES / "2026-06-25.jsonl"  # a whole day file: 26 lines, 26 papers
HEAD50 = FIXTURES / "head50" / "2026-05-14.jsonl"  # first 50 lines of a day: 2 papers listed twice


def items(pages: list[Page]) -> list[PaperRecord | RecordError]:
    return [item for page in pages for item in page.items]


def records(pages: list[Page]) -> list[PaperRecord]:
    return [item for item in items(pages) if isinstance(item, PaperRecord)]


def errors(pages: list[Page]) -> list[RecordError]:
    return [item for item in items(pages) if isinstance(item, RecordError)]


def corpus_rows(path: Path = DAY) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_lines(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


# --- the shared corpus imports as it is ------------------------------------------------------------------


def test_whole_corpus_day_file_imports_with_the_file_date() -> None:
    pages = list(read_jsonl([DAY]))
    papers = records(pages)
    assert not errors(pages)
    assert len(papers) == 26
    assert len({p.id for p in papers}) == 26
    assert {p.announced for p in papers} == {date(2026, 6, 25)}
    assert {p.source for p in papers} == {"jsonl"}
    assert [page.label for page in pages] == ["2026-06-25.jsonl:1-26"]


def test_corpus_records_carry_their_real_fields() -> None:
    papers = {p.id: p for p in records(list(read_jsonl(DAY)))}
    first = papers["2606.25042"]
    assert first.title == "Information from coincidences"
    assert first.authors == ("Akshay Balsubramani",)
    assert first.categories == ("cs.IT", "math.PR", "math.ST", "stat.ML")
    assert first.primary_category == "cs.IT"
    assert first.comments is not None
    assert first.comments.startswith("78 pages, 16 figures, 7 tables.")
    assert first.abstract.startswith("We prove a single algebraic mixed coincidence identity")
    assert first.submitted is None  # the corpus has no dates of its own: only the listing day
    second = papers["2606.25101"]
    assert second.authors == ("Rıfat Volkan Şenyuva",)
    assert second.code_links == ("https://github.com/rvsenyuva/wb-nf-xlmimo-clkl",)
    assert papers["2606.25041"].title.startswith("Wan-Streamer v0.1: End-to-end Real-time Interactive")
    assert len(papers["2606.25041"].authors) == 24


def test_papers_listed_twice_in_a_day_are_read_once() -> None:
    pages = list(read_jsonl(HEAD50, batch_size=5))
    papers = records(pages)
    assert len(papers) == 48  # 50 lines, 2605.13343 (lines 3, 8) and 2605.13766 (lines 15, 29) repeat
    assert len({p.id for p in papers}) == 48
    assert [p.id for p in papers][:3] == ["2605.12778", papers[1].id, "2605.13343"]
    assert {p.announced for p in papers} == {date(2026, 5, 14)}
    repeated = next(p for p in papers if p.id == "2605.13343")
    assert repeated.title == "Hierarchical Transformer Preconditioning for Interactive Physics Simulation"
    assert repeated.categories == ("cs.GR", "cs.DC", "cs.LG", "math.NA")
    assert repeated.authors[:3] == ("Carl Osborne", "Minghao Guo", "Crystal Owens")


def test_a_changed_repeat_is_kept_on_a_new_page(tmp_path: Path) -> None:
    rows = corpus_rows()[:3]
    changed = {**rows[1], "title": f"{rows[1]['title']} (v2)"}
    pages = list(read_jsonl(write_lines(tmp_path / "x.jsonl", [*rows, changed]), batch_size=10))
    assert [[r.id for r in page.items if isinstance(r, PaperRecord)] for page in pages] == [
        ["2606.25042", "2606.25101", "2606.25351"],
        ["2606.25101"],
    ]
    assert [page.label for page in pages] == ["x.jsonl:1-3", "x.jsonl:4-4"]


def test_several_files_make_separate_pages_in_order() -> None:
    pages = list(read_jsonl([DAY, HEAD50], batch_size=20))
    assert [page.label for page in pages] == [
        "2026-06-25.jsonl:1-20",
        "2026-06-25.jsonl:21-26",
        "2026-05-14.jsonl:1-21",
        "2026-05-14.jsonl:22-42",
        "2026-05-14.jsonl:43-50",
    ]
    assert [len(page.items) for page in pages] == [20, 6, 20, 20, 8]


def test_announced_argument_beats_the_file_name_and_published_beats_both(tmp_path: Path) -> None:
    assert {p.announced for p in records(list(read_jsonl(DAY, announced=date(2026, 7, 1))))} == {date(2026, 7, 1)}
    rows = corpus_rows()[:2]
    rows[0]["published"] = "2026-06-23T17:59:59Z"
    path = write_lines(tmp_path / "2026-06-25.jsonl", rows)
    first, second = records(list(read_jsonl(path, announced=date(2026, 7, 1))))
    assert first.announced == date(2026, 6, 23)
    assert first.submitted == datetime(2026, 6, 23, 17, 59, 59)
    assert second.announced == date(2026, 7, 1)


def test_a_file_not_named_after_a_day_has_no_announcement_date(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    shutil.copy(DAY, path)
    assert {p.announced for p in records(list(read_jsonl(path)))} == {None}


def test_gzipped_day_file(tmp_path: Path) -> None:
    path = tmp_path / "2026-06-25.jsonl.gz"
    path.write_bytes(gzip.compress(DAY.read_bytes()))
    assert records(list(read_jsonl(path))) == records(list(read_jsonl(DAY)))


# --- damaged and unusual files -------------------------------------------------------------------------


def test_malformed_line_is_a_record_error_and_the_rest_is_kept(tmp_path: Path) -> None:
    lines = DAY.read_text(encoding="utf-8").splitlines(keepends=True)[:6]
    lines[2] = lines[2][:80] + "\n"  # 2606.25351, cut short
    lines.insert(4, "\n")  # blank lines are skipped, not errors
    path = tmp_path / "2026-06-25.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    pages = list(read_jsonl(path))
    assert [e.id for e in errors(pages)] == ["line 3"]
    assert "invalid JSON" in errors(pages)[0].reason
    assert "2026-06-25.jsonl line 3" in errors(pages)[0].reason
    assert [p.id for p in records(pages)] == [
        "2606.25042",
        "2606.25101",
        "2606.25420",
        "2606.25276",
        "2606.25065",
    ]


def test_record_without_title_names_its_line(tmp_path: Path) -> None:
    rows = corpus_rows()[:3]
    rows[1]["title"] = ""
    pages = list(read_jsonl(write_lines(tmp_path / "x.jsonl", rows)))
    assert errors(pages) == [RecordError("2606.25101", "missing title (x.jsonl line 2)")]
    assert len(records(pages)) == 2


def test_json_array_file_is_read_as_records(tmp_path: Path) -> None:
    path = tmp_path / "2026-06-25.json"
    path.write_text(json.dumps(corpus_rows(), indent=2), encoding="utf-8")
    pages = list(read_jsonl(path, batch_size=10))
    assert records(pages) == records(list(read_jsonl(DAY)))
    assert pages[0].label == "2026-06-25.json:1-10"


def test_json_array_with_a_non_object_item(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps([corpus_rows()[0], "2606.25101"]), encoding="utf-8")
    pages = list(read_jsonl(path))
    assert [r.id for r in records(pages)] == ["2606.25042"]
    assert [e.id for e in errors(pages)] == ["item 2"]


def test_one_pretty_printed_object_is_one_record(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(corpus_rows()[0], indent=2), encoding="utf-8")
    assert [r.title for r in records(list(read_jsonl(path)))] == ["Information from coincidences"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", r"x.jsonl line 1: binary data"),
        (b"<html><body>Not Found</body></html>\n", r"x.jsonl line 1: not JSON lines"),
        (b'[{"id": "2606.25042", "title": "Information"\n', r"x.jsonl line 2: not valid JSON"),
    ],
)
def test_garbage_is_a_source_error_naming_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        list(read_jsonl(path))


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        list(read_jsonl([tmp_path / "2026-06-25.jsonl"]))


# --- other papers, other shapes ------------------------------------------------------------------------


def test_non_arxiv_ids_are_kept_as_given(tmp_path: Path) -> None:
    base = corpus_rows()[0]
    rows: list[dict[str, object]] = [
        {"id": "doi:10.18653/v1/2024.acl-long.1", "title": base["title"], "abstract": base["summary"]},
        {"id": "acl-2024-long-1", "title": "Not on arXiv", "authors": "Ana Lima, Bo Chen and Cy Dee"},
    ]
    papers = records(list(read_jsonl(write_lines(tmp_path / "other.jsonl", rows))))
    assert [p.id for p in papers] == ["doi:10.18653/v1/2024.acl-long.1", "acl-2024-long-1"]
    assert papers[0].abstract == base["summary"]
    assert papers[1].authors == ("Ana Lima", "Bo Chen", "Cy Dee")


def test_id_from_abs_url_and_version_in_the_id() -> None:
    row = {key: value for key, value in corpus_rows()[0].items() if key != "id"}
    record = record_from_row(row, announced=None, source="jsonl")
    assert isinstance(record, PaperRecord)
    assert record.id == "2606.25042"
    versioned = record_from_row({**corpus_rows()[0], "id": "2606.25042v3"}, announced=None, source="jsonl")
    assert isinstance(versioned, PaperRecord)
    assert (versioned.id, versioned.version) == ("2606.25042", 3)


def test_optional_columns_of_a_jsonl_row() -> None:
    row = {
        **corpus_rows()[0],
        "categories": "cs.IT math.PR",
        "comments": "v2: typos",
        "comment": None,
        "doi": "10.1000/xyz123",
        "journal_ref": "J. Inf. Theory 1 (2026)",
        "license": "http://creativecommons.org/licenses/by/4.0/",
        "code": ["https://github.com/example/coincidences", "not a url"],
        "updated": "2026-06-30",
        "authors": [{"name": "Akshay Balsubramani"}],
    }
    record = record_from_row(row, announced=date(2026, 6, 25), source="jsonl")
    assert isinstance(record, PaperRecord)
    assert record.categories == ("cs.IT", "math.PR")
    assert record.comments == "v2: typos"
    assert record.doi == "10.1000/xyz123"
    assert record.journal_ref == "J. Inf. Theory 1 (2026)"
    assert record.license == "http://creativecommons.org/licenses/by/4.0/"
    assert record.code_links == ("https://github.com/example/coincidences",)
    assert record.updated == datetime(2026, 6, 30)
    assert record.authors == ("Akshay Balsubramani",)


# --- CSV -------------------------------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def corpus_csv_rows() -> list[list[str]]:
    """The first rows of the real day file, as a spreadsheet would hold them."""
    rows = []
    for row in corpus_rows()[:4]:
        authors = row["authors"]
        categories = row["categories"]
        assert isinstance(authors, list)
        assert isinstance(categories, list)
        rows.append(
            [
                str(row["id"]),
                str(row["title"]),
                str(row["summary"]),
                "; ".join(authors),
                ";".join(categories),
                str(row["comment"] or ""),
            ]
        )
    return rows


def test_csv_with_header_imports(tmp_path: Path) -> None:
    header = ["id", "Title", "summary", "authors", "categories", "comment"]  # header case is ignored
    path = write_csv(tmp_path / "2026-06-25.csv", header, corpus_csv_rows())
    pages = list(read_jsonl(path))
    papers = records(pages)
    assert not errors(pages)
    assert [p.id for p in papers] == ["2606.25042", "2606.25101", "2606.25351", "2606.25420"]
    assert {p.source for p in papers} == {"csv"}
    assert {p.announced for p in papers} == {date(2026, 6, 25)}
    assert papers[0].categories == ("cs.IT", "math.PR", "math.ST", "stat.ML")
    assert papers[1].authors == ("Rıfat Volkan Şenyuva",)
    assert papers[1].code_links == ("https://github.com/rvsenyuva/wb-nf-xlmimo-clkl",)
    assert papers[0].abstract == corpus_rows()[0]["summary"]
    assert pages[0].label == "2026-06-25.csv:2-5"


def test_csv_semicolon_authors_may_be_surname_first_and_cells_may_hold_newlines(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "papers.csv",
        ["id", "title", "abstract", "authors", "published", "code", "doi"],
        [
            [
                "acl-2024-long-1",
                "A paper",
                "Line one.\nLine two.",
                "Lima, Ana; Chen, Bo",
                "2024-08-12",
                "",
                "",
            ],
            ["doi:10.1/xyz", "", "no title here", "", "", "", ""],
            [
                "2401.00001",
                "Another paper",
                "",
                "Ana Lima, Bo Chen and Cy Dee",
                "",
                "https://github.com/owner/repo",
                "10.1/xyz",
            ],
        ],
    )
    pages = list(read_jsonl(path))
    first, third = records(pages)
    assert first.id == "acl-2024-long-1"
    assert first.authors == ("Ana Lima", "Bo Chen")
    assert first.abstract == "Line one. Line two."
    assert first.announced == date(2024, 8, 12)
    # The quoted newline makes row 1 end on line 3: the next row is line 4.
    assert errors(pages) == [RecordError("doi:10.1/xyz", "missing title (papers.csv line 4)")]
    assert third.authors == ("Ana Lima", "Bo Chen", "Cy Dee")
    assert third.code_links == ("https://github.com/owner/repo",)
    assert third.doi == "10.1/xyz"
    assert third.announced is None


def test_gzipped_csv(tmp_path: Path) -> None:
    header = ["id", "title", "summary", "authors", "categories", "comment"]
    plain = write_csv(tmp_path / "2026-06-25.csv", header, corpus_csv_rows())
    packed = tmp_path / "2026-06-25.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert records(list(read_jsonl(packed))) == records(list(read_jsonl(plain)))


def test_csv_without_id_and_title_columns_is_a_source_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "papers.csv", ["arxiv", "name"], [["2401.00001", "A paper"]])
    with pytest.raises(SourceError, match=r"papers.csv line 1: CSV header needs columns id and title"):
        list(read_jsonl(path))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SourceError, match=r"empty.csv line 1: empty file"):
        list(read_jsonl(empty))
