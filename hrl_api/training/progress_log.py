"""A run's progress records for late clients, in bounded memory however long the run."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

Record = dict[str, Any]

RECENT_RECORDS = 1000
"""Every record of the latest episodes is kept (the end of a chart, drawn in full)."""
SPARSE_RECORDS = 1000
"""At most this many older records are kept, evenly spread over the run."""


class ProgressLog:
    """Every record of the latest ``recent`` episodes, and older ones thinned evenly to at most
    ``sparse``: the record of every ``stride``-th episode, the stride doubling each time the cap is
    reached. The first record and the latest are always kept. Memory: at most ``recent + sparse``
    records (about 1 KB each), whether a run has 10 or 10 million episodes."""

    def __init__(self, recent: int = RECENT_RECORDS, sparse: int = SPARSE_RECORDS) -> None:
        if recent < 1 or sparse < 2:
            raise ValueError("keep at least 1 recent and 2 sparse records")
        self._recent: deque[Record] = deque(maxlen=recent)
        self._sparse: list[tuple[int, Record]] = []  # (position in the run, record), ascending
        self._sparse_cap = sparse
        self._stride = 1
        self._count = 0
        self.thinnings = 0
        """How many times the older records were thinned (a mirror of them must then be rewritten)."""
        self._lock = threading.Lock()  # the relay appends while requests read

    def __len__(self) -> int:
        """How many records were appended (not how many are kept)."""
        return self._count

    @property
    def latest(self) -> Record | None:
        return self._recent[-1] if self._recent else None

    def append(self, record: Record) -> None:
        with self._lock:
            if len(self._recent) == self._recent.maxlen:
                self._keep_sparse(self._count - len(self._recent), self._recent[0])
            self._recent.append(record)
            self._count += 1

    def records(self, since: int = 0) -> list[Record]:
        """The kept records of the episodes after ``since``, in episode order."""
        with self._lock:
            kept = [record for _, record in self._sparse] + list(self._recent)
        return [record for record in kept if record["episode"] > since]

    def sparse_records(self) -> list[Record]:
        """The older records kept, in episode order."""
        with self._lock:
            return [record for _, record in self._sparse]

    def _keep_sparse(self, position: int, record: Record) -> None:
        if position % self._stride:
            return
        self._sparse.append((position, record))
        if len(self._sparse) > self._sparse_cap:
            self._stride *= 2
            self.thinnings += 1
            self._sparse = [(p, r) for p, r in self._sparse if p % self._stride == 0]
