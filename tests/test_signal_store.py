"""Stored authenticity signals (signal_store): the stored rows are the live ones, and every write
that can change a signal keeps them so — the cadres it touched read again in its own transaction —
or leaves them invalid, so pages read live: never a stale figure, also when the write is made by
another process. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from sqlalchemy import select

from data_access import (
    db,
    policy,
    recording,
    return_visits,
    signal_store,
    signals,
    turnover,
    upkeep,
    verification,
)
from data_access.config import current_date
from data_access.db import session_scope
from data_access.models import Cadre
from data_access.permissions import Actor
from data_access.policy import load_policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests.apptest import ROOT
from tests.test_signals import AS_OF, INSPECTOR, D, _at, build

NOTE = "送去米面油，询问生活困难情况"  # on one record of 王强 only: no signal until another cadre writes it
CLERK_B = Actor("clerk_b", "clerk", Scope.for_region(b.TOWNSHIP_B))
ADMIN = Actor("admin", "admin", EVERYWHERE)


def setup(url: str) -> dict:
    ids = build(url)
    with session_scope(url) as s:
        b.contact(s, ids["p2"], D(2024, 6, 5), "电话", entered_at=_at(D(2024, 6, 5)), content=NOTE)
        signals.store(s, AS_OF, load_policy(s))
    return ids


def readings(url: str, as_of: dt.date = AS_OF) -> tuple[bool, list, list]:
    """(a valid evaluation is stored, what the pages read, the signals read from the records) over
    the whole database and per township."""
    with session_scope(url) as s:
        policy = load_policy(s)
        valid = signal_store.find(s, as_of, policy) is not None
        scopes = (EVERYWHERE, Scope.for_region(b.TOWNSHIP_A), Scope.for_region(b.TOWNSHIP_B))
        read = [sorted(signals.located_counts(s, scope, as_of, policy)) for scope in scopes]
        live = [sorted(signals.live_located_counts(s, scope, as_of, policy)) for scope in scopes]
    return valid, read, live


def repeated(url: str, cadre_id: int) -> int:
    with session_scope(url) as s:
        return signals.cadre_signal_counts(s, EVERYWHERE, AS_OF, load_policy(s), cadre_id).get(signals.REPEATED, 0)


def test_stored_rows_stay_the_live_ones_through_every_write(db_url):
    ids = setup(db_url)
    valid, read, live = readings(db_url)
    assert valid and read == live and read[0]
    assert repeated(db_url, ids["wang"]) == 1

    # 李华 records 王强's note in the app: both now have it on records of two cadres (王强 is read
    # again because his record carries the same text, though the write is not his).
    with session_scope(db_url) as s:
        recording.add_contact(s, ids["p3"], D(2024, 6, 29), "电话", NOTE.replace("，", " ") + "。", actor=CLERK_B,
                              now=_at(D(2024, 6, 30), 9))
    valid, read, live = readings(db_url)
    assert valid and read == live
    assert (repeated(db_url, ids["wang"]), repeated(db_url, ids["li"])) == (2, 2)

    # a 督办 (临检突击 reads its deadline) and a 回访 result (回访不符) keep it too
    with session_scope(db_url) as s:
        signals.issue_supervision(s, EVERYWHERE, AS_OF, load_policy(s), ids["wang"], D(2024, 7, 10), D(2024, 7, 1),
                                  actor=INSPECTOR)
    assert readings(db_url)[0] and readings(db_url)[1] == readings(db_url)[2]
    with session_scope(db_url) as s:
        return_visits.schedule_for_cadre(s, EVERYWHERE, AS_OF, load_policy(s), ids["wang"], ["dc1"], D(2024, 7, 10),
                                         D(2024, 6, 25), actor=INSPECTOR)
        for task in return_visits.tasks(s, EVERYWHERE, "dc1", return_visits.OPEN)["任务号"]:  # 户1 and 户2
            return_visits.record_result(s, int(task), D(2024, 6, 28), "实地", "不满意", "否", actor=INSPECTOR)
    valid, read, live = readings(db_url)
    assert valid and read == live
    with session_scope(db_url) as s:
        # 户2's family said no again, with the 05-10 visit on record (户1 has no visit to contradict)
        assert signals.cadre_signal_counts(s, EVERYWHERE, AS_OF, load_policy(s), ids["wang"])[signals.DISAGREES] == 2

    # A write that does not read its cadres again leaves the stored rows invalid: pages read live.
    with session_scope(db_url) as s:
        b.contact(s, ids["p3"], D(2024, 3, 1), "电话", entered_at=_at(D(2024, 6, 1)))  # 补录 for 李华
        db.bump_version(s)
    valid, read, live = readings(db_url)
    assert not valid and read == live
    with session_scope(db_url) as s:
        assert signals.cadre_signal_counts(s, EVERYWHERE, AS_OF, load_policy(s), ids["li"])[signals.BACKFILLED] == 1


WRITE = """
import datetime as dt, sys
from data_access import recording
from data_access.db import session_scope
from data_access.permissions import Actor
from data_access.scope import Scope
url, pairing, township = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with session_scope(url) as s:
    recording.add_contact(s, pairing, dt.date(2024, 6, 29), "电话", "送去米面油 询问生活困难情况！",
                          actor=Actor("clerk_b", "clerk", Scope.for_region(township)),
                          now=dt.datetime(2024, 6, 30, 9, 0))
