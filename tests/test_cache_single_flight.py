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


def checked_figure(session, tag: str, *, actor) -> str:
    """A checked read, like 季考核's sheet: the role checked, the figure read inside the region."""
    from data_access import permissions

    permissions.check(actor, "view_assessment")
    COMPUTED.append(f"{tag} by {actor.username}")
    return f"{tag} of {actor.scope.prefix}: " + str(session.execute(text("SELECT 40 + 2")).scalar_one())


def test_users_of_one_role_and_region_share_a_checked_read(sqlite_url, monkeypatch):
    """Keyed per user, five province leaders opening 季考核 at once computed the sheet five times at
    once (bench.sessions, 6 GB). Now: one computation per role and region; another region or a role
    that may not read it is not served the cached copy."""
    import pytest

    from data_access.permissions import Actor, PermissionDenied
    from data_access.scope import Scope

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    cache._cached.clear()
    COMPUTED.clear()
    province = Scope.for_region("62")
    first = cache.query(checked_figure, "sheet", actor=Actor("leader_a", "leader", province))
    second = cache.query(checked_figure, "sheet", actor=Actor("leader_b", "leader", province))
    assert first == second == "sheet of 62: 42"
    assert COMPUTED == ["sheet by leader_a"]
    county = cache.query(checked_figure, "sheet", actor=Actor("leader_c", "leader", Scope.for_region("621225")))
    assert county == "sheet of 621225: 42" and COMPUTED[-1] == "sheet by leader_c"
    with pytest.raises(PermissionDenied):
        cache.query(checked_figure, "sheet", actor=Actor("clerk_d", "clerk", province))
