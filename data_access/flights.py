"""One computation at a time per key, inside one app process (Streamlit runs every browser
session's page in a thread of the same process): a thread that asks for what another is computing
waits for it, then finds it done (in the page cache, or stored) instead of computing it again.

Used by the page cache (dashboard.cache.query: the same figure asked by many sessions at once) and
by the stored evaluations (status_store.store: many figures of one day need the same evaluation;
computed twice at once, on SQLite the second writer waited for the first's write lock until
"database is locked", bench.sessions). Another process is not held here: the database's unique key
settles that (status_store.store)."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

FLIGHTS: dict[Hashable, list] = {}  # key -> [lock, threads using it]
_LOCK = threading.Lock()


@contextmanager
def single_flight(key: object) -> Iterator[None]:
    """Hold `key` while the block runs; other threads entering with an equal key wait until it
    ends. Keys that cannot be hashed go through without waiting. Reentrant within a thread."""
    try:
        hash(key)
    except TypeError:
        yield
        return
    with _LOCK:
        entry = FLIGHTS.setdefault(key, [threading.RLock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _LOCK:
            entry[1] -= 1
            if entry[1] == 0:
                FLIGHTS.pop(key, None)
