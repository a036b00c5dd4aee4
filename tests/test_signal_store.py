"""Stored authenticity signals (signal_store): the stored rows are the live ones, and every write
that can change a signal keeps them so — the cadres it touched read again in its own transaction —
or leaves them invalid, so pages read live: never a stale figure, also when the write is made by
another process. SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select

from data_access import db, recording, return_visits, signal_store, signals
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


def setup(url: str) -> dict:
    ids = build(url)
    with session_scope(url) as s:
        b.contact(s, ids["p2"], D(2024, 6, 5), "电话", entered_at=_at(D(2024, 6, 5)), content=NOTE)
        signals.store(s, AS_OF, load_policy(s))
    return ids


def readings(url: str) -> tuple[bool, list, list]:
    """(a valid evaluation is stored, what the pages read, the signals read from the records) over
    the whole database and per township."""
    with session_scope(url) as s:
        policy = load_policy(s)
        valid = signal_store.find(s, AS_OF, policy) is not None
        scopes = (EVERYWHERE, Scope.for_region(b.TOWNSHIP_A), Scope.for_region(b.TOWNSHIP_B))
        read = [sorted(signals.located_counts(s, scope, AS_OF, policy)) for scope in scopes]
        live = [sorted(signals.live_located_counts(s, scope, AS_OF, policy)) for scope in scopes]
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