"""


def test_a_write_in_another_process_is_seen_at_once(db_url):
    ids = setup(db_url)
    before = repeated(db_url, ids["wang"])
    done = subprocess.run([sys.executable, "-c", WRITE, db_url, str(ids["p3"]), b.TOWNSHIP_B], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    valid, read, live = readings(db_url)
    assert valid and read == live  # carried over by the other process, with its write
    assert (before, repeated(db_url, ids["wang"])) == (1, 2)
    with session_scope(db_url) as s:
        assert s.scalar(select(Cadre.name).where(Cadre.id == ids["li"])) == "李华"
        assert signals.cadre_signal_counts(s, EVERYWHERE, AS_OF, load_policy(s), ids["li"])[signals.REPEATED] == 2


def test_writes_that_change_no_signal_leave_the_store_valid(db_url):
    """数据核查's export, a cadre's 在岗 status and a setting no signal reads change no signal: the
    stored evaluation stays valid across each (left invalid, the next write's upkeep stored every
    signal afresh: 124.7 s for a county's import into the province database, issue 17)."""
    ids = setup(db_url)
    writes = [
        lambda s: verification.export(s, "duplicates", EVERYWHERE, AS_OF, load_policy(s), "全部", actor=ADMIN),
        lambda s: turnover.set_status(s, ids["li"], "调离", D(2024, 6, 1), actor=ADMIN, today=AS_OF),
        lambda s: policy.change_settings(s, {"return_visit_days": 9}, actor=ADMIN),
    ]
    for write in writes:
        version = db.data_version(db_url)
        with session_scope(db_url) as s:
            write(s)
        assert db.data_version(db_url) == version + 1  # a write, seen by every cached figure
        valid, read, live = readings(db_url)
        assert valid and read == live and read[0]


def test_a_change_of_a_signal_setting_stores_the_signals_of_its_new_reading_itself(db_url):
    """Changing a setting the signals read, the settings change pays for storing them under the new
    reading (the days 真实性核查 and 月通报 open on), as the change of a setting of the rule does: no
    later write and no viewer does."""
    ids = setup(db_url)
    today = current_date()
    with session_scope(db_url) as s:  # back-filled this year: 补录 under the new reading only for some
        for n, day in enumerate((today - dt.timedelta(days=40), today - dt.timedelta(days=12), today - dt.timedelta(days=5))):
            b.contact(s, ids["p1"], day, "电话", entered_at=_at(today - dt.timedelta(days=1)), content=f"电话问候{n}")
        for day in upkeep.signal_days(today):
            signals.store(s, day, load_policy(s))
    found = []
    for key, value in (("late_entry_days", 3), ("burst_size", 3), ("burst_span_days", 40)):
        with session_scope(db_url) as s:
            policy.change_settings(s, {key: value}, actor=ADMIN)
        for day in upkeep.signal_days(today):
            valid, read, live = readings(db_url, day)
            assert valid and read == live, (key, day)
        with session_scope(db_url) as s:
            found.append(signals.cadre_signal_counts(s, EVERYWHERE, today, load_policy(s), ids["wang"]))
    # delays 39, 11 and 4 days; the three entered on one day, dated 35 days apart
    assert found == [{signals.BACKFILLED: 3}, {signals.BACKFILLED: 3, signals.BATCH: 3}, {signals.BACKFILLED: 3}]


def test_the_demo_build_ends_with_the_signals_stored(db_url):
    from data_access.demo.build import build_demo
    from data_access.demo.plan import DemoConfig

    build_demo(DemoConfig("county", 7, current_date(), households=60), db_url)
    for day in upkeep.signal_days(current_date()):
        valid, read, live = readings(db_url, day)
        assert valid and read == live, day
    assert read[0]  # the demo plants signals
