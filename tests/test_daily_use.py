"""Daily use without slips (issue 19): what a county office met when it used the pages for real —
a click that changes data cannot happen twice by accident, and the page then shows the record acted on."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from data_access import supervision
from data_access.db import session_scope
from data_access.models import AuditEntry, SupervisionAction, TypicalCase
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import Scope, ScopeError
from tests import case_scenario as sc
from tests.apptest import open_page
from tests.test_cases_pages import open_as, site  # noqa: F401 - the fixture
from tests.test_inspection_pages import INSPECTOR, TODAY, town_db  # noqa: F401 - the fixture
from tests.test_leaders_pages import county, open_at  # noqa: F401 - the fixture

COMPLIANCE = "pages/compliance.py"


def issue_button(at):
    return next(btn for btn in at.button if btn.label == "发出")


def batches(url) -> list[str]:
    with session_scope(url) as s:
        return sorted(set(s.scalars(select(SupervisionAction.batch_no).where(SupervisionAction.issued_date == TODAY))))


def test_issuing_clears_the_selection_and_a_second_click_issues_nothing(town_db):  # noqa: F811
    url, ids = town_db
    at = open_page(COMPLIANCE, user=INSPECTOR)
    at.multiselect[0].select(ids["p2"])
    issue_button(at).click().run()
    assert not at.exception
    [batch] = batches(url)
    shown = "\n".join(s.value for s in at.success)
    assert f"批次号 {batch}" in shown and "已发出提醒 1 条" in shown
    assert at.multiselect[0].value == []  # nothing stays ticked for a second batch
    assert "李华" in at.dataframe[0].value.to_csv()  # the batch just issued, with its cadre
    issue_button(at).click().run()
    assert any("请先选择" in w.value for w in at.warning)
    assert batches(url) == [batch]


def test_the_issuer_withdraws_a_batch_the_same_day(town_db):  # noqa: F811
    url, ids = town_db
    at = open_page(COMPLIANCE, user=INSPECTOR)
    at.multiselect[0].select(ids["p2"])
    issue_button(at).click().run()
    [batch] = batches(url)
    at.button(key=f"cp_withdraw_{batch}").click().run()
    assert not at.exception
    assert any(f"已撤回批次 {batch}" in s.value for s in at.success)
    assert batches(url) == []
    with session_scope(url) as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "reminder_withdrawn")).scalar_one()
        assert (entry.username, entry.target) == ("dc1", batch)


def test_withdraw_is_refused_to_others_and_after_the_day(town_db):  # noqa: F811
    url, ids = town_db
    issuer = Actor("dc1", "inspector", Scope())
    with session_scope(url) as s:
        done = supervision.issue(s, Scope(), TODAY, Policy(), "dc1", "提醒", [ids["p2"]], TODAY)
    with session_scope(url) as s, pytest.raises(ValueError, match="只能由发出人撤回"):
        supervision.withdraw(s, done.batch_no, actor=Actor("dc2", "inspector", Scope()))
    with session_scope(url) as s, pytest.raises(PermissionDenied):
        supervision.withdraw(s, done.batch_no, actor=Actor("dc1", "leader", Scope()))
    with session_scope(url) as s, pytest.raises(ScopeError):
        supervision.withdraw(s, done.batch_no, actor=Actor("dc1", "inspector", Scope("621299")))
    with session_scope(url) as s, pytest.raises(ValueError, match="不是今天发出的"):
        supervision.withdraw(s, done.batch_no, actor=issuer, today=TODAY + dt.timedelta(days=1))
    with session_scope(url) as s:
        gone = supervision.withdraw(s, done.batch_no, actor=issuer)
    assert (gone.actions, gone.cadres) == (1, 1) and batches(url) == []


def test_a_case_is_created_only_after_confirming(site):  # noqa: F811
    url, ids, _, _ = site
    at = open_as("publicity", "pages/case_detail.py", pairing=ids.p3)
    assert not [b for b in at.button if b.label == "建立案例"]  # no single click that creates it
    with session_scope(url) as s:
        before = s.scalar(select(func.count()).select_from(TypicalCase))
    at.button(key="case_create").click().run()
    assert any("已建立案例" in s.value for s in at.success)
    with session_scope(url) as s:
        assert s.scalar(select(func.count()).select_from(TypicalCase)) == before + 1


def test_the_consent_form_locks_once_consent_is_registered(site):  # noqa: F811
    _, _, _, shortlisted = site
    at = open_as("publicity", "pages/case_detail.py", case=shortlisted)
    form = {w.label: w for w in at.text_input}
    form["同意人姓名"].input(sc.ADULT_NAME)
    form["同意的使用范围"].input("宣传展板")
    next(b for b in at.button if b.label == "登记知情同意").click().run()
    assert any("已登记知情同意" in s.value for s in at.success)
    assert not [b for b in at.button if b.label == "登记知情同意"]
    assert not [w for w in at.text_input if w.label == "同意人姓名"]
    assert any(m.value.startswith("知情同意：本人") for m in at.markdown)  # shown, no longer editable


def chart_specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize(("asof", "expected"), [
    ("2024-06-30", [f"{m}月" for m in range(1, 7)]),  # a past year: its month ends
    (f"{TODAY.year}-03-15", ["1月", "2月", "3月15日"]),  # the current year: month ends so far, then the day
])
def test_trend_points_are_month_ends_labelled_in_chinese(county, asof, expected):  # noqa: F811
    at = open_at("pages/trends.py", asof=asof)
    shares = next(spec for spec in chart_specs(at) if "覆盖率" in spec["layout"]["title"]["text"])
    for line in shares["data"]:
        assert list(line["x"]) == expected
    assert shares["layout"]["xaxis"]["type"] == "category"  # never re-read as dates ("Feb 29, 2012")


def test_cadre_progress_chart_has_one_labelled_point_per_quarter_end(town_db):  # noqa: F811
    _, ids = town_db
    at = open_page("pages/cadre.py", user=INSPECTOR)
    at.query_params["cadre"] = str(ids["li"])
    at.run()
    [spec] = chart_specs(at)
    ends = [d for d in (dt.date(TODAY.year, m, 31 if m in (3, 12) else 30) for m in (3, 6, 9, 12)) if d < TODAY]
    expected = [f"{d.month}月{d.day}日" for d in ends] + [f"{TODAY.month}月{TODAY.day}日"]
    assert [list(trace["x"]) for trace in spec["data"]] == [expected] * len(spec["data"])
    assert spec["layout"]["xaxis"]["type"] == "category"
