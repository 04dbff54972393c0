"""One search index: the keyword index, the row table and the vector index, changed and saved together."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paperwire.search.authors import author_keys
from paperwire.search.embedder import Vectors
from paperwire.search.lexical import LexicalDoc, LexicalIndex
from paperwire.search.query import title_key
from paperwire.search.rows import RowMeta, RowTable
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
    def __init__(self, directory: IndexDirectory | None, state: IndexState, dim: int, *, ef_search: int) -> None:
        self.directory = directory
        self.state = state
        self.lexical = LexicalIndex(directory.lexical if directory else None)
        self.rows = RowTable()
        self.vectors = VectorIndex(dim, ef_search=ef_search)
        self.id_of_key: dict[int, str] = {}

    @classmethod
    def open(cls, directory: IndexDirectory, *, model: str, dim: int, ef_search: int) -> SearchIndex:
        """The index saved in ``directory``, or an empty one when there is none for this model/format."""
        for attempt in range(OPEN_ATTEMPTS):
            state = directory.read_state()
            files = directory.files_of(state) if state is not None and state.model == model else None
            if state is None or files is None or state.format != FORMAT:
                return cls(directory, IndexState(model=model), dim, ef_search=ef_search)
            index = cls(directory, state, dim, ef_search=ef_search)
            if index.lexical.recreated:  # an older keyword index (another schema) was dropped: build again
                return cls(directory, IndexState(model=model), dim, ef_search=ef_search)
            try:
                index.load_arrays(*files)
            except FileNotFoundError:
                # A writer saved a newer generation and removed these files while we read the state: the
                # state now names the new ones.
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                continue
            return index
        raise AssertionError("unreachable")

    def load_arrays(self, rows: Path, vectors: Path) -> None:
        self.rows = RowTable.load(rows)
        self.vectors = VectorIndex.load(vectors, self.vectors.dim, ef_search=self.vectors.ef_search)
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

    def upsert(self, entries: Sequence[Entry], vectors: Vectors) -> None:
        """Add or replace papers; ``vectors[i]`` belongs to ``entries[i]``."""
        ids = [e.id for e in entries]
        self.lexical.delete(ids)
        self.lexical.add([_lexical_doc(e) for e in entries])
        metas = [RowMeta(e.id, e.day, e.has_code, e.categories) for e in entries]
        self.rows.append(metas)
        self.vectors.add(vectors)
        for paper_id in ids:
            self.id_of_key[paper_key(paper_id)] = paper_id

    def clear(self) -> None:
        self.lexical.clear()
        self.rows = RowTable()
        self.vectors = VectorIndex(self.vectors.dim, ef_search=self.vectors.ef_search)
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
        self.rows = self.rows.subset(keep)

    def save_arrays(self, last_seq: int) -> IndexState:
        """Write rows and vectors as the next generation and return the state that would publish them.

        Nothing reads these files until ``publish`` writes that state: when a write fails (a full disk), the
        partial files are removed and the previous generation stays the saved index.
        """
        directory = self.directory
        assert directory is not None
        state = IndexState(model=self.state.model, last_seq=last_seq, generation=self.state.generation + 1)
        try:
            self.rows.save(directory.rows_file(state.generation))
            self.vectors.save(directory.vectors_file(state.generation))
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
        for path in (self.directory.rows_file(state.generation), self.directory.vectors_file(state.generation)):
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
