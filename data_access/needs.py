"""The needs ledger (诉求台账) as of a day: what exists, what is open, what is overdue (RULES.md).

Every view is as of D: a need raised after D does not exist yet; one closed after D was still open
on D; its responsibility level on D is the last escalation dated on or before D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from data_access.models import Household, Need, NeedEvent, Region
from data_access.scope import Scope
from data_access.vocabulary import LEVEL_CADRE


def exists_on(as_of: dt.date):
    return Need.raised_date <= as_of


def open_on(as_of: dt.date):
    """SQL: the need exists on `as_of` and is not closed on or before it."""
    return and_(exists_on(as_of), or_(Need.closed_date.is_(None), Need.closed_date > as_of))


def overdue_on(as_of: dt.date):
    """SQL: open on `as_of` with its due date before `as_of`."""
    return and_(open_on(as_of), Need.due_date < as_of)


def level_on(as_of: dt.date):
    """SQL scalar: the need's responsibility level on `as_of` (last escalation dated <= as_of)."""
    latest = (
        select(NeedEvent.level)
        .where(NeedEvent.need_id == Need.id, NeedEvent.level.is_not(None), NeedEvent.event_date <= as_of)
        .order_by(NeedEvent.event_date.desc(), NeedEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, LEVEL_CADRE)


@dataclass(frozen=True)
class NeedsSummary:
    raised_this_year: int
    open: int
    overdue: int
    closed_this_year: int


def summary(session: Session, scope: Scope, as_of: dt.date) -> NeedsSummary:
    year_start = dt.date(as_of.year, 1, 1)

    def flag(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(
            flag(and_(Need.raised_date >= year_start, exists_on(as_of))),
            flag(open_on(as_of)),
            flag(overdue_on(as_of)),
            flag(and_(Need.closed_date >= year_start, Need.closed_date <= as_of)),
        )
        .join(Household, Household.id == Need.household_id)
        .where(scope.within(Household.village_code), exists_on(as_of))
    ).one()
    return NeedsSummary(*(int(v) for v in row))


OVERDUE_COLUMNS = ["诉求编号", "户编号", "乡镇", "村", "类别", "内容", "责任层级", "提出日期", "办理期限", "逾期天数"]


def overdue_frame(session: Session, scope: Scope, as_of: dt.date, limit: int | None = None) -> pd.DataFrame:
    """One row per need overdue on `as_of`, longest overdue first (the `export overdue` columns)."""
    village = Region.__table__.alias("village")
    township = Region.__table__.alias("township")
    statement = (
        select(
            Need.code, Household.code, township.c.name, village.c.name, Need.category, Need.content,
            level_on(as_of), Need.raised_date, Need.due_date,
        )
        .join(Household, Household.id == Need.household_id)
        .join(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .where(overdue_on(as_of), scope.within(Household.village_code))
        .order_by(Need.due_date, Need.code)
        .limit(limit)
    )
    rows = session.execute(statement).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=OVERDUE_COLUMNS[:-1])
    frame["逾期天数"] = [(as_of - due).days for due in frame["办理期限"]] if len(frame) else []
    return frame
