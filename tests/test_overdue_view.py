"""The 逾期 view on a hand-built dataset (SQLite and PostgreSQL): four kinds, per township and unit.

D = 2024-06-15, default policy (first_visit_days 30, successor_gap_days 30, response deadline set).

汉源镇 (township A)
- H1 (城关村), paired with 张明 (县民政局) since 2023, visited: needs N-a (due 06-01: 14 days overdue),
  N-b (due 06-15: due today, not overdue), N-c (due 05-01, closed 06-20 after D: 45 days overdue);
  a reminder issued 05-01, answered by a call on 05-05.
- H2 (南关村), paired with 李华 (县教育局) on 05-01, no visit: 认门 overdue (45 days ≥ 30).
- H3 (南关村), paired with 李华 on 05-20, no visit: 26 days, not yet overdue.
长道镇 (township B)
- H4, paired with 张明 since 2023, visited: a reminder issued 05-20, deadline 05-30, no contact since: unanswered.
- H5, paired with 张明 until 04-01, nobody since: 结对断档 (75 days ≥ 30); need N-d (raised 05-01 after the
  pairing ended, due 05-10: 36 days overdue), no cadre answering for it.
"""

import datetime as dt
import io

import openpyxl
import pytest
from sqlalchemy import select

from data_access import compliance, overdue
from data_access.db import session_scope
from data_access.models import AuditEntry, Need, NeedEvent, SupervisionAction
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b

D = dt.date(2024, 6, 15)
POLICY = Policy()
SINCE_2023 = dt.date(2023, 1, 1)


def _need(s, code, house, pairing, raised, due, closed=None):
    need = Need(code=code, household_id=house, pairing_id=pairing, raised_date=raised, category="生活",
                content="协调解决", due_date=due, closed_date=closed, status="已办结" if closed else "办理中")
    s.add(need)
    s.flush()
    s.add(NeedEvent(need_id=need.id, event_date=raised, kind="提出", level="干部个人"))


def _action(s, cadre, pairing, issued, deadline, kind="提醒"):
    s.add(SupervisionAction(cadre_id=cadre, pairing_id=pairing, kind=kind, issued_date=issued, deadline=deadline))


def build(url: str) -> None:
    with session_scope(url) as s:
        b.region_tree(s)
        zhang = b.cadre(s, b.unit(s, "县民政局"), name="张明")
        li = b.cadre(s, b.unit(s, "县教育局"), name="李华")
        houses = {}
        for name, village in (("H1", b.VILLAGE_A1), ("H2", b.VILLAGE_A2), ("H3", b.VILLAGE_A2), ("H4", b.VILLAGE_B1),
                              ("H5", b.VILLAGE_B1)):
            houses[name] = b.household(s, village)
            b.person(s, houses[name], village)
        p1 = b.pairing(s, houses["H1"], zhang, SINCE_2023)
        b.contact(s, p1, dt.date(2023, 2, 1), "实地走访")
        b.pairing(s, houses["H2"], li, dt.date(2024, 5, 1))
        b.pairing(s, houses["H3"], li, dt.date(2024, 5, 20))
        p4 = b.pairing(s, houses["H4"], zhang, SINCE_2023)
        b.contact(s, p4, dt.date(2023, 3, 1), "实地走访")
        b.pairing(s, houses["H5"], zhang, SINCE_2023, end=dt.date(2024, 4, 1))
        _need(s, "N-a", houses["H1"], p1, dt.date(2024, 5, 2), dt.date(2024, 6, 1))
        _need(s, "N-b", houses["H1"], p1, dt.date(2024, 5, 16), D)
        _need(s, "N-c", houses["H1"], p1, dt.date(2024, 4, 1), dt.date(2024, 5, 1), closed=dt.date(2024, 6, 20))
        _need(s, "N-d", houses["H5"], None, dt.date(2024, 5, 1), dt.date(2024, 5, 10))
        _action(s, zhang, p1, dt.date(2024, 5, 1), dt.date(2024, 5, 11))
        b.contact(s, p1, dt.date(2024, 5, 5))
        _action(s, zhang, p4, dt.date(2024, 5, 20), dt.date(2024, 5, 30), kind="督办")


@pytest.fixture
def overdue_db(db_url):
    build(db_url)
    return db_url


