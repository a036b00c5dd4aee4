"""Sessions asking for the same figure at once compute it once (dashboard.cache.query): the others
wait and read it from the cache. 20 users arriving after a restart computed every figure 20 times
at once without this (bench.sessions)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from dashboard import cache

COMPUTED: list[str] = []


def slow_figure(session, tag: str) -> int:
    COMPUTED.append(tag)
    time.sleep(0.3)
    return session.execute(text("SELECT 40 + 2")).scalar_one()


def test_concurrent_sessions_compute_a_figure_once(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    cache._cached.clear()
    COMPUTED.clear()
    results: list[int] = []
    users = [threading.Thread(target=lambda: results.append(cache.query(slow_figure, "same"))) for _ in range(4)]
    for user in users:
        user.start()
    for user in users:
        user.join()
    assert results == [42] * 4
    assert COMPUTED == ["same"]  # once, not four times
    cache.query(slow_figure, "other")  # another figure is computed on its own
    assert COMPUTED == ["same", "other"] and not cache._FLIGHTS
