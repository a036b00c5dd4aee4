"""满意度回访 page as leaders and inspectors see it (AppTest on a real SQLite file): the hand-built
county of tests/records_data.py on 2024-06-30, figures equal to the hand counts."""

import pytest

from tests import builders as b
from tests import records_data as R
from tests.apptest import ROOT, app, as_user, texts

LEADER = as_user("leader1", "leader", b.COUNTY, "县领导")
INSPECTOR = as_user("inspector1", "inspector", b.COUNTY, "督查组")


@pytest.fixture
def county(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    R.build(sqlite_url)
    return sqlite_url


def open_at(script: str, user=LEADER, asof: str = "2024-06-30"):
    at = app(user=user)
    at.query_params["asof"] = asof
    at.run()
    if script != "pages/home.py":
        at.switch_page(str(ROOT / script))
        at.run()
    assert not at.exception, at.exception
    return at


def test_satisfaction_page_equals_hand_counts(county):
    at = open_at("pages/satisfaction.py", user=INSPECTOR)
    shown = {m.label: m.value for m in at.metric}
    assert shown["回访次数"] == "5"
    assert shown["满意率"] == "60.0%"
    assert shown["回访不符"] == "1"
    townships = at.dataframe[0].value.set_index("乡镇")
    assert townships.loc["汉源镇", ["回访次数", "满意", "不满意", "回访不符"]].tolist() == [2, 1, 1, 1]
    assert townships.loc["长道镇", "满意率"] == pytest.approx(200 / 3)
    units = at.dataframe[1].value.set_index("工作单位")
    assert units.loc["县民政局", ["回访次数", "满意", "家属称干部未上门"]].tolist() == [3, 2, 2]
    unhappy = at.dataframe[2].value
    assert list(unhappy["对象"]) == ["刘*红", "陈*山"]
    mismatched = at.dataframe[3].value
    assert list(mismatched["干部"]) == ["张明"]
    assert "刘小红" not in texts(at)


def test_satisfaction_lists_are_read_a_page_at_a_time(county, monkeypatch):
    """不满意名单 and 回访不符 are paged in the database (a province's quarter has thousands): with one
    row a page, 不满意名单 shows its two families one after the other, with which of how many."""
    monkeypatch.setenv("DASHBOARD_MAX_ROWS", "1")
    at = open_at("pages/satisfaction.py", user=INSPECTOR)
    assert list(at.dataframe[2].value["对象"]) == ["刘*红"] and "第 1–1 条，共 2 条。" in texts(at)
    at.number_input(key="sf_unhappy_page").set_value(2).run()
    assert not at.exception, at.exception
    assert list(at.dataframe[2].value["对象"]) == ["陈*山"] and "第 2–2 条，共 2 条。" in texts(at)
    assert list(at.dataframe[3].value["干部"]) == ["张明"]  # one 回访不符: one page, no pager
    assert not [n for n in at.number_input if n.key == "sf_mismatch_page"]


def test_satisfaction_page_earlier_quarter(county):
    at = open_at("pages/satisfaction.py")
    at.selectbox(key="sat_quarter").select("2024年第1季度").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["满意率"] == "100.0%"
    assert at.dataframe[0].value["回访次数"].tolist() == [1]


CLERK = as_user("clerk_a", "clerk", b.TOWNSHIP_A, "汉源镇经办")


def test_township_clerk_records_a_contact_and_a_return_visit_on_the_cadre_page(county):
    import datetime as dt

    from sqlalchemy import select

    from data_access import satisfaction
    from data_access.db import session_scope
    from data_access.models import Cadre, Contact
    from data_access.policy import Policy
    from data_access.scope import EVERYWHERE

    with session_scope(county) as s:
        zhang = s.scalar(select(Cadre.id).where(Cadre.name == "张明"))
    at = app(user=CLERK)
    at.query_params["asof"] = "2024-06-30"
    at.query_params["cadre"] = str(zhang)
    at.run()
    at.switch_page(str(ROOT / "pages/cadre.py"))
    at.run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs][:2] == ["录入联系记录", "录入满意度回访"]
    at.date_input(key="rc_day").set_value(dt.date(2024, 6, 29))
    at.selectbox(key="rc_method").select("实地走访")
    at.text_area(key="rc_content").input("入户看望，送去米面油")
    next(b for b in at.button if b.label == "保存联系记录").click().run()
    assert not at.exception, at.exception
    assert "已录入联系记录" in texts(at) and "2024-06-29 实地走访" in texts(at)
    with session_scope(county) as s:
        stored = s.scalars(select(Contact).where(Contact.entry_source == "平台录入")).one()
        assert (stored.contact_date, stored.entered_by) == (dt.date(2024, 6, 29), "clerk_a")

    at.date_input(key="rv_day").set_value(dt.date(2024, 6, 30))
    at.selectbox(key="rv_level").select("不满意")
    at.selectbox(key="rv_came").select("否")
    next(b for b in at.button if b.label == "保存回访").click().run()
    assert not at.exception, at.exception
    assert "已录入满意度回访" in texts(at)
    with session_scope(county) as s:
        quarter = satisfaction.rate(s, EVERYWHERE, *R.Q2, Policy())
    # Q2 had 5 checks (3 satisfied) and 1 回访不符; the new 不满意 says 否 after the visit just recorded.
    assert (quarter.checks, quarter.satisfied, quarter.mismatched) == (6, 3, 2)

    # The same contact again (a second click) is refused and nothing more is stored.
    at.date_input(key="rc_day").set_value(dt.date(2024, 6, 29))
    at.selectbox(key="rc_method").select("实地走访")
    at.text_area(key="rc_content").input("入户看望，送去米面油")
    next(b for b in at.button if b.label == "保存联系记录").click().run()
    assert "已经录入过" in texts(at)
    with session_scope(county) as s:
        assert len(s.scalars(select(Contact).where(Contact.entry_source == "平台录入")).all()) == 1


