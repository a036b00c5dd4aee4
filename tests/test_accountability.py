"""The accountability chain (data_access/accountability.py) and cadre turnover (data_access/turnover.py,
the 干部 sheet's 状态 / 状态日期), on SQLite and PostgreSQL, and the pages that show them (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access import accountability, imports, turnover
from data_access.db import session_scope
from data_access.models import AuditEntry, Cadre, SupervisionAction
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope, ScopeError
from tests import builders as b
from tests import import_workbooks as wb
from tests.apptest import ROOT, app, as_user, texts

D = dt.date
AS_OF = D(2025, 9, 30)
INSPECTOR = Actor("insp", "inspector", Scope.for_region(b.COUNTY))


def _county(s):
    """Two cadres; 张明 has a 督办 unanswered past its deadline (08-11, no contact since 08-01) and a
    提醒 likewise; 李华 has a 督办 answered in time."""
    b.region_tree(s)
    civil = b.unit(s, "县民政局")
    zhang, li = b.cadre(s, civil, "张明"), b.cadre(s, civil, "李华")
    p1 = b.pairing(s, b.household(s, b.VILLAGE_A1), zhang, D(2024, 1, 1))
    p2 = b.pairing(s, b.household(s, b.VILLAGE_B1), li, D(2024, 1, 1))
    b.contact(s, p2, D(2025, 8, 5))
    late = SupervisionAction(cadre_id=zhang, pairing_id=p1, kind="督办", issued_date=D(2025, 8, 1),
                             deadline=D(2025, 8, 11), batch_no="DB20250801-01")
    s.add_all([late,
               SupervisionAction(cadre_id=zhang, pairing_id=p1, kind="提醒", issued_date=D(2025, 7, 1),
                                 deadline=D(2025, 7, 11), batch_no="TX20250701-01"),
               SupervisionAction(cadre_id=li, pairing_id=p2, kind="督办", issued_date=D(2025, 8, 1),
                                 deadline=D(2025, 8, 11), batch_no="DB20250801-01")])
    s.flush()
    return zhang, li, late.id, p1


def test_proposal_then_steps_in_order(db_url):
    with session_scope(db_url) as s:
        zhang, _, action, _ = _county(s)
    with session_scope(db_url) as s:
        proposed = accountability.proposals(s, EVERYWHERE, AS_OF)
    assert list(proposed["干部姓名"]) == ["张明"]  # the 提醒 and the answered 督办 propose nothing
    assert proposed.loc[0, "建议下一步"] == "约谈" and proposed.loc[0, "逾期天数"] == 50
    with session_scope(db_url) as s:
        done = accountability.record_step(s, zhang, "约谈", D(2025, 9, 1), "县纪委约谈，表示一周内走访",
                                          None, action, actor=INSPECTOR, today=AS_OF)
    assert (done.cadre_name, done.step) == ("张明", "约谈")
    with session_scope(db_url) as s:
        proposed = accountability.proposals(s, EVERYWHERE, AS_OF)
        assert (proposed.loc[0, "已登记"], proposed.loc[0, "建议下一步"]) == ("约谈", "通报批评")
        with pytest.raises(accountability.StepError, match="文号"):
            accountability.record_step(s, zhang, "通报批评", D(2025, 9, 20), "仍未走访", "", action,
                                       actor=INSPECTOR, today=AS_OF)
        with pytest.raises(accountability.StepError, match="不再重复登记"):
            accountability.record_step(s, zhang, "约谈", D(2025, 9, 1), "再点一次", None, action,
                                       actor=INSPECTOR, today=AS_OF)
    with session_scope(db_url) as s:
        accountability.record_step(s, zhang, "通报批评", D(2025, 9, 20), "仍未走访", "西结办〔2025〕9号", action,
                                   actor=INSPECTOR, today=AS_OF)
    with session_scope(db_url) as s:
        chain = accountability.chain(s, Scope.for_region(b.COUNTY), zhang)
        counts = accountability.unit_step_counts(s, EVERYWHERE)
        audited = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "accountability")).all()
    assert list(chain["处理方式"]) == ["约谈", "通报批评"] and chain.loc[1, "文号"] == "西结办〔2025〕9号"
    assert chain.loc[0, "关联督办"] == "DB20250801-01" and chain.loc[0, "登记人"] == "insp"
    assert counts.to_dict("records") == [{"工作单位": "县民政局", "约谈": 0, "通报批评": 1, "问责": 0, "合计": 1}]
    assert len(audited) == 2 and "西结办〔2025〕9号" in audited[1]


def test_proposals_follow_the_as_known_reading(db_url):
    """RULES.md "Entry time": read as known on D (按录入时间), a contact entered after D has not
    answered a 督办 yet. 李华 answered in time by date (08-05) but it was entered on 08-13: on 08-12 as
    known then, 李华's 督办 is unanswered too, and the count agrees with the list."""
    import dataclasses

    from data_access.models import Contact, Pairing

    with session_scope(db_url) as s:
        _, li, _, _ = _county(s)
        contact = s.scalars(select(Contact).join(Pairing, Pairing.id == Contact.pairing_id)
                            .where(Pairing.cadre_id == li)).one()
        contact.entered_at = dt.datetime(2025, 8, 13, 9, 0)
    day = D(2025, 8, 12)
    known = dataclasses.replace(Policy(), as_known=1)
    with session_scope(db_url) as s:
        by_date = accountability.proposals(s, EVERYWHERE, day, policy=Policy())
        as_known = accountability.proposals(s, EVERYWHERE, day, policy=known)
        counts = (accountability.open_proposal_count(s, EVERYWHERE, day, policy=Policy()),
                  accountability.open_proposal_count(s, EVERYWHERE, day, policy=known))
    assert list(by_date["干部姓名"]) == ["张明"]
    assert sorted(as_known["干部姓名"]) == ["张明", "李华"]
    assert counts == (1, 2)


