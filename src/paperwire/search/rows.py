"""The row table: which paper each vector row holds, whether it is still live, and what filters need.

Vector rows are append-only (a faiss HNSW graph cannot drop a node), so an updated paper gets a new row and
its old row is marked dead; a deleted paper's row is marked dead. Compaction (see ``vectors``) rewrites the
table without dead rows. ``upgraded`` says which vector space a row is searched in: the transformer's
(True) or the first-pass model's (False: the paper has no transformer vector yet, see ``spaces.py``); an
upgrade appends the paper again with both vectors and marks the old row dead. Per-row filter columns (day,
has code, categories) let the semantic side apply the same filters as the keyword side before ranking, so a
narrow filter still returns its best matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.search.filters import SearchFilters, category_matches, category_prefixes, to_day

MAX_CATEGORIES = 8  # per paper; arXiv papers rarely cross-list more (extra ones are not filterable here)
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RowMeta:
    id: str
    day: int
    has_code: bool
    categories: tuple[str, ...]


class RowTable:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.live: Mask = np.zeros(0, dtype=bool)
        self.day = np.zeros(0, dtype=np.int32)
        self.has_code: Mask = np.zeros(0, dtype=bool)
        self.cats = np.zeros((0, MAX_CATEGORIES), dtype=np.uint16)
        self.upgraded: Mask = np.zeros(0, dtype=bool)
        self.vocab: list[str] = [""]  # code 0 means "no category"
        self._code: dict[str, int] = {}
        self.row_of: dict[str, int] = {}  # live rows only

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def live_count(self) -> int:
        return len(self.row_of)

    @property
    def dead_count(self) -> int:
        return len(self.ids) - len(self.row_of)

    def remove(self, paper_id: str) -> None:
        row = self.row_of.pop(paper_id, None)
        if row is not None:
            self.live[row] = False

    @property
    def upgraded_count(self) -> int:
        """Live rows searched in the transformer's space."""
        return int((self.live & self.upgraded).sum())

    def append(self, metas: Sequence[RowMeta], upgraded: Mask | None = None) -> int:
        """Add rows (an id already present loses its old row); returns the first new row number.

        ``upgraded[i]``: row ``i`` has a transformer vector (all True when not given)."""
        first = len(self.ids)
        for offset, meta in enumerate(metas):
            self.remove(meta.id)
            self.row_of[meta.id] = first + offset
            self.ids.append(meta.id)
        self.live = np.concatenate([self.live, np.ones(len(metas), dtype=bool)])
        self.day = np.concatenate([self.day, np.array([m.day for m in metas], dtype=np.int32)])
        self.has_code = np.concatenate([self.has_code, np.array([m.has_code for m in metas], dtype=bool)])
        self.cats = np.concatenate([self.cats, self._encode_categories(metas)])
        flags = np.ones(len(metas), dtype=bool) if upgraded is None else np.asarray(upgraded, dtype=bool)
        self.upgraded = np.concatenate([self.upgraded, flags])
        return first

    def append_copies(self, rows: npt.NDArray[np.int64]) -> int:
        """Append live ``rows`` again as upgraded rows (their old rows die); returns the first new row."""
        first = len(self.ids)
        ids = [self.ids[r] for r in rows]
        for offset, paper_id in enumerate(ids):
            self.remove(paper_id)
            self.row_of[paper_id] = first + offset
        self.ids.extend(ids)
        self.live = np.concatenate([self.live, np.ones(len(rows), dtype=bool)])
        self.day = np.concatenate([self.day, self.day[rows]])
        self.has_code = np.concatenate([self.has_code, self.has_code[rows]])
        self.cats = np.concatenate([self.cats, self.cats[rows]])
        self.upgraded = np.concatenate([self.upgraded, np.ones(len(rows), dtype=bool)])
        return first

    def pending_newest_first(self, limit: int | None = None) -> npt.NDArray[np.int64]:
        """Up to ``limit`` (``None``: all) live rows still in the first-pass space, newest filing day first."""
        rows = np.flatnonzero(self.live & ~self.upgraded)
        order = np.argsort(-self.day[rows], kind="stable")
        picked: npt.NDArray[np.int64] = rows[order[:limit]].astype(np.int64)
        return picked

    def _encode_categories(self, metas: Sequence[RowMeta]) -> npt.NDArray[np.uint16]:
        codes = np.zeros((len(metas), MAX_CATEGORIES), dtype=np.uint16)
        for i, meta in enumerate(metas):
            for j, category in enumerate(meta.categories[:MAX_CATEGORIES]):
                codes[i, j] = self._code_for(category)
        return codes

    def _code_for(self, category: str) -> int:
        code = self._code.get(category)
        if code is None:
            code = self._code[category] = len(self.vocab)
            self.vocab.append(category)
        return code

    def mask(self, filters: SearchFilters | None) -> Mask | None:
        """Rows a query may return; ``None`` when every row may (nothing dead, no filter)."""
        if (filters is None or filters.is_empty) and self.dead_count == 0:
            return None
        allowed = self.live.copy()
        if filters is None or filters.is_empty:
            return allowed
        if filters.since is not None:
            allowed &= self.day >= to_day(filters.since)
        if filters.until is not None:
            allowed &= self.day <= to_day(filters.until)
        if filters.has_code is not None:
            allowed &= self.has_code == filters.has_code
        prefixes = category_prefixes(filters)
        if prefixes:
            wanted = [code for code, c in enumerate(self.vocab) if c and any(category_matches(c, p) for p in prefixes)]
            allowed &= np.isin(self.cats, np.array(wanted, dtype=np.uint16)).any(axis=1)
        return allowed

    def subset(self, rows: npt.NDArray[np.int64]) -> RowTable:
        """A new table of just these rows (renumbered from 0), all live: what compaction keeps."""
        table = RowTable()
        table.vocab, table._code = list(self.vocab), dict(self._code)
        table.ids = [self.ids[r] for r in rows]
        table.live = np.ones(len(rows), dtype=bool)
        table.day, table.has_code, table.cats = self.day[rows], self.has_code[rows], self.cats[rows]
        table.upgraded = self.upgraded[rows]
        table.row_of = {paper_id: row for row, paper_id in enumerate(table.ids)}
        return table

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as f:
            np.savez(
                f,
                ids=_pack(self.ids),
                live=self.live,
                day=self.day,
                has_code=self.has_code,
                cats=self.cats,
                upgraded=self.upgraded,
                vocab=_pack(self.vocab),
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RowTable:
        with np.load(path) as data:
            table = cls()
            table.live, table.day = data["live"], data["day"]
            table.ids = _unpack(data["ids"]) if len(table.live) else []
            table.has_code, table.cats = data["has_code"], data["cats"]
            # Saved before the first-pass model: every row had a transformer vector.
            table.upgraded = data["upgraded"] if "upgraded" in data else np.ones(len(table.live), dtype=bool)
            table.vocab = _unpack(data["vocab"])
        table._code = {c: code for code, c in enumerate(table.vocab) if c}
        table.row_of = {table.ids[r]: int(r) for r in np.flatnonzero(table.live)}
        return table


def _pack(strings: list[str]) -> npt.NDArray[np.uint8]:
    """Strings as one newline-separated UTF-8 buffer (ids hold no newline), so loading needs no pickle."""
    return np.frombuffer("\n".join(strings).encode(), dtype=np.uint8)


def _unpack(buffer: npt.NDArray[np.uint8]) -> list[str]:
    return buffer.tobytes().decode().split("\n")
