"""Where a search index lives on disk, who may write it, and how readers notice it moved on.

One process writes an index directory at a time (an exclusive ``flock`` on ``write.lock``, released by
the kernel if the process dies); every process may read it. Each save writes the row table and the vectors
under new names (``rows.<generation>.npz``, ``vectors.<generation>.faiss``) and then ``state.json``,
atomically, naming that generation: until the state moves on, readers keep loading the previous files, so a
save that fails half-way (a full disk, a crash) leaves the previous index whole and in use. The files of
older generations are removed once the new state is written.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

FORMAT = 2  # bump when the on-disk layout changes: an index of another format is rebuilt
_GENERATION_FILE = re.compile(r"^(rows\.\d+\.npz|(vectors|first_pass)\.\d+\.faiss)(\.tmp)?$")


class IndexWriteError(Exception):
    """The index could not be saved (a full disk, a read-only directory); the previous one stays in use."""


@dataclass(frozen=True, slots=True)
class IndexState:
    model: str
    last_seq: int = 0  # every paper change up to here is in the index
    generation: int = 0  # bumped on every save, so readers know to reload
    format: int = FORMAT
    first_pass: str = ""  # the first-pass model (format 2: ``first_pass.<generation>.faiss``)


class IndexDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.lexical = root / "lexical"
        self.legacy_vectors = root / "vectors.faiss"  # before generation-named files (still read)
        self.legacy_rows = root / "rows.npz"
        self.state_file = root / "state.json"
        self.lock_file = root / "write.lock"

    def rows_file(self, generation: int) -> Path:
        return self.root / f"rows.{generation}.npz"

    def vectors_file(self, generation: int) -> Path:
        return self.root / f"vectors.{generation}.faiss"

    def first_pass_file(self, generation: int) -> Path:
        return self.root / f"first_pass.{generation}.faiss"

    def files_of(self, state: IndexState) -> tuple[Path, Path] | None:
        """The (rows, vectors) files saved with ``state``, or ``None`` when they are not there."""
        for rows, vectors in (
            (self.rows_file(state.generation), self.vectors_file(state.generation)),
            (self.legacy_rows, self.legacy_vectors),
        ):
            if rows.exists() and vectors.exists():
                return rows, vectors
        return None

    def remove_stale(self, keep: int) -> None:
        """Delete the row and vector files of every generation but ``keep`` (and any leftover temp file)."""
        keep_names = {self.rows_file(keep).name, self.vectors_file(keep).name, self.first_pass_file(keep).name}
        for path in self._array_files():
            if path.name not in keep_names:
                path.unlink(missing_ok=True)

    def _array_files(self) -> list[Path]:
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        legacy = {self.legacy_rows.name, self.legacy_vectors.name}
        legacy |= {name + ".tmp" for name in legacy}
        return [self.root / name for name in names if name in legacy or _GENERATION_FILE.match(name)]

    def free_bytes(self) -> int | None:
        try:
            return shutil.disk_usage(self.root).free
        except OSError:
            return None

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
        try:
            tmp.write_text(json.dumps(asdict(state)))
            os.replace(tmp, self.state_file)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def state_stamp(self) -> tuple[int, int] | None:
        """Cheap change detector for readers (one stat call)."""
        try:
            stat = self.state_file.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def forget_saved(self) -> None:
        """Remove the saved state and the row and vector files (the keyword index stays)."""
        self.state_file.unlink(missing_ok=True)
        for path in self._array_files():
            path.unlink(missing_ok=True)

    def wipe(self) -> None:
        """Remove every index file (the lock stays: it is held while this runs)."""
        shutil.rmtree(self.lexical, ignore_errors=True)
        self.forget_saved()


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
