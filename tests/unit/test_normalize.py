from __future__ import annotations

from datetime import date, datetime

import pytest

from paperwire.core.ids import split_arxiv_id
from paperwire.core.records import PaperRecord, RecordError
from paperwire.ingest import normalize
from paperwire.ingest.normalize import make_record


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2104.12255", ("2104.12255", None)),
        ("2104.12255v3", ("2104.12255", 3)),
        ("arXiv:2104.12255v1", ("2104.12255", 1)),
        ("http://arxiv.org/abs/2104.12255v2", ("2104.12255", 2)),
        ("https://arxiv.org/pdf/2104.12255v2.pdf", ("2104.12255", 2)),
        ("oai:arXiv.org:1412.8544", ("1412.8544", None)),
        ("astro-ph/0601001", ("astro-ph/0601001", None)),
        ("math.GT/0309136v2", ("math/0309136", 2)),
        ("http://arxiv.org/abs/quant-ph/0201082v1", ("quant-ph/0201082", 1)),
        ("acl-2024-long-1", ("acl-2024-long-1", None)),
    ],
)
def test_split_arxiv_id(raw: str, expected: tuple[str, int | None]) -> None:
    assert split_arxiv_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  a\n  b\tc ", "a b c"),
        ("Q\\&A and 50\\% of $x\\&y$", "Q&A and 50% of $x\\&y$"),
        ("<p>Hello <b>world</b></p>", "Hello world"),
        ("$a<b$ and $c>d$ stay", "$a<b$ and $c>d$ stay"),
        ("Sch\\\"olkopf and Erd\\H{o}s, G\\'{e}rard", "Schölkopf and Erdős, Gérard"),
        ("AT&amp;T &lt;3", "AT&T <3"),
        (None, ""),
    ],
)
def test_clean_text(raw: str | None, expected: str) -> None:
    assert normalize.clean_text(raw) == expected


def test_parse_authors_from_arxiv_string_drops_affiliations() -> None:
    raw = "A. Smith (MIT, (CSAIL)), B. Jones and C. D\\'iaz"
    assert normalize.parse_authors(raw) == ["A. Smith", "B. Jones", "C. Díaz"]


def test_parse_authors_keeps_list_order() -> None:
    assert normalize.parse_authors(["  Zed ", "Ann", "", "et al."]) == ["Zed", "Ann"]


def test_invert_name() -> None:
    assert normalize.invert_name("Baillie, Robert") == "Robert Baillie"
    assert normalize.invert_name("Smith, Jr.") == "Smith, Jr."


def test_categories_primary_first_and_unique() -> None:
    assert normalize.parse_categories("cs.LG stat.ML cs.LG", primary="stat.ML") == ["stat.ML", "cs.LG"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T05:04:05+02:00", datetime(2024, 1, 2, 3, 4, 5)),
        ("Mon, 2 Apr 2007 19:18:42 GMT", datetime(2007, 4, 2, 19, 18, 42)),
        ("2008-06-27", datetime(2008, 6, 27)),
        ("not a date", None),
    ],
)
def test_parse_datetime(raw: str, expected: datetime | None) -> None:
    assert normalize.parse_datetime(raw) == expected


def test_code_links_canonical_and_deduplicated() -> None:
    text = "Code: https://github.com/acme/moe.git and github.com/acme/moe. Also gitlab.com/x/y)"
    assert normalize.extract_code_links(text, "https://github.com/orgs/acme/x") == [
        "https://github.com/acme/moe",
        "https://gitlab.com/x/y",
    ]


def test_make_record_normalises_everything() -> None:
    record = make_record(
        raw_id="arXiv:2401.00001v2",
        title="  Deep\n learning ",
        abstract="Code at https://github.com/a/b.",
        source="t",
        authors="A and B",
        categories=["cs.LG", "cs.AI"],
        announced="2024-01-03",
    )
    assert isinstance(record, PaperRecord)
    assert (record.id, record.version, record.title) == ("2401.00001", 2, "Deep learning")
    assert record.authors == ("A", "B")
    assert record.code_links == ("https://github.com/a/b",)
    assert record.announced == date(2024, 1, 3)


def test_make_record_reports_missing_fields() -> None:
    assert make_record(raw_id="", title="x", abstract="", source="t") == RecordError(None, "missing id")
    assert make_record(raw_id="2401.00001", title=" ", abstract="", source="t") == RecordError(
        "2401.00001", "missing title"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Kandula, Srikanth", "Srikanth Kandula"),
        ("Finger, Jr., M.", "M. Finger Jr."),
        ("Smith, Jr.", "Smith, Jr."),
        ("Plato", "Plato"),
    ],
)
def test_invert_name_suffixes(raw: str, expected: str) -> None:
    assert normalize.invert_name(raw) == expected


def test_code_links_are_case_insensitive_and_source_field_first() -> None:
    record = make_record(
        raw_id="2508.19060",
        title="t",
        abstract="see github.com/blaz-r/SuperSimplenet",
        source="hf",
        code_links=["https://github.com/blaz-r/SuperSimpleNet"],
    )
    assert isinstance(record, PaperRecord)
    assert record.code_links == ("https://github.com/blaz-r/SuperSimpleNet",)
