"""arXiv RSS: today's announcements per category, in the current RSS 2.0 format and the old RSS 1.0 (RDF).

RSS 2.0 (rss.arxiv.org, since 2024): each item's description reads
``arXiv:2401.00001v2 Announce Type: replace Abstract: ...`` and ``arxiv:announce_type`` is one of new, cross,
replace, replace-cross. RSS 1.0 (export.arxiv.org/rss, until 2024) puts id, primary category and kind in
the title: ``Title. (arXiv:2106.00550v2 [math.GR] CROSS LISTED)``.

``announced`` is set for new papers and cross-lists only: a replacement's listing day is not the day the
paper was announced, so it must not overwrite that date (the replacement still carries the new version).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from paperwire.core import taxonomy
from paperwire.core.records import Page, Parsed, SourceError
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.normalize import make_record
from paperwire.ingest.xmltools import (
    all_texts,
    child_text,
    html_summary,
    local_name,
    pages_from_files,
    parse_xml,
)

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1_NS = "http://purl.org/rss/1.0/"
DC_NS = "http://purl.org/dc/elements/1.1/"
ARXIV_NS = "http://arxiv.org/schemas/atom"

_RDF = f"{{{RDF_NS}}}"
_RSS1 = f"{{{RSS1_NS}}}"
_DC = f"{{{DC_NS}}}"
_ARXIV = f"{{{ARXIV_NS}}}"

NEW, CROSS, REPLACE, REPLACE_CROSS = "new", "cross", "replace", "replace-cross"
_ANNOUNCED_TYPES = {NEW, CROSS}

# "arXiv:2604.21935v1 Announce Type: new \nAbstract: Although ..."
_ANNOUNCE_PREFIX = re.compile(
    r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.IGNORECASE
)
# "Title. (arXiv:2106.00550v2 [math.GR] CROSS LISTED)"
_OLD_TITLE_SUFFIX = re.compile(
    r"\.?\s*\(arXiv:(?P<id>\S+?)\s+\[(?P<primary>[^\]]+)\](?:\s+(?P<kind>UPDATED|CROSS LISTED))?\)\s*$"
)


@dataclass(frozen=True, slots=True)
class RssEntry:
    """A parsed item and how it was announced (new, cross, replace, replace-cross; None if unknown)."""

    record: Parsed
    announce_type: str | None


def parse_rss(data: bytes, *, source: str = "rss") -> list[Parsed]:
    """The records of an arXiv RSS 2.0 or RSS 1.0 (RDF) feed; anything else raises ``SourceError``."""
    return [entry.record for entry in parse_rss_entries(data, source=source)]


def parse_rss_entries(data: bytes, *, source: str = "rss") -> list[RssEntry]:
    """Like ``parse_rss``, keeping each item's announce type."""
    root = parse_xml(data, what="RSS")
    if root.tag == "rss":
        return _parse_rss2(root, source)
    if root.tag == f"{_RDF}RDF":
        return _parse_rdf(root, source)
    raise SourceError(f"not an RSS or RDF feed: root element is <{local_name(root.tag)}>")


def _feed_date(text: str | None) -> date | None:
    """The calendar date as the feed writes it (its own time zone): that is the listing's day."""
    if not text:
        return None
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


# --- RSS 2.0 ---------------------------------------------------------------------------------------------


def _parse_rss2(root: ET.Element, source: str) -> list[RssEntry]:
    channel = root.find("channel")
    if channel is None:
        raise SourceError("malformed RSS feed: no <channel>")
    channel_date = _feed_date(child_text(channel, "pubDate"))
    return [_parse_rss2_item(item, channel_date, source) for item in channel.iterfind("item")]


