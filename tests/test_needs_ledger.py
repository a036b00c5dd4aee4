"""The needs ledger on a hand-worked dataset (SQLite and PostgreSQL): filters, aging buckets, per-level
counts, the escalation proposal, item detail, and the three changes — including two users editing
one item at the same time.

D = 2024-06-15, default policy (escalation_days 15: a level reached on 05-31 has until 06-15).

| code | raised | due   | closed | escalations                          | on D: level, days overdue, bucket, proposal |
|------|--------|-------|--------|--------------------------------------|---------------------------------------------|
| N01  | 05-16  | 06-15 |        |                                      | 干部个人, due today: not overdue, 未到期     |
| N02  | 05-15  | 06-14 |        | 06-01 单位, 06-20 上级 (after D)     | 单位, 1, ≤7; reached 06-01: no proposal     |
| N03  | 01-01  | 02-01 | 06-15  |                                      | closed on D: not open                       |
| N04  | 01-01  | 02-01 | 06-16  |                                      | 干部个人, 135, >90, propose 单位            |
| N05  | 06-16  |       |        |                                      | raised after D: does not exist              |
| N06  | 03-01  | 03-31 |        | 04-05 单位, 05-20 上级 (twice)       | 上级, 76, 31–90, propose 领导小组办公室      |
| N07  | 02-01  | 03-02 |        | 03-10 单位, 03-20 上级, 04-01 办公室  | 领导小组办公室, 105, >90, top: no proposal  |
| N08  | 05-09  | 06-08 |        | 05-31 单位                           | 单位, 7, ≤7; reached D-15: no proposal      |
| N09  | 05-08  | 06-07 |        | 05-30 单位                           | 单位, 8, 8–30; reached D-16: propose 上级    |
| N10  | 04-16  | 05-16 |        |                                      | 干部个人, 30, 8–30, propose 单位            |
| N11  | 04-15  | 05-15 |        |                                      | 干部个人, 31, 31–90, propose 单位           |
| N12  | 02-16  | 03-17 |        |                                      | 干部个人, 90, 31–90, propose 单位           |
| N13  | 02-15  | 03-16 |        |                                      | 干部个人, 91, >90, propose 单位             |
| N14  | 05-01  | 05-31 |        | (township B)                         | 干部个人, 15, 8–30, propose 单位            |
"""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import event, func, select

from data_access import needs
from data_access.db import data_version, get_engine, session_scope
from data_access.models import AuditEntry, Need, NeedEvent
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope, ScopeError
from tests import builders as b
from tests.fixed_date import TODAY

D = dt.date(2024, 6, 15)
POLICY = Policy()
TOWN_A = Scope.for_region(b.TOWNSHIP_A)


def d(month: int, day: int) -> dt.date:
    return dt.date(2024, month, day)


NEEDS = [
    # code, raised, due, closed, escalations, category, village
    ("N01", d(5, 16), d(6, 15), None, [], "生活", b.VILLAGE_A1),
    ("N02", d(5, 15), d(6, 14), None, [(d(6, 1), "单位"), (d(6, 20), "上级")], "就医", b.VILLAGE_A1),
    ("N03", d(1, 1), d(2, 1), d(6, 15), [], "住房", b.VILLAGE_A1),
    ("N04", d(1, 1), d(2, 1), d(6, 16), [], "住房", b.VILLAGE_A1),
    ("N05", d(6, 16), d(7, 16), None, [], "生活", b.VILLAGE_A1),
    ("N06", d(3, 1), d(3, 31), None, [(d(4, 5), "单位"), (d(5, 20), "上级")], "上学", b.VILLAGE_A2),
    ("N07", d(2, 1), d(3, 2), None, [(d(3, 10), "单位"), (d(3, 20), "上级"), (d(4, 1), "领导小组办公室")],
     "政策落实", b.VILLAGE_A1),
    ("N08", d(5, 9), d(6, 8), None, [(d(5, 31), "单位")], "就业", b.VILLAGE_A1),
    ("N09", d(5, 8), d(6, 7), None, [(d(5, 30), "单位")], "就业", b.VILLAGE_A1),
    ("N10", d(4, 16), d(5, 16), None, [], "矛盾纠纷", b.VILLAGE_A1),
    ("N11", d(4, 15), d(5, 15), None, [], "其他", b.VILLAGE_A1),
    ("N12", d(2, 16), d(3, 17), None, [], "生活", b.VILLAGE_A1),
    ("N13", d(2, 15), d(3, 16), None, [], "生活", b.VILLAGE_A1),
    ("N14", d(5, 1), d(5, 31), None, [], "生活", b.VILLAGE_B1),
]