def test_counts_per_township_and_unit(overdue_db):
    with session_scope(overdue_db) as s:
        tally = overdue.counts(s, EVERYWHERE, D, POLICY)
        town_b = overdue.counts(s, Scope.for_region(b.TOWNSHIP_B), D, POLICY)
    assert tally.totals == {"逾期诉求": 3, "认门逾期": 1, "提醒督办未回应": 1, "结对断档": 1}
    assert tally.total == 6
    assert (tally.area, town_b.area) == ("乡镇", "村")
    by_town = tally.by_region.set_index("乡镇")
    assert list(by_town.index) == ["汉源镇", "长道镇"]
    assert by_town.loc["汉源镇", ["逾期诉求", "认门逾期", "提醒督办未回应", "结对断档", "合计"]].tolist() == [2, 1, 0, 0, 3]
    assert by_town.loc["长道镇", ["逾期诉求", "认门逾期", "提醒督办未回应", "结对断档", "合计"]].tolist() == [1, 0, 1, 1, 3]
    assert set(by_town["县区"]) == {"西和县"}
    by_unit = tally.by_unit.set_index("工作单位")
    assert list(by_unit.index) == ["县民政局", "（未关联结对干部）", "县教育局"]
    assert by_unit.loc["县民政局"].tolist() == [2, 0, 1, 1, 4]
    assert by_unit.loc["县教育局"].tolist() == [0, 1, 0, 0, 1]
    assert town_b.totals == {"逾期诉求": 1, "认门逾期": 0, "提醒督办未回应": 1, "结对断档": 1}
    assert town_b.by_region[["乡镇", "村", "合计"]].values.tolist() == [["长道镇", "长道村", 3]]


def test_rows_of_each_kind_link_to_their_detail(overdue_db):
    with session_scope(overdue_db) as s:
        shown = overdue.view(s, EVERYWHERE, D, POLICY, limit=2)
        full = overdue.rows(s, EVERYWHERE, D, POLICY)
    needs_rows = full["逾期诉求"]
    assert list(needs_rows["诉求编号"]) == ["N-c", "N-d", "N-a"]
    assert list(needs_rows["逾期天数"]) == [45, 36, 14]
    assert list(needs_rows["工作单位"].fillna("")) == ["县民政局", "", "县民政局"]
    assert len(shown.rows["逾期诉求"]) == 2 and shown.counts.totals["逾期诉求"] == 3
    visits = full["认门逾期"]
    assert list(visits["干部姓名"]) == ["李华"]
    assert (visits.loc[0, "认门期限"], visits.loc[0, "已结对天数"]) == (dt.date(2024, 5, 31), 45)
    assert list(full["提醒督办未回应"]["类型"]) == ["督办"]
    assert list(full["提醒督办未回应"]["逾期天数"]) == [16]
    assert list(full["结对断档"]["断档天数"]) == [75]
    for kind, column in overdue.LINK_COLUMNS.items():
        assert column in full[kind].columns and full[kind][column].notna().all()


