"""Property tests for every source parser: whatever bytes arrive, a parser returns valid records (or
per-record ``RecordError``s) or raises ``SourceError`` with a one-line message. Nothing else may escape:
a ``KeyError``, ``OverflowError``, ``RecursionError``, ``EOFError`` or ``LookupError`` from a parser is a bug
that would end a harvest with a traceback.

Inputs are random bytes and text, and -- more useful -- the real recordings in tests/fixtures mutated by
structure: elements and keys deleted, duplicated or given odd values (wrong JSON types, huge numbers,
lone surrogates, NUL, out-of-range dates, ids with absurd versions), documents truncated or gzipped.

Returned records must be storable: the database has ``String(64)`` ids, ``String(32)`` primary
categories and version sizes, 32-bit version numbers, and PostgreSQL refuses NUL characters and text that
is not UTF-8.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from paperwire.core.ids import split_arxiv_id
from paperwire.core.records import PaperRecord, Parsed, RecordError, SourceError, Version
from paperwire.ingest import arxiv_api, hf_daily, jsonl, kaggle, normalize, oai, rss, xmltools
from paperwire.ingest.normalize import make_record

FIXTURES = Path(__file__).parents[1] / "fixtures"

FUZZ = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
FEW = settings(FUZZ, max_examples=150)

MAX_ID_CHARS = 64  # papers.id String(64)
MAX_CATEGORY_CHARS = 32  # papers.primary_category String(32)
MAX_INT32 = 2**31 - 1  # papers.version / paper_versions.version Integer


# --- invariants ------------------------------------------------------------------------------------------


def assert_storable_text(value: object, what: str) -> None:
    assert isinstance(value, str), f"{what} is {type(value).__name__}, not str"
    value.encode("utf-8")  # a lone surrogate cannot be stored (UnicodeEncodeError here is the failure)
    assert "\x00" not in value, f"{what} contains NUL, which PostgreSQL refuses"


def assert_optional_text(value: object, what: str) -> None:
    if value is not None:
        assert_storable_text(value, what)
        assert value, f"{what} is an empty string instead of None"


def assert_naive_datetime(value: object, what: str) -> None:
    if value is not None:
        assert isinstance(value, datetime), what
        assert value.tzinfo is None, f"{what} is not naive UTC"


def check_record(record: PaperRecord) -> None:
    assert_storable_text(record.id, "id")
    assert record.id, "empty id"
    assert record.id == record.id.strip(), f"id {record.id!r} has surrounding space"
    assert len(record.id) <= MAX_ID_CHARS, f"id of {len(record.id)} characters"
    assert_storable_text(record.title, "title")
    assert record.title or record.deleted, "a live record without a title"
    assert_storable_text(record.abstract, "abstract")
    assert_storable_text(record.source, "source")
    assert isinstance(record.authors, tuple)
    for author in record.authors:
        assert_storable_text(author, "author")
        assert author.strip(), "blank author"
    assert isinstance(record.categories, tuple)
    assert len(set(record.categories)) == len(record.categories), "repeated category"
    for category in record.categories:
        assert_storable_text(category, "category")
        assert category, "empty category"
        assert category.strip() == category, f"category {category!r}"
        assert len(category) <= MAX_CATEGORY_CHARS, f"category of {len(category)} characters"
    if record.version is not None:
        assert isinstance(record.version, int)
        assert 1 <= record.version <= MAX_INT32, f"version {record.version}"
    assert_naive_datetime(record.submitted, "submitted")
    assert_naive_datetime(record.updated, "updated")
    if record.announced is not None:
        assert type(record.announced) is date
    for name in ("doi", "journal_ref", "comments", "license", "ai_summary"):
        assert_optional_text(getattr(record, name), name)
    for link in record.code_links:
        assert_storable_text(link, "code link")
        assert link.startswith("https://")
    for keyword in record.ai_keywords:
        assert_storable_text(keyword, "keyword")
        assert keyword
    numbers = [v.number for v in record.versions]
    assert numbers == sorted(numbers)
    for version in record.versions:
        assert isinstance(version, Version)
        assert isinstance(version.number, int)
        assert 1 <= version.number <= MAX_INT32, f"version {version.number}"
        assert_naive_datetime(version.submitted, "version date")
        if version.size is not None:
            assert_storable_text(version.size, "version size")
            assert len(version.size) <= 32
    for signal in record.signals:
        assert_storable_text(signal.kind, "signal kind")
        assert isinstance(signal.value, float)
        assert math.isfinite(signal.value), f"signal value {signal.value}"
        assert_naive_datetime(signal.at, "signal time")


def check_items(items: object) -> list[PaperRecord]:
    assert isinstance(items, list)
    records = []
    for item in items:
        if isinstance(item, RecordError):
            assert isinstance(item.reason, str)
            assert item.reason.strip(), "a record error without a reason"
            assert item.id is None or isinstance(item.id, str)
            continue
        assert isinstance(item, PaperRecord), f"parser returned {type(item).__name__}"
        check_record(item)
        records.append(item)
    return records


def check_source_error(exc: SourceError) -> None:
    message = str(exc)
    assert message.strip(), "SourceError without a message"
    assert "\n" not in message, f"SourceError message is not one line: {message!r}"
    assert "Traceback" not in message


def parsed_or_clean_error(parse: Callable[[], list[Parsed]]) -> list[PaperRecord] | None:
    """Run a parser: its records (checked) or ``None`` for a clean ``SourceError``; anything else fails."""
    try:
        items = parse()
    except SourceError as exc:
        check_source_error(exc)
        event("clean SourceError")
        return None
    records = check_items(items)
    event("some records" if records else "only record errors" if items else "nothing")
    return records


# --- strategies ------------------------------------------------------------------------------------------

ODD_STRINGS = [
    "",
    " ",
    "\t\n",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\ufeff",
    "\u202e",
    "\u2028",
    "\ud800",
    "x\udfffy",
    "²",
    "٣٤",
    "ﬁ",
    "e\u0301",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\U0010ffff",
    "<b>bold</b> <script>x</script>",
    "&amp; &#0; &#xD800; &bogus;",
    '\\"o \\c{c} {\\ss} $\\alpha$ \\',
    "2401.00001",
    "2401.00001v2",
    "2401.00001v0",
    "2401.00001v99999999999999",
    "arXiv:2401.00001v" + "9" * 5000,
    "http://arxiv.org/abs/hep-th/9901001v3",
    "oai:arXiv.org:math.GT/0309136",
    "v²",
    "v-3",
    "x" * 65,
    "cs." + "L" * 40,
    "doi:10.1000/xyz",
    "https://github.com/acme/repo.git",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01",
    "Mon, 31 Feb 2020 00:00:00 GMT",
    "Tue, 01 Jan 9999 23:59:59 -1200",
    "2024-13-45T99:99:99",
    "NaN",
    "-1",
    "1e400",
    "A" * 20_000,
]

odd_text = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=40))

HUGE_NUMBERS = [10**400, -(10**400), 2**31, 2**63, -1, 0, 1e308, -0.0, float("inf"), float("nan")]

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE_NUMBERS),
    st.floats(),
    odd_text,
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(odd_text, children, max_size=3),
    max_leaves=8,
)
# A deeply nested document: the standard library's json parser recurses once per level.
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


def _slots(node: Any, out: list[tuple[Any, Any]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            _slots(value, out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((node, index))
            _slots(value, out)


def _containers(node: Any, out: list[Any]) -> None:
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            _containers(value, out)
    elif isinstance(node, list):
        for value in node:
            _containers(value, out)


@st.composite
def mutated_json(draw: st.DrawFn, documents: list[Any], keys: list[str]) -> Any:
    """A fixture document with 1-4 structural mutations: a value deleted, replaced by a value of another
    type, duplicated, wrapped in a list, or a known key set to an odd value."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["delete", "replace", "duplicate", "wrap", "set-key", "set-key"]))
        if operation == "set-key":
            dicts: list[Any] = []
            _containers(document, dicts)
            if dicts:
                target = dicts[draw(st.integers(0, len(dicts) - 1))]
                target[draw(st.sampled_from(keys))] = draw(json_value)
            continue
        slots: list[tuple[Any, Any]] = []
        _slots(document, slots)
        if not slots:
            return draw(json_value)
        container, key = slots[draw(st.integers(0, len(slots) - 1))]
        if operation == "delete":
            del container[key]
        elif operation == "replace":
            container[key] = draw(json_value)
        elif operation == "duplicate":
            if isinstance(container, list):
                container.insert(key, copy.deepcopy(container[key]))
            else:
                container[draw(odd_text)] = copy.deepcopy(container[key])
        else:
            container[key] = [container[key]]
    return document


