"""Cadre turnover: a cadre's status (在岗 / 调离 / 退休 / 其他, with its date) and the pairings that wait
for a successor (待调整结对).

A cadre's leaving ends nothing by itself (the pairing stays active and keeps being judged by RULES.md),
but from the status date on, every pairing of the departed cadre active on D is 待调整结对 until the
household has a successor: another pairing, of a cadre still 在岗 (or who left after D), active on D.
Status comes from the 干部 sheet (状态, 状态日期) or an admin's edit (`set_status`, audited).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import exists, func, not_, or_, select
from sqlalchemy.orm import Session, aliased

from data_access import audit, gap_store, permissions
from data_access.config import current_date
from data_access.db import bump_version
from data_access.models import Cadre, Household, Pairing, Region, Unit
from data_access.policy import load_policy
from data_access.scope import Scope, ScopeError
from data_access.vocabulary import CADRE_ACTIVE, CADRE_STATUSES


def _left_on(as_of: dt.date, cadre=Cadre):
    """SQL: the cadre had left by `as_of` (a status other than 在岗 dated on or before it)."""
    return (cadre.status != CADRE_ACTIVE) & (cadre.status_date <= as_of)


def awaiting_query(scope: Scope, as_of: dt.date, only=None):
    """Subquery: the pairings active on `as_of` in scope whose cadre had left by then and whose
    household has no successor pairing (given `only`, a SELECT of pairing ids, among those). Columns: pairing_id, household_code, village_code,
    township, village, cadre_id, cadre_code, cadre_name, unit_name, status, status_date, start_date."""
    other, other_cadre = aliased(Pairing), aliased(Cadre)
    village, township = Region.__table__.alias("village"), Region.__table__.alias("township")
    successor = exists().where(
        other.household_id == Pairing.household_id, other.id != Pairing.id,
        other.start_date <= as_of, or_(other.end_date.is_(None), other.end_date > as_of),
        other_cadre.id == other.cadre_id, not_(_left_on(as_of, other_cadre)),
    )
    return (
        select(Pairing.id.label("pairing_id"), Household.code.label("household_code"), Household.village_code,
               township.c.name.label("township"), village.c.name.label("village"), Cadre.id.label("cadre_id"),
               Cadre.code.label("cadre_code"), Cadre.name.label("cadre_name"), Unit.name.label("unit_name"),
               Cadre.status, Cadre.status_date, Pairing.start_date)
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .join(Unit, Unit.id == Cadre.unit_id)
        .join(Household, Household.id == Pairing.household_id)
        .outerjoin(village, village.c.code == Household.village_code)
        .outerjoin(township, township.c.code == village.c.parent_code)
        .where(
            _left_on(as_of),
            Pairing.start_date <= as_of, or_(Pairing.end_date.is_(None), Pairing.end_date > as_of),
            scope.within(Household.village_code),
            not_(successor),
            *([Pairing.id.in_(only)] if only is not None else []),
        )
        .subquery("awaiting_successor")
    )


AWAITING_COLUMNS = ["户编号", "乡镇", "村", "原干部编号", "原干部姓名", "原工作单位", "干部状态", "状态日期", "待调整天数"]


def count_awaiting(session: Session, scope: Scope, as_of: dt.date) -> int:
    if gap_store.usable(session, as_of, load_policy(session)):
        return gap_store.count(session, gap_store.KIND_AWAITING, scope, as_of)
    return int(session.scalar(select(func.count()).select_from(awaiting_query(scope, as_of))) or 0)


def awaiting(session: Session, scope: Scope, as_of: dt.date, limit: int | None = 500) -> pd.DataFrame:
    """待调整结对: longest waiting first, with the days since the cadre left (AWAITING_COLUMNS). The
    first rows are drawn from the ids gap_store keeps when its day is valid."""
    only = None
    if limit is not None and gap_store.usable(session, as_of, load_policy(session)):
        only = gap_store.first_ids(session, gap_store.KIND_AWAITING, scope, as_of, limit)
    rows = awaiting_query(scope, as_of, only)
    found = session.execute(
        select(rows.c.household_code, rows.c.township, rows.c.village, rows.c.cadre_code, rows.c.cadre_name,
               rows.c.unit_name, rows.c.status, rows.c.status_date)
        .order_by(rows.c.status_date, rows.c.household_code, rows.c.pairing_id)
        .limit(limit)
    ).all()
    return pd.DataFrame([(*r, (as_of - r.status_date).days) for r in found], columns=AWAITING_COLUMNS)


@dataclass(frozen=True)
class StatusChange:
    cadre_name: str
    old: str
    new: str
    status_date: dt.date | None


def set_status(session: Session, cadre_id: int, status: str, status_date: dt.date | None, *,
               actor: permissions.Actor, today: dt.date | None = None) -> StatusChange:
    """An admin's edit of a cadre's status (audited). 在岗 may come without a date; any other status
    needs one, not in the future. The cadre must sit in the actor's region (their unit's or a
    pairing's region)."""
    permissions.check(actor, "edit_cadres")
    today = today or current_date()
    if status not in CADRE_STATUSES:
        raise ValueError(f"状态应为{'、'.join(CADRE_STATUSES)}之一：{status}")
    if status != CADRE_ACTIVE and status_date is None:
        raise ValueError(f"状态为“{status}”时须填写状态日期")
    if status_date is not None and status_date > today:
        raise ValueError(f"状态日期 {status_date:%Y-%m-%d} 晚于今天")
    cadre = session.get(Cadre, cadre_id)
    in_scope = cadre is not None and (not actor.scope.prefix or session.scalar(
        select(Pairing.id).join(Household, Household.id == Pairing.household_id)
        .where(Pairing.cadre_id == cadre_id, actor.scope.within(Household.village_code)).limit(1)) is not None)
    if not in_scope:
        raise ScopeError(str(cadre_id))
    old = cadre.status
    cadre.status, cadre.status_date = status, status_date
    audit.record(session, actor.username, "cadre_status", actor.scope.prefix or None, f"干部 {cadre.name}（{cadre.code}）",
                 {"old": old, "new": status, "date": status_date})
    # a cadre's status feeds 待调整结对 only: no pairing's status, case evidence or signal reads it
    bump_version(session, status_inputs=False, evidence_inputs=False, assessment_inputs=False, signal_inputs=False,
                 gap_inputs=True)
    gap_store.keep(session, gap_store.counties_of_cadres(session, [cadre_id]))  # 待调整结对
    return StatusChange(cadre.name, old, status, status_date)


def status_of(session: Session, cadre_id: int) -> tuple[str, dt.date | None]:
    """(status, status date) of one cadre, as 干部详情 shows it."""
    row = session.execute(select(Cadre.status, Cadre.status_date).where(Cadre.id == cadre_id)).one_or_none()
    return (row.status, row.status_date) if row else (CADRE_ACTIVE, None)
