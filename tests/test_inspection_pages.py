"""AppTest of the inspection pages (达标督查, 干部详情, 提醒督办) and 规则设置 on a small real database:
the figures, rows and messages a user checks, issuing a reminder, role limits, masking."""

import datetime as dt
from io import BytesIO

import pandas as pd
import pytest
from sqlalchemy import select

from data_access import signal_store, status_store, trends, upkeep
from data_access.db import data_version, session_scope
from data_access.models import AuditEntry, PolicySetting, SupervisionAction
from data_access.policy import Policy, load_policy
from data_access.vocabulary import GROUP_DISABLED, GROUP_ORPHAN
from tests import builders as b
from tests.apptest import ROOT, app, as_user, downloads, open_page, texts
from tests.fixed_date import TODAY

YEAR_START = dt.date(TODAY.year, 1, 1)
INSPECTOR = as_user("dc1", "inspector", "", "督查一组")
LEADER = as_user("ld1", "leader", "", "县领导")


@pytest.fixture
def town_db(sqlite_url, monkeypatch):
    """张明 on track (contacted today), 李华 never contacted (behind and silent); 李华 reminded once,
    with the deadline passed and no answer."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    old = YEAR_START - dt.timedelta(days=400)
    with session_scope(sqlite_url) as s:
        b.region_tree(s)
        bureau = b.unit(s, "县民政局")
        zhang = b.cadre(s, bureau, "张明")
        li = b.cadre(s, b.unit(s, "县教育局"), "李华", rank="科级")
        h1 = b.household(s, b.VILLAGE_A1)
        b.person(s, h1, b.VILLAGE_A1, group=GROUP_ORPHAN, name="赵小军", id_number="621225201001011234")
        p1 = b.pairing(s, h1, zhang, old)
        for days in range(0, 360, 30):
            day = TODAY - dt.timedelta(days=days)
            if day >= YEAR_START:
                b.contact(s, p1, day, "实地走访")
        h2 = b.household(s, b.VILLAGE_B1)
        b.person(s, h2, b.VILLAGE_B1, group=GROUP_DISABLED, name="孙桂兰")
        p2 = b.pairing(s, h2, li, old)
        s.add(SupervisionAction(cadre_id=li, pairing_id=p2, kind="提醒", issued_date=YEAR_START,
                                deadline=YEAR_START, batch_no="TX-OLD-001", reason="联系不足"))
    return sqlite_url, {"li": li, "zhang": zhang, "p2": p2}


def test_compliance_page_cards_and_laggard_list(town_db):
    at = open_page("pages/compliance.py", user=INSPECTOR)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["结对干部"] == "2 名"
    assert metrics["干部达标率"] == "50.0%"
    assert metrics["失联结对"] == "1 户"
    table = at.dataframe[0].value
    assert list(table["干部姓名"]) == ["李华"]
    assert table.iloc[0]["工作单位"] == "县教育局"
    assert table.iloc[0]["状态"] in ("滞后、失联", "失联", "滞后")
    assert "滞后、失联结对 1 户" in texts(at)
    # The export keeps every column the page shows (issue 19): 职级, 未联系天数, 本年提醒, the work phone;
    # 按单位分表导出 gives each unit a sheet of its own rows. Both as the page's buttons hand them out.
    files = downloads(at)
    assert list(files) == ["导出名单（1 户）", "按单位分表导出"]
    exported = pd.read_excel(BytesIO(files["导出名单（1 户）"]), sheet_name=0)
    assert list(exported.columns) == list(table.columns)
    assert {"职级", "未联系天数", "本年提醒", "干部电话"} <= set(exported.columns)
    book = pd.read_excel(BytesIO(files["按单位分表导出"]), sheet_name=None)
    assert list(book) == ["县教育局", "导出说明"] and list(book["县教育局"].columns) == list(table.columns)


def test_compliance_filters_narrow_the_list(town_db):
    at = open_page("pages/compliance.py", user=INSPECTOR)
    at.text_input(key="cp_text").input("张明").run()
    assert not at.exception
    assert "没有符合条件的滞后或失联结对" in texts(at)
    at.text_input(key="cp_text").input("教育").run()
    assert list(at.dataframe[0].value["干部姓名"]) == ["李华"]
    at.checkbox(key="cp_reminded").check().run()
    assert list(at.dataframe[0].value["干部姓名"]) == ["李华"]


def test_inspector_issues_a_reminder_from_the_list(town_db):
    url, ids = town_db
    before = data_version(url)
    at = open_page("pages/compliance.py", user=INSPECTOR)
    at.multiselect[0].select(ids["p2"])
    at.radio(key="cp_kind").set_value("督办")
    form_button = next(btn for btn in at.button if btn.label == "发出")
    form_button.click().run()
    assert not at.exception
    assert any("已发出督办 1 条" in s.value for s in at.success)
    with session_scope(url) as s:
        actions = s.scalars(select(SupervisionAction).where(SupervisionAction.kind == "督办")).all()
        assert [(a.cadre_id, a.pairing_id, a.issued_date) for a in actions] == [(ids["li"], ids["p2"], TODAY)]
        assert s.scalars(select(AuditEntry.username).where(AuditEntry.action == "reminder")).all() == ["dc1"]
    assert data_version(url) > before


def test_leader_sees_list_but_cannot_issue(town_db):
    at = open_page("pages/compliance.py", user=LEADER)
    assert not at.exception
    assert not any(btn.label == "发出" for btn in at.button)
    assert any("需督查组账号" in c.value for c in at.caption)


def test_cadre_page_shows_detail_masked(town_db):
    _, ids = town_db
    at = open_page("pages/cadre.py", user=INSPECTOR)
    at.text_input(key="cd_text").input("李华").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert "县教育局" in texts(at)
    assert metrics["收到提醒/督办"] == "1 次"
    page = texts(at)
    assert "孙*兰" in page and "孙桂兰" not in page
    assert "621225201001011234" not in page
    assert len(at.get("plotly_chart")) == 1
    reminders = at.dataframe[-1].value
    assert list(reminders["回应情况"]) == (["逾期未回应"] if TODAY > YEAR_START else ["待回应"])


def test_cadre_page_empty_search(town_db):
    at = open_page("pages/cadre.py", user=INSPECTOR)
    at.text_input(key="cd_text").input("不存在的人").run()
    assert not at.exception
    assert "没有找到符合条件的结对干部" in texts(at)


def test_supervision_page_outcomes_and_notice(town_db):
    at = open_page("pages/supervision.py", user=INSPECTOR)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["发出提醒/督办"] == "1 次"
    if TODAY > YEAR_START:
        assert metrics["逾期未回应"] == "1 次"
        assert metrics["回应率"] == "0.0%"
    # only the open tab runs: the list first, the others once chosen
    assert [list(df.value["干部姓名"]) for df in at.dataframe] == [["李华"]]
    at.session_state["sv_tab"] = "各单位回应情况"
    at.run()
    assert not at.exception
    assert [list(df.value["工作单位"]) for df in at.dataframe] == [["县教育局"]]
    at.session_state["sv_tab"] = "通知下载"
    at.run()
    assert not at.exception
    assert [list(df.value["存在问题"]) for df in at.dataframe] == [["联系不足"]]  # the notice of batch TX-OLD-001


def test_policy_settings_change_is_audited_and_recomputes(town_db):
    url, _ = town_db
    before = data_version(url)
    at = open_page("pages/policy_settings.py")
    assert not at.exception
    overview = at.dataframe[-1].value
    assert "失联判定天数" in list(overview["设置项"])
    at.number_input(key="ps_silent_days").set_value(120)
    next(btn for btn in at.button if btn.label == "保存修改").click().run()
    assert not at.exception
    assert any("失联判定天数 90→120" in s.value for s in at.success)
    with session_scope(url) as s:
        assert s.get(PolicySetting, "silent_days").value == "120"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "policy_setting")).one()
        assert entry.target == "silent_days" and entry.username == "admin"
        # evaluated at once under the new rule (today and the year's month ends, what 工作总览,
        # 趋势分析 and 月通报 read; the same day last week, what the week-on-week changes read),
        # so the next province-wide page does not wait
        stored = status_store.stored(s)
        days = sorted([*trends.month_ends(TODAY), TODAY - dt.timedelta(days=7)])
        assert sorted((e["as_of"], e["policy_key"]) for e in stored) == [
            (day, status_store.policy_key(Policy(silent_days=120))) for day in days
        ]
    assert data_version(url) > before


def test_a_signal_setting_saved_on_the_page_stores_the_signals_of_the_new_reading(town_db):
    """The save pays for the signals of the days 真实性核查 and 月通报 open on, under the new
    setting: no later write, no viewer."""
    url, _ = town_db
    at = open_page("pages/policy_settings.py")
    at.number_input(key="ps_late_entry_days").set_value(3)
    next(btn for btn in at.button if btn.label == "保存修改").click().run()
    assert not at.exception
    assert any("补录判定天数 7→3" in s.value for s in at.success)
    with session_scope(url) as s:
        policy = load_policy(s)
        assert policy.late_entry_days == 3
        assert all(signal_store.find(s, day, policy) for day in upkeep.signal_days(TODAY))


def test_policy_settings_refused_for_inspector(town_db):
    at = open_page("pages/policy_settings.py", user=INSPECTOR)
    assert not at.exception
    assert not any("失联判定天数" in str(getattr(n, "label", "")) for n in at.number_input)


def test_compliance_rollup_views(town_db):
    at = open_page("pages/compliance.py", user=INSPECTOR)
    at.radio(key="cp_view").set_value("按乡镇汇总").run()
    assert not at.exception
    towns = at.dataframe[0].value.set_index("乡镇")
    assert towns.loc["长道镇", "结对达标率"] == 0 and towns.loc["汉源镇", "结对达标率"] == 100  # shown as 100.0%
    at.radio(key="cp_view").set_value("按单位汇总").run()
    assert list(at.dataframe[0].value["工作单位"]) == ["县教育局", "县民政局"]
    at.radio(key="cp_view").set_value("按干部汇总").run()
    assert list(at.dataframe[0].value["干部姓名"]) == ["李华"]


def test_cadre_page_opens_from_a_link(town_db):
    _, ids = town_db
    at = app(user=INSPECTOR)
    at.query_params["cadre"] = str(ids["li"])
    at.run()
    at.switch_page(str(ROOT / "pages" / "cadre.py")).run()
    assert not at.exception
    assert "李华（" in texts(at)


def test_cadre_page_issues_a_reminder_to_the_cadre(town_db):
    url, ids = town_db
    at = open_page("pages/cadre.py", user=INSPECTOR)
    at.text_input(key="cd_text").input("李华").run()
    next(btn for btn in at.button if btn.label == "发出").click().run()
    assert not at.exception
    assert any("已向李华发出提醒，涉及 1 户" in s.value for s in at.success)
    with session_scope(url) as s:
        issued = s.scalars(select(SupervisionAction).where(SupervisionAction.batch_no != "TX-OLD-001")).all()
        assert [(a.cadre_id, a.pairing_id, a.kind) for a in issued] == [(ids["li"], ids["p2"], "提醒")]
    assert "收到提醒/督办 2 次" in texts(at)


def test_cadre_link_outside_the_scope_is_refused_and_audited(town_db):
    url, ids = town_db
    at = app(user=as_user("tl", "inspector", b.TOWNSHIP_A, "汉源镇督查"))
    at.query_params["cadre"] = str(ids["li"])  # 李华's household is in 长道镇
    at.run()
    at.switch_page(str(ROOT / "pages" / "cadre.py")).run()
    assert not at.exception
    assert any("不在您账号的查看范围内" in e.value for e in at.error)
    assert "李华" not in texts(at)
    with session_scope(url) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "scope_refused")).one()
        assert entry.target == f"干部 {ids['li']}"