ODD_BYTES = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate: invalid UTF-8
    b"\xc3",
    b"\x1f\x8b",
    b"<",
    b"]]>",
    b"&",
    b"&#0;",
    b'"',
    b"\n",
    b"\r\n",
    b",",
    b"{",
    b"[",
    b"<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]>",
]


@st.composite
def mutated_bytes(draw: st.DrawFn, samples: list[bytes], *, gzip_too: bool = True) -> bytes:
    """A fixture with 1-3 byte-level mutations (truncate, cut a slice, repeat a slice, insert odd bytes),
    sometimes gzipped afterwards -- and the gzip sometimes truncated."""
    data = draw(st.sampled_from(samples))
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(st.sampled_from(["truncate", "delete", "duplicate", "insert"]))
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 400)))
        if operation == "truncate":
            data = data[:start]
        elif operation == "delete":
            data = data[:start] + data[end:]
        elif operation == "duplicate":
            data = data[:end] + data[start:end] + data[end:]
        else:
            data = data[:start] + draw(st.sampled_from(ODD_BYTES) | st.binary(min_size=1, max_size=8)) + data[start:]
    if gzip_too and draw(st.integers(0, 4)) == 0:
        data = gzip.compress(data)
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data) - 1))]
    return data


# Text XML 1.0 can carry (no C0 controls but tab/newline, no surrogates, no U+FFFE/FFFF).
xml_char = st.characters(min_codepoint=0x20, exclude_categories=("Cs",), exclude_characters="\ufffe\uffff")
XML_SAFE_ODD = [
    s for s in ODD_STRINGS if all(c in "\t\n" or (ord(c) >= 0x20 and not 0xD800 <= ord(c) <= 0xDFFF) for c in s)
]
xml_text = st.one_of(st.sampled_from(XML_SAFE_ODD), st.text(alphabet=xml_char, max_size=30), st.none())
XML_ATTRIBUTES = ["version", "code", "term", "href", "title", "status", "completeListSize", "cursor", "about"]


