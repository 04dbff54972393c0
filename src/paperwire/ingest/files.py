"""Shared plumbing for sources read from local files (Kaggle snapshot, JSONL/CSV, saved HF responses).

- ``LineReader`` streams numbered lines of a plain or gzipped file (gzip is recognised by its magic bytes,
  not the extension) and reports how many bytes *of the file on disk* it has consumed, so a progress bar
  over a 4 GB snapshot (or its .gz) is honest.
- ``paginate`` batches numbered records into ``Page`` objects labelled ``file.jsonl:1-500``.
- ``date_from_name`` reads ``2026-04-10.jsonl(.gz)`` as 2026-04-10.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import zlib
from collections.abc import Generator, Iterable, Iterator
from datetime import date
from pathlib import Path

from paperwire.core.records import Page, PaperRecord, Parsed, RecordError, SourceError

GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 64 * 1024
# The whole stem, or its end after a separator ("hf-daily-2026-04-10"); never a date mid-name.
_ISO_DAY = re.compile(r"(?:^|[-_ .])(\d{4}-\d{2}-\d{2})$")


def display_name(path: Path) -> str:
    return path.name or str(path)


def date_from_name(path: Path) -> date | None:
    """The day a file is named after: ``2026-04-10.jsonl``, ``2026-04-10.json.gz`` or
    ``hf-daily-2026-04-10.json`` -> ``date(2026, 4, 10)``; any other name -> None."""
    stem = Path(path.name.removesuffix(".gz")).stem
    match = _ISO_DAY.search(stem)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:  # 2026-13-45 looks like a date but is not one
        return None


def check_file(path: Path) -> int:
    """The file's size in bytes; a missing or unreadable path is a ``SourceError``."""
    try:
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
        return path.stat().st_size
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc


Stream = io.BufferedReader | gzip.GzipFile


def open_maybe_gzip(path: Path) -> tuple[io.BufferedReader, Stream]:
    """``(raw, stream)``: ``raw`` is the file on disk (its ``tell()`` is progress), ``stream`` the content."""
    check_file(path)
    raw = path.open("rb")
    try:
        magic = raw.peek(2)[:2]
    except OSError as exc:
        raw.close()
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    if magic == GZIP_MAGIC:
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")
    return raw, raw


def sniff(stream: Stream, path: Path) -> bytes:
    """The start of the first non-blank line (``b""`` if there is none); binary content is a ``SourceError``.

    Peeking instead of reading a line matters: a binary file may have no newline for gigabytes.
    """
    try:
        head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{display_name(path)} line 1: cannot read ({exc})") from exc
    if b"\x00" in head:
        raise SourceError(f"{display_name(path)} line 1: binary data, not a text file")
    return head.removeprefix(UTF8_BOM).lstrip().split(b"\n", 1)[0].strip()


def describe_start(head: bytes) -> str:
    """A short, printable quote of what a file starts with, for error messages."""
    text = head[:40].decode("utf-8", errors="replace")
    return repr(text + ("..." if len(head) > 40 else ""))


class LineReader:
    """Numbered lines (bytes) of a plain or gzipped file; ``bytes_read``/``total_bytes`` measure the file.

    Iterate once. The file is closed when iteration ends or ``close()`` is called.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = display_name(path)
        self.total_bytes = check_file(path)
        self._raw: io.BufferedReader | None = None
        self._stream: Stream | None = None
        self._done_bytes = 0

    @property
    def bytes_read(self) -> int:
        if self._raw is not None and not self._raw.closed:
            return min(self._raw.tell(), self.total_bytes)
        return self._done_bytes

    def head(self) -> bytes:
        """Open the file and peek at the start of its first non-blank line (see ``sniff``)."""
        self._open()
        assert self._stream is not None
        return sniff(self._stream, self.path)

    def read_all(self) -> bytes:
        """The whole (decompressed) content, for formats that cannot be streamed (a JSON array)."""
        self._open()
        assert self._stream is not None
        try:
            return self._stream.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{self.name}: corrupt gzip data ({exc})") from exc
        finally:
            self.close()

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        self._open()
        assert self._stream is not None
        lineno = 0
        try:
            for lineno, line in enumerate(self._stream, 1):
                yield lineno, line
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{self.name} line {lineno + 1}: corrupt gzip data ({exc})") from exc
        finally:
            self.close()

    def close(self) -> None:
        if self._raw is None or self._raw.closed:
            return
        self._done_bytes = min(self._raw.tell(), self.total_bytes)
        if self._stream is not None:
            self._stream.close()
        self._raw.close()

    def _open(self) -> None:
        if self._raw is None:
            self._raw, self._stream = open_maybe_gzip(self.path)


def json_text(value: object) -> str | None:
    """A JSON value as text: strings as they are, numbers spelled out, anything else (null, lists) None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def decode_json_line(line: bytes, lineno: int, name: str) -> dict[str, object] | RecordError:
    """One JSON-lines line as an object, or a ``RecordError`` whose id is ``line N`` (the id is unknown)."""
    try:
        value = json.loads(line)
    except ValueError as exc:  # also UnicodeDecodeError: a line that is not UTF-8
        return RecordError(f"line {lineno}", f"invalid JSON ({_json_problem(exc)}) ({name} line {lineno})")
    except RecursionError:  # the standard decoder recurses once per nesting level: "[[[[..." is not a paper
        return RecordError(f"line {lineno}", f"invalid JSON (nested too deeply) ({name} line {lineno})")
    if not isinstance(value, dict):
        kind = type(value).__name__
        return RecordError(f"line {lineno}", f"expected a JSON object, found {kind} ({name} line {lineno})")
    return value


def _json_problem(exc: ValueError) -> str:
    # JSONDecodeError's own text says "line 1", which is wrong for line 3 of a file: keep the column only.
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(exc)


def with_place(item: Parsed, where: str) -> Parsed:
    """Add ``file line N`` to a record error so a user can find the record."""
    if isinstance(item, RecordError):
        return RecordError(item.id, f"{item.reason} ({where})")
    return item


def paginate(numbered: Iterable[tuple[int, Parsed]], name: str, batch_size: int) -> Generator[Page, None, None]:
    """Pages of at most ``batch_size`` items labelled ``name:first-last`` (line or item numbers).

    A page never holds the same paper twice: a database upsert of one batch cannot touch a row twice
    (PostgreSQL's ON CONFLICT refuses), so a repeated id starts a new page.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    items: list[Parsed] = []
    ids: set[str] = set()
    first = last = 0
    for number, item in numbered:
        repeated = isinstance(item, PaperRecord) and item.id in ids
        if items and (len(items) >= batch_size or repeated):
            yield Page(items, label=f"{name}:{first}-{last}")
            items, ids = [], set()
        if not items:
            first = number
        items.append(item)
        last = number
        if isinstance(item, PaperRecord):
            ids.add(item.id)
    if items:
        yield Page(items, label=f"{name}:{first}-{last}")
