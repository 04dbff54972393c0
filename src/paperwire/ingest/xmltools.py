"""Small helpers the XML sources share (OAI-PMH, the arXiv API, RSS): parsing with one-line errors."""

from __future__ import annotations

import gzip
import re
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from paperwire.core.records import Page, SourceError

_GZIP_MAGIC = b"\x1f\x8b"
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html)", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def maybe_gunzip(data: bytes) -> bytes:
    """Recorded pages may be stored gzipped; the parsers take either. Broken gzip is a ``SourceError``."""
    if data[:2] != _GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError; a cut-off stream, EOFError
        raise SourceError(f"corrupt gzip data ({exc})") from exc


def read_bytes(path: Path | str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read ({exc.strerror or exc})") from exc
    return maybe_gunzip(data)


def pages_from_files(paths: Iterable[Path | str], parse: Callable[[bytes, str], Page]) -> Iterator[Page]:
    """One ``Page`` per recorded file, in order; an unusable file fails naming the file.

    ``resume`` points at the next file, so a caller can tell the last page (``None``) from the others.
    """
    path_list = [Path(path) for path in paths]
    for index, path in enumerate(path_list):
        try:
            page = parse(read_bytes(path), str(path))
        except SourceError as exc:
            raise SourceError(f"{path.name}: {exc}") from exc
        is_last = index == len(path_list) - 1
        page.resume = None if is_last else {"next_file": str(path_list[index + 1])}
        yield page


def html_summary(data: bytes, limit: int = 80) -> str:
    """The visible text of an HTML error page, shortened: servers put the reason there."""
    text = _SPACES.sub(" ", _TAGS.sub(" ", data.decode("utf-8", "replace"))).strip()
    return text[:limit] + ("..." if len(text) > limit else "")


def looks_like_html(data: bytes) -> bool:
    return bool(_HTML_START.match(data[:200]))


def parse_xml(data: bytes, *, what: str) -> ET.Element:
    """Parse a whole document; a broken one becomes a ``SourceError`` naming ``what`` it should have been.

    The stdlib parser is safe for these sources: expat >= 2.4.1 (bundled with Python 3.11) refuses
    entity-expansion bombs and ElementTree never fetches external entities.
    """
    data = maybe_gunzip(data)
    if looks_like_html(data):
        raise SourceError(f"expected {what}, got an HTML page: {html_summary(data)!r}")
    try:
        return ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise SourceError(f"malformed {what} XML: {exc}") from exc
    except (LookupError, ValueError) as exc:
        # The XML declaration names an encoding expat cannot use: unknown ("x-foo"), not text ("hex": a
        # LookupError), multi-byte ("shift_jis", "utf-32": a ValueError) or one that fails ("idna").
        raise SourceError(f"malformed {what} XML: unusable encoding in the XML declaration ({exc})") from exc


def local_name(tag: str) -> str:
    """``'{http://www.openarchives.org/OAI/2.0/}record'`` -> ``'record'``."""
    return tag.rsplit("}", 1)[-1]


def child_text(element: ET.Element, path: str) -> str | None:
    """Text of the first match of ``path``, stripped; ``None`` when missing or blank."""
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def all_texts(element: ET.Element, path: str) -> list[str]:
    """Stripped, non-blank texts of every match of ``path``, in document order."""
    texts = (found.text.strip() for found in element.iterfind(path) if found.text)
    return [text for text in texts if text]


def parse_int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