def test_step_refused_for_publicity_outside_region_and_in_future(db_url):
    with session_scope(db_url) as s:
        zhang, _, action, _ = _county(s)
    with session_scope(db_url) as s:
        with pytest.raises(PermissionDenied):
            accountability.record_step(s, zhang, "约谈", AS_OF, "x", None, action,
                                       actor=Actor("p", "publicity", Scope.for_region(b.COUNTY)), today=AS_OF)
        with pytest.raises(ScopeError):
            accountability.record_step(s, zhang, "约谈", AS_OF, "x", None, action,
                                       actor=Actor("t", "inspector", Scope.for_region(b.TOWNSHIP_B)), today=AS_OF)
        with pytest.raises(accountability.StepError, match="晚于今天"):
            accountability.record_step(s, zhang, "约谈", AS_OF + dt.timedelta(days=1), "x", None, action,
                                       actor=INSPECTOR, today=AS_OF)


def test_departed_cadre_pairings_await_a_successor(db_url):
    with session_scope(db_url) as s:
        zhang, li, _, p1 = _county(s)
    admin = Actor("admin", "admin")
    with session_scope(db_url) as s:
        with pytest.raises(PermissionDenied):
            turnover.set_status(s, zhang, "调离", D(2025, 9, 1), actor=INSPECTOR, today=AS_OF)
        with pytest.raises(ValueError, match="须填写状态日期"):
            turnover.set_status(s, zhang, "调离", None, actor=admin, today=AS_OF)
        turnover.set_status(s, zhang, "调离", D(2025, 9, 1), actor=admin, today=AS_OF)
    with session_scope(db_url) as s:
        assert turnover.awaiting(s, EVERYWHERE, D(2025, 8, 31)).empty  # not yet left on 08-31
        frame = turnover.awaiting(s, EVERYWHERE, AS_OF)
        assert frame.to_dict("records")[0] | {"户编号": None} == {
            "户编号": None, "乡镇": "汉源镇", "村": "城关村", "原干部编号": frame.loc[0, "原干部编号"],
            "原干部姓名": "张明", "原工作单位": "县民政局", "干部状态": "调离", "状态日期": D(2025, 9, 1), "待调整天数": 29}
        assert turnover.count_awaiting(s, Scope.for_region(b.TOWNSHIP_B), AS_OF) == 0
        household = s.scalar(select(b.m.Pairing.household_id).where(b.m.Pairing.id == p1))
        b.pairing(s, household, li, D(2025, 9, 20))  # a successor
    with session_scope(db_url) as s:
        assert turnover.awaiting(s, EVERYWHERE, AS_OF).empty
        assert not turnover.awaiting(s, EVERYWHERE, D(2025, 9, 19)).empty
        assert s.scalar(select(AuditEntry.action).where(AuditEntry.action == "cadre_status")) == "cadre_status"


