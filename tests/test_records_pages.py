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


def test_satisfaction_page_earlier_quarter(county):
    at = open_at("pages/satisfaction.py")
    at.selectbox(key="sat_quarter").select("2024年第1季度").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["满意率"] == "100.0%"
    assert at.dataframe[0].value["回访次数"].tolist() == [1]