@st.composite
def mutated_xml(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    """A well-formed fixture with 1-4 element-level mutations: an element removed, duplicated, emptied,
    given odd text or an odd attribute, or moved to the root."""
    root = ET.fromstring(draw(st.sampled_from(samples)))
    for _ in range(draw(st.integers(1, 4))):
        pairs = [(parent, child) for parent in root.iter() for child in parent]
        if not pairs:
            break
        parent, child = pairs[draw(st.integers(0, len(pairs) - 1))]
        operation = draw(st.sampled_from(["remove", "duplicate", "clear", "text", "text", "attribute", "hoist"]))
        if operation == "remove":
            parent.remove(child)
        elif operation == "duplicate":
            parent.insert(list(parent).index(child), copy.deepcopy(child))
        elif operation == "clear":
            child.clear()
        elif operation == "text":
            child.text = draw(xml_text)
        elif operation == "attribute":
            child.set(draw(st.sampled_from(XML_ATTRIBUTES)), draw(xml_text) or "")
        else:
            root.append(copy.deepcopy(child))
    return ET.tostring(root, encoding="utf-8")


def _fixture_bytes(*names: str) -> list[bytes]:
    return [(FIXTURES / name).read_bytes() for name in names]


OAI_SAMPLES = _fixture_bytes(
    "oai/GetRecordResponse.xml",
    "oai/ListRecordsResponse.xml",
    "oai/arxiv_multi_20230125.xml",
    "oai/ErrorResponseBadResumptionToken.xml",
    "oai/nock-fixtures_b0fef78_oaipmh-listrecords---should-list-identifiers-from-arxiv__1_http200.xml",
)


def _first_records_of_big_oai_page() -> bytes:
    """Three records of a recorded arXivRaw/oai_dc page (the whole page is too slow to mutate per example)."""
    root = ET.fromstring(gzip.decompress((FIXTURES / "oai/ListRecords_data_2.xml.gz").read_bytes()))
    list_records = root.find(f"{{{oai.OAI_NS}}}ListRecords")
    assert list_records is not None
    for record in list(list_records)[3:]:
        if record.tag.endswith("record"):
            list_records.remove(record)
    return ET.tostring(root, encoding="utf-8")


OAI_SAMPLES.append(_first_records_of_big_oai_page())
ATOM_SAMPLES = _fixture_bytes(
    "arxiv_api/id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.xml",
    "arxiv_api/id_2104.12255v1_s0_m100_6ae69987ffe1.xml",
    "arxiv_api/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml",
    "arxiv_api/id_list=1111.2011v2.xml",
)
RSS_SAMPLES = _fixture_bytes(
    "rss/arxiv_cs_ai.xml",
    "rss/arxiv_cs_cl.xml",
    "rss/sampleDailyFeed1.xml",
    "rss/sampleDailyFeed2.xml",
)
KAGGLE_LINES = (FIXTURES / "kaggle/arxiv-metadata-oai-snapshot.head100.json").read_bytes().splitlines()[:12]
KAGGLE_OBJECTS = [json.loads(line) for line in KAGGLE_LINES]
KAGGLE_KEYS = sorted({key for obj in KAGGLE_OBJECTS for key in obj} | {"version", "created"})
JSONL_LINES = (FIXTURES / "arxiv_daily/2026-06-25.jsonl").read_bytes().splitlines()[:12]
JSONL_OBJECTS = [json.loads(line) for line in JSONL_LINES]
JSONL_KEYS = sorted({key for obj in JSONL_OBJECTS for key in obj} | {"published", "updated", "code", "name"})
HF_DOCUMENTS = [
    json.loads((FIXTURES / f"hf_daily/{day}.json").read_bytes())[:2]
    for day in ("2024-05-27", "2025-09-02", "2026-08-21")
]
HF_KEYS = sorted(
    {key for document in HF_DOCUMENTS for item in document for key in [*item, *item["paper"]]} | {"error", "name"}
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def _pages_items(pages: Iterator[Any]) -> list[Parsed]:
    return [item for page in pages for item in page.items]


# --- the shared pieces: gzip, XML, normalisation ---------------------------------------------------------


@FUZZ
@given(st.binary(max_size=300) | mutated_bytes([gzip.compress(sample) for sample in OAI_SAMPLES[:2]], gzip_too=False))
@example(gzip.compress(b"<a/>")[:12])  # a truncated gzip stream: EOFError escaped
@example(b"\x1f\x8b" + b"x" * 30)  # gzip magic, garbage after it: BadGzipFile escaped
@example(b'<?xml version="1.0" encoding="x-no-such-codec"?><a/>')  # LookupError escaped
@example(b'<?xml version="1.0" encoding="shift_jis"?><a/>')  # ValueError: multi-byte encodings unsupported
@example(b'<?xml version="1.0" encoding="idna"?><a>\xc3\xa9</a>')  # UnicodeError escaped
def test_parse_xml_gives_an_element_or_a_source_error(data: bytes) -> None:
    try:
        root = xmltools.parse_xml(data, what="test")
    except SourceError as exc:
        check_source_error(exc)
        return
    assert isinstance(root, ET.Element)


@FUZZ
@given(odd_text)
@example("0001-01-01T00:00:00+01:00")  # OverflowError escaped from astimezone
@example("9999-12-31T23:59:59-01:00")
@example("2401.00001v" + "9" * 5000)  # ValueError: int() past the 4300-digit limit
def test_normalisers_never_raise(text: str) -> None:
    parsed = normalize.parse_datetime(text)
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is None)
    day = normalize.parse_date(text)
    assert day is None or isinstance(day, date)
    paper_id, version = split_arxiv_id(text)
    assert isinstance(paper_id, str)
    assert version is None or 0 <= version <= MAX_INT32
    assert_storable_text(normalize.clean_text(text), "clean_text")
    for name in normalize.parse_authors(text):
        assert_storable_text(name, "author")
    for category in normalize.parse_categories(text):
        assert_storable_text(category, "category")


@FUZZ
@given(
    raw_id=odd_text,
    title=odd_text | st.none(),
    categories=st.lists(odd_text, max_size=4) | odd_text | st.none(),
    dates=st.lists(odd_text, min_size=2, max_size=2),
    versions=st.lists(
        st.builds(Version, st.integers(min_value=-5, max_value=2**64), st.none(), odd_text | st.none()),
        max_size=3,
    ),
)
@example(
    raw_id="x" * 65, title="t", categories=None, dates=["", ""], versions=[]
)  # a 65-character id would break PostgreSQL's String(64)
@example(raw_id="2401.00001", title="t", categories=["cs." + "L" * 40], dates=["", ""], versions=[])
@example(raw_id="2401.00001", title="t\x00", categories=None, dates=["", ""], versions=[Version(2**40, None, "9" * 40)])
def test_make_record_gives_a_storable_record_or_a_record_error(
    raw_id: str, title: str | None, categories: Any, dates: list[str], versions: list[Version]
) -> None:
    item = make_record(
        raw_id=raw_id,
        title=title,
        abstract=title,
        source="fuzz",
        authors=title,
        categories=categories,
        submitted=dates[0],
        updated=dates[1],
        announced=dates[0],
        doi=title,
        versions=versions,
    )
    check_items([item])


# --- OAI-PMH ---------------------------------------------------------------------------------------------


def _parse_oai(data: bytes) -> list[Parsed]:
    page = oai.parse_oai_page(data)
    assert page.resumption_token is None or isinstance(page.resumption_token, str)
    assert page.cursor is None or isinstance(page.cursor, int)
    oai.raise_for_oai_error(page)
    return page.items


def test_oai_fixtures_parse_to_records() -> None:
    """The unmutated recordings are valid (so a mutation that fails the checks is the mutation's doing)."""
    counts = [len(check_items(_parse_oai(sample))) for sample in OAI_SAMPLES if b"error code" not in sample]
    assert all(counts)
    assert sum(counts) >= 10


@FUZZ
@given(mutated_xml(OAI_SAMPLES))
def test_oai_structural_mutations(data: bytes) -> None:
    parsed_or_clean_error(lambda: _parse_oai(data))


@FUZZ
@given(mutated_bytes(OAI_SAMPLES))
def test_oai_byte_mutations(data: bytes) -> None:
    parsed_or_clean_error(lambda: _parse_oai(data))


@FEW
@given(st.binary(max_size=500) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_oai_random_input(data: bytes) -> None:
    parsed_or_clean_error(lambda: _parse_oai(data))


@FEW
@given(mutated_bytes(OAI_SAMPLES[:2]))
def test_oai_recorded_files(scratch: Path, data: bytes) -> None:
    """The file path (``paperwire ingest oai page.xml``) also names the file in its clean error."""
    path = _write(scratch, "page.xml", data)
    parsed_or_clean_error(lambda: _pages_items(oai.parse_oai_files([path])))


# --- arXiv API (Atom) ------------------------------------------------------------------------------------


def test_atom_fixtures_parse_to_records() -> None:
    assert all(check_items(arxiv_api.parse_atom_feed(sample).items) for sample in ATOM_SAMPLES)


@FUZZ
@given(mutated_xml(ATOM_SAMPLES))
def test_atom_structural_mutations(data: bytes) -> None:
    parsed_or_clean_error(lambda: arxiv_api.parse_atom_feed(data).items)


@FUZZ
@given(mutated_bytes(ATOM_SAMPLES))
def test_atom_byte_mutations(data: bytes) -> None:
    parsed_or_clean_error(lambda: arxiv_api.parse_atom_feed(data).items)


@FEW
@given(st.binary(max_size=500))
def test_atom_random_input(data: bytes) -> None:
    parsed_or_clean_error(lambda: arxiv_api.parse_atom_feed(data).items)


# --- RSS -------------------------------------------------------------------------------------------------


def _parse_rss(data: bytes) -> list[Parsed]:
    entries = rss.parse_rss_entries(data)
    for entry in entries:
        assert entry.announce_type is None or isinstance(entry.announce_type, str)
    return [entry.record for entry in entries]


def test_rss_fixtures_parse_to_records() -> None:
    assert all(check_items(_parse_rss(sample)) for sample in RSS_SAMPLES)


@FUZZ
@given(mutated_xml(RSS_SAMPLES))
def test_rss_structural_mutations(data: bytes) -> None:
    parsed_or_clean_error(lambda: _parse_rss(data))


@FUZZ
@given(mutated_bytes(RSS_SAMPLES))
def test_rss_byte_mutations(data: bytes) -> None:
    parsed_or_clean_error(lambda: _parse_rss(data))


@FEW
@given(st.binary(max_size=500))
def test_rss_random_input(data: bytes) -> None:
    parsed_or_clean_error(lambda: _parse_rss(data))


# --- Kaggle snapshot -------------------------------------------------------------------------------------


def test_kaggle_fixture_objects_parse_to_records() -> None:
    assert len(check_items([kaggle.parse_kaggle_record(obj) for obj in KAGGLE_OBJECTS])) == len(KAGGLE_OBJECTS)


@FUZZ
@given(mutated_json(KAGGLE_OBJECTS, KAGGLE_KEYS))
@example({"id": "0704.0001", "title": "t", "versions": [{"version": "v²"}]})  # int("²"): ValueError escaped
@example({"id": "0704.0001", "title": "t", "versions": [{"version": "v" + "9" * 30}]})
def test_kaggle_objects_with_wrong_types(obj: Any) -> None:
    """One snapshot line, parsed: an object of any shape is a record or a record error."""
    if not isinstance(obj, dict):
        obj = {"value": obj}
    check_items([kaggle.parse_kaggle_record(obj)])


def _kaggle_file(lines: list[bytes]) -> bytes:
    return b"\n".join(lines) + b"\n"


@FUZZ
@given(
    st.one_of(
        mutated_json(KAGGLE_OBJECTS, KAGGLE_KEYS).map(lambda obj: _kaggle_file([json.dumps(obj).encode()])),
        mutated_bytes([_kaggle_file(KAGGLE_LINES[:4])]),
        st.binary(max_size=300),
    )
)
@example(_kaggle_file([KAGGLE_LINES[0], DEEP_JSON]))  # RecursionError escaped from the JSON decoder
def test_kaggle_files(scratch: Path, data: bytes) -> None:
    path = _write(scratch, "snapshot.json", data)
    parsed_or_clean_error(lambda: _pages_items(kaggle.read_kaggle(path, batch_size=3)))
    parsed_or_clean_error(lambda: _pages_items(kaggle.read_kaggle(path, categories=["cs", "hep-ph"])))


# --- JSON lines and CSV ----------------------------------------------------------------------------------


def test_jsonl_fixture_objects_parse_to_records() -> None:
    items = [jsonl.record_from_row(obj, announced=None, source="jsonl") for obj in JSONL_OBJECTS]
    assert len(check_items(items)) == len(JSONL_OBJECTS)


@FUZZ
@given(mutated_json(JSONL_OBJECTS, JSONL_KEYS))
def test_jsonl_objects_with_wrong_types(obj: Any) -> None:
    if not isinstance(obj, dict):
        obj = {"value": obj}
    check_items([jsonl.record_from_row(obj, announced=date(2026, 6, 25), source="jsonl")])


def _jsonl_file(objects: list[Any]) -> bytes:
    return b"\n".join(json.dumps(obj).encode() for obj in objects) + b"\n"


@FUZZ
@given(
    st.one_of(
        st.lists(mutated_json(JSONL_OBJECTS, JSONL_KEYS), min_size=1, max_size=3).map(_jsonl_file),
        mutated_json(JSONL_OBJECTS, JSONL_KEYS).map(lambda obj: json.dumps([obj], indent=1).encode()),
        mutated_bytes([b"\n".join(JSONL_LINES[:3]) + b"\n", json.dumps(JSONL_OBJECTS[:2], indent=1).encode()]),
        st.binary(max_size=300),
    )
)
@example(b"[" + DEEP_JSON + b"]")  # RecursionError escaped (a JSON document)
@example(JSONL_LINES[0] + b"\n" + DEEP_JSON + b"\n")  # RecursionError escaped (a JSON line)
def test_jsonl_files(scratch: Path, data: bytes) -> None:
    path = _write(scratch, "2026-06-25.jsonl", data)
    parsed_or_clean_error(lambda: _pages_items(jsonl.read_jsonl(path, batch_size=2)))


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    columns = sorted({key for row in rows for key in row if isinstance(key, str)})
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: value if isinstance(value, str) else json.dumps(value) for key, value in row.items()})
    return buffer.getvalue().encode("utf-8", "surrogatepass")


