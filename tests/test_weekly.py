"""周督查: 达标督查's and 逾期事项's figures against the same day last week (data_access/weekly.py), and
the cards that show it (AppTest)."""

import datetime as dt

from data_access import overdue, weekly
from data_access.db import session_scope
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from tests import builders as b
from tests.apptest import as_user
from tests.test_accountability import _county, _open

D = dt.date


def test_changes_against_the_same_day_last_week(db_url):
    with session_scope(db_url) as s:
        _county(s)
    as_of = D(2025, 8, 15)
    with session_scope(db_url) as s:
        change = weekly.overdue_change(s, EVERYWHERE, as_of, Policy())
        now = overdue.counts(s, EVERYWHERE, as_of, Policy())
        before = overdue.counts(s, EVERYWHERE, D(2025, 8, 8), Policy())
        laggards = weekly.laggard_change(s, EVERYWHERE, as_of, Policy())
    # the 督办 due 08-11 was pending on 08-08 and unanswered on 08-15; the 提醒 due 07-11 was both
    assert (before.totals[overdue.KIND_UNANSWERED], now.totals[overdue.KIND_UNANSWERED]) == (1, 2)
    assert change[overdue.KIND_UNANSWERED] == 1
    assert change[overdue.TOTAL] == now.total - before.total
    assert laggards.since == D(2025, 8, 8) and laggards.pairings_behind == 0
    assert weekly.delta(3, "户") == {"delta": "+3 户", "delta_color": "inverse"}
    assert weekly.delta(0, "户") == {"delta": "0 户", "delta_color": "off", "delta_arrow": "off"}
    assert weekly.delta(-2.5, "个百分点", worse_when_up=False) == {"delta": "-2.5 个百分点", "delta_color": "normal"}


def test_cards_show_the_weekly_change(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as s:
        _county(s)
    leader = as_user("leader1", "leader", b.COUNTY)
    at = _open("pages/overdue.py", leader, asof="2025-08-15")
    cards = {m.label: (m.value, m.delta) for m in at.metric}
    assert cards[overdue.KIND_UNANSWERED] == ("2 项", "+1 项")
    at = _open("pages/compliance.py", leader, asof="2025-08-15")
    cards = {m.label: (m.value, m.delta) for m in at.metric}
    assert cards["失联结对"][1] == "0 户"