def _parse_rss2_item(item: ET.Element, channel_date: date | None, source: str) -> RssEntry:
    description = child_text(item, "description") or ""
    prefix = _ANNOUNCE_PREFIX.match(description)
    announce_type = child_text(item, f"{_ARXIV}announce_type") or (prefix.group("type") if prefix else None)
    announce_type = announce_type.lower() if announce_type else None
    announced = _feed_date(child_text(item, "pubDate")) or channel_date
    record = make_record(
        # The description and guid carry the announced version; the link does not.
        raw_id=(prefix.group("id") if prefix else None) or _guid_or_link(item),
        title=child_text(item, "title"),
        abstract=description[prefix.end() :] if prefix else description,
        source=source,
        authors=child_text(item, f"{_DC}creator"),
        categories=all_texts(item, "category"),  # primary first
        announced=announced if announce_type in _ANNOUNCED_TYPES or announce_type is None else None,
        license=child_text(item, f"{_DC}rights"),
    )
    return RssEntry(record, announce_type)


def _guid_or_link(item: ET.Element) -> str:
    return child_text(item, "guid") or child_text(item, "link") or ""


# --- RSS 1.0 (RDF) ---------------------------------------------------------------------------------------


def _parse_rdf(root: ET.Element, source: str) -> list[RssEntry]:
    channel = root.find(f"{_RSS1}channel")
    announced = _feed_date(child_text(channel, f"{_DC}date")) if channel is not None else None
    feed = _rdf_feed_category(channel)
    return [_parse_rdf_item(item, feed, announced, source) for item in root.iterfind(f"{_RSS1}item")]


def _rdf_feed_category(channel: ET.Element | None) -> str | None:
    """``'hep-ex updates on arXiv.org'`` -> ``'hep-ex'`` (the archive or category the feed lists)."""
    title = child_text(channel, f"{_RSS1}title") if channel is not None else None
    return title.split()[0] if title else None


def _parse_rdf_item(item: ET.Element, feed: str | None, announced: date | None, source: str) -> RssEntry:
    title = child_text(item, f"{_RSS1}title") or ""
    suffix = _OLD_TITLE_SUFFIX.search(title)
    primary = suffix.group("primary") if suffix else None
    announce_type = _rdf_announce_type(suffix.group("kind") if suffix else None, primary, feed)
    categories = [c for c in (primary, feed) if c and taxonomy.is_category(c)]
    creators = child_text(item, f"{_DC}creator")
    record = make_record(
        raw_id=(suffix.group("id") if suffix else None)
        or child_text(item, f"{_RSS1}link")
        or item.get(f"{_RDF}about")
        or "",
        title=title[: suffix.start()] if suffix else title,
        abstract=child_text(item, f"{_RSS1}description"),
        source=source,
        # "<a ...>LHCb collaboration</a>: <a ...>R. Aaij</a>, et al." : the colon ends a collaboration name.
        authors=creators.replace(":", ",") if creators else None,
        categories=categories,
        announced=announced if announce_type in _ANNOUNCED_TYPES else None,
    )
    return RssEntry(record, announce_type)


def _rdf_announce_type(kind: str | None, primary: str | None, feed: str | None) -> str:
    if kind == "CROSS LISTED":
        return CROSS
    if kind == "UPDATED":
        in_feed = bool(primary and feed and (primary == feed or primary.startswith(f"{feed}.")))
        return REPLACE if in_feed or not feed else REPLACE_CROSS
    return NEW


# --- fetching --------------------------------------------------------------------------------------------


def fetch_rss(client: PoliteClient, base_url: str, categories: list[str], *, source: str = "rss") -> Iterator[Page]:
    """One page per category feed (``base_url + category``; ``cs.AI+cs.LG`` combines categories)."""
    for index, category in enumerate(categories):
        url = base_url + category
        response = client.get(url)
        if response.status_code != 200:
            body = f": {html_summary(response.content)!r}" if response.content.strip() else ""
            raise SourceError(f"{url} answered HTTP {response.status_code}{body}")
        is_last = index == len(categories) - 1
        yield Page(
            parse_rss(response.content, source=source),
            label=f"RSS {category}",
            resume=None if is_last else {"next_category": categories[index + 1]},
        )


def parse_rss_files(paths: Iterable[Path | str], *, source: str = "rss") -> Iterator[Page]:
    """Recorded feeds (``.xml`` or ``.xml.gz``), one ``Page`` per file, in the given order."""
    return pages_from_files(paths, lambda data, label: Page(parse_rss(data, source=source), label=label))