def build(url: str) -> None:
    with session_scope(url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s, "县民政局"), name="王建国")
        houses = {}
        for village in (b.VILLAGE_A1, b.VILLAGE_A2, b.VILLAGE_B1):
            houses[village] = b.household(s, village)
            b.person(s, houses[village], village, name="李秀英", id_number="621225195001011234", phone="13812345678")
            b.pairing(s, houses[village], cadre, d(1, 1) - dt.timedelta(days=400))
        for code, raised, due, closed, escalations, category, village in NEEDS:
            level = escalations[-1][1] if escalations else "干部个人"
            need = Need(code=code, household_id=houses[village], raised_date=raised, category=category,
                        content="协调解决", due_date=due, closed_date=closed, level=level,
                        status="已办结" if closed else "办理中", closure_note="已解决" if closed else None)
            s.add(need)
            s.flush()
            s.add(NeedEvent(need_id=need.id, event_date=raised, kind="提出", level="干部个人"))
            for day, lvl in escalations:
                s.add(NeedEvent(need_id=need.id, event_date=day, kind="上报", level=lvl))
            if closed:
                s.add(NeedEvent(need_id=need.id, event_date=closed, kind="办结", note="已解决"))


@pytest.fixture
def ledger_db(db_url):
    build(db_url)
    return db_url


def _rows(url, flt=None, scope=EVERYWHERE, page=1, size=50):
    with session_scope(url) as s:
        return needs.ledger_page(s, scope, D, POLICY, flt or needs.LedgerFilter(), page, size)


def test_ledger_rows_as_of_d(ledger_db):
    result = _rows(ledger_db)
    assert result.total == 13
    rows = result.rows.set_index("诉求编号")
    expected = {  # level, status, days overdue, proposal
        "N01": ("干部个人", "办理中", None, None),
        "N02": ("单位", "办理中", 1, None),
        "N03": ("干部个人", "已办结", None, None),
        "N04": ("干部个人", "办理中", 135, "单位"),
        "N06": ("上级", "办理中", 76, "领导小组办公室"),
        "N07": ("领导小组办公室", "办理中", 105, None),
        "N08": ("单位", "办理中", 7, None),
        "N09": ("单位", "办理中", 8, "上级"),
        "N10": ("干部个人", "办理中", 30, "单位"),
        "N11": ("干部个人", "办理中", 31, "单位"),
        "N12": ("干部个人", "办理中", 90, "单位"),
        "N13": ("干部个人", "办理中", 91, "单位"),
        "N14": ("干部个人", "办理中", 15, "单位"),
    }
    got = {
        code: (r["责任层级"], r["状态"], None if pd_isna(r["逾期天数"]) else int(r["逾期天数"]),
               None if pd_isna(r["建议上报至"]) else r["建议上报至"])
        for code, r in rows.iterrows()
    }
    assert got == expected
    assert rows.loc["N03", "办结日期"] == D
    assert pd_isna(rows.loc["N04", "办结日期"])  # closed the day after D: still open on D
    # open first, longest overdue first; closed last
    assert list(result.rows["诉求编号"]) == ["N04", "N07", "N13", "N12", "N06", "N11", "N10", "N14", "N09", "N08",
                                         "N02", "N01", "N03"]


def pd_isna(value) -> bool:
    return value is None or bool(pd.isna(value))


def test_ledger_filters_and_paging(ledger_db):
    def codes(**kwargs):
        return sorted(_rows(ledger_db, needs.LedgerFilter(**kwargs)).rows["诉求编号"])

    assert codes(categories=("住房",)) == ["N03", "N04"]
    assert codes(status="已办结") == ["N03"]
    assert codes(status="办理中") == ["N01", "N02", "N04", "N06", "N07", "N08", "N09", "N10", "N11", "N12", "N13",
                                    "N14"]
    assert codes(overdue_only=True) == ["N02", "N04", "N06", "N07", "N08", "N09", "N10", "N11", "N12", "N13", "N14"]
    assert codes(levels=("单位",)) == ["N02", "N08", "N09"]  # N02 reached 上级 only after D
    assert codes(levels=("上级", "领导小组办公室")) == ["N06", "N07"]
    assert codes(raised_from=d(5, 1), raised_to=d(5, 31)) == ["N01", "N02", "N08", "N09", "N14"]
    assert codes(categories=("生活",), overdue_only=True) == ["N12", "N13", "N14"]
    assert codes(escalation_only=True) == ["N04", "N06", "N09", "N10", "N11", "N12", "N13", "N14"]
    assert codes(escalation_only=True, levels=("单位", "上级")) == ["N06", "N09"]
    page3 = _rows(ledger_db, page=3, size=5)
    assert page3.total == 13 and list(page3.rows["诉求编号"]) == ["N02", "N01", "N03"]
    assert sorted(_rows(ledger_db, scope=TOWN_A).rows["诉求编号"]) == [f"N{i:02d}" for i in (1, 2, 3, 4, 6, 7, 8, 9,
                                                                                        10, 11, 12, 13)]


