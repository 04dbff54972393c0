"""Hybrid search: tantivy BM25 + MiniLM vectors in faiss, fused by reciprocal rank fusion.

Use ``SearchService(settings, db)``: ``catch_up()`` / ``rebuild()`` keep the derived index in step with
the database, ``search()`` answers queries, ``similar()`` finds neighbours, ``embed_query()`` gives a
query vector (digest personalisation).

Each hit carries ``match`` (the calibrated chance, 0..1, that it is relevant to the query) and ``matched``
(``match >= MATCH_THRESHOLD``); ``SearchResults.matches`` counts the matched hits, which come first.
"""

from paperwire.search.authors import author_keys
from paperwire.search.calibration import MATCH_THRESHOLD, match_probability
from paperwire.search.filters import SearchFilters
from paperwire.search.lexical import index_terms
from paperwire.search.query import QueryError
from paperwire.search.results import CatchUpReport, Coverage, IndexStatus, SearchHit, SearchResults
from paperwire.search.service import SearchService
from paperwire.search.storage import IndexWriteError

__all__ = [
    "MATCH_THRESHOLD",
    "CatchUpReport",
    "Coverage",
    "IndexStatus",
    "IndexWriteError",
    "QueryError",
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "SearchService",
    "author_keys",
    "index_terms",
    "match_probability",
]
