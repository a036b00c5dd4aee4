"""Items kept per day by the write path (data_access.gap_store) equal the live queries — 逾期事项's
counts and first rows, 覆盖情况's overdue needs per region and its gap lists, 待调整结对 — on
SQLite and PostgreSQL, for several scopes and both stored days; closing a need, a cadre leaving
and an import keep them equal in their own transaction; a write that bumps without keeping sends
the readers to the live queries; a write in one process is read at once in another. And the
first page of 提醒督办 and the unanswered list drawn from the kept dates equal the live ones.

The data is test_overdue_view's hand-built county (D = 2024-06-15) plus a cadre who left on
06-01 with a pairing of H1's village, and a household never paired."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from data_access import coverage, db, gap_store, gaps, needs, overdue, supervision, turnover
from data_access import models as m
from data_access.db import bump_version, session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import CHILD_GROUPS
from tests import builders as b
from tests.test_overdue_view import D, build

POLICY = Policy()
LAST_WEEK = D - dt.timedelta(days=7)
SCOPES = (EVERYWHERE, Scope(b.COUNTY), Scope(b.TOWNSHIP_A), Scope(b.TOWNSHIP_B))
ADMIN = Actor("admin", "admin")


def _more(url: str) -> None:
    """A cadre who left on 06-01 with an active pairing (待调整结对), a household never paired and
    more overdue needs, several due the same day (ties at the first rows' cut)."""
    with session_scope(url) as s:
        gone = b.cadre(s, b.unit(s, "县财政局"), name="王强")
        house = b.household(s, b.VILLAGE_A1)
        b.person(s, house, b.VILLAGE_A1)
        b.pairing(s, house, gone, dt.date(2024, 1, 1))
        s.execute(update(m.Cadre).where(m.Cadre.id == gone).values(status="调离", status_date=dt.date(2024, 6, 1)))
        lonely = b.household(s, b.VILLAGE_B1)
        b.person(s, lonely, b.VILLAGE_B1)
        # two orphans of one household, each with two cadres who are not leading cadres (four rows of
        # the list, two children kept), and an orphan paired with a leading cadre (none)
        orphans = b.household(s, b.VILLAGE_B1)
        for name in ("小明", "小红"):
            b.person(s, orphans, b.VILLAGE_B1, group=CHILD_GROUPS[0], birth_date=dt.date(2015, 1, 1), name=name)
        office = b.unit(s, "县妇联")
        for name in ("赵一", "钱二"):
            b.pairing(s, orphans, b.cadre(s, office, name=name), dt.date(2024, 1, 1))
        led = b.household(s, b.VILLAGE_A1)
        b.person(s, led, b.VILLAGE_A1, group=CHILD_GROUPS[0], birth_date=dt.date(2016, 1, 1), name="小刚")
        b.pairing(s, led, b.cadre(s, office, name="孙三", is_leader=True), dt.date(2024, 1, 1))
        for i in range(4):
            s.add(m.Need(code=f"N-t{i}", household_id=house, raised_date=dt.date(2024, 5, 1), category="生活",
                         content="协调解决", due_date=dt.date(2024, 5, 20), status="办理中"))


@pytest.fixture
def kept_db(db_url):
    build(db_url)
    _more(db_url)
    with session_scope(db_url) as s:
        for day in (D, LAST_WEEK):
            assert gap_store.store(s, day, POLICY)
        supervision.store_responses(s, POLICY)
    return db_url


def _both(url: str, read):
    """read(session) from the kept rows, then read live (the kept days and dates dropped, rolled back)."""
    with session_scope(url) as s:
        assert gap_store.usable(s, D, POLICY) and supervision.responses_valid(s, POLICY)
        kept = read(s)
    with db.get_engine(url).connect() as connection, Session(bind=connection) as s:
        s.execute(delete(m.GapDay))
        s.execute(delete(m.ActionStoreState))
        assert not gap_store.usable(s, D, POLICY)
        live = read(s)
        s.rollback()
    return kept, live


def _same(kept, live) -> None:
    if isinstance(kept, pd.DataFrame):
        pd.testing.assert_frame_equal(kept.reset_index(drop=True), live.reset_index(drop=True))
    elif isinstance(kept, dict):
        assert kept.keys() == live.keys()
        for key in kept:
            _same(kept[key], live[key])
    elif isinstance(kept, overdue.OverdueCounts):
        assert (kept.totals, kept.area) == (live.totals, live.area)
        _same(kept.by_region, live.by_region)
        _same(kept.by_unit, live.by_unit)
    elif isinstance(kept, supervision.ActionPage):
        assert (kept.total, kept.counts, kept.unanswered_before) == (live.total, live.counts, live.unanswered_before)
        _same(kept.rows, live.rows)
    else:
        assert kept == live


def equal_to_live(url: str) -> None:
    """Every reader that uses the kept rows gives what the live queries give."""
    for scope in SCOPES:
        for day in (D, LAST_WEEK):
            kept, live = _both(url, lambda s, sc=scope, d=day: (overdue.counts(s, sc, d, POLICY),
                                                                 overdue.totals(s, sc, d, POLICY)))
            _same(kept[0], live[0])
            assert kept[1] == live[1] == kept[0].totals
        for limit in (3, 200):  # 3: the cut falls inside four needs due the same day
            _same(*_both(url, lambda s, sc=scope, n=limit: overdue.rows(s, sc, D, POLICY, n)))
            _same(*_both(url, lambda s, sc=scope, n=limit: gaps.unpaired_persons(s, sc, D, n)))
            _same(*_both(url, lambda s, sc=scope, n=limit: turnover.awaiting(s, sc, D, n)))
            _same(*_both(url, lambda s, sc=scope, n=limit: supervision.action_page(s, sc, D, POLICY, page_size=n)))
            _same(*_both(url, lambda s, sc=scope, n=limit: supervision.action_page(s, sc, D, POLICY, page=2,
                                                                                    page_size=n)))
        for day in (D, LAST_WEEK):
            for limit in (1, 3, 500):  # 1 and 3: the cut falls between the two pairings of one child
                _same(*_both(url, lambda s, sc=scope, d=day, n=limit: gaps.children_without_leading_cadre(s, sc, d, n)))
            _same(*_both(url, lambda s, sc=scope, d=day: gaps.count_children_without_leading_cadre(s, sc, d)))
        _same(*_both(url, lambda s, sc=scope: gaps.count_unpaired(s, sc, D)))
        _same(*_both(url, lambda s, sc=scope: turnover.count_awaiting(s, sc, D)))
        _same(*_both(url, lambda s, sc=scope: gaps.count_ended_without_successor(s, sc, D, POLICY)))
        _same(*_both(url, lambda s, sc=scope: supervision.unanswered_before(s, sc, D, POLICY, dt.date(2024, 5, 10))))
        _same(*_both(url, lambda s, sc=scope: coverage.by_region(s, sc, None, D, POLICY)))


def test_kept_items_equal_the_live_queries(kept_db):
    with session_scope(kept_db) as s:
        tally = overdue.counts(s, EVERYWHERE, D, POLICY)
        assert turnover.count_awaiting(s, EVERYWHERE, D) == 1
        assert gaps.count_unpaired(s, EVERYWHERE, D) == 2  # the never-paired household and H5
        # the tabs of 覆盖情况 show these counts, not the length of their (capped) lists
        assert gaps.count_ended_without_successor(s, EVERYWHERE, D, POLICY) == 1
        assert gaps.count_children_without_leading_cadre(s, EVERYWHERE, D) == 4  # two orphans, two cadres each
        assert gaps.count_children_without_leading_cadre(s, EVERYWHERE, D) == len(
            gaps.children_without_leading_cadre(s, EVERYWHERE, D, limit=10_000))
        assert len(gaps.children_without_leading_cadre(s, EVERYWHERE, D, limit=1)) <= 1
        kept = {kind: n for kind, n in s.execute(
            select(m.GapItem.kind, func.count()).where(m.GapItem.day == D).group_by(m.GapItem.kind))}
    assert tally.totals[overdue.KIND_NEEDS] == 7 and tally.totals[overdue.KIND_NO_SUCCESSOR] == 1
    assert kept == {gap_store.KIND_NEEDS: 7, gap_store.KIND_NO_SUCCESSOR: 1, gap_store.KIND_AWAITING: 1,
                    gap_store.KIND_UNPAIRED: 2, gap_store.KIND_CHILDREN: 2}
    equal_to_live(kept_db)


def test_closing_a_need_and_a_cadre_leaving_keep_them(kept_db):
    with session_scope(kept_db) as s:
        needs.close(s, "N-a", "已解决", D, actor=ADMIN)
    with session_scope(kept_db) as s:
        assert gap_store.usable(s, D, POLICY)
        assert overdue.counts(s, EVERYWHERE, D, POLICY).totals[overdue.KIND_NEEDS] == 6
        assert overdue.counts(s, EVERYWHERE, LAST_WEEK, POLICY).totals[overdue.KIND_NEEDS] == 7  # still open then
        li = s.scalar(select(m.Cadre.id).where(m.Cadre.name == "李华"))
        turnover.set_status(s, li, "退休", dt.date(2024, 6, 10), actor=ADMIN)
    with session_scope(kept_db) as s:
        assert gap_store.usable(s, D, POLICY)
        assert turnover.count_awaiting(s, EVERYWHERE, D) == 3  # 王强's, and 李华's two since 06-10
        assert turnover.count_awaiting(s, EVERYWHERE, LAST_WEEK) == 1
    equal_to_live(kept_db)


def test_a_note_on_a_need_leaves_every_stored_set_as_it_is(kept_db):
    """A note (备注) changes no column a figure reads: it costs its writer no recount (it took 0.85 s
    of the county demo's 1.07 s 添加备注 click) and its readers no re-store."""
    with session_scope(kept_db) as s:
        before = s.execute(select(m.DataVersion)).scalar_one()
        before = (before.version, before.status_version, before.evidence_version, before.signal_version,
                  before.gap_version)
        needs.add_note(s, "N-a", "已电话联系民政办", D, actor=ADMIN)
    with session_scope(kept_db) as s:
        after = s.execute(select(m.DataVersion)).scalar_one()
        assert after.version == before[0] + 1  # cached pages show the note
        assert (after.status_version, after.evidence_version, after.signal_version, after.gap_version) == before[1:]
        assert gap_store.usable(s, D, POLICY)
    equal_to_live(kept_db)


def test_a_write_that_does_not_keep_them_is_read_live(kept_db):
    with session_scope(kept_db) as s:
        s.execute(update(m.Need).where(m.Need.code == "N-d").values(closed_date=dt.date(2024, 6, 1), status="已办结"))
        bump_version(s, status_inputs=False, gap_inputs=True)  # as every writer of needs must
    with session_scope(kept_db) as s:
        assert not gap_store.usable(s, D, POLICY)
        assert overdue.counts(s, EVERYWHERE, D, POLICY).totals[overdue.KIND_NEEDS] == 6
    with session_scope(kept_db) as s:  # the upkeep after the next write stores them again
        assert gap_store.store(s, D, POLICY) and gap_store.usable(s, D, POLICY)
        assert overdue.counts(s, EVERYWHERE, D, POLICY).totals[overdue.KIND_NEEDS] == 6


def test_a_change_of_the_gap_setting_is_read_live(kept_db):
    longer = Policy(successor_gap_days=90)
    with session_scope(kept_db) as s:
        assert not gap_store.usable(s, D, longer)
        assert overdue.counts(s, EVERYWHERE, D, longer).totals[overdue.KIND_NO_SUCCESSOR] == 0  # 75 days < 90


READER = """
import sys, datetime as dt
from data_access import db, gap_store, overdue
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
with db.session_scope(sys.argv[1]) as s:
    day = dt.date(2024, 6, 8)
    print(gap_store.usable(s, day, Policy()), overdue.counts(s, EVERYWHERE, day, Policy()).totals["逾期诉求"])
"""


def test_a_write_in_one_process_is_read_in_another(sqlite_url):
    build(sqlite_url)
    _more(sqlite_url)
    with session_scope(sqlite_url) as s:
        gap_store.store(s, LAST_WEEK, POLICY)

    def read() -> str:
        done = subprocess.run([sys.executable, "-c", READER, sqlite_url], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    assert read() == "True 7"
    with session_scope(sqlite_url) as s:
        needs.close(s, "N-t0", "已解决", dt.date(2024, 6, 2), actor=ADMIN)
    assert read() == "True 6"
