"""Pure normalisation shared by every source: text, authors, categories, dates, code links, and `make_record`
(which builds a `PaperRecord` from any source's raw fields). arXiv ids are in `paperwire.core.ids`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from paperwire.core.ids import MAX_VERSION, split_arxiv_id
from paperwire.core.records import PaperRecord, Parsed, RecordError, Signal, Version
from paperwire.core.text import safe_text

# --- text ------------------------------------------------------------------------------------------------

# Only real HTML tag names are stripped: abstracts are full of "a<b" and "$x>y$" that a generic
# "<...>" pattern would eat.
_HTML_TAG = re.compile(
    r"</?(?:p|br|a|div|span|em|i|b|u|strong|sub|sup|ul|ol|li|code|pre|h[1-6]|img|font|tt|blockquote|"
    r"small|big|hr|table|tr|td|th|tbody|thead|dl|dt|dd|abbr|cite|q|s|strike|del|ins)(?:\s[^<>$]*)?/?>",
    re.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")
# Split on inline/display math so text escapes are only undone outside it.
_MATH = re.compile(r"(\$\$.+?\$\$|(?<!\\)\$.+?(?<!\\)\$)", re.DOTALL)
_TEXT_ESCAPES = re.compile(r"\\([&%_#$])")

_COMBINING = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "k": "\u0328",
}
_ACCENT = re.compile(r"""\{?\\([`'^"~=.]|[cvuHk](?=[\s{]))\s*\{?\s*(\\?[A-Za-z])\}?\}?""")
_SPECIAL_LETTERS = {
    r"{\ss}": "ß",
    r"\ss{}": "ß",
    r"{\o}": "ø",
    r"{\O}": "Ø",
    r"{\aa}": "å",
    r"{\AA}": "Å",
    r"{\ae}": "æ",
    r"{\AE}": "Æ",
    r"{\l}": "ł",
    r"{\L}": "Ł",
    r"{\i}": "ı",
}


def _accent(match: re.Match[str]) -> str:
    mark, letter = match.group(1), match.group(2)
    base = "i" if letter == r"\i" else letter.lstrip("\\")
    return unicodedata.normalize("NFC", base + _COMBINING[mark])


def latex_accents_to_unicode(text: str) -> str:
    """``Sch\\"olkopf`` -> ``Schölkopf``: readable names and titles, math left alone."""
    if "\\" not in text:
        return text
    for latex, letter in _SPECIAL_LETTERS.items():
        text = text.replace(latex, letter)
    return _ACCENT.sub(_accent, text)


def _unescape_outside_math(text: str) -> str:
    parts = _MATH.split(text)
    # Odd indexes are math segments (the split keeps the captured delimiters).
    return "".join(
        part if i % 2 else latex_accents_to_unicode(_TEXT_ESCAPES.sub(r"\1", part)) for i, part in enumerate(parts)
    )


def clean_text(text: str | None) -> str:
    """Collapse whitespace, drop HTML tags and entities, undo LaTeX text escapes (``\\&``), keep math.

    The result is always storable: no NUL or control characters, no lone surrogates (see ``safe_text``).
    """
    if not text:
        return ""
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)  # may produce NUL or a surrogate ("&#0;", "&#xD800;"), so before safe_text
    text = safe_text(text)
    text = _WHITESPACE.sub(" ", text).strip()
    if "\\" in text:
        text = _unescape_outside_math(text)
    return text


# --- authors ---------------------------------------------------------------------------------------------

_PARENS = re.compile(r"\([^()]*\)")
_AND = re.compile(r"\s*(?:,\s*and\s+|\band\b|&|;|,)\s*")


_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)


def invert_name(name: str) -> str:
    """``'Baillie, Robert'`` -> ``'Robert Baillie'``; ``'Finger, Jr., M.'`` -> ``'M. Finger Jr.'``.

    OAI Dublin Core writes creators surname first; a generational suffix may sit between the two.
    """
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 3 and _SUFFIX.match(parts[1]) and parts[0] and parts[2]:
        return f"{parts[2]} {parts[0]} {parts[1]}"
    if len(parts) == 2 and all(parts) and not _SUFFIX.match(parts[1]):
        return f"{parts[1]} {parts[0]}"
    return name


def _strip_affiliations(text: str) -> str:
    previous = None
    while previous != text:  # nested parentheses: peel from the inside out
        previous, text = text, _PARENS.sub("", text)
    return text


def parse_authors(authors: Iterable[str] | str | None) -> list[str]:
    """An ordered list of clean names from a list, or from arXiv's ``'A, B (MIT) and C'`` string."""
    if not authors:
        return []
    if isinstance(authors, str):
        candidates = _AND.split(_strip_affiliations(clean_text(authors)))
    else:
        candidates = [_strip_affiliations(clean_text(a)) for a in authors]
    names: list[str] = []
    for candidate in candidates:
        name = _WHITESPACE.sub(" ", candidate).strip(" ,.;")
        if name and name.lower() not in {"et al", "others"}:
            names.append(name)
    return names


# --- categories ------------------------------------------------------------------------------------------


MAX_CATEGORY_CHARS = 32  # the longest real one (e.g. "cond-mat.mtrl-sci") is half that; the column holds 32


def parse_categories(categories: Iterable[str] | str | None, *, primary: str | None = None) -> list[str]:
    """A de-duplicated list with the primary category first (space- or comma-separated strings accepted).

    Items that cannot be categories (not text, longer than ``MAX_CATEGORY_CHARS``) are dropped.
    """
    if isinstance(categories, str):
        items: list[object] = list(re.split(r"[\s,]+", categories))
    else:
        items = list(categories or [])
    if primary:
        items.insert(0, primary)
    seen: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str):
            continue
        text = safe_text(item).strip()
        if text and len(text) <= MAX_CATEGORY_CHARS:
            seen.setdefault(text, None)
    return list(seen)


# --- dates -----------------------------------------------------------------------------------------------


def _to_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_datetime(value: datetime | date | str | None) -> datetime | None:
    """ISO 8601 (with ``Z``), RFC 2822 or a bare date -> naive UTC datetime; garbage -> ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _to_naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = value.strip()
    # OverflowError: a valid date at the edge of the calendar whose UTC conversion leaves it
    # ("0001-01-01T00:00:00+01:00").
    try:
        return _to_naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        pass
    try:
        return _to_naive_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_date(value: date | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = parse_datetime(value)
    return parsed.date() if parsed else None


# --- code links ------------------------------------------------------------------------------------------

_CODE_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)/"
    r"([A-Za-z0-9_.\-]+)/([A-Za-z0-9_.\-]+)",
    re.IGNORECASE,
)
_NOT_REPOS = {"orgs", "sponsors", "topics", "features", "about", "site", "settings", "marketplace"}


_CODE_HOSTS = ("github", "gitlab", "bitbucket", "codeberg")


def extract_code_links(*texts: str) -> list[str]:
    """Canonical ``https://host/owner/repo`` links found in any of ``texts``, first occurrence first.

    Hosts and repository names are case-insensitive, so ``acme/MoE`` and ``acme/moe`` are one link (the
    first spelling wins).
    """
    links: dict[str, str] = {}
    for text in texts:
        # Cheap pre-check: most abstracts name no code host, and the regex is a third of parse time.
        if not text or not any(host in text.lower() for host in _CODE_HOSTS):
            continue
        for host, owner, repo in _CODE_URL.findall(text):
            repo = repo.rstrip(".")
            repo = repo.removesuffix(".git")
            if not repo or owner.lower() in _NOT_REPOS:
                continue
            link = f"https://{host.lower()}/{owner}/{repo}"
            links.setdefault(link.lower(), link)
    return list(links.values())


# --- records ---------------------------------------------------------------------------------------------

MAX_ID_CHARS = 64  # papers.id is String(64); arXiv ids are at most 16 characters
MAX_SIZE_CHARS = 32  # paper_versions.size is String(32)


def _usable_versions(versions: Iterable[Version]) -> tuple[Version, ...]:
    """Versions sorted by number; impossible numbers (0, negative, absurdly large) are dropped, and a size
    that does not fit its column (32 characters) is forgotten."""
    usable = []
    for v in versions:
        if not 1 <= v.number <= MAX_VERSION:
            continue
        size = clean_text(v.size) or None
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
    paper_id, id_version = split_arxiv_id(raw_id or "")
    if not paper_id:
        return RecordError(raw_id or None, "missing id")
    if len(paper_id) > MAX_ID_CHARS or safe_text(paper_id) != paper_id:
        shown = safe_text(paper_id)[:MAX_ID_CHARS] or None
        return RecordError(shown, f"not a usable id (control characters, or more than {MAX_ID_CHARS} characters)")
    versions = _usable_versions(versions)
    if version is not None and not 1 <= version <= MAX_VERSION:
        version = None
    version = version or id_version or (versions[-1].number if versions else None)
    clean_title = clean_text(title)
    clean_abstract = clean_text(abstract)
    if not deleted and not clean_title:
        return RecordError(paper_id, "missing title")
    clean_comments = clean_text(comments) or None
    author_list = parse_authors(authors)
    category_list = parse_categories(categories, primary=primary_category)
    submitted_at = parse_datetime(submitted)
    updated_at = parse_datetime(updated)
    if versions and versions[0].submitted:
        submitted_at = submitted_at or versions[0].submitted
        updated_at = updated_at or versions[-1].submitted
    # The source's own code field is the most trustworthy, so it comes first.
    links = extract_code_links(*code_links, clean_abstract, clean_comments or "")
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
        announced=parse_date(announced),
        doi=clean_text(doi) or None,
        journal_ref=clean_text(journal_ref) or None,
        comments=clean_comments,
        license=clean_text(license) or None,
        code_links=tuple(links),
        versions=versions,
        ai_summary=clean_text(ai_summary) or None,
        ai_keywords=tuple(k for k in (clean_text(k) for k in ai_keywords) if k),
        deleted=deleted,
        signals=tuple(signals),
    )
