"""Reminders and supervision orders: answered / pending / late / unanswered at their boundary days,
as-of views, the unit share that worked, issuing (audit, data version, scope) and the notices."""

import datetime as dt
import io

import pytest
from sqlalchemy import func, select, update

from data_access import supervision
from data_access.db import session_scope
from data_access.models import AuditEntry, SupervisionAction
from data_access.permissions import Actor, PermissionDenied
from data_access.policy import Policy
from data_access.scope import EVERYWHERE, Scope, ScopeError
from tests import builders as b

D = dt.date
ISSUED = D(2024, 5, 10)
DEADLINE = D(2024, 5, 20)
INSPECTOR = Actor("inspector1", "inspector", EVERYWHERE)


def _action(s, cadre, pairing, issued=ISSUED, deadline=DEADLINE, kind="提醒", batch="TX-1"):
    row = SupervisionAction(cadre_id=cadre, pairing_id=pairing, kind=kind, issued_date=issued, deadline=deadline,
                            batch_no=batch, reason="联系不足")
    s.add(row)
    s.flush()
    return row.id


@pytest.fixture
def reminded(db_url):
    """One reminder on a pairing; each test adds the contacts it needs."""
    with session_scope(db_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s), name="王强")
        pairing = b.pairing(s, b.household(s), cadre, D(2023, 1, 1))
        _action(s, cadre, pairing)
    return db_url, pairing


def _outcome(url, as_of):
    with session_scope(url) as s:
        rows = s.execute(supervision.actions_query(EVERYWHERE, as_of, Policy())).mappings().all()
    return [r["outcome"] for r in rows]


def _add_contact(url, pairing, day):
    with session_scope(url) as s:
        b.contact(s, pairing, day)


@pytest.mark.parametrize(
    ("contact_day", "as_of", "outcome"),
    [
        (None, D(2024, 5, 20), supervision.PENDING),  # the deadline day itself has not passed
        (None, D(2024, 5, 21), supervision.UNANSWERED),  # first day after the deadline
        (D(2024, 5, 10), D(2024, 5, 21), supervision.ANSWERED),  # contact on the issued day counts
        (D(2024, 5, 20), D(2024, 5, 21), supervision.ANSWERED),  # contact on the deadline counts
        (D(2024, 5, 9), D(2024, 5, 21), supervision.UNANSWERED),  # the day before issue does not
        (D(2024, 5, 21), D(2024, 5, 22), supervision.LATE),  # after the deadline: late, not unanswered
        (D(2024, 5, 21), D(2024, 5, 20), supervision.PENDING),  # contact after D is not known on D
        (D(2024, 5, 15), D(2024, 5, 15), supervision.ANSWERED),
        (D(2024, 5, 15), D(2024, 5, 14), supervision.PENDING),
    ],
)
def test_outcome_boundaries(reminded, contact_day, as_of, outcome):
    url, pairing = reminded
    if contact_day:
        _add_contact(url, pairing, contact_day)
    assert _outcome(url, as_of) == [outcome]


def test_action_issued_after_as_of_does_not_exist_yet(reminded):
    url, _ = reminded
    assert _outcome(url, ISSUED - dt.timedelta(days=1)) == []
    assert _outcome(url, ISSUED) == [supervision.PENDING]


def test_unanswered_actions_frame(reminded):
    url, pairing = reminded
    with session_scope(url) as s:
        frame = supervision.unanswered_actions(s, EVERYWHERE, D(2024, 6, 1), Policy())
        assert list(frame.columns) == supervision.UNANSWERED_COLUMNS
        row = frame.iloc[0]
        assert (row["干部姓名"], row["乡镇"], row["村"], row["逾期天数"]) == ("王强", "汉源镇", "城关村", 12)
        assert supervision.unanswered_actions(s, EVERYWHERE, DEADLINE, Policy()).empty
    _add_contact(url, pairing, D(2024, 5, 30))
    with session_scope(url) as s:
        assert supervision.unanswered_actions(s, EVERYWHERE, D(2024, 6, 1), Policy()).empty  # late, not unanswered
        assert len(supervision.unanswered_actions(s, EVERYWHERE, D(2024, 5, 29), Policy())) == 1  # before that contact


