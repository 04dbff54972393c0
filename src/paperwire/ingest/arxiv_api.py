"""The arXiv API (export.arxiv.org/api/query): parse its Atom feeds and page through a query or id list.

The API reports a bad request (e.g. a malformed id) as an Atom feed with one entry titled "Error", sent
with HTTP 400; that becomes a ``SourceError`` carrying the API's own message.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import httpx

from paperwire.core.records import Page, Parsed, SourceError
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.normalize import make_record
from paperwire.ingest.xmltools import (
    all_texts,
    child_text,
    html_summary,
    local_name,
    pages_from_files,
    parse_int,
    parse_xml,
)

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
ARXIV_ATOM_NS = "http://arxiv.org/schemas/atom"

_A = f"{{{ATOM_NS}}}"
_OS = f"{{{OPENSEARCH_NS}}}"
_AX = f"{{{ARXIV_ATOM_NS}}}"


@dataclass(slots=True)
class AtomPage:
    """One parsed API response."""

    items: list[Parsed] = field(default_factory=list)
    total_results: int | None = None
    start_index: int | None = None
    items_per_page: int | None = None
    entry_count: int = 0  # entries in the feed, including skipped empty ones: how far paging advanced


def parse_atom_feed(data: bytes, *, source: str = "arxiv-api") -> AtomPage:
    """Parse an API response (plain or gzipped bytes); an API error feed raises ``SourceError``."""
    root = _parse_feed(data)
    message = _error_message(root)
    if message is not None:
        raise SourceError(f"arXiv API error: {message}")
    entries = root.findall(f"{_A}entry")
    return AtomPage(
        # The API answers an unknown id with an entry whose id is empty: nothing to keep.
        items=[_parse_entry(entry, source) for entry in entries if child_text(entry, f"{_A}id")],
        total_results=parse_int(child_text(root, f"{_OS}totalResults")),
        start_index=parse_int(child_text(root, f"{_OS}startIndex")),
        items_per_page=parse_int(child_text(root, f"{_OS}itemsPerPage")),
        entry_count=len(entries),
    )


def _parse_feed(data: bytes) -> ET.Element:
    root = parse_xml(data, what="arXiv API Atom")
    if root.tag != f"{_A}feed":
        raise SourceError(f"not an arXiv API response: root element is <{local_name(root.tag)}>")
    return root


def _error_message(root: ET.Element) -> str | None:
    for entry in root.iterfind(f"{_A}entry"):
        entry_id = child_text(entry, f"{_A}id") or ""
        is_paper = entry.find(f"{_AX}primary_category") is not None
        if "/api/errors" in entry_id or (child_text(entry, f"{_A}title") == "Error" and not is_paper):
            return child_text(entry, f"{_A}summary") or entry_id or "unknown error"
    return None


def _parse_entry(entry: ET.Element, source: str) -> Parsed:
    links = [link.get("href") or "" for link in entry.iterfind(f"{_A}link")]
    primary = entry.find(f"{_AX}primary_category")
    return make_record(
        raw_id=child_text(entry, f"{_A}id") or "",  # http://arxiv.org/abs/2104.12255v1: id and version
        title=child_text(entry, f"{_A}title"),
        abstract=child_text(entry, f"{_A}summary"),
        source=source,
        authors=all_texts(entry, f"{_A}author/{_A}name"),  # affiliations are left out on purpose
        categories=[term for c in entry.iterfind(f"{_A}category") if (term := c.get("term"))],
        primary_category=primary.get("term") if primary is not None else None,
        submitted=child_text(entry, f"{_A}published"),  # v1's date
        updated=child_text(entry, f"{_A}updated"),  # this version's date
        doi=child_text(entry, f"{_AX}doi") or _doi_from_links(entry),
        journal_ref=child_text(entry, f"{_AX}journal_ref"),
        comments=child_text(entry, f"{_AX}comment"),
        code_links=links,
    )


def _doi_from_links(entry: ET.Element) -> str | None:
    for link in entry.iterfind(f"{_A}link"):
        href = link.get("href") or ""
        if link.get("title") == "doi" and "doi.org/" in href:
            return href.split("doi.org/", 1)[1]
    return None


def fetch_api_pages(
    client: PoliteClient,
    url: str,
    *,
    ids: list[str] | None = None,
    query: str | None = None,
    page_size: int = 100,
    max_results: int | None = None,
    source: str = "arxiv-api",
) -> Iterator[Page]:
    """Page through ``id_list`` and/or ``search_query`` with start/max_results.

    Stops when ``totalResults`` (or ``max_results``) is reached or the API returns an empty page. The
    client is expected to space requests (arXiv asks for one every 3 seconds).
    """
    if not ids and not query:
        raise ValueError("fetch_api_pages needs ids or a query")
    limit = max_results
    start = 0
    while limit is None or start < limit:
        count = page_size if limit is None else min(page_size, limit - start)
        params = _query_params(ids, query, start, count)
        page = parse_atom_feed(_get(client, url, params), source=source)
        total = page.total_results if limit is None else min(page.total_results or 0, limit)
        next_start = start + page.entry_count
        done = page.entry_count == 0 or total is None or next_start >= total
        yield Page(
            page.items,
            f"arXiv API start={start}",
            resume=None if done else {"start": next_start},
            total=total,
            progress=min(next_start, total) if total is not None else None,
        )
        if done:
            return
        start = next_start


def _query_params(ids: list[str] | None, query: str | None, start: int, count: int) -> dict[str, str | int]:
    params: dict[str, str | int] = {}
    if query:
        params["search_query"] = query
    if ids:
        params["id_list"] = ",".join(ids)
    params.update({"start": start, "max_results": count})
    return params


def _get(client: PoliteClient, url: str, params: dict[str, str | int]) -> bytes:
    response = client.get(url, params=params)
    if response.status_code != 200:
        _raise_for_status(response, url)
    return response.content


def _raise_for_status(response: httpx.Response, url: str) -> NoReturn:
    try:
        message = _error_message(_parse_feed(response.content))
    except SourceError:
        message = None
    if message is not None:
        raise SourceError(f"arXiv API error: {message} (HTTP {response.status_code})")
    body = f": {html_summary(response.content)!r}" if response.content.strip() else ""
    raise SourceError(f"{url} answered HTTP {response.status_code}{body}")


def parse_atom_files(paths: Iterable[Path | str], *, source: str = "arxiv-api") -> Iterator[Page]:
    """Recorded API responses (``.xml`` or ``.xml.gz``), one ``Page`` per file, in the given order."""

    def parse(data: bytes, label: str) -> Page:
        page = parse_atom_feed(data, source=source)
        return Page(page.items, label=label, total=page.total_results)

    return pages_from_files(paths, parse)
