"""Recording a contact and a 回访 in the app (data_access.recording) on the hand-built county: the
permission, the region, the rules of the import's rows, the entry time, the audit, the freshness
and the data version; no double entry. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from data_access import db, recording
from data_access import models as m
from data_access.db import session_scope
from data_access.permissions import Actor, PermissionDenied
from data_access.scope import Scope, ScopeError
from tests import builders as b
from tests import leaders_data as L

CLERK_A = Actor("clerk_a", "clerk", Scope.for_region(b.TOWNSHIP_A))
NOW = dt.datetime(2024, 6, 30, 15, 20, 5)


def pairing_of(url, name: str) -> int:
    with session_scope(url) as s:
        household = s.scalar(select(m.Person.household_id).where(m.Person.name == name))
        return s.scalar(select(m.Pairing.id).where(m.Pairing.household_id == household).order_by(m.Pairing.start_date.desc()))


def test_a_clerk_records_a_contact_and_a_return_visit(db_url):
    L.build(db_url)
    pairing = pairing_of(db_url, "李秀英")
    versions = db.data_version(db_url)
    with session_scope(db_url) as s:
        status_before = db.status_version(s)
        contact = recording.add_contact(s, pairing, dt.date(2024, 6, 29), "实地走访", "入户看望", "150",
                                        actor=CLERK_A, now=NOW)
    assert contact.sentence() == f"已录入联系记录：户编号 {contact.household}，干部 张明，2024-06-29 实地走访（录入时间 2024-06-30 15:20）。"
    with session_scope(db_url) as s:
        visit = recording.add_return_visit(s, pairing, dt.date(2024, 6, 30), "电话", "满意", "是", "汉源镇民政办",
                                           actor=CLERK_A, now=NOW)
    with session_scope(db_url) as s:
        row = s.get(m.Contact, contact.id)
        assert (row.entered_at, row.entry_source, row.entered_by, row.gift_yuan) == (NOW, "平台录入", "clerk_a", 150)
        survey = s.get(m.Satisfaction, visit.id)
        assert (survey.level, survey.cadre_came, survey.visitor, survey.entered_at) == ("满意", "是", "汉源镇民政办", NOW)
        assert survey.cadre_id == s.get(m.Pairing, pairing).cadre_id
        actions = [(e.action, e.username, e.region_code) for e in s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id))]
        assert actions == [("record_contact", "clerk_a", b.VILLAGE_A1), ("record_return_visit", "clerk_a", b.VILLAGE_A1)]
        assert json.loads(s.scalars(select(m.AuditEntry.detail)).first())["contact_id"] == contact.id
        fresh = s.get(m.DataFreshness, b.TOWNSHIP_A)
        assert (fresh.changed_at, fresh.source) == (NOW, "平台录入")
        assert db.status_version(s) == status_before + 1  # the contact changes statuses; the 回访 does not
    assert db.data_version(db_url) == versions + 2

    # The same again (a second click) is refused, nothing more stored.
    with pytest.raises(recording.RecordError, match="已经录入过"), session_scope(db_url) as s:
        recording.add_contact(s, pairing, dt.date(2024, 6, 29), "实地走访", "入户看望", actor=CLERK_A, now=NOW)
    with pytest.raises(recording.RecordError, match="已经录入过"), session_scope(db_url) as s:
        recording.add_return_visit(s, pairing, dt.date(2024, 6, 30), "电话", "不满意", actor=CLERK_A, now=NOW)


@pytest.mark.parametrize("args,message", [
    ((dt.date(2024, 7, 1), "电话"), "晚于今天"),
    ((dt.date(2024, 6, 1), "上门"), "联系方式应为"),
    ((dt.date(2024, 6, 1), "电话", None, "-5"), "不能小于 0"),
    ((dt.date(2024, 6, 1), "电话", None, "五十"), "应为数字"),
])
def test_bad_contacts_are_refused_in_chinese(db_url, args, message):
    L.build(db_url)
    pairing = pairing_of(db_url, "李秀英")
    with pytest.raises(recording.RecordError, match=message), session_scope(db_url) as s:
        recording.add_contact(s, pairing, *args, actor=CLERK_A, now=NOW)


def test_region_permission_and_pairing_period(db_url):
    L.build(db_url)
    outside = pairing_of(db_url, "刘小红")  # 长道镇
    ended = pairing_of(db_url, "孙老汉")  # ended 2024-03-01 (长道镇)
    inside = pairing_of(db_url, "李秀英")
    with pytest.raises(ScopeError), session_scope(db_url) as s:
        recording.add_contact(s, outside, dt.date(2024, 6, 1), "电话", actor=CLERK_A, now=NOW)
    with pytest.raises(PermissionDenied), session_scope(db_url) as s:
        recording.add_contact(s, inside, dt.date(2024, 6, 1), "电话", actor=Actor("l", "leader", Scope()), now=NOW)
    clerk_b = Actor("clerk_b", "clerk", Scope.for_region(b.TOWNSHIP_B))
    with pytest.raises(recording.RecordError, match="不在该结对期间"), session_scope(db_url) as s:
        recording.add_contact(s, ended, dt.date(2024, 3, 1), "电话", actor=clerk_b, now=NOW)
    with session_scope(db_url) as s:
        assert s.scalar(select(m.Contact.id).where(m.Contact.entry_source == "平台录入")) is None
        choices = recording.pairings_to_record(s, clerk_b.scope, s.get(m.Pairing, ended).cadre_id, NOW.date())
    assert [label.endswith("已解除）") for _, label in choices] == [True]
