"""The publicity guard: a case whose cadre is 滞后/失联, has a 督办 not answered or is at a step of the
accountability chain cannot be approved, unless a leader writes a reason — audited as a sentence.

The case scenario (tests/case_scenario.py): 赵建国 (P1) is on track on 2026-01-15; 钱红 (P2, P3) is
失联 (H3 had one call in March 2025)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data_access import accountability, audit, cases
from data_access.db import session_scope
from data_access.models import AuditEntry, SupervisionAction, TypicalCase
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE
from tests import case_scenario as sc

TODAY = dt.date(2026, 1, 15)
POLICY = Policy()
PUBLICITY, LEADER = Actor("pub", "publicity"), Actor("lead", "leader")


def consented_case(s, pairing_id: int, minor: bool) -> int:
    case_id = cases.create_case(s, EVERYWHERE, sc.AS_OF, POLICY, pairing_id, actor=PUBLICITY)
    cases.shortlist(s, EVERYWHERE, case_id, actor=PUBLICITY)
    relation, name = ("监护人", sc.GUARDIAN_NAME) if minor else ("本人", sc.ADULT_NAME)
    cases.record_consent(s, EVERYWHERE, TODAY, POLICY, case_id, name, relation, TODAY, "宣传展板", actor=PUBLICITY)
    return case_id


@pytest.fixture
def scenario(db_url):
    with session_scope(db_url) as s:
        ids = sc.build(s)
        on_track, lagging = consented_case(s, ids.p1, True), consented_case(s, ids.p2, False)
    return db_url, ids, on_track, lagging


def overrides(url) -> list[AuditEntry]:
    with session_scope(url) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "publicity_override").order_by(AuditEntry.id))
        return [(r.username, r.target, audit.describe(r.detail, r.action)) for r in rows]


def test_a_lagging_cadre_blocks_approval_until_a_leader_gives_a_reason(scenario):
    url, ids, on_track, lagging = scenario
    with session_scope(url) as s:
        guard = cases.publicity_guard(s, ids.p2, TODAY, POLICY)
        assert guard.findings == ("目前失联（在结对的 2 户中 1 户滞后或失联）",)
        assert not cases.publicity_guard(s, ids.p1, TODAY, POLICY).holds
    with pytest.raises(cases.CaseError, match="结对干部钱红目前失联.*须由领导说明理由"), session_scope(url) as s:
        cases.approve(s, EVERYWHERE, TODAY, POLICY, lagging, actor=LEADER)
    for blank in ("", "   "):
        with pytest.raises(cases.CaseError, match="须由领导说明理由"), session_scope(url) as s:
            cases.approve(s, EVERYWHERE, TODAY, POLICY, lagging, actor=LEADER, override_reason=blank)
    # publicity staff may neither approve nor override
    with pytest.raises(PermissionDenied), session_scope(url) as s:
        cases.approve(s, EVERYWHERE, TODAY, POLICY, lagging, actor=PUBLICITY, override_reason="我认为可以")
    with session_scope(url) as s:
        assert s.get(TypicalCase, lagging).status == "已同意"
    assert overrides(url) == []

    with session_scope(url) as s:
        assert cases.approve(s, EVERYWHERE, TODAY, POLICY, lagging, actor=LEADER,
                             override_reason="轮椅事迹已核实，另一户已督促整改") == "已审核"
        # a case whose cadre is on track needs no reason, and none is recorded
        assert cases.approve(s, EVERYWHERE, TODAY, POLICY, on_track, actor=LEADER) == "已审核"
    assert overrides(url) == [("lead", f"典型案例#{lagging}",
                               "截至 2026-01-15，结对干部钱红目前失联（在结对的 2 户中 1 户滞后或失联），"
                               "仍审核通过该案例；理由：轮椅事迹已核实，另一户已督促整改")]
    with session_scope(url) as s:
        card = cases.case_card(s, EVERYWHERE, sc.AS_OF, POLICY, case_id=lagging)
        assert card.case.override_reason == "轮椅事迹已核实，另一户已督促整改"
        assert cases.case_card(s, EVERYWHERE, sc.AS_OF, POLICY, case_id=on_track).case.override_reason == ""


def test_an_open_supervision_order_or_a_chain_step_blocks_approval(scenario):
    url, ids, on_track, _ = scenario
    with session_scope(url) as s:
        # a 提醒 does not count; a 督办 pending on TODAY does
        s.add(SupervisionAction(cadre_id=ids.leader, pairing_id=ids.p1, kind="提醒", issued_date=TODAY,
                                deadline=TODAY + dt.timedelta(days=5), batch_no="TX001"))
        s.flush()
        assert not cases.publicity_guard(s, ids.p1, TODAY, POLICY).holds
        s.add(SupervisionAction(cadre_id=ids.leader, pairing_id=ids.p1, kind="督办", issued_date=TODAY,
                                deadline=TODAY + dt.timedelta(days=10), batch_no="DB001"))
        s.flush()
        assert cases.publicity_guard(s, ids.p1, TODAY, POLICY).findings == (
            "有待回应的督办 1 件（批次 DB001，回应期限 2026年01月25日）",)
        # 40 days on, unanswered past its deadline, and an inspector has recorded 约谈 on the cadre
        later = TODAY + dt.timedelta(days=40)
        accountability.record_step(s, ids.leader, "约谈", later, "约谈记录", None, actor=Actor("insp", "inspector"),
                                   today=later)
        findings = cases.publicity_guard(s, ids.p1, later, POLICY).findings
    assert "有逾期未回应的督办 1 件（批次 DB001，回应期限 2026年01月25日）" in findings
    assert findings[-1] == "已被约谈（2026年02月24日）"
    with pytest.raises(cases.CaseError, match="逾期未回应的督办"), session_scope(url) as s:
        cases.approve(s, EVERYWHERE, later, POLICY, on_track, actor=LEADER)
    with session_scope(url) as s:
        cases.approve(s, EVERYWHERE, later, POLICY, on_track, actor=Actor("admin", "admin"),
                      override_reason="事迹发生在督办之前")
        assert s.scalar(select(func.count()).where(AuditEntry.action == "publicity_override")) == 1


def test_publishing_is_guarded_like_approval(scenario):
    """An approved case is not published while its cadre has drawn a 督办 since the approval, unless
    a leader gives a reason — audited as publishing over the guard."""
    url, ids, on_track, _ = scenario
    with session_scope(url) as s:
        cases.approve(s, EVERYWHERE, TODAY, POLICY, on_track, actor=LEADER)
        s.add(SupervisionAction(cadre_id=ids.leader, pairing_id=ids.p1, kind="督办", issued_date=TODAY,
                                deadline=TODAY + dt.timedelta(days=10), batch_no="DB009"))
    with pytest.raises(cases.CaseError, match="待回应的督办.*暂不能发布；确需发布的，须由领导说明理由"), \
            session_scope(url) as s:
        cases.publish(s, EVERYWHERE, TODAY, POLICY, on_track, actor=LEADER)
    with pytest.raises(PermissionDenied), session_scope(url) as s:  # an override is for leaders only
        cases.publish(s, EVERYWHERE, TODAY, POLICY, on_track, actor=Actor("insp", "inspector"),
                      override_reason="可以发布")
    with session_scope(url) as s:
        assert s.get(TypicalCase, on_track).status == "已审核"
    assert overrides(url) == []
    with session_scope(url) as s:
        assert cases.publish(s, EVERYWHERE, TODAY, POLICY, on_track, actor=LEADER,
                             override_reason="事迹在督办之前，已核实") == "已发布"
    assert overrides(url) == [("lead", f"典型案例#{on_track}",
                               "截至 2026-01-15，结对干部赵建国有待回应的督办 1 件（批次 DB009，回应期限 2026年01月25日），"
                               "仍发布该案例；理由：事迹在督办之前，已核实")]
    with session_scope(url) as s:
        card = cases.case_card(s, EVERYWHERE, sc.AS_OF, POLICY, case_id=on_track)
        assert (card.case.override_step, card.case.override_reason) == ("发布", "事迹在督办之前，已核实")


def test_guard_notes_brief_each_listed_pairing(scenario):
    """The list's column: each pairing's cadre's findings in a few words, empty when none."""
    url, ids, _, _ = scenario
    with session_scope(url) as s:
        assert cases.guard_notes(s, [ids.p1, ids.p2, ids.p3], TODAY, POLICY) == {
            ids.p1: "", ids.p2: "失联", ids.p3: "失联"}
        accountability.record_step(s, ids.leader, "约谈", TODAY, "约谈记录", None, actor=Actor("insp", "inspector"),
                                   today=TODAY)
        s.add(SupervisionAction(cadre_id=ids.leader, pairing_id=ids.p1, kind="督办", issued_date=TODAY,
                                deadline=TODAY + dt.timedelta(days=10), batch_no="DB010"))
        s.flush()
        notes = cases.guard_notes(s, [ids.p1], TODAY, POLICY)
        assert notes == {ids.p1: "督办待回应；已被约谈"}
        # the same findings the case's own guard words in full
        assert cases.publicity_guard(s, ids.p1, TODAY, POLICY).brief == notes[ids.p1]