def test_aging_buckets_and_level_counts(ledger_db):
    with session_scope(ledger_db) as s:
        frame = needs.level_aging(s, EVERYWHERE, D, POLICY)
        town = needs.level_aging(s, TOWN_A, D, POLICY)
        housing = needs.level_aging(s, EVERYWHERE, D, POLICY, needs.LedgerFilter(categories=("住房",)))
    assert list(frame.index) == ["干部个人", "单位", "上级", "领导小组办公室"]
    assert frame.to_dict("index") == {
        "干部个人": {"未到期": 1, "逾期≤7天": 0, "逾期8–30天": 2, "逾期31–90天": 2, "逾期>90天": 2, "已办结": 1, "待上报": 6},
        "单位": {"未到期": 0, "逾期≤7天": 2, "逾期8–30天": 1, "逾期31–90天": 0, "逾期>90天": 0, "已办结": 0, "待上报": 1},
        "上级": {"未到期": 0, "逾期≤7天": 0, "逾期8–30天": 0, "逾期31–90天": 1, "逾期>90天": 0, "已办结": 0, "待上报": 1},
        "领导小组办公室": {"未到期": 0, "逾期≤7天": 0, "逾期8–30天": 0, "逾期31–90天": 0, "逾期>90天": 1, "已办结": 0,
                    "待上报": 0},
    }
    assert list(frame[list(needs.AGING_BUCKETS)].sum()) == [1, 2, 3, 3, 3]
    assert town.loc["干部个人", "逾期8–30天"] == 1 and town.loc["干部个人", "待上报"] == 5  # N14 is in township B
    assert housing.loc["干部个人"].to_dict() == {"未到期": 0, "逾期≤7天": 0, "逾期8–30天": 0, "逾期31–90天": 0,
                                             "逾期>90天": 1, "已办结": 1, "待上报": 1}


def test_detail_history_masking_and_proposal(ledger_db):
    with session_scope(ledger_db) as s:
        detail = needs.need_detail(s, EVERYWHERE, D, POLICY, "N06", role="inspector")
        masked = needs.need_detail(s, EVERYWHERE, D, POLICY, "N06", role="publicity")
        early = needs.need_detail(s, EVERYWHERE, d(5, 1), POLICY, "N06", role="inspector")
        outside = needs.need_detail(s, Scope.for_region(b.TOWNSHIP_B), D, POLICY, "N06", role="inspector")
        n02 = needs.need_detail(s, EVERYWHERE, D, POLICY, "N02", role="inspector")
    assert outside is None
    assert (detail.level_on, detail.status_on, detail.overdue_days_on, detail.proposed_level) == (
        "上级", "办理中", 76, "领导小组办公室")
    assert list(detail.history["事项"]) == ["提出", "上报", "上报"]
    assert list(detail.history["日期"]) == [d(3, 1), d(4, 5), d(5, 20)]
    assert list(detail.history["责任层级"]) == ["干部个人", "单位", "上级"]
    assert (detail.cadre_name, detail.unit_name) == ("王建国", "县民政局")
    assert detail.family.loc[0, "姓名"] == "李秀英"
    assert detail.family.loc[0, "身份证号"] == "6212************34"
    assert detail.family.loc[0, "联系电话"] == "138****5678"
    assert masked.family.loc[0, "姓名"] == "李*英"
    # on 05-01 the need was at 单位 since 04-05 (26 days > 15), 31 days overdue
    assert (early.level_on, early.overdue_days_on, early.proposed_level) == ("单位", 31, "上级")
    # the state now (上级 reached 06-20) differs from the state on D (单位)
    assert (n02.level, n02.level_on, n02.next_level) == ("上级", "单位", "领导小组办公室")