def test_home_carries_the_satisfaction_rate_and_each_townships_data_freshness(county):
    import datetime as dt

    from data_access.db import session_scope
    from data_access.models import DataFreshness
    from tests.fixed_date import TODAY

    with session_scope(county) as s:
        s.add(DataFreshness(township_code=b.TOWNSHIP_A, changed_at=dt.datetime.combine(TODAY, dt.time(9)) -
                            dt.timedelta(days=2), source="导入"))
    at = open_at("pages/home.py")
    shown = {m.label: m.value for m in at.metric}
    assert (shown["本季满意率"], shown["本季回访"], shown["回访不符"]) == ("60.0%", "5 次", "1 次")
    towns = at.dataframe[-1].value.set_index("乡镇")
    assert towns.loc["汉源镇", "状态"] == "正常" and towns.loc["汉源镇", "距今天数"] == "2 天"
    assert (towns.loc["长道镇", "最近更新"], towns.loc["长道镇", "状态"]) == ("无记录", "超期未更新")
    assert "1 个乡镇的数据超过 7 天没有更新" in texts(at)
    assert "数据更新：1/2 个乡镇超过 7 天未更新" in texts(at)


def test_pages_show_the_signals_count_of_disagreement_on_the_boundary(county):
    """满意度回访, 工作总览 and 真实性核查 show one 回访不符 count: with a 回访 whose visit is exactly three
    months (= 90 days) before (not 回访不符) and one a day earlier (回访不符), Q2 has HF1 and HB2. Q1 has
    none, so the signal's year-to-date count is the quarter's."""
    R.add_boundary_checks(county)
    satisfaction_page = open_at("pages/satisfaction.py", user=INSPECTOR)
    assert {m.label: m.value for m in satisfaction_page.metric}["回访不符"] == "2"
    assert sorted(satisfaction_page.dataframe[3].value["干部"]) == ["张明", "赵刚"]
    home = open_at("pages/home.py")
    assert {m.label: m.value for m in home.metric}["回访不符"] == "2 次"
    signals_page = open_at("pages/signals.py", user=INSPECTOR)
    assert {m.label: m.value for m in signals_page.metric}["回访不符"] == "2 人"
    by_township = signals_page.dataframe[0].value
    assert int(by_township["回访不符"].sum()) == 2
