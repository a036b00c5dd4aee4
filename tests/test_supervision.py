"""Reminders and supervision orders: answered / pending / late / unanswered at their boundary days,
as-of views, the unit share that worked, issuing (audit, data version, scope) and the notices."""

import datetime as dt

import pytest
from sqlalchemy import select

from data_access import supervision
from data_access.db import session_scope
from data_access.models import SupervisionAction
from data_access.scope import EVERYWHERE, Scope
from tests import builders as b

D = dt.date
ISSUED = D(2024, 5, 10)
DEADLINE = D(2024, 5, 20)


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
        rows = s.execute(supervision.actions_query(EVERYWHERE, as_of)).mappings().all()
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
        frame = supervision.unanswered_actions(s, EVERYWHERE, D(2024, 6, 1))
        assert list(frame.columns) == supervision.UNANSWERED_COLUMNS
        row = frame.iloc[0]
        assert (row["干部姓名"], row["乡镇"], row["村"], row["逾期天数"]) == ("王强", "汉源镇", "城关村", 12)
        assert supervision.unanswered_actions(s, EVERYWHERE, DEADLINE).empty
    _add_contact(url, pairing, D(2024, 5, 30))
    with session_scope(url) as s:
        assert supervision.unanswered_actions(s, EVERYWHERE, D(2024, 6, 1)).empty  # late, not unanswered
        assert len(supervision.unanswered_actions(s, EVERYWHERE, D(2024, 5, 29))) == 1  # before that contact


def test_unanswered_actions_respect_scope(reminded):
    url, _ = reminded

    with session_scope(url) as s:
        assert len(supervision.unanswered_actions(s, Scope.for_region(b.TOWNSHIP_A), D(2024, 6, 1))) == 1
        assert supervision.unanswered_actions(s, Scope.for_region(b.TOWNSHIP_B), D(2024, 6, 1)).empty


def test_contact_with_another_pairing_does_not_answer(reminded):
    url, _ = reminded
    with session_scope(url) as s:
        cadre = s.scalar(select(SupervisionAction.cadre_id))
        other = b.pairing(s, b.household(s), cadre, D(2023, 1, 1))
        b.contact(s, other, D(2024, 5, 12))
    assert _outcome(url, D(2024, 6, 1)) == [supervision.UNANSWERED]