def test_escalate_note_close_are_dated_audited_records(ledger_db):
    before = data_version(ledger_db)
    with session_scope(ledger_db) as s:
        seen = needs.need_detail(s, EVERYWHERE, D, POLICY, "N10", role="inspector").version
        result = needs.escalate(s, "N10", "单位", d(6, 16), "乡镇无法协调", seen_version=seen,
                                actor=Actor("inspector1", "inspector", EVERYWHERE))
        assert not result.merged and result.message.startswith("已上报至“单位”")
    with session_scope(ledger_db) as s:
        needs.add_note(s, "N10", "已电话联系单位", d(6, 18), actor=Actor("inspector1", "inspector", EVERYWHERE))
        needs.close(s, "N10", "已调解，双方签字", d(6, 20), actor=Actor("leader1", "leader", EVERYWHERE))
    with session_scope(ledger_db) as s:
        need = s.execute(select(Need).where(Need.code == "N10")).scalar_one()
        assert (need.level, need.status, need.closed_date, need.closure_note, need.version) == (
            "单位", "已办结", d(6, 20), "已调解，双方签字", 4)
        detail = needs.need_detail(s, EVERYWHERE, D, POLICY, "N10", role="inspector")
        audits = s.execute(select(AuditEntry.action, AuditEntry.username, AuditEntry.target)
                           .order_by(AuditEntry.id)).all()
        # as of D nothing of this had happened yet
        assert (detail.level_on, detail.status_on, detail.overdue_days_on) == ("干部个人", "办理中", 30)
        later = needs.need_detail(s, EVERYWHERE, d(6, 19), POLICY, "N10", role="inspector")
        assert (later.level_on, later.status_on) == ("单位", "办理中")
    assert list(detail.history["事项"]) == ["提出", "上报", "备注", "办结"]
    assert list(detail.history["日期"]) == [d(4, 16), d(6, 16), d(6, 18), d(6, 20)]
    assert list(detail.history["说明"])[1:] == ["乡镇无法协调", "已电话联系单位", "已调解，双方签字"]
    assert audits == [("need_change", "inspector1", "N10"), ("need_change", "inspector1", "N10"),
                      ("need_change", "leader1", "N10")]
    assert data_version(ledger_db) == before + 3


def test_changes_refused_with_chinese_messages(ledger_db):
    with session_scope(ledger_db) as s:
        with pytest.raises(PermissionDenied, match="无权"):
            needs.add_note(s, "N10", "看看", d(6, 16), actor=Actor("pub", "publicity", EVERYWHERE))
        with pytest.raises(ScopeError):
            needs.add_note(s, "N10", "看看", d(6, 16),
                           actor=Actor("town_b", "inspector", Scope.for_region(b.TOWNSHIP_B)))
        with pytest.raises(needs.NeedError, match="只能逐级上报"):
            needs.escalate(s, "N10", "上级", d(6, 16), actor=Actor("u", "inspector", EVERYWHERE))
        with pytest.raises(needs.NeedError, match="不能早于上一次定级日期"):
            needs.escalate(s, "N06", "领导小组办公室", d(5, 1), actor=Actor("u", "inspector", EVERYWHERE))
        with pytest.raises(needs.NeedError, match="不能早于提出日期"):
            needs.add_note(s, "N10", "看看", d(4, 1), actor=Actor("u", "inspector", EVERYWHERE))
        with pytest.raises(needs.NeedError, match="不能晚于今天"):
            needs.add_note(s, "N10", "看看", TODAY + dt.timedelta(days=1),
                           actor=Actor("u", "inspector", EVERYWHERE))
        with pytest.raises(needs.NeedError, match="办结日期不能早于最近一次办理记录的日期 2024-05-20"):
            needs.close(s, "N06", "已解决", d(5, 10), actor=Actor("u", "inspector", EVERYWHERE))
        with pytest.raises(needs.NeedError, match="请填写办结情况"):
            needs.close(s, "N10", "  ", d(6, 16), actor=Actor("u", "inspector", EVERYWHERE))
        with pytest.raises(needs.NeedConflict, match="已.*办结"):
            needs.escalate(s, "N03", "单位", d(6, 16), actor=Actor("u", "inspector", EVERYWHERE))
        with pytest.raises(needs.NeedError, match="未找到诉求"):
            needs.add_note(s, "N99", "看看", d(6, 16), actor=Actor("u", "inspector", EVERYWHERE))
    with session_scope(ledger_db) as s:
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == 0
        assert s.execute(select(Need.version).where(Need.code == "N10")).scalar_one() == 1


