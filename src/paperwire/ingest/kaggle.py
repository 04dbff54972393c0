"""The Kaggle arXiv metadata snapshot (``arxiv-metadata-oai-snapshot.json``): one JSON object per line.

The real file is ~4 GB (~2.7 M papers), so it is streamed line by line and never held in memory; a gzipped
copy is read the same way (gzip is recognised by its magic bytes, whatever the file is called).

Progress: ``read_kaggle`` returns a ``KaggleSnapshot``, an iterator of pages that also exposes
``bytes_read`` and ``total_bytes``: bytes of the file *on disk* (compressed bytes for a .gz), so
``bytes_read / total_bytes`` is the fraction done. Read them between pages to draw a progress bar::

    snapshot = read_kaggle(path, categories=["cs"])
    for page in snapshot:
        store(page)
        bar.update(snapshot.bytes_read, total=snapshot.total_bytes)

Page labels are ``file.json:FIRST-LAST`` with line numbers; a line that is not JSON becomes a
``RecordError("line N", ...)`` and the rest of the file is kept. A missing file is a ``SourceError`` as
soon as ``read_kaggle`` is called; a file that is not JSON lines is one when iteration starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from paperwire.core.ids import parse_version
from paperwire.core.records import Page, Parsed, RecordError, SourceError, Version
from paperwire.ingest import normalize
from paperwire.ingest.files import (
    LineReader,
    decode_json_line,
    describe_start,
    json_text,
    paginate,
    with_place,
)
from paperwire.ingest.normalize import make_record

SOURCE = "kaggle"
DEFAULT_BATCH_SIZE = 500

# arXiv's name parser splits hyphenated initials ("C.-P. Yuan" -> first name "C. -P."); undo that.
_SPLIT_INITIAL = re.compile(r"(?<=\.) -(?=\w)")


@dataclass(frozen=True, slots=True)
class CategoryFilter:
    """Which papers to keep: ``cs.LG`` matches exactly, ``cs`` or ``cs.*`` matches the whole archive.

    A paper matches when ANY of its categories does (cross-lists count). Case is ignored.
    """

    exact: frozenset[str]
    archives: frozenset[str]

    @classmethod
    def parse(cls, patterns: Iterable[str]) -> CategoryFilter:
        exact: set[str] = set()
        archives: set[str] = set()
        for pattern in _split_patterns(patterns):
            if pattern.endswith(".*"):
                archives.add(pattern[:-2])
            elif "." in pattern:
                exact.add(pattern)
            else:
                archives.add(pattern)
        return cls(frozenset(exact), frozenset(archives))

    def matches(self, categories: Iterable[str]) -> bool:
        for category in categories:
            lowered = category.lower()
            if lowered in self.exact or lowered.split(".", 1)[0] in self.archives:
                return True
        return False


def _split_patterns(patterns: Iterable[str]) -> Iterator[str]:
    # "cs.LG,cs.AI" from a command line is as welcome as two separate patterns.
    for pattern in patterns:
        for part in re.split(r"[\s,]+", pattern.strip().lower()):
            if part:
                yield part


class KaggleSnapshot:
    """An iterator of ``Page`` over a snapshot file, with ``bytes_read``/``total_bytes`` for progress."""

    def __init__(self, path: Path, *, categories: Iterable[str] | None, batch_size: int) -> None:
        self._lines = LineReader(path)
        self._filter = CategoryFilter.parse(categories) if categories else None
        self._pages = paginate(self._records(), self._lines.name, batch_size)

    @property
    def bytes_read(self) -> int:
        return self._lines.bytes_read

    @property
    def total_bytes(self) -> int:
        return self._lines.total_bytes

    def __iter__(self) -> KaggleSnapshot:
        return self

    def __next__(self) -> Page:
        page = next(self._pages)
        # Progress in bytes of the file: the record count of a 4 GB snapshot is not known up front.
        page.progress, page.total = self.bytes_read, self.total_bytes
        return page

    def close(self) -> None:
        self._pages.close()
        self._lines.close()

    def _records(self) -> Iterator[tuple[int, Parsed]]:
        head = self._lines.head()
        if head and not head.startswith(b"{"):
            raise SourceError(
                f"{self._lines.name} line 1: not the Kaggle arXiv snapshot (expected one JSON object per "
                f"line, found {describe_start(head)})"
            )
        for lineno, line in self._lines:
            item = self._parse_line(line, lineno)
            if item is not None:
                yield lineno, item

    def _parse_line(self, line: bytes, lineno: int) -> Parsed | None:
        if not line.strip():
            return None
        obj = decode_json_line(line, lineno, self._lines.name)
        if isinstance(obj, RecordError):
            return obj
        # Filter before normalising: most of a 2.7 M-line file is skipped when only cs.* is wanted.
        if self._filter and not self._filter.matches(category_list(obj.get("categories"))):
            return None
        return with_place(parse_kaggle_record(obj), f"{self._lines.name} line {lineno}")


def read_kaggle(
    path: Path | str,
    *,
    categories: list[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> KaggleSnapshot:
    """Stream the snapshot at ``path`` (plain or gzipped) as pages of ``batch_size`` records.

    ``categories`` keeps only papers with a category matching one of the patterns (see ``CategoryFilter``).
    """
    return KaggleSnapshot(Path(path), categories=categories, batch_size=batch_size)


def parse_kaggle_record(obj: Mapping[str, object]) -> Parsed:
    """One snapshot object -> a normalised record (pure: no I/O)."""
    versions = parse_versions(obj.get("versions"))
    return make_record(
        raw_id=json_text(obj.get("id")) or "",
        title=json_text(obj.get("title")),
        abstract=json_text(obj.get("abstract")),
        source=SOURCE,
        authors=kaggle_authors(obj),
        categories=category_list(obj.get("categories")),
        versions=versions,
        # update_date is when the metadata last changed, not a version; only a stand-in without versions.
        updated=None if versions else json_text(obj.get("update_date")),
        doi=json_text(obj.get("doi")),
        journal_ref=json_text(obj.get("journal-ref")),
        comments=json_text(obj.get("comments")),
        license=json_text(obj.get("license")),
    )


def category_list(value: object) -> list[str]:
    """``"math.CO cs.CG"`` -> ``["math.CO", "cs.CG"]`` (the first is the primary category)."""
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def kaggle_authors(obj: Mapping[str, object]) -> list[str] | str | None:
    """Ordered names from ``authors_parsed`` (``[last, first, suffix, affiliation?]``), else the string.

    ``authors_parsed`` is preferred: it already splits "A, B and C" correctly and has accents in Unicode.
    """
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list):
        names = [name for entry in parsed if (name := _parsed_name(entry))]
        if names:
            return names
    return json_text(obj.get("authors"))


def _parsed_name(entry: object) -> str:
    if not isinstance(entry, list) or not entry:
        return ""
    parts = [part if isinstance(part, str) else "" for part in entry[:3]]
    last, first, suffix = [*parts, "", ""][:3]
    first = _SPLIT_INITIAL.sub("-", first)
    return " ".join(part.strip() for part in (first, last, suffix) if part.strip())


def parse_versions(value: object) -> list[Version]:
    """``[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...]`` -> ``Version`` objects."""
    if not isinstance(value, list):
        return []
    versions: list[Version] = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        label = json_text(entry.get("version")) or ""
        # parse_version, not int(): "v²" passes str.isdigit() but not int(), and "v" + 5000 digits neither
        number = parse_version(label.strip().lower().removeprefix("v"))
        if number is not None:
            created = json_text(entry.get("created"))
            versions.append(Version(number, normalize.parse_datetime(created)))
    return versions
