"""What the search service needs of the database and of the settings, as two small interfaces.

The SQLAlchemy-backed store (``db.embeddings.SqlPaperStore``) implements ``PaperStore``; the light command
path (``cli/light.py``) passes ``db.lite.SearchReads``, the standard library's ``sqlite3`` asking the same
questions of a SQLite file. A cold ``paperwire search`` then never imports SQLAlchemy or pydantic (~0.4 s of
its start-up, issue 16). Both return the same rows (``db/rows.py``) converted the same way
(``tests/cli/test_light_cli.py`` compares them).

A catch-up writes (the transformer's vectors go to the database), so it needs a ``PaperStore``; answering a
query on a current index needs ``PaperReads`` alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from paperwire.db.rows import ChangedPaper, NewEmbedding, PaperText


class PaperReads(Protocol):
    """What a search reads: how far the papers' changes go, and the rows of the papers it shows."""

    def max_seq(self) -> int:
        """The newest change sequence of any paper (0 for none)."""
        ...

    def count_changed_since(self, since: int) -> int: ...

    def live_papers_by_id(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Display fields of the given papers that exist and are not deleted."""
        ...


@runtime_checkable
class PaperStore(PaperReads, Protocol):
    """What keeping the index caught up reads and writes as well."""

    def changed_since(self, since: int, *, model: str, limit: int) -> list[ChangedPaper]: ...

    def texts_for_embedding(self, ids: Sequence[str], *, model: str) -> list[PaperText]: ...

    def save_embeddings(self, rows: Sequence[NewEmbedding], *, model: str, dim: int) -> None: ...


class SearchSettings(Protocol):
    """The settings the search service reads (``paperwire.config.Settings`` has them all)."""

    @property
    def home(self) -> Path: ...
    @property
    def search_embedder(self) -> str: ...
    @property
    def search_max_tokens(self) -> int: ...
    @property
    def search_embed_batch_size(self) -> int: ...
    @property
    def search_hnsw_threshold(self) -> int: ...
    @property
    def search_hnsw_ef_search(self) -> int: ...
    @property
    def search_rrf_k(self) -> int: ...
    @property
    def search_semantic_weight(self) -> float: ...
    @property
    def search_depth(self) -> int: ...
    @property
    def search_title_weight(self) -> float: ...
    @property
    def search_abstract_weight(self) -> float: ...
    @property
    def search_first_pass_weight(self) -> float: ...