def test_two_users_edit_one_item_neither_change_lost(ledger_db):
    """A and B open N10 (version 1). B adds a note and saves; A, still looking at version 1,
    escalates: A's change is applied on top of B's, both are in the history."""
    with session_scope(ledger_db) as a, session_scope(ledger_db) as b_:
        seen_a = needs.need_detail(a, EVERYWHERE, D, POLICY, "N10", role="inspector").version
        seen_b = needs.need_detail(b_, EVERYWHERE, D, POLICY, "N10", role="leader").version
        assert seen_a == seen_b == 1
        needs.add_note(b_, "N10", "B：已联系县司法局", d(6, 16), seen_version=seen_b,
                       actor=Actor("userB", "leader", EVERYWHERE))
        b_.commit()
        result = needs.escalate(a, "N10", "单位", d(6, 16), "A：上报单位", seen_version=seen_a,
                                actor=Actor("userA", "inspector", EVERYWHERE))
        a.commit()
    assert result.merged and "已被他人更新" in result.message
    with session_scope(ledger_db) as s:
        detail = needs.need_detail(s, EVERYWHERE, d(6, 16), POLICY, "N10", role="inspector")
    assert (detail.level, detail.version) == ("单位", 3)
    assert list(detail.history["说明"])[1:] == ["B：已联系县司法局", "A：上报单位"]


def test_two_users_escalate_the_same_item_second_is_told_to_refresh(ledger_db):
    with session_scope(ledger_db) as a, session_scope(ledger_db) as b_:
        seen_a = needs.need_detail(a, EVERYWHERE, D, POLICY, "N10", role="inspector").version
        seen_b = needs.need_detail(b_, EVERYWHERE, D, POLICY, "N10", role="leader").version
        needs.escalate(b_, "N10", "单位", d(6, 16), seen_version=seen_b,
                       actor=Actor("userB", "leader", EVERYWHERE))
        b_.commit()
        with pytest.raises(needs.NeedConflict, match="已由他人上报至“单位”，请刷新"):
            needs.escalate(a, "N10", "单位", d(6, 17), seen_version=seen_a,
                           actor=Actor("userA", "inspector", EVERYWHERE))
        a.rollback()
    with session_scope(ledger_db) as s:
        events = s.execute(select(NeedEvent.kind).join(Need).where(Need.code == "N10")).scalars().all()
    assert events == ["提出", "上报"]


def test_write_between_read_and_update_is_retried_on_top(ledger_db):
    """B's whole change commits in the instant between A reading N10 and A's compare-and-set update:
    A's update matches no row (version moved on), A re-reads and applies its change on top."""
    engine = get_engine(ledger_db)
    fired = []

    def interleave(conn, cursor, statement, parameters, context, executemany):
        if fired or not statement.lstrip().upper().startswith("UPDATE NEEDS"):
            return
        fired.append(True)
        with session_scope(ledger_db) as other:
            needs.add_note(other, "N10", "B：同时写入", d(6, 16), actor=Actor("userB", "leader", EVERYWHERE))

    event.listen(engine, "before_cursor_execute", interleave)
    try:
        with session_scope(ledger_db) as a:
            result = needs.close(a, "N10", "A：已办结", d(6, 17), seen_version=1,
                                 actor=Actor("userA", "inspector", EVERYWHERE))
    finally:
        event.remove(engine, "before_cursor_execute", interleave)
    assert fired and result.merged and result.version == 3
    with session_scope(ledger_db) as s:
        need = s.execute(select(Need).where(Need.code == "N10")).scalar_one()
        notes = s.execute(select(NeedEvent.note).where(NeedEvent.need_id == need.id).order_by(NeedEvent.id)).scalars()
        assert (need.status, need.version) == ("已办结", 3)
        assert list(notes)[1:] == ["B：同时写入", "A：已办结"]


def test_ledger_in_the_order_picked(ledger_db):
    """The 排序 choice is applied in the query that pages the ledger (issue 19): page 1 of 5 rows in
    each order is the first five of the whole ledger in that order."""
    def page(order, number=1, size=5):
        with session_scope(ledger_db) as s:
            return needs.ledger_page(s, EVERYWHERE, D, POLICY, needs.LedgerFilter(), number, size, order)

    assert [s.label for s in needs.LEDGER_SORTS][0] == "未办结在前，逾期最久的在前"
    assert list(page("").rows["诉求编号"]) == list(page(needs.LEDGER_SORTS[0].label).rows["诉求编号"])
    whole = page("", 1, 50).rows
    oldest = page("提出日期由早到晚").rows
    assert list(oldest["提出日期"]) == sorted(whole["提出日期"])[:5]
    newest = pd.concat([page("提出日期由近到远", n).rows for n in (1, 2, 3)])
    assert list(newest["提出日期"]) == sorted(whole["提出日期"], reverse=True)
    assert sorted(newest["诉求编号"]) == sorted(whole["诉求编号"])  # every row once across the pages
