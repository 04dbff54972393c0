"""What every source parser produces: normalised paper records, signals and per-record errors.

Parsers yield ``PaperRecord`` (or ``RecordError`` for a record they could not read); the pipeline stores
them. Records are built with ``make_record`` so that every source is normalised the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from paperwire.ingest import normalize


@dataclass(frozen=True, slots=True)
class Version:
    """One arXiv version of a paper (v1, v2, ...)."""

    number: int
    submitted: datetime | None = None
    size: str | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """An observation about a paper, e.g. its Hugging Face upvote count at a moment."""

    kind: str
    value: float
    at: datetime
    source: str
    actor: str = ""


@dataclass(frozen=True, slots=True)
class PaperRecord:
    id: str
    title: str
    abstract: str
    source: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # primary first
    version: int | None = None
    submitted: datetime | None = None  # first version
    updated: datetime | None = None  # latest version
    announced: date | None = None  # the day the paper appeared in a listing (digest and trending use it)
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    license: str | None = None
    code_links: tuple[str, ...] = ()
    versions: tuple[Version, ...] = ()
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    deleted: bool = False
    signals: tuple[Signal, ...] = field(default=(), compare=False)

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record a parser could not turn into a paper: reported and skipped, the rest of the batch is kept."""

    id: str | None
    reason: str


class SourceError(Exception):
    """A whole page/file/response could not be used (malformed document, HTTP failure, protocol error).

    The message is one line a user can act on: messages quote what a document said (an OAI-PMH error's
    text, a JSON object's keys, a CSV header), and any line break in it is turned into a space here.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).splitlines()))


Parsed = PaperRecord | RecordError

MAX_ID_CHARS = 64  # papers.id is String(64); arXiv ids are at most 16 characters
MAX_SIZE_CHARS = 32  # paper_versions.size is String(32)


def _usable_versions(versions: Iterable[Version]) -> tuple[Version, ...]:
    """Versions sorted by number; impossible numbers (0, negative, absurdly large) are dropped, and a size
    that does not fit its column (32 characters) is forgotten."""
    usable = []
    for v in versions:
        if not 1 <= v.number <= normalize.MAX_VERSION:
            continue
        size = normalize.clean_text(v.size) or None
        if size is not None and len(size) > MAX_SIZE_CHARS:
            size = None
        usable.append(v if size == v.size else Version(v.number, v.submitted, size))
    return tuple(sorted(usable, key=lambda v: v.number))


def make_record(
    *,
    raw_id: str,
    title: str | None,
    abstract: str | None,
    source: str,
    authors: Iterable[str] | str | None = None,
    categories: Iterable[str] | str | None = None,
    primary_category: str | None = None,
    version: int | None = None,
    submitted: datetime | date | str | None = None,
    updated: datetime | date | str | None = None,
    announced: date | str | None = None,
    doi: str | None = None,
    journal_ref: str | None = None,
    comments: str | None = None,
    license: str | None = None,
    code_links: Iterable[str] = (),
    versions: Iterable[Version] = (),
    ai_summary: str | None = None,
    ai_keywords: Iterable[str] = (),
    deleted: bool = False,
    signals: Iterable[Signal] = (),
) -> Parsed:
    """Normalise raw fields from any source into a ``PaperRecord`` (or a ``RecordError`` saying why not).

    The id may carry a version (``2401.00001v2``), an ``arXiv:`` prefix or be an arxiv.org URL; the version
    it carries is used when ``version`` is not given.
    """
    paper_id, id_version = normalize.split_arxiv_id(raw_id or "")
    if not paper_id:
        return RecordError(raw_id or None, "missing id")
    if len(paper_id) > MAX_ID_CHARS or normalize.safe_text(paper_id) != paper_id:
        shown = normalize.safe_text(paper_id)[:MAX_ID_CHARS] or None
        return RecordError(shown, f"not a usable id (control characters, or more than {MAX_ID_CHARS} characters)")
    versions = _usable_versions(versions)
    if version is not None and not 1 <= version <= normalize.MAX_VERSION:
        version = None
    version = version or id_version or (versions[-1].number if versions else None)
    clean_title = normalize.clean_text(title)
    clean_abstract = normalize.clean_text(abstract)
    if not deleted and not clean_title:
        return RecordError(paper_id, "missing title")
    clean_comments = normalize.clean_text(comments) or None
    author_list = normalize.parse_authors(authors)
    category_list = normalize.parse_categories(categories, primary=primary_category)
    submitted_at = normalize.parse_datetime(submitted)
    updated_at = normalize.parse_datetime(updated)
    if versions and versions[0].submitted:
        submitted_at = submitted_at or versions[0].submitted
        updated_at = updated_at or versions[-1].submitted
    # The source's own code field is the most trustworthy, so it comes first.
    links = normalize.extract_code_links(*code_links, clean_abstract, clean_comments or "")
    return PaperRecord(
        id=paper_id,
        title=clean_title,
        abstract=clean_abstract,
        source=source,
        authors=tuple(author_list),
        categories=tuple(category_list),
        version=version,
        submitted=submitted_at,
        updated=updated_at,
        announced=normalize.parse_date(announced),
        doi=normalize.clean_text(doi) or None,
        journal_ref=normalize.clean_text(journal_ref) or None,
        comments=clean_comments,
        license=normalize.clean_text(license) or None,
        code_links=tuple(links),
        versions=versions,
        ai_summary=normalize.clean_text(ai_summary) or None,
        ai_keywords=tuple(k for k in (normalize.clean_text(k) for k in ai_keywords) if k),
        deleted=deleted,
        signals=tuple(signals),
    )


@dataclass(slots=True)
class Page:
    """One unit of a source's output that is stored in one transaction: an HTTP page or a file.

    ``resume`` is what the source needs to continue *after* this page (e.g. the OAI-PMH resumption token);
    the pipeline stores it with the page's records, so a crash resumes at the next page. ``None`` means the
    source is done. ``total`` (when the source knows it) lets the CLI draw a progress bar.
    """

    items: list[Parsed]
    label: str
    resume: dict[str, str | int | None] | None = None
    total: int | None = None
    datestamp: str | None = None  # newest OAI-PMH datestamp on the page (for incremental harvests)
    progress: int | None = None  # how far the source is, in units of ``total`` (records, or bytes of a file)
