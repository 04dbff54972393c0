"""Hugging Face daily papers: ``GET https://huggingface.co/api/daily_papers?date=YYYY-MM-DD``.

The answer is a JSON list of items ``{"paper": {...}, "publishedAt", "title", "numComments", ...}``. What
the API sends has grown over time (recordings from 2024-05 to 2026-08):

- always: ``paper.id`` (an arXiv id), ``paper.title``, ``paper.summary``, ``paper.authors[{name}]``,
  ``paper.publishedAt`` (arXiv submission), ``paper.upvotes``, ``numComments``;
- from 2025-03: ``paper.submittedOnDailyAt``, ``paper.ai_keywords``, ``paper.githubRepo``,
  ``paper.projectPage``; from 2025-06 ``paper.ai_summary``; from 2025-07 ``paper.githubStars``;
- any of the optional fields may be missing on a given item (no repo, no AI summary that day).

Each item becomes a record (``announced`` = the daily date, code links from ``githubRepo``/``projectPage``)
with signals: ``hf_upvotes``, ``hf_comments`` and, when the repo's star count is given, ``github_stars``.
A signal's ``at`` is the daily date at 00:00 (naive UTC) unless ``observed_at`` is given: the same file or
day ingested twice yields identical signals, which the database deduplicates.

``fetch_hf_daily`` asks for ``limit=100`` papers per request and pages with ``p=0, 1, ...`` until a
short page; each request is one ``Page``.

The daily date is the ``day`` argument; failing that (saved files) the file name (``2025-03-18.json``);
failing that the item's ``submittedOnDailyAt`` (or, before 2025, its top-level ``publishedAt``).
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path

from paperwire.core.records import Page, PaperRecord, Parsed, RecordError, Signal, SourceError
from paperwire.core.signals import GITHUB_STARS, HF_COMMENTS, HF_SOURCE, HF_UPVOTES
from paperwire.ingest import normalize
from paperwire.ingest.files import (
    GZIP_MAGIC,
    check_file,
    date_from_name,
    display_name,
    json_text,
    with_place,
)
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.normalize import make_record

SOURCE = HF_SOURCE
UPVOTES, COMMENTS = HF_UPVOTES, HF_COMMENTS
PAGE_SIZE = 100  # papers asked for per request (``limit``); a longer day is paged with ``p``
MAX_PAGES = 50  # a guard against an endless loop, far above any real day


def parse_hf_daily(
    data: bytes,
    *,
    day: date | None,
    observed_at: datetime | None = None,
    name: str = "daily_papers response",
) -> list[Parsed]:
    """Records (or per-item errors) from one daily_papers body; ``name`` is used in error messages."""
    items = _load_items(data, name)
    return [
        with_place(parse_item(item, day=day, observed_at=observed_at), f"{name} item {number}")
        for number, item in enumerate(items, 1)
    ]


def _load_items(data: bytes, name: str) -> list[object]:
    try:
        document = json.loads(data)
    except ValueError as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else 1
        raise SourceError(f"{name} line {line}: not JSON ({_first_line(str(exc))})") from exc
    except RecursionError as exc:  # the standard decoder recurses once per nesting level
        raise SourceError(f"{name}: not daily papers (JSON nested too deeply to read)") from exc
    if isinstance(document, dict):
        if "error" in document:
            raise SourceError(f"{name}: Hugging Face answered: {_first_line(str(document['error']))}")
        keys = ", ".join(list(document)[:5])
        raise SourceError(f"{name} line 1: expected a JSON list of daily papers, found an object ({keys})")
    if not isinstance(document, list):
        raise SourceError(f"{name} line 1: expected a JSON list of daily papers")
    return document


def parse_item(item: object, *, day: date | None, observed_at: datetime | None = None) -> Parsed:
    """One daily_papers item -> a record with its signals (pure)."""
    if not isinstance(item, dict):
        return RecordError(None, _not_an_object(item))
    paper = item.get("paper")
    if not isinstance(paper, dict):
        return RecordError(None, "no paper object")
    raw_id = json_text(paper.get("id"))
    upvotes = _count(paper.get("upvotes"))
    if upvotes is None:
        return RecordError(raw_id, "no upvote count")
    daily = day or daily_date(item, paper)
    if daily is None:
        return RecordError(raw_id, "no daily date: name the day (file YYYY-MM-DD.json or --date)")
    at = observed_at or datetime.combine(daily, time())
    return make_record(
        raw_id=raw_id or "",
        title=json_text(paper.get("title")) or json_text(item.get("title")),
        abstract=json_text(paper.get("summary")) or json_text(item.get("summary")),
        source=SOURCE,
        authors=_author_names(paper.get("authors")),
        submitted=json_text(paper.get("publishedAt")),
        announced=daily,
        code_links=[link for key in ("githubRepo", "projectPage") if (link := json_text(paper.get(key)))],
        ai_summary=json_text(paper.get("ai_summary")),
        ai_keywords=_strings(paper.get("ai_keywords")),
        signals=item_signals(item, paper, upvotes, at),
    )


def _not_an_object(item: object) -> str:
    reason = f"expected a JSON object, found {type(item).__name__}"
    if isinstance(item, str) and item.startswith("{'"):
        # Seen in the wild: a scraper that saved str(dict) instead of JSON.
        reason += " (a Python dict repr: the file was saved with str() instead of json.dumps)"
    return reason


def daily_date(item: Mapping[str, object], paper: Mapping[str, object]) -> date | None:
    """The day an item was on the daily list, from the item itself.

    ``submittedOnDailyAt`` (2025+) is exact; the top-level ``publishedAt`` only meant "put on the daily
    list" in older answers (it is now arXiv's time shifted by a few hours), so it comes second.
    """
    for value in (paper.get("submittedOnDailyAt"), item.get("publishedAt")):
        if parsed := normalize.parse_date(json_text(value)):
            return parsed
    return None


def item_signals(item: Mapping[str, object], paper: Mapping[str, object], upvotes: int, at: datetime) -> list[Signal]:
    signals = [Signal(UPVOTES, float(upvotes), at, SOURCE)]
    if (comments := _count(item.get("numComments"))) is not None:
        signals.append(Signal(COMMENTS, float(comments), at, SOURCE))
    stars = _count(paper.get("githubStars"))
    if stars is not None and json_text(paper.get("githubRepo")):
        signals.append(Signal(GITHUB_STARS, float(stars), at, SOURCE))
    return signals


MAX_COUNT = 10**12  # far above any real upvote, comment or star count; a signal's value is a float


def _count(value: object) -> int | None:
    # bool is an int in Python; a true/false is not a count. JSON integers are unbounded: 10**400 is no
    # count either (and float() of it overflows).
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return value
    return None


def _author_names(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [name for author in value if isinstance(author, dict) and (name := json_text(author.get("name")))]


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [text for item in value if (text := json_text(item))]


def _first_line(text: str, limit: int = 160) -> str:
    line = re.sub(r"\s+", " ", text).strip()
    return line if len(line) <= limit else line[: limit - 3] + "..."


# --- sources ----------------------------------------------------------------------------------------------


def fetch_hf_daily(
    client: PoliteClient,
    url: str,
    day: date,
    *,
    observed_at: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> Iterator[Page]:
    """The papers on the daily list of ``day``, one page per request. Errors are a ``SourceError``.

    The API returns a limited number of papers per request (``limit``, page number ``p``), so a busy day
    takes several requests; the last one is short. Should the API ignore ``p`` and repeat itself, the
    repeat adds no new paper and ends the loop.
    """
    seen: set[str] = set()
    for number in range(MAX_PAGES):
        params: dict[str, str | int] = {"date": day.isoformat(), "limit": page_size, "p": number}
        items = _fetch_items(client, url, params, observed_at)
        fresh = [item for item in items if not (isinstance(item, PaperRecord) and item.id in seen)]
        new_ids = {item.id for item in fresh if isinstance(item, PaperRecord)}
        if fresh and (new_ids or number == 0):
            yield Page(fresh, label=f"hf daily_papers {day.isoformat()} page {number + 1}")
        seen |= new_ids
        if len(items) < page_size or not new_ids:
            return
    raise SourceError(f"{url}?date={day.isoformat()}: more than {MAX_PAGES} pages of daily papers")


def _fetch_items(
    client: PoliteClient, url: str, params: dict[str, str | int], observed_at: datetime | None
) -> list[Parsed]:
    where = f"{url}?date={params['date']}" + (f"&p={params['p']}" if params["p"] else "")
    response = client.get(url, params=params)
    if response.status_code != 200:
        detail = _error_text(response.content)
        raise SourceError(f"{where} answered HTTP {response.status_code}" + (f": {detail}" if detail else ""))
    day = date.fromisoformat(str(params["date"]))
    return parse_hf_daily(response.content, day=day, observed_at=observed_at, name=where)


def _error_text(body: bytes) -> str:
    """``{"error": "..."}`` -> its text; another body -> its first line; nothing -> ``""``."""
    try:
        document = json.loads(body)
    except ValueError:
        return _first_line(body.decode("utf-8", errors="replace"))
    if isinstance(document, dict) and "error" in document:
        return _first_line(str(document["error"]))
    return _first_line(body.decode("utf-8", errors="replace"))


def read_hf_files(paths: Iterable[Path | str] | Path | str, day: date | None = None) -> Iterator[Page]:
    """One page per saved daily_papers file (plain or gzipped); ``day`` defaults to the file's name."""
    for path in [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]:
        data = _read_bytes(path)
        items = parse_hf_daily(data, day=day or date_from_name(path), name=display_name(path))
        yield Page(items, label=display_name(path), total=len(items))


def _read_bytes(path: Path) -> bytes:
    check_file(path)
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if data.startswith(GZIP_MAGIC) else data
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{display_name(path)}: cannot read ({exc})") from exc
