"""What a user typed, split into parts: plain words, "quoted phrases", arXiv-style field operators (``au:``,
``ti:``, ``abs:``, ``cat:``, ``id:``), exclusions (``-word``, ``-"a phrase"``), the last word still being typed,
and whether the whole query names one paper (an arXiv id or URL). Pure: no index is touched here.

The parser forgives: every non-empty query is searched. An unmatched quote, an operator with nothing after it
or LaTeX are taken as ordinary text, and ``notes`` says so in a short sentence for the page. Text past
``MAX_QUERY_CHARS`` is cut (with a note), never refused; a long text (a pasted abstract) is searched as
"papers like this text". The one query refused is the empty one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from paperwire.core.ids import is_arxiv_id, split_arxiv_id
from paperwire.core.text import safe_text

MAX_QUERY_CHARS = 5000  # one limit for the CLI, the API and the page: a long abstract fits
LONG_QUERY_WORDS = 40  # more words than this is a pasted text, searched as "papers like this text"
OPERATORS = ("au", "ti", "abs", "cat", "id")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "″": '"'})
_OPERATOR = re.compile(r"([A-Za-z]+):")
_WORD = re.compile(r"\w+")
_NON_WORD = re.compile(r"[\W_]+")
_LATEX = re.compile(r"\$[^$]+\$|\\[A-Za-z]+|\\[\\{}]")


class QueryError(ValueError):
    """A query that cannot be run; the message is one line to show the user."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    text: str  # the words, phrases and ti:/abs: text, quotes removed: what the semantic side embeds
    words: str  # plain words (outside quotes and operators), for the keyword side
    phrases: tuple[str, ...]  # each quoted phrase, as typed: papers must contain it
    prefix: str | None  # the last word when the query does not end after it (search-as-you-type)
    paper_id: str | None  # the paper the query names (arXiv id, versioned id or arxiv.org URL)
    title_key: str  # normalised query, compared with normalised titles for an exact-title pin
    authors: tuple[str, ...] = ()  # au: names (papers must have such an author)
    title_terms: tuple[str, ...] = ()  # ti: words or phrases (papers must have them in the title)
    abstract_terms: tuple[str, ...] = ()  # abs: words or phrases
    categories: tuple[str, ...] = ()  # cat: patterns (any one of them), added to the filters
    ids: tuple[str, ...] = ()  # id: papers (any one of them)
    excluded: tuple[str, ...] = ()  # -word / -"phrase": papers containing them are left out
    notes: tuple[str, ...] = ()  # what the parser took differently from what was typed, one sentence each
    raw: str = ""  # the query as searched (after the length cut)
    long_text: bool = False  # a pasted text: searched as "papers like this text"
    name_query: str | None = field(default=None)  # the whole query, when it could be a person's name

    @property
    def has_constraints(self) -> bool:
        """Whether some part of the query must hold for a paper to be listed at all."""
        return bool(
            self.phrases or self.authors or self.title_terms or self.abstract_terms or self.ids or self.excluded
        )


def parse_query(raw: str) -> ParsedQuery:
    # A lone surrogate (what a command-line argument that is not UTF-8 decodes to) cannot reach the keyword
    # index or the tokenizer, which both need UTF-8; NUL and other control characters mean nothing here.
    raw = safe_text(raw) if isinstance(raw, str) else ""
    query = " ".join(raw.split())
    if not query:
        raise QueryError("empty query: type a few words, an arXiv id or a paper title")
    notes: list[str] = []
    if len(query) > MAX_QUERY_CHARS:
        query = _cut(query)
        notes.append(f"Only the first {MAX_QUERY_CHARS:,} characters were searched.")
    query = query.translate(_QUOTES)
    return _parse(query, raw, notes)