CSV_SAMPLE = _csv_bytes(
    [
        {k: v for k, v in obj.items() if k in ("id", "title", "summary", "authors", "published")}
        for obj in JSONL_OBJECTS[:4]
    ]
)


@FUZZ
@given(
    st.one_of(
        st.lists(mutated_json(JSONL_OBJECTS[:3], JSONL_KEYS), min_size=1, max_size=3).map(
            lambda objs: _csv_bytes([o if isinstance(o, dict) else {"id": o} for o in objs])
        ),
        mutated_bytes([CSV_SAMPLE]),
        st.binary(max_size=300),
    )
)
def test_csv_files(scratch: Path, data: bytes) -> None:
    path = _write(scratch, "papers.csv", data)
    parsed_or_clean_error(lambda: _pages_items(jsonl.read_jsonl(path)))


# --- Hugging Face daily papers ---------------------------------------------------------------------------


def test_hf_fixtures_parse_to_records() -> None:
    for document in HF_DOCUMENTS:
        assert check_items(hf_daily.parse_hf_daily(json.dumps(document).encode(), day=date(2025, 1, 1)))


def _hf(data: bytes, day: date | None) -> list[Parsed]:
    return hf_daily.parse_hf_daily(data, day=day, name="fuzz.json")


@FUZZ
@given(mutated_json(HF_DOCUMENTS, HF_KEYS), st.sampled_from([None, date(2025, 9, 2)]))
@example(
    [{"paper": {"id": "2401.00001", "title": "t", "upvotes": 10**400}, "publishedAt": "2024-01-01"}], None
)  # float(10**400): OverflowError escaped
@example(
    [{"paper": {"id": "2401.00001", "title": "t", "upvotes": 1, "submittedOnDailyAt": "0001-01-01T00:00:00+05:00"}}],
    None,
)  # OverflowError escaped from the date
def test_hf_structural_mutations(document: Any, day: date | None) -> None:
    data = json.dumps(document).encode()
    parsed_or_clean_error(lambda: _hf(data, day))


@FUZZ
@given(
    st.one_of(
        mutated_bytes([json.dumps(document).encode() for document in HF_DOCUMENTS]),
        st.binary(max_size=300),
        json_value.map(lambda value: json.dumps(value).encode()),
    )
)
@example(DEEP_JSON)  # RecursionError escaped
@example(b'{"paper\\n": 1}')  # a key with a line break made a two-line SourceError message
@example(b'{"error": ' + DEEP_JSON + b"}")
def test_hf_byte_mutations(data: bytes) -> None:
    parsed_or_clean_error(lambda: _hf(data, None))


@FEW
@given(mutated_bytes([json.dumps(HF_DOCUMENTS[0]).encode()]))
def test_hf_saved_files(scratch: Path, data: bytes) -> None:
    path = _write(scratch, "2025-09-02.json", data)
    parsed_or_clean_error(lambda: _pages_items(hf_daily.read_hf_files([path])))
