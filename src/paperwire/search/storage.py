"""Where a search index lives on disk, who may write it, and how readers notice it moved on.

One process writes an index directory at a time (an exclusive ``flock`` on ``write.lock``, released by
the kernel if the process dies); every process may read it. ``state.json`` is written last, atomically,
after the index files: a reader that sees a new state finds the files that go with it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

FORMAT = 1  # bump when the on-disk layout changes: an index of another format is rebuilt


@dataclass(frozen=True, slots=True)
class IndexState:
    model: str
    last_seq: int = 0  # every paper change up to here is in the index
    generation: int = 0  # bumped on every save, so readers know to reload
    format: int = FORMAT


class IndexDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.lexical = root / "lexical"
        self.vectors = root / "vectors.faiss"
        self.rows = root / "rows.npz"
        self.state_file = root / "state.json"
        self.lock_file = root / "write.lock"

    @contextmanager
    def write_lock(self, *, wait: bool) -> Iterator[bool]:
        """Yields True holding the writer lock, or False at once when another process has it (wait=False)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self.lock_file.open("a") as handle:
            flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
            try:
                fcntl.flock(handle, flags)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def read_state(self) -> IndexState | None:
        try:
            data = json.loads(self.state_file.read_text())
            return IndexState(**data)
        except (OSError, ValueError, TypeError):
            return None  # missing or unreadable: the index is rebuilt from the database

    def write_state(self, state: IndexState) -> None:
        tmp = self.state_file.with_name("state.json.tmp")
        tmp.write_text(json.dumps(asdict(state)))
        os.replace(tmp, self.state_file)

    def state_stamp(self) -> tuple[int, int] | None:
        """Cheap change detector for readers (one stat call)."""
        try:
            stat = self.state_file.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def wipe(self) -> None:
        """Remove every index file (the lock stays: it is held while this runs)."""
        shutil.rmtree(self.lexical, ignore_errors=True)
        for path in (self.vectors, self.rows, self.state_file):
            path.unlink(missing_ok=True)


class ReadWriteLock:
    """Many searches at once, or one index update: threads of one process share the in-memory index."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writer:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._readers:
                self._cond.wait()
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()