def _cut(query: str) -> str:
    cut = query[:MAX_QUERY_CHARS]
    return cut.rsplit(" ", 1)[0] if " " in cut[MAX_QUERY_CHARS // 2 :] else cut


def _parse(query: str, raw: str, notes: list[str]) -> ParsedQuery:
    literal = query
    if query.count('"') % 2:
        notes.append('The unmatched quote (") was searched as an ordinary character.')
        last = query.rfind('"')
        literal = query[:last] + " " + query[last + 1 :]
    if _LATEX.search(literal):
        notes.append("LaTeX was searched as plain text.")
    parts = _Parts()
    if len(literal.split()) > LONG_QUERY_WORDS:
        # A pasted text (an abstract): its quotes, dashes and colons are punctuation, not query syntax.
        parts.words = literal.replace('"', " ").split()
    else:
        for token in _tokens(literal):
            parts.take(token, notes)
    if not parts.has_positive() and parts.excluded:
        notes.append("A query of only exclusions was searched as ordinary words.")
        parts = _Parts(words=literal.replace('"', " ").split())
    words = " ".join(parts.words)
    phrases = tuple(parts.phrases)
    text = " ".join([*phrases, words, *parts.title_terms, *parts.abstract_terms]).replace('"', " ")
    text = " ".join(text.split())
    plain = not (parts.authors or parts.title_terms or parts.abstract_terms or parts.categories or parts.ids)
    plain = plain and not phrases and not parts.excluded
    long_text = len(text.split()) > LONG_QUERY_WORDS
    return ParsedQuery(
        text=text,
        words=words,
        phrases=phrases,
        prefix=_last_word_prefix(raw) if plain and not long_text else None,
        paper_id=named_paper_id(query) or (parts.ids[0] if len(parts.ids) == 1 and not text else None),
        title_key=title_key(query.replace('"', " ")) if plain else "",
        authors=tuple(parts.authors),
        title_terms=tuple(parts.title_terms),
        abstract_terms=tuple(parts.abstract_terms),
        categories=tuple(parts.categories),
        ids=tuple(parts.ids),
        excluded=tuple(parts.excluded),
        notes=tuple(dict.fromkeys(notes)),
        raw=query,
        long_text=long_text,
        name_query=words if plain and 2 <= len(words.split()) <= 5 else None,
    )


@dataclass
class _Parts:
    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    title_terms: list[str] = field(default_factory=list)
    abstract_terms: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def has_positive(self) -> bool:
        return bool(
            self.words
            or self.phrases
            or self.authors
            or self.title_terms
            or self.abstract_terms
            or self.categories
            or self.ids
        )

    def take(self, token: _Token, notes: list[str]) -> None:
        value = " ".join(token.value.split())
        if token.operator and not value:
            notes.append(f"{token.operator}: with nothing after it was searched as an ordinary word.")
            self.words.append(token.operator)
        elif token.negative and not token.operator and not (_WORD.search(value) and value[0] != "-"):
            self.words.append("-" + value)  # a lone "-" or "--x": text
        elif token.negative:
            self.excluded.append(value)
        elif token.operator:
            self._operator(token.operator, value, token.quoted, notes)
        elif token.quoted:
            if _WORD.search(value):
                self.phrases.append(value)
        else:
            self.words.append(value)

    def _operator(self, operator: str, value: str, quoted: bool, notes: list[str]) -> None:
        if operator == "au":
            self.authors.append(value.replace("_", " "))
        elif operator == "ti":
            self.title_terms.append(f'"{value}"' if quoted else value)
        elif operator == "abs":
            self.abstract_terms.append(f'"{value}"' if quoted else value)
        elif operator == "cat":
            self.categories.append(value)
        else:
            paper_id, _version = split_arxiv_id(value)
            if is_arxiv_id(paper_id):
                self.ids.append(paper_id)
            else:
                notes.append(f"id:{value} is not an arXiv id; it was searched as words.")
                self.words.append(value)


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    negative: bool = False
    operator: str = ""  # one of OPERATORS, lower-cased
    quoted: bool = False


def _tokens(text: str) -> list[_Token]:
    """Split on spaces and quotes, every character in some token; quotes are balanced here."""
    tokens, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negative = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        j = i + 1 if negative else i
        operator = ""
        found = _OPERATOR.match(text, j)
        if found and found.group(1).lower() in OPERATORS:
            operator, j = found.group(1).lower(), found.end()
        if j < n and text[j] == '"':
            end = text.find('"', j + 1)
            end = n if end < 0 else end
            tokens.append(_Token(text[j + 1 : end], negative, operator, quoted=True))
            i = end + 1
            continue
        end = j
        while end < n and not text[end].isspace() and text[end] != '"':
            end += 1
        tokens.append(_Token(text[j:end], negative, operator))
        i = end if end > i else i + 1
    return tokens


def _last_word_prefix(query: str) -> str | None:
    """The word being typed: the last word when nothing but it ends the query (no space, no quote)."""
    if not query or query.endswith('"') or not query[-1].isalnum():
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
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def fold(text: str) -> str:
    """Case and diacritics folded: "Schölkopf" -> "scholkopf"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