def test_unanswered_actions_respect_scope(reminded):
    url, _ = reminded

    with session_scope(url) as s:
        assert len(supervision.unanswered_actions(s, Scope.for_region(b.TOWNSHIP_A), D(2024, 6, 1), Policy())) == 1
        assert supervision.unanswered_actions(s, Scope.for_region(b.TOWNSHIP_B), D(2024, 6, 1), Policy()).empty


def test_contact_with_another_pairing_does_not_answer(reminded):
    url, _ = reminded
    with session_scope(url) as s:
        cadre = s.scalar(select(SupervisionAction.cadre_id))
        other = b.pairing(s, b.household(s), cadre, D(2023, 1, 1))
        b.contact(s, other, D(2024, 5, 12))
    assert _outcome(url, D(2024, 6, 1)) == [supervision.UNANSWERED]


@pytest.fixture
def two_units(db_url):
    """Two cadres in two units, each behind on one pairing at 2024-06-30."""
    with session_scope(db_url) as s:
        b.region_tree(s)
        li = b.cadre(s, b.unit(s, "县民政局"), name="李华")
        wang = b.cadre(s, b.unit(s, "县教育局"), name="王芳")
        p_li = b.pairing(s, b.household(s, b.VILLAGE_A1), li, D(2024, 1, 1))
        p_wang = b.pairing(s, b.household(s, b.VILLAGE_B1), wang, D(2024, 1, 1))
    return db_url, {"li": li, "wang": wang, "p_li": p_li, "p_wang": p_wang}


def _version(url):
    from data_access.db import data_version

    return data_version(url)


def test_issue_writes_batch_audit_and_version(two_units):
    url, ids = two_units
    before = _version(url)
    with session_scope(url) as s:
        result = supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "督办",
                                   [ids["p_li"], ids["p_wang"]], issued_date=D(2024, 7, 1), actor=INSPECTOR)
    assert (result.actions, result.cadres) == (2, 2)
    assert result.deadline == D(2024, 7, 11)  # the policy's response_days
    assert result.batch_no == "DB20240701-001"
    assert _version(url) == before + 1
    with session_scope(url) as s:
        rows = s.scalars(select(SupervisionAction).order_by(SupervisionAction.id)).all()
        assert [(r.kind, r.batch_no, r.deadline) for r in rows] == [("督办", "DB20240701-001", D(2024, 7, 11))] * 2
        assert rows[0].reason == "截至2024-06-30：联系 0/2 次；实地走访 0/1 次；结对以来 181 天未联系；未认门"
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "reminder")).one()
        assert (entry.username, entry.target) == ("inspector1", "DB20240701-001")
        second = supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(response_days=3), "督办",
                                   [ids["p_li"]], issued_date=D(2024, 7, 1), actor=INSPECTOR)
    assert second.batch_no == "DB20240701-002"
    assert second.deadline == D(2024, 7, 4)


def test_issue_refuses_out_of_scope_and_writes_nothing(two_units):
    url, ids = two_units
    before = _version(url)
    with pytest.raises(ScopeError), session_scope(url) as s:
        supervision.issue(s, Scope.for_region(b.TOWNSHIP_A), D(2024, 6, 30), Policy(), "提醒",
                          [ids["p_li"], ids["p_wang"]], actor=INSPECTOR)
    with pytest.raises(ValueError), session_scope(url) as s:
        supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"]],
                          issued_date=D(2024, 7, 1), deadline=D(2024, 6, 1), actor=INSPECTOR)
    with session_scope(url) as s:
        assert s.scalars(select(SupervisionAction)).all() == []
        assert s.scalars(select(AuditEntry)).all() == []
    assert _version(url) == before