def test_cadre_sheet_status_columns(db_url, tmp_path):
    header = ["干部编号", "姓名", "工作单位", "职级", "状态", "状态日期"]
    good = wb.write_xlsx(tmp_path / "ok.xlsx", {"干部": [
        header, ["GB1", "张明", "县民政局", "科级", "调离", "2025-09-01"], ["GB2", "李华", "县民政局", "科级", None, None],
        ["GB3", "王芳", "县民政局", "科级", "在岗", None]]})
    bad = wb.write_xlsx(tmp_path / "bad.xlsx", {"干部": [
        header, ["GB4", "赵强", "县民政局", "科级", "退休", None], ["GB5", "钱进", "县民政局", "科级", "离职", "2025-01-01"],
        ["GB6", "孙丽", "县民政局", "科级", None, "2025-01-01"]]})
    with session_scope(db_url) as s:
        b.region_tree(s)
    with session_scope(db_url) as s:
        result = imports.run_import(s, imports.read_path(good), actor=Actor("admin", "admin"), policy=Policy(), today=AS_OF)
        assert not result.problems
    with session_scope(db_url) as s:
        rows = dict(s.execute(select(Cadre.code, Cadre.status)).all())
        assert rows == {"GB1": "调离", "GB2": "在岗", "GB3": "在岗"}
        assert s.scalar(select(Cadre.status_date).where(Cadre.code == "GB1")) == D(2025, 9, 1)
    with session_scope(db_url) as s:
        result = imports.run_import(s, imports.read_path(bad), actor=Actor("admin", "admin"), policy=Policy(), today=AS_OF)
    problems = {(p.row, p.column): p.message for p in result.problems}
    assert "须填写状态日期" in problems[(2, "状态日期")]
    assert "状态" in problems[(3, "状态")] and "须同时填写状态" in problems[(4, "状态")]


# --- pages ------------------------------------------------------------------------------------------

