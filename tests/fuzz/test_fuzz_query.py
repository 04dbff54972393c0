"""Property tests for search input: the query parser raises nothing but ``QueryError`` for any string, and a
whole search (keyword index, embedder, vector index, filters, sorting, the database) answers any query,
filter, sort and page with results or a ``QueryError`` -- never another exception.

The search runs on a real, small index (SQLite, tantivy, the ONNX embedder, faiss), built once per module.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from paperwire.config import Settings
from paperwire.core.ids import is_arxiv_id
from paperwire.core.records import PaperRecord
from paperwire.db import papers
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest.normalize import make_record
from paperwire.search import QueryError, SearchFilters, SearchService
from paperwire.search.embedder import OnnxMiniLM
from paperwire.search.query import MAX_QUERY_CHARS, ParsedQuery, parse_query

FUZZ = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SEARCHES = settings(FUZZ, max_examples=600)

# Pieces a user (or a bot) might type: query syntax of other engines, quotes, ids, URLs, odd unicode.
TOKENS = [
    '"',
    '""',
    '" "',
    "'",
    "*",
    "?",
    ":",
    "title:diffusion",
    "AND",
    "OR",
    "NOT",
    "-",
    "+",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "^2",
    "~",
    "\\",
    "/",
    "%",
    "_",
    "$x^2$",
    "diffusion",
    "graph",
    "neural",
    "attention is all you need",
    "cs.LG",
    "2601.00001",
    "2601.00001v2",
    "arXiv:2601.00003",
    "https://arxiv.org/abs/2601.00002v1",
    "hep-th/9901001",
    "\x00",
    "\ud800",
    "\ufeff",
    "\u202e",
    "\u3000",
    "ﬁ",
    "Schölkopf",
    "e\u0301",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "你好",
    "١٢٣",
    "\n",
    "\t",
    "0",
    "9" * 30,
]

queries = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8).map(" ".join),
    st.lists(st.sampled_from(TOKENS) | st.text(max_size=5), min_size=1, max_size=8).map("".join),
    st.sampled_from(["a" * MAX_QUERY_CHARS, "a" * (MAX_QUERY_CHARS + 1), "ab " * 400, "x" * 5000]),
)


def check_query_error(exc: QueryError) -> None:
    message = str(exc)
    assert message.strip(), "QueryError without a message"
    assert "\n" not in message, f"QueryError message {message!r}"


@FUZZ
@given(queries)
@example("")
@example('"')
@example('"unclosed phrase')
@example("\ud800")
@example("a" * (MAX_QUERY_CHARS + 1))
def test_parse_query_returns_a_query_or_a_query_error(raw: str) -> None:
    try:
        parsed = parse_query(raw)
    except QueryError as exc:
        check_query_error(exc)
        event("QueryError")
        return
    event("parsed")
    assert isinstance(parsed, ParsedQuery)
    assert isinstance(parsed.text, str)
    assert parsed.text
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert isinstance(parsed.words, str)
    assert '"' not in parsed.text
    assert all(isinstance(phrase, str) and phrase == phrase.strip() and phrase for phrase in parsed.phrases)
    assert parsed.prefix is None or (isinstance(parsed.prefix, str) and len(parsed.prefix) >= 2)
    assert parsed.paper_id is None or is_arxiv_id(parsed.paper_id)
    assert isinstance(parsed.title_key, str)


# --- a whole search --------------------------------------------------------------------------------------

PAPERS = [
    ("2601.00001", "Denoising diffusion models for image synthesis", "cs.CV cs.LG", "https://github.com/a/diffusion"),
    ("2601.00002", "Graph neural networks for molecule property prediction", "cs.LG q-bio.BM", None),
    ("2601.00003", "Attention is all you need", "cs.CL cs.LG", "https://github.com/b/transformer"),
    ("2601.00004", "Schölkopf's kernels: ﬁnite samples, 你好 and $x^2$", "stat.ML", None),
    ("hep-th/9901001", "Strings on the brane", "hep-th", None),
]


def _record(paper_id: str, title: str, categories: str, code: str | None, day: int) -> PaperRecord:
    built = make_record(
        raw_id=paper_id,
        title=title,
        abstract=f"{title}. We study {title.lower()} with experiments and proofs.",
        source="test",
        authors=["Ada Lovelace", "Alan Turing"],
        categories=categories,
        announced=date(2026, 1, day),
        submitted=datetime(2026, 1, day, 10),
        code_links=[code] if code else [],
    )
    assert isinstance(built, PaperRecord)
    return built


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchService]:
    home = tmp_path_factory.mktemp("search-fuzz")
    db = Database(f"sqlite:///{home / 'paperwire.db'}")
    upgrade(db)
    with db.write() as conn:
        records = [_record(*row, day=day) for day, row in enumerate(PAPERS, start=1)]
        papers.upsert_papers(conn, records, now=datetime(2026, 2, 1))
    service = SearchService(
        Settings(home=home / "home", search_hnsw_threshold=50_000),
        db,
        embedder=OnnxMiniLM(max_tokens=128, batch_size=8),
    )
    service.catch_up()
    yield service
    db.dispose()


def test_the_fuzzed_index_finds_its_papers(search: SearchService) -> None:
    """The index under the property test is not empty: a plain query finds the paper it names."""
    assert [hit.id for hit in search.search("diffusion image synthesis").hits][:1] == ["2601.00001"]
    assert [hit.id for hit in search.search("hep-th/9901001").hits][:1] == ["hep-th/9901001"]


filters = st.builds(
    SearchFilters,
    categories=st.lists(
        st.sampled_from(["cs.LG", "cs.*", "cs", "hep-th", "q-bio.BM", "*", "", "%", "cs.LG'--"]) | st.text(max_size=8),
        max_size=2,
    ),
    since=st.none() | st.dates(),
    until=st.none() | st.dates(),
    has_code=st.none() | st.booleans(),
)


@SEARCHES
@given(
    query=queries,
    filters=st.none() | filters,
    # Mostly valid pages and sorts, so that most examples reach the index; sometimes out of range.
    sort=st.sampled_from(["relevance", "relevance", "date", "trending", "nonsense"]),
    limit=st.sampled_from([1, 3, 20, 20, 20, 1000, 0, 1001]),
    offset=st.sampled_from([0, 0, 0, 2, 10_000, 10_001, -1]),
)
@example(query="\ud800", filters=None, sort="relevance", limit=5, offset=0)
@example(query="\x00diffusion", filters=None, sort="relevance", limit=5, offset=0)
@example(query='"graph neural"', filters=SearchFilters(categories=["cs.*"]), sort="date", limit=5, offset=0)
@example(query="neural", filters=SearchFilters(since=date.max, until=date.min), sort="relevance", limit=5, offset=0)
@example(query="neural", filters=None, sort="trending", limit=20, offset=10_000)
def test_search_answers_or_raises_a_query_error(
    search: SearchService, query: str, filters: SearchFilters | None, sort: str, limit: int, offset: int
) -> None:
    scores = {"2601.00002": 3.0, "2601.00003": float("nan")} if sort == "trending" else None
    try:
        results = search.search(query, filters, limit=limit, offset=offset, sort=sort, sort_scores=scores)
    except QueryError as exc:
        check_query_error(exc)
        event("QueryError")
        return
    event("results" if results.hits else "no results")
    assert 0 <= len(results.hits) <= limit
    assert results.total >= len(results.hits)
    assert len({hit.id for hit in results.hits}) == len(results.hits), "a paper twice on one page"
    known = {row[0] for row in PAPERS}
    for hit in results.hits:
        assert hit.id in known
        assert isinstance(hit.title, str)
        assert hit.title
        assert math.isfinite(hit.score)