def test_unit_effect_and_action_page(two_units):
    url, ids = two_units
    with session_scope(url) as s:
        supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"], ids["p_wang"]],
                          issued_date=D(2024, 7, 1), deadline=D(2024, 7, 10), actor=INSPECTOR)
        supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"]],
                          issued_date=D(2024, 7, 20), deadline=D(2024, 7, 30), actor=INSPECTOR)
        b.contact(s, ids["p_li"], D(2024, 7, 5), "实地走访")  # answers the first reminder only
    with session_scope(url) as s:
        effect = supervision.unit_effect(s, EVERYWHERE, D(2024, 8, 1), Policy())
        page = supervision.action_page(s, EVERYWHERE, D(2024, 8, 1), Policy())
        only_unanswered = supervision.action_page(s, EVERYWHERE, D(2024, 8, 1), Policy(), outcome=supervision.UNANSWERED)
        mid = supervision.unit_effect(s, EVERYWHERE, D(2024, 7, 25), Policy())
    assert effect[["工作单位", "提醒督办次数", "已回应", "逾期未回应", "回应率"]].values.tolist() == [
        ["县教育局", 1, 0, 1, 0.0], ["县民政局", 2, 1, 1, 0.5]]
    assert page.total == 3
    assert page.counts == {supervision.ANSWERED: 1, supervision.UNANSWERED: 2}
    assert list(page.rows["发出日期"]) == [D(2024, 7, 20), D(2024, 7, 1), D(2024, 7, 1)]
    assert only_unanswered.total == 2 and set(only_unanswered.rows["回应情况"]) == {supervision.UNANSWERED}
    # on 07-25 the second reminder is still pending: not counted in the share
    assert mid.set_index("工作单位").loc["县民政局", "回应率"] == 1.0


def test_notice_lists_cadres_units_and_what_is_missing(two_units):
    import docx

    url, ids = two_units
    with session_scope(url) as s:
        result = supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒",
                                   [ids["p_li"], ids["p_wang"]], issued_date=D(2024, 7, 1), actor=INSPECTOR)
        item = supervision.notice(s, EVERYWHERE, result.batch_no)
        hidden = supervision.notice(s, Scope.for_region(b.TOWNSHIP_B), result.batch_no)
    assert item.title == f"结对关爱工作提醒通知（{result.batch_no}）"
    assert list(item.rows.columns) == supervision.NOTICE_COLUMNS
    assert item.rows[["干部姓名", "工作单位"]].values.tolist() == [["王芳", "县教育局"], ["李华", "县民政局"]]
    assert "联系 0/2 次" in item.rows.iloc[0]["存在问题"]
    assert list(hidden.rows["干部姓名"]) == ["王芳"]  # a township user sees only their rows
    document = docx.Document(io.BytesIO(supervision.notice_docx(item, "县督查组")))
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "李华" in cells and "县民政局" in cells and "存在问题" in cells
    assert any("2024年07月11日" in p.text for p in document.paragraphs)


@pytest.mark.parametrize("as_of", [D(2024, 5, 9), D(2024, 5, 10), D(2024, 5, 20), D(2024, 5, 21), D(2024, 6, 1)])
def test_outcome_filter_agrees_with_outcome_column(db_url, as_of):
    """The outcome filter (EXISTS conditions) and the outcome column (CASE) are one reading."""
    with session_scope(db_url) as s:
        b.region_tree(s)
        cadre = b.cadre(s, b.unit(s))
        for contacts in ([], [D(2024, 5, 10)], [D(2024, 5, 20)], [D(2024, 5, 21)], [D(2024, 5, 9), D(2024, 5, 25)]):
            pairing = b.pairing(s, b.household(s), cadre, D(2023, 1, 1))
            _action(s, cadre, pairing)
            for day in contacts:
                b.contact(s, pairing, day)
    with session_scope(db_url) as s:
        every = s.execute(supervision.actions_query(EVERYWHERE, as_of, Policy())).mappings().all()
        for outcome in supervision.OUTCOMES:
            filtered = s.execute(supervision.actions_query(EVERYWHERE, as_of, Policy(), outcome)).mappings().all()
            assert sorted(r["action_id"] for r in filtered) == sorted(
                r["action_id"] for r in every if r["outcome"] == outcome)


# --- answered in time and in kind (RULES.md "Entry time and answered reminders") ----------------------

def _entered(day, hour=9):
    return dt.datetime.combine(day, dt.time(hour))


@pytest.mark.parametrize(
    ("entered", "outcome"),
    [
        (D(2024, 5, 23), supervision.ANSWERED),  # deadline + late_entry_grace_days (3): still in time
        (D(2024, 5, 24), supervision.LATE),  # one day more: answered late, though dated in time
        (D(2024, 5, 15), supervision.ANSWERED),
    ],
)
def test_a_response_entered_after_the_grace_is_late(reminded, entered, outcome):
    url, pairing = reminded
    with session_scope(url) as s:
        b.contact(s, pairing, D(2024, 5, 15), entered_at=_entered(entered, 23))
    assert _outcome(url, D(2024, 6, 1)) == [outcome]


