"""数据核查: each check against a small hand-built dataset, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from data_access import models as m
from data_access import verification
from data_access.db import session_scope
from data_access.permissions import Actor
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b

AS_OF = dt.date(2024, 6, 30)
START = dt.date(2023, 1, 1)
DUP_ID = "621225196001010012"  # not of the builders' automatic pattern


@pytest.fixture
def dataset(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        county, bureau = b.unit(s, "西和县人民政府"), b.unit(s, "西和县民政局")
        leader = b.cadre(s, county, "张县长", rank="县级", is_leader=True)
        busy_leader = b.cadre(s, county, "王科长", rank="科级")
        ordinary = b.cadre(s, bureau, "刘干事")
        loaded = b.cadre(s, bureau, "陈干事")
        s.get(m.Cadre, leader).code, s.get(m.Cadre, ordinary).code = "L1", "C1"
        s.get(m.Cadre, busy_leader).code, s.get(m.Cadre, loaded).code = "L2", "C2"

        # the same ID in two villages and two groups
        for village, group in ((b.VILLAGE_A1, "特困人员"), (b.VILLAGE_B1, "困难重度残疾人")):
            house = b.household(s, village)
            b.person(s, house, village, group=group, name="重复人", id_number=DUP_ID)
            b.pairing(s, house, loaded, START)
        # flagged, and still paired
        house = b.household(s)
        b.person(s, house, name="标记人", verification_flag="不适宜结对关爱")
        b.pairing(s, house, loaded, START)
        house = b.household(s, b.VILLAGE_A2)  # C2's fourth household
        b.person(s, house, b.VILLAGE_A2, name="普通户")
        b.pairing(s, house, loaded, START)
        # unpaired
        b.person(s, b.household(s, b.VILLAGE_A2), b.VILLAGE_A2, name="未结对")
        # an orphan who turned 18 on AS_OF, paired with an ordinary cadre; one a day younger
        house = b.household(s)
        b.person(s, house, group="孤儿", birth_date=dt.date(2006, 6, 30), name="刚成年")
        b.pairing(s, house, ordinary, START, role="爱心爸妈")
        house = b.household(s)
        b.person(s, house, group="孤儿", birth_date=dt.date(2006, 7, 1), name="差一天")
        b.pairing(s, house, busy_leader, START, role="爱心爸妈")
        # a household whose only person exited, pairing still active; and one where another remains
        house = b.household(s, b.VILLAGE_B1)
        b.person(s, house, b.VILLAGE_B1, name="已去世", status="退出", exit_date=dt.date(2024, 3, 1), exit_reason="去世")
        b.pairing(s, house, ordinary, START)
        house = b.household(s, b.VILLAGE_B1)
        b.person(s, house, b.VILLAGE_B1, name="已迁出", status="退出", exit_date=dt.date(2024, 3, 1), exit_reason="迁出")
        b.person(s, house, b.VILLAGE_B1, name="仍在册")
        b.pairing(s, house, ordinary, START)
    return db_url


DEFAULT = Policy()


def listed(url, key, scope=EVERYWHERE, policy=DEFAULT, column="姓名"):
    with session_scope(url) as s:
        frame = verification.rows(s, key, scope, AS_OF, policy, 0, 100)
        count = verification.counts(s, scope, AS_OF, policy)[key]
    assert count == len(frame)
    return sorted(frame[column]) if len(frame) else []


def test_duplicate_ids(dataset):
    assert listed(dataset, "duplicates") == ["重复人", "重复人"]
    with session_scope(dataset) as s:
        frame = verification.rows(s, "duplicates", EVERYWHERE, AS_OF, Policy())
    assert set(frame["身份证号"]) == {"6212************12"}  # masked
    assert set(frame["村"]) == {"城关村", "长道村"} and set(frame["同号记录数"]) == {2}
    assert listed(dataset, "duplicates", Scope.for_region(b.TOWNSHIP_B)) == ["重复人"]


def test_flagged_records(dataset):
    with session_scope(dataset) as s:
        frame = verification.rows(s, "flagged", EVERYWHERE, AS_OF, Policy())
    assert frame[["姓名", "核查标记", "当前结对"]].values.tolist() == [["标记人", "不适宜结对关爱", "是"]]


def test_unpaired_persons(dataset):
    assert listed(dataset, "unpaired") == ["未结对"]


def test_children_who_turned_adult(dataset):
    assert listed(dataset, "grown_up") == ["刚成年"]
    assert listed(dataset, "grown_up", policy=Policy(adult_age=17)) == ["刚成年", "差一天"]
    with session_scope(dataset) as s:
        frame = verification.rows(s, "grown_up", EVERYWHERE, AS_OF, Policy())
    assert frame.loc[0, "年满日期"] == AS_OF


def test_exited_with_active_pairing(dataset):
    assert listed(dataset, "exited_paired") == ["已去世"]


def test_cadres_over_the_household_limit(dataset):
    assert listed(dataset, "overloaded", column="干部编号") == ["C2"]  # 4 households > 3
    assert listed(dataset, "overloaded", policy=Policy(max_households_per_cadre=2), column="干部编号") == ["C1", "C2"]
    assert listed(dataset, "overloaded", policy=Policy(max_households_per_cadre=5), column="干部编号") == []


def test_idle_leaders_while_children_have_ordinary_cadres(dataset):
    assert listed(dataset, "idle_leaders", column="干部编号") == ["L1"]
    assert listed(dataset, "ordinary_cadres") == ["刚成年"]
    # once the orphan is paired with the idle leader, neither list has anything to fix
    with session_scope(dataset) as s:
        pairing = s.scalars(select(m.Pairing).join(m.Cadre).where(m.Cadre.code == "C1", m.Pairing.role == "爱心爸妈")).one()
        pairing.cadre_id = s.scalars(select(m.Cadre.id).where(m.Cadre.code == "L1")).one()
    assert listed(dataset, "idle_leaders", column="干部编号") == []
    assert listed(dataset, "ordinary_cadres") == []


def test_scope_and_paging(dataset):
    township_b = Scope.for_region(b.TOWNSHIP_B)
    with session_scope(dataset) as s:
        counts = verification.counts(s, township_b, AS_OF, Policy())
        assert counts["flagged"] == 0 and counts["exited_paired"] == 1 and counts["unpaired"] == 0
        first = verification.rows(s, "duplicates", EVERYWHERE, AS_OF, Policy(), 0, 1)
        second = verification.rows(s, "duplicates", EVERYWHERE, AS_OF, Policy(), 1, 1)
    assert len(first) == len(second) == 1 and first.loc[0, "村"] != second.loc[0, "村"]


def test_province_and_city_scopes_list_the_same_as_everywhere(dataset):
    """Scopes of the province (read through other plans than a county's) list exactly what the whole
    database lists when every record lies inside them, and nothing for another province."""
    policy = Policy(max_households_per_cadre=2)
    with session_scope(dataset) as s:
        everywhere = verification.counts(s, EVERYWHERE, AS_OF, policy)
        assert all(everywhere.values())
        for region in ("620000", "621200", "621225"):
            scope = Scope.for_region(region)
            assert verification.counts(s, scope, AS_OF, policy) == everywhere, region
            for check in verification.CHECKS:
                rows = verification.rows(s, check.key, scope, AS_OF, policy, 0, 100)
                assert rows.equals(verification.rows(s, check.key, EVERYWHERE, AS_OF, policy, 0, 100)), check.key
        assert set(verification.counts(s, Scope.for_region("630000"), AS_OF, policy).values()) == {0}


def test_export_is_masked_stamped_and_audited(dataset):
    with session_scope(dataset) as s:
        data = verification.export(s, "duplicates", EVERYWHERE, AS_OF, Policy(), "全部地区",
                                   actor=Actor("admin", "admin"))
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["身份重复", "导出说明"]
    values = [row for row in workbook["身份重复"].values]
    assert values[1][0] == "6212************12" and DUP_ID not in str(values)
    with session_scope(dataset) as s:
        entry = s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "export")).one()
    assert entry.username == "admin" and "身份重复" in entry.target
