"""Pure normalisation shared by every source: ids, text, authors, categories, dates and code links."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

# --- arXiv identifiers -----------------------------------------------------------------------------------

_NEW_ID = re.compile(r"(\d{4}\.\d{4,5})(?:v(\d+))?", re.ASCII)
_OLD_ID = re.compile(r"([a-z][a-z.\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?", re.ASCII | re.IGNORECASE)
_ID_PREFIXES = re.compile(
    r"^(?:https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/|oai:arxiv\.org:|arxiv:)", re.IGNORECASE
)


def split_arxiv_id(raw: str) -> tuple[str, int | None]:
    """``'http://arxiv.org/abs/2104.12255v1'`` -> ``('2104.12255', 1)``; non-arXiv ids pass through.

    Old-style ids keep their archive (``hep-th/9901001``); a subject class (``math.GT/0309136``) is
    dropped because arXiv treats ``math/0309136`` as the same paper.
    """
    text = raw.strip()
    stripped = _ID_PREFIXES.sub("", text)
    if stripped.endswith(".pdf"):
        stripped = stripped[:-4]
    if m := _NEW_ID.fullmatch(stripped):
        return m.group(1), parse_version(m.group(2))
    if m := _OLD_ID.fullmatch(stripped):
        archive, number = m.group(1).split("/")
        return f"{archive.split('.')[0].lower()}/{number}", parse_version(m.group(2))
    return text, None


MAX_VERSION = 9999  # arXiv papers have a handful of versions; anything longer is garbage, not a version


def parse_version(digits: str | None) -> int | None:
    """``'3'`` -> ``3``; a missing, zero or absurd version (``v0``, ``v99999999999``) -> ``None``.

    Bounded so that a 5000-digit "version" neither trips ``int()``'s digit limit nor overflows a column.
    """
    if not digits or len(digits) > len(str(MAX_VERSION)) or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    return number if 1 <= number <= MAX_VERSION else None


def is_arxiv_id(paper_id: str) -> bool:
    return bool(_NEW_ID.fullmatch(paper_id) or _OLD_ID.fullmatch(paper_id))


# --- text ------------------------------------------------------------------------------------------------

# Only real HTML tag names are stripped: abstracts are full of "a<b" and "$x>y$" that a generic
# "<...>" pattern would eat.
_HTML_TAG = re.compile(
    r"</?(?:p|br|a|div|span|em|i|b|u|strong|sub|sup|ul|ol|li|code|pre|h[1-6]|img|font|tt|blockquote|"
    r"small|big|hr|table|tr|td|th|tbody|thead|dl|dt|dd|abbr|cite|q|s|strike|del|ins)(?:\s[^<>$]*)?/?>",
    re.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")
# Characters no database column should hold: NUL and the other C0/DEL controls that are not whitespace
# (PostgreSQL refuses NUL outright) and lone surrogates (from JSON "\ud800" escapes; not encodable as UTF-8).
_UNSAFE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\ud800-\udfff]")
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


def safe_text(text: str) -> str:
    """``text`` without NUL/control characters and with lone surrogates replaced by U+FFFD."""
    if not _UNSAFE.search(text):  # the usual case: one scan, no copy
        return text
    return _UNSAFE.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", text)


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
