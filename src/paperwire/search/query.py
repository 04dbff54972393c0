"""What a user typed, checked and split into parts: words, "quoted phrases", a last word still being typed,
and whether the whole query names one paper (an arXiv id or URL). Pure: no index is touched here.

The syntax is deliberately small (no field:value, no boolean operators), so every character a user can
type is safe: ``:``, ``*``, ``(``, LaTeX and unicode are ordinary text; the one syntax error is an
unclosed quote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from paperwire.core.ids import is_arxiv_id, split_arxiv_id
from paperwire.core.text import safe_text

MAX_QUERY_CHARS = 1000
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+")
_NON_WORD = re.compile(r"[\W_]+")


class QueryError(ValueError):
    """A query that cannot be run; the message is one line to show the user."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str  # the query with quotes removed: what the semantic side embeds
    words: str  # text outside quotes, for the keyword side
    phrases: tuple[str, ...]  # each quoted phrase, as typed
    prefix: str | None  # the last word when the query does not end after it (search-as-you-type)
    paper_id: str | None  # the paper the query names (arXiv id, versioned id or arxiv.org URL)
    title_key: str  # normalised query, compared with normalised titles for an exact-title pin


def parse_query(raw: str) -> ParsedQuery:
    # A lone surrogate (what a command-line argument that is not UTF-8 decodes to) cannot reach the keyword
    # index or the tokenizer, which both need UTF-8; NUL and other control characters mean nothing here.
    raw = safe_text(raw) if isinstance(raw, str) else raw
    query = _check(raw)
    phrases = tuple(p.strip() for p in _PHRASE.findall(query) if p.strip())
    words = _PHRASE.sub(" ", query)
    return ParsedQuery(
        text=" ".join(query.replace('"', " ").split()),
        words=" ".join(words.split()),
        phrases=phrases,
        prefix=_last_word_prefix(raw),  # unstripped: a trailing space means the word is finished
        paper_id=named_paper_id(query),
        title_key=title_key(query.replace('"', " ")),
    )


def _check(raw: str) -> str:
    query = raw.strip() if isinstance(raw, str) else ""
    if not query:
        raise QueryError("empty query: type a few words, an arXiv id or a paper title")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(query):,} characters; at most {MAX_QUERY_CHARS:,})")
    if query.count('"') % 2:
        raise QueryError('unclosed quote: a "phrase" needs a closing " (or remove the quote)')
    if not _WORD.search(query):
        raise QueryError("the query has no words or numbers to search for")
    return query


def _last_word_prefix(query: str) -> str | None:
    """The word being typed: the last word when nothing but it ends the query (no space, no quote)."""
    if query.endswith('"') or not query[-1].isalnum():
        return None
    words = _WORD.findall(query)
    last = words[-1].lower() if words else ""
    return last if len(last) >= 2 and not last.isdigit() else None


def named_paper_id(query: str) -> str | None:
    """``2401.00001``, ``2401.00001v3``, ``arXiv:2401.00001``, ``hep-th/9901001`` or an arxiv.org URL."""
    candidate = query.strip().strip('"').strip()
    if not candidate or " " in candidate:
        return None
    paper_id, _version = split_arxiv_id(candidate)
    return paper_id if is_arxiv_id(paper_id) else None


def title_key(text: str) -> str:
    """Case, accents, punctuation and spacing ignored: "Attention Is All You Need!" == "attention is all you need"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain).split())
