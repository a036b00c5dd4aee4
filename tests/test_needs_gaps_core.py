"""As-of semantics of needs and the gap lists, on hand-worked examples (SQLite and PostgreSQL)."""

import datetime as dt

from data_access import gaps, needs
from data_access.db import session_scope
from data_access.models import Need, NeedEvent
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import GROUP_ORPHAN, RANK_COUNTY
from tests import builders as b

D = dt.date(2024, 6, 15)


def _need(s, house, code, raised, due, closed=None, escalations=()):
    need = Need(code=code, household_id=house, raised_date=raised, category="生活", content="修缮房屋",
                due_date=due, status="已办结" if closed else "办理中", closed_date=closed)
    s.add(need)
    s.flush()
    s.add(NeedEvent(need_id=need.id, event_date=raised, kind="提出", level="干部个人"))
    for day, level in escalations:
        s.add(NeedEvent(need_id=need.id, event_date=day, kind="上报", level=level))
    return need.id


def test_needs_as_of_boundaries(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        house = b.household(s)
        _need(s, house, "due-today", dt.date(2024, 5, 16), D)
        _need(s, house, "due-yesterday", dt.date(2024, 5, 15), D - dt.timedelta(days=1),
              escalations=[(dt.date(2024, 6, 1), "单位"), (dt.date(2024, 6, 20), "上级")])
        _need(s, house, "closed-on-D", dt.date(2024, 1, 1), dt.date(2024, 2, 1), closed=D)
        _need(s, house, "closed-after-D", dt.date(2024, 1, 1), dt.date(2024, 2, 1), closed=D + dt.timedelta(days=1))
        _need(s, house, "raised-after-D", D + dt.timedelta(days=1), D - dt.timedelta(days=10))
    with session_scope(db_url) as s:
        frame = needs.overdue_frame(s, EVERYWHERE, D)
        summary = needs.summary(s, EVERYWHERE, D)
        county = needs.summary(s, Scope.for_region(b.COUNTY), D)  # every household: counted without them
        elsewhere = needs.summary(s, Scope.for_region(b.TOWNSHIP_B), D)
    assert county == summary and (elsewhere.open, elsewhere.overdue) == (0, 0)
    assert list(frame["诉求编号"]) == ["closed-after-D", "due-yesterday"]
    assert list(frame["逾期天数"]) == [(D - dt.date(2024, 2, 1)).days, 1]
    assert frame.set_index("诉求编号").loc["due-yesterday", "责任层级"] == "单位"  # 上级 came after D
    assert (summary.open, summary.overdue) == (3, 2)


def test_gaps(db_url):
    with session_scope(db_url) as s:
        b.region_tree(s)
        general = b.cadre(s, b.unit(s))
        leader = b.cadre(s, b.unit(s, "县委办公室"), rank=RANK_COUNTY)
        gap_house = b.household(s)
        b.person(s, gap_house)
        b.pairing(s, gap_house, general, dt.date(2023, 1, 1), end=dt.date(2024, 4, 1))
        recent_house = b.household(s, b.VILLAGE_B1)
        b.person(s, recent_house, b.VILLAGE_B1)
        b.pairing(s, recent_house, general, dt.date(2023, 1, 1), end=dt.date(2024, 6, 1))  # 14 days: not yet a gap
        child_house = b.household(s)
        b.person(s, child_house, group=GROUP_ORPHAN, birth_date=dt.date(2015, 1, 1), name="王小明")
        b.pairing(s, child_house, general, dt.date(2023, 1, 1))
        led_child = b.household(s)
        b.person(s, led_child, group=GROUP_ORPHAN, birth_date=dt.date(2015, 1, 1))
        b.pairing(s, led_child, leader, dt.date(2023, 1, 1))
    with session_scope(db_url) as s:
        ended = gaps.ended_without_successor(s, EVERYWHERE, D, Policy())
        unpaired = gaps.unpaired_persons(s, EVERYWHERE, D)
        children = gaps.children_without_leading_cadre(s, EVERYWHERE, D)
        assert gaps.count_unpaired(s, Scope.for_region(b.TOWNSHIP_B), D) == 1
    assert list(ended["断档天数"]) == [(D - dt.date(2024, 4, 1)).days]
    assert sorted(unpaired["未结对天数"]) == [14, 75]
    assert list(children["姓名"]) == ["王小明"]
