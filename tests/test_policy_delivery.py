"""Entitled policies per group, per township, 已落实 / 未落实 / 不适用 / 未报送 as of the day, and the
masked list of persons missing one (tests/leaders_data.py, counted by hand), on SQLite and PostgreSQL."""

import json

from sqlalchemy import select, text

from data_access import policy_delivery
from data_access.db import session_scope
from data_access.models import AuditEntry
from data_access.permissions import Actor
from data_access.scope import EVERYWHERE, Scope
from data_access.vocabulary import ENTITLED_POLICIES, GROUPS
from tests import builders as b
from tests import leaders_data as L


def test_summary(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        frame = policy_delivery.summary(s, EVERYWHERE, L.D)
        delivered_sql = s.execute(text(
            "SELECT count(*) FROM policy_deliveries WHERE delivered AND (delivered_date IS NULL OR delivered_date <= :d)"
        ), {"d": L.D}).scalar_one()
    assert len(frame) == sum(len(ENTITLED_POLICIES[g]) for g in GROUPS)
    rows = frame.set_index(["类别", "应享政策"])
    # 在册人数, 已落实, 未落实, 不适用, 未报送, 落实率 (特困: 李秀英 and 孙老汉; 周某 exited before D)
    assert tuple(rows.loc[("特困人员", "基本生活保障")]) == (2, 1, 0, 0, 1, 0.5)
    assert tuple(rows.loc[("特困人员", "医疗救助")]) == (2, 0, 1, 0, 1, 0.0)  # reported 未落实
    assert tuple(rows.loc[("特困人员", "住房救助")]) == (2, 0, 0, 1, 1, 0.0)  # 不适用 leaves 1 to deliver
    assert tuple(rows.loc[("孤儿", "基本生活保障")]) == (1, 0, 1, 0, 0, 0.0)  # delivered only after D
    assert frame["已落实"].sum() == delivered_sql == 1
    assert (frame["未落实"].sum(), frame["不适用"].sum(), frame["未报送"].sum()) == (2, 1, 14)


def test_by_township(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        frame = policy_delivery.by_township(s, EVERYWHERE, L.D)
        inside_b = policy_delivery.by_township(s, Scope.for_region(b.TOWNSHIP_B), L.D)
    # 汉源镇: 李秀英 (特困, 4 policies: 1 已落实, 1 未落实, 1 不适用, 1 未报送) and 陈大山 (残疾, 4 未报送);
    # 长道镇: 刘小红 (孤儿, 3: 1 delivered after D = 未落实), 刘小军 (3), 孙老汉 (特困, 4): none reported.
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        (b.TOWNSHIP_B, "长道镇", 10, 0, 1, 0, 9, 0.0),
        (b.TOWNSHIP_A, "汉源镇", 8, 1, 1, 1, 5, 1 / 7),
    ]
    assert list(inside_b["乡镇"]) == ["长道镇"]


def test_missing_list_masked_and_filtered(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        everyone = policy_delivery.missing_persons(s, EVERYWHERE, L.D, limit=None)
        total = policy_delivery.count_missing(s, EVERYWHERE, L.D)
        poor = policy_delivery.missing_persons(s, EVERYWHERE, L.D, group="特困人员", policy="基本生活保障")
        township_b = policy_delivery.count_missing(s, Scope.for_region(b.TOWNSHIP_B), L.D)
        second_page = policy_delivery.missing_persons(s, EVERYWHERE, L.D, offset=10, limit=10)
        not_reported = policy_delivery.count_missing(s, EVERYWHERE, L.D, state="未报送")
    # 5 persons in the register: 4 + 4 + 3 + 3 + 4 entitlements, minus 李秀英's delivered and 不适用 ones.
    assert total == len(everyone) == 16
    assert not_reported == 14
    assert list(poor["姓名"]) == ["孙老汉"]
    assert township_b == 3 + 3 + 4
    assert len(second_page) == 6
    assert "621225195001011234" not in everyone.to_csv()
    assert set(everyone.loc[everyone["姓名"] == "李秀英", "身份证号"]) == {"6212************34"}
    li = everyone[everyone["姓名"] == "李秀英"].set_index("未落实政策")["状态"].to_dict()
    assert li == {"医疗救助": "未落实", "权益维护": "未报送"}


def test_missing_in_summary_is_count_missing(db_url):
    """The page takes the list's total from the summary it already shows: the same figure for every
    filter of group and policy, in every scope."""
    L.build(db_url)
    with session_scope(db_url) as s:
        for scope in (EVERYWHERE, Scope.for_region(b.TOWNSHIP_B)):
            frame = policy_delivery.summary(s, scope, L.D)
            for group in (None, *GROUPS):
                for policy in (None, *sorted({p for names in ENTITLED_POLICIES.values() for p in names})):
                    counted = policy_delivery.count_missing(s, scope, L.D, group, policy)
                    assert policy_delivery.missing_in_summary(frame, group, policy) == counted, (group, policy)
                    listed = policy_delivery.missing_persons(s, scope, L.D, group, policy, limit=None)
                    assert len(listed) == counted


def test_export_is_audited(db_url):
    L.build(db_url)
    with session_scope(db_url) as s:
        frame = policy_delivery.export_missing(s, EVERYWHERE, L.D, b.COUNTY, group="孤儿",
                                               actor=Actor("leader1", "leader", EVERYWHERE))
    with session_scope(db_url) as s:
        entry = s.execute(select(AuditEntry)).scalar_one()
    assert len(frame) == 3
    assert (entry.username, entry.action, entry.region_code, entry.target) == ("leader1", "export", b.COUNTY, "政策未落实名单")
    assert json.loads(entry.detail)["rows"] == 3
