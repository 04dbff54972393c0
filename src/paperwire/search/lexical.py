"""Keyword search with tantivy: BM25 over title (boosted) and abstract, English stemming, "phrases", the
last word as a prefix while it is being typed, and filters as index terms so they apply before ranking.
"""

from __future__ import annotations

import contextlib
import html
import math
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tantivy
from tantivy import Document, Filter, Occur, Query, TextAnalyzerBuilder, Tokenizer

from paperwire.search.authors import name_keys
from paperwire.search.filters import SearchFilters, category_paths, category_prefixes, to_day
from paperwire.search.query import ParsedQuery

ANALYZER = "en_paper"
TITLE_BOOST = 1.25  # measured: 2.0 lost 0.01-0.02 nDCG@10 on CISI and Cranfield (docs/benchmarks.md)
PREFIX_BOOST = 0.5  # a completion of the word being typed counts, but less than a whole-word match
PREFIX_EXPANSIONS = 50
SHORT_QUERY_TERMS = 4  # up to this many distinct words, a query is a short topic (titles_holding_all)
SNIPPET_CHARS = 300
WRITER_HEAP_BYTES = 128_000_000


@dataclass(frozen=True, slots=True)
class LexicalDoc:
    key: int  # a stable integer per paper id (a fast field: reading it for 100 hits is one call)
    id: str
    title: str
    abstract: str
    authors: str
    title_key: str
    categories: list[str]
    day: int
    has_code: bool
    author_keys: tuple[str, ...] = ()  # see authors.author_keys


def _analyzer(*, stopwords: bool) -> tantivy.TextAnalyzer:
    # tantivy's en_stem plus accent folding (café = cafe) and English stop words: they carry no meaning for BM25, and
    # dropping them keeps "the" and "of" from scanning most of a million posting lists.
    builder = (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(40))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
    )
    if stopwords:
        builder = builder.filter(Filter.stopword("english"))
    return builder.filter(Filter.stemmer("english")).build()


@cache
def _index_analyzer() -> tantivy.TextAnalyzer:
    return _analyzer(stopwords=True)


