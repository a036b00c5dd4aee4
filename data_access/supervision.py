"""Reminders (提醒) and formal supervision orders (督办): issuing them, and whether they worked.

An action is about one pairing of one cadre and carries a response deadline. As of a day D:
- an action issued after D does not exist yet;
- **answered (已回应)**: the cadre made a contact with that pairing dated on/after the issued date
  and on/before the deadline (and on/before D);
- **pending (待回应)**: not answered and the deadline is D or later;
- **late (逾期后回应)**: the deadline passed before D, no contact by the deadline, but one since;
- **unanswered (逾期未回应, RULES.md)**: the deadline passed before D and no contact with that pairing
  since the action was issued.

The share that worked per unit is answered ÷ actions whose outcome is known (all but pending).
Writes bump the data version and are audited ("reminder") in the same transaction.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from data_access.models import Cadre, Contact, Household, Pairing, Region, SupervisionAction, Unit
from data_access.scope import Scope

ANSWERED = "已回应"
PENDING = "待回应"
LATE = "逾期后回应"
UNANSWERED = "逾期未回应"
OUTCOMES = (ANSWERED, PENDING, LATE, UNANSWERED)

_BATCH_PREFIX = {"提醒": "TX", "督办": "DB"}


def first_response(as_of: dt.date):
    """SQL scalar: the first contact with the action's pairing on/after its issued date, up to D."""
    return (
        select(func.min(Contact.contact_date))
        .where(
            Contact.pairing_id == SupervisionAction.pairing_id,
            Contact.contact_date >= SupervisionAction.issued_date,
            Contact.contact_date <= as_of,
        )
        .scalar_subquery()
    )


def _outcome(response, deadline, as_of: dt.date):
    return case(
        (and_(response.is_not(None), response <= deadline), ANSWERED),
        (deadline >= as_of, PENDING),
        (response.is_not(None), LATE),
        else_=UNANSWERED,
    )


def actions_query(scope: Scope, as_of: dt.date) -> Select:
    """One row per action issued on or before `as_of` about a pairing inside `scope`, with its outcome.

    Columns: action_id, batch_no, kind, issued_date, deadline, reason, cadre_id, cadre_code,
    cadre_name, unit_id, unit_name, pairing_id, household_code, township, village, responded_on, outcome.
    """
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    base = (
        select(
            SupervisionAction.id.label("action_id"),
            SupervisionAction.batch_no,
            SupervisionAction.kind,
            SupervisionAction.issued_date,
            SupervisionAction.deadline,
            SupervisionAction.reason,
            Cadre.id.label("cadre_id"),
            Cadre.code.label("cadre_code"),
            Cadre.name.label("cadre_name"),
            Unit.id.label("unit_id"),
            Unit.name.label("unit_name"),
            SupervisionAction.pairing_id,
            Household.code.label("household_code"),
            township.c.name.label("township"),
            village.c.name.label("village"),
            first_response(as_of).label("responded_on"),
        )
        .join(Cadre, Cadre.id == SupervisionAction.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .join(Pairing, Pairing.id == SupervisionAction.pairing_id)
        .join(Household, Household.id == Pairing.household_id)
        .join(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .where(SupervisionAction.issued_date <= as_of, scope.within(Household.village_code))
        .subquery("actions")
    )
    return select(*base.c, _outcome(base.c.responded_on, base.c.deadline, as_of).label("outcome"))


UNANSWERED_COLUMNS = [
    "批次号", "类型", "干部编号", "干部姓名", "工作单位", "户编号", "乡镇", "村", "发出日期", "回应期限", "逾期天数",
]


def unanswered_actions(session: Session, scope: Scope, as_of: dt.date, limit: int | None = None) -> pd.DataFrame:
    """Actions unanswered on `as_of` (RULES.md): deadline passed, no contact since issued.
    Longest overdue first; columns UNANSWERED_COLUMNS."""
    rows = actions_query(scope, as_of).subquery("with_outcome")
    statement = (
        select(
            rows.c.batch_no, rows.c.kind, rows.c.cadre_code, rows.c.cadre_name, rows.c.unit_name,
            rows.c.household_code, rows.c.township, rows.c.village, rows.c.issued_date, rows.c.deadline,
        )
        .where(rows.c.outcome == UNANSWERED)
        .order_by(rows.c.deadline, rows.c.cadre_code, rows.c.action_id)
        .limit(limit)
    )
    frame = pd.DataFrame([tuple(r) for r in session.execute(statement)], columns=UNANSWERED_COLUMNS[:-1])
    frame["逾期天数"] = [(as_of - deadline).days for deadline in frame["回应期限"]] if len(frame) else []
    return frame
