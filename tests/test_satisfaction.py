"""满意度回访 figures on the hand-built county (tests/records_data.py): per township and unit for a
quarter, the 不满意 list (masked) and 回访不符, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from data_access import satisfaction, signals
from data_access.db import session_scope
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b
from tests import records_data as R

START, END = R.Q2


def test_quarter_helpers():
    assert satisfaction.quarter_of(dt.date(2024, 6, 30)) == (dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert satisfaction.quarter_of(dt.date(2024, 11, 2)) == (dt.date(2024, 10, 1), dt.date(2024, 12, 31))
    assert satisfaction.quarter_label(dt.date(2024, 10, 1)) == "2024年第4季度"
    assert [q[0] for q in satisfaction.quarters_up_to(dt.date(2024, 2, 1), 3)] == [
        dt.date(2024, 1, 1), dt.date(2023, 10, 1), dt.date(2023, 7, 1)]


def test_figures_per_township_unit_and_quarter(db_url):
    R.build(db_url)
    with session_scope(db_url) as s:
        townships = satisfaction.by_township(s, EVERYWHERE, START, END, Policy())
        units = satisfaction.by_unit(s, EVERYWHERE, START, END, Policy())
        quarter = satisfaction.rate(s, EVERYWHERE, START, END, Policy())
        inside_a = satisfaction.rate(s, Scope.for_region(b.TOWNSHIP_A), START, END, Policy())
        county = satisfaction.rate(s, Scope.for_region(b.COUNTY), START, END, Policy())  # holds every household
    assert county == quarter  # counted without the households (effective_scope), the same figures
    assert [tuple(r) for r in townships.itertuples(index=False)] == [
        ("汉源镇", 2, 1, 0, 1, 0.5, 2, 1),
        ("长道镇", 3, 1, 1, 1, 2 / 3, 1, 0),
    ]
    assert [tuple(r) for r in units.itertuples(index=False)] == [
        ("县教育局", 2, 0, 1, 1, 0.5, 1, 0),
        ("县民政局", 3, 2, 0, 1, 2 / 3, 2, 1),
    ]
    assert (quarter.checks, quarter.satisfied, quarter.dissatisfied, quarter.came_no, quarter.mismatched) == (5, 3, 2, 3, 1)
    assert quarter.rate == 0.6
    assert (inside_a.checks, inside_a.rate) == (2, 0.5)


def test_dissatisfied_and_mismatch_lists(db_url):
    R.build(db_url)
    with session_scope(db_url) as s:
        unhappy = satisfaction.dissatisfied(s, EVERYWHERE, START, END)
        mismatched = satisfaction.mismatches(s, EVERYWHERE, START, END, Policy())
        outside = satisfaction.mismatches(s, Scope.for_region(b.TOWNSHIP_B), START, END, Policy())
    assert list(unhappy["回访日期"]) == [dt.date(2024, 6, 20), dt.date(2024, 5, 15)]
    assert list(unhappy["对象"]) == ["刘*红", "陈*山"]  # masked
    assert list(unhappy["干部"]) == ["赵刚", "王强"]
    assert "刘小红" not in unhappy.to_csv() and "陈大山" not in unhappy.to_csv()
    assert len(mismatched) == 1
    row = mismatched.iloc[0]
    assert (row["户编号"], row["对象"], row["干部"], row["工作单位"], row["记录的最近走访"], row["此前三个月走访次数"]) == (
        mismatched.iloc[0]["户编号"], "李*英", "张明", "县民政局", dt.date(2024, 5, 10), 1)
    assert outside.empty


def test_monthly_bulletin_carries_the_months_satisfaction_rate(db_url):
    from data_access import bulletin

    R.build(db_url)
    with session_scope(db_url) as s:
        june = bulletin.figures(s, EVERYWHERE, b.COUNTY, 2024, 6, Policy(), today=dt.date(2024, 7, 15))
    # June: HF1 (满意) and HF4 (不满意).
    figures = dict(bulletin.key_figures(june))
    assert (figures["本月满意度回访（次）"], figures["本月满意率"], figures["本月不满意（次）"]) == ("2", "50.0%", "1")
    assert "本月满意度回访2次，群众满意率（满意和基本满意）50.0%，评价不满意1次。" in bulletin.summary_paragraph(june)


def test_disagreement_is_the_signals_on_the_three_month_boundary(db_url):
    """回访不符 on 满意度回访 (rate, per township, per unit, the list) is the 回访不符 signal: a visit exactly
    three months (here also exactly 90 days) before the 回访 does not count, one day later does."""
    R.build(db_url)
    R.add_boundary_checks(db_url)
    with session_scope(db_url) as s:
        quarter = satisfaction.rate(s, EVERYWHERE, START, END, Policy())
        townships = satisfaction.by_township(s, EVERYWHERE, START, END, Policy())
        units = satisfaction.by_unit(s, EVERYWHERE, START, END, Policy())
        listed = satisfaction.mismatches(s, EVERYWHERE, START, END, Policy())
        found = signals.cadre_signals(s, EVERYWHERE, END, Policy(), signals.SignalFilter(signal=signals.DISAGREES))
    # HF1 (张明) and HB2 (赵刚); not HB1, whose visit of 02-10 is exactly three months before 05-10.
    assert quarter.mismatched == 2
    assert dict(zip(townships["乡镇"], townships["回访不符"], strict=True)) == {"汉源镇": 1, "长道镇": 1}
    assert dict(zip(units["工作单位"], units["回访不符"], strict=True)) == {"县教育局": 1, "县民政局": 1}
    assert sorted(zip(listed["干部"], listed["回访日期"], strict=True)) == [("张明", dt.date(2024, 6, 1)), ("赵刚", dt.date(2024, 5, 9))]
    assert dict(zip(found["干部姓名"], found[signals.DISAGREES], strict=True)) == {"张明": 1, "赵刚": 1}
    assert int(found[signals.DISAGREES].sum()) == quarter.mismatched


def test_migration_drops_a_stored_window_setting(sqlite_url):
    """The 90-day setting is gone: an override stored before migration 0011 is removed by it."""
    from sqlalchemy import select, text

    from data_access import db
    from data_access.models import PolicySetting
    from tests.test_records_schema import _migrate

    _migrate(sqlite_url, "0010")
    with db.get_engine(sqlite_url).begin() as connection:
        connection.execute(text("INSERT INTO policy_settings (key, value, updated_at) "
                                "VALUES ('return_visit_window_days', '20', '2024-01-01 00:00:00'), "
                                "('silent_days', '60', '2024-01-01 00:00:00')"))
    _migrate(sqlite_url, "head")
    with session_scope(sqlite_url) as s:
        assert s.scalars(select(PolicySetting.key)).all() == ["silent_days"]