def index_terms(text: str) -> list[str]:
    """The words of ``text`` as the keyword index stores them (folded, stemmed, stop words dropped), in order:
    the recommender compares papers' words with these, so "models" and "modelling" are one word there too."""
    return list(_index_analyzer().analyze(text))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("key", indexed=True, fast=True)
    builder.add_text_field("id", tokenizer_name="raw")
    builder.add_text_field("title", tokenizer_name=ANALYZER)
    builder.add_text_field("abstract", tokenizer_name=ANALYZER)
    builder.add_text_field("authors", tokenizer_name="default")
    builder.add_text_field("author_key", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title_key", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("category", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("day", indexed=True, fast=True)
    builder.add_integer_field("has_code", indexed=True)
    return builder.build()


class LexicalIndex:
    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self.recreated = False  # an index of an older schema was found and dropped
        try:
            self.index = tantivy.Index(self.schema, path=str(path) if path else None, reuse=True)
        except ValueError:
            if path is None or not path.exists():
                raise
            # A keyword index written by an older paperwire (another schema): derived data, built again.
            shutil.rmtree(path)
            path.mkdir(parents=True)
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
            self.recreated = True
        self.index.register_tokenizer(ANALYZER, _analyzer(stopwords=True))
        self._stemmer = _analyzer(stopwords=True)
        self._plain = _analyzer(stopwords=False)
        self._writer: tantivy.IndexWriter | None = None

    # --- writing --------------------------------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold tantivy's writer for a batch of changes; committed on success, rolled back on error."""
        self._writer = self.index.writer(WRITER_HEAP_BYTES, 1)
        try:
            yield
            self._writer.commit()
            self._writer.wait_merging_threads()
        except BaseException:
            # A writer killed by an I/O error (a full disk) cannot roll back; dropping it releases it all
            # the same, and the error that killed it is the one worth reporting.
            with contextlib.suppress(Exception):
                self._writer.rollback()
            raise
        finally:
            self._writer = None
        self.index.reload()

    def delete(self, paper_ids: Sequence[str]) -> None:
        assert self._writer is not None, "call inside writing()"
        for paper_id in paper_ids:
            self._writer.delete_documents_by_term("id", paper_id)

    def add(self, docs: Sequence[LexicalDoc]) -> None:
        assert self._writer is not None, "call inside writing()"
        for d in docs:
            self._writer.add_document(
                Document(
                    key=d.key,
                    id=d.id,
                    title=d.title,
                    abstract=d.abstract,
                    authors=d.authors,
                    author_key=list(d.author_keys),
                    title_key=d.title_key,
                    category=category_paths(d.categories),
                    day=d.day,
                    has_code=int(d.has_code),
                )
            )

    def clear(self) -> None:
        assert self._writer is not None, "call inside writing()"
        self._writer.delete_all_documents()

    def reload(self) -> None:
        self.index.reload()

    @property
    def num_docs(self) -> int:
        return int(self.index.searcher().num_docs)

    # --- searching ------------------------------------------------------------------------------------

    def text_query(self, parsed: ParsedQuery) -> Query | None:
        """The query a user's words mean here; ``None`` when nothing is left (e.g. only stop words)."""
        clauses = [(Occur.Should, q) for q in self._word_queries(parsed)]
        constraints = self._constraints(parsed)
        if not clauses and not any(occur == Occur.Must for occur, _q in constraints):
            if not constraints:
                return None
            clauses = [(Occur.Must, Query.all_query())]
        return Query.boolean_query(clauses + constraints)

    def _word_queries(self, parsed: ParsedQuery) -> list[Query]:
        queries = []
        for term in dict.fromkeys(self._stemmer.analyze(parsed.words)):
            queries.append(Query.boost_query(Query.term_query(self.schema, "title", term), TITLE_BOOST))
            queries.append(Query.term_query(self.schema, "abstract", term))
        for term in dict.fromkeys(self._plain.analyze(parsed.words)) if _looks_like_names(parsed) else ():
            queries.append(Query.boost_query(Query.term_query(self.schema, "authors", term), 0.5))
        if parsed.prefix and parsed.words:
            for field in ("title", "abstract"):
                prefix = Query.phrase_prefix_query(self.schema, field, [parsed.prefix])
                queries.append(Query.boost_query(prefix, PREFIX_BOOST))
        return queries

    def _constraints(self, parsed: ParsedQuery) -> list[tuple[Occur, Query]]:
        """What must (or must not) hold: phrases, ti:, abs:, au:, id:, and exclusions."""
        clauses = [(Occur.Must, q) for q in self._phrase_queries(parsed.phrases)]
        for field, terms in (("title", parsed.title_terms), ("abstract", parsed.abstract_terms)):
            for term in terms:
                query = self._field_query(term.strip('"'), (field,))
                if query is not None:
                    clauses.append((Occur.Must, query))
        clauses += [(Occur.Must, self.author_query(name)) for name in parsed.authors]
        if parsed.ids:
            clauses.append((Occur.Must, Query.term_set_query(self.schema, "id", list(parsed.ids))))
        for excluded in parsed.excluded:
            query = self._field_query(excluded, ("title", "abstract"))
            if query is not None:
                clauses.append((Occur.MustNot, query))
        return clauses

    def _field_query(self, text: str, fields: Sequence[str]) -> Query | None:
        """Papers with ``text`` (one word or a phrase, stemming aside) in any of ``fields``."""
        words = self._positioned_terms(text)
        if not words:
            return None
        positioned: list[str | tuple[int, str]] = list(words)
        per_field = [
            Query.phrase_query(self.schema, field, positioned)
            if len(words) > 1
            else Query.term_query(self.schema, field, words[0][1])
            for field in fields
        ]
        return per_field[0] if len(per_field) == 1 else Query.boolean_query([(Occur.Should, q) for q in per_field])

    def author_query(self, name: str) -> Query:
        """Papers by an author of this name (``au:``): a bare surname matches every author with it."""
        keys = name_keys(name, surname_only=True)
        if keys:
            return Query.term_set_query(self.schema, "author_key", keys)
        # Not a name we can read (one letter, digits): the words of the author list, all of them.
        words = [(Occur.Must, Query.term_query(self.schema, "authors", w)) for w in self._plain.analyze(name)]
        return Query.boolean_query(words) if words else Query.term_query(self.schema, "author_key", "")

    def keys_by_author(self, keys: Sequence[str], filters: SearchFilters | None, limit: int) -> list[int]:
        """Papers with an author answering to one of ``keys`` (see ``authors.name_keys``)."""
        searcher = self.index.searcher()
        # Most queries of two to four words read as a name; asking the term dictionary first (~1 µs a key)
        # spares the search (~0.4 ms at 100k papers) when no paper has such an author. A key only deleted
        # papers hold still counts here, and the search then finds nothing, as it would have.
        known = [key for key in dict.fromkeys(keys) if searcher.doc_freq("author_key", key)]
        if not known:
            return []
        query = _filtered(Query.term_set_query(self.schema, "author_key", known), self.filter_queries(filters))
        return self._keys(query, limit, searcher)

    def constrained_keys(self, parsed: ParsedQuery, filters: SearchFilters | None, limit: int) -> set[int] | None:
        """Every paper (up to ``limit``) the query's constraints allow; ``None`` when it has none."""
        constraints = self._constraints(parsed)
        if not constraints:
            return None
        if not any(occur == Occur.Must for occur, _q in constraints):
            constraints = [(Occur.Must, Query.all_query()), *constraints]
        return set(self._keys(_filtered(Query.boolean_query(constraints), self.filter_queries(filters)), limit))

    def _keys(self, query: Query, limit: int, searcher: tantivy.Searcher | None = None) -> list[int]:
        searcher = searcher or self.index.searcher()
        hits = searcher.search(query, limit, count=False).hits
        addresses = [address for _score, address in hits]
        return [int(k) for k in searcher.fast_field_values("key", addresses) if k is not None] if addresses else []

    def _phrase_queries(self, phrases: Sequence[str]) -> list[Query]:
        return [q for q in (self._field_query(phrase, ("title", "abstract")) for phrase in phrases) if q is not None]

    def _positioned_terms(self, phrase: str) -> list[tuple[int, str]]:
        """Stemmed terms with their word positions: stop words leave gaps, as they do in the index."""
        terms = []
        for position, word in enumerate(self._plain_words(phrase)):
            stemmed = self._stemmer.analyze(word)
            if stemmed:
                terms.append((position, stemmed[0]))
        return terms

    def _plain_words(self, text: str) -> list[str]:
        return list(TextAnalyzerBuilder(Tokenizer.simple()).build().analyze(text))

    def titles_match(self, parsed: ParsedQuery, titles: Sequence[str]) -> list[bool]:
        """Whether each title holds any of the query's words (stemming aside); the query is analysed once."""
        text = " ".join([parsed.words, *parsed.phrases, *parsed.title_terms])
        terms = set(self._stemmer.analyze(text)) if text.strip() else set()
        if not terms:
            return [False] * len(titles)
        return [not terms.isdisjoint(self._stemmer.analyze(title)) for title in titles]

    def filter_queries(self, filters: SearchFilters | None) -> list[Query]:
        if filters is None or filters.is_empty:
            return []
        queries = []
        prefixes = category_prefixes(filters)
        if prefixes:
            queries.append(Query.term_set_query(self.schema, "category", prefixes))
        if filters.since is not None or filters.until is not None:
            since = to_day(filters.since) if filters.since else None
            until = to_day(filters.until) if filters.until else None
            queries.append(Query.range_query(self.schema, "day", tantivy.FieldType.Integer, since, until))
        if filters.has_code is not None:
            queries.append(Query.term_query(self.schema, "has_code", int(filters.has_code)))
        return queries

    def search(self, parsed: ParsedQuery, filters: SearchFilters | None, depth: int) -> list[int]:
        """Keys of the best ``depth`` papers, best first."""
        return [key for key, _score in self.search_scored(parsed, filters, depth)]

    def search_scored(self, parsed: ParsedQuery, filters: SearchFilters | None, depth: int) -> list[tuple[int, float]]:
        """(key, BM25 score) of the best ``depth`` papers, best first."""
        text = self.text_query(parsed)
        if text is None:
            return []
        query = _filtered(text, self.filter_queries(filters))
        return self._top_keys(query, depth)

    def field_scored(
        self, parsed: ParsedQuery, field: str, filters: SearchFilters | None, depth: int
    ) -> list[tuple[int, float]]:
        """(key, BM25 of the query's words in one field alone) of the best ``depth`` papers, under the same
        constraints and filters as ``search_scored``: one list per field for field-aware fusion."""
        text = " ".join(
            [parsed.words, *parsed.phrases, *(t.strip('"') for t in parsed.title_terms + parsed.abstract_terms)]
        )
        clauses = [
            (Occur.Should, Query.term_query(self.schema, field, t)) for t in dict.fromkeys(self._stemmer.analyze(text))
        ]
        if parsed.prefix and parsed.words:
            prefix = Query.phrase_prefix_query(self.schema, field, [parsed.prefix])
            clauses.append((Occur.Should, Query.boost_query(prefix, PREFIX_BOOST)))
        if not clauses:
            return []
        query = _filtered(Query.boolean_query(clauses + self._constraints(parsed)), self.filter_queries(filters))
        return self._top_keys(query, depth)

    def titles_holding_all(
        self, parsed: ParsedQuery, filters: SearchFilters | None, depth: int, max_terms: int = SHORT_QUERY_TERMS
    ) -> set[int]:
        """Keys of papers whose title holds every word of a short query (stemming aside), under the same
        constraints and filters. The match model is fitted on long, sentence-like questions (CISI, Cranfield);
        for a two-word topic such as "speculative decoding" a title that names it is direct evidence."""
        if parsed.long_text:
            return set()
        text = " ".join([parsed.words, *(t.strip('"') for t in parsed.title_terms)])  # ti:word asks for it too
        terms = list(dict.fromkeys(self._stemmer.analyze(text))) if text.strip() else []
        if not terms or len(terms) > max_terms:
            return set()
        clauses = [(Occur.Must, Query.term_query(self.schema, "title", t)) for t in terms]
        query = _filtered(Query.boolean_query(clauses + self._constraints(parsed)), self.filter_queries(filters))
        return {key for key, _score in self._top_keys(query, depth)}

    def _top_keys(self, query: Query, depth: int) -> list[tuple[int, float]]:
        """(key, BM25 score) of the best ``depth`` papers for ``query``, best first."""
        searcher = self.index.searcher()
        # No exact count: counting every match walks whole posting lists, which top-k search skips
        # (block-max WAND); at 1M papers a common word made the count the slowest part of a query.
        result = searcher.search(query, depth, count=False)
        addresses = [address for _score, address in result.hits]
        keys = searcher.fast_field_values("key", addresses) if addresses else []
        return [(int(k), float(s)) for k, (s, _a) in zip(keys, result.hits, strict=True) if k is not None]

    def idf_mass(self, parsed: ParsedQuery) -> float:
        """Sum of the idf of the query's distinct terms (a term found nowhere weighs most): what a paper's
        BM25 score is measured against, so a paper holding every rare word of the query covers most of it."""
        searcher = self.index.searcher()
        total = max(int(searcher.num_docs), 1)
        mass = 0.0
        text = " ".join([parsed.words, *parsed.phrases])
        for term in dict.fromkeys(self._stemmer.analyze(text)):
            found = max(searcher.doc_freq("title", term), searcher.doc_freq("abstract", term))
            mass += math.log(1.0 + (total - found + 0.5) / (found + 0.5))
        return mass

    def keys_with_title(self, title_key: str, filters: SearchFilters | None, limit: int = 5) -> list[int]:
        if not title_key:
            return []
        exact = Query.term_query(self.schema, "title_key", title_key)
        searcher = self.index.searcher()
        hits = searcher.search(_filtered(exact, self.filter_queries(filters)), limit, count=False).hits
        return [int(k) for k in searcher.fast_field_values("key", [a for _s, a in hits]) if k is not None]

    def snippets_html(self, parsed: ParsedQuery, texts: Sequence[str]) -> list[str]:
        """HTML-safe excerpts of ``texts`` with the words the query matched wrapped in ``<mark>``."""
        query = self.text_query(parsed)
        generator = None
        if query is not None:
            generator = tantivy.SnippetGenerator.create(self.index.searcher(), query, self.schema, "abstract")
            generator.set_max_num_chars(SNIPPET_CHARS)
        return [_snippet(generator, text) for text in texts]


def _snippet(generator: tantivy.SnippetGenerator | None, text: str) -> str:
    if generator is not None:
        snippet = generator.snippet_from_doc(Document(abstract=text))
        ranges = [(r.start, r.end) for r in snippet.highlighted()]
        if ranges:
            fragment = snippet.fragment()
            start = max(text.find(fragment), 0)
            head, tail = text[:start], text[start + len(fragment) :]
            return _edge(head) + mark_ranges(fragment, ranges) + _edge(tail)
    return html.escape(shorten(text, SNIPPET_CHARS))


def _edge(cut: str) -> str:
    """What stands for the text cut off a fragment: the cut itself when it is only punctuation, else "…"."""
    return html.escape(cut) if len(cut.strip(" .,;:!?()[]'\"")) == 0 else "…"


def _filtered(query: Query, filters: list[Query]) -> Query:
    if not filters:
        return query
    # Filters must match but add no score, so the ranking is the text query's alone.
    clauses = [(Occur.Must, query)] + [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
    return Query.boolean_query(clauses)


def _looks_like_names(parsed: ParsedQuery) -> bool:
    """Author matching only for short queries: "hinton" or "yann lecun", not a paragraph of prose."""
    return 0 < len(parsed.words.split()) <= 3


def mark_ranges(fragment: str, ranges: Sequence[tuple[int, int]]) -> str:
    """Escape ``fragment`` and wrap each (start, end) range in ``<mark>``; tantivy's ranges count UTF-8
    bytes, not characters, so the cutting happens on the encoded text."""
    raw = fragment.encode()
    out, last = [], 0
    for start, end in sorted(ranges):
        if start < last:
            continue
        out.append(html.escape(raw[last:start].decode(errors="replace")))
        out.append(f"<mark>{html.escape(raw[start:end].decode(errors='replace'))}</mark>")
        last = end
    out.append(html.escape(raw[last:].decode(errors="replace")))
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"