def test_only_a_visit_answers_an_action_about_missing_visits(reminded):
    url, pairing = reminded
    with session_scope(url) as s:
        s.execute(update(SupervisionAction).values(required_method="实地走访"))
        b.contact(s, pairing, D(2024, 5, 12), "微信")
    assert _outcome(url, D(2024, 6, 1)) == [supervision.UNANSWERED]  # a WeChat message is not a visit
    with session_scope(url) as s:
        b.contact(s, pairing, D(2024, 5, 25), "实地走访")
    assert _outcome(url, D(2024, 6, 1)) == [supervision.LATE]
    with session_scope(url) as s:
        b.contact(s, pairing, D(2024, 5, 19), "实地走访")
    assert _outcome(url, D(2024, 6, 1)) == [supervision.ANSWERED]


def test_as_known_reading_drops_responses_entered_later(reminded):
    url, pairing = reminded
    with session_scope(url) as s:
        b.contact(s, pairing, D(2024, 5, 15), entered_at=_entered(D(2024, 5, 22)))
        by_date = s.execute(supervision.actions_query(EVERYWHERE, D(2024, 5, 21), Policy())).mappings().one()
        known = s.execute(supervision.actions_query(EVERYWHERE, D(2024, 5, 21), Policy(), known=True)).mappings().one()
    assert by_date["outcome"] == supervision.ANSWERED
    assert known["outcome"] == supervision.UNANSWERED  # on 05-21 nobody had entered it yet


def test_issued_visit_shortfall_requires_a_visit(two_units):
    url, ids = two_units
    with session_scope(url) as s:
        supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"]],
                          issued_date=D(2024, 7, 1), actor=INSPECTOR)
        assert s.scalar(select(SupervisionAction.required_method)) == "实地走访"


def test_a_second_issue_escalates_the_pending_action(two_units):
    url, ids = two_units
    with session_scope(url) as s:
        first = supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"]],
                                  issued_date=D(2024, 7, 1), deadline=D(2024, 7, 10), actor=INSPECTOR)
        second = supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"], ids["p_wang"]],
                                   issued_date=D(2024, 7, 5), deadline=D(2024, 7, 20), actor=INSPECTOR)
    assert (second.actions, second.escalated) == (2, 1)
    with session_scope(url) as s:
        rows = s.scalars(select(SupervisionAction).order_by(SupervisionAction.id)).all()
        assert len(rows) == 2  # no second action on p_li
        li = rows[0]
        assert (li.kind, li.deadline, li.batch_no, li.issued_date) == ("督办", D(2024, 7, 20), second.batch_no, D(2024, 7, 1))
        assert f"{first.batch_no}逾期未落实，升级为督办" in li.reason
        pending = supervision.action_page(s, EVERYWHERE, D(2024, 7, 12), Policy())
        assert pending.counts == {supervision.PENDING: 2}
    # withdrawn the same day, the escalated action is the reminder it was; the new one is gone
    with session_scope(url) as s:
        supervision.withdraw(s, second.batch_no, actor=INSPECTOR, today=D(2024, 7, 5))
    with session_scope(url) as s:
        rows = s.scalars(select(SupervisionAction)).all()
        assert [(r.kind, r.deadline, r.batch_no) for r in rows] == [("提醒", D(2024, 7, 10), first.batch_no)]


def test_an_answered_or_overdue_action_is_not_escalated(two_units):
    url, ids = two_units
    with session_scope(url) as s:
        supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"]],
                          issued_date=D(2024, 7, 1), deadline=D(2024, 7, 10), actor=INSPECTOR)
        later = supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "督办", [ids["p_li"]],
                                  issued_date=D(2024, 7, 11), actor=INSPECTOR)
        assert later.escalated == 0
        assert s.scalar(select(func.count()).select_from(SupervisionAction)) == 2


def test_issuing_needs_the_permission_and_the_actors_region(two_units):
    url, ids = two_units
    with pytest.raises(PermissionDenied), session_scope(url) as s:
        supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_li"]],
                          actor=Actor("lead", "leader", EVERYWHERE))
    with pytest.raises(ScopeError), session_scope(url) as s:
        supervision.issue(s, EVERYWHERE, D(2024, 6, 30), Policy(), "提醒", [ids["p_wang"]],
                          actor=Actor("town", "inspector", Scope.for_region(b.TOWNSHIP_A)))
