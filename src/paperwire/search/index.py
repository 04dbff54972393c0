"""One search index: the keyword index, the row table and the two vector indexes (the transformer's and the
first-pass model's, row ``i`` of each is row ``i`` of the table), changed and saved together.

Every row has a first-pass vector; a row not yet upgraded holds zeros in the transformer index and is kept
out of that side's results by the ``upgraded`` mask (see ``spaces.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from paperwire.search.authors import author_keys
from paperwire.search.embedder import Vectors
from paperwire.search.lexical import LexicalDoc, LexicalIndex
from paperwire.search.query import title_key
from paperwire.search.rows import Mask, RowMeta, RowTable
from paperwire.search.storage import FORMAT, IndexDirectory, IndexState
from paperwire.search.vectors import VectorIndex, needs_compaction, rebuilt, wanted_kind

OPEN_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Entry:
    """A paper as the index stores it (what the keyword side, the filters and the vectors need)."""

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    day: int
    has_code: bool


def paper_key(paper_id: str) -> int:
    """A stable 63-bit integer for a paper id (collisions at a million papers: ~1 in 10^7)."""
    digest = hashlib.blake2b(paper_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class SearchIndex:
    def __init__(
        self, directory: IndexDirectory | None, state: IndexState, dim: int, *, ef_search: int, first_pass_dim: int
    ) -> None:
        self.directory = directory
        self.state = state
        self.lexical = LexicalIndex(directory.lexical if directory else None)
        self.rows = RowTable()
        self.vectors = VectorIndex(dim, ef_search=ef_search)
        self.first_pass = VectorIndex(first_pass_dim, ef_search=ef_search)
        self.id_of_key: dict[int, str] = {}

    @classmethod
    def open(
        cls, directory: IndexDirectory, *, state: IndexState, dim: int, ef_search: int, first_pass_dim: int
    ) -> SearchIndex:
        """The index saved in ``directory``, or an empty one (``state``) when there is none for these models
        and this format."""
        for attempt in range(OPEN_ATTEMPTS):
            saved = directory.read_state()
            usable = saved is not None and (saved.model, saved.first_pass, saved.format) == (
                state.model,
                state.first_pass,
                FORMAT,
            )
            files = directory.files_of(saved) if saved is not None and usable else None
            if saved is None or files is None:
                return cls(directory, state, dim, ef_search=ef_search, first_pass_dim=first_pass_dim)
            index = cls(directory, saved, dim, ef_search=ef_search, first_pass_dim=first_pass_dim)
            if index.lexical.recreated:  # an older keyword index (another schema) was dropped: build again
                # The saved state and arrays go with it: they describe the dropped keyword index, and the next
                # open (this process after a failed catch-up, or another one) would find a current-looking
                # index with no keywords in it and never rebuild.
                directory.forget_saved()
                return cls(directory, state, dim, ef_search=ef_search, first_pass_dim=first_pass_dim)
            try:
                index.load_arrays(*files, directory.first_pass_file(saved.generation))
            except FileNotFoundError:
                # A writer saved a newer generation and removed these files while we read the state: the
                # state now names the new ones.
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                continue
            return index
        raise AssertionError("unreachable")

    def load_arrays(self, rows: Path, vectors: Path, first_pass: Path) -> None:
        self.rows = RowTable.load(rows)
        self.vectors = VectorIndex.load(vectors, self.vectors.dim, ef_search=self.vectors.ef_search)
        self.first_pass = VectorIndex.load(first_pass, self.first_pass.dim, ef_search=self.first_pass.ef_search)
        self.id_of_key = {paper_key(paper_id): paper_id for paper_id in self.rows.row_of}
        self.lexical.reload()

    @property
    def documents(self) -> int:
        return self.rows.live_count

    # --- changes (call ``delete`` and ``upsert`` inside ``self.lexical.writing()``) ----------------------

    def delete(self, paper_ids: Sequence[str]) -> None:
        self.lexical.delete(paper_ids)
        for paper_id in paper_ids:
            self.rows.remove(paper_id)
            self.id_of_key.pop(paper_key(paper_id), None)

    def upsert(self, entries: Sequence[Entry], vectors: Vectors, first_pass: Vectors, upgraded: Mask) -> None:
        """Add or replace papers; ``vectors[i]`` (zeros unless ``upgraded[i]``) and ``first_pass[i]`` belong
        to ``entries[i]``."""
        ids = [e.id for e in entries]
        self.lexical.delete(ids)
        self.lexical.add([_lexical_doc(e) for e in entries])
        metas = [RowMeta(e.id, e.day, e.has_code, e.categories) for e in entries]
        self.rows.append(metas, upgraded)
        self.vectors.add(vectors)
        self.first_pass.add(first_pass)
        for paper_id in ids:
            self.id_of_key[paper_key(paper_id)] = paper_id

    def upgrade(self, rows: npt.NDArray[np.int64], vectors: Vectors) -> None:
        """Give live first-pass ``rows`` their transformer vectors: each paper moves to a new row (a graph
        cannot change a node's vector) with the same filter fields and first-pass vector."""
        first_pass = self.first_pass.matrix()[rows].copy()
        self.rows.append_copies(rows)
        self.vectors.add(vectors)
        self.first_pass.add(first_pass)

    def clear(self) -> None:
        self.lexical.clear()
        self.rows = RowTable()
        self.vectors = VectorIndex(self.vectors.dim, ef_search=self.vectors.ef_search)
        self.first_pass = VectorIndex(self.first_pass.dim, ef_search=self.first_pass.ef_search)
        self.id_of_key = {}

    def tidy(self, hnsw_threshold: int) -> None:
        """Drop dead rows when they pile up, and switch exact <-> HNSW when the size calls for it."""
        kind = wanted_kind(self.rows.live_count, hnsw_threshold)
        # Growing past the threshold switches to HNSW; shrinking keeps HNSW until the next compaction.
        switch = kind != self.vectors.kind and (kind == "hnsw" or self.rows.dead_count > 0)
        if not switch and not needs_compaction(len(self.rows), self.rows.dead_count):
            return
        keep = np.flatnonzero(self.rows.live).astype(np.int64)
        self.vectors = rebuilt(self.vectors, keep, kind)
        self.first_pass = rebuilt(self.first_pass, keep, kind)
        self.rows = self.rows.subset(keep)

    def save_arrays(self, last_seq: int) -> IndexState:
        """Write rows and vectors as the next generation and return the state that would publish them.

        Nothing reads these files until ``publish`` writes that state: when a write fails (a full disk), the
        partial files are removed and the previous generation stays the saved index.
        """
        directory = self.directory
        assert directory is not None
        state = replace(self.state, last_seq=last_seq, generation=self.state.generation + 1)
        try:
            self.rows.save(directory.rows_file(state.generation))
            self.vectors.save(directory.vectors_file(state.generation))
            self.first_pass.save(directory.first_pass_file(state.generation))
        except BaseException:
            self.discard(state)
            raise
        return state

    def publish(self, state: IndexState) -> None:
        """Make ``state`` (written by ``save_arrays``) the saved index, and drop older generations' files."""
        directory = self.directory
        assert directory is not None
        try:
            directory.write_state(state)
        except BaseException:
            self.discard(state)
            raise
        self.state = state
        with contextlib.suppress(OSError):  # leftovers are harmless: the next save removes them
            directory.remove_stale(keep=state.generation)

    def discard(self, state: IndexState) -> None:
        """Remove the files of an unpublished generation."""
        assert self.directory is not None
        generation = state.generation
        directory = self.directory
        for path in (
            directory.rows_file(generation),
            directory.vectors_file(generation),
            directory.first_pass_file(generation),
        ):
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".tmp").unlink(missing_ok=True)

    def save(self, last_seq: int) -> None:
        """``save_arrays`` then ``publish`` (the lexical index is committed separately, by ``writing()``)."""
        self.publish(self.save_arrays(last_seq))


def _lexical_doc(entry: Entry) -> LexicalDoc:
    return LexicalDoc(
        key=paper_key(entry.id),
        id=entry.id,
        title=entry.title,
        abstract=entry.abstract,
        authors=", ".join(entry.authors),
        title_key=title_key(entry.title),
        categories=list(entry.categories),
        day=entry.day,
        has_code=entry.has_code,
        author_keys=tuple(dict.fromkeys(key for name in entry.authors for key in author_keys(name))),
    )
