"""Plain JSON lines and CSV files of papers (``paperwire ingest jsonl FILE...``), gzipped or not.

Keys (JSONL) or header columns (CSV, chosen by the ``.csv``/``.csv.gz`` extension):

- ``id`` (required; ``abs``, an arxiv.org URL, stands in when it is missing). Non-arXiv ids are kept as
  given (``doi:10.1/xyz``, ``acl-2024-long-1``).
- ``title`` (required), ``abstract`` or ``summary``.
- ``authors``: a list (of names, or of ``{"name": ...}``), or a string ``"A, B and C"``; a string with
  ``;`` is read as ``;``-separated, each name possibly ``Last, First``.
- ``categories``: a list or a space/``;``-separated string, primary first.
- ``published`` (first version), ``updated``, ``comment``/``comments``, ``doi``, ``journal_ref``,
  ``license``, ``code`` (a URL or a list of URLs). ``pdf`` is ignored.

Announcement date: a record's own ``published`` day; failing that the ``announced`` argument; failing that
the day the file is named after (the shared corpus has one file per listing day: ``2026-04-10.jsonl``).

A line that is not valid JSON becomes ``RecordError("line N", ...)`` and the rest of the file is kept; a
file that is binary, not JSON lines, or a CSV without ``id``/``title`` columns is a ``SourceError``. A JSON
document (an array of objects, or one pretty-printed object) is accepted too. A paper repeated unchanged
in one file (the corpus lists cross-lists twice) is read once. Page labels are ``file.jsonl:FIRST-LAST``
(line numbers; item numbers for a JSON array).
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

from paperwire.core.records import Page, PaperRecord, Parsed, RecordError, SourceError
from paperwire.ingest import normalize
from paperwire.ingest.files import (
    LineReader,
    date_from_name,
    decode_json_line,
    describe_start,
    display_name,
    json_text,
    open_maybe_gzip,
    paginate,
    sniff,
    with_place,
)
from paperwire.ingest.normalize import make_record

SOURCE_JSONL = "jsonl"
SOURCE_CSV = "csv"
DEFAULT_BATCH_SIZE = 500
REQUIRED_CSV_COLUMNS = ("id", "title")

Numbered = Iterator[tuple[int, Parsed]]


def read_jsonl(
    paths: Iterable[Path | str] | Path | str,
    *,
    announced: date | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[Page]:
    """Pages of at most ``batch_size`` records from each file in turn (a page never spans two files)."""
    for path in _as_paths(paths):
        day = announced or date_from_name(path)
        yield from paginate(_drop_repeats(_file_records(path, day)), display_name(path), batch_size)


def _as_paths(paths: Iterable[Path | str] | Path | str) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths]


def is_csv(path: Path) -> bool:
    return Path(path.name.removesuffix(".gz")).suffix.lower() == ".csv"


def _file_records(path: Path, announced: date | None) -> Numbered:
    if is_csv(path):
        return _csv_records(path, announced)
    return _json_records(path, announced)


def _drop_repeats(numbered: Numbered) -> Numbered:
    """Skip a record identical to one already read from this file; a changed repeat is kept (it wins)."""
    seen: dict[str, int] = {}
    for number, item in numbered:
        if isinstance(item, PaperRecord):
            fingerprint = hash(item)
            if seen.get(item.id) == fingerprint:
                continue
            seen[item.id] = fingerprint
        yield number, item


# --- JSON lines (and whole JSON documents) ----------------------------------------------------------------


def _json_records(path: Path, announced: date | None) -> Numbered:
    lines = LineReader(path)
    head = lines.head()
    if head.startswith(b"[") or head == b"{":  # an array, or one object pretty-printed over many lines
        yield from _document_records(lines, announced)
    elif head.startswith(b"{") or not head:
        yield from _line_records(lines, announced)
    else:
        lines.close()
        raise SourceError(
            f"{lines.name} line 1: not JSON lines (expected one JSON object per line, found {describe_start(head)})"
        )


def _line_records(lines: LineReader, announced: date | None) -> Numbered:
    for lineno, line in lines:
        if not line.strip():
            continue
        obj = decode_json_line(line, lineno, lines.name)
        if isinstance(obj, RecordError):
            yield lineno, obj
            continue
        record = record_from_row(obj, announced=announced, source=SOURCE_JSONL)
        yield lineno, with_place(record, f"{lines.name} line {lineno}")


def _document_records(lines: LineReader, announced: date | None) -> Numbered:
    # A JSON document cannot be streamed with the standard library; such files are small in practice.
    try:
        document = json.loads(lines.read_all())
    except ValueError as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else 1
        raise SourceError(f"{lines.name} line {line}: not valid JSON ({_reason(exc)})") from exc
    except RecursionError as exc:  # the standard decoder recurses once per nesting level
        raise SourceError(f"{lines.name}: JSON nested too deeply to read") from exc
    items = document if isinstance(document, list) else [document]
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            reason = f"expected a JSON object, found {type(item).__name__} ({lines.name})"
            yield number, RecordError(f"item {number}", reason)
            continue
        record = record_from_row(item, announced=announced, source=SOURCE_JSONL)
        yield number, with_place(record, f"{lines.name} item {number}")


def _reason(exc: ValueError) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)


# --- CSV --------------------------------------------------------------------------------------------------


def _csv_records(path: Path, announced: date | None) -> Numbered:
    name = display_name(path)
    raw, stream = open_maybe_gzip(path)
    try:
        sniff(stream, path)
        # newline="" lets the csv module see quoted newlines inside abstracts; utf-8-sig drops a BOM.
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        reader = csv.DictReader(text)
        _check_header(reader, name)
        yield from _csv_rows(reader, name, announced)
    finally:
        stream.close()
        raw.close()


def _check_header(reader: csv.DictReader[str], name: str) -> None:
    try:
        fields = reader.fieldnames
    except (csv.Error, UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{name} line 1: unreadable CSV header ({exc})") from exc
    if not fields:
        raise SourceError(f"{name} line 1: empty file, expected a CSV header row")
    reader.fieldnames = [field.strip().lower() for field in fields]
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in reader.fieldnames]
    if missing and not (missing == ["id"] and "abs" in reader.fieldnames):
        found = ", ".join(fields[:8]) + (", ..." if len(fields) > 8 else "")
        raise SourceError(f"{name} line 1: CSV header needs columns id and title (found: {found})")


def _csv_rows(reader: csv.DictReader[str], name: str, announced: date | None) -> Numbered:
    try:
        for row in reader:
            record = record_from_row(row, announced=announced, source=SOURCE_CSV)
            yield reader.line_num, with_place(record, f"{name} line {reader.line_num}")
    except (csv.Error, UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{name} line {reader.line_num + 1}: unreadable CSV ({exc})") from exc


# --- one row (a JSON object or a CSV row) -> a record -----------------------------------------------------


def record_from_row(row: Mapping[str, object], *, announced: date | None, source: str) -> Parsed:
    """Normalise one JSONL object or CSV row (pure). ``announced`` is used when it has no ``published``."""
    published = _first(row, "published")
    return make_record(
        raw_id=_first(row, "id", "abs") or "",
        title=_first(row, "title"),
        abstract=_first(row, "abstract", "summary"),
        source=source,
        authors=row_authors(row.get("authors")),
        categories=row_categories(row.get("categories")),
        submitted=published,
        updated=_first(row, "updated"),
        announced=normalize.parse_date(published) or announced,
        doi=_first(row, "doi"),
        journal_ref=_first(row, "journal_ref", "journal-ref"),
        comments=_first(row, "comment", "comments"),
        license=_first(row, "license"),
        code_links=_strings(row.get("code")),
    )


def _first(row: Mapping[str, object], *keys: str) -> str | None:
    """The first non-empty text among ``keys`` (CSV cells are ``""`` when empty)."""
    for key in keys:
        text = json_text(row.get(key))
        if text and text.strip():
            return text
    return None


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [text for item in value if (text := json_text(item))]
    text = json_text(value)
    return [text] if text else []


def row_authors(value: object) -> list[str] | str | None:
    """A list stays a list; ``"Doe, Jane; Roe, R."`` -> ``["Jane Doe", "R. Roe"]``; ``"A, B and C"`` as is."""
    if isinstance(value, list):
        names: list[str] = []
        for item in value:
            name = item.get("name") if isinstance(item, dict) else item
            if text := json_text(name):
                names.append(text)
        return names
    text = json_text(value)
    if text and ";" in text:
        return [normalize.invert_name(part.strip()) for part in text.split(";")]
    return text


def row_categories(value: object) -> list[str] | str | None:
    if isinstance(value, list):
        return _strings(value)
    text = json_text(value)
    return text.replace(";", " ") if text else None
