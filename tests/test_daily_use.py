"""Daily use without slips (issue 19): what a county office met when it used the pages for real —
a click that changes data cannot happen twice by accident, and the page then shows the record acted on."""

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from data_access import audit, supervision
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
        done = supervision.issue(s, Scope(), TODAY, Policy(), "提醒", [ids["p2"]], TODAY,
                                 actor=Actor("dc1", "inspector"))
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


# The details the app writes (and wrote before this issue: a script path, record/value), one of each action.
AUDIT_DETAILS = [
    ("login", {"method": "password"}),
    ("login_failed", {"reason": "wrong_password", "failed_attempts": 5, "locked_minutes": 15}),
    ("session_expired", {"reason": "idle"}),
    ("logout", None),
    ("scope_refused", {"page": "pages/cadre.py", "role": "publicity"}),
    ("scope_refused", {"record": "干部", "value": "1", "role": "inspector"}),
    ("scope_refused", {"region": "621299", "role": "leader"}),
    ("reveal", {"fields": ["姓名", "身份证号", "电话"], "why": "核实身份"}),
    ("export", {"rows": 12, "as_of": "2024-06-30", "format": "xlsx",
                "filter": {"unit_id": None, "rank": "科级", "group": None, "status": None, "min_days_silent": None,
                           "reminded_only": False, "text": ""}}),
    ("export", {"截至": "2024-06-15", "行数": {"逾期诉求": 3, "认门逾期": 1}}),
    ("export", {"rows": 4, "as_of": "2024-06-30", "group": "孤儿", "policy": None}),
    ("export", {"cases": [3, 5], "format": "zip"}),
    ("export", {"rows": 2, "check": "duplicates"}),
    ("import", {"outcome": "成功", "sha256": "ab" * 32, "counts": {"关爱对象": {"new": 3, "updated": 0, "unchanged": 1,
                                                                          "rejected": 0}, "problems": 0}}),
    ("reminder", {"kind": "提醒", "actions": 2, "cadres": 1, "issued": "2024-06-30", "deadline": "2024-07-10",
                  "as_of": "2024-06-30"}),
    ("reminder_withdrawn", {"kind": "提醒", "actions": 2, "cadres": 1, "households": ["H001", "H002"]}),
    ("need_change", {"事项": "办结", "日期": "2024-06-15", "责任层级": "单位", "说明": None}),
    ("case_status", {"from": None, "to": "候选", "pairing_id": 7}),
    ("case_status", {"from": "入围", "to": "已同意", "consent_by": "王某", "consent_relation": "监护人"}),
    ("case_edit", {"fields": ["标题", "正文"]}),
    ("policy_setting", {"setting": "失联天数", "old": 90, "new": 60}),
    ("user_admin", {"op": "add", "role": "leader", "region": "621225", "password": True}),
    ("user_admin", {"op": "demo", "accounts": 6}),
    ("demo_build", {"scale": "county", "seed": 7, "as_of": "2024-06-30", "households": 4225,
                    "counts": {"regions": 30, "persons": 4583, "supervision_actions": 900}}),
]


def test_audit_details_read_as_chinese_sentences(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as s:
        for action, detail in AUDIT_DETAILS:
            audit.record(s, "admin", action, None, "对象", detail)
    at = open_page("pages/audit_log.py")
    frame = at.dataframe[0].value
    assert len(frame) == len(AUDIT_DETAILS)
    for line in frame["详情"]:
        for raw in ("None", "{", "[", "pages/", "record", "value", "True", "False", "_"):
            assert raw not in line, line
        assert not re.search(r"[a-z]{3,}", line.replace("Excel", "")), line
    shown = "\n".join(frame["详情"])
    assert "链接中的干部 1 不在账号（督查组）的查看范围内，已拒绝" in shown
    assert "账号（宣传干部）无权打开该页面，已拒绝" in shown
    assert "“失联天数”由 90 改为 60" in shown
    assert "撤回提醒 2 条（1 名干部）；涉及户：H001、H002" in shown
    assert "逾期诉求 3，认门逾期 1" in shown and "新增 3，更新 0，未变 1" in shown
    assert "创建演示账号；账号数：6" in shown


def test_unpaired_persons_show_empty_cells_not_none(county):  # noqa: F811
    at = open_at("pages/coverage.py")
    for df in at.dataframe:
        assert not df.value.isna().any().any() and "None" not in df.value.astype(str).to_csv()


def test_a_contact_without_gift_shows_an_empty_cell(town_db):  # noqa: F811
    _, ids = town_db
    at = open_page("pages/cadre.py", user=INSPECTOR)
    at.query_params["cadre"] = str(ids["zhang"])
    at.run()
    contacts = next(df.value for df in at.dataframe if "慰问金额（元）" in df.value.columns)
    assert set(contacts["慰问金额（元）"]) == {""}  # no gift recorded: an empty cell


def test_coverage_table_opens_worst_first_with_the_deciding_columns_first(county):  # noqa: F811
    at = open_at("pages/coverage.py")
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["乡镇", "覆盖率", "达标率"]
    assert list(table["覆盖率"]) == sorted(table["覆盖率"])


def test_unit_ranking_shows_the_share_beside_the_name(county):  # noqa: F811
    at = open_at("pages/rankings.py")
    table = at.dataframe[0].value
    assert list(table.columns[:4]) == ["排名", "工作单位", "达标率", "末位"]
    assert list(table["达标率"]) == sorted(table["达标率"])
