"""What an inspector narrows the laggard and cadre lists by, and the SQL conditions of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from data_access.compliance.rule import active_on, status_label
from data_access.models import (
    Cadre,
    Household,
    Pairing,
    SupervisionAction,
    Unit,
)
from data_access.scope import Scope
from data_access.vocabulary import STATUS_BEHIND, STATUS_SILENT

STATUS_BOTH = status_label(True, True)


LAGGARD_STATUSES = (STATUS_BEHIND, STATUS_SILENT, STATUS_BOTH)


@dataclass(frozen=True)
class LaggardFilter:
    """What an inspector narrows the laggard list by; None / empty means no narrowing."""

    unit_id: int | None = None
    rank: str | None = None
    group: str | None = None  # a person of this group lives in the household
    status: str | None = None  # 滞后: behind (silent or not); 失联: silent; 滞后、失联: both
    min_days_silent: int | None = None  # no contact for more than this many days
    reminded_only: bool = False  # the cadre was reminded or supervised this year, on or before D
    text: str = ""  # part of a cadre's name or code, or of a unit's name
    signals_only: bool = False  # the cadre has an authenticity signal (signals.py) in the year to D
    order: str = ""  # a LAGGARD_SORTS label (the 排序 select; the export keeps it); empty: worst first


def with_signals(cadre_id, scope: Scope, as_of: dt.date, policy, session: Session | None = None):
    """SQL: the cadre has an authenticity signal in the year to D (the laggard list's filter): read
    from the stored signals of the day when `session` is given and they are valid, else live."""
    from data_access import signals  # signals reads the rule of this package

    return cadre_id.in_(signals.cadre_ids_query(scope, as_of, policy, session))


def quiet_since(rows):
    """The day the pairing went quiet: its last contact, or its start when it never had one."""
    return func.coalesce(rows.c.last_contact, rows.c.start_date)


def capped(done, owed):
    return case((done < owed, done), else_=owed)


def shortfall(rows):
    return (rows.c.owed_contacts - capped(rows.c.done_contacts, rows.c.owed_contacts)) + (
        rows.c.owed_visits - capped(rows.c.done_visits, rows.c.owed_visits)
    )


def was_reminded(cadre_id, as_of: dt.date):
    return (
        select(SupervisionAction.id)
        .where(
            SupervisionAction.cadre_id == cadre_id,
            SupervisionAction.issued_date >= dt.date(as_of.year, 1, 1),
            SupervisionAction.issued_date <= as_of,
        )
        .exists()
    )


def status_conditions(status: str | None, is_behind, is_silent) -> list:
    if status == STATUS_BEHIND:
        return [is_behind == 1]
    if status == STATUS_SILENT:
        return [is_silent == 1]
    if status == STATUS_BOTH:
        return [is_behind == 1, is_silent == 1]
    return [or_(is_behind == 1, is_silent == 1)]


def text_condition(text: str):
    text = text.strip()
    if not text:
        return None
    return or_(
        Cadre.name.contains(text, autoescape=True),
        Cadre.code.contains(text, autoescape=True),
        Unit.name.contains(text, autoescape=True),
    )


def cadres_matching(flt: LaggardFilter):
    """SQL: ids of the cadres the filter's unit, rank and text allow (None: no such condition)."""
    conditions = []
    if flt.unit_id is not None:
        conditions.append(Cadre.unit_id == flt.unit_id)
    if flt.rank:
        conditions.append(Cadre.rank == flt.rank)
    text = text_condition(flt.text)
    if text is not None:
        conditions.append(text)
    if not conditions:
        return None
    return select(Cadre.id).join(Unit, Unit.id == Cadre.unit_id).where(*conditions)


def unit_options(session: Session, scope: Scope, as_of: dt.date) -> list[tuple[int, str]]:
    """Units with a cadre paired on `as_of` with a household in scope: (id, name), by name.

    The province asks each unit whether it has such a pairing (most find one at once); a narrower
    scope starts from its own households' pairings instead (a county asking each of the province's
    5,932 units read most of the province's pairings: 0.48 s CPU)."""
    paired = (
        select(Pairing.id)
        .join(Cadre, Cadre.id == Pairing.cadre_id)
        .join(Household, Household.id == Pairing.household_id)
        .where(active_on(as_of), scope.within(Household.village_code))
    )
    if scope.province_wide:
        condition = paired.where(Cadre.unit_id == Unit.id).exists()
    else:
        condition = Unit.id.in_(paired.with_only_columns(Cadre.unit_id).distinct())
    statement = select(Unit.id, Unit.name).where(condition).order_by(Unit.name)
    return [tuple(r) for r in session.execute(statement)]
