"""Monthly activity, month-end points and festival contacts on the hand-built county
(tests/leaders_data.py), with direct SQL for the totals, on SQLite and PostgreSQL."""

import datetime as dt

from sqlalchemy import text

from data_access import compliance, coverage, status_store, trends
from data_access import models as m
from data_access.db import session_scope
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import leaders_data as L


def test_monthly_activity(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        frame = trends.monthly_activity(s, EVERYWHERE, L.D)
        township_b = trends.monthly_activity(s, Scope.for_region(b.TOWNSHIP_B), L.D)
        june = trends.activity(s, EVERYWHERE, dt.date(2024, 6, 1), L.D)
        total, visits = s.execute(text(
            "SELECT count(*), sum(CASE WHEN method = '实地走访' THEN 1 ELSE 0 END) FROM contacts "
            "WHERE contact_date BETWEEN :a AND :d"), {"a": dt.date(2024, 1, 1), "d": L.D}).one()
    assert list(frame["月份"]) == ["1月", "2月", "3月", "4月", "5月", "6月"]
    assert list(frame["联系次数"]) == [1, 2, 0, 1, 1, 1]
    assert list(frame["走访次数"]) == [0, 1, 0, 0, 1, 0]
    assert list(frame["慰问金额（元）"]) == [0, 0, 0, 0, 200, 0]
    assert (frame["联系次数"].sum(), frame["走访次数"].sum()) == (total, visits)
    assert list(township_b["联系次数"]) == [0, 1, 0, 1, 0, 0]
    assert (june.contacts, june.visits, june.gifts_yuan) == (1, 0, 0)


def test_month_ends():
    assert trends.month_ends(dt.date(2024, 3, 31)) == [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]
    assert trends.month_ends(dt.date(2024, 3, 5)) == [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 5)]
    assert trends.month_ends(dt.date(2024, 1, 1)) == [dt.date(2024, 1, 1)]
    assert trends.month_end(2024, 12) == dt.date(2024, 12, 31)


def test_holiday_contacts(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        frame = trends.holiday_contacts(s, EVERYWHERE, dt.date(2024, 1, 1), L.D).set_index("节日")
        may = trends.holiday_contacts(s, EVERYWHERE, dt.date(2024, 5, 1), dt.date(2024, 5, 31))
        direct = s.execute(text(
            "SELECT count(*) FROM contacts c JOIN holiday_days h ON h.day = c.contact_date WHERE h.name = '春节'"
        )).scalar_one()
    assert list(frame.index) == ["春节", "端午节"]
    spring = frame.loc["春节"]
    # 02-10: 张明 phoned 李秀英, 赵刚 visited the children; four pairings were active on 02-10.
    assert (spring["节日天数"], spring["联系次数"], spring["联系到的结对户"], spring["在结对户"]) == (8, 2, 2, 4)
    assert spring["联系次数"] == direct
    assert spring["节日联系率"] == 0.5
    dragon = frame.loc["端午节"]
    assert (dragon["联系次数"], dragon["联系到的结对户"], dragon["在结对户"]) == (1, 1, 3)
    assert may.empty


def test_month_end_points_equal_snapshots(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        for day in trends.month_ends(L.D):
            point = trends.month_end_point(s, EVERYWHERE, day, Policy())
            snap = coverage.snapshot(s, EVERYWHERE, day, Policy())
            assert (point.coverage, point.cadre_on_track_share) == (
                snap.head.coverage, snap.compliance.cadre_on_track_share), day
        march = trends.month_end_point(s, EVERYWHERE, dt.date(2024, 3, 31), Policy())
    # 03-31: 孙老汉's pairing ended 03-01 (4 of 5 paired); each cadre owes the Q1 contact and has it,
    # and 王强's 01-05 call is inside the 90 days ending 03-31: all three on track. By 06-30 he is not.
    assert march.coverage == 0.8
    assert march.cadre_on_track_share == 1.0


def test_month_end_points_in_one_call_equal_each_point(db_url):
    """month_end_points counts coverage for every month end in one pass and stores each month end's
    evaluation of the rule (wider than a county): the same points as one day at a time, and as the
    snapshots, for the whole database and a township."""
    L.build(db_url)
    township = Scope.for_region(b.TOWNSHIP_B)
    with session_scope(db_url) as s:
        for scope in (EVERYWHERE, township):
            points = trends.month_end_points(s, scope, L.D, Policy())
            if scope == EVERYWHERE:
                assert set(trends.month_ends(L.D)) <= {e["as_of"] for e in status_store.stored(s)}
            assert [p.day for p in points] == trends.month_ends(L.D)
            assert points == [trends.month_end_point(s, scope, day, Policy()) for day in trends.month_ends(L.D)]
            for p in points:
                snap = coverage.snapshot(s, scope, p.day, Policy())
                assert (p.coverage, p.cadre_on_track_share) == (
                    snap.head.coverage, snap.compliance.cadre_on_track_share), (scope, p.day)
                assert compliance.cadre_on_track_counts(s, scope, p.day, Policy()) == (
                    snap.compliance.cadres, snap.compliance.cadres_on_track)


def test_a_scope_holding_every_household_scans_contacts_unfiltered(db_url):
    """compliance.effective_scope: the county holds every household of this database, so its contact
    figures are read without the IN list and equal those of the whole database; a township, or a
    county with no household here, keeps its filter."""
    L.build(db_url)
    county, township = Scope.for_region(b.COUNTY), Scope.for_region(b.TOWNSHIP_B)
    with session_scope(db_url) as s:
        assert compliance.effective_scope(s, county) == EVERYWHERE
        assert compliance.effective_scope(s, township) == township
        assert compliance.effective_scope(s, Scope.for_region("621226")) == Scope.for_region("621226")
        year = (dt.date(2024, 1, 1), L.D)
        assert trends.monthly_activity(s, county, L.D).equals(trends.monthly_activity(s, EVERYWHERE, L.D))
        assert trends.holiday_contacts(s, county, *year).equals(trends.holiday_contacts(s, EVERYWHERE, *year))
        assert trends.activity(s, county, *year) == trends.activity(s, EVERYWHERE, *year)
        assert coverage.headline(s, county, L.D) == coverage.headline(s, EVERYWHERE, L.D)
        assert list(trends.monthly_activity(s, township, L.D)["联系次数"]) == [0, 1, 0, 1, 0, 0]


def test_a_person_or_household_outside_keeps_the_filter(db_url):
    """effective_scope looks at persons too (they carry their own village code): one person or one
    household coded outside the county is enough for the county's scope to be applied."""
    L.build(db_url)
    county = Scope.for_region(b.COUNTY)
    with session_scope(db_url) as s:
        s.add(m.Region(code="621226100001", name="外县村", level="village"))
        s.flush()
        inside = b.household(s)
        b.person(s, inside, village_code="621226100001")
        assert compliance.effective_scope(s, county) == county
        assert compliance.effective_scope(s, Scope.for_region("620000")) == EVERYWHERE
        s.rollback()
    with session_scope(db_url) as s:
        s.add(m.Region(code="621226100001", name="外县村", level="village"))
        s.flush()
        b.household(s, "621226100001")
        assert compliance.effective_scope(s, county) == county
        s.rollback()