def test_export_workbook_has_a_sheet_per_kind_and_is_audited(overdue_db):
    with session_scope(overdue_db) as s:
        data = overdue.export_workbook(s, EVERYWHERE, D, POLICY, None, "全部地区",
                                       actor=Actor("inspector1", "inspector"))
        with pytest.raises(PermissionDenied):
            overdue.export_workbook(s, EVERYWHERE, D, POLICY, None, "全部地区", actor=Actor("pub", "publicity"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["按乡镇汇总", "按单位汇总", "逾期诉求", "认门逾期", "提醒督办未回应", "结对断档", "导出说明"]
    needs_sheet = [row for row in book["逾期诉求"].iter_rows(values_only=True)]
    assert needs_sheet[0][0] == "诉求编号" and [r[0] for r in needs_sheet[1:]] == ["N-c", "N-d", "N-a"]
    assert book["结对断档"].max_row == 2
    with session_scope(overdue_db) as s:
        entries = s.execute(select(AuditEntry.action, AuditEntry.username, AuditEntry.target)).all()
    assert entries == [("export", "inspector1", "逾期事项")]


def test_first_visits_overdue_matches_the_compliance_rule(db_url):
    """compliance.first_visits_overdue (used by the 逾期 view) lists exactly the pairings that
    compliance.pairing_status flags first_visit_overdue, on each boundary."""
    day = dt.timedelta(days=1)
    with session_scope(db_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        made = {}
        for name, start, end, contacts in [
            ("exactly 30 days, no visit", D - 30 * day, None, []),
            ("29 days, no visit", D - 29 * day, None, []),
            ("visit dated before the start", D - 60 * day, None, [(D - 70 * day, "实地走访")]),
            ("visit on D", D - 60 * day, None, [(D, "实地走访")]),
            ("visit after D", D - 60 * day, None, [(D + day, "实地走访")]),
            ("calls only", D - 60 * day, None, [(D - 10 * day, "电话")]),
            ("ended before D", D - 90 * day, D - day, []),
            ("visited last year", D - 400 * day, None, [(D - 300 * day, "实地走访")]),
        ]:
            house = b.household(s)
            b.person(s, house)
            made[name] = b.pairing(s, house, cadre, start, end=end)
            for when, method in contacts:
                b.contact(s, made[name], when, method)
    with session_scope(db_url) as s:
        lean = set(s.execute(select(compliance.first_visits_overdue(EVERYWHERE, D, POLICY).subquery().c.pairing_id))
                   .scalars())
        status = compliance.pairing_status(EVERYWHERE, D, POLICY).subquery()
        rule = set(s.execute(select(status.c.pairing_id).where(status.c.first_visit_overdue == 1)).scalars())
    expected = {made[n] for n in ("exactly 30 days, no visit", "visit dated before the start", "visit after D",
                                  "calls only")}
    assert lean == rule == expected


def test_stored_evaluation_gives_the_same_view(overdue_db):
    """With a stored evaluation of the rule valid for D, 认门逾期 is read from its
    first_visit_overdue column: the same counts and rows as evaluated."""
    scopes = (EVERYWHERE, Scope.for_region(b.TOWNSHIP_A))
    with session_scope(overdue_db) as s:
        assert all("stored_status" not in str(compliance.first_visit_rows(s, scope, D, POLICY)) for scope in scopes)
        evaluated = [overdue.view(s, scope, D, POLICY) for scope in scopes]
    with session_scope(overdue_db) as s:
        assert compliance.store_status(s, D, POLICY) is not None
    for scope, live in zip(scopes, evaluated, strict=True):
        with session_scope(overdue_db) as s:
            assert "stored_status" in str(compliance.first_visit_rows(s, scope, D, POLICY))
            stored = overdue.view(s, scope, D, POLICY)
        assert stored.counts.totals == live.counts.totals
        assert stored.counts.totals[overdue.KIND_FIRST_VISITS] > 0
        assert stored.counts.by_region.equals(live.counts.by_region)
        assert stored.counts.by_unit.equals(live.counts.by_unit)
        for kind in overdue.KINDS:
            assert stored.rows[kind].equals(live.rows[kind]), kind


def test_rows_in_the_order_picked_by_place_or_unit(overdue_db):
    """The 排序 choice of 逾期事项 orders every kind in its query (issue 19), each ordering kept within."""
    with session_scope(overdue_db) as s:
        worst = overdue.rows(s, EVERYWHERE, D, POLICY)
        by_unit = overdue.rows(s, EVERYWHERE, D, POLICY, order="按工作单位排列")
        by_place = overdue.rows(s, EVERYWHERE, D, POLICY, order="按乡镇、村排列")
    assert [s.label for s in overdue.SORTS] == ["逾期最久的在前", "按乡镇、村排列", "按工作单位排列"]
    for kind in overdue.KINDS:
        assert sorted(map(tuple, by_unit[kind].astype(str).to_numpy())) == sorted(
            map(tuple, worst[kind].astype(str).to_numpy()))  # the same rows, another order
    units = list(by_unit["逾期诉求"]["工作单位"].fillna(""))
    assert units == ["县民政局", "县民政局", ""]  # grouped by unit (no unit last), longest overdue first within
    assert list(by_unit["逾期诉求"]["逾期天数"])[:2] == [45, 14]
    places = list(zip(by_place["逾期诉求"]["乡镇"], by_place["逾期诉求"]["村"], strict=True))
    assert places == sorted(places)