@pytest.fixture
def county(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as s:
        ids = _county(s)
    return sqlite_url, ids


def _open(script, user, asof="2025-09-30"):
    at = app(user=user)
    at.query_params["asof"] = asof
    at.run()
    at.switch_page(str(ROOT / script))
    at.run()
    assert not at.exception, at.exception
    return at


def test_accountability_page_proposes_the_next_step(county):
    url, (zhang, *_) = county
    user = as_user("insp", "inspector", b.COUNTY, "督查组")
    at = _open("pages/accountability.py", user)
    table = at.dataframe[0].value
    assert list(table["干部姓名"]) == ["张明"] and list(table["建议下一步"]) == ["约谈"]
    assert "cadre_id" not in table.columns and "督办编号" not in table.columns


def test_accountability_list_is_paged_with_its_true_count(county, monkeypatch):
    """A province has thousands of unanswered 督办: the list shows its whole count and a page of it
    (the first version stopped at 500 and said 共 500 条)."""
    url, (zhang, *_) = county
    with session_scope(url) as s:
        civil = s.scalar(select(Cadre.unit_id).where(Cadre.id == zhang))
        for i in range(30):
            cadre = b.cadre(s, civil, f"干部{i:02d}")
            pairing = b.pairing(s, b.household(s, b.VILLAGE_A2), cadre, D(2024, 1, 1))
            s.add(SupervisionAction(cadre_id=cadre, pairing_id=pairing, kind="督办", issued_date=D(2025, 8, 1),
                                    deadline=D(2025, 8, 12) + dt.timedelta(days=i), batch_no="DB20250801-02"))
    with session_scope(url) as s:
        whole = accountability.proposals(s, EVERYWHERE, AS_OF)
        pages = [accountability.proposals(s, EVERYWHERE, AS_OF, limit=25, offset=o) for o in (0, 25)]
        assert accountability.proposal_count(s, EVERYWHERE, AS_OF) == len(whole) == 31
    assert [list(p["督办编号"]) for p in pages] == [list(whole["督办编号"][:25]), list(whole["督办编号"][25:])]
    monkeypatch.setenv("DASHBOARD_MAX_ROWS", "25")
    at = _open("pages/accountability.py", as_user("insp", "inspector", b.COUNTY, "督查组"))
    assert len(at.dataframe[0].value) == 25 and "共 31 条，本页为第 1–25 条" in texts(at)
    at.number_input(key="ac_page").set_value(2).run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["干部姓名"]) == list(whole["干部姓名"][25:])
    assert "本页为第 26–31 条" in texts(at)


def test_accountability_page_follows_the_as_known_switch(county):
    """The sidebar's 按录入时间 (?known=1) reaches 督办问责: a 督办 answered by a contact entered after the
    day shown is still proposed, as on the other as-of views."""
    from data_access.models import Contact, Pairing

    url, (_, li, _, _) = county
    with session_scope(url) as s:
        s.scalars(select(Contact).join(Pairing, Pairing.id == Contact.pairing_id)
                  .where(Pairing.cadre_id == li)).one().entered_at = dt.datetime(2025, 8, 13, 9, 0)
    user = as_user("insp", "inspector", b.COUNTY, "督查组")
    by_date = _open("pages/accountability.py", user, asof="2025-08-12")
    assert list(by_date.dataframe[0].value["干部姓名"]) == ["张明"]
    at = app(user=user)
    at.query_params["asof"] = "2025-08-12"
    at.query_params["known"] = "1"
    at.run()
    at.switch_page(str(ROOT / "pages/accountability.py"))
    at.run()
    assert not at.exception, at.exception
    assert sorted(at.dataframe[0].value["干部姓名"]) == ["张明", "李华"]


def test_cadre_detail_shows_chain_status_and_work_phone(county):
    url, (zhang, _, action, _) = county
    with session_scope(url) as s:
        s.get(Cadre, zhang).phone = "13912345678"
        accountability.record_step(s, zhang, "约谈", D(2025, 9, 1), "县纪委约谈", None, action, actor=INSPECTOR)
        turnover.set_status(s, zhang, "退休", D(2025, 9, 10), actor=Actor("admin", "admin"))
    at = app(user=as_user("insp", "inspector", b.COUNTY))
    at.query_params["asof"] = "2025-09-30"
    at.run()
    at.session_state["cadre_detail_id"] = zhang
    at.switch_page(str(ROOT / "pages/cadre.py"))
    at.run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "13912345678" in page and "**状态**　退休（2025-09-10）" in page
    assert "县纪委约谈" in page
    assert not [e for e in at.expander if "修改干部状态" in e.label]  # admins only


def test_overdue_and_coverage_list_awaiting_pairings(county):
    url, (zhang, *_) = county
    with session_scope(url) as s:
        turnover.set_status(s, zhang, "调离", D(2025, 9, 1), actor=Actor("admin", "admin"))
    leader = as_user("leader1", "leader", b.COUNTY)
    at = _open("pages/overdue.py", leader)
    assert any("待调整结对 1 户" in e.label for e in at.expander)
    assert "张明" in texts(at) and "29" in texts(at)
    at = _open("pages/coverage.py", leader)
    assert any("待调整结对（1）" in t.label for t in at.tabs)
